//! Load: compile, link and instantiate the resolved tree, bottom-up.
//!
//! Every plugin gets its own `Store` (fault isolation) and its own `Linker`,
//! whose socket functions forward to the already-loaded providers. Export
//! indices are looked up once here, never per call. A plugin that fails to
//! load takes down only the consumers whose sockets it leaves unsatisfied.

mod cache;
mod compile;
mod error;
mod failure;
mod fast;
mod fuse;
mod handles;
mod host_objects;
#[cfg(feature = "http")]
mod http;
mod limits;
mod link;
mod options;
mod parallel;
mod plugin;
#[cfg(feature = "guest-profiler")]
mod profile;
mod recipe;
mod reload;
mod restart;
mod slot;
mod socket;
mod store;
mod ticker;
mod wasi;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

pub use cache::{ArtifactCache, CacheStats};
pub use error::{Cause, LoadError};
pub(crate) use failure::{PlainFailure, ProviderFailure};
pub(crate) use fast::CallWithVals;
pub use options::{CompileProgress, LoadOptions};
pub(crate) use plugin::LoadedPlugin;
#[cfg(feature = "guest-profiler")]
pub use profile::ProfileError;
pub use reload::{ReloadError, Reloaded};
pub(crate) use slot::PluginSlot;
pub(crate) use socket::{Crossing, Gathered, RootFunction, RootSocket, called, fan_out};
pub use ticker::EPOCH_TICK;

use crate::describe::{Catalog, Limit, PluginId};
use crate::resolve::{PluginStatus, PluginTree, TreePlugin, check_socket};
use handles::{Kinds, ProxyTable};
use limits::EngineSupport;
use link::{HandleContext, SocketTarget, define_socket_function, define_socket_resource};
use recipe::{InstanceRecipe, PlugFunction};
use socket::SocketFunction;
use store::PluginState;
use ticker::TickerGuard;

/// The wasmtime configuration plugtree recommends: the component model on,
/// fuel counting and epoch interruption on (so that [`Limits`](crate::describe::Limits)
/// on fuel and deadlines can be enforced), and nothing that slows synchronous
/// calls down (async and `concurrency_support` stay off).
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.consume_fuel(true);
    config.epoch_interruption(true);
    config
}

/// How much of wasmtime's pooling allocator one plugin may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolShare {
    /// Core module instances of one component.
    pub core_instances: u32,
    /// Linear memories of one component.
    pub memories: u32,
    /// Tables of one component.
    pub tables: u32,
}

/// Each plugin's share of the pool in [`pooling_engine_config`]. A Rust
/// guest built for `wasm32-unknown-unknown` takes 2–3 core instances, one
/// memory and up to two tables.
pub const POOL_SHARE_PER_PLUGIN: PoolShare =
    PoolShare { core_instances: 32, memories: 2, tables: 8 };

/// [`engine_config`] with wasmtime's pooling instance allocator, sized for
/// trees of up to `plugins` plugins alive at once (a reloaded or restarted
/// plugin counts twice while calls or handles still hold its old instance).
///
/// Every slot is reserved once, when the engine is built, so instantiating a
/// plugin takes a warm slot instead of mapping fresh memory: worth it for
/// large trees and frequent reloads. The pool is shared by every tree on the
/// engine; each plugin may take [`POOL_SHARE_PER_PLUGIN`] core instances,
/// memories and tables from it. A plugin that does not fit (the pool is full,
/// or it needs more than the pool holds) fails with
/// [`LoadError::Instantiate`] and the rest of the tree loads; a reload that
/// does not fit is refused and the old instance keeps answering.
///
/// ```
/// let engine = plugtree::Engine::new(&plugtree::pooling_engine_config(100))?;
/// # Ok::<(), wasmtime::Error>(())
/// ```
pub fn pooling_engine_config(plugins: u32) -> Config {
    let PoolShare { core_instances: instances, memories, tables } = POOL_SHARE_PER_PLUGIN;
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(plugins)
        .total_core_instances(plugins.saturating_mul(instances))
        .total_memories(plugins.saturating_mul(memories))
        .total_tables(plugins.saturating_mul(tables))
        .max_core_instances_per_component(instances)
        .max_memories_per_component(memories)
        .max_tables_per_component(tables)
        .max_tables_per_module(2);
    let mut config = engine_config();
    config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    config
}

/// An engine with [`engine_config`].
///
/// # Errors
/// When wasmtime rejects the configuration on this host.
pub fn default_engine() -> wasmtime::Result<Engine> {
    Engine::new(&engine_config())
}

/// A loaded tree: call it with [`LoadedTree::dispatch`].
///
/// It is `Send + Sync`; calls into one plugin are serialized by its store's
/// lock (unless it is pooled: [`TreeBuilder::pool`](crate::TreeBuilder::pool)),
/// calls into different plugins run in parallel.
///
/// # Fused edges
/// Loading composes each plain `exactly-one` edge whose provider serves no
/// one else into its consumer (wasm-compose), so calls across it need no host
/// and no `Val`s: such a group is one component, store and instance, under its
/// head's limits and restart policy, and fails as one. An edge is fused only
/// where the provider has its consumer's limits and restart policy, imports no
/// WASI, is not remapped and is no root provider, and its interface defines
/// no resources; [`TreeBuilder::keep_dynamic`](crate::TreeBuilder::keep_dynamic)
/// keeps one dynamic. [`LoadedTree::tree`] tells each fused plugin's
/// [`fused_into`](crate::PluginView::fused_into); reloading a fused plugin
/// composes its group again.
pub struct LoadedTree {
    /// The app's interfaces (shared with the tree's description).
    pub(crate) catalog: Arc<Catalog>,
    /// The host's socket: the root providers, checked like any socket.
    pub(crate) root: RootSocket,
    /// Every loaded plugin, in load order.
    pub(crate) plugins: Vec<Arc<PluginSlot>>,
    /// The root's functions as the host's calls need them, worked out once.
    pub(crate) root_calls: Vec<RootFunction>,
    /// What a reload needs to load a plugin again.
    reload: ReloadContext,
    /// The guest profile being taken, if the tree was loaded with one.
    #[cfg(feature = "guest-profiler")]
    profile: Option<Arc<profile::TreeProfile>>,
    /// Keeps the engine's epoch ticker running while a plugin has a deadline
    /// or the tree is profiled.
    _ticker: Option<TickerGuard>,
}

/// The loader's state kept for reloads; the mutex also makes reloads one at a time.
struct ReloadContext {
    engine: Engine,
    support: EngineSupport,
    kinds: Arc<Kinds>,
    /// The cache the tree was loaded with; reloads compile through it too.
    cache: Option<Arc<ArtifactCache>>,
    /// The tree's guest profile: a reloaded component gets a thread of its own.
    #[cfg(feature = "guest-profiler")]
    profile: Option<Arc<profile::TreeProfile>>,
    state: Mutex<ReloadState>,
}

/// The tree's one live description (a reload may change a plugin's sockets
/// and revives a failed one), and the slots of the loaded plugins by index.
struct ReloadState {
    tree: PluginTree,
    slots: HashMap<usize, Arc<PluginSlot>>,
}

impl std::fmt::Debug for LoadedTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedTree")
            .field("root", &self.root.interface)
            .field("root_providers", &self.root.slots.iter().map(|p| &p.id).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl LoadedTree {
    /// The tree as it is now, a snapshot: plugins that failed to load are
    /// marked failed, and a reloaded plugin shows its new sockets.
    pub fn tree(&self) -> PluginTree {
        self.reload.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).tree.clone()
    }

    /// The ids of the loaded plugins plugged into the root, in declaration order.
    pub fn root_providers(&self) -> impl Iterator<Item = &PluginId> {
        self.root.slots.iter().map(|p| &p.id)
    }

    /// Why the loaded root providers do not satisfy the root's cardinality,
    /// if they do not (none on `exactly-one` or `at-least-one`, two or more on `exactly-one` or
    /// `at-most-one`). Then every call on the root is refused with
    /// [`DispatchError::Unsatisfied`](crate::DispatchError::Unsatisfied), as a
    /// consumer whose socket fails the same check is not loaded.
    pub fn root_unsatisfied(&self) -> Option<&crate::resolve::Unsatisfied> {
        self.root.unsatisfied.as_ref()
    }
}

impl PluginTree {
    /// Compiles, links and instantiates every ready plugin, providers first.
    ///
    /// Returns the loaded tree and every plugin that failed to load, with the
    /// consumers it took down; the rest of the tree is loaded and callable.
    ///
    /// Fuel and deadline limits need an engine that counts fuel and checks
    /// epochs ([`engine_config`] does both); a plugin whose limits the engine
    /// cannot enforce fails with [`LoadError::LimitUnsupported`].
    pub fn load(self, engine: &Engine) -> (LoadedTree, Vec<LoadError>) {
        self.load_with(engine, &LoadOptions::default())
    }

    /// [`PluginTree::load`] with [`LoadOptions`], e.g. a precompiled-artifact
    /// cache ([`ArtifactCache`]).
    pub fn load_with(
        mut self,
        engine: &Engine,
        options: &LoadOptions,
    ) -> (LoadedTree, Vec<LoadError>) {
        let mut errors = Vec::new();
        fuse::fuse_edges(&mut self);
        let support = ticker::probe(engine);
        #[cfg(feature = "guest-profiler")]
        let profile = options
            .profile()
            .map(|interval| Arc::new(profile::TreeProfile::new(engine, interval, support.epochs)));
        #[cfg(not(feature = "guest-profiler"))]
        let profile: Option<()> = None;
        let needs_ticker = support.epochs
            && (profile.is_some()
                || self.load_order.iter().any(|&i| self.plugins[i].limits.deadline.is_some()));
        let ticker = match needs_ticker.then(|| TickerGuard::start(engine)).transpose() {
            Ok(ticker) => ticker,
            Err(e) => {
                tracing::error!(error = %e, "cannot start the epoch ticker; deadlines will not fire");
                None
            }
        };
        let kinds = Arc::new(Kinds::new(
            self.catalog
                .iter()
                .flat_map(|i| i.resources.iter().map(move |r| (i.name.as_str(), r.as_str()))),
        ));
        let components: Vec<usize> =
            self.load_order.iter().copied().filter(|&i| self.plugins[i].host.is_none()).collect();
        let mut compiled: HashMap<usize, Result<Component, Cause>> = components
            .iter()
            .copied()
            .zip(compile::compile_all(
                engine,
                &self.plugins,
                &components,
                options.cache(),
                options.progress(),
            ))
            .collect();
        let mut loaded: HashMap<usize, Arc<PluginSlot>> = HashMap::new();
        let mut in_order = Vec::new();
        for &index in &self.load_order {
            let plugin = &self.plugins[index];
            let outcome = match (&plugin.host, compiled.remove(&index)) {
                (Some(host), _) => Ok(LoadedPlugin::host(host, &self.catalog, engine)),
                (None, Some(Ok(component))) => {
                    let cx = LoadContext {
                        engine,
                        support,
                        catalog: &self.catalog,
                        kinds: &kinds,
                        #[cfg(feature = "guest-profiler")]
                        profile: profile.as_deref(),
                    };
                    load_one(&cx, &self.plugins, index, &component, &loaded)
                }
                (None, Some(Err(source))) => {
                    Err(LoadError::Compile { plugin: plugin.id.clone(), source })
                }
                (None, None) => Err(LoadError::Compile {
                    plugin: plugin.id.clone(),
                    source: wasmtime::format_err!("not compiled").into(),
                }),
            };
            match outcome {
                Ok(p) => {
                    let p = Arc::new(PluginSlot::new(p, plugin.restart, plugin.pool));
                    in_order.push(p.clone());
                    loaded.insert(index, p);
                }
                Err(e) => {
                    tracing::warn!(plugin = %plugin.id, error = %e, "plugin failed to load");
                    errors.push(e);
                    // A fused group fails as one.
                    let group: Vec<usize> = (0..self.plugins.len())
                        .filter(|&i| fuse::head_of(&self.plugins, i) == index)
                        .collect();
                    for i in group {
                        self.plugins[i].status = PluginStatus::Failed;
                    }
                }
            }
        }
        // The host's root socket is checked as a consumer's is; the check
        // was reported while resolving, so it is reported again only if
        // load failures are what broke it.
        let root_cardinality =
            self.catalog.get(&self.root).map(|i| i.cardinality).unwrap_or_default();
        let resolved_ok = root_cardinality
            .accepts(self.root_providers.iter().filter(|p| self.load_order.contains(p)).count());
        let unsatisfied = check_socket(
            None,
            &self.root,
            root_cardinality,
            &self.root_providers,
            |q| loaded.contains_key(&q),
            |q| self.plugins[q].id.clone(),
        )
        .err();
        if let (true, Some(u)) = (resolved_ok, &unsatisfied) {
            errors.push(LoadError::Unsatisfied(u.clone()));
        }
        let root = RootSocket {
            interface: Arc::from(self.root.as_str()),
            cardinality: root_cardinality,
            parallel: self.catalog.get(&self.root).is_some_and(|i| i.parallel),
            slots: self.root_providers.iter().filter_map(|p| loaded.get(p).cloned()).collect(),
            unsatisfied,
        };
        let root_calls = RootFunction::all(&self.catalog, &self.root);
        let catalog = self.catalog.clone();
        let reload = ReloadContext {
            engine: engine.clone(),
            support,
            kinds,
            cache: options.shared_cache(),
            #[cfg(feature = "guest-profiler")]
            profile: profile.clone(),
            state: Mutex::new(ReloadState { tree: self, slots: loaded }),
        };
        let tree = LoadedTree {
            catalog,
            root,
            plugins: in_order,
            root_calls,
            reload,
            #[cfg(feature = "guest-profiler")]
            profile,
            _ticker: ticker,
        };
        (tree, errors)
    }
}

/// What every plugin's loading shares.
struct LoadContext<'a> {
    engine: &'a Engine,
    support: EngineSupport,
    catalog: &'a Catalog,
    kinds: &'a Arc<Kinds>,
    /// The tree's guest profile, if one is taken.
    #[cfg(feature = "guest-profiler")]
    profile: Option<&'a profile::TreeProfile>,
}

/// The name of plugin `index`'s thread in a guest profile: its id, and a
/// fused group's members after it.
#[cfg(feature = "guest-profiler")]
fn thread_name(plugins: &[TreePlugin], index: usize) -> String {
    let head = &plugins[index];
    let members: Vec<String> = head
        .absorbed
        .iter()
        .filter_map(|a| plugins.get(a.plugin))
        .map(|p| p.id.to_string())
        .collect();
    match members.is_empty() {
        true => head.id.to_string(),
        false => format!("{}+{}", head.id, members.join("+")),
    }
}

/// Links and instantiates one plugin against its already-loaded providers.
fn load_one(
    cx: &LoadContext<'_>,
    plugins: &[TreePlugin],
    index: usize,
    component: &Component,
    loaded: &HashMap<usize, Arc<PluginSlot>>,
) -> Result<LoadedPlugin, LoadError> {
    let LoadContext { engine, support, catalog, kinds, .. } = *cx;
    let plugin = &plugins[index];
    let id = &plugin.id;
    let limits = plugin.limits;
    let unsupported = |limit, engine_lacks| LoadError::LimitUnsupported {
        plugin: id.clone(),
        limit,
        engine_lacks,
    };
    if !support.fuel && (limits.fuel.is_some() || limits.instantiation_fuel.is_some()) {
        return Err(unsupported(Limit::Fuel, "fuel counting (`Config::consume_fuel`)"));
    }
    if !support.epochs && limits.deadline.is_some() {
        return Err(unsupported(
            Limit::Deadline,
            "epoch interruption (`Config::epoch_interruption`)",
        ));
    }
    let mut linker: Linker<PluginState> = Linker::new(engine);
    let proxies = Arc::new(ProxyTable::default());
    let link_error = |e: wasmtime::Error| LoadError::Link { plugin: id.clone(), source: e.into() };
    for socket in &plugin.sockets {
        let Some(interface) = catalog.get(&socket.interface) else { continue };
        check_socket(
            Some(id),
            &interface.name,
            interface.cardinality,
            &socket.providers,
            |q| loaded.contains_key(&q),
            |q| plugins[q].id.clone(),
        )?;
        let providers: Arc<[Arc<PluginSlot>]> =
            socket.providers.iter().filter_map(|q| loaded.get(q).cloned()).collect();
        for resource in &interface.resources {
            if let Some(kind) = kinds.get(&interface.name, resource) {
                define_socket_resource(
                    &mut linker,
                    &socket.import,
                    resource,
                    kind,
                    proxies.clone(),
                )
                .map_err(link_error)?;
            }
        }
        for name in &socket.functions {
            let Some((function, f)) =
                interface.functions.iter().enumerate().find(|(_, f)| &f.name == name)
            else {
                continue;
            };
            if let Some(ty) = f.signature.async_type() {
                return Err(LoadError::Unsupported {
                    plugin: id.clone(),
                    interface: interface.name.clone(),
                    function: name.clone(),
                    reason: format!(
                        "`{ty}` cannot cross between plugins: wasmtime's dynamic API carries futures, streams and error contexts only with async support"
                    ),
                });
            }
            let function = SocketFunction::new(function, f);
            let target = SocketTarget {
                consumer: id.clone(),
                cardinality: interface.cardinality,
                parallel: interface.parallel,
                providers: providers.clone(),
                handles: function.needs_handles.then(|| HandleContext {
                    table: proxies.clone(),
                    interface: Arc::from(interface.name.as_str()),
                    kinds: kinds.clone(),
                }),
                function,
                plain: socket.plain,
            };
            define_socket_function(&mut linker, &socket.import, name, target)
                .map_err(link_error)?;
        }
    }
    for name in &plugin.type_imports {
        linker.instance(name).map_err(link_error)?;
    }
    wasi::link(&mut linker, plugin).map_err(link_error)?;
    let pre = linker.instantiate_pre(component).map_err(link_error)?;
    let plug = plugin.plug.as_deref().unwrap_or_default();
    let interface = catalog.get(plug);
    // The component's own names, where they differ (a compatible version, a remap).
    let plug_index = component.get_export_index(None, plugin.plug_names.interface(plug));
    let export = |name: &str| {
        let name = plugin.plug_names.function(name);
        plug_index.as_ref().and_then(|pi| component.get_export_index(Some(pi), name))
    };
    let mut funcs = Vec::new();
    for f in interface.map(|i| i.functions.as_slice()).unwrap_or_default() {
        if let Some(ty) = f.signature.async_type() {
            return Err(LoadError::Unsupported {
                plugin: id.clone(),
                interface: plug.to_string(),
                function: f.name.clone(),
                reason: format!(
                    "`{ty}` cannot be passed by plugtree's dynamic calls without async support"
                ),
            });
        }
        funcs.push(PlugFunction {
            name: f.name.clone(),
            export: export(&f.name),
            shape: fast::Shape::of(&f.signature),
        });
    }
    let resources = interface
        .map(|i| i.resources.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|name| Some((export(name)?, name.clone())))
        .collect();
    let recipe = InstanceRecipe {
        id: id.clone(),
        pre,
        limits,
        support,
        grants: (!plugin.wasi.is_empty()).then(|| plugin.grants.clone()),
        http: wasi::imports_http(plugin),
        funcs,
        resources,
        plug: plug.to_string(),
        proxies,
        #[cfg(feature = "guest-profiler")]
        profiler: cx.profile.and_then(|p| p.profiler(thread_name(plugins, index), component)),
    };
    let loaded = recipe.instantiate()?;
    // Kept only where a restart or a pool may need it: it holds the linker's definitions.
    Ok(match (plugin.restart, plugin.pool) {
        (None, None) => loaded,
        _ => loaded.with_recipe(Arc::new(recipe)),
    })
}
