//! How a tree is loaded: [`LoadOptions`] for [`PluginTree::load_with`](crate::PluginTree::load_with).

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
    cache: Option<ArtifactCache>,
}

impl LoadOptions {
    /// Takes compiled components from `cache` and stores new ones there.
    pub fn with_cache(mut self, cache: ArtifactCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The precompiled-artifact cache, if one is set (with its [`stats`](ArtifactCache::stats)).
    pub fn cache(&self) -> Option<&ArtifactCache> {
        self.cache.as_ref()
    }
}
