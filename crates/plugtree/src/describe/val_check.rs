//! Which component values a [`ValueType`] admits: the one check of a `Val`
//! against WIT, used for the host's arguments and for host plugs' answers.

use wasmtime::component::{ResourceAny, Val};

use super::types::ValueType;

/// True when `val` is a value of `ty`.
pub(crate) fn matches(val: &Val, ty: &ValueType) -> bool {
    matches_owning(val, ty, &|r: &ResourceAny| r.owned())
}

/// [`matches`] where `owns` says which handles stand for an `own`: a host
/// plug's resources cross as tokens wasmtime calls borrows. Generic, so the
/// host's argument check (every call) stays one inlined recursion.
pub(crate) fn matches_owning<F: Fn(&ResourceAny) -> bool>(
    val: &Val,
    ty: &ValueType,
    owns: &F,
) -> bool {
    let matches = |v: &Val, t: &ValueType| matches_owning(v, t, owns);
    let optional = |v: Option<&Val>, t: Option<&ValueType>| match (v, t) {
        (None, None) => true,
        (Some(v), Some(t)) => matches(v, t),
        _ => false,
    };
    let names_match =
        |given: &[String], allowed: &[String]| given.iter().all(|g| allowed.contains(g));
    match (val, ty) {
        (Val::Bool(_), ValueType::Bool)
        | (Val::S8(_), ValueType::S8)
        | (Val::U8(_), ValueType::U8)
        | (Val::S16(_), ValueType::S16)
        | (Val::U16(_), ValueType::U16)
        | (Val::S32(_), ValueType::S32)
        | (Val::U32(_), ValueType::U32)
        | (Val::S64(_), ValueType::S64)
        | (Val::U64(_), ValueType::U64)
        | (Val::Float32(_), ValueType::F32)
        | (Val::Float64(_), ValueType::F64)
        | (Val::Char(_), ValueType::Char)
        | (Val::String(_), ValueType::String) => true,
        (Val::List(items), ValueType::List(t)) => items.iter().all(|v| matches(v, t)),
        (Val::FixedLengthList(items), ValueType::FixedList(t, n)) => {
            items.len() == *n as usize && items.iter().all(|v| matches(v, t))
        }
        (Val::Map(pairs), ValueType::Map(k, v)) => {
            pairs.iter().all(|(a, b)| matches(a, k) && matches(b, v))
        }
        (Val::Record(fields), ValueType::Record(tys)) => {
            fields.len() == tys.len()
                && fields.iter().zip(tys).all(|((n, v), (tn, t))| n == tn && matches(v, t))
        }
        (Val::Tuple(items), ValueType::Tuple(tys)) => {
            items.len() == tys.len() && items.iter().zip(tys).all(|(v, t)| matches(v, t))
        }
        (Val::Variant(case, payload), ValueType::Variant(cases)) => {
            cases.iter().any(|(name, t)| name == case && optional(payload.as_deref(), t.as_ref()))
        }
        (Val::Enum(case), ValueType::Enum(cases)) => cases.contains(case),
        (Val::Resource(r), ValueType::Own(_)) => owns(r),
        (Val::Resource(_), ValueType::Borrow(_)) => true,
        (Val::Flags(given), ValueType::Flags(flags)) => names_match(given, flags),
        (Val::Option(v), ValueType::Option(t)) => v.as_deref().is_none_or(|v| matches(v, t)),
        (Val::Result(r), ValueType::Result { ok, err }) => match r {
            Ok(v) => optional(v.as_deref(), ok.as_deref()),
            Err(v) => optional(v.as_deref(), err.as_deref()),
        },
        _ => false,
    }
}

/// Every resource handle inside `value`.
pub(crate) fn resources_in(value: &Val, out: &mut Vec<ResourceAny>) {
    match value {
        Val::Resource(r) => out.push(*r),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            items.iter().for_each(|v| resources_in(v, out))
        }
        Val::Record(fields) => fields.iter().for_each(|(_, v)| resources_in(v, out)),
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => resources_in(v, out),
        _ => {}
    }
}

/// A short description of a value's kind, for errors.
pub(crate) fn describe(val: &Val) -> String {
    let kind = match val {
        Val::Bool(_) => "a bool",
        Val::S8(_) => "an s8",
        Val::U8(_) => "a u8",
        Val::S16(_) => "an s16",
        Val::U16(_) => "a u16",
        Val::S32(_) => "an s32",
        Val::U32(_) => "a u32",
        Val::S64(_) => "an s64",
        Val::U64(_) => "a u64",
        Val::Float32(_) => "an f32",
        Val::Float64(_) => "an f64",
        Val::Char(_) => "a char",
        Val::String(_) => "a string",
        Val::List(_) => "a list",
        Val::FixedLengthList(_) => "a fixed-length list",
        Val::Map(_) => "a map",
        Val::Record(_) => "a record",
        Val::Tuple(_) => "a tuple",
        Val::Variant(case, _) => return format!("variant case `{case}`"),
        Val::Enum(case) => return format!("enum case `{case}`"),
        Val::Option(_) => "an option",
        Val::Result(_) => "a result",
        Val::Flags(_) => "flags",
        Val::Resource(_) => "a resource",
        Val::Future(_) => "a future",
        Val::Stream(_) => "a stream",
        Val::ErrorContext(_) => "an error context",
    };
    format!("{kind} value that does not fit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_nested_values_exactly() {
        let entry = ValueType::Record(vec![
            ("name".into(), ValueType::String),
            ("tags".into(), ValueType::List(Box::new(ValueType::String))),
            ("score".into(), ValueType::Option(Box::new(ValueType::U32))),
        ]);
        let good = Val::Record(vec![
            ("name".into(), Val::String("a".into())),
            ("tags".into(), Val::List(vec![Val::String("x".into())])),
            ("score".into(), Val::Option(None)),
        ]);
        assert!(matches(&good, &entry));
        let bad = Val::Record(vec![
            ("name".into(), Val::String("a".into())),
            ("tags".into(), Val::List(vec![Val::U32(1)])),
            ("score".into(), Val::Option(None)),
        ]);
        assert!(!matches(&bad, &entry));
        let result = ValueType::Result { ok: Some(Box::new(ValueType::U32)), err: None };
        assert!(matches(&Val::Result(Ok(Some(Box::new(Val::U32(1))))), &result));
        assert!(!matches(&Val::Result(Err(Some(Box::new(Val::U32(1))))), &result));
        assert!(matches(
            &Val::Flags(vec!["read".into()]),
            &ValueType::Flags(vec!["read".into(), "write".into()])
        ));
        assert!(!matches(&Val::Flags(vec!["exec".into()]), &ValueType::Flags(vec!["read".into()])));
        assert!(!matches(&Val::U64(1), &ValueType::U32));
    }
}
