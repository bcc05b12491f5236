//! App interfaces read from WIT: their functions, resources and cardinality.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wit_parser::{FunctionKind as WitKind, InterfaceId, Resolve, TypeDefKind};

use super::error::DescribeError;
use super::types::{Signature, value_type};

/// How many plugins may plug into a socket of an interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cardinality {
    /// Exactly one provider; a call returns one value.
    #[default]
    ExactlyOne,
    /// Zero or one provider; a call returns an optional value.
    AtMostOne,
    /// Any number of providers; a call returns one value per provider.
    Any,
}

impl std::fmt::Display for Cardinality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cardinality::ExactlyOne => "exactly-one",
            Cardinality::AtMostOne => "at-most-one",
            Cardinality::Any => "any",
        })
    }
}

impl Cardinality {
    /// True when `count` providers satisfy this cardinality.
    pub(crate) fn accepts(self, count: usize) -> bool {
        match self {
            Cardinality::ExactlyOne => count == 1,
            Cardinality::AtMostOne => count <= 1,
            Cardinality::Any => true,
        }
    }
}

/// What kind of function a WIT function is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FunctionKind {
    /// A free function of the interface.
    Freestanding,
    /// `constructor(…)` of a resource.
    Constructor {
        /// The resource's name.
        resource: String,
    },
    /// A method of a resource (its first parameter is `self: borrow<resource>`).
    Method {
        /// The resource's name.
        resource: String,
    },
    /// A `static` function of a resource.
    Static {
        /// The resource's name.
        resource: String,
    },
}

/// One function of an interface, as a component exports or imports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Function {
    /// The name the component model uses, e.g. `add` or `[method]file.read`.
    pub name: String,
    /// Free function, constructor, method or static function.
    pub kind: FunctionKind,
    /// Parameter and result types.
    pub signature: Signature,
}

/// An app interface: a WIT interface that plugins plug into and import as sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The fully qualified name, e.g. `my:app/greeter@1.0.0`.
    pub name: String,
    /// How many providers a socket of this interface takes.
    pub cardinality: Cardinality,
    /// The functions, in WIT order.
    pub functions: Vec<Function>,
    /// The names of the resources the interface defines.
    pub resources: Vec<String>,
}

impl Interface {
    /// Finds a function by its component-model name.
    pub(crate) fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// True when the interface only defines types: importing it is not a socket.
    pub(crate) fn is_types_only(&self) -> bool {
        self.functions.is_empty() && self.resources.is_empty()
    }
}

/// The set of app interfaces, read from WIT, with their cardinalities.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    interfaces: BTreeMap<String, Interface>,
}

impl Catalog {
    /// Reads every interface of the WIT packages at `paths` (files or folders,
    /// as `wit_parser::Resolve::push_path` takes them). All get the default
    /// cardinality, [`Cardinality::ExactlyOne`].
    ///
    /// # Errors
    /// [`DescribeError::Wit`] when a path cannot be read or parsed, and
    /// [`DescribeError::UnsupportedFunction`] for a function plugtree cannot link.
    pub fn from_wit_paths<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, DescribeError> {
        let mut resolve = Resolve::default();
        for path in paths {
            let path = path.as_ref();
            resolve.push_path(path).map_err(|e| DescribeError::Wit {
                source_name: path.display().to_string(),
                message: format!("{e:#}"),
            })?;
        }
        Self::from_resolve(&resolve)
    }

    /// Reads every interface of one WIT document given as text.
    ///
    /// # Errors
    /// As [`Catalog::from_wit_paths`].
    pub fn from_wit_text(source_name: &str, text: &str) -> Result<Self, DescribeError> {
        let mut resolve = Resolve::default();
        resolve.push_str(PathBuf::from(source_name), text).map_err(|e| DescribeError::Wit {
            source_name: source_name.to_string(),
            message: format!("{e:#}"),
        })?;
        Self::from_resolve(&resolve)
    }

    /// Reads every named interface of a resolved WIT graph, except plugtree's
    /// own socket-ABI package.
    ///
    /// # Errors
    /// [`DescribeError::UnsupportedFunction`] for a function plugtree cannot link.
    pub(crate) fn from_resolve(resolve: &Resolve) -> Result<Self, DescribeError> {
        let mut interfaces = BTreeMap::new();
        for (id, _) in resolve.interfaces.iter() {
            let Some(name) = resolve.id_of(id) else { continue };
            if super::socket_abi::is_abi_interface(&name) {
                continue;
            }
            let interface = read_interface(resolve, id, &name).map_err(|e| match e {
                ReadError::Async { function } => DescribeError::UnsupportedFunction {
                    interface: name.clone(),
                    function,
                    reason: "async functions are not supported".into(),
                },
                ReadError::Type { function, source } => DescribeError::UnsupportedFunction {
                    interface: name.clone(),
                    function,
                    reason: source.to_string(),
                },
            })?;
            interfaces.insert(name, interface);
        }
        Ok(Catalog { interfaces })
    }

    /// Merges the interfaces of `other` into this catalog (later definitions win).
    pub(crate) fn extend(&mut self, other: Catalog) {
        self.interfaces.extend(other.interfaces);
    }

    /// Sets the cardinality of an interface.
    ///
    /// # Errors
    /// [`DescribeError::UnknownInterface`] when the interface is not in the catalog.
    pub(crate) fn set_cardinality(
        &mut self,
        interface: &str,
        cardinality: Cardinality,
    ) -> Result<(), DescribeError> {
        let iface = self
            .interfaces
            .get_mut(interface)
            .ok_or_else(|| DescribeError::UnknownInterface { interface: interface.to_string() })?;
        iface.cardinality = cardinality;
        Ok(())
    }

    /// Looks up an interface by its fully qualified name.
    pub fn get(&self, interface: &str) -> Option<&Interface> {
        self.interfaces.get(interface)
    }

    /// All interfaces, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Interface> {
        self.interfaces.values()
    }
}

/// Why one WIT interface could not be read.
pub(crate) enum ReadError {
    Async { function: String },
    Type { function: String, source: super::types::UnknownType },
}

/// Reads one interface of a resolved WIT graph (an app's WIT or a component's
/// embedded types) with the default cardinality.
pub(crate) fn read_interface(
    resolve: &Resolve,
    id: InterfaceId,
    name: &str,
) -> Result<Interface, ReadError> {
    let iface = &resolve.interfaces[id];
    let resources = iface
        .types
        .iter()
        .filter(|(_, ty)| matches!(resolve.types[**ty].kind, TypeDefKind::Resource))
        .map(|(name, _)| name.clone())
        .collect();
    let functions =
        iface.functions.values().map(|f| read_function(resolve, f)).collect::<Result<_, _>>()?;
    Ok(Interface {
        name: name.to_string(),
        cardinality: Cardinality::default(),
        functions,
        resources,
    })
}

/// A WIT function kind as plugtree's; `None` for an async function.
pub(crate) fn function_kind(resolve: &Resolve, kind: &WitKind) -> Option<FunctionKind> {
    let resource = |id: &wit_parser::TypeId| resolve.types[*id].name.clone().unwrap_or_default();
    Some(match kind {
        // Accessors (`get`/`set`) are functions of their kind at the ABI.
        WitKind::Freestanding | WitKind::Getter | WitKind::Setter => FunctionKind::Freestanding,
        WitKind::Method(id) | WitKind::MethodGetter(id) | WitKind::MethodSetter(id) => {
            FunctionKind::Method { resource: resource(id) }
        }
        WitKind::Static(id) | WitKind::StaticGetter(id) | WitKind::StaticSetter(id) => {
            FunctionKind::Static { resource: resource(id) }
        }
        WitKind::Constructor(id) => FunctionKind::Constructor { resource: resource(id) },
        WitKind::AsyncFreestanding | WitKind::AsyncMethod(_) | WitKind::AsyncStatic(_) => {
            return None;
        }
    })
}

fn read_function(resolve: &Resolve, f: &wit_parser::Function) -> Result<Function, ReadError> {
    let kind = function_kind(resolve, &f.kind)
        .ok_or_else(|| ReadError::Async { function: f.name.clone() })?;
    let type_error = |source| ReadError::Type { function: f.name.clone(), source };
    let params = f
        .params
        .iter()
        .map(|p| Ok((p.name.clone(), value_type(resolve, &p.ty).map_err(type_error)?)))
        .collect::<Result<_, ReadError>>()?;
    let result =
        f.result.as_ref().map(|t| value_type(resolve, t).map_err(type_error)).transpose()?;
    Ok(Function { name: f.name.clone(), kind, signature: Signature { params, result } })
}
