//! A plugin's place in a loaded tree, which a reload swaps while calls go on
//! and a restart refills after a failure.

use std::sync::Arc;

use arc_swap::ArcSwap;
use wasmtime::component::ResourceAny;

use super::plugin::LoadedPlugin;
use super::restart::{Restart, Restarts};
use crate::describe::{PluginId, RestartPolicy};

/// A plugin's place in a loaded tree: the instance that answers now. A
/// reload swaps it; a call that already took the old one finishes there.
pub(crate) struct PluginSlot {
    pub id: PluginId,
    current: ArcSwap<LoadedPlugin>,
    /// Set for a component with a restart policy.
    restarts: Option<Restarts>,
}

impl PluginSlot {
    /// `plugin`'s slot, restarted after failures as `policy` allows (host
    /// plugs, which have nothing to restart, ignore it).
    pub fn new(plugin: LoadedPlugin, policy: Option<RestartPolicy>) -> Self {
        let restarts = policy.filter(|_| plugin.recipe().is_some()).map(Restarts::new);
        PluginSlot { id: plugin.id.clone(), current: ArcSwap::from_pointee(plugin), restarts }
    }

    /// The instance answering now, as it is (no restart): for inspection.
    pub fn current(&self) -> Arc<LoadedPlugin> {
        self.current.load_full()
    }

    /// The instance answering now, borrowed for one call: cheaper than
    /// [`PluginSlot::current`] (no reference count moves, as long as the
    /// thread holds few such borrows at once). Every call through a socket
    /// reads its providers this way, so a reload is seen by the next call,
    /// and a failed instance whose policy allows it is restarted here.
    pub fn borrow(&self) -> arc_swap::Guard<Arc<LoadedPlugin>> {
        let now = self.current.load();
        match &self.restarts {
            Some(restarts) if now.is_failed() && now.fate().is_none() => {
                restarts.restart(&self.current, now)
            }
            _ => now,
        }
    }

    /// Makes `plugin` answer from now on (a reload); returns the instance it
    /// replaces. The restart window starts afresh.
    pub fn replace(&self, plugin: LoadedPlugin) -> Arc<LoadedPlugin> {
        if let Some(restarts) = &self.restarts {
            restarts.reset_window();
        }
        self.current.swap(Arc::new(plugin))
    }

    /// The slot's restart policy and the restarts it made, if it has one.
    pub fn restarts(&self) -> Option<(RestartPolicy, Vec<Restart>)> {
        self.restarts.as_ref().map(|r| (r.policy, r.done()))
    }

    /// Whether `resource` is from an instance of this plugin that a restart replaced.
    pub fn lost(&self, resource: &ResourceAny) -> bool {
        self.restarts.as_ref().is_some_and(|r| r.lost(resource))
    }
}
