//! # plugtree
//!
//! Build modular applications out of WebAssembly components.
//!
//! A **plugin** is a component. Its **plug** is the app interface it exports;
//! its **sockets** are the app interfaces it imports. plugtree reads both from
//! WIT, resolves the plugins into a tree from a root interface, links them
//! with wasmtime, and dispatches calls on the root across the tree:
//!
//! 1. [`describe`] — WIT and components → interfaces and plugins;
//! 2. [`resolve`] — petgraph: providers, cardinality, cycles → [`PluginTree`];
//! 3. [`load`] — compile, link and instantiate bottom-up → [`LoadedTree`];
//! 4. [`dispatch`] — call the root and fan out → [`Socket`] of results.
//!
//! Beside them, [`wave`] reads call text (`pkg:ns/iface.func(wave-args…)`)
//! into [`Val`]s against the WIT alone and writes values as WAVE: a call can
//! be checked on a built [`PluginTree`] before anything is compiled.
//!
//! ```no_run
//! use plugtree::{PluginTree, Socket, Val};
//!
//! let (tree, build_errors) = PluginTree::from_manifest("plugtree.toml")?;
//! let engine = plugtree::default_engine()?;
//! let (loaded, load_errors) = tree.load(&engine);
//! for error in build_errors.iter().map(|e| e.to_string()).chain(load_errors.iter().map(|e| e.to_string())) {
//!     eprintln!("{error}");
//! }
//! match loaded.dispatch("my:app/greeter", "greet", &[Val::String("world".into())])? {
//!     Socket::Any(answers) => for (plugin, answer) in answers {
//!         println!("{plugin}: {answer:?}");
//!     },
//!     other => println!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod describe;
pub mod dispatch;
pub mod host;
pub mod load;
pub mod resolve;
pub mod wave;

pub use describe::socket_abi::ProviderErrorCase;
pub use describe::socket_wit::{SocketWit, SocketWitError};
pub use describe::{
    Capability, Cardinality, Catalog, DescribeError, DirMode, Function, FunctionKind, Grants,
    HttpTarget, Interface, Limit, Limits, Manifest, ManifestError, NotAComponent, PluginError,
    PluginId, PluginSource, Remap, RestartPolicy, Signature, ValueType,
};
pub use dispatch::{Answer, CallError, DispatchError, RootFunc, Socket, TypedRootFunc};
pub use host::{HostError, HostFunction, HostPlug, LogLine};
#[cfg(feature = "guest-profiler")]
pub use load::ProfileError;
pub use load::{
    ArtifactCache, CacheStats, LoadError, LoadOptions, LoadedTree, PoolShare, ReloadError,
    Reloaded, default_engine, engine_config, pooling_engine_config,
};
pub use resolve::{
    BuildError, PluginKind, PluginStatus, PluginTree, PluginView, SetupError, TreeBuilder,
    Unsatisfied,
};
pub use wasmtime::Engine;
pub use wasmtime::component::{ResourceAny, Val};
pub use wave::{CallParseError, ParsedCall};
