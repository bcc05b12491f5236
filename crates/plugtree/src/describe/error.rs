//! Errors of the describe stage.

use std::path::PathBuf;

use super::plugin_id::PluginId;

/// A problem with the app's own description (its WIT, root or cardinalities):
/// nothing can be built until it is fixed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DescribeError {
    /// A WIT file or folder could not be read or parsed.
    #[error("cannot read WIT from `{source_name}`: {message}")]
    Wit {
        /// The path or name of the WIT source.
        source_name: String,
        /// wit-parser's explanation, with the location in the source.
        message: String,
    },
    /// An interface named by the app is not defined by any of its WIT.
    #[error("interface `{interface}` is not defined in the app's WIT")]
    UnknownInterface {
        /// The interface name as given.
        interface: String,
    },
    /// The app's WIT has a function that plugtree cannot link.
    #[error("function `{function}` of `{interface}` is not supported: {reason}")]
    UnsupportedFunction {
        /// The interface.
        interface: String,
        /// The function.
        function: String,
        /// Why it is not supported.
        reason: String,
    },
    /// No root interface was given.
    #[error("no root interface was given")]
    NoRoot,
    /// The root interface only defines types, so there is nothing to call.
    #[error("root interface `{interface}` has no functions")]
    EmptyRoot {
        /// The root interface.
        interface: String,
    },
}

/// A problem with one plugin's component, found while reading it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The component file could not be read.
    #[error("plugin `{plugin}`: cannot read `{}`", path.display())]
    Read {
        /// The plugin.
        plugin: PluginId,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a component (bad binary, bad WAT, a core module, a WIT package).
    #[error("plugin `{plugin}` is not a valid component: {message}")]
    InvalidComponent {
        /// The plugin.
        plugin: PluginId,
        /// What the decoder said.
        message: String,
    },
    /// A function the component exports or imports cannot be linked by plugtree.
    #[error("plugin `{plugin}`: function `{function}` of `{interface}` is not supported: {reason}")]
    UnsupportedFunction {
        /// The plugin.
        plugin: PluginId,
        /// The interface.
        interface: String,
        /// The function.
        function: String,
        /// Why it is not supported.
        reason: String,
    },
}

impl PluginError {
    /// The plugin the error is about.
    pub fn plugin(&self) -> &PluginId {
        match self {
            PluginError::Read { plugin, .. }
            | PluginError::InvalidComponent { plugin, .. }
            | PluginError::UnsupportedFunction { plugin, .. } => plugin,
        }
    }
}
