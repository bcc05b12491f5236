//! Restarts: a failed plugin with a [`RestartPolicy`] gets a fresh instance
//! when the next call reads its slot, at most `max` times within `within`.
//!
//! The restart happens lazily, on the thread of the call that finds the
//! failed instance in the slot (host root calls and consumers' socket calls
//! read slots the same way), under the slot's restart lock, so concurrent
//! callers make one restart. Before the fresh instance is visible, the handles
//! the failed one held from its providers are dropped (the shared
//! [`ProxyTable`](super::handles::ProxyTable) starts empty). The failed
//! instance is told its [`Fate`]: calls that still reach it through a handle
//! it gave out are refused; its resource types are kept so the host's stale
//! handles are told apart from foreign ones.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use arc_swap::{ArcSwap, Guard};
use wasmtime::component::{ResourceAny, ResourceType};

use super::failure::ProviderFailure;
use super::plugin::LoadedPlugin;
use crate::describe::RestartPolicy;

/// Restarts kept for [`LoadedTree::failures`](crate::LoadedTree::failures);
/// older ones are forgotten (each keeps its number, so a gap shows).
const KEPT_RESTARTS: usize = 64;
/// Resource types of replaced instances kept to recognise their handles;
/// beyond this the oldest are forgotten and their handles are merely unknown.
const KEPT_TYPES: usize = 256;

/// What became of a failed instance under a restart policy.
#[derive(Debug, Clone)]
pub(crate) enum Fate {
    /// A fresh instance answers in its place.
    Restarted,
    /// The policy's restarts within its window are used up: failed for good.
    GaveUp(RestartPolicy),
    /// Making a fresh instance failed (why): failed for good.
    RestartFailed(String),
}

/// One restart: its number since load and the failure that caused it.
#[derive(Debug, Clone)]
pub(crate) struct Restart {
    pub number: u32,
    pub function: String,
    pub failure: ProviderFailure,
}

/// A slot's restart policy and what it has done.
pub(crate) struct Restarts {
    pub policy: RestartPolicy,
    log: Mutex<RestartLog>,
}

#[derive(Default)]
struct RestartLog {
    /// When the restarts still inside the window happened, oldest first.
    window: VecDeque<Instant>,
    /// Restarts since load.
    count: u32,
    /// The latest restarts, oldest first.
    done: VecDeque<Restart>,
    /// The plug's resource types of the instances restarts replaced.
    retired: VecDeque<ResourceType>,
}

/// Whether a restart at `now` fits `policy`, given the earlier ones in
/// `window`; if it does, it is counted there.
fn admit(window: &mut VecDeque<Instant>, policy: RestartPolicy, now: Instant) -> bool {
    // A window reaching before the clock's start (`Duration::MAX`) keeps all.
    if let Some(start) = now.checked_sub(policy.within) {
        while window.front().is_some_and(|&t| t <= start) {
            window.pop_front();
        }
    }
    if window.len() >= policy.max as usize {
        return false;
    }
    window.push_back(now);
    true
}

/// `e` and its causes on one line: the refusal is all a caller will see.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Pushes `item`, forgetting the oldest beyond `cap`.
fn keep<T>(list: &mut VecDeque<T>, item: T, cap: usize) {
    if list.len() == cap {
        list.pop_front();
    }
    list.push_back(item);
}

impl Restarts {
    pub fn new(policy: RestartPolicy) -> Self {
        Restarts { policy, log: Mutex::default() }
    }

    fn log(&self) -> MutexGuard<'_, RestartLog> {
        // Every update of the log is whole before anything that may panic.
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the failed instance `seen` (read from `current`) with a fresh
    /// one if the policy allows; returns the instance answering now. Out of
    /// line: calls pass by it.
    #[cold]
    #[inline(never)]
    pub fn restart(
        &self,
        current: &ArcSwap<LoadedPlugin>,
        seen: Guard<Arc<LoadedPlugin>>,
    ) -> Guard<Arc<LoadedPlugin>> {
        let mut log = self.log();
        let failed = current.load();
        drop(seen);
        // Another caller may have restarted it (or given up) while this one waited.
        let (Some(failure), None, Some(recipe)) =
            (failed.failure(), failed.fate(), failed.recipe().cloned())
        else {
            return failed;
        };
        if !admit(&mut log.window, self.policy, Instant::now()) {
            tracing::warn!(plugin = %failed.id, policy = %self.policy, "plugin failed for good");
            failed.set_fate(Fate::GaveUp(self.policy));
            return failed;
        }
        // The fresh instance shares the proxy table: empty it before the
        // fresh one can fill it. The owners' refusals are theirs to keep.
        for entry in recipe.proxies.drain() {
            let _ = entry.owner.drop_resource(entry.resource);
        }
        let fresh = match recipe.instantiate() {
            Ok(fresh) => fresh.with_recipe(recipe),
            Err(e) => {
                tracing::warn!(plugin = %failed.id, error = %e, "plugin could not be restarted");
                failed.set_fate(Fate::RestartFailed(with_causes(&e)));
                return failed;
            }
        };
        log.count = log.count.saturating_add(1);
        let restart = Restart {
            number: log.count,
            function: failure.function.clone(),
            failure: failure.failure.clone(),
        };
        keep(&mut log.done, restart, KEPT_RESTARTS);
        for ty in failed.resource_types() {
            keep(&mut log.retired, ty, KEPT_TYPES);
        }
        failed.set_fate(Fate::Restarted);
        current.store(Arc::new(fresh));
        tracing::info!(plugin = %failed.id, restart = log.count, "plugin restarted");
        drop(failed);
        current.load()
    }

    /// The restarts made (the latest [`KEPT_RESTARTS`]), oldest first.
    pub fn done(&self) -> Vec<Restart> {
        self.log().done.iter().cloned().collect()
    }

    /// Whether `resource` was given out by an instance a restart replaced.
    pub fn lost(&self, resource: &ResourceAny) -> bool {
        let ty = resource.ty();
        self.log().retired.contains(&ty)
    }

    /// Starts the window afresh: a reload is a new component.
    pub fn reset_window(&self) {
        self.log().window.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::time::{Duration, Instant};

    use super::admit;
    use crate::describe::RestartPolicy;

    #[test]
    fn restarts_are_counted_in_a_sliding_window() {
        let policy = RestartPolicy::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut window = VecDeque::new();
        assert!(admit(&mut window, policy, at(0)));
        assert!(admit(&mut window, policy, at(10)));
        assert!(!admit(&mut window, policy, at(59)), "a third within 60s is refused");
        assert!(admit(&mut window, policy, at(60)), "the first has left the window");
        assert!(!admit(&mut window, policy, at(69)));
        assert!(admit(&mut window, policy, at(71)));
        let once = RestartPolicy::new(1, Duration::MAX);
        let mut ever = VecDeque::new();
        assert!(admit(&mut ever, once, at(0)));
        assert!(!admit(&mut ever, once, at(1_000_000)), "an unlimited window keeps every restart");
        assert!(!admit(&mut VecDeque::new(), RestartPolicy::new(0, Duration::MAX), at(0)));
    }
}
