//! Plugins as data: where a component comes from, and what it exports and
//! imports once `component.rs` has read it.

use std::path::PathBuf;
use std::sync::Arc;

use super::interface::Interface;
use super::plugin_id::PluginId;

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
}
