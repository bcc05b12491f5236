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
    /// The file or bytes are something else than a component, named.
    #[error("plugin `{plugin}`: {}is {what}", path.as_ref().map(|p| format!("`{}` ", p.display())).unwrap_or_default())]
    NotAComponent {
        /// The plugin.
        plugin: PluginId,
        /// The file, if the plugin was given as one.
        path: Option<PathBuf>,
        /// What it is instead.
        what: NotAComponent,
    },
    /// The bytes look like a component but do not decode as one (a bad
    /// binary, a syntax error in component text, located in its file).
    #[error("plugin `{plugin}` is not a valid component: {message}")]
    InvalidComponent {
        /// The plugin.
        plugin: PluginId,
        /// What the decoder said: a short excerpt, control characters escaped.
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
            | PluginError::NotAComponent { plugin, .. }
            | PluginError::InvalidComponent { plugin, .. }
            | PluginError::UnsupportedFunction { plugin, .. } => plugin,
        }
    }
}

/// What a plugin's file or bytes are, when they are not a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotAComponent {
    /// Nothing in it.
    #[error("empty")]
    Empty,
    /// A core WebAssembly module.
    #[error(
        "a core WebAssembly module, not a component (make one with `wasm-tools component new`)"
    )]
    CoreModule,
    /// A WIT package encoded as WebAssembly.
    #[error("a WIT package, not a component")]
    WitPackage,
    /// Neither binary WebAssembly nor text.
    #[error(
        "not WebAssembly: neither a binary component (starting with `\\0asm`) nor component text"
    )]
    NotWasm,
    /// A directory, FIFO, socket or device (never opened).
    #[error("{0}, not a component file")]
    NotAFile(&'static str),
}
