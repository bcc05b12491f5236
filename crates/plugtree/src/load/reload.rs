//! Hot reload: replace one plugin's component while the tree runs.
//!
//! The new component is read, checked against the app's WIT and its sockets,
//! compiled, linked and instantiated on the caller's thread while other
//! threads keep calling the old instance; then the plugin's slot is swapped.
//! A call that already took the old instance finishes there. Consumers are
//! not re-linked: their socket functions read the slot on every call, so
//! the next call reaches the new instance.

use std::collections::HashMap;
use std::sync::Arc;

use super::{
    LoadContext, LoadError, LoadedPlugin, LoadedTree, PluginSlot, compile, fuse, load_one,
};
use crate::describe::{PluginId, PluginSource, describe_plugin};
use crate::resolve::{BuildError, PluginStatus, TreePlugin, check_plugin, providers_of};

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// The plugin that now answers with its new component.
    pub plugin: PluginId,
    /// The interfaces the new component imports as sockets.
    pub sockets: Vec<String>,
    /// The plugins whose calls reach the new instance from now on (the
    /// host's root calls are not listed).
    pub consumers: Vec<PluginId>,
}

/// Why a reload was refused. The old instance keeps answering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// No loaded plugin has this id (it may have failed to load).
    #[error("no plugin `{plugin}` is loaded in this tree")]
    NotLoaded {
        /// The id asked for.
        plugin: PluginId,
    },
    /// The plugin is a host plug, which has no component to replace.
    #[error("plugin `{plugin}` is a host plug; only components can be reloaded")]
    HostPlug {
        /// The host plug.
        plugin: PluginId,
    },
    /// The new component does not fit the tree: unreadable, a plug or a
    /// socket that does not match the WIT, an import nothing provides.
    #[error("the new component of plugin `{plugin}` does not fit the tree: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rejected {
        /// The plugin.
        plugin: PluginId,
        /// Every problem found.
        errors: Vec<BuildError>,
    },
    /// The new component plugs into another interface than the plugin did.
    #[error("the new component of plugin `{plugin}` plugs into {}, but the plugin plugs into `{expected}`", found.as_deref().map_or("nothing".to_string(), |f| format!("`{f}`")))]
    PlugChanged {
        /// The plugin.
        plugin: PluginId,
        /// Its plug in the tree.
        expected: String,
        /// The new component's plug.
        found: Option<String>,
    },
    /// A new socket would make the plugin depend on one of its own consumers.
    #[error("the new component of plugin `{plugin}` would close a dependency cycle: {}", path.iter().map(PluginId::as_str).collect::<Vec<_>>().join(" → "))]
    Cycle {
        /// The plugin.
        plugin: PluginId,
        /// The cycle, from the plugin back to itself.
        path: Vec<PluginId>,
    },
    /// The plugin is fused into `group`'s component, and the group could not
    /// be composed again with its new component.
    #[error(
        "plugin `{plugin}` is fused into `{group}`, whose component cannot be composed with the new one: {reason}"
    )]
    Compose {
        /// The plugin.
        plugin: PluginId,
        /// The head of its fused group.
        group: PluginId,
        /// Why, from the composition or the check of its result.
        reason: String,
    },
    /// The new component failed to compile, link or instantiate.
    #[error(transparent)]
    Load(#[from] LoadError),
}

impl LoadedTree {
    /// Replaces plugin `id`'s component with `source` (a path or bytes)
    /// while the tree keeps answering calls on other threads.
    ///
    /// The new component must plug into the same interface; its sockets may
    /// differ (they are checked and linked against the plugins loaded now).
    /// Limits, grants and restart policy stay those of the plugin (its
    /// restart window starts afresh). A plugin that failed at run time is
    /// revived by a reload. Handles the host holds from the old instance
    /// are refused afterwards ([`DispatchError::UnknownHandle`](crate::DispatchError::UnknownHandle));
    /// handles consumers hold keep working on the old instance until dropped.
    /// [`LoadedTree::tree`] describes the plugin as reloaded from then on.
    ///
    /// # Errors
    /// [`ReloadError`] when the new component cannot replace the old one;
    /// the old one then keeps answering.
    pub fn reload(
        &self,
        id: &str,
        source: impl Into<PluginSource>,
    ) -> Result<Reloaded, ReloadError> {
        let source = source.into();
        let plugin = PluginId::from(id);
        let mut state = self.reload.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let super::ReloadState { tree, slots } = &mut *state;
        let plugins = &mut tree.plugins;
        let not_loaded = || ReloadError::NotLoaded { plugin: plugin.clone() };
        let member = plugins.iter().position(|p| p.id == plugin).ok_or_else(not_loaded)?;
        // A fused plugin is reloaded by composing its group again: the
        // group's head is what is checked, linked and swapped.
        let index = fuse::head_of(plugins, member);
        let slot = slots.get(&index).cloned().ok_or_else(not_loaded)?;
        if plugins[index].host.is_some() {
            return Err(ReloadError::HostPlug { plugin });
        }
        let rejected = |errors| ReloadError::Rejected { plugin: plugin.clone(), errors };
        let described =
            describe_plugin(plugin.clone(), &source).map_err(|e| rejected(vec![e.into()]))?;
        let own = described.component.clone();
        // The new component is allowed what the old one was; strict mode checks it too.
        let mut errors = Vec::new();
        let allowed = plugins[member].allowed();
        let mut fresh = check_plugin(&self.catalog, described, allowed, &mut errors);
        if !errors.is_empty() {
            return Err(rejected(errors));
        }
        if fresh.plug != plugins[member].plug {
            return Err(ReloadError::PlugChanged {
                plugin,
                expected: plugins[member].plug.clone().unwrap_or_default(),
                found: fresh.plug,
            });
        }
        if member != index || !plugins[index].absorbed.is_empty() {
            let compose_error = |reason| ReloadError::Compose {
                plugin: plugin.clone(),
                group: plugins[index].id.clone(),
                reason,
            };
            let composed = fuse::group_component(plugins, index, Some((member, &own)))
                .map_err(compose_error)?;
            let head =
                fuse::checked(&self.catalog, plugins, index, composed).map_err(compose_error)?;
            let unfused =
                if member == index { Some(own.clone()) } else { plugins[index].unfused.clone() };
            fresh = TreePlugin { unfused, absorbed: plugins[index].absorbed.clone(), ..head };
        }
        for socket in &mut fresh.sockets {
            socket.providers = providers_of(plugins, &socket.interface);
        }
        if let Some(path) = cycle_through(plugins, slots, &fresh, index) {
            return Err(ReloadError::Cycle { plugin, path });
        }
        fresh.status = PluginStatus::Ready;
        // The same compile path as the first load, through the same cache.
        let compiled = compile::compile_all(
            &self.reload.engine,
            std::slice::from_ref(&fresh),
            &[0],
            self.reload.cache.as_deref(),
            None,
        );
        let component = compiled
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(wasmtime::format_err!("not compiled").into()))
            .map_err(|source| LoadError::Compile { plugin: plugin.clone(), source })?;
        let old = std::mem::replace(&mut plugins[index], fresh);
        let cx = LoadContext {
            engine: &self.reload.engine,
            support: self.reload.support,
            catalog: &self.catalog,
            kinds: &self.reload.kinds,
            #[cfg(feature = "guest-profiler")]
            profile: self.reload.profile.as_deref(),
        };
        let loaded: LoadedPlugin = match load_one(&cx, plugins, index, &component, slots) {
            Ok(p) => p,
            Err(e) => {
                plugins[index] = old;
                return Err(e.into());
            }
        };
        // Calls that took the old instance finish there. It is freed when
        // the last of them ends, each consumer that cached it has called
        // through that socket again (the cache then re-reads the slot), and
        // no consumer holds a handle from it.
        drop(slot.replace(loaded));
        if member != index {
            // Its group is composed from its own component from now on.
            plugins[member].unfused = Some(own);
        }
        tracing::info!(plugin = %plugin, "plugin reloaded");
        let consumers = plugins
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                slots.contains_key(i) && p.sockets.iter().any(|s| s.providers.contains(&index))
            })
            .map(|(_, p)| p.id.clone())
            .collect();
        Ok(Reloaded {
            plugin,
            sockets: plugins[index].sockets.iter().map(|s| s.interface.clone()).collect(),
            consumers,
        })
    }
}

/// A path from the reloaded plugin through its new sockets' loaded providers
/// back to itself, if one exists.
fn cycle_through(
    plugins: &[TreePlugin],
    slots: &HashMap<usize, Arc<PluginSlot>>,
    fresh: &TreePlugin,
    index: usize,
) -> Option<Vec<PluginId>> {
    let providers = |p: &TreePlugin| -> Vec<usize> {
        p.sockets
            .iter()
            .flat_map(|s| s.providers.iter().copied())
            .filter(|q| slots.contains_key(q))
            .collect()
    };
    // Depth-first from each new provider, remembering how each plugin was reached.
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut stack: Vec<(usize, usize)> = providers(fresh).into_iter().map(|q| (q, index)).collect();
    while let Some((p, from)) = stack.pop() {
        if came_from.contains_key(&p) {
            continue;
        }
        came_from.insert(p, from);
        if p == index {
            let mut chain = Vec::new();
            let mut at = from;
            while at != index {
                chain.push(plugins[at].id.clone());
                at = came_from.get(&at).copied().unwrap_or(index);
            }
            chain.reverse();
            let me = plugins[index].id.clone();
            return Some(std::iter::once(me.clone()).chain(chain).chain(Some(me)).collect());
        }
        stack.extend(providers(&plugins[p]).into_iter().map(|q| (q, p)));
    }
    None
}
