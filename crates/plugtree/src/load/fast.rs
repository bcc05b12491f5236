//! Typed fast paths for socket functions of common shapes.
//!
//! wasmtime's dynamic API lifts every argument into a `Val`: a `list<u8>`
//! becomes one boxed value per byte. For the shapes below, on an
//! `exactly-one` socket that passes no resources, the consumer's import is a
//! typed `func_wrap` and the provider is called through a `TypedFunc` looked
//! up at load, so strings and byte lists cross as one memcpy each way.
//! Everything else (and a host plug as provider) takes the `Val` path.

use wasmtime::component::{ComponentType, Func, Lift, Lower, TypedFunc, Val};
use wasmtime::{AsContext, AsContextMut};

use super::failure::ProviderFailure;
use crate::describe::socket_abi::ProviderErrorCase;
use crate::describe::{Signature, ValueType};

/// A function shape with a typed fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `func(u32, u32) -> u32`
    U32PairToU32,
    /// `func(string) -> string`
    StringToString,
    /// `func(list<u8>) -> u32`
    BytesToU32,
    /// `func(list<u8>) -> list<u8>`
    BytesToBytes,
}

impl Shape {
    /// The shape of a function with `signature`, if it has a fast path.
    pub fn of(signature: &Signature) -> Option<Shape> {
        let bytes = ValueType::List(Box::new(ValueType::U8));
        let params: Vec<&ValueType> = signature.params.iter().map(|(_, ty)| ty).collect();
        match (params.as_slice(), signature.result.as_ref()) {
            ([ValueType::U32, ValueType::U32], Some(ValueType::U32)) => Some(Shape::U32PairToU32),
            ([ValueType::String], Some(ValueType::String)) => Some(Shape::StringToString),
            ([p], Some(ValueType::U32)) if **p == bytes => Some(Shape::BytesToU32),
            ([p], Some(r)) if **p == bytes && *r == bytes => Some(Shape::BytesToBytes),
            _ => None,
        }
    }
}

/// The arguments of a fast-path call.
#[derive(Debug)]
pub(crate) enum FastArgs {
    U32Pair(u32, u32),
    String(String),
    Bytes(Vec<u8>),
}

/// The answer of a fast-path call.
#[derive(Debug)]
pub(crate) enum FastAnswer {
    U32(u32),
    String(String),
    Bytes(Vec<u8>),
}

impl FastArgs {
    /// `params` as arguments of `shape`, if they are of its types.
    pub fn from_vals(shape: Shape, params: &[Val]) -> Option<FastArgs> {
        match (shape, params) {
            (Shape::U32PairToU32, [Val::U32(a), Val::U32(b)]) => Some(FastArgs::U32Pair(*a, *b)),
            (Shape::StringToString, [Val::String(s)]) => Some(FastArgs::String(s.clone())),
            (Shape::BytesToU32 | Shape::BytesToBytes, [Val::List(items)]) => {
                bytes_of(items).map(FastArgs::Bytes)
            }
            _ => None,
        }
    }

    /// The same arguments as `Val`s, for a provider without a typed function.
    pub fn into_vals(self) -> Vec<Val> {
        match self {
            FastArgs::U32Pair(a, b) => vec![Val::U32(a), Val::U32(b)],
            FastArgs::String(s) => vec![Val::String(s)],
            FastArgs::Bytes(b) => vec![bytes_val(b)],
        }
    }
}

impl FastAnswer {
    /// An answer given as a `Val` in the shape `shape`; `None` if it is not.
    pub fn from_val(shape: Shape, value: Val) -> Option<FastAnswer> {
        match (shape, value) {
            (Shape::U32PairToU32 | Shape::BytesToU32, Val::U32(n)) => Some(FastAnswer::U32(n)),
            (Shape::StringToString, Val::String(s)) => Some(FastAnswer::String(s)),
            (Shape::BytesToBytes, Val::List(items)) => bytes_of(&items).map(FastAnswer::Bytes),
            _ => None,
        }
    }

    /// The answer as a `Val`.
    pub fn into_val(self) -> Val {
        match self {
            FastAnswer::U32(n) => Val::U32(n),
            FastAnswer::String(s) => Val::String(s),
            FastAnswer::Bytes(b) => bytes_val(b),
        }
    }

    /// Bytes the answer takes in the consumer's memory.
    pub fn guest_bytes(&self) -> usize {
        match self {
            FastAnswer::U32(_) => 0,
            FastAnswer::String(s) => s.len(),
            FastAnswer::Bytes(b) => b.len(),
        }
    }
}

/// The bytes of a `list<u8>` given as `Val`s; `None` if an item is not a `u8`.
#[inline(never)]
fn bytes_of(items: &[Val]) -> Option<Vec<u8>> {
    items.iter().map(|v| if let Val::U8(b) = v { Some(*b) } else { None }).collect()
}

/// `bytes` as a `list<u8>` `Val`.
#[inline(never)]
fn bytes_val(bytes: Vec<u8>) -> Val {
    Val::List(bytes.into_iter().map(Val::U8).collect())
}

/// A provider's plug function, typed once at load.
#[derive(Clone, Copy)]
pub(crate) enum FastFunc {
    U32PairToU32(TypedFunc<(u32, u32), (u32,)>),
    StringToString(TypedFunc<(String,), (String,)>),
    BytesToU32(TypedFunc<(Vec<u8>,), (u32,)>),
    BytesToBytes(TypedFunc<(Vec<u8>,), (Vec<u8>,)>),
}

impl FastFunc {
    /// `func` typed as `shape`; `None` if wasmtime says its type differs.
    pub fn new(func: Func, shape: Shape, store: impl AsContext) -> Option<FastFunc> {
        Some(match shape {
            Shape::U32PairToU32 => FastFunc::U32PairToU32(func.typed(&store).ok()?),
            Shape::StringToString => FastFunc::StringToString(func.typed(&store).ok()?),
            Shape::BytesToU32 => FastFunc::BytesToU32(func.typed(&store).ok()?),
            Shape::BytesToBytes => FastFunc::BytesToBytes(func.typed(&store).ok()?),
        })
    }

    /// The function's shape.
    pub fn shape(&self) -> Shape {
        match self {
            FastFunc::U32PairToU32(_) => Shape::U32PairToU32,
            FastFunc::StringToString(_) => Shape::StringToString,
            FastFunc::BytesToU32(_) => Shape::BytesToU32,
            FastFunc::BytesToBytes(_) => Shape::BytesToBytes,
        }
    }

    /// Calls the function; arguments of another shape are a trap-free refusal.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        args: FastArgs,
    ) -> wasmtime::Result<FastAnswer> {
        Ok(match (self, args) {
            (FastFunc::U32PairToU32(f), FastArgs::U32Pair(a, b)) => {
                FastAnswer::U32(f.call(&mut store, (a, b))?.0)
            }
            (FastFunc::StringToString(f), FastArgs::String(s)) => {
                FastAnswer::String(f.call(&mut store, (s,))?.0)
            }
            (FastFunc::BytesToU32(f), FastArgs::Bytes(b)) => {
                FastAnswer::U32(f.call(&mut store, (b,))?.0)
            }
            (FastFunc::BytesToBytes(f), FastArgs::Bytes(b)) => {
                FastAnswer::Bytes(f.call(&mut store, (b,))?.0)
            }
            _ => {
                return Err(wasmtime::format_err!(
                    "arguments of another shape than the function's"
                ));
            }
        })
    }
}

/// The socket ABI's `provider-error` ([`ProviderErrorCase`]), typed for
/// `func_wrap`: wasmtime checks these names against the consumer's imported
/// type when a socket is linked, so a mismatch cannot load.
#[derive(ComponentType, Lift, Lower, Debug, Clone)]
#[component(variant)]
pub(crate) enum ProviderError {
    #[component(name = "trapped")]
    Trapped(String),
    #[component(name = "unavailable")]
    Unavailable(String),
    #[component(name = "limit-exceeded")]
    LimitExceeded(String),
    #[component(name = "reentrant-call")]
    ReentrantCall(String),
    #[component(name = "bad-handle")]
    BadHandle(String),
}

impl From<ProviderFailure> for ProviderError {
    fn from(failure: ProviderFailure) -> Self {
        let case = failure.case();
        let message = failure.into_message();
        match case {
            ProviderErrorCase::Trapped => ProviderError::Trapped(message),
            ProviderErrorCase::Unavailable => ProviderError::Unavailable(message),
            ProviderErrorCase::LimitExceeded => ProviderError::LimitExceeded(message),
            ProviderErrorCase::ReentrantCall => ProviderError::ReentrantCall(message),
            ProviderErrorCase::BadHandle => ProviderError::BadHandle(message),
        }
    }
}
