//! A loaded plugin: its own `Store` and its instance's exported functions (or
//! the Rust functions of a host plug), and `enter`, the one way into them.

use std::any::TypeId;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use wasmtime::Store;
use wasmtime::component::{
    ComponentNamedList, Func, Lift, Lower, ResourceAny, ResourceType, TypedFunc, Val,
};

use super::failure::{Failure, ProviderFailure};
use super::fast::{CallWithVals, FastParams, FastShape, FastValue, Shape, ShapeVisitor};
use super::handles::ProxyTable;
use super::host_objects::HostObjects;
use super::limits::{
    CallAllowance, CallBudget, EngineSupport, LimitHit, TransferExceeded, check_transfer, classify,
    value_bytes,
};
use super::recipe::InstanceRecipe;
use super::restart::Fate;
use super::store::PluginState;
use crate::describe::val_check::{describe, matches, matches_owning, resources_in};
use crate::describe::{Catalog, Limits, PluginId, ValueType};
use crate::host::{Caller, DynamicFn, HostPlug, Objects, Scope};

/// A plugin whose component was compiled, linked and instantiated, or a
/// host plug ready to answer.
pub(crate) struct LoadedPlugin {
    pub id: PluginId,
    body: Body,
    /// The handles this plugin holds from its providers.
    pub proxies: Arc<ProxyTable>,
    /// Set once, by the call that trapped or hit a limit: wasmtime refuses to
    /// enter an instance after that, so the plugin is failed from then on.
    failure: OnceLock<Failure>,
    /// How a fresh instance is made, kept for plugins with a restart policy.
    recipe: Option<Arc<InstanceRecipe>>,
    /// What became of this instance after it failed, under a restart policy.
    fate: OnceLock<Fate>,
    /// Calls that borrowed this instance from a pooled slot and have not
    /// ended (`PluginSlot::borrow`); untouched outside pools.
    claims: Claims,
}

/// A pooled instance's claim count, on a cache line of its own: written by
/// the thread using the instance, never next to what other threads read.
#[repr(align(128))]
#[derive(Default)]
struct Claims(AtomicU32);

// Unboxed: a `LoadedPlugin` always lives in an `Arc`, and a call saves a
// dependent load.
#[allow(
    clippy::large_enum_variant,
    reason = "always behind an Arc; every call reads the component body"
)]
enum Body {
    Component(ComponentBody),
    Host(HostBody),
}

/// What a call goes into `enter` for, named in its error and its span.
#[derive(Clone, Copy)]
enum Callee {
    /// The plug's function of this index.
    Function(usize),
    /// A resource's destructor.
    ResourceDrop,
}

impl Callee {
    /// Its name: the WIT function's, or `resource drop`.
    fn name(self, body: &ComponentBody) -> &str {
        match self {
            Callee::Function(index) => body.names.get(index).map_or("", String::as_str),
            Callee::ResourceDrop => "resource drop",
        }
    }
}

/// The span every call into a plugin runs in (target `plugtree::call`, level
/// debug): `plugin` and `function` of the callee. Nested calls nest their
/// spans, so the caller's span is the parent; a subscriber that enables them
/// can route what happens inside a call, a guest's log lines included, by plugin.
macro_rules! call_span {
    ($plugin:expr, $function:expr) => {
        tracing::debug_span!(
            target: "plugtree::call",
            "plugin",
            plugin = $plugin.as_str(),
            function = $function
        )
    };
}

struct ComponentBody {
    store: Mutex<Store<PluginState>>,
    /// The thread currently calling into this plugin (0: none).
    caller: AtomicU64,
    /// The plug's functions' fast shapes, where wasmtime accepted them at load.
    shapes: Box<[Option<Shape>]>,
    /// Each call's fuel and deadline, from `limits`.
    allowance: CallAllowance,
    /// The plug's functions, indexed like the interface's functions in the catalog.
    funcs: Box<[Option<Func>]>,
    /// Their names, for messages.
    names: Vec<String>,
    /// The plug's resource types in this instance, with their WIT names.
    resources: Vec<(ResourceType, String)>,
    limits: Limits,
}

/// A host plug's functions, indexed like the interface's functions, and
/// the resources it handed out (when its interface defines any).
struct HostBody {
    funcs: Vec<Option<HostCall>>,
    objects: Option<Arc<HostObjects>>,
}

struct HostCall {
    name: String,
    call: Arc<DynamicFn>,
    /// The WIT result type a dynamic function's answer is checked against;
    /// `None` for a typed function, whose types were checked at build
    /// (unless its answer holds resources: made outside a call, one is not).
    check: Option<Option<ValueType>>,
}

/// How a loaded plugin was set up, for [`LoadedPlugin::new`].
pub(crate) struct Setup {
    pub funcs: Vec<Option<Func>>,
    pub names: Vec<String>,
    /// Their fast shapes, where wasmtime accepted them ([`check_shape`]).
    pub shapes: Vec<Option<Shape>>,
    pub resources: Vec<(ResourceType, String)>,
    pub proxies: Arc<ProxyTable>,
    pub limits: Limits,
    pub support: EngineSupport,
    /// The store's sampling interval in epoch ticks, if it is profiled.
    pub sample_ticks: Option<u64>,
}

/// Marks the current thread as inside a plugin's store while it lives; its
/// `Drop` clears the mark, so a panic unwinding out of a call cannot leave
/// the thread refused as re-entrant by that plugin.
struct Inside<'a>(&'a AtomicU64);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::Release);
    }
}

/// A number unique to the calling thread (never 0): the re-entry mark, and
/// where a thread starts looking in a pool.
pub(crate) fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static TOKEN: Cell<u64> = const { Cell::new(0) });
    TOKEN.with(|t| {
        if t.get() == 0 {
            t.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        t.get()
    })
}

/// `func` (function number `function` of the instance in `store`) as a
/// `TypedFunc<P, R>`: wasmtime checks the types once per instance and the
/// answer is kept in the store's [`PluginState::typed`].
fn typed<P, R>(
    store: &mut Store<PluginState>,
    function: usize,
    func: Func,
) -> wasmtime::Result<TypedFunc<P, R>>
where
    P: ComponentNamedList + Lower + 'static,
    R: ComponentNamedList + Lift + 'static,
{
    let checked = (function, TypeId::of::<(P, R)>());
    if !store.data().typed.contains(&checked) {
        func.typed::<P, R>(&*store)?;
        store.data_mut().typed.push(checked);
    }
    // SAFETY: `func` belongs to the instance in `store`, and wasmtime checked
    // it as `P -> R` above or on an earlier call: a store only records the
    // checks of its own instance's functions.
    Ok(unsafe { TypedFunc::new_unchecked(func) })
}

/// Whether wasmtime accepts `func` (function number `function` of the
/// instance in `store`) as `shape`, checked once at load so that its fast
/// calls find the check done.
pub(crate) fn check_shape(
    store: &mut Store<PluginState>,
    function: usize,
    func: Func,
    shape: Shape,
) -> bool {
    struct Check<'a> {
        store: &'a mut Store<PluginState>,
        function: usize,
        func: Func,
    }
    impl ShapeVisitor for Check<'_> {
        type Output = bool;
        fn visit<S: FastShape>(self) -> bool {
            typed::<S::Params, (S::Result,)>(self.store, self.function, self.func).is_ok()
        }
    }
    shape.visit(Check { store, function, func })
}

impl LoadedPlugin {
    pub fn new(id: PluginId, store: Store<PluginState>, setup: Setup) -> Self {
        let Setup { funcs, names, shapes, resources, proxies, limits, support, sample_ticks } =
            setup;
        let body = ComponentBody {
            store: Mutex::new(store),
            funcs: funcs.into_boxed_slice(),
            names,
            shapes: shapes.into_boxed_slice(),
            resources,
            allowance: CallAllowance::new(&limits, support, sample_ticks),
            limits,
            caller: AtomicU64::new(0),
        };
        LoadedPlugin {
            id,
            body: Body::Component(body),
            proxies,
            failure: OnceLock::new(),
            recipe: None,
            fate: OnceLock::new(),
            claims: Claims::default(),
        }
    }

    /// This instance, restartable from `recipe`.
    pub fn with_recipe(mut self, recipe: Arc<InstanceRecipe>) -> Self {
        self.recipe = Some(recipe);
        self
    }

    /// How a fresh instance of this plugin is made; `None` for a host plug
    /// and for a plugin without a restart policy.
    pub fn recipe(&self) -> Option<&Arc<InstanceRecipe>> {
        self.recipe.as_ref()
    }

    /// What became of this failed instance, once its slot decided.
    pub fn fate(&self) -> Option<&Fate> {
        self.fate.get()
    }

    /// Records what became of this failed instance (first decision wins).
    pub fn set_fate(&self, fate: Fate) {
        let _ = self.fate.set(fate);
    }

    /// Claims this instance for one call if no call has it (a pool's way to
    /// spread calls); `false` when another call claimed it.
    pub fn try_claim(&self) -> bool {
        self.claims.0.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Claims this instance for one call whatever the others (it may wait).
    pub fn claim(&self) {
        self.claims.0.fetch_add(1, Ordering::Acquire);
    }

    /// Gives back one claim.
    pub fn release(&self) {
        self.claims.0.fetch_sub(1, Ordering::Release);
    }

    /// Whether this instance was made from `recipe` (not from the component
    /// a reload replaced).
    pub fn made_by(&self, recipe: &Arc<InstanceRecipe>) -> bool {
        self.recipe.as_ref().is_some_and(|r| Arc::ptr_eq(r, recipe))
    }

    /// Whether a fresh instance replaced this one after it failed.
    pub fn was_restarted(&self) -> bool {
        matches!(self.fate.get(), Some(Fate::Restarted))
    }

    /// The plug's resource types in this instance.
    pub fn resource_types(&self) -> Vec<ResourceType> {
        match &self.body {
            Body::Component(body) => body.resources.iter().map(|(t, _)| *t).collect(),
            Body::Host(host) => host.objects.iter().flat_map(|o| o.resource_types()).collect(),
        }
    }

    /// Calls function number `function`, of fast shape `S`, typed, for
    /// `caller`; a host plug (no typed functions) is called with `Val`s.
    pub fn call_fast<S: FastShape>(
        &self,
        caller: Caller<'_>,
        function: usize,
        params: S::Params,
    ) -> Result<S::Result, ProviderFailure> {
        match &self.body {
            Body::Component(body) if body.shapes.get(function).is_some_and(Option::is_some) => {
                let transfer = body.limits.transfer;
                let sent = |(r,): &(S::Result,)| check_transfer(r.bytes(), transfer);
                self.call_typed_in::<S::Params, (S::Result,)>(body, function, params, sent)
                    .map(|(r,)| r)
            }
            _ => self.call_fast_with_vals::<S>(caller, function, params),
        }
    }

    /// [`LoadedPlugin::call_fast`] on a host plug (or a function wasmtime
    /// did not accept as its shape): the call made with `Val`s. Out of line,
    /// off the fast path.
    #[inline(never)]
    fn call_fast_with_vals<S: FastShape>(
        &self,
        caller: Caller<'_>,
        function: usize,
        params: S::Params,
    ) -> Result<S::Result, ProviderFailure> {
        let answer = self.call(caller, function, &params.into_vals(), true)?;
        answer.as_ref().and_then(S::Result::from_val).ok_or_else(|| {
            ProviderFailure::Trapped(format!(
                "plugin `{}` answered in another shape than its WIT says",
                self.id
            ))
        })
    }

    /// Calls function number `function` with Rust types `P` and `R` for its
    /// parameters and results, within the plugin's limits, as
    /// [`LoadedPlugin::call`] does with `Val`s. wasmtime checks the types on
    /// the first such call into this instance: other types than the
    /// function's are `unavailable` and do not fail the plugin.
    pub fn call_typed<P, R>(&self, function: usize, params: P) -> Result<R, ProviderFailure>
    where
        P: ComponentNamedList + Lower + Send + Sync + 'static,
        R: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        match &self.body {
            // wasmtime counts the host's typed copy (Rust's sizes) against its
            // backstop: plugtree cannot walk a `R` it does not know.
            Body::Component(body) => self.call_typed_in(body, function, params, |_| Ok(())),
            Body::Host(_) => Err(ProviderFailure::Unavailable(format!(
                "host plug `{}` has no typed functions: it is called with `Val`s",
                self.id
            ))),
        }
    }

    /// Whether function number `function` takes `P` and returns `R`, as
    /// wasmtime checks it in this instance; `Err` says why not. The check is
    /// kept, so the first [`LoadedPlugin::call_typed`] finds it done.
    pub fn check_typed<P, R>(&self, function: usize) -> Result<(), String>
    where
        P: ComponentNamedList + Lower + 'static,
        R: ComponentNamedList + Lift + 'static,
    {
        let Body::Component(body) = &self.body else {
            return Err(format!("host plug `{}` has no typed functions", self.id));
        };
        let Some(func) = body.funcs.get(function).copied().flatten() else {
            return Err(self.not_exported().into_message());
        };
        let (mut store, _inside) = self.lock(body).map_err(ProviderFailure::into_message)?;
        typed::<P, R>(&mut store, function, func).map(drop).map_err(|e| format!("{e:#}"))
    }

    /// A typed call; `sent` checks the answer against the transfer limit.
    fn call_typed_in<P, R>(
        &self,
        body: &ComponentBody,
        function: usize,
        params: P,
        sent: impl FnOnce(&R) -> Result<(), TransferExceeded>,
    ) -> Result<R, ProviderFailure>
    where
        P: ComponentNamedList + Lower + Send + Sync + 'static,
        R: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let Some(func) = body.funcs.get(function).copied().flatten() else {
            return Err(self.not_exported());
        };
        let answer = self.enter(
            body,
            Callee::Function(function),
            |_, _| true,
            |store| match typed::<P, R>(store, function, func) {
                Ok(typed) => {
                    let answer = typed.call(&mut *store, params)?;
                    sent(&answer)?;
                    Ok(Ok(answer))
                }
                Err(other) => Ok(Err(other)),
            },
        )?;
        answer.map_err(|e| self.other_types(body, function, &e))
    }

    /// A host plug, its functions ordered like its interface's in
    /// `catalog`; the table of its resources, if it has any, makes its
    /// tokens in a store of `engine`.
    pub fn host(plug: &HostPlug, catalog: &Catalog, engine: &wasmtime::Engine) -> Self {
        let interface = catalog.get(&plug.interface);
        let funcs = interface
            .map(|i| i.functions.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|f| {
                plug.functions.iter().find(|h| h.name == f.name).map(|h| {
                    let resources =
                        f.signature.result.as_ref().is_some_and(ValueType::needs_handles);
                    HostCall {
                        name: h.name.clone(),
                        call: h.call.clone(),
                        check: (h.typed.is_none() || resources).then(|| f.signature.result.clone()),
                    }
                })
            })
            .collect();
        let objects = interface.filter(|i| !i.resources.is_empty()).map(|i| {
            let names = i.resources.iter().map(|name| crate::describe::ResourceName {
                interface: i.name.clone(),
                name: name.clone(),
            });
            Arc::new(HostObjects::new(engine, names))
        });
        LoadedPlugin {
            id: plug.id.clone(),
            body: Body::Host(HostBody { funcs, objects }),
            proxies: Arc::default(),
            failure: OnceLock::new(),
            recipe: None,
            fate: OnceLock::new(),
            claims: Claims::default(),
        }
    }

    /// Whether this is a host plug.
    pub fn is_host(&self) -> bool {
        matches!(self.body, Body::Host(_))
    }

    /// Whether the plugin failed (trapped or hit a limit) and answers no more.
    pub fn is_failed(&self) -> bool {
        self.failure.get().is_some()
    }

    /// The call that made the plugin fail, if one did.
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.get()
    }

    /// Bytes of linear memory the instance has now, all its memories
    /// together; `None` for a host plug, or on a thread inside its call.
    /// Waits for a call in progress to end.
    pub fn linear_memory(&self) -> Option<usize> {
        let Body::Component(body) = &self.body else { return None };
        let (store, _inside) = self.lock(body).ok()?;
        Some(store.data().limiter.used_memory())
    }

    /// Bytes the plugin's memory may still grow by (`None`: unlimited), for a
    /// caller that is inside this plugin's call and holds its store.
    pub fn memory_left(state: &PluginState) -> Option<usize> {
        state.limiter.memory_left()
    }

    /// Calls the plug's function number `function` with `params` for
    /// `caller` (which a host plug's function may ask for), within the
    /// plugin's limits.
    ///
    /// A trap or an exceeded limit fails the plugin: wasmtime refuses to
    /// enter an instance after it trapped, so later calls answer
    /// `Unavailable` at once, and the failure is kept for [`Self::failure`].
    pub fn call(
        &self,
        caller: Caller<'_>,
        function: usize,
        params: &[Val],
        has_result: bool,
    ) -> Result<Option<Val>, ProviderFailure> {
        let body = match &self.body {
            Body::Host(host) => return self.call_host(caller, host, function, params, has_result),
            Body::Component(body) => body,
        };
        let Some(func) = body.funcs.get(function).copied().flatten() else {
            return Err(self.not_exported());
        };
        // A typed call is cheaper than a dynamic one even from `Val`s.
        if let Some(shape) = body.shapes.get(function).copied().flatten()
            && has_result
            && let Some(answer) =
                shape.visit(CallWithVals { caller, plugin: self, function, args: params })
        {
            return answer.map(Some);
        }
        // Any error of a call fails the plugin: after a failed lift or lower
        // the instance's state is not to be trusted either.
        self.enter(
            body,
            Callee::Function(function),
            |_, _| true,
            |store| {
                let mut results = [Val::Bool(false)];
                let results = &mut results[..usize::from(has_result)];
                func.call(&mut *store, params, results)?;
                check_transfer(results.iter().map(value_bytes).sum(), body.limits.transfer)?;
                Ok(results.first_mut().map(|v| std::mem::replace(v, Val::Bool(false))))
            },
        )
    }

    /// Calls a host plug's function. Its error is the consumer's
    /// `unavailable`; a panic or an answer of the wrong type is `trapped`.
    /// Neither fails the plug: host code has no instance to poison.
    fn call_host(
        &self,
        caller: Caller<'_>,
        host: &HostBody,
        function: usize,
        params: &[Val],
        has_result: bool,
    ) -> Result<Option<Val>, ProviderFailure> {
        let Some(f) = host.funcs.get(function).and_then(Option::as_ref) else {
            return Err(ProviderFailure::Unavailable(format!(
                "host plug `{}` does not implement this function",
                self.id
            )));
        };
        let _span = call_span!(&self.id, &f.name).entered();
        let _scope = host.objects.as_ref().map(|o| Scope::enter(o.clone() as Arc<dyn Objects>));
        let answer = match catch_unwind(AssertUnwindSafe(|| (f.call)(caller, params))) {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return Err(ProviderFailure::Unavailable(e.message().to_string())),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic".into());
                return Err(ProviderFailure::Trapped(format!(
                    "host plug `{}` panicked in `{}`: {what}",
                    self.id, f.name
                )));
            }
        };
        let fits = match (&f.check, &answer) {
            (None, _) => answer.is_some() == has_result,
            (Some(None), None) => true,
            (Some(Some(ty)), Some(value)) => match &host.objects {
                Some(objects) => matches_owning(value, ty, &|r| objects.resource_name(r).is_some()),
                None => matches(value, ty),
            },
            (Some(_), _) => false,
        };
        if !fits {
            let found = answer.as_ref().map_or_else(|| "no value".to_string(), describe);
            // Resources the refused answer handed out are dropped; their `Drop`
            // is host code, kept from unwinding into the caller as in `drop_resource`.
            if let (Some(objects), Some(answer)) = (&host.objects, &answer) {
                let mut tokens = Vec::new();
                resources_in(answer, &mut tokens);
                let drop_all = || tokens.into_iter().for_each(|token| drop(objects.take(token)));
                let _ = catch_unwind(AssertUnwindSafe(drop_all));
            }
            return Err(ProviderFailure::Trapped(format!(
                "host plug `{}` answered `{}` with {found}, which its WIT result does not admit",
                self.id, f.name
            )));
        }
        Ok(answer)
    }

    /// The WIT name of `resource`'s type if this plugin's plug defines it.
    pub fn resource_name(&self, resource: &ResourceAny) -> Option<&str> {
        match &self.body {
            Body::Component(body) => {
                let ty = resource.ty();
                body.resources.iter().find(|(t, _)| *t == ty).map(|(_, name)| name.as_str())
            }
            Body::Host(host) => host.objects.as_ref()?.resource_name(resource),
        }
    }

    /// Drops one of this plugin's resources: its destructor runs, within the
    /// plugin's limits. A failed plugin's resources are left to its store,
    /// which is freed with the tree.
    pub fn drop_resource(&self, resource: ResourceAny) -> Result<(), ProviderFailure> {
        // A destructor that trapped poisons the instance; a handle wasmtime
        // does not know (stale) is refused before any guest code runs.
        let poisons = |e: &wasmtime::Error, failure: &ProviderFailure| {
            e.chain().any(|c| c.downcast_ref::<wasmtime::Trap>().is_some())
                || matches!(failure, ProviderFailure::LimitExceeded(..))
        };
        match &self.body {
            Body::Component(body) => self
                .enter(body, Callee::ResourceDrop, poisons, |store| resource.resource_drop(store)),
            Body::Host(host) => {
                let object = host.objects.as_ref().and_then(|objects| objects.take(resource));
                let Some(object) = object else {
                    return Err(ProviderFailure::BadHandle(format!(
                        "the handle is not a live resource of host plug `{}`",
                        self.id
                    )));
                };
                // The value's `Drop` is the resource's destructor: host code, kept
                // from unwinding into the caller as a host function's panic is.
                catch_unwind(AssertUnwindSafe(|| drop(object))).map_err(|_| {
                    ProviderFailure::Trapped(format!(
                        "host plug `{}` panicked dropping a resource",
                        self.id
                    ))
                })
            }
        }
    }

    /// The one way into the plugin's store: refuses a failed plugin and
    /// re-entry, arms the call's budget, and classifies an error; an error
    /// for which `poisons` holds fails this instance for good (a restart policy may replace it).
    fn enter<R>(
        &self,
        body: &ComponentBody,
        entry: Callee,
        poisons: impl Fn(&wasmtime::Error, &ProviderFailure) -> bool,
        work: impl FnOnce(&mut Store<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, ProviderFailure> {
        // Without a subscriber that wants it, one relaxed load of tracing's
        // global level: the names below are not even looked up.
        let _span = call_span!(&self.id, entry.name(body)).entered();
        let (mut store, _inside) = self.lock(body)?;
        // Checked under the lock: the call that fails a plugin holds it.
        if let Some(failed) = self.failure() {
            return Err(self.unavailable(failed));
        }
        let budget = CallBudget::arm(&mut store, &body.allowance);
        store.data_mut().limiter.clear_refusal();
        work(&mut store).map_err(|e| {
            let refusal = store.data_mut().limiter.take_refusal();
            self.failed(body, entry, &e, budget.inherited, refusal, poisons)
        })
    }

    /// What a failed call of `function` tells its caller; fails the plugin
    /// for good if `poisons` says so. Out of line: calls pass by it.
    #[cold]
    #[inline(never)]
    fn failed(
        &self,
        body: &ComponentBody,
        entry: Callee,
        e: &wasmtime::Error,
        inherited: bool,
        refusal: Option<LimitHit>,
        poisons: impl Fn(&wasmtime::Error, &ProviderFailure) -> bool,
    ) -> ProviderFailure {
        let function = entry.name(body);
        let failure = classify(e, &self.id, function, &body.limits, inherited, refusal);
        if poisons(e, &failure) {
            tracing::warn!(plugin = %self.id, function, ?failure, "plugin failed");
            let _ = self
                .failure
                .set(Failure { function: function.to_string(), failure: failure.clone() });
        }
        failure
    }

    /// The plugin's store, locked, and the mark that this thread is inside
    /// it (declared second, so it is cleared before the lock is released).
    fn lock<'a>(
        &self,
        body: &'a ComponentBody,
    ) -> Result<(MutexGuard<'a, Store<PluginState>>, Inside<'a>), ProviderFailure> {
        let me = thread_token();
        // The resolver keeps the tree acyclic, so a thread finding itself
        // already inside this plugin is a bug or a hostile host callback:
        // answer it instead of deadlocking on the store's lock.
        if body.caller.load(Ordering::Acquire) == me {
            return Err(self.reentrant());
        }
        let guard = body.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        body.caller.store(me, Ordering::Release);
        Ok((guard, Inside(&body.caller)))
    }

    #[cold]
    #[inline(never)]
    fn not_exported(&self) -> ProviderFailure {
        ProviderFailure::Unavailable(format!("plugin `{}` does not export this function", self.id))
    }

    #[cold]
    #[inline(never)]
    fn other_types(
        &self,
        body: &ComponentBody,
        function: usize,
        e: &wasmtime::Error,
    ) -> ProviderFailure {
        let name = body.names.get(function).map_or("", String::as_str);
        ProviderFailure::Unavailable(format!(
            "`{name}` of plugin `{}` does not take and return the types it was called with: {e:#}",
            self.id
        ))
    }

    #[cold]
    #[inline(never)]
    fn reentrant(&self) -> ProviderFailure {
        ProviderFailure::Reentrant(format!("plugin `{}` is already on the call stack", self.id))
    }

    #[cold]
    #[inline(never)]
    fn unavailable(&self, failed: &Failure) -> ProviderFailure {
        let how = match &failed.failure {
            ProviderFailure::Trapped(m) => format!("trapped: {m}"),
            ProviderFailure::LimitExceeded(_, m) => m.clone(),
            ProviderFailure::Unavailable(m)
            | ProviderFailure::Reentrant(m)
            | ProviderFailure::BadHandle(m) => m.clone(),
            ProviderFailure::ProviderFailed(plain) => plain.to_string(),
        };
        let (id, function) = (&self.id, &failed.function);
        ProviderFailure::Unavailable(match self.fate.get() {
            None => {
                format!("plugin `{id}` failed earlier in `{function}` and was disabled ({how})")
            }
            Some(Fate::GaveUp(policy)) => format!(
                "plugin `{id}` failed earlier in `{function}` and was disabled: its restart policy allows {policy} ({how})"
            ),
            Some(Fate::Restarted) => format!(
                "plugin `{id}` failed earlier in `{function}` and was restarted; this call reached the instance before the restart ({how})"
            ),
            Some(Fate::RestartFailed(why)) => format!(
                "plugin `{id}` failed earlier in `{function}` and could not be restarted: {why} ({how})"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, OnceLock, mpsc};
    use std::time::Duration;

    use wasmtime::component::{Component, Linker, Val};
    use wasmtime::{Engine, Store};

    use super::{LoadedPlugin, PluginState, ProviderFailure, Setup};
    use crate::describe::Limits;
    use crate::host::Caller;
    use crate::load::limits::{PluginLimiter, prepare_store};
    use crate::load::ticker::probe;

    /// `enter` calls the imported `back`, which the host links back into the
    /// same plugin: a cycle the resolver never builds, but a host callback could.
    const REENTERING: &str = r#"(component
        (import "test:re/cb" (instance $cb (export "back" (func (result u32)))))
        (core func $back (canon lower (func $cb "back")))
        (core instance $imports (export "back" (func $back)))
        (core module $m
            (import "cb" "back" (func $back (result i32)))
            (func (export "enter") (result i32) (call $back)))
        (core instance $i (instantiate $m (with "cb" (instance $imports))))
        (func $enter (result u32) (canon lift (core func $i "enter")))
        (instance $api (export "enter" (func $enter)))
        (export "test:re/api" (instance $api)))"#;

    /// `component` (the `REENTERING` shape) instantiated with `linker` as a
    /// plugin `id` with default limits, its one function `enter`.
    fn plugin_of(
        engine: &Engine,
        linker: &Linker<PluginState>,
        component: &Component,
        id: &str,
    ) -> LoadedPlugin {
        let limits = Limits::default();
        let support = probe(engine);
        let mut store = Store::new(engine, PluginState::new(PluginLimiter::new(&limits), None));
        prepare_store(&mut store, &limits, support).expect("store");
        let instance = linker.instantiate(&mut store, component).expect("instantiate");
        let api = component.get_export_index(None, "test:re/api").expect("api");
        let enter = component.get_export_index(Some(&api), "enter").expect("enter");
        let func = instance.get_func(&mut store, enter).expect("func");
        let setup = Setup {
            funcs: vec![Some(func)],
            names: vec!["enter".into()],
            shapes: vec![None],
            resources: vec![],
            proxies: Arc::default(),
            limits,
            support,
            sample_ticks: None,
        };
        LoadedPlugin::new(id.into(), store, setup)
    }

    #[test]
    fn reentry_is_a_typed_error_not_a_deadlock() {
        let engine = Engine::new(&crate::load::engine_config()).expect("engine");
        let component =
            Component::new(&engine, wat::parse_str(REENTERING).expect("wat")).expect("component");
        let me: Arc<OnceLock<Arc<LoadedPlugin>>> = Arc::default();
        let seen: Arc<Mutex<Vec<ProviderFailure>>> = Arc::default();
        let mut linker: Linker<PluginState> = Linker::new(&engine);
        let (plugin_ref, seen_ref) = (me.clone(), seen.clone());
        linker
            .instance("test:re/cb")
            .and_then(|mut cb| {
                cb.func_new("back", move |_, _, _, results| {
                    let inner = plugin_ref.get().map(|p| p.call(Caller::Host, 0, &[], true));
                    if let Some(Err(failure)) = inner {
                        seen_ref.lock().expect("lock").push(failure);
                    }
                    results[0] = Val::U32(7);
                    Ok(())
                })
            })
            .expect("link");
        let plugin = Arc::new(plugin_of(&engine, &linker, &component, "loop"));
        let _ = me.set(plugin.clone());

        // A deadlock would hang the call: wait for it with a deadline.
        let (send, answer) = mpsc::channel();
        let caller = plugin.clone();
        std::thread::spawn(move || send.send(caller.call(Caller::Host, 0, &[], true)));
        let outcome = answer
            .recv_timeout(Duration::from_secs(20))
            .expect("the call returned instead of deadlocking");
        assert_eq!(outcome, Ok(Some(Val::U32(7))));
        let refused = std::mem::take(&mut *seen.lock().expect("lock"));
        assert_eq!(
            refused,
            vec![ProviderFailure::Reentrant("plugin `loop` is already on the call stack".into())]
        );
        // Re-entry is refused, not a fault of the plugin: it keeps answering.
        assert!(!plugin.is_failed());
        assert_eq!(plugin.call(Caller::Host, 0, &[], true), Ok(Some(Val::U32(7))));
    }

    #[test]
    fn a_panic_out_of_a_call_does_not_leave_the_thread_inside_the_plugin() {
        let engine = Engine::new(&crate::load::engine_config()).expect("engine");
        let component =
            Component::new(&engine, wat::parse_str(REENTERING).expect("wat")).expect("component");
        let mut linker: Linker<PluginState> = Linker::new(&engine);
        let calls = Arc::new(Mutex::new(0u32));
        let counted = calls.clone();
        linker
            .instance("test:re/cb")
            .and_then(|mut cb| {
                cb.func_new("back", move |_, _, _, results| {
                    let mut n = counted.lock().unwrap_or_else(|p| p.into_inner());
                    *n += 1;
                    if *n == 1 {
                        drop(n);
                        panic!("a host bug");
                    }
                    results[0] = Val::U32(7);
                    Ok(())
                })
            })
            .expect("link");
        let plugin = plugin_of(&engine, &linker, &component, "panicky");

        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            plugin.call(Caller::Host, 0, &[], true)
        }));
        assert!(unwound.is_err(), "the host function's panic unwinds out of the call");
        // The same thread calls again: not refused as re-entrant.
        let again = plugin.call(Caller::Host, 0, &[], true);
        assert!(!matches!(again, Err(ProviderFailure::Reentrant(_))), "{again:?}");
        assert_eq!(*calls.lock().unwrap_or_else(|p| p.into_inner()), 2, "{again:?}");
    }
}
