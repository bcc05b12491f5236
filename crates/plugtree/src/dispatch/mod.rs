//! Dispatch: call a function of the root interface on a [`LoadedTree`] and get
//! one answer per root provider, shaped by the root's cardinality.
//!
//! Arguments are checked against the function's WIT before any plugin runs;
//! a plugin's failure is an [`Err`] in its own slot, never a failed dispatch.

mod check;
mod error;
mod typed;

use std::sync::Arc;

use wasmtime::component::{ResourceAny, Val};

pub use error::{CallError, DispatchError};
pub use typed::TypedRootFunc;

use crate::describe::val_check::resources_in;
use crate::describe::{Cardinality, Function, PluginId};
use crate::host::Caller;
use crate::load::{
    CallWithVals, Crossing, Gathered, LoadedPlugin, LoadedTree, PlainFailure, PluginSlot,
    ProviderFailure, RootFunction, RootSocket, fan_out,
};
use crate::wave::{CallParseError, ParsedCall};

/// Results shaped by the cardinality of the socket they come from, each with
/// the id of the plugin that gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Socket<T> {
    /// The one provider's result.
    ExactlyOne(PluginId, T),
    /// The provider's result, or `None` when no provider answers.
    AtMostOne(Option<(PluginId, T)>),
    /// One result per provider, in declaration order.
    Any(Vec<(PluginId, T)>),
    /// One result per provider, in declaration order, never none.
    AtLeastOne(Vec<(PluginId, T)>),
}

impl<T> Socket<T> {
    /// Every result with the plugin it came from, whatever the cardinality.
    pub fn into_vec(self) -> Vec<(PluginId, T)> {
        match self {
            Socket::ExactlyOne(id, v) => vec![(id, v)],
            Socket::AtMostOne(v) => v.into_iter().collect(),
            Socket::Any(vs) | Socket::AtLeastOne(vs) => vs,
        }
    }
}

/// One provider's answer: the function's result (`None` for a function
/// without one), or why the provider did not answer.
pub type Answer = Result<Option<Val>, CallError>;

/// A function of the root interface, looked up once and called many times
/// (as wasmtime's `Instance::get_func` then `Func::call`): from
/// [`LoadedTree::root_func`].
#[derive(Clone, Copy)]
pub struct RootFunc<'t> {
    tree: &'t LoadedTree,
    index: usize,
}

impl std::fmt::Debug for RootFunc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootFunc").field("function", &self.function().name).finish_non_exhaustive()
    }
}

impl<'t> RootFunc<'t> {
    /// The function's WIT description.
    pub fn function(&self) -> &'t Function {
        &self.tree.root_calls[self.index].function
    }

    /// Calls the function with `args` on every plugin plugged into the root
    /// and returns their answers, each with its plugin's id.
    ///
    /// # Errors
    /// [`DispatchError`] when the call cannot be made at all: wrong
    /// arguments, a method's `self` that no root plugin owns, or a root
    /// socket whose providers do not satisfy its cardinality
    /// ([`DispatchError::Unsatisfied`]).
    pub fn call(&self, args: &[Val]) -> Result<Socket<Answer>, DispatchError> {
        let root = &self.tree.root;
        let f = &self.tree.root_calls[self.index];
        // The common case first, in few instructions: a function with a typed
        // fast path on a satisfied `exactly-one` root, its arguments checked
        // and converted in one pass (every such function has a result).
        if let Some(sole) = root.sole()
            && let Some(shape) = f.call.shape
        {
            let plugin = sole.borrow();
            let call = CallWithVals {
                caller: Caller::Host,
                plugin: &plugin,
                function: f.call.index,
                args,
            };
            if let Some(answer) = shape.visit(call) {
                let answer = answer.map(Some).map_err(|failure| {
                    CallError::from_failure(&plugin.id, &f.function.name, failure)
                });
                return Ok(Socket::ExactlyOne(plugin.id.clone(), answer));
            }
        }
        self.call_checked(f, args)
    }

    /// [`RootFunc::call`] for every other call, through the one fan-out:
    /// arguments checked against the WIT, resources, methods, any
    /// cardinality. Out of line, so the common case stays small.
    #[inline(never)]
    fn call_checked(
        &self,
        f: &RootFunction,
        args: &[Val],
    ) -> Result<Socket<Answer>, DispatchError> {
        let root = &self.tree.root;
        if let Some(unsatisfied) = &root.unsatisfied {
            return Err(DispatchError::Unsatisfied(unsatisfied.clone()));
        }
        check::arguments(&f.function, args)?;
        let mut crossing = HostCrossing { handles: Vec::new(), slots: &root.slots };
        if f.call.needs_handles {
            args.iter().for_each(|a| resources_in(a, &mut crossing.handles));
        }
        let function = &f.function.name;
        let mut answers = Gathered::new(f.call.shaped_by(root.cardinality));
        let instances = root.slots.iter().map(|slot| slot.borrow());
        fan_out(
            Caller::Host,
            root.cardinality,
            root.parallel,
            &f.call,
            instances,
            args,
            &mut crossing,
            |id, answer| {
                answers.push(
                    id,
                    answer.map_err(|failure| CallError::from_failure(id, function, failure)),
                )
            },
        )
        .map_err(|_| crossing.no_owner())?;
        socket_of(answers, root)
    }
}

/// The root's answers as the host receives them.
fn socket_of<T>(answers: Gathered<T>, root: &RootSocket) -> Result<Socket<T>, DispatchError> {
    Ok(match answers {
        Gathered::One(Some((id, answer))) => Socket::ExactlyOne(id, answer),
        // A satisfied root always has its one answer here; without one,
        // the socket says what it lacks rather than the call inventing one.
        Gathered::One(None) => return Err(DispatchError::Unsatisfied(root.lacking())),
        Gathered::Maybe(answer) => Socket::AtMostOne(answer),
        Gathered::All(all) if root.cardinality != Cardinality::AtLeastOne => Socket::Any(all),
        Gathered::All(all) if all.is_empty() => {
            return Err(DispatchError::Unsatisfied(root.lacking()));
        }
        Gathered::All(all) => Socket::AtLeastOne(all),
    })
}

/// The host's side of a call: it passes the root plugins' own handles, each
/// of which only its owner may receive.
struct HostCrossing<'a> {
    handles: Vec<ResourceAny>,
    slots: &'a [Arc<PluginSlot>],
}

impl HostCrossing<'_> {
    /// Why no root plugin owns the method's `self`.
    #[cold]
    fn no_owner(&self) -> DispatchError {
        self.handles.first().map_or(DispatchError::UnknownHandle, |h| lost_handle(self.slots, h))
    }
}

/// [`DispatchError::Restarted`] if a restart replaced the instance that
/// gave `handle` out, else [`DispatchError::UnknownHandle`].
fn lost_handle(slots: &[Arc<PluginSlot>], handle: &ResourceAny) -> DispatchError {
    match slots.iter().find(|slot| slot.lost(handle)) {
        Some(slot) => DispatchError::Restarted { plugin: slot.id.clone() },
        None => DispatchError::UnknownHandle,
    }
}

impl Crossing for HostCrossing<'_> {
    fn owner(&self) -> Option<Arc<LoadedPlugin>> {
        let first = self.handles.first()?;
        // Read as calls read slots: a failed owner is restarted first, and
        // then owns none of the handles its failed instance gave out.
        self.slots
            .iter()
            .map(|slot| Arc::clone(&slot.borrow()))
            .find(|p| p.resource_name(first).is_some())
    }

    fn admit(&mut self, provider: &LoadedPlugin) -> Result<(), String> {
        let Some(foreign) = self.handles.iter().find(|r| provider.resource_name(r).is_none())
        else {
            return Ok(());
        };
        let restarted = self.slots.iter().any(|s| s.id == provider.id && s.lost(foreign));
        Err(if restarted {
            "the handle is from its instance before it was restarted: a restart loses every handle the instance gave out".into()
        } else {
            format!("the handle {foreign:?} is not one of its resources")
        })
    }

    fn receive(&mut self, _: &Arc<LoadedPlugin>, value: Val) -> Result<Val, ProviderFailure> {
        Ok(value)
    }
}

impl LoadedTree {
    /// Calls `function` of the root `interface` with `args` on every plugin
    /// plugged into the root, and returns their answers: the convenience
    /// for [`LoadedTree::root_func`] then [`RootFunc::call`].
    ///
    /// # Errors
    /// [`DispatchError`] when the call cannot be made at all: another
    /// interface than the root, an unknown function, wrong arguments, a
    /// function whose types cannot cross the host boundary yet, or a root
    /// whose providers do not satisfy its cardinality.
    pub fn dispatch(
        &self,
        interface: &str,
        function: &str,
        args: &[Val],
    ) -> Result<Socket<Answer>, DispatchError> {
        if interface != &*self.root.interface {
            return Err(self.not_root(interface));
        }
        self.root_func(function)?.call(args)
    }

    /// Parses a call of a root function written as text,
    /// `pkg:ns/iface.func(wave-args…)`, checking its arguments against the
    /// function's WIT: [`PluginTree::parse_call`](crate::PluginTree::parse_call)
    /// on the tree this one was loaded from (see [`crate::wave`]). The result
    /// can be passed to [`LoadedTree::dispatch`].
    ///
    /// # Errors
    /// [`CallParseError`], with the place in `text` it is about: not a call,
    /// not the root interface, an unknown function, invalid WAVE or arguments
    /// that do not fit the parameters.
    pub fn parse_call(&self, text: &str) -> Result<ParsedCall, CallParseError> {
        crate::wave::parse_call(&self.catalog, &self.root.interface, text)
    }

    /// The root interface's function `function`, to call many times.
    ///
    /// # Errors
    /// [`DispatchError::UnknownFunction`], or [`DispatchError::Unsupported`]
    /// for a function whose types cannot cross the host boundary yet.
    pub fn root_func(&self, function: &str) -> Result<RootFunc<'_>, DispatchError> {
        match self.root_calls.iter().position(|f| f.function.name == function) {
            Some(index) if self.root_calls[index].async_type.is_none() => {
                Ok(RootFunc { tree: self, index })
            }
            found => Err(self.not_callable(found, function)),
        }
    }

    /// Every plugin that failed while the tree ran — trapped or exceeded a
    /// limit, whether called by the host or by another plugin — with the
    /// call that failed, in load order. A plugin without a restart policy
    /// answers no more calls (until reloaded).
    ///
    /// A plugin with a [`RestartPolicy`](crate::RestartPolicy) is listed
    /// once per restart ([`CallError::Restarted`], oldest first, the latest
    /// 64 kept), then with its instance's failure if the instance answering
    /// now failed (not restarted yet, or failed for good).
    pub fn failures(&self) -> Vec<CallError> {
        let mut all = Vec::new();
        for slot in &self.plugins {
            if let Some((policy, restarts)) = slot.restarts() {
                all.extend(restarts.into_iter().map(|r| CallError::Restarted {
                    plugin: slot.id.clone(),
                    error: Box::new(CallError::from_failure(&slot.id, &r.function, r.failure)),
                    function: r.function,
                    restart: r.number,
                    policy,
                }));
            }
            let p = slot.current();
            all.extend(
                p.failure().map(|f| CallError::from_failure(&p.id, &f.function, f.failure.clone())),
            );
        }
        all
    }

    /// Drops a resource the host got from a root plugin: the plugin's
    /// destructor runs. Every `own` handle the host receives must be dropped
    /// here (or passed back as `own`), or it lives as long as the tree.
    ///
    /// # Errors
    /// [`DispatchError::UnknownHandle`] when no root plugin owns it;
    /// [`DispatchError::Restarted`] when its owner was restarted since;
    /// [`DispatchError::Dropped`] when the owner refused it (already dropped,
    /// or the owner failed).
    pub fn drop_resource(&self, resource: ResourceAny) -> Result<(), DispatchError> {
        let owner = self
            .root_instances()
            .find(|p| p.resource_name(&resource).is_some())
            .ok_or_else(|| lost_handle(&self.root.slots, &resource))?;
        owner.drop_resource(resource).map_err(|failure| DispatchError::Dropped {
            error: Box::new(CallError::from_failure(&owner.id, "resource drop", failure)),
        })
    }

    /// How many instances answer for `plugin` now: 1, or for a pooled
    /// plugin (`TreeBuilder::pool`) 1 plus the warm instances overlapping
    /// calls have made so far. `None` for an id not loaded.
    pub fn instances(&self, plugin: &str) -> Option<usize> {
        self.plugins.iter().find(|p| p.id == plugin).map(|p| p.instances())
    }

    /// Bytes of linear memory `plugin`'s instance has now, all its memories
    /// together: what each further instance of a pooled plugin costs at
    /// least, beside its store. `None` for an id not loaded or a host plug.
    /// Waits for a call in progress on that instance to end.
    pub fn linear_memory(&self, plugin: &str) -> Option<usize> {
        self.plugins.iter().find(|p| p.id == plugin).and_then(|p| p.current().linear_memory())
    }

    /// How many resource handles `plugin` holds from its providers now.
    pub fn handles_held(&self, plugin: &str) -> Option<usize> {
        self.plugins.iter().find(|p| p.id == plugin).map(|p| p.current().proxies.len())
    }

    /// The instances answering for the root now.
    fn root_instances(&self) -> impl Iterator<Item = Arc<LoadedPlugin>> + '_ {
        self.root.slots.iter().map(|slot| slot.current())
    }

    /// The functions of the root interface, in WIT order.
    pub fn root_functions(&self) -> &[Function] {
        self.catalog.get(&self.root.interface).map(|i| i.functions.as_slice()).unwrap_or_default()
    }

    #[cold]
    #[inline(never)]
    fn not_root(&self, interface: &str) -> DispatchError {
        DispatchError::NotRoot {
            interface: interface.to_string(),
            root: self.root.interface.to_string(),
        }
    }

    /// Why `function` (at `found` among the root's functions) cannot be called.
    #[cold]
    #[inline(never)]
    fn not_callable(&self, found: Option<usize>, function: &str) -> DispatchError {
        match found.map(|i| &self.root_calls[i]) {
            None => DispatchError::UnknownFunction {
                interface: self.root.interface.to_string(),
                function: function.to_string(),
            },
            Some(f) => DispatchError::Unsupported {
                function: function.to_string(),
                reason: format!(
                    "`{}` cannot be passed by plugtree's dynamic calls without async support",
                    f.async_type.as_deref().unwrap_or_default()
                ),
            },
        }
    }
}

impl CallError {
    #[cold]
    fn from_failure(plugin: &PluginId, function: &str, failure: ProviderFailure) -> Self {
        let plugin = plugin.clone();
        let function = function.to_string();
        match failure {
            ProviderFailure::Trapped(message) => CallError::Trapped { plugin, function, message },
            ProviderFailure::LimitExceeded(limit, message) => {
                CallError::LimitExceeded { plugin, function, limit, message }
            }
            ProviderFailure::Unavailable(reason) => CallError::Unavailable { plugin, reason },
            ProviderFailure::Reentrant(reason) => CallError::Reentrant { plugin, reason },
            ProviderFailure::BadHandle(reason) => CallError::BadHandle { plugin, reason },
            ProviderFailure::ProviderFailed(plain) => {
                let PlainFailure { provider, function: its, failure } = *plain;
                let error = Box::new(CallError::from_failure(&provider, &its, failure));
                CallError::ProviderFailed { plugin, function, error }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::component::Val;

    use crate::wave::CallParseError;

    #[test]
    fn loaded_tree_parses_calls_as_its_built_tree_does() {
        // No plugin: the root has no provider, but its WIT is all parsing needs.
        let wit = "package t:app;\ninterface calc { add: func(a: u32, b: u32) -> u32; }\n";
        let build = || {
            crate::PluginTree::builder()
                .wit_text("t.wit", wit)
                .root("t:app/calc")
                .build()
                .expect("valid WIT")
                .0
        };
        let (loaded, _) = build().load(&crate::default_engine().expect("an engine"));
        let call = loaded.parse_call("t:app/calc.add(1, 2)").expect("a good call");
        assert_eq!(
            (call.function.as_str(), call.args.as_slice()),
            ("add", [Val::U32(1), Val::U32(2)].as_slice())
        );
        assert_eq!(Ok(call), build().parse_call("t:app/calc.add(1, 2)"));
        let bad = "t:app/calc.add(1, \"2\")";
        assert!(matches!(loaded.parse_call(bad), Err(CallParseError::Arguments { .. })));
        assert_eq!(loaded.parse_call(bad), build().parse_call(bad));
    }
}
