//! How a tree is loaded: [`LoadOptions`] for [`PluginTree::load_with`](crate::PluginTree::load_with).

use std::fmt;
use std::sync::Arc;

use super::cache::ArtifactCache;

/// How far the compiling of a load has come, told to the
/// [`LoadOptions::with_progress`] callback: `done` of the `total` distinct
/// components are compiled (or deserialized from the cache). It is called
/// once with `done == 0` before the first one, then after each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileProgress {
    /// Components compiled so far.
    pub done: usize,
    /// Components to compile: the distinct ones (identical bytes count once).
    pub total: usize,
}

/// A load's progress callback: called from the compiling threads.
pub(crate) type ProgressFn = dyn Fn(CompileProgress) + Send + Sync;

/// Settings of [`PluginTree::load_with`](crate::PluginTree::load_with);
/// the default is what [`PluginTree::load`](crate::PluginTree::load) does.
///
/// ```
/// use plugtree::load::{ArtifactCache, LoadOptions};
///
/// let options = LoadOptions::default().with_cache(ArtifactCache::new("target/plugtree-cache"));
/// assert!(options.cache().is_some());
/// ```
#[derive(Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Shared with the loaded tree, whose reloads compile through it too.
    cache: Option<Arc<ArtifactCache>>,
    progress: Option<Arc<ProgressFn>>,
    /// The sampling interval of a guest profile, if one is taken.
    #[cfg(feature = "guest-profiler")]
    profile: Option<std::time::Duration>,
}

impl fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LoadOptions");
        d.field("cache", &self.cache)
            .field("progress", &self.progress.as_ref().map(|_| "callback"));
        #[cfg(feature = "guest-profiler")]
        d.field("profile", &self.profile);
        d.finish()
    }
}

impl LoadOptions {
    /// Takes compiled components from `cache` and stores new ones there.
    pub fn with_cache(mut self, cache: ArtifactCache) -> Self {
        self.cache = Some(Arc::new(cache));
        self
    }

    /// The precompiled-artifact cache, if one is set (with its [`stats`](ArtifactCache::stats)).
    pub fn cache(&self) -> Option<&ArtifactCache> {
        self.cache.as_deref()
    }

    /// Tells `progress` how far the compiling has come ([`CompileProgress`]),
    /// e.g. to draw a progress bar: a cold load of many plugins takes
    /// seconds. The callback runs on the compiling threads, so it must be
    /// quick; the library itself never prints.
    pub fn with_progress(
        mut self,
        progress: impl Fn(CompileProgress) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Profiles every call into the tree's components with wasmtime's guest
    /// profiler, sampling each running store every `interval` (rounded up to
    /// whole [`EPOCH_TICK`](crate::load::EPOCH_TICK)s, 10 ms; wasmtime's own
    /// default is the same); [`LoadedTree::finish_profile`](crate::LoadedTree::finish_profile)
    /// writes the profile. Needs an engine that checks epochs
    /// ([`engine_config`](crate::engine_config) does); while the tree lives,
    /// the engine's epoch ticker runs even if no plugin has a deadline.
    /// Deadlines, fuel and every other limit hold as without it. Without
    /// this option nothing is sampled and calls pay nothing for it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use plugtree::load::LoadOptions;
    ///
    /// let options = LoadOptions::default().with_profile(Duration::from_millis(10));
    /// assert_eq!(options.profile(), Some(Duration::from_millis(10)));
    /// ```
    #[cfg(feature = "guest-profiler")]
    pub fn with_profile(mut self, interval: std::time::Duration) -> Self {
        self.profile = Some(interval);
        self
    }

    /// The guest profile's sampling interval, if one is taken.
    #[cfg(feature = "guest-profiler")]
    pub fn profile(&self) -> Option<std::time::Duration> {
        self.profile
    }

    /// The progress callback, if one is set.
    pub(crate) fn progress(&self) -> Option<&ProgressFn> {
        self.progress.as_deref()
    }

    /// The cache, for a loaded tree to keep.
    pub(crate) fn shared_cache(&self) -> Option<Arc<ArtifactCache>> {
        self.cache.clone()
    }
}
