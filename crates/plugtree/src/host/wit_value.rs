//! Typed host functions: Rust types that stand for WIT types, and closures
//! over them turned into the dynamic form every host plug is called through.

use std::sync::Arc;

use wasmtime::component::Val;

use super::{Caller, DynamicFn, HostError};
use crate::describe::ValueType;

/// A Rust type that stands for a WIT value type in a typed host function.
///
/// Implemented for `bool`, the integers, `f32`, `f64`, `char`, `String`,
/// `Vec<T>` (`list<T>`), `Option<T>`, `Result<T, E>` (`()` for an absent
/// side) and tuples up to four; implement it for your own records, variants
/// and enums (see [`LogLevel`](super::LogLevel) for an enum).
pub trait WitValue: Sized + Send + 'static {
    /// The WIT type this Rust type stands for.
    fn wit_type() -> ValueType;
    /// The value as a component-model value.
    fn into_val(self) -> Val;
    /// The Rust value of a component-model value of [`Self::wit_type`];
    /// `None` for a value of another type.
    fn from_val(val: &Val) -> Option<Self>;
}

/// What may stand where WIT allows "nothing or a value": a function's
/// result and the sides of a `result<T, E>`. `()` is nothing; every
/// [`WitValue`] is a value.
pub trait WitPayload: Sized + Send + 'static {
    /// The WIT type, `None` for `()`.
    fn wit_type() -> Option<ValueType>;
    /// The value, `None` for `()`.
    fn into_payload(self) -> Option<Val>;
    /// Reads the value back (`None` when it does not fit).
    fn from_payload(val: Option<&Val>) -> Option<Self>;
}

impl WitPayload for () {
    fn wit_type() -> Option<ValueType> {
        None
    }
    fn into_payload(self) -> Option<Val> {
        None
    }
    fn from_payload(val: Option<&Val>) -> Option<Self> {
        val.is_none().then_some(())
    }
}

impl<T: WitValue> WitPayload for T {
    fn wit_type() -> Option<ValueType> {
        Some(T::wit_type())
    }
    fn into_payload(self) -> Option<Val> {
        Some(self.into_val())
    }
    fn from_payload(val: Option<&Val>) -> Option<Self> {
        val.and_then(T::from_val)
    }
}

macro_rules! scalar {
    ($($rust:ty => $wit:ident / $val:ident),* $(,)?) => {$(
        impl WitValue for $rust {
            fn wit_type() -> ValueType {
                ValueType::$wit
            }
            fn into_val(self) -> Val {
                Val::$val(self)
            }
            fn from_val(val: &Val) -> Option<Self> {
                match val {
                    Val::$val(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

scalar! {
    bool => Bool / Bool,
    u8 => U8 / U8, i8 => S8 / S8, u16 => U16 / U16, i16 => S16 / S16,
    u32 => U32 / U32, i32 => S32 / S32, u64 => U64 / U64, i64 => S64 / S64,
    f32 => F32 / Float32, f64 => F64 / Float64, char => Char / Char,
    String => String / String,
}

impl<T: WitValue> WitValue for Vec<T> {
    fn wit_type() -> ValueType {
        ValueType::List(Box::new(T::wit_type()))
    }
    fn into_val(self) -> Val {
        Val::List(self.into_iter().map(T::into_val).collect())
    }
    fn from_val(val: &Val) -> Option<Self> {
        match val {
            Val::List(items) => items.iter().map(T::from_val).collect(),
            _ => None,
        }
    }
}

impl<T: WitValue> WitValue for Option<T> {
    fn wit_type() -> ValueType {
        ValueType::Option(Box::new(T::wit_type()))
    }
    fn into_val(self) -> Val {
        Val::Option(self.map(|v| Box::new(v.into_val())))
    }
    fn from_val(val: &Val) -> Option<Self> {
        match val {
            Val::Option(None) => Some(None),
            Val::Option(Some(v)) => T::from_val(v).map(Some),
            _ => None,
        }
    }
}

impl<T: WitPayload, E: WitPayload> WitValue for Result<T, E> {
    fn wit_type() -> ValueType {
        ValueType::Result { ok: T::wit_type().map(Box::new), err: E::wit_type().map(Box::new) }
    }
    fn into_val(self) -> Val {
        Val::Result(match self {
            Ok(v) => Ok(v.into_payload().map(Box::new)),
            Err(e) => Err(e.into_payload().map(Box::new)),
        })
    }
    fn from_val(val: &Val) -> Option<Self> {
        match val {
            Val::Result(Ok(v)) => T::from_payload(v.as_deref()).map(Ok),
            Val::Result(Err(e)) => E::from_payload(e.as_deref()).map(Err),
            _ => None,
        }
    }
}

macro_rules! tuple {
    ($($name:ident),+) => {
        impl<$($name: WitValue),+> WitValue for ($($name,)+) {
            fn wit_type() -> ValueType {
                ValueType::Tuple(vec![$($name::wit_type()),+])
            }
            #[allow(non_snake_case)]
            fn into_val(self) -> Val {
                let ($($name,)+) = self;
                Val::Tuple(vec![$($name.into_val()),+])
            }
            #[allow(non_snake_case)]
            fn from_val(val: &Val) -> Option<Self> {
                match val {
                    Val::Tuple(items) => match items.as_slice() {
                        [$($name),+] => Some(($($name::from_val($name)?,)+)),
                        _ => None,
                    },
                    _ => None,
                }
            }
        }
    };
}

tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);

/// The types of a typed host function: parameters in order, and the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypedSignature {
    pub params: Vec<ValueType>,
    pub result: Option<ValueType>,
}

/// A Rust closure that can implement a WIT function: it takes one
/// [`WitValue`] per WIT parameter and returns `Result<R, HostError>` where
/// `R` is the WIT result (`()` for none). Implemented for closures of up to
/// six parameters; `Args` is the tuple of their types and only guides
/// inference.
pub trait HostFunction<Args>: Send + Sync + 'static {
    /// The WIT types the closure stands for.
    #[doc(hidden)]
    fn signature() -> (Vec<ValueType>, Option<ValueType>);
    /// The closure in dynamic form.
    #[doc(hidden)]
    fn into_dynamic(self) -> Arc<DynamicFn>;
}

/// [`HostFunction`] for a closure that takes the [`Caller`] of each call
/// before its WIT parameters: `|caller: Caller<'_>, key: String| -> Result<R,
/// HostError>`. Implemented for closures of up to six WIT parameters.
pub trait CallerFunction<Args>: Send + Sync + 'static {
    /// The WIT types the closure stands for (the caller is not one).
    #[doc(hidden)]
    fn signature() -> (Vec<ValueType>, Option<ValueType>);
    /// The closure in dynamic form.
    #[doc(hidden)]
    fn into_dynamic(self) -> Arc<DynamicFn>;
}

/// Reads one typed argument from `params`.
fn argument<T: WitValue>(params: &mut std::slice::Iter<'_, Val>) -> Result<T, HostError> {
    params.next().and_then(T::from_val).ok_or_else(|| {
        HostError::new(format!("argument of type `{}` missing or of another type", T::wit_type()))
    })
}

macro_rules! host_function {
    ($($arg:ident),*) => {
        impl<Func, Ret, $($arg),*> HostFunction<($($arg,)*)> for Func
        where
            Func: Fn($($arg),*) -> Result<Ret, HostError> + Send + Sync + 'static,
            Ret: WitPayload,
            $($arg: WitValue,)*
        {
            fn signature() -> (Vec<ValueType>, Option<ValueType>) {
                (vec![$($arg::wit_type()),*], Ret::wit_type())
            }

            #[allow(non_snake_case, unused_mut)]
            fn into_dynamic(self) -> Arc<DynamicFn> {
                Arc::new(move |_: Caller<'_>, params: &[Val]| {
                    let mut params = params.iter();
                    $(let $arg = argument::<$arg>(&mut params)?;)*
                    if params.next().is_some() {
                        return Err(HostError::new("too many arguments"));
                    }
                    Ok(self($($arg),*)?.into_payload())
                })
            }
        }

        impl<Func, Ret, $($arg),*> CallerFunction<($($arg,)*)> for Func
        where
            Func: Fn(Caller<'_>, $($arg),*) -> Result<Ret, HostError> + Send + Sync + 'static,
            Ret: WitPayload,
            $($arg: WitValue,)*
        {
            fn signature() -> (Vec<ValueType>, Option<ValueType>) {
                (vec![$($arg::wit_type()),*], Ret::wit_type())
            }

            #[allow(non_snake_case, unused_mut)]
            fn into_dynamic(self) -> Arc<DynamicFn> {
                Arc::new(move |caller: Caller<'_>, params: &[Val]| {
                    let mut params = params.iter();
                    $(let $arg = argument::<$arg>(&mut params)?;)*
                    if params.next().is_some() {
                        return Err(HostError::new("too many arguments"));
                    }
                    Ok(self(caller, $($arg),*)?.into_payload())
                })
            }
        }
    };
}

host_function!();
host_function!(A1);
host_function!(A1, A2);
host_function!(A1, A2, A3);
host_function!(A1, A2, A3, A4);
host_function!(A1, A2, A3, A4, A5);
host_function!(A1, A2, A3, A4, A5, A6);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: WitValue + PartialEq + std::fmt::Debug + Clone>(value: T) {
        let val = value.clone().into_val();
        assert!(
            crate::describe::val_check::matches(&val, &T::wit_type()),
            "{val:?} is a {}",
            T::wit_type()
        );
        assert_eq!(T::from_val(&val), Some(value));
    }

    #[test]
    fn rust_values_round_trip_through_vals_of_their_wit_type() {
        round_trip(7u32);
        round_trip(-3i64);
        round_trip('ß');
        round_trip(String::from("hello"));
        round_trip(vec![1u8, 2, 3]);
        round_trip(Some(vec![String::from("a")]));
        round_trip(Ok::<u32, String>(1));
        round_trip(Err::<(), String>("no".into()));
        round_trip((1u8, String::from("x"), false));
        assert_eq!(u32::from_val(&Val::U64(1)), None);
        assert_eq!(
            <Result<(), ()> as WitValue>::wit_type(),
            ValueType::Result { ok: None, err: None }
        );
    }

    #[test]
    fn a_closure_becomes_a_checked_dynamic_function() {
        let add = |a: u32, b: u32| -> Result<u32, HostError> {
            a.checked_add(b).ok_or_else(|| HostError::new("overflow"))
        };
        fn signature_of<Args, F: HostFunction<Args>>(_: &F) -> (Vec<ValueType>, Option<ValueType>) {
            F::signature()
        }
        assert_eq!(
            signature_of(&add),
            (vec![ValueType::U32, ValueType::U32], Some(ValueType::U32))
        );
        let dynamic = HostFunction::<(u32, u32)>::into_dynamic(add);
        let host = Caller::Host;
        assert_eq!(dynamic(host, &[Val::U32(2), Val::U32(3)]), Ok(Some(Val::U32(5))));
        assert_eq!(
            dynamic(host, &[Val::U32(u32::MAX), Val::U32(3)]),
            Err(HostError::new("overflow"))
        );
        assert!(dynamic(host, &[Val::U32(2)]).is_err());
        assert!(dynamic(host, &[Val::U32(2), Val::String("3".into())]).is_err());
    }

    #[test]
    fn a_caller_closure_gets_each_calls_caller_and_only_wit_types_are_checked() {
        let tag = |caller: Caller<'_>, n: u32| -> Result<String, HostError> {
            Ok(format!("{n} for {}", caller.plugin().map_or("the host", |id| id.as_str())))
        };
        fn signature_of<Args, F: CallerFunction<Args>>(
            _: &F,
        ) -> (Vec<ValueType>, Option<ValueType>) {
            F::signature()
        }
        assert_eq!(signature_of(&tag), (vec![ValueType::U32], Some(ValueType::String)));
        let dynamic = CallerFunction::<(u32,)>::into_dynamic(tag);
        let alice = crate::PluginId::from("alice");
        assert_eq!(
            dynamic(Caller::Plugin(&alice), &[Val::U32(1)]),
            Ok(Some(Val::String("1 for alice".into())))
        );
        assert_eq!(
            dynamic(Caller::Host, &[Val::U32(2)]),
            Ok(Some(Val::String("2 for the host".into())))
        );
        assert!(dynamic(Caller::Host, &[]).is_err());
    }
}
