//! Describe: WIT and components → app interfaces and plugins, as plain data.
//!
//! Everything here is read, never hand-written by the user: interfaces, their
//! functions and resources come from the app's WIT ([`Catalog`]); a plugin's
//! plug and sockets come from its component's embedded types. Nothing here
//! builds graphs or touches wasmtime's engine (`val_check.rs` reads its `Val`
//! data type, to check values against WIT).

mod component;
mod error;
mod grants;
mod http_target;
mod interface;
mod limits;
mod manifest;
mod plugin;
mod plugin_id;
mod remap;
mod restart;
pub mod socket_abi;
pub mod socket_wit;
mod types;
pub(crate) mod val_check;
pub(crate) mod version;
mod wit;

pub use error::{DescribeError, NotAComponent, PluginError};
pub use grants::{Capability, DirGrant, DirMode, Grants, HostPort};
pub use http_target::{HostMatch, HostPattern, HttpScheme, HttpTarget};
pub(crate) use interface::Lookup;
pub use interface::{Cardinality, Catalog, Function, FunctionKind, Interface};
pub use limits::{Limit, Limits, MAX_POOL};
pub use manifest::{BuiltinPlug, Manifest, ManifestError, ManifestHostPlug, ManifestPlugin};
pub use plugin::PluginSource;
pub use plugin_id::PluginId;
pub use remap::Remap;
pub use restart::RestartPolicy;
pub use types::{ResourceName, Signature, ValueType};

pub(crate) use component::describe_plugin;
pub(crate) use grants::{WasiNeed, wasi_need};
#[cfg_attr(not(feature = "http"), allow(unused_imports))]
pub(crate) use http_target::{address_allowed, best_match};
pub(crate) use plugin::{DescribedPlugin, Import};
