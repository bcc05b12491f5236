//! Errors of the resolve stage.

use crate::describe::{Capability, Cardinality, PluginError, PluginId, Signature};

/// A socket whose working providers do not satisfy its interface's cardinality.
///
/// Found while resolving (providers that failed to describe or resolve) and
/// again while loading (providers that failed to compile or instantiate).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} needs {cardinality} provider of `{interface}` but has {} working ({}){}",
    consumer.as_ref().map_or_else(|| "the root socket".to_string(), |c| format!("plugin `{c}`")),
    ready.len(),
    list(ready),
    if failed.is_empty() { String::new() } else { format!("; failed: {}", list(failed)) }
)]
pub struct Unsatisfied {
    /// The plugin whose socket it is; `None` for the host's root socket.
    pub consumer: Option<PluginId>,
    /// The socket's interface.
    pub interface: String,
    /// The interface's cardinality.
    pub cardinality: Cardinality,
    /// The providers that still work.
    pub ready: Vec<PluginId>,
    /// The providers that failed.
    pub failed: Vec<PluginId>,
}

fn list(ids: &[PluginId]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
}

/// One problem found while building the tree. The plugin it names is left out
/// of the tree, and so is every plugin that cannot work without it; the rest is kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The plugin's component could not be read.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// A second plugin with an id already taken; it is dropped.
    #[error("plugin id `{plugin}` is used more than once; the later plugin is dropped")]
    DuplicateId {
        /// The repeated id.
        plugin: PluginId,
    },
    /// An id outside the documented character set ([`PluginId::is_valid`]);
    /// the plugin is dropped.
    #[error(
        "plugin id `{plugin}` is not valid (1 to 128 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit); the plugin is dropped"
    )]
    InvalidId {
        /// The id, escaped when printed.
        plugin: PluginId,
    },
    /// A pool of no instances, or of more than [`MAX_POOL`](crate::describe::MAX_POOL).
    #[error("plugin `{plugin}`: a pool of {pool} instances: give 1 to {max}", max = crate::describe::MAX_POOL)]
    PoolSize {
        /// The plugin.
        plugin: PluginId,
        /// The size asked for.
        pool: u32,
    },
    /// A pool for a plugin whose plug or sockets pass resources: a handle
    /// lives in one instance, and the next call may run in another.
    #[error(
        "plugin `{plugin}` cannot be pooled: `{interface}` has resources, whose handles live in one instance"
    )]
    PoolWithResources {
        /// The plugin.
        plugin: PluginId,
        /// The interface with resources (its plug or one of its sockets).
        interface: String,
    },
    /// The plugin's grants are unusable (see [`Grants::problem`](crate::describe::Grants::problem)).
    #[error("plugin `{plugin}`: {message}")]
    InvalidGrants {
        /// The plugin.
        plugin: PluginId,
        /// What is wrong, naming the key and the path.
        message: String,
    },
    /// The component exports no app interface, so it plugs into nothing.
    #[error("plugin `{plugin}` exports no app interface (it exports: {})", if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") })]
    NoPlug {
        /// The plugin.
        plugin: PluginId,
        /// The interfaces it does export.
        exports: Vec<String>,
    },
    /// The component exports more than one app interface.
    #[error("plugin `{plugin}` exports several app interfaces ({}); a plugin has one plug", plugs.join(", "))]
    SeveralPlugs {
        /// The plugin.
        plugin: PluginId,
        /// The app interfaces it exports.
        plugs: Vec<String>,
    },
    /// The plug lacks a function of its interface.
    #[error("plugin `{plugin}` plugs into `{interface}` but does not export `{function}`")]
    MissingExport {
        /// The plugin.
        plugin: PluginId,
        /// Its plug.
        interface: String,
        /// The missing function.
        function: String,
    },
    /// The plug exports a function with other types than the interface's WIT.
    #[error(
        "plugin `{plugin}` exports `{interface}.{function}` as `{found}`, but the WIT says `{expected}`"
    )]
    PlugMismatch {
        /// The plugin.
        plugin: PluginId,
        /// Its plug.
        interface: String,
        /// The function.
        function: String,
        /// The signature in the app's WIT.
        expected: Signature,
        /// The signature the component exports.
        found: Signature,
    },
    /// The component exports or imports an app interface at a version that
    /// is not semver-compatible with any the app defines.
    #[error(
        "plugin `{plugin}` uses `{found}`, which is not semver-compatible with the app's {}",
        app.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
    )]
    IncompatibleVersion {
        /// The plugin.
        plugin: PluginId,
        /// The name the component uses, with its version.
        found: String,
        /// The versions of the interface the app defines, as full names.
        app: Vec<String>,
    },
    /// The plugin's remap names an export the component does not have.
    #[error("plugin `{plugin}` is remapped from `{export}`, which it does not export (it exports: {})", if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") })]
    RemapExport {
        /// The plugin.
        plugin: PluginId,
        /// The export the remap names.
        export: String,
        /// The interfaces the component does export.
        exports: Vec<String>,
    },
    /// The plugin's remap plugs into an interface the app does not define.
    #[error("plugin `{plugin}` is remapped to `{plug}`, which is not an app interface")]
    RemapTarget {
        /// The plugin.
        plugin: PluginId,
        /// The interface the remap names.
        plug: String,
    },
    /// A function mapping of the plugin's remap cannot be applied.
    #[error("plugin `{plugin}`: the remap of `{export}` maps `{function}`, {problem}")]
    RemapFunction {
        /// The plugin.
        plugin: PluginId,
        /// The remapped export.
        export: String,
        /// The function name the mapping names.
        function: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The component imports something that is not an app interface.
    #[error("plugin `{plugin}` imports `{import}`, which is not an app interface")]
    UnknownSocket {
        /// The plugin.
        plugin: PluginId,
        /// The import's name.
        import: String,
    },
    /// In strict mode: the component imports a WASI interface that none of
    /// the plugin's grants backs.
    #[error("plugin `{plugin}` imports `{import}` but is not granted {grant} (strict mode)")]
    UngrantedWasi {
        /// The plugin.
        plugin: PluginId,
        /// The WASI import, with its version.
        import: String,
        /// The grant that would allow it.
        grant: Capability,
    },
    /// The component imports a WASI interface that plugtree does not provide
    /// (plugtree links WASI 0.2's cli, clocks, filesystem, io, random and sockets).
    #[error("plugin `{plugin}` imports `{import}`, a WASI interface plugtree does not provide")]
    UnsupportedWasi {
        /// The plugin.
        plugin: PluginId,
        /// The WASI import, with its version.
        import: String,
    },
    /// The component imports a function its socket's interface does not have.
    #[error(
        "plugin `{plugin}` imports `{interface}.{function}`, which the interface does not define"
    )]
    UnknownFunction {
        /// The plugin.
        plugin: PluginId,
        /// The socket's interface.
        interface: String,
        /// The function.
        function: String,
    },
    /// The component imports a socket function in another shape than the
    /// socket ABI, or (on `exactly-one`) than the interface's own form.
    #[error(
        "plugin `{plugin}` imports `{interface}.{function}` as `{found}`, but the {cardinality} socket ABI is `{expected}`{}",
        plain.as_ref().map_or_else(String::new, |p| format!(" and the plain form `{p}`"))
    )]
    SocketMismatch {
        /// The plugin.
        plugin: PluginId,
        /// The socket's interface.
        interface: String,
        /// The function.
        function: String,
        /// The socket's cardinality.
        cardinality: Cardinality,
        /// The socket-ABI signature.
        expected: Signature,
        /// The plain form, the provider's own signature, where a plain socket
        /// may be imported (`exactly-one`).
        plain: Option<Signature>,
        /// The signature the component imports.
        found: Signature,
    },
    /// A consumer imports a resource's constructor from a socket that is not
    /// `exactly-one`: a constructor cannot answer for several providers (use
    /// a function returning the resource instead).
    #[error(
        "plugin `{plugin}` imports the constructor `{function}` of `{interface}`, which is {cardinality}: constructors can only be imported from exactly-one sockets; import a function returning the resource instead"
    )]
    ConstructorOnSocket {
        /// The plugin.
        plugin: PluginId,
        /// The socket's interface.
        interface: String,
        /// The constructor.
        function: String,
        /// The socket's cardinality.
        cardinality: Cardinality,
    },
    /// A host plug names an interface the app's WIT does not define.
    #[error("host plug `{plugin}` provides `{interface}`, which is not an app interface")]
    HostPlugInterface {
        /// The host plug.
        plugin: PluginId,
        /// The interface it names.
        interface: String,
    },
    /// A host plug implements a function its interface does not define.
    #[error("host plug `{plugin}` implements `{function}`, which `{interface}` does not define")]
    HostPlugExtraFunction {
        /// The host plug.
        plugin: PluginId,
        /// Its interface.
        interface: String,
        /// The function it implements.
        function: String,
    },
    /// Plugins that depend on each other in a cycle; all of them are left out.
    #[error("dependency cycle: {}", path.join(" → "))]
    Cycle {
        /// The plugins in the cycle.
        plugins: Vec<PluginId>,
        /// The cycle, alternating plugin ids and socket interfaces, ending where it starts.
        path: Vec<String>,
    },
    /// The plugin sits deeper in the tree than wasmtime's call stack can follow.
    #[error("plugin `{plugin}` is {depth} plugins deep; the limit is {limit}")]
    TooDeep {
        /// The plugin.
        plugin: PluginId,
        /// Its depth below the root (root providers are at depth 1).
        depth: usize,
        /// The deepest tree plugtree links.
        limit: usize,
    },
    /// A socket (or the root) without the providers its cardinality requires.
    #[error(transparent)]
    Unsatisfied(#[from] Unsatisfied),
}

impl BuildError {
    /// The plugin the error is about; `None` for the root socket and for cycles
    /// (which name several plugins).
    pub fn plugin(&self) -> Option<&PluginId> {
        match self {
            BuildError::Plugin(e) => Some(e.plugin()),
            BuildError::DuplicateId { plugin }
            | BuildError::InvalidId { plugin }
            | BuildError::InvalidGrants { plugin, .. }
            | BuildError::NoPlug { plugin, .. }
            | BuildError::SeveralPlugs { plugin, .. }
            | BuildError::MissingExport { plugin, .. }
            | BuildError::PlugMismatch { plugin, .. }
            | BuildError::UnknownSocket { plugin, .. }
            | BuildError::IncompatibleVersion { plugin, .. }
            | BuildError::RemapExport { plugin, .. }
            | BuildError::RemapTarget { plugin, .. }
            | BuildError::RemapFunction { plugin, .. }
            | BuildError::UngrantedWasi { plugin, .. }
            | BuildError::UnsupportedWasi { plugin, .. }
            | BuildError::UnknownFunction { plugin, .. }
            | BuildError::SocketMismatch { plugin, .. }
            | BuildError::ConstructorOnSocket { plugin, .. }
            | BuildError::HostPlugInterface { plugin, .. }
            | BuildError::HostPlugExtraFunction { plugin, .. }
            | BuildError::PoolSize { plugin, .. }
            | BuildError::PoolWithResources { plugin, .. }
            | BuildError::TooDeep { plugin, .. } => Some(plugin),
            BuildError::Cycle { .. } => None,
            BuildError::Unsatisfied(u) => u.consumer.as_ref(),
        }
    }
}
