//! What it takes to make a fresh instance of a linked plugin: the first load
//! and every restart instantiate through [`InstanceRecipe::instantiate`].

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{ComponentExportIndex, InstancePre};

use super::error::LoadError;
use super::failure::ProviderFailure;
use super::handles::ProxyTable;
use super::limits::{EngineSupport, PluginLimiter, classify, prepare_store};
use super::plugin::{self, LoadedPlugin, Setup};
use super::store::PluginState;
use super::{fast, wasi};
use crate::describe::{Grants, Limits, PluginId};

/// A linked component and what its instances are made with. The linker's
/// socket functions are in `pre`, so every instance shares the plugin's
/// [`ProxyTable`] (a restart empties it first).
pub(crate) struct InstanceRecipe {
    pub id: PluginId,
    pub pre: InstancePre<PluginState>,
    pub limits: Limits,
    pub support: EngineSupport,
    /// Its grants if it imports WASI (each store gets its own context).
    pub grants: Option<Grants>,
    /// Whether it imports wasi:http (each store gets its own HTTP state).
    pub http: bool,
    /// The plug's functions in the catalog's order: name, export and fast shape.
    pub funcs: Vec<PlugFunction>,
    /// The plug's resources found among its exports, with their WIT names.
    pub resources: Vec<(ComponentExportIndex, String)>,
    /// The interface the plug exports, for messages.
    pub plug: String,
    pub proxies: Arc<ProxyTable>,
    /// Samples every instance's store, if the tree is profiled.
    #[cfg(feature = "guest-profiler")]
    pub profiler: Option<super::profile::StoreProfiler>,
}

/// One function of the plug, as [`InstanceRecipe::instantiate`] looks it up.
pub(crate) struct PlugFunction {
    pub name: String,
    pub export: Option<ComponentExportIndex>,
    pub shape: Option<fast::Shape>,
}

impl InstanceRecipe {
    /// A new store and instance, within the plugin's limits, with its
    /// functions looked up once.
    ///
    /// # Errors
    /// [`LoadError`] when instantiation traps or exceeds a limit, the WASI
    /// grants cannot be opened, or an export is missing.
    pub fn instantiate(&self) -> Result<LoadedPlugin, LoadError> {
        let id = &self.id;
        let limits = self.limits;
        let link_error =
            |e: wasmtime::Error| LoadError::Link { plugin: id.clone(), source: e.into() };
        let http_body_limit = self.http.then_some(limits.transfer);
        let wasi = wasi::context(id, self.grants.as_ref(), http_body_limit)?;
        let engine = self.pre.engine();
        let mut store = Store::new(engine, PluginState::new(PluginLimiter::new(&limits), wasi));
        store.limiter(|state| &mut state.limiter);
        prepare_store(&mut store, &limits, self.support).map_err(link_error)?;
        let instance = self.pre.instantiate(&mut store).map_err(|e| {
            let refusal = store.data_mut().limiter.take_refusal();
            match classify(&e, id, "instantiation", &limits, false, refusal) {
                ProviderFailure::LimitExceeded(limit, message) => {
                    LoadError::LimitExceeded { plugin: id.clone(), limit, message }
                }
                _ => LoadError::Instantiate { plugin: id.clone(), source: e.into() },
            }
        })?;
        if self.support.fuel {
            // Calls without a fuel limit run on this; limited calls refuel each time.
            store.set_fuel(u64::MAX).map_err(link_error)?;
        }
        let mut funcs = Vec::with_capacity(self.funcs.len());
        let mut shapes = Vec::with_capacity(self.funcs.len());
        for f in &self.funcs {
            let func =
                f.export.and_then(|fi| instance.get_func(&mut store, fi)).ok_or_else(|| {
                    LoadError::MissingExport {
                        plugin: id.clone(),
                        interface: self.plug.clone(),
                        function: f.name.clone(),
                    }
                })?;
            let index = funcs.len();
            shapes.push(f.shape.filter(|&s| plugin::check_shape(&mut store, index, func, s)));
            funcs.push(Some(func));
        }
        #[cfg(feature = "guest-profiler")]
        let sample_ticks = self.profiler.as_ref().map(|p| {
            p.install(&mut store);
            p.ticks()
        });
        #[cfg(not(feature = "guest-profiler"))]
        let sample_ticks = None;
        let resources = self
            .resources
            .iter()
            .filter_map(|(ri, name)| Some((instance.get_resource(&mut store, *ri)?, name.clone())))
            .collect();
        let setup = Setup {
            funcs,
            names: self.funcs.iter().map(|f| f.name.clone()).collect(),
            shapes,
            resources,
            proxies: self.proxies.clone(),
            limits,
            support: self.support,
            sample_ticks,
        };
        // An id of its own, not a clone: every answer clones its instance's
        // id, and a pool's instances answer on several cores at once, which
        // would all count references on one allocation.
        Ok(LoadedPlugin::new(PluginId::from(id.as_str()), store, setup))
    }
}
