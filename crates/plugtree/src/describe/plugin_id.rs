//! The id that names a plugin: a leaf every other part of describe may use.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// The id that names a plugin in a tree, in errors and in `any` results.
///
/// Shared, not copied: cloning one (as every `any` answer does) moves a
/// reference count.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PluginId(Arc<str>);

impl PluginId {
    /// Wraps a plugin id.
    pub fn new(id: impl Into<String>) -> Self {
        PluginId(Arc::from(id.into()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PluginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for PluginId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for PluginId {
    fn from(id: &str) -> Self {
        PluginId(Arc::from(id))
    }
}

impl From<String> for PluginId {
    fn from(id: String) -> Self {
        PluginId(Arc::from(id))
    }
}

impl PartialEq<str> for PluginId {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for PluginId {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}
