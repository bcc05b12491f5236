//! Dispatch: call a function of the root interface on a [`LoadedTree`] and get
//! one answer per root provider, shaped by the root's cardinality.
//!
//! Arguments are checked against the function's WIT before any plugin runs;
//! a plugin's failure is an [`Err`] in its own slot, never a failed dispatch.

mod check;
mod error;
mod wave;

use wasmtime::component::{ResourceAny, Val};

pub use error::{CallError, DispatchError};
pub use wave::{CallParseError, ParsedCall, to_wave};

use crate::describe::{Cardinality, Function, FunctionKind, PluginId};
use crate::load::{LoadedTree, ProviderFailure, answering};

/// Results shaped by the cardinality of the socket they come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Socket<T> {
    /// The one provider's result.
    ExactlyOne(T),
    /// The provider's result, or `None` when no provider is plugged in.
    AtMostOne(Option<T>),
    /// One result per provider, keyed by plugin id, in declaration order.
    Any(Vec<(PluginId, T)>),
}

impl<T> Socket<T> {
    /// Every result with the plugin it came from, whatever the cardinality.
    pub fn into_vec(self, ids: impl IntoIterator<Item = PluginId>) -> Vec<(PluginId, T)> {
        match self {
            Socket::ExactlyOne(v) => ids.into_iter().zip(Some(v)).collect(),
            Socket::AtMostOne(v) => ids.into_iter().zip(v).collect(),
            Socket::Any(vs) => vs,
        }
    }
}

/// One provider's answer: the function's result (`None` for a function
/// without one), or why the provider did not answer.
pub type Answer = Result<Option<Val>, CallError>;

impl LoadedTree {
    /// Calls `function` of the root `interface` with `args` on every plugin
    /// plugged into the root, and returns their answers.
    ///
    /// # Errors
    /// [`DispatchError`] when the call cannot be made at all: another
    /// interface than the root, an unknown function, wrong arguments, a
    /// function whose types cannot cross the host boundary yet, or an
    /// `exactly-one` root without its provider.
    pub fn dispatch(&self, interface: &str, function: &str, args: &[Val]) -> Result<Socket<Answer>, DispatchError> {
        let (index, root_call) = self.root_function(interface, function)?;
        // The common case first, in few instructions: a function with a typed
        // fast path on an `exactly-one` root, its arguments checked in one
        // match (every such function has a result).
        if root_call.shape.is_some_and(|shape| shape.admits(args))
            && self.root_cardinality == Cardinality::ExactlyOne
            && let [one] = self.root_providers.as_slice()
        {
            let plugin = one.borrow();
            let answer = plugin.call(index, args, true);
            return Ok(Socket::ExactlyOne(answer.map_err(|failure| CallError::from_failure(&plugin.id, function, failure))));
        }
        self.dispatch_checked(index, root_call, interface, function, args)
    }

    /// [`LoadedTree::dispatch`] for every other call: arguments checked
    /// against the WIT, resources, methods, any cardinality. Out of line, so
    /// the common case stays small.
    #[inline(never)]
    fn dispatch_checked(&self, index: usize, root_call: &RootCall, interface: &str, function: &str, args: &[Val]) -> Result<Socket<Answer>, DispatchError> {
        let f = &root_call.function;
        // A function with a typed fast path checks its arguments in one match.
        if !root_call.shape.is_some_and(|shape| shape.admits(args)) {
            check::arguments(f, args)?;
        }
        let has_result = f.signature.result.is_some();
        let mut handles = Vec::new();
        if root_call.needs_handles {
            args.iter().for_each(|a| resources_in(a, &mut handles));
        }
        let call = |p: &crate::load::LoadedPlugin| {
            // A handle reaches only the plugin that owns it.
            if let Some(foreign) = handles.iter().find(|r| p.resource_name(r).is_none()) {
                let reason = format!("the handle {foreign:?} is not one of its resources");
                return Err(CallError::BadHandle { plugin: p.id.clone(), reason });
            }
            p.call(index, args, has_result).map_err(|failure| CallError::from_failure(&p.id, function, failure))
        };
        if matches!(f.kind, FunctionKind::Method { .. }) {
            // A method goes to the owner of `self`, whatever the cardinality.
            let owner = handles.first().and_then(|r| self.root_instances().find(|p| p.resource_name(r).is_some()));
            return match owner {
                Some(p) => Ok(Socket::ExactlyOne(call(&p))),
                None => Err(DispatchError::UnknownHandle),
            };
        }
        // A plugin that failed is left out, as if it had never loaded; an
        // `exactly-one` root still answers, with why it is unavailable.
        let mut targets = answering(&self.root_providers, self.root_cardinality);
        Ok(match self.root_cardinality {
            Cardinality::ExactlyOne => match self.root_providers.as_slice() {
                [one] => Socket::ExactlyOne(call(&one.borrow())),
                _ => return Err(DispatchError::NoProvider { interface: interface.to_string() }),
            },
            Cardinality::AtMostOne => Socket::AtMostOne(targets.next().map(|p| call(&p))),
            Cardinality::Any => Socket::Any(targets.map(|p| (p.id.clone(), call(&p))).collect()),
        })
    }

    /// Every plugin that failed while the tree ran — trapped or exceeded a
    /// limit, whether called by the host or by another plugin — with the
    /// call that failed. Such a plugin answers no more calls.
    pub fn failures(&self) -> Vec<CallError> {
        self.plugins
            .iter()
            .map(|slot| slot.current())
            .filter_map(|p| p.failure().map(|f| CallError::from_failure(&p.id, &f.function, f.failure.clone())))
            .collect()
    }

    /// Drops a resource the host got from a root plugin: the plugin's
    /// destructor runs. Every `own` handle the host receives must be dropped
    /// here (or passed back as `own`), or it lives as long as the tree.
    ///
    /// # Errors
    /// [`DispatchError::UnknownHandle`] when no root plugin owns it;
    /// [`DispatchError::Dropped`] when the owner refused it (already dropped,
    /// or the owner failed).
    pub fn drop_resource(&self, resource: ResourceAny) -> Result<(), DispatchError> {
        let owner = self.root_instances().find(|p| p.resource_name(&resource).is_some()).ok_or(DispatchError::UnknownHandle)?;
        owner.drop_resource(resource).map_err(|failure| DispatchError::Dropped {
            error: Box::new(CallError::from_failure(&owner.id, "resource drop", failure)),
        })
    }

    /// How many resource handles `plugin` holds from its providers now.
    pub fn handles_held(&self, plugin: &str) -> Option<usize> {
        self.plugins.iter().find(|p| p.id == plugin).map(|p| p.current().proxies.len())
    }

    /// The instances answering for the root now.
    fn root_instances(&self) -> impl Iterator<Item = std::sync::Arc<crate::load::LoadedPlugin>> + '_ {
        self.root_providers.iter().map(|slot| slot.current())
    }

    /// The functions of the root interface, in WIT order.
    pub fn root_functions(&self) -> &[Function] {
        self.tree.catalog.get(&self.tree.root).map(|i| i.functions.as_slice()).unwrap_or_default()
    }

    fn root_function(&self, interface: &str, function: &str) -> Result<(usize, &RootCall), DispatchError> {
        if interface == self.tree.root
            && let Some((index, f)) = self.root_calls.iter().enumerate().find(|(_, f)| f.function.name == function)
            && f.async_type.is_none()
        {
            return Ok((index, f));
        }
        Err(self.not_callable(interface, function))
    }

    /// Why `function` of `interface` cannot be dispatched.
    #[cold]
    #[inline(never)]
    fn not_callable(&self, interface: &str, function: &str) -> DispatchError {
        if interface != self.tree.root {
            return DispatchError::NotRoot { interface: interface.to_string(), root: self.tree.root.clone() };
        }
        match self.root_calls.iter().find(|f| f.function.name == function) {
            None => DispatchError::UnknownFunction { interface: interface.to_string(), function: function.to_string() },
            Some(f) => DispatchError::Unsupported {
                function: function.to_string(),
                reason: format!("`{}` cannot be passed by plugtree's dynamic calls without async support", f.async_type.as_deref().unwrap_or_default()),
            },
        }
    }
}

/// A root function as dispatch needs it: walked once at load, not per call.
pub(crate) struct RootCall {
    pub function: Function,
    pub needs_handles: bool,
    /// Its shape, if it has a typed fast path.
    pub shape: Option<crate::load::Shape>,
    /// The async type that keeps it from being called, if any.
    pub async_type: Option<String>,
}

/// The functions of `root` in `catalog`, in WIT order.
pub(crate) fn root_calls(catalog: &crate::describe::Catalog, root: &str) -> Vec<RootCall> {
    let functions = catalog.get(root).map(|i| i.functions.as_slice()).unwrap_or_default();
    functions
        .iter()
        .map(|f| RootCall {
            function: f.clone(),
            needs_handles: f.signature.needs_handles(),
            shape: crate::load::Shape::of(&f.signature),
            async_type: f.signature.async_type().map(|t| t.to_string()),
        })
        .collect()
}

impl CallError {
    #[cold]
    fn from_failure(plugin: &PluginId, function: &str, failure: ProviderFailure) -> Self {
        let plugin = plugin.clone();
        let function = function.to_string();
        match failure {
            ProviderFailure::Trapped(message) => CallError::Trapped { plugin, function, message },
            ProviderFailure::LimitExceeded(limit, message) => CallError::LimitExceeded { plugin, function, limit, message },
            ProviderFailure::Unavailable(reason) => CallError::Unavailable { plugin, reason },
            ProviderFailure::Reentrant(reason) => CallError::Reentrant { plugin, reason },
            ProviderFailure::BadHandle(reason) => CallError::BadHandle { plugin, reason },
        }
    }
}

/// Every resource handle inside `value`.
fn resources_in(value: &Val, out: &mut Vec<ResourceAny>) {
    match value {
        Val::Resource(r) => out.push(*r),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => items.iter().for_each(|v| resources_in(v, out)),
        Val::Record(fields) => fields.iter().for_each(|(_, v)| resources_in(v, out)),
        Val::Variant(_, Some(v)) | Val::Option(Some(v)) | Val::Result(Ok(Some(v)) | Err(Some(v))) => resources_in(v, out),
        _ => {}
    }
}
