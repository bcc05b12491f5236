//! Host plugs: plugs the application implements in Rust.
//!
//! A [`HostPlug`] provides an app interface like a plugin does: it counts for
//! cardinality, sits beside components on an `any` socket, is drawn and
//! checked with the tree, and its failures reach consumers as
//! `provider-error` values. Its functions are typed closures (checked against
//! the WIT when the tree is built) or dynamic ones over [`Val`]s (their
//! answers checked on every call). [`MemoryKv`] and [`Log`] are ready-made
//! plugs for the `plugtree:host` interfaces (`wit/host/plugtree-host.wit`).
//!
//! A host plug may hand out resources: Rust values of a [`HostResource`]
//! type, returned as [`Own<T>`] and taken back as [`Own<T>`] or
//! [`Borrow<T>`]. They cross plugins as a component's resources do (a
//! consumer holds a proxy; a handle reaches only the plug that made it), and
//! dropping the last handle drops the value: its `Drop` is the destructor.
//!
//! A function that needs to know who called it (per-plugin policy, routing a
//! plugin's logs) is given with [`HostPlug::func_with_caller`] or
//! [`HostPlug::func_dynamic_with_caller`]: its closure gets the [`Caller`] of
//! each call as its first argument.

mod builtin;
mod resource;
mod wit_value;

use std::fmt;
use std::sync::Arc;

use wasmtime::component::Val;

pub use builtin::{HOST_WIT, KV_INTERFACE, LOG_INTERFACE, Log, LogLevel, LogLine, MemoryKv};
pub use resource::{Borrow, HostResource, Own};
pub(crate) use resource::{Object, Objects, Scope};
pub(crate) use wit_value::TypedSignature;
pub use wit_value::{CallerFunction, HostFunction, WitPayload, WitValue};

use crate::describe::{PluginId, ValueType};

/// Why a host function did not answer. The consumer sees it as the socket
/// ABI's `unavailable` case, with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HostError {
    message: String,
}

impl HostError {
    /// An error with a message for the consumer.
    pub fn new(message: impl Into<String>) -> Self {
        HostError { message: message.into() }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError { message }
    }
}

impl From<&str> for HostError {
    fn from(message: &str) -> Self {
        HostError { message: message.to_string() }
    }
}

/// Who made a call into a host plug's function.
///
/// Known per call, from where the call came in: a plugin's socket functions
/// are linked for that plugin alone, so each consumer's calls carry its own
/// id, and concurrent calls from different plugins never see each other's.
///
/// ```
/// use plugtree::PluginId;
/// use plugtree::host::Caller;
///
/// let id = PluginId::from("notes");
/// assert_eq!(Caller::Plugin(&id).plugin(), Some(&id));
/// assert_eq!(Caller::Host.plugin(), None);
/// assert_eq!(Caller::Plugin(&id).to_string(), "plugin `notes`");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller<'a> {
    /// The host itself: a call on the root ([`RootFunc::call`](crate::RootFunc::call),
    /// [`LoadedTree::dispatch`](crate::LoadedTree::dispatch)) that reached a
    /// host plug plugged into the root. No plugin made it.
    Host,
    /// The plugin whose socket the call came through.
    Plugin(&'a PluginId),
}

impl<'a> Caller<'a> {
    /// The calling plugin's id; `None` for the host.
    pub fn plugin(self) -> Option<&'a PluginId> {
        match self {
            Caller::Host => None,
            Caller::Plugin(id) => Some(id),
        }
    }
}

impl fmt::Display for Caller<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caller::Host => f.write_str("the host"),
            Caller::Plugin(id) => write!(f, "plugin `{id}`"),
        }
    }
}

/// A host function in the form every call goes through.
pub(crate) type DynamicFn =
    dyn Fn(Caller<'_>, &[Val]) -> Result<Option<Val>, HostError> + Send + Sync;

/// One function of a host plug.
#[derive(Clone)]
pub(crate) struct HostFunc {
    pub name: String,
    /// The Rust types of a typed closure, checked against the WIT at build;
    /// `None` for a dynamic one, whose answers are checked per call.
    pub typed: Option<TypedSignature>,
    pub call: Arc<DynamicFn>,
}

/// A plug implemented by the host: an id, the interface it plugs into, and
/// a Rust function for each of the interface's functions.
///
/// ```
/// use plugtree::host::{HostError, HostPlug};
///
/// let clock = HostPlug::new("clock", "my:app/clock")
///     .func("now-ms", || -> Result<u64, HostError> { Ok(1_700_000_000_000) })
///     .func("add", |a: u32, b: u32| -> Result<u32, HostError> {
///         a.checked_add(b).ok_or_else(|| HostError::new("overflow"))
///     });
/// assert_eq!(clock.id().as_str(), "clock");
/// ```
///
/// A function that answers each caller differently takes the [`Caller`]
/// first ([`HostPlug::func_with_caller`]):
///
/// ```
/// use plugtree::host::{Caller, HostError, HostPlug};
///
/// let whoami = HostPlug::new("whoami", "my:app/whoami").func_with_caller(
///     "name",
///     |caller: Caller<'_>| -> Result<String, HostError> {
///         Ok(caller.plugin().map_or("the host".into(), |id| id.to_string()))
///     },
/// );
/// assert_eq!(whoami.functions().collect::<Vec<_>>(), ["name"]);
/// ```
#[derive(Clone)]
pub struct HostPlug {
    pub(crate) id: PluginId,
    pub(crate) interface: String,
    pub(crate) functions: Vec<HostFunc>,
}

impl fmt::Debug for HostPlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostPlug")
            .field("id", &self.id)
            .field("interface", &self.interface)
            .field("functions", &self.functions.iter().map(|h| &h.name).collect::<Vec<_>>())
            .finish()
    }
}

impl HostPlug {
    /// A host plug `id` for the app interface `interface` (e.g. `my:app/kv`),
    /// with no functions yet.
    pub fn new(id: impl Into<PluginId>, interface: impl Into<String>) -> Self {
        HostPlug { id: id.into(), interface: interface.into(), functions: Vec::new() }
    }

    /// Implements the WIT function `name` with a typed closure: one
    /// [`WitValue`] parameter per WIT parameter, returning
    /// `Result<R, HostError>` with `R` the WIT result (`()` for none). The
    /// types are checked against the WIT when the tree is built. A later
    /// function of the same name replaces an earlier one.
    pub fn func<Args, F: HostFunction<Args>>(self, name: impl Into<String>, f: F) -> Self {
        self.typed(name.into(), F::signature(), f.into_dynamic())
    }

    /// [`HostPlug::func`] for a closure that also gets the [`Caller`] of
    /// each call, before the WIT parameters: the plugin whose socket the
    /// call came through, or [`Caller::Host`] for the host's own call on the
    /// root. Only the WIT parameters are checked against the WIT.
    pub fn func_with_caller<Args, F: CallerFunction<Args>>(
        self,
        name: impl Into<String>,
        f: F,
    ) -> Self {
        self.typed(name.into(), F::signature(), f.into_dynamic())
    }

    /// Adds a typed function: its WIT types and its call.
    fn typed(
        self,
        name: String,
        (params, result): (Vec<ValueType>, Option<ValueType>),
        call: Arc<DynamicFn>,
    ) -> Self {
        self.with(HostFunc { name, typed: Some(TypedSignature { params, result }), call })
    }

    /// Implements the WIT function `name` with a dynamic closure over
    /// [`Val`]s, for interfaces known only at run time. It gets arguments of
    /// the WIT parameter types and returns the result as a list of at most one
    /// value; an answer that does not fit the WIT is refused (the consumer
    /// sees `trapped`) rather than passed on.
    pub fn func_dynamic(
        self,
        name: impl Into<String>,
        f: impl Fn(&[Val]) -> Result<Vec<Val>, HostError> + Send + Sync + 'static,
    ) -> Self {
        self.func_dynamic_with_caller(name, move |_: Caller<'_>, params: &[Val]| f(params))
    }

    /// [`HostPlug::func_dynamic`] for a closure that also gets the
    /// [`Caller`] of each call.
    pub fn func_dynamic_with_caller(
        self,
        name: impl Into<String>,
        f: impl Fn(Caller<'_>, &[Val]) -> Result<Vec<Val>, HostError> + Send + Sync + 'static,
    ) -> Self {
        let call = Arc::new(move |caller: Caller<'_>, params: &[Val]| {
            let mut results = f(caller, params)?.into_iter();
            let first = results.next();
            match results.next() {
                None => Ok(first),
                Some(_) => Err(HostError::new(
                    "a WIT function has at most one result; the host function returned more",
                )),
            }
        });
        self.with(HostFunc { name: name.into(), typed: None, call })
    }

    /// The plug's id.
    pub fn id(&self) -> &PluginId {
        &self.id
    }

    /// The interface it plugs into.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The names of the functions it implements.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.functions.iter().map(|f| f.name.as_str())
    }

    fn with(mut self, func: HostFunc) -> Self {
        self.functions.retain(|f| f.name != func.name);
        self.functions.push(func);
        self
    }
}
