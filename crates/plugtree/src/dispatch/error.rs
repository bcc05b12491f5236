//! Errors of the dispatch stage.

use crate::describe::{Limit, PluginId, RestartPolicy, ValueType};
use crate::resolve::Unsatisfied;

/// Why a dispatch could not be made at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// Only the root interface can be dispatched on.
    #[error("`{interface}` is not the root interface `{root}`")]
    NotRoot {
        /// The interface asked for.
        interface: String,
        /// The root interface.
        root: String,
    },
    /// The root interface has no such function.
    #[error("`{interface}` has no function `{function}`")]
    UnknownFunction {
        /// The root interface.
        interface: String,
        /// The function asked for.
        function: String,
    },
    /// Too few or too many arguments.
    #[error("`{function}` takes {expected} argument(s), {found} given")]
    ArgumentCount {
        /// The function.
        function: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// An argument of the wrong type.
    #[error("argument `{param}` of `{function}` must be `{expected}`, found {found}")]
    ArgumentType {
        /// The function.
        function: String,
        /// The parameter's name.
        param: String,
        /// The parameter's type.
        expected: Box<ValueType>,
        /// What was given, described.
        found: String,
    },
    /// The function's types cannot be dispatched on yet.
    #[error("`{function}` cannot be dispatched: {reason}")]
    Unsupported {
        /// The function.
        function: String,
        /// Why.
        reason: String,
    },
    /// The Rust types given to [`RootFunc::typed`](crate::RootFunc::typed)
    /// are not the function's, as wasmtime checked them on a root provider.
    #[error(
        "`{function}` of plugin `{plugin}` does not take and return these Rust types: {reason}"
    )]
    OtherTypes {
        /// The root provider whose function was checked.
        plugin: PluginId,
        /// The function.
        function: String,
        /// wasmtime's words.
        reason: String,
    },
    /// A resource handle no root plugin owns: from another tree, forged, or
    /// from an instance a reload replaced.
    #[error("no plugin of the root interface owns this resource handle")]
    UnknownHandle,
    /// A resource handle from an instance of a root plugin that has since
    /// been restarted ([`RestartPolicy`]): a restart loses every handle the
    /// instance gave out.
    #[error(
        "the resource handle is from plugin `{plugin}` before it was restarted: a restart loses every handle the instance gave out"
    )]
    Restarted {
        /// The plugin whose earlier instance gave the handle out.
        plugin: PluginId,
    },
    /// The owner of a resource refused to drop it.
    #[error("cannot drop the resource: {error}")]
    Dropped {
        /// Why, from the owner.
        error: Box<CallError>,
    },
    /// The root's loaded providers do not satisfy its cardinality (none on
    /// `exactly-one` or `at-least-one`, several on `exactly-one` or
    /// `at-most-one`): refused
    /// exactly as a consumer with such a socket is refused at load.
    #[error(transparent)]
    Unsatisfied(Unsatisfied),
}

/// Why one provider did not answer a dispatched call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The plugin trapped; it is disabled from now on (until a reload, or a
    /// restart if it has a [`RestartPolicy`]).
    #[error("plugin `{plugin}` trapped in `{function}`: {message}")]
    Trapped {
        /// The plugin.
        plugin: PluginId,
        /// The function called.
        function: String,
        /// The trap, with its causes.
        message: String,
    },
    /// The plugin exceeded one of its limits; it is disabled from now on
    /// (until a reload, or a restart if it has a [`RestartPolicy`]).
    #[error("{message}")]
    LimitExceeded {
        /// The plugin.
        plugin: PluginId,
        /// The function called.
        function: String,
        /// The limit.
        limit: Limit,
        /// What happened, naming the plugin, the limit and the function.
        message: String,
    },
    /// The plugin is disabled after an earlier failure.
    #[error("plugin `{plugin}` is unavailable: {reason}")]
    Unavailable {
        /// The plugin.
        plugin: PluginId,
        /// Why.
        reason: String,
    },
    /// A resource handle passed to the plugin is not its own, or is stale.
    #[error("plugin `{plugin}` refused a handle: {reason}")]
    BadHandle {
        /// The plugin.
        plugin: PluginId,
        /// Why.
        reason: String,
    },
    /// The call would re-enter a plugin already on the call stack.
    #[error("plugin `{plugin}` cannot be re-entered: {reason}")]
    Reentrant {
        /// The plugin.
        plugin: PluginId,
        /// Why.
        reason: String,
    },
    /// The plugin's provider behind a plain socket failed (`error`), which
    /// failed the plugin's own call: a plain socket means "my provider's
    /// failure is my failure". The plugin is disabled from now on, as after
    /// a trap (until a reload, or a restart if it has a [`RestartPolicy`]).
    #[error("plugin `{plugin}` failed in `{function}` because its provider did: {error}")]
    ProviderFailed {
        /// The consumer whose call failed.
        plugin: PluginId,
        /// The function called on it.
        function: String,
        /// How the provider failed (its plugin is [`CallError::plugin`]).
        #[source]
        error: Box<CallError>,
    },
    /// Only in [`LoadedTree::failures`](crate::LoadedTree::failures): the
    /// plugin failed with `error` and its [`RestartPolicy`] restarted it; a
    /// fresh instance answered the next call.
    #[error(
        "plugin `{plugin}` failed in `{function}` and was restarted (restart {restart}, {policy})"
    )]
    Restarted {
        /// The plugin.
        plugin: PluginId,
        /// The function whose call failed it.
        function: String,
        /// The restart's number since the tree was loaded (from 1).
        restart: u32,
        /// The policy that allowed it.
        policy: RestartPolicy,
        /// How the call failed.
        #[source]
        error: Box<CallError>,
    },
}

impl CallError {
    /// The plugin that did not answer.
    pub fn plugin(&self) -> &PluginId {
        match self {
            CallError::Trapped { plugin, .. }
            | CallError::LimitExceeded { plugin, .. }
            | CallError::Unavailable { plugin, .. }
            | CallError::Reentrant { plugin, .. }
            | CallError::BadHandle { plugin, .. }
            | CallError::Restarted { plugin, .. }
            | CallError::ProviderFailed { plugin, .. } => plugin,
        }
    }
}
