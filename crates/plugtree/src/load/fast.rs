//! Typed fast paths for socket functions of common shapes.
//!
//! wasmtime's dynamic API lifts every argument into a `Val`: a `list<u8>`
//! becomes one boxed value per byte. For the shapes in the table below, on
//! an `exactly-one` socket that passes no resources, the consumer's import is
//! one typed `func_wrap` and the provider is called typed
//! ([`LoadedPlugin::call_typed`]), so strings and byte lists cross as one
//! memcpy each way. Everything else (and a host plug as provider) takes the
//! `Val` path.
//!
//! Each shape is one line of the table; the code that uses shapes is written
//! once, generic over [`FastShape`], and [`Shape::visit`] picks the instance.

use wasmtime::component::{ComponentNamedList, ComponentType, Lift, Lower, Val};

use super::failure::ProviderFailure;
use super::plugin::LoadedPlugin;
use crate::describe::socket_abi::ProviderErrorCase;
use crate::describe::{Signature, ValueType};
use crate::host::Caller;

/// A Rust type a fast-path parameter or result has, and its `Val`, for a
/// call whose other side is not typed (the host's `Val`s, a host plug).
pub(crate) trait FastValue: ComponentType + Lift + Lower + Send + Sync + 'static {
    /// Its WIT type.
    fn value_type() -> ValueType;
    /// `value` as this type; `None` if it is another.
    fn from_val(value: &Val) -> Option<Self>;
    /// The value as a `Val`.
    fn into_val(self) -> Val;
    /// Its bytes as the transfer limit counts them
    /// ([`value_bytes`](super::limits::value_bytes)).
    fn bytes(&self) -> usize;
}

impl FastValue for u32 {
    fn value_type() -> ValueType {
        ValueType::U32
    }
    fn from_val(value: &Val) -> Option<Self> {
        if let Val::U32(n) = value { Some(*n) } else { None }
    }
    fn into_val(self) -> Val {
        Val::U32(self)
    }
    fn bytes(&self) -> usize {
        4
    }
}

impl FastValue for String {
    fn value_type() -> ValueType {
        ValueType::String
    }
    fn from_val(value: &Val) -> Option<Self> {
        if let Val::String(s) = value { Some(s.clone()) } else { None }
    }
    fn into_val(self) -> Val {
        Val::String(self)
    }
    fn bytes(&self) -> usize {
        self.len()
    }
}

impl FastValue for Vec<u8> {
    fn value_type() -> ValueType {
        ValueType::List(Box::new(ValueType::U8))
    }
    #[inline(never)]
    fn from_val(value: &Val) -> Option<Self> {
        let Val::List(items) = value else { return None };
        items.iter().map(|v| if let Val::U8(b) = v { Some(*b) } else { None }).collect()
    }
    #[inline(never)]
    fn into_val(self) -> Val {
        Val::List(self.into_iter().map(Val::U8).collect())
    }
    fn bytes(&self) -> usize {
        self.len()
    }
}

impl FastValue for Vec<u32> {
    fn value_type() -> ValueType {
        ValueType::List(Box::new(ValueType::U32))
    }
    #[inline(never)]
    fn from_val(value: &Val) -> Option<Self> {
        let Val::List(items) = value else { return None };
        items.iter().map(|v| if let Val::U32(n) = v { Some(*n) } else { None }).collect()
    }
    #[inline(never)]
    fn into_val(self) -> Val {
        Val::List(self.into_iter().map(Val::U32).collect())
    }
    fn bytes(&self) -> usize {
        self.len() * 4
    }
}

/// A fast-path function's parameters, as a tuple of [`FastValue`]s.
pub(crate) trait FastParams:
    ComponentNamedList + Lift + Lower + Send + Sync + 'static
{
    /// Their WIT types, in order.
    fn value_types() -> Vec<ValueType>;
    /// `vals` as these parameters; `None` if one is of another type.
    fn from_vals(vals: &[Val]) -> Option<Self>;
    /// The parameters as `Val`s.
    fn into_vals(self) -> Vec<Val>;
    /// Their bytes as the transfer limit counts them.
    fn bytes(&self) -> usize;
}

impl<A: FastValue> FastParams for (A,) {
    fn value_types() -> Vec<ValueType> {
        vec![A::value_type()]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [a] => Some((A::from_val(a)?,)),
            _ => None,
        }
    }
    fn into_vals(self) -> Vec<Val> {
        vec![self.0.into_val()]
    }
    fn bytes(&self) -> usize {
        self.0.bytes()
    }
}

impl<A: FastValue, B: FastValue> FastParams for (A, B) {
    fn value_types() -> Vec<ValueType> {
        vec![A::value_type(), B::value_type()]
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        match vals {
            [a, b] => Some((A::from_val(a)?, B::from_val(b)?)),
            _ => None,
        }
    }
    fn into_vals(self) -> Vec<Val> {
        vec![self.0.into_val(), self.1.into_val()]
    }
    fn bytes(&self) -> usize {
        self.0.bytes() + self.1.bytes()
    }
}

/// A function shape with a typed fast path, as Rust types.
pub(crate) trait FastShape: 'static {
    /// Its parameters.
    type Params: FastParams;
    /// Its result (every fast shape has one).
    type Result: FastValue;

    /// Whether `signature` is this shape.
    fn fits(signature: &Signature) -> bool {
        let params = signature.params.iter().map(|(_, ty)| ty);
        params.eq(Self::Params::value_types().iter())
            && signature.result.as_ref() == Some(&Self::Result::value_type())
    }
}

/// Code written once for every shape: [`Shape::visit`] calls it with the
/// shape's [`FastShape`] type.
pub(crate) trait ShapeVisitor {
    /// What the visit gives back.
    type Output;
    /// Runs with `S`, the shape visited.
    fn visit<S: FastShape>(self) -> Self::Output;
}

/// The table of fast shapes: a name, its parameter types and its result.
macro_rules! fast_shapes {
    ($($(#[$doc:meta])* $name:ident: $params:ty => $result:ty;)*) => {
        /// A function shape with a typed fast path.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Shape {
            $($(#[$doc])* $name,)*
        }

        /// One type per shape, for [`ShapeVisitor::visit`].
        mod shape {
            $(
                pub(crate) struct $name;
                impl super::FastShape for $name {
                    type Params = $params;
                    type Result = $result;
                }
            )*
        }

        impl Shape {
            /// The shape of a function with `signature`, if it has a fast path.
            pub fn of(signature: &Signature) -> Option<Shape> {
                $(if <shape::$name as FastShape>::fits(signature) {
                    return Some(Shape::$name);
                })*
                None
            }

            /// Runs `visitor` with this shape's [`FastShape`] type.
            pub fn visit<V: ShapeVisitor>(self, visitor: V) -> V::Output {
                match self {
                    $(Shape::$name => visitor.visit::<shape::$name>(),)*
                }
            }
        }
    };
}

fast_shapes! {
    /// `func(u32, u32) -> u32`
    U32PairToU32: (u32, u32) => u32;
    /// `func(string) -> string`
    StringToString: (String,) => String;
    /// `func(list<u8>) -> u32`
    BytesToU32: (Vec<u8>,) => u32;
    /// `func(list<u8>) -> list<u8>`
    BytesToBytes: (Vec<u8>,) => Vec<u8>;
    /// `func(list<u32>) -> list<u32>`: a `Val` per element costs 22× a fused hop here.
    NumbersToNumbers: (Vec<u32>,) => Vec<u32>;
}

/// A call of a fast-shaped function with `Val`s made typed (the host's call
/// on the root, a fan-out's call): `None` if the arguments are not of the shape.
pub(crate) struct CallWithVals<'a> {
    /// Who calls: the host, or the consumer whose socket this is.
    pub caller: Caller<'a>,
    pub plugin: &'a LoadedPlugin,
    pub function: usize,
    pub args: &'a [Val],
}

impl ShapeVisitor for CallWithVals<'_> {
    type Output = Option<Result<Val, ProviderFailure>>;

    fn visit<S: FastShape>(self) -> Self::Output {
        let params = S::Params::from_vals(self.args)?;
        Some(
            self.plugin.call_fast::<S>(self.caller, self.function, params).map(FastValue::into_val),
        )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::Signature;

    fn sig(params: Vec<ValueType>, result: Option<ValueType>) -> Signature {
        Signature {
            params: params.into_iter().enumerate().map(|(i, t)| (format!("p{i}"), t)).collect(),
            result,
        }
    }

    #[test]
    fn each_table_line_is_recognised_and_nothing_else() {
        let bytes = || ValueType::List(Box::new(ValueType::U8));
        let u32_ = || ValueType::U32;
        let numbers = || ValueType::List(Box::new(ValueType::U32));
        let cases = [
            (sig(vec![u32_(), u32_()], Some(u32_())), Some(Shape::U32PairToU32)),
            (sig(vec![ValueType::String], Some(ValueType::String)), Some(Shape::StringToString)),
            (sig(vec![bytes()], Some(u32_())), Some(Shape::BytesToU32)),
            (sig(vec![bytes()], Some(bytes())), Some(Shape::BytesToBytes)),
            (sig(vec![numbers()], Some(numbers())), Some(Shape::NumbersToNumbers)),
            (sig(vec![numbers()], Some(u32_())), None),
            (sig(vec![u32_(), u32_()], None), None),
            (sig(vec![u32_()], Some(u32_())), None),
            (sig(vec![ValueType::String, ValueType::String], Some(ValueType::String)), None),
        ];
        for (signature, shape) in cases {
            assert_eq!(Shape::of(&signature), shape, "{signature:?}");
        }
    }

    #[test]
    fn params_convert_from_vals_only_of_their_types() {
        let bytes = Val::List(vec![Val::U8(1), Val::U8(2)]);
        assert_eq!(<(Vec<u8>,)>::from_vals(std::slice::from_ref(&bytes)), Some((vec![1, 2],)));
        assert_eq!(<(Vec<u8>,)>::from_vals(&[Val::List(vec![Val::U32(1)])]), None);
        assert_eq!(<(u32, u32)>::from_vals(&[Val::U32(1)]), None);
        assert_eq!((vec![1u8, 2],).into_vals(), vec![bytes]);
        let numbers = Val::List(vec![Val::U32(7), Val::U32(8)]);
        assert_eq!(<(Vec<u32>,)>::from_vals(std::slice::from_ref(&numbers)), Some((vec![7, 8],)));
        assert_eq!(<(Vec<u32>,)>::from_vals(&[Val::List(vec![Val::U8(1)])]), None);
        assert_eq!((vec![7u32, 8],).bytes(), 8);
    }
}
