//! App interfaces read from WIT: their functions, resources and cardinality.

use std::collections::BTreeMap;

use super::error::DescribeError;
use super::types::Signature;
use super::version;

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
    /// One or more working providers; a call returns one value per provider,
    /// never none (when every provider has failed since load, each answers
    /// why).
    AtLeastOne,
}

impl std::fmt::Display for Cardinality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cardinality::ExactlyOne => "exactly-one",
            Cardinality::AtMostOne => "at-most-one",
            Cardinality::Any => "any",
            Cardinality::AtLeastOne => "at-least-one",
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
            Cardinality::AtLeastOne => count >= 1,
        }
    }

    /// True when a call answers once per provider (`any`, `at-least-one`).
    pub fn is_many(self) -> bool {
        matches!(self, Cardinality::Any | Cardinality::AtLeastOne)
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
    /// Whether a socket of this interface calls its providers at once, on
    /// plugtree's fan-out threads, rather than one after the other
    /// ([`TreeBuilder::parallel`](crate::TreeBuilder::parallel)).
    pub parallel: bool,
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

/// What [`Catalog::lookup`] found for a name a component uses.
#[derive(Debug)]
pub(crate) enum Lookup<'a> {
    /// The app interface of that name or of a semver-compatible version.
    Found(&'a Interface),
    /// The app has the interface only at incompatible versions: their names.
    Incompatible(Vec<String>),
    /// No app interface.
    Unknown,
}

/// The set of app interfaces, read from WIT, with their cardinalities.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub(super) interfaces: BTreeMap<String, Interface>,
}

impl Catalog {
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
        self.known_mut(interface)?.cardinality = cardinality;
        Ok(())
    }

    /// Marks an interface's fan-outs parallel.
    pub(crate) fn set_parallel(&mut self, interface: &str) -> Result<(), DescribeError> {
        self.known_mut(interface)?.parallel = true;
        Ok(())
    }

    /// The interface named, which a setting must name.
    fn known_mut(&mut self, interface: &str) -> Result<&mut Interface, DescribeError> {
        self.interfaces
            .get_mut(interface)
            .ok_or_else(|| DescribeError::UnknownInterface { interface: interface.to_string() })
    }

    /// Looks up an interface by its fully qualified name.
    pub fn get(&self, interface: &str) -> Option<&Interface> {
        self.interfaces.get(interface)
    }

    /// The app interface a component's export or import named `name` stands
    /// for: the one of that name, else the highest semver-compatible version
    /// of it (`version.rs`).
    pub(crate) fn lookup(&self, name: &str) -> Lookup<'_> {
        if let Some(found) = self.interfaces.get(name) {
            return Lookup::Found(found);
        }
        let compatible = self.interfaces.values().filter(|i| version::compatible(name, &i.name));
        if let Some(found) = compatible.max_by_key(|i| version::version_of(&i.name)) {
            return Lookup::Found(found);
        }
        let versions: Vec<String> = self
            .interfaces
            .values()
            .filter(|i| version::same_interface(name, &i.name))
            .map(|i| i.name.clone())
            .collect();
        if versions.is_empty() { Lookup::Unknown } else { Lookup::Incompatible(versions) }
    }

    /// All interfaces, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Interface> {
        self.interfaces.values()
    }
}
