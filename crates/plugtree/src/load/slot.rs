//! A plugin's place in a loaded tree, which a reload swaps while calls go on.

use std::sync::Arc;

use arc_swap::ArcSwap;

use super::plugin::LoadedPlugin;
use crate::describe::PluginId;

/// A plugin's place in a loaded tree: the instance that answers now. A
/// reload swaps it; a call that already took the old one finishes there.
pub(crate) struct PluginSlot {
    pub id: PluginId,
    current: ArcSwap<LoadedPlugin>,
}

impl PluginSlot {
    pub fn new(plugin: LoadedPlugin) -> Self {
        PluginSlot { id: plugin.id.clone(), current: ArcSwap::from_pointee(plugin) }
    }

    /// The instance answering now.
    pub fn current(&self) -> Arc<LoadedPlugin> {
        self.current.load_full()
    }

    /// The instance answering now, borrowed for one call: cheaper than
    /// [`PluginSlot::current`] (no reference count moves, as long as the
    /// thread holds few such borrows at once). Every call through a socket
    /// reads its providers this way, so a reload is seen by the next call.
    pub fn borrow(&self) -> arc_swap::Guard<Arc<LoadedPlugin>> {
        self.current.load()
    }

    /// Makes `plugin` answer from now on; returns the instance it replaces.
    pub fn replace(&self, plugin: LoadedPlugin) -> Arc<LoadedPlugin> {
        self.current.swap(Arc::new(plugin))
    }
}
