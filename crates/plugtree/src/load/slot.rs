//! A plugin's place in a loaded tree, which a reload swaps while calls go on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

use super::plugin::LoadedPlugin;
use crate::describe::PluginId;

/// A plugin's place in a loaded tree: the instance that answers now. A
/// reload swaps it; a call that already took the old one finishes there.
pub(crate) struct PluginSlot {
    pub id: PluginId,
    current: ArcSwap<LoadedPlugin>,
    /// How many times the instance was replaced: a consumer's
    /// [`ProviderCache`] entry is current while it matches.
    generation: AtomicU64,
}

impl PluginSlot {
    pub fn new(plugin: LoadedPlugin) -> Self {
        PluginSlot {
            id: plugin.id.clone(),
            current: ArcSwap::from_pointee(plugin),
            generation: AtomicU64::new(0),
        }
    }

    /// The instance answering now.
    pub fn current(&self) -> Arc<LoadedPlugin> {
        self.current.load_full()
    }

    /// The instance answering now, borrowed for one call: cheaper than
    /// [`PluginSlot::current`] (no reference count moves).
    pub fn borrow(&self) -> arc_swap::Guard<Arc<LoadedPlugin>> {
        self.current.load()
    }

    /// How many times the instance was replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Makes `plugin` answer from now on; returns the instance it replaces.
    pub fn replace(&self, plugin: LoadedPlugin) -> Arc<LoadedPlugin> {
        let old = self.current.swap(Arc::new(plugin));
        // After the swap: whoever sees the new generation loads the new instance.
        self.generation.fetch_add(1, Ordering::AcqRel);
        old
    }
}
