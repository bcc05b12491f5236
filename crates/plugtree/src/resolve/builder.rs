//! The Rust way in: describe a tree's WIT, root, cardinalities and plugins.

use std::path::PathBuf;

use super::{Allowed, BuildError, Described, PluginTree, resolve};
use crate::describe::BuiltinPlug;
use crate::describe::{
    Cardinality, Catalog, DescribeError, Grants, Limits, Manifest, ManifestError, PluginId,
    PluginSource, Remap, RestartPolicy, describe_plugin,
};
use crate::host::{HOST_WIT, HostPlug, Log, MemoryKv};

/// Why a tree could not be built at all (as opposed to a [`BuildError`], which
/// concerns one plugin and leaves the rest of the tree usable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The manifest is unusable.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The app's WIT, root or cardinalities are unusable.
    #[error(transparent)]
    Describe(#[from] DescribeError),
}

/// One plugin as given: a component, or a plug the host implements.
#[derive(Debug, Clone)]
enum GivenPlugin {
    Component(PluginId, PluginSource),
    Host(HostPlug),
}

/// Collects what a tree is made of, then [`build`](TreeBuilder::build)s it.
///
/// ```no_run
/// use plugtree::{Cardinality, PluginTree};
///
/// let (tree, errors) = PluginTree::builder()
///     .wit("wit")
///     .root("my:app/greeter")
///     .cardinality("my:app/greeter", Cardinality::Any)
///     .plugin("english", "plugins/english.wasm")
///     .build()?;
/// # Ok::<(), plugtree::describe::DescribeError>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct TreeBuilder {
    wit_paths: Vec<PathBuf>,
    wit_texts: Vec<(String, String)>,
    root: Option<String>,
    cardinalities: Vec<(String, Cardinality)>,
    parallel: Vec<String>,
    plugins: Vec<GivenPlugin>,
    limits: Limits,
    plugin_limits: Vec<(PluginId, Limits)>,
    grants: Vec<(PluginId, Grants)>,
    restarts: Vec<(PluginId, RestartPolicy)>,
    remaps: Vec<(PluginId, Remap)>,
    dynamic: Vec<(PluginId, String)>,
    pools: Vec<(PluginId, u32)>,
}

impl TreeBuilder {
    /// A builder filled from a manifest.
    pub fn from_manifest(manifest: &Manifest) -> Self {
        let mut builder =
            TreeBuilder::default().root(manifest.root.clone()).limits(manifest.limits);
        for path in &manifest.wit {
            builder = builder.wit(path.clone());
        }
        for (interface, cardinality) in &manifest.cardinality {
            builder = builder.cardinality(interface.clone(), *cardinality);
        }
        for interface in &manifest.parallel {
            builder = builder.parallel(interface.clone());
        }
        for plugin in &manifest.plugins {
            builder = builder.plugin(plugin.id.clone(), plugin.path.clone());
            if plugin.limits != manifest.limits {
                builder = builder.plugin_limits(plugin.id.clone(), plugin.limits);
            }
            if plugin.grants != Grants::none() {
                builder = builder.grants(plugin.id.clone(), plugin.grants.clone());
            }
            if let Some(policy) = plugin.restart {
                builder = builder.restart_policy(plugin.id.clone(), policy);
            }
            if let Some(remap) = &plugin.remap {
                builder = builder.remap(plugin.id.clone(), remap.clone());
            }
            if let Some(instances) = plugin.pool {
                builder = builder.pool(plugin.id.clone(), instances);
            }
            for interface in &plugin.dynamic {
                builder = builder.keep_dynamic(plugin.id.clone(), interface.clone());
            }
        }
        if !manifest.host.is_empty() {
            builder = builder.wit_text("plugtree-host.wit", HOST_WIT);
        }
        for host in &manifest.host {
            builder = builder.host_plug(match host.plug {
                BuiltinPlug::Kv => MemoryKv::new().plug(host.id.as_str()),
                BuiltinPlug::Log => Log::new().plug(host.id.as_str()),
            });
        }
        builder
    }

    /// Adds a WIT file or folder whose interfaces are app interfaces.
    pub fn wit(mut self, path: impl Into<PathBuf>) -> Self {
        self.wit_paths.push(path.into());
        self
    }

    /// Adds WIT given as text; `name` names it in errors.
    pub fn wit_text(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.wit_texts.push((name.into(), text.into()));
        self
    }

    /// Sets the root interface: the one the host dispatches on.
    pub fn root(mut self, interface: impl Into<String>) -> Self {
        self.root = Some(interface.into());
        self
    }

    /// Sets an interface's cardinality (the default is [`Cardinality::ExactlyOne`]).
    pub fn cardinality(mut self, interface: impl Into<String>, cardinality: Cardinality) -> Self {
        self.cardinalities.push((interface.into(), cardinality));
        self
    }

    /// Makes the fan-outs on sockets of `interface` (the root included)
    /// parallel: the providers are called at once, each on one of plugtree's
    /// fan-out threads (persistent, one per core, shared by every tree), and
    /// their answers come back in declaration order as always. For CPU-bound
    /// providers on `any` and `at-least-one` sockets; a socket with one
    /// provider, and a function that passes resources, still call in turn.
    /// The call's deadline holds on every thread. Off by default: a
    /// fan-out to cheap providers costs more handed to threads than done in turn.
    pub fn parallel(mut self, interface: impl Into<String>) -> Self {
        self.parallel.push(interface.into());
        self
    }

    /// Adds a plugin: an id and its component (a path or bytes; binary or WAT text).
    pub fn plugin(mut self, id: impl Into<PluginId>, source: impl Into<PluginSource>) -> Self {
        self.plugins.push(GivenPlugin::Component(id.into(), source.into()));
        self
    }

    /// Adds a plug the host implements in Rust. It takes part in the tree
    /// like a component plugin: it counts for its interface's cardinality and
    /// answers sockets and root calls.
    pub fn host_plug(mut self, plug: HostPlug) -> Self {
        self.plugins.push(GivenPlugin::Host(plug));
        self
    }

    /// Sets the limits of every plugin without limits of its own
    /// (the default is [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets one plugin's limits, replacing those set with [`TreeBuilder::limits`].
    pub fn plugin_limits(mut self, id: impl Into<PluginId>, limits: Limits) -> Self {
        self.plugin_limits.push((id.into(), limits));
        self
    }

    /// Sets what one plugin may touch through WASI (the default is nothing:
    /// [`Grants::none`]); relative host directories are relative to the
    /// process's working directory.
    pub fn grants(mut self, id: impl Into<PluginId>, grants: Grants) -> Self {
        self.grants.push((id.into(), grants));
        self
    }

    /// Declares component plugin `id` stateless: it keeps up to `instances`
    /// warm instances (at most [`MAX_POOL`](crate::describe::MAX_POOL)), so
    /// calls from several threads run in parallel instead of queueing on
    /// one store. Each call may run in any of them, so nothing a call leaves
    /// in an instance (globals, memory) is seen by the next; a plugin whose
    /// plug or sockets pass resources is refused
    /// ([`BuildError::PoolWithResources`](crate::BuildError::PoolWithResources)).
    /// Instances are made when calls overlap, each within the plugin's limits.
    pub fn pool(mut self, id: impl Into<PluginId>, instances: u32) -> Self {
        self.pools.push((id.into(), instances));
        self
    }

    /// Lets one component plugin be restarted after it fails (traps or
    /// exceeds a limit): a fresh instance answers the next call, at most
    /// `policy.max` times within `policy.within`; see [`RestartPolicy`] for
    /// what a restart loses. Without one a failed plugin stays failed until
    /// it is reloaded. Ignored for host plugs, which do not fail.
    pub fn restart_policy(mut self, id: impl Into<PluginId>, policy: RestartPolicy) -> Self {
        self.restarts.push((id.into(), policy));
        self
    }

    /// Plugs one component plugin's export `remap.export` in as the app
    /// interface `remap.plug`, with its function names mapped (see [`Remap`]).
    /// Not needed for a semver-compatible version of an app interface
    /// (`@1.2.0` for `@1.0.0`), which plugs in as it is.
    pub fn remap(mut self, id: impl Into<PluginId>, remap: Remap) -> Self {
        self.remaps.push((id.into(), remap));
        self
    }

    /// Keeps one plain socket of a consumer dynamic: its provider stays a
    /// plugin of its own, called through the host, rather than being fused
    /// into the consumer at load (see [`LoadedTree`](crate::LoadedTree) on fused edges).
    pub fn keep_dynamic(
        mut self,
        consumer: impl Into<PluginId>,
        interface: impl Into<String>,
    ) -> Self {
        self.dynamic.push((consumer.into(), interface.into()));
        self
    }

    /// Reads the WIT and the components and resolves the tree.
    ///
    /// Returns the tree with every problem found in single plugins; the tree
    /// keeps everything that still works.
    ///
    /// # Errors
    /// [`DescribeError`] when the app's own description is unusable: WIT that
    /// does not parse, no root, or a root or cardinality naming an unknown interface.
    pub fn build(self) -> Result<(PluginTree, Vec<BuildError>), DescribeError> {
        let mut catalog = Catalog::from_wit_paths(&self.wit_paths)?;
        for (name, text) in &self.wit_texts {
            catalog.extend(Catalog::from_wit_text(name, text)?);
        }
        for (interface, cardinality) in &self.cardinalities {
            catalog.set_cardinality(interface, *cardinality)?;
        }
        for interface in &self.parallel {
            catalog.set_parallel(interface)?;
        }
        let root = self.root.ok_or(DescribeError::NoRoot)?;
        let root_interface = catalog
            .get(&root)
            .ok_or_else(|| DescribeError::UnknownInterface { interface: root.clone() })?;
        if root_interface.functions.is_empty() {
            return Err(DescribeError::EmptyRoot { interface: root });
        }
        // The last setting given for a plugin wins.
        let allowed = |id: &PluginId| Allowed {
            limits: self
                .plugin_limits
                .iter()
                .rev()
                .find(|(p, _)| p == id)
                .map_or(self.limits, |l| l.1),
            grants: self
                .grants
                .iter()
                .rev()
                .find(|(p, _)| p == id)
                .map(|g| g.1.clone())
                .unwrap_or_default(),
            restart: self.restarts.iter().rev().find(|(p, _)| p == id).map(|r| r.1),
            remap: self.remaps.iter().rev().find(|(p, _)| p == id).map(|r| r.1.clone()),
            pool: self.pools.iter().rev().find(|(p, _)| p == id).map(|r| r.1),
            dynamic: self
                .dynamic
                .iter()
                .filter(|(p, _)| p == id)
                .map(|(_, interface)| interface.clone())
                .collect(),
        };
        let described = self
            .plugins
            .into_iter()
            .map(|entry| match entry {
                GivenPlugin::Component(id, source) => {
                    let allowed = allowed(&id);
                    (describe_plugin(id, &source).map(Described::Component), allowed)
                }
                GivenPlugin::Host(plug) => (Ok(Described::Host(plug)), Allowed::default()),
            })
            .collect();
        Ok(resolve(catalog, root, described))
    }
}

impl From<&str> for PluginSource {
    fn from(path: &str) -> Self {
        PluginSource::Path(PathBuf::from(path))
    }
}
