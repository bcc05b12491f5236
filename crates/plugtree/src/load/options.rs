//! How a tree is loaded: [`LoadOptions`] for [`PluginTree::load_with`](crate::PluginTree::load_with).

use std::sync::Arc;

use super::cache::ArtifactCache;

/// Settings of [`PluginTree::load_with`](crate::PluginTree::load_with);
/// the default is what [`PluginTree::load`](crate::PluginTree::load) does.
///
/// ```
/// use plugtree::load::{ArtifactCache, LoadOptions};
///
/// let options = LoadOptions::default().with_cache(ArtifactCache::new("target/plugtree-cache"));
/// assert!(options.cache().is_some());
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Shared with the loaded tree, whose reloads compile through it too.
    cache: Option<Arc<ArtifactCache>>,
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

    /// The cache, for a loaded tree to keep.
    pub(crate) fn shared_cache(&self) -> Option<Arc<ArtifactCache>> {
        self.cache.clone()
    }
}
