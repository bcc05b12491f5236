//! Plugins: a component plus an id, with the interfaces it exports and imports
//! read from the component's own embedded types.

use std::borrow::Borrow;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use wit_parser::decoding::{DecodedWasm, decode};
use wit_parser::{WorldItem, WorldKey};

use super::error::PluginError;
use super::interface::{Interface, ReadError, read_interface};

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

/// Where a plugin's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// A file holding a binary component (`.wasm`) or its text form (`.wat`).
    Path(PathBuf),
    /// A component in memory, binary or text.
    Bytes(Vec<u8>),
}

impl From<PathBuf> for PluginSource {
    fn from(path: PathBuf) -> Self {
        PluginSource::Path(path)
    }
}

impl From<&std::path::Path> for PluginSource {
    fn from(path: &std::path::Path) -> Self {
        PluginSource::Path(path.to_path_buf())
    }
}

impl From<Vec<u8>> for PluginSource {
    fn from(bytes: Vec<u8>) -> Self {
        PluginSource::Bytes(bytes)
    }
}

/// One import of a component.
#[derive(Debug, Clone)]
pub(crate) enum Import {
    /// An imported interface, with the functions the component imports from it.
    Interface(Interface),
    /// A WASI interface, by its full name (`wasi:cli/stdout@0.2.6`): linked
    /// from the plugin's grants, never read as an app interface.
    Wasi(String),
    /// An import that is not an interface (a bare function), by name.
    Other(String),
}

/// A plugin whose component was read: its binary and what it exports and imports.
#[derive(Debug, Clone)]
pub(crate) struct DescribedPlugin {
    pub id: PluginId,
    pub component: Arc<[u8]>,
    pub exports: Vec<Interface>,
    pub imports: Vec<Import>,
    /// What the host grants it, checked against its WASI imports in strict mode.
    pub grants: super::grants::Grants,
}

/// Reads a plugin's component and the interfaces it exports and imports.
pub(crate) fn describe_plugin(
    id: PluginId,
    source: &PluginSource,
) -> Result<DescribedPlugin, PluginError> {
    let raw =
        match source {
            PluginSource::Path(path) => std::fs::read(path).map_err(|source| {
                PluginError::Read { plugin: id.clone(), path: path.clone(), source }
            })?,
            PluginSource::Bytes(bytes) => bytes.clone(),
        };
    let invalid = |message: String| PluginError::InvalidComponent { plugin: id.clone(), message };
    let binary = wat::parse_bytes(&raw).map_err(|e| invalid(e.to_string()))?.into_owned();
    let (resolve, world) = match decode(&binary).map_err(|e| invalid(format!("{e:#}")))? {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => {
            return Err(invalid("this is a WIT package, not a component".into()));
        }
    };
    let world = &resolve.worlds[world];
    let read = |key: &WorldKey, item: &WorldItem| -> Result<Option<Import>, PluginError> {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Interface { .. } if super::grants::is_wasi(&name) => {
                Ok(Some(Import::Wasi(name)))
            }
            WorldItem::Interface { id: iface, .. } => read_interface(&resolve, *iface, &name)
                .map(|i| Some(Import::Interface(i)))
                .map_err(|e| unsupported(&id, &name, e)),
            WorldItem::Function(f) => Ok(Some(Import::Other(f.name.clone()))),
            WorldItem::Type { .. } => Ok(None),
        }
    };
    let mut imports = Vec::new();
    for (key, item) in &world.imports {
        imports.extend(read(key, item)?);
    }
    let mut exports = Vec::new();
    for (key, item) in &world.exports {
        if let Some(Import::Interface(i)) = read(key, item)? {
            exports.push(i);
        }
    }
    Ok(DescribedPlugin {
        id,
        component: binary.into(),
        exports,
        imports,
        grants: Default::default(),
    })
}

fn unsupported(plugin: &PluginId, interface: &str, e: ReadError) -> PluginError {
    let (function, reason) = match e {
        ReadError::Async { function } => {
            (function, "async functions are not supported".to_string())
        }
        ReadError::Type { function, source } => (function, source.to_string()),
    };
    PluginError::UnsupportedFunction {
        plugin: plugin.clone(),
        interface: interface.to_string(),
        function,
        reason,
    }
}
