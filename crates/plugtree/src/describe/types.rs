//! Structural value types and function signatures, read from WIT.
//!
//! Two components agree on a function when its parameter and result types are
//! structurally equal: type names are not part of a component-model type, but
//! record field names, case names and resource identities are.

use std::fmt;

use wit_parser::{Handle, Resolve, Type, TypeDefKind, TypeId, TypeOwner};

/// A component-model value type, as plugtree compares and prints it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `u8`
    U8,
    /// `s16`
    S16,
    /// `u16`
    U16,
    /// `s32`
    S32,
    /// `u32`
    U32,
    /// `s64`
    S64,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `char`
    Char,
    /// `string`
    String,
    /// `list<T>`
    List(Box<ValueType>),
    /// `list<T, N>`
    FixedList(Box<ValueType>, u32),
    /// `map<K, V>`
    Map(Box<ValueType>, Box<ValueType>),
    /// `record { name: T, … }`
    Record(Vec<(String, ValueType)>),
    /// `tuple<T, …>`
    Tuple(Vec<ValueType>),
    /// `variant { case(T), … }`
    Variant(Vec<(String, Option<ValueType>)>),
    /// `enum { case, … }`
    Enum(Vec<String>),
    /// `flags { flag, … }`
    Flags(Vec<String>),
    /// `option<T>`
    Option(Box<ValueType>),
    /// `result<T, E>`, either side possibly absent.
    Result {
        /// The `ok` payload, if any.
        ok: Option<Box<ValueType>>,
        /// The `err` payload, if any.
        err: Option<Box<ValueType>>,
    },
    /// `own<R>`
    Own(ResourceName),
    /// `borrow<R>`
    Borrow(ResourceName),
    /// `future<T>`
    Future(Option<Box<ValueType>>),
    /// `stream<T>`
    Stream(Option<Box<ValueType>>),
    /// `error-context`
    ErrorContext,
}

/// The identity of a resource type: the interface that defines it and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceName {
    /// The defining interface, e.g. `my:app/files`.
    pub interface: String,
    /// The resource's name inside that interface, e.g. `file`.
    pub name: String,
}

/// The parameter and result types of a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Parameters in order, with their WIT names.
    pub params: Vec<(String, ValueType)>,
    /// The result type, if the function returns a value.
    pub result: Option<ValueType>,
}

impl Signature {
    /// True when both signatures take and return the same types (parameter
    /// names are not compared: the component model does not require them to match).
    pub(crate) fn same_types(&self, other: &Signature) -> bool {
        self.result == other.result
            && self.params.len() == other.params.len()
            && self.params.iter().zip(&other.params).all(|((_, a), (_, b))| a == b)
    }

    /// The signature with the resources of interface `from` seen as `to`'s:
    /// how a component's own name for an interface (a compatible version, a
    /// remapped export) is compared with the app's.
    pub(crate) fn with_resources_of(&self, from: &str, to: &str) -> Signature {
        Signature {
            params: self
                .params
                .iter()
                .map(|(n, t)| (n.clone(), t.with_resources_of(from, to)))
                .collect(),
            result: self.result.as_ref().map(|t| t.with_resources_of(from, to)),
        }
    }

    /// True when a parameter or the result contains a handle (a resource,
    /// future, stream or error context) rather than plain data.
    pub(crate) fn needs_handles(&self) -> bool {
        self.params.iter().any(|(_, ty)| ty.needs_handles())
            || self.result.as_ref().is_some_and(ValueType::needs_handles)
    }

    /// The first `future`, `stream` or `error-context` in the parameters or
    /// the result: types that wasmtime's dynamic API cannot carry between
    /// stores without async support.
    pub(crate) fn async_type(&self) -> Option<&ValueType> {
        self.params.iter().map(|(_, ty)| ty).chain(&self.result).find_map(ValueType::async_type)
    }
}

impl ValueType {
    /// The first `future`, `stream` or `error-context` type inside this type.
    pub(crate) fn async_type(&self) -> Option<&ValueType> {
        match self {
            ValueType::Future(_) | ValueType::Stream(_) | ValueType::ErrorContext => Some(self),
            ValueType::List(t) | ValueType::FixedList(t, _) | ValueType::Option(t) => {
                t.async_type()
            }
            ValueType::Map(k, v) => k.async_type().or_else(|| v.async_type()),
            ValueType::Record(fields) => fields.iter().find_map(|(_, t)| t.async_type()),
            ValueType::Tuple(types) => types.iter().find_map(ValueType::async_type),
            ValueType::Variant(cases) => {
                cases.iter().find_map(|(_, t)| t.as_ref().and_then(ValueType::async_type))
            }
            ValueType::Result { ok, err } => ok
                .as_deref()
                .and_then(ValueType::async_type)
                .or_else(|| err.as_deref().and_then(ValueType::async_type)),
            _ => None,
        }
    }

    /// True when a value of this type contains a handle (a resource, future,
    /// stream or error context) rather than plain data.
    pub(crate) fn needs_handles(&self) -> bool {
        match self {
            ValueType::Own(_)
            | ValueType::Borrow(_)
            | ValueType::Future(_)
            | ValueType::Stream(_)
            | ValueType::ErrorContext => true,
            ValueType::List(t) | ValueType::FixedList(t, _) | ValueType::Option(t) => {
                t.needs_handles()
            }
            ValueType::Map(k, v) => k.needs_handles() || v.needs_handles(),
            ValueType::Record(fields) => fields.iter().any(|(_, t)| t.needs_handles()),
            ValueType::Tuple(types) => types.iter().any(ValueType::needs_handles),
            ValueType::Variant(cases) => {
                cases.iter().any(|(_, t)| t.as_ref().is_some_and(ValueType::needs_handles))
            }
            ValueType::Result { ok, err } => {
                ok.as_ref().is_some_and(|t| t.needs_handles())
                    || err.as_ref().is_some_and(|t| t.needs_handles())
            }
            _ => false,
        }
    }
}

/// Why a WIT type could not be turned into a [`ValueType`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("type `{name}` is not fully defined in the WIT")]
pub(crate) struct UnknownType {
    /// The name of the type, or `<anonymous>`.
    pub name: String,
}

/// Reads a WIT type into a [`ValueType`].
pub(crate) fn value_type(resolve: &Resolve, ty: &Type) -> Result<ValueType, UnknownType> {
    Ok(match ty {
        Type::Bool => ValueType::Bool,
        Type::U8 => ValueType::U8,
        Type::U16 => ValueType::U16,
        Type::U32 => ValueType::U32,
        Type::U64 => ValueType::U64,
        Type::S8 => ValueType::S8,
        Type::S16 => ValueType::S16,
        Type::S32 => ValueType::S32,
        Type::S64 => ValueType::S64,
        Type::F32 => ValueType::F32,
        Type::F64 => ValueType::F64,
        Type::Char => ValueType::Char,
        Type::String => ValueType::String,
        Type::ErrorContext => ValueType::ErrorContext,
        Type::Id(id) => defined_type(resolve, *id)?,
    })
}

fn boxed(resolve: &Resolve, ty: &Type) -> Result<Box<ValueType>, UnknownType> {
    value_type(resolve, ty).map(Box::new)
}

fn optional(resolve: &Resolve, ty: Option<&Type>) -> Result<Option<Box<ValueType>>, UnknownType> {
    ty.map(|t| boxed(resolve, t)).transpose()
}

fn defined_type(resolve: &Resolve, id: TypeId) -> Result<ValueType, UnknownType> {
    let def = &resolve.types[id];
    Ok(match &def.kind {
        TypeDefKind::Type(inner) => value_type(resolve, inner)?,
        TypeDefKind::Record(r) => ValueType::Record(
            r.fields
                .iter()
                .map(|f| Ok((f.name.clone(), value_type(resolve, &f.ty)?)))
                .collect::<Result<_, _>>()?,
        ),
        TypeDefKind::Tuple(t) => ValueType::Tuple(
            t.types.iter().map(|t| value_type(resolve, t)).collect::<Result<_, _>>()?,
        ),
        TypeDefKind::Variant(v) => ValueType::Variant(
            v.cases
                .iter()
                .map(|c| {
                    Ok((c.name.clone(), c.ty.as_ref().map(|t| value_type(resolve, t)).transpose()?))
                })
                .collect::<Result<_, _>>()?,
        ),
        TypeDefKind::Enum(e) => ValueType::Enum(e.cases.iter().map(|c| c.name.clone()).collect()),
        TypeDefKind::Flags(f) => ValueType::Flags(f.flags.iter().map(|f| f.name.clone()).collect()),
        TypeDefKind::Option(t) => ValueType::Option(boxed(resolve, t)?),
        TypeDefKind::Result(r) => ValueType::Result {
            ok: optional(resolve, r.ok.as_ref())?,
            err: optional(resolve, r.err.as_ref())?,
        },
        TypeDefKind::List(t) => ValueType::List(boxed(resolve, t)?),
        TypeDefKind::FixedLengthList(t, n) => ValueType::FixedList(boxed(resolve, t)?, *n),
        TypeDefKind::Map(k, v) => ValueType::Map(boxed(resolve, k)?, boxed(resolve, v)?),
        TypeDefKind::Future(t) => ValueType::Future(optional(resolve, t.as_ref())?),
        TypeDefKind::Stream(t) => ValueType::Stream(optional(resolve, t.as_ref())?),
        TypeDefKind::Handle(Handle::Own(r)) => ValueType::Own(resource_name(resolve, *r)?),
        TypeDefKind::Handle(Handle::Borrow(r)) => ValueType::Borrow(resource_name(resolve, *r)?),
        TypeDefKind::Resource => ValueType::Own(resource_name(resolve, id)?),
        TypeDefKind::Unknown => {
            return Err(UnknownType {
                name: def.name.clone().unwrap_or_else(|| "<anonymous>".into()),
            });
        }
    })
}

/// Follows `use` aliases to the resource definition and names it.
pub(crate) fn resource_name(
    resolve: &Resolve,
    mut id: TypeId,
) -> Result<ResourceName, UnknownType> {
    while let TypeDefKind::Type(Type::Id(next)) = resolve.types[id].kind {
        id = next;
    }
    let def = &resolve.types[id];
    let name = def.name.clone().unwrap_or_else(|| "<anonymous>".into());
    let interface = match def.owner {
        TypeOwner::Interface(iface) => resolve.id_of(iface).unwrap_or_default(),
        _ => String::new(),
    };
    match def.kind {
        TypeDefKind::Resource => Ok(ResourceName { interface, name }),
        _ => Err(UnknownType { name }),
    }
}

impl ValueType {
    /// The type with the resources of interface `from` seen as `to`'s.
    fn with_resources_of(&self, from: &str, to: &str) -> ValueType {
        let one = |t: &ValueType| Box::new(t.with_resources_of(from, to));
        let name = |r: &ResourceName| ResourceName {
            interface: if r.interface == from { to.to_string() } else { r.interface.clone() },
            name: r.name.clone(),
        };
        match self {
            ValueType::Own(r) => ValueType::Own(name(r)),
            ValueType::Borrow(r) => ValueType::Borrow(name(r)),
            ValueType::List(t) => ValueType::List(one(t)),
            ValueType::FixedList(t, n) => ValueType::FixedList(one(t), *n),
            ValueType::Map(k, v) => ValueType::Map(one(k), one(v)),
            ValueType::Record(fields) => ValueType::Record(
                fields.iter().map(|(n, t)| (n.clone(), t.with_resources_of(from, to))).collect(),
            ),
            ValueType::Tuple(items) => {
                ValueType::Tuple(items.iter().map(|t| t.with_resources_of(from, to)).collect())
            }
            ValueType::Variant(cases) => ValueType::Variant(
                cases
                    .iter()
                    .map(|(n, t)| (n.clone(), t.as_ref().map(|t| t.with_resources_of(from, to))))
                    .collect(),
            ),
            ValueType::Option(t) => ValueType::Option(one(t)),
            ValueType::Result { ok, err } => {
                ValueType::Result { ok: ok.as_deref().map(one), err: err.as_deref().map(one) }
            }
            ValueType::Future(t) => ValueType::Future(t.as_deref().map(one)),
            ValueType::Stream(t) => ValueType::Stream(t.as_deref().map(one)),
            other => other.clone(),
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T>(
            f: &mut fmt::Formatter<'_>,
            items: &[T],
            each: impl Fn(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
        ) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                each(f, item)?;
            }
            Ok(())
        }
        match self {
            ValueType::Bool => f.write_str("bool"),
            ValueType::S8 => f.write_str("s8"),
            ValueType::U8 => f.write_str("u8"),
            ValueType::S16 => f.write_str("s16"),
            ValueType::U16 => f.write_str("u16"),
            ValueType::S32 => f.write_str("s32"),
            ValueType::U32 => f.write_str("u32"),
            ValueType::S64 => f.write_str("s64"),
            ValueType::U64 => f.write_str("u64"),
            ValueType::F32 => f.write_str("f32"),
            ValueType::F64 => f.write_str("f64"),
            ValueType::Char => f.write_str("char"),
            ValueType::String => f.write_str("string"),
            ValueType::ErrorContext => f.write_str("error-context"),
            ValueType::List(t) => write!(f, "list<{t}>"),
            ValueType::FixedList(t, n) => write!(f, "list<{t}, {n}>"),
            ValueType::Map(k, v) => write!(f, "map<{k}, {v}>"),
            ValueType::Option(t) => write!(f, "option<{t}>"),
            ValueType::Record(fields) => {
                f.write_str("record { ")?;
                list(f, fields, |f, (n, t)| write!(f, "{n}: {t}"))?;
                f.write_str(" }")
            }
            ValueType::Tuple(types) => {
                f.write_str("tuple<")?;
                list(f, types, |f, t| write!(f, "{t}"))?;
                f.write_str(">")
            }
            ValueType::Variant(cases) => {
                f.write_str("variant { ")?;
                list(f, cases, |f, (n, t)| match t {
                    Some(t) => write!(f, "{n}({t})"),
                    None => f.write_str(n),
                })?;
                f.write_str(" }")
            }
            ValueType::Enum(cases) => write!(f, "enum {{ {} }}", cases.join(", ")),
            ValueType::Flags(flags) => write!(f, "flags {{ {} }}", flags.join(", ")),
            ValueType::Result { ok, err } => match (ok, err) {
                (None, None) => f.write_str("result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(err)) => write!(f, "result<_, {err}>"),
                (Some(ok), Some(err)) => write!(f, "result<{ok}, {err}>"),
            },
            ValueType::Own(r) => write!(f, "own<{}>", r.name),
            ValueType::Borrow(r) => write!(f, "borrow<{}>", r.name),
            ValueType::Future(t) => match t {
                Some(t) => write!(f, "future<{t}>"),
                None => f.write_str("future"),
            },
            ValueType::Stream(t) => match t {
                Some(t) => write!(f, "stream<{t}>"),
                None => f.write_str("stream"),
            },
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("func(")?;
        for (i, (name, ty)) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}: {ty}")?;
        }
        f.write_str(")")?;
        if let Some(result) = &self.result {
            write!(f, " -> {result}")?;
        }
        Ok(())
    }
}
