//! A plugin's place in a loaded tree, which a reload swaps while calls go on
//! and a restart refills after a failure; for a stateless plugin, the pool
//! of warm instances that answer overlapping calls.

use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, Guard};
use wasmtime::component::ResourceAny;

use super::plugin::{LoadedPlugin, thread_token};
use super::restart::{Restart, Restarts};
use crate::describe::{PluginId, RestartPolicy};

/// A plugin's place in a loaded tree: the instance that answers now. A
/// reload swaps it; a call that already took the old one finishes there.
pub(crate) struct PluginSlot {
    pub id: PluginId,
    current: ArcSwap<LoadedPlugin>,
    /// Set for a component with a restart policy.
    restarts: Option<Restarts>,
    /// Set for a component declared stateless with a pool of 2 or more.
    pool: Option<Pool>,
}

/// A stateless plugin's instances beyond the slot's current one, each made
/// from the current one's recipe when a call finds every other one claimed.
/// One that fails is replaced by the next call that needs it (the current
/// instance follows the restart policy); a reload empties the pool.
struct Pool {
    /// Each place holds a warm instance, or the current one while vacant
    /// (an `ArcSwap` read, unlike an `Option`'s, moves no shared count).
    extra: Box<[ArcSwap<LoadedPlugin>]>,
    /// Held while an instance is made: a call finding it held waits for a
    /// claimed instance rather than instantiate a second one.
    making: Mutex<()>,
}

/// An instance borrowed from its slot for one call.
pub(crate) enum Borrowed {
    /// The slot's current instance, as read.
    Current(Guard<Arc<LoadedPlugin>>),
    /// A pooled slot's instance, claimed until the borrow ends.
    Claimed(Guard<Arc<LoadedPlugin>>),
}

impl Drop for Borrowed {
    fn drop(&mut self) {
        if let Borrowed::Claimed(plugin) = self {
            plugin.release();
        }
    }
}

impl std::ops::Deref for Borrowed {
    type Target = Arc<LoadedPlugin>;
    fn deref(&self) -> &Arc<LoadedPlugin> {
        match self {
            Borrowed::Current(plugin) | Borrowed::Claimed(plugin) => plugin,
        }
    }
}

impl Pool {
    /// A pool of `instances` in all, vacant but for `current`.
    fn new(instances: u32, current: &Arc<LoadedPlugin>) -> Self {
        let extra = (1..instances).map(|_| ArcSwap::new(current.clone())).collect();
        Pool { extra, making: Mutex::new(()) }
    }

    /// A claimed instance for one call: each thread tries the instances from
    /// a place of its own on (so threads keep to their instances and their
    /// claims stay in their cores' caches), then makes one in a vacant place;
    /// when all are claimed and none can be made, it queues on `current`.
    fn claim(&self, current: Guard<Arc<LoadedPlugin>>) -> Guard<Arc<LoadedPlugin>> {
        let places = self.extra.len() + 1;
        let first = (thread_token() as usize) % places;
        let mut vacant = None;
        for k in 0..places {
            let place = (first + k) % places;
            if place == 0 {
                if current.try_claim() {
                    return current;
                }
                continue;
            }
            let spot = &self.extra[place - 1];
            let p = spot.load();
            if !is_warm(&p, &current) {
                vacant = vacant.or(Some(spot));
            } else if p.try_claim() {
                return p;
            }
        }
        if let Some(made) = vacant.and_then(|spot| self.make(spot, &current)) {
            return made;
        }
        current.claim();
        current
    }

    /// A new instance of `current`'s recipe in `spot`, claimed; `None` if
    /// another call is making one or instantiation failed.
    fn make(
        &self,
        spot: &ArcSwap<LoadedPlugin>,
        current: &LoadedPlugin,
    ) -> Option<Guard<Arc<LoadedPlugin>>> {
        let recipe = current.recipe()?;
        let _making = self.making.try_lock().ok()?;
        match recipe.instantiate() {
            Ok(fresh) => {
                let fresh = Arc::new(fresh.with_recipe(recipe.clone()));
                fresh.claim();
                spot.store(fresh.clone());
                Some(Guard::from_inner(fresh))
            }
            Err(e) => {
                tracing::warn!(plugin = %current.id, error = %e, "no pooled instance could be made");
                None
            }
        }
    }

    /// How many places hold a warm instance of `current`'s recipe.
    fn warm(&self, current: &Arc<LoadedPlugin>) -> usize {
        self.extra.iter().filter(|spot| is_warm(&spot.load(), current)).count()
    }

    /// Empties every place (a reload): `current` stands in them.
    fn vacate(&self, current: &Arc<LoadedPlugin>) {
        for spot in self.extra.iter() {
            spot.store(current.clone());
        }
    }
}

/// Whether a pool's place holds a warm instance: not `current` standing in
/// a vacant place, not failed, and made from `current`'s recipe (not from
/// the component a reload replaced).
fn is_warm(p: &Arc<LoadedPlugin>, current: &Arc<LoadedPlugin>) -> bool {
    !Arc::ptr_eq(p, current) && !p.is_failed() && current.recipe().is_some_and(|r| p.made_by(r))
}

impl PluginSlot {
    /// `plugin`'s slot, restarted after failures as `policy` allows, with
    /// up to `pool` warm instances for overlapping calls (host plugs, which
    /// have nothing to restart or instantiate, ignore both).
    pub fn new(plugin: LoadedPlugin, policy: Option<RestartPolicy>, pool: Option<u32>) -> Self {
        let restartable = plugin.recipe().is_some();
        let restarts = policy.filter(|_| restartable).map(Restarts::new);
        let plugin = Arc::new(plugin);
        let pool = pool.filter(|&n| n > 1 && restartable).map(|n| Pool::new(n, &plugin));
        PluginSlot { id: plugin.id.clone(), current: ArcSwap::new(plugin), restarts, pool }
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
    /// With a pool, each call claims an instance no other call has (making
    /// one in a vacant place if need be), so overlapping calls run in parallel.
    pub fn borrow(&self) -> Borrowed {
        let now = self.current.load();
        let now = match &self.restarts {
            Some(restarts) if now.is_failed() && now.fate().is_none() => {
                restarts.restart(&self.current, now)
            }
            _ => now,
        };
        match &self.pool {
            // Claimed for the whole call, waiting included: a call queued on
            // an instance counts, so the next one looks elsewhere.
            Some(pool) => Borrowed::Claimed(pool.claim(now)),
            None => Borrowed::Current(now),
        }
    }

    /// How many instances answer for the plugin now: the current one and
    /// its pool's warm ones.
    pub fn instances(&self) -> usize {
        1 + self.pool.as_ref().map_or(0, |pool| pool.warm(&self.current.load_full()))
    }

    /// Makes `plugin` answer from now on (a reload); returns the instance it
    /// replaces. The restart window starts afresh.
    pub fn replace(&self, plugin: LoadedPlugin) -> Arc<LoadedPlugin> {
        if let Some(restarts) = &self.restarts {
            restarts.reset_window();
        }
        let plugin = Arc::new(plugin);
        let old = self.current.swap(plugin.clone());
        // Warm instances of the old component; a call still in one finishes there.
        if let Some(pool) = &self.pool {
            pool.vacate(&plugin);
        }
        old
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
