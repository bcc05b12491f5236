//! Errors of the load stage.

use crate::describe::{Capability, Limit, PluginId};
use crate::resolve::Unsatisfied;

/// What wasmtime said, with its causes, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Cause(String);

impl From<wasmtime::Error> for Cause {
    fn from(e: wasmtime::Error) -> Self {
        Cause(super::failure::error_chain(&e))
    }
}

/// One plugin that failed to load. The rest of the tree is loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// wasmtime could not compile the component.
    #[error("plugin `{plugin}` failed to compile")]
    Compile {
        /// The plugin.
        plugin: PluginId,
        /// wasmtime's error.
        #[source]
        source: Cause,
    },
    /// The component's imports could not be linked.
    #[error("plugin `{plugin}` failed to link")]
    Link {
        /// The plugin.
        plugin: PluginId,
        /// wasmtime's error.
        #[source]
        source: Cause,
    },
    /// Instantiation failed: it trapped (for example in a start function),
    /// or the engine's instance pool ([`pooling_engine_config`](crate::pooling_engine_config)) had no room for it.
    #[error("plugin `{plugin}` could not be instantiated")]
    Instantiate {
        /// The plugin.
        plugin: PluginId,
        /// The trap.
        #[source]
        source: Cause,
    },
    /// Instantiation exceeded one of the plugin's limits.
    #[error("{message}")]
    LimitExceeded {
        /// The plugin.
        plugin: PluginId,
        /// The limit.
        limit: Limit,
        /// What happened, naming the plugin.
        message: String,
    },
    /// The plugin has a limit the engine cannot enforce.
    #[error(
        "plugin `{plugin}` has a {limit} limit, but the engine was built without {engine_lacks}; use `plugtree::engine_config()`"
    )]
    LimitUnsupported {
        /// The plugin.
        plugin: PluginId,
        /// The limit.
        limit: Limit,
        /// The engine setting it needs.
        engine_lacks: &'static str,
    },
    /// The instance lacks a function its plug promised.
    #[error("plugin `{plugin}` does not export `{interface}.{function}`")]
    MissingExport {
        /// The plugin.
        plugin: PluginId,
        /// Its plug.
        interface: String,
        /// The function.
        function: String,
    },
    /// A socket function plugtree cannot forward between plugins.
    #[error(
        "plugin `{plugin}` imports `{interface}.{function}`, which plugtree cannot link: {reason}"
    )]
    Unsupported {
        /// The plugin.
        plugin: PluginId,
        /// The socket's interface.
        interface: String,
        /// The function.
        function: String,
        /// Why.
        reason: String,
    },
    /// A capability granted to the plugin cannot be set up: a directory that
    /// cannot be opened, a host name that does not resolve.
    #[error("plugin `{plugin}` cannot be granted {grant} `{value}`")]
    Grant {
        /// The plugin.
        plugin: PluginId,
        /// The grant.
        grant: Capability,
        /// The granted value: a directory or a `host:port`.
        value: String,
        /// Why.
        #[source]
        source: Cause,
    },
    /// A socket (or the root) left without the providers its cardinality requires.
    #[error(transparent)]
    Unsatisfied(#[from] Unsatisfied),
}

impl LoadError {
    /// The plugin the error is about; `None` for the root socket.
    pub fn plugin(&self) -> Option<&PluginId> {
        match self {
            LoadError::Compile { plugin, .. }
            | LoadError::Link { plugin, .. }
            | LoadError::Instantiate { plugin, .. }
            | LoadError::LimitExceeded { plugin, .. }
            | LoadError::LimitUnsupported { plugin, .. }
            | LoadError::MissingExport { plugin, .. }
            | LoadError::Unsupported { plugin, .. }
            | LoadError::Grant { plugin, .. } => Some(plugin),
            LoadError::Unsatisfied(u) => u.consumer.as_ref(),
        }
    }
}
