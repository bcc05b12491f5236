//! Resolve: interfaces and plugins → the dependency tree from the root.
//!
//! The resolver checks every plugin's plug against the app's WIT and its
//! sockets against the socket ABI, finds each socket's providers, cuts cycles,
//! and checks cardinality bottom-up. Every problem becomes a [`BuildError`];
//! a failed plugin takes down only the plugins that cannot work without it.
//! petgraph stays inside `graph.rs` and `draw.rs` (its `Dot`); [`PluginTree::to_dot`]
//! and [`PluginTree::to_mermaid`] draw a tree.

mod builder;
mod draw;
mod error;
mod graph;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use builder::{SetupError, TreeBuilder};
pub use error::{BuildError, Unsatisfied};

use crate::describe::{
    Cardinality, Catalog, DescribedPlugin, Grants, Import, Interface, Limits, Lookup, MAX_POOL,
    PluginId, Remap, RestartPolicy, Signature, WasiNeed, socket_abi, wasi_need,
};
use crate::host::HostPlug;

/// Deepest chain of plugins below the root that plugtree links: each level is
/// a host→guest→host hop on the native stack, which runs out a few hundred deep.
pub const MAX_DEPTH: usize = 64;

/// Where a plugin stands after resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginStatus {
    /// The plugin is part of the tree and will be loaded.
    Ready,
    /// The plugin cannot be used; the errors say why.
    Failed,
    /// The plugin is valid but nothing on the way from the root uses it.
    Unused,
}

/// A socket of a plugin: an interface it imports and the plugins plugged into it.
#[derive(Debug, Clone)]
pub(crate) struct SocketUse {
    /// The app interface.
    pub interface: String,
    /// The name the consumer imports it by: the app's, or a semver-compatible version of it.
    pub import: String,
    /// The functions the consumer imports, by name.
    pub functions: Vec<String>,
    /// Imported in the interface's own form, not the socket ABI's: a
    /// provider's failure is the consumer's (`exactly-one` only).
    pub plain: bool,
    /// Indices of every plugin whose plug is this interface, in declaration order.
    pub providers: Vec<usize>,
}

/// One plugin of a tree, as the later stages read it.
#[derive(Debug, Clone)]
pub(crate) struct TreePlugin {
    pub id: PluginId,
    pub component: Option<Arc<[u8]>>,
    pub plug: Option<String>,
    /// How the component names its plug where that differs from the app's WIT.
    pub plug_names: PlugNames,
    pub sockets: Vec<SocketUse>,
    /// Imported interfaces that only define types (app types and the socket ABI's).
    pub type_imports: Vec<String>,
    pub status: PluginStatus,
    pub limits: Limits,
    /// Its WASI imports, by full name; linked from `grants` at load.
    pub wasi: Vec<String>,
    pub grants: Grants,
    /// How often it is restarted after failing (components only).
    pub restart: Option<RestartPolicy>,
    /// Which export plugs in as which app interface, if the host said so.
    pub remap: Option<Remap>,
    /// Plain sockets the host keeps dynamic rather than fused, by interface.
    pub dynamic: Vec<String>,
    /// Declared stateless: up to this many warm instances (components only).
    pub pool: Option<u32>,
    /// Fusion (`load/fuse.rs`): the plugin whose component it was composed into.
    pub fused_into: Option<usize>,
    /// Fusion: its own component, before the providers it absorbed were composed in.
    pub unfused: Option<Arc<[u8]>>,
    /// Fusion: the providers composed into its component, by socket.
    pub absorbed: Vec<Absorbed>,
    /// Set for a plug the host implements in Rust (then `component` is `None`).
    pub host: Option<Arc<HostPlug>>,
}

impl TreePlugin {
    /// What the host said about this plugin, for checking a new component
    /// in its place (a reload, a fused group's composition).
    pub(crate) fn allowed(&self) -> Allowed {
        Allowed {
            limits: self.limits,
            grants: self.grants.clone(),
            restart: self.restart,
            remap: self.remap.clone(),
            dynamic: self.dynamic.clone(),
            pool: self.pool,
        }
    }
}

/// A provider composed into its consumer's component (a fused edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Absorbed {
    /// The provider.
    pub plugin: usize,
    /// The consumer's import it satisfies.
    pub import: String,
    /// The provider's export that satisfies it.
    pub export: String,
}

/// The names a component gives its plug where they differ from the app
/// interface's: a semver-compatible version, or a [`Remap`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlugNames {
    /// The exported interface's own name, if not the app's.
    pub interface: Option<String>,
    /// The exported functions' own names, by the app's name, where they differ.
    pub functions: BTreeMap<String, String>,
}

impl PlugNames {
    /// The component's name for its plug `app`.
    pub fn interface<'a>(&'a self, app: &'a str) -> &'a str {
        self.interface.as_deref().unwrap_or(app)
    }

    /// The component's name for the app function `app`.
    pub fn function<'a>(&'a self, app: &'a str) -> &'a str {
        self.functions.get(app).map_or(app, String::as_str)
    }
}

/// What the resolver reads for one plugin: a described component or a host plug.
#[derive(Debug)]
pub(crate) enum Described {
    Component(DescribedPlugin),
    Host(HostPlug),
}

/// What the host says about one component, given beside its description
/// (which says only what the component is): what it allows it (its limits,
/// its WASI grants, its restart policy) and how to read its plug (a remap).
#[derive(Debug, Clone, Default)]
pub(crate) struct Allowed {
    pub limits: Limits,
    pub grants: Grants,
    pub restart: Option<RestartPolicy>,
    pub remap: Option<Remap>,
    pub dynamic: Vec<String>,
    pub pool: Option<u32>,
}

/// What a plugin is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// A WebAssembly component.
    Component,
    /// A plug the host implements in Rust ([`HostPlug`]).
    Host,
}

/// A resolved plugin tree, ready to [`load`](PluginTree::load).
#[derive(Debug, Clone)]
pub struct PluginTree {
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) root: String,
    pub(crate) plugins: Vec<TreePlugin>,
    /// Indices of the plugins to load, providers before their consumers.
    pub(crate) load_order: Vec<usize>,
    /// Indices of every plugin plugged into the root, in declaration order.
    pub(crate) root_providers: Vec<usize>,
}

/// A read-only view of one plugin in a [`PluginTree`].
#[derive(Debug, Clone, Copy)]
pub struct PluginView<'a> {
    /// The plugin's id.
    pub id: &'a PluginId,
    /// The interface it plugs into, if its component could be read.
    pub plug: Option<&'a str>,
    /// The name the component exports its plug by, where it is not the
    /// app's: a semver-compatible version, or a remapped export.
    pub plug_export: Option<&'a str>,
    /// Whether it will be loaded.
    pub status: PluginStatus,
    /// What it may consume once loaded (components only).
    pub limits: &'a Limits,
    /// What the host grants it through WASI.
    pub grants: &'a Grants,
    /// How often it is restarted after failing; `None`: failed for good
    /// until reloaded (always `None` for host plugs, which do not fail).
    pub restart: Option<RestartPolicy>,
    /// Declared stateless: up to this many warm instances answer parallel
    /// callers (`None`: one instance, calls queued on it).
    pub pool: Option<u32>,
    /// A component or a host plug.
    pub kind: PluginKind,
    /// Set once loaded, for a provider whose one consumer's plain socket was
    /// fused: the plugin whose component it is now part of (its group's
    /// instance answers for it).
    pub fused_into: Option<&'a PluginId>,
    sockets: &'a [SocketUse],
    wasi: &'a [String],
}

impl<'a> PluginView<'a> {
    /// The interfaces the plugin imports as sockets.
    pub fn sockets(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.sockets.iter().map(|s| s.interface.as_str())
    }

    /// The WASI interfaces the plugin imports, by full name (`wasi:cli/stdout@0.2.6`).
    pub fn wasi_imports(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.wasi.iter().map(String::as_str)
    }

    /// What the plugin can actually touch: its grants, less those for WASI
    /// interfaces it does not import.
    pub fn capabilities(&self) -> Grants {
        self.grants.effective(self.wasi_imports())
    }
}

impl PluginTree {
    /// Starts describing a tree in Rust: WIT, root, cardinalities and plugins.
    pub fn builder() -> TreeBuilder {
        TreeBuilder::default()
    }

    /// Reads a `plugtree.toml` and builds its tree.
    ///
    /// # Errors
    /// [`SetupError`] when the manifest or the app's WIT is unusable; problems
    /// with single plugins are returned beside the tree instead.
    pub fn from_manifest(
        path: impl AsRef<std::path::Path>,
    ) -> Result<(PluginTree, Vec<BuildError>), SetupError> {
        let manifest = crate::describe::Manifest::from_path(path)?;
        Ok(TreeBuilder::from_manifest(&manifest).build()?)
    }

    /// The root interface.
    pub fn root(&self) -> &str {
        &self.root
    }

    /// The app interfaces.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Every plugin that was given (but dropped duplicates), in declaration order.
    pub fn plugins(&self) -> impl Iterator<Item = PluginView<'_>> {
        self.plugins.iter().map(|p| PluginView {
            id: &p.id,
            plug: p.plug.as_deref(),
            plug_export: p.plug_names.interface.as_deref(),
            status: p.status,
            limits: &p.limits,
            grants: &p.grants,
            restart: p.restart,
            pool: p.pool,
            kind: if p.host.is_some() { PluginKind::Host } else { PluginKind::Component },
            fused_into: p.fused_into.map(|i| &self.plugins[i].id),
            sockets: &p.sockets,
            wasi: &p.wasi,
        })
    }

    /// The plugins whose plug is `interface`, in declaration order, whatever their status.
    pub fn providers<'a>(
        &'a self,
        interface: &'a str,
    ) -> impl Iterator<Item = PluginView<'a>> + 'a {
        self.plugins().filter(move |p| p.plug == Some(interface))
    }
}

/// Resolves described plugins into a tree.
pub(crate) fn resolve(
    catalog: Catalog,
    root: String,
    described: Vec<(Result<Described, crate::describe::PluginError>, Allowed)>,
) -> (PluginTree, Vec<BuildError>) {
    let mut errors = Vec::new();
    let mut plugins: Vec<TreePlugin> = Vec::with_capacity(described.len());
    for (d, allowed) in described {
        let id = match &d {
            Ok(Described::Component(p)) => p.id.clone(),
            Ok(Described::Host(h)) => h.id.clone(),
            Err(e) => e.plugin().clone(),
        };
        if !id.is_valid() {
            errors.push(BuildError::InvalidId { plugin: id });
            continue;
        }
        if plugins.iter().any(|p| p.id == id) {
            errors.push(BuildError::DuplicateId { plugin: id });
            continue;
        }
        match d {
            Ok(Described::Component(p)) => {
                plugins.push(check_plugin(&catalog, p, allowed, &mut errors))
            }
            Ok(Described::Host(h)) => plugins.push(check_host_plug(&catalog, h, &mut errors)),
            Err(e) => {
                errors.push(e.into());
                plugins.push(TreePlugin {
                    id,
                    component: None,
                    plug: None,
                    plug_names: PlugNames::default(),
                    sockets: Vec::new(),
                    type_imports: Vec::new(),
                    status: PluginStatus::Failed,
                    limits: allowed.limits,
                    wasi: Vec::new(),
                    grants: allowed.grants,
                    restart: allowed.restart,
                    remap: allowed.remap,
                    dynamic: allowed.dynamic,
                    pool: allowed.pool,
                    fused_into: None,
                    unfused: None,
                    absorbed: Vec::new(),
                    host: None,
                });
            }
        }
    }
    // Providers are known once every plug is.
    for i in 0..plugins.len() {
        for s in 0..plugins[i].sockets.len() {
            let interface = plugins[i].sockets[s].interface.clone();
            plugins[i].sockets[s].providers = providers_of(&plugins, &interface);
        }
    }
    let root_providers = providers_of(&plugins, &root);
    let load_order = graph::settle(&catalog, &root, &mut plugins, &root_providers, &mut errors);
    let tree = PluginTree { catalog: Arc::new(catalog), root, plugins, load_order, root_providers };
    (tree, errors)
}

pub(crate) fn providers_of(plugins: &[TreePlugin], interface: &str) -> Vec<usize> {
    plugins
        .iter()
        .enumerate()
        .filter(|(_, p)| p.plug.as_deref() == Some(interface))
        .map(|(i, _)| i)
        .collect()
}

/// Checks a plugin's plug and sockets against the app's WIT and the socket
/// ABI, and its WASI imports against what it is `allowed`.
pub(crate) fn check_plugin(
    catalog: &Catalog,
    plugin: DescribedPlugin,
    allowed: Allowed,
    errors: &mut Vec<BuildError>,
) -> TreePlugin {
    let before = errors.len();
    let id = plugin.id.clone();
    if let Some(message) = allowed.grants.problem() {
        errors.push(BuildError::InvalidGrants { plugin: id.clone(), message });
    }
    let (plug, plug_names) = match find_plug(catalog, &plugin, allowed.remap.as_ref(), errors) {
        Some((exported, app)) => {
            let names = check_plug(&id, exported, app, allowed.remap.as_ref(), errors);
            (Some(app), names)
        }
        None => (None, PlugNames::default()),
    };
    let mut sockets = Vec::new();
    let mut type_imports = Vec::new();
    let mut wasi = Vec::new();
    for import in &plugin.imports {
        let imported = match import {
            Import::Wasi(name) => {
                errors.extend(check_wasi_import(&id, name, &allowed.grants));
                wasi.push(name.clone());
                continue;
            }
            Import::Other(name) => {
                errors.push(BuildError::UnknownSocket { plugin: id.clone(), import: name.clone() });
                continue;
            }
            Import::Interface(i) => i,
        };
        if socket_abi::is_abi_interface(&imported.name) {
            if imported.name == socket_abi::SOCKET_TYPES_INTERFACE {
                type_imports.push(imported.name.clone());
            } else {
                errors.push(BuildError::UnknownSocket {
                    plugin: id.clone(),
                    import: imported.name.clone(),
                });
            }
            continue;
        }
        let app = match catalog.lookup(&imported.name) {
            Lookup::Found(app) => app,
            Lookup::Incompatible(app) => {
                errors.push(BuildError::IncompatibleVersion {
                    plugin: id.clone(),
                    found: imported.name.clone(),
                    app,
                });
                continue;
            }
            Lookup::Unknown => {
                errors.push(BuildError::UnknownSocket {
                    plugin: id.clone(),
                    import: imported.name.clone(),
                });
                continue;
            }
        };
        if app.is_types_only() {
            type_imports.push(imported.name.clone());
            continue;
        }
        let mut plain: Option<bool> = None;
        for f in &imported.functions {
            let Some(wanted) = app.function(&f.name) else {
                errors.push(BuildError::UnknownFunction {
                    plugin: id.clone(),
                    interface: app.name.clone(),
                    function: f.name.clone(),
                });
                continue;
            };
            if matches!(wanted.kind, crate::describe::FunctionKind::Constructor { .. })
                && app.cardinality != Cardinality::ExactlyOne
            {
                errors.push(BuildError::ConstructorOnSocket {
                    plugin: id.clone(),
                    interface: app.name.clone(),
                    function: f.name.clone(),
                    cardinality: app.cardinality,
                });
                continue;
            }
            let shape = socket_abi::function_cardinality(&wanted.kind, app.cardinality);
            let expected = socket_abi::consumer_signature(&wanted.signature, shape);
            // A plain import is the provider's own signature, on `exactly-one`
            // only; one socket is imported in one form.
            let plain_form =
                (app.cardinality == Cardinality::ExactlyOne).then(|| wanted.signature.clone());
            // The import's own resources are the app interface's.
            let imported_sig = f.signature.with_resources_of(&imported.name, &app.name);
            let is_abi = expected.same_types(&imported_sig) && plain != Some(true);
            let is_plain = plain_form.as_ref().is_some_and(|p| p.same_types(&imported_sig))
                && plain != Some(false);
            if is_abi || is_plain {
                plain = Some(is_plain && !is_abi);
            } else {
                errors.push(BuildError::SocketMismatch {
                    plugin: id.clone(),
                    interface: app.name.clone(),
                    function: f.name.clone(),
                    cardinality: app.cardinality,
                    expected,
                    plain: plain_form,
                    found: f.signature.clone(),
                });
            }
        }
        sockets.push(SocketUse {
            interface: app.name.clone(),
            import: imported.name.clone(),
            functions: imported.functions.iter().map(|f| f.name.clone()).collect(),
            plain: plain == Some(true),
            providers: Vec::new(),
        });
    }
    if let Some(pool) = allowed.pool {
        check_pool(catalog, &id, pool, plug, &sockets, errors);
    }
    let status = if errors.len() > before { PluginStatus::Failed } else { PluginStatus::Ready };
    TreePlugin {
        id,
        component: Some(plugin.component),
        plug: plug.map(|p| p.name.clone()),
        plug_names,
        sockets,
        type_imports,
        status,
        limits: allowed.limits,
        wasi,
        grants: allowed.grants,
        restart: allowed.restart,
        remap: allowed.remap,
        dynamic: allowed.dynamic,
        pool: allowed.pool,
        fused_into: None,
        unfused: None,
        absorbed: Vec::new(),
        host: None,
    }
}

/// A pool of `pool` instances for `id`: within [`MAX_POOL`], and only where
/// nothing outlives a call in one instance that the next call, in another,
/// would need — a resource handle in its plug or its sockets.
fn check_pool(
    catalog: &Catalog,
    id: &PluginId,
    pool: u32,
    plug: Option<&Interface>,
    sockets: &[SocketUse],
    errors: &mut Vec<BuildError>,
) {
    if !(1..=MAX_POOL).contains(&pool) {
        errors.push(BuildError::PoolSize { plugin: id.clone(), pool });
    }
    let socket_interfaces = sockets.iter().filter_map(|s| catalog.get(&s.interface));
    for interface in plug.into_iter().chain(socket_interfaces) {
        if !interface.resources.is_empty() {
            errors.push(BuildError::PoolWithResources {
                plugin: id.clone(),
                interface: interface.name.clone(),
            });
        }
    }
}

/// The component's export that is its plug, with the app interface it plugs
/// into: the export `remap` names, or the one export that is an app interface
/// (by name, or at a semver-compatible version).
fn find_plug<'c, 'p>(
    catalog: &'c Catalog,
    plugin: &'p DescribedPlugin,
    remap: Option<&Remap>,
    errors: &mut Vec<BuildError>,
) -> Option<(&'p Interface, &'c Interface)> {
    let id = &plugin.id;
    let export_names = || plugin.exports.iter().map(|e| e.name.clone()).collect();
    if let Some(remap) = remap {
        let Some(exported) = plugin.exports.iter().find(|e| e.name == remap.export) else {
            errors.push(BuildError::RemapExport {
                plugin: id.clone(),
                export: remap.export.clone(),
                exports: export_names(),
            });
            return None;
        };
        let Some(app) = catalog.get(&remap.plug) else {
            errors.push(BuildError::RemapTarget { plugin: id.clone(), plug: remap.plug.clone() });
            return None;
        };
        return Some((exported, app));
    }
    let mut plugs = Vec::new();
    let mut incompatible = Vec::new();
    for exported in &plugin.exports {
        match catalog.lookup(&exported.name) {
            Lookup::Found(app) => plugs.push((exported, app)),
            Lookup::Incompatible(app) => incompatible.push(BuildError::IncompatibleVersion {
                plugin: id.clone(),
                found: exported.name.clone(),
                app,
            }),
            Lookup::Unknown => {}
        }
    }
    match plugs.as_slice() {
        // An export at the wrong version says so, rather than "no app interface".
        [] if !incompatible.is_empty() => errors.extend(incompatible),
        [] => errors.push(BuildError::NoPlug { plugin: id.clone(), exports: export_names() }),
        [one] => return Some(*one),
        many => {
            let plugs = many.iter().map(|(e, _)| e.name.clone()).collect();
            errors.push(BuildError::SeveralPlugs { plugin: id.clone(), plugs });
        }
    }
    None
}

/// Checks an exported plug against its app interface, function by function
/// (under `remap`'s names), and returns the names the component uses.
fn check_plug(
    id: &PluginId,
    exported: &Interface,
    app: &Interface,
    remap: Option<&Remap>,
    errors: &mut Vec<BuildError>,
) -> PlugNames {
    let app_name = |f: &str| remap.map_or(f, |r| r.app_function(f)).to_string();
    if let Some(remap) = remap {
        let problem = |function: &str, problem: String| BuildError::RemapFunction {
            plugin: id.clone(),
            export: remap.export.clone(),
            function: function.to_string(),
            problem,
        };
        for (from, to) in &remap.functions {
            if exported.function(from).is_none() {
                errors.push(problem(from, format!("which `{}` does not export", exported.name)));
            } else if app.function(to).is_none() {
                errors
                    .push(problem(from, format!("to `{to}`, which `{}` does not have", app.name)));
            }
        }
        if let Some((to, from)) = remap.collision() {
            errors.push(problem(to, format!("from {} at once", from.join(" and "))));
        }
    }
    let mut names = PlugNames {
        interface: (exported.name != app.name).then(|| exported.name.clone()),
        functions: BTreeMap::new(),
    };
    for f in &app.functions {
        let found = exported.functions.iter().find(|e| app_name(&e.name) == f.name);
        // The export's own resources are the app interface's.
        let signature = found.map(|e| e.signature.with_resources_of(&exported.name, &app.name));
        match found {
            None => errors.push(BuildError::MissingExport {
                plugin: id.clone(),
                interface: app.name.clone(),
                function: f.name.clone(),
            }),
            Some(found) if !signature.as_ref().is_some_and(|s| s.same_types(&f.signature)) => {
                errors.push(BuildError::PlugMismatch {
                    plugin: id.clone(),
                    interface: app.name.clone(),
                    function: f.name.clone(),
                    expected: f.signature.clone(),
                    found: found.signature.clone(),
                })
            }
            Some(found) if found.name != f.name => {
                names.functions.insert(f.name.clone(), found.name.clone());
            }
            Some(_) => {}
        }
    }
    names
}

/// A WASI import plugtree cannot link, or (in strict mode) one no grant backs.
fn check_wasi_import(plugin: &PluginId, import: &str, grants: &Grants) -> Option<BuildError> {
    match wasi_need(import) {
        WasiNeed::Plumbing => None,
        WasiNeed::Grant(grant) if grants.strict && !grants.allows(grant) => {
            Some(BuildError::UngrantedWasi {
                plugin: plugin.clone(),
                import: import.to_string(),
                grant,
            })
        }
        WasiNeed::Grant(_) => None,
        WasiNeed::Unsupported => {
            Some(BuildError::UnsupportedWasi { plugin: plugin.clone(), import: import.to_string() })
        }
    }
}

/// Checks a host plug against its interface: every function implemented,
/// nothing else, typed closures with the WIT's types (resources as
/// [`Own`](crate::host::Own) and [`Borrow`](crate::host::Borrow) of the WIT's resource).
fn check_host_plug(catalog: &Catalog, host: HostPlug, errors: &mut Vec<BuildError>) -> TreePlugin {
    let before = errors.len();
    let id = host.id.clone();
    match catalog.get(&host.interface) {
        None => errors.push(BuildError::HostPlugInterface {
            plugin: id.clone(),
            interface: host.interface.clone(),
        }),
        Some(wanted) => {
            for f in &wanted.functions {
                match host.functions.iter().find(|h| h.name == f.name) {
                    None => errors.push(BuildError::MissingExport {
                        plugin: id.clone(),
                        interface: wanted.name.clone(),
                        function: f.name.clone(),
                    }),
                    Some(h) => {
                        let Some(typed) = &h.typed else { continue };
                        let found = Signature {
                            params: typed
                                .params
                                .iter()
                                .enumerate()
                                .map(|(i, t)| (format!("arg{i}"), t.clone()))
                                .collect(),
                            result: typed.result.clone(),
                        };
                        if !found.same_types(&f.signature) {
                            errors.push(BuildError::PlugMismatch {
                                plugin: id.clone(),
                                interface: wanted.name.clone(),
                                function: f.name.clone(),
                                expected: f.signature.clone(),
                                found,
                            });
                        }
                    }
                }
            }
            for h in host.functions.iter().filter(|h| wanted.function(&h.name).is_none()) {
                errors.push(BuildError::HostPlugExtraFunction {
                    plugin: id.clone(),
                    interface: wanted.name.clone(),
                    function: h.name.clone(),
                });
            }
        }
    }
    let status = if errors.len() > before { PluginStatus::Failed } else { PluginStatus::Ready };
    TreePlugin {
        id,
        component: None,
        plug: catalog.get(&host.interface).map(|i| i.name.clone()),
        plug_names: PlugNames::default(),
        remap: None,
        dynamic: Vec::new(),
        pool: None,
        fused_into: None,
        unfused: None,
        absorbed: Vec::new(),
        sockets: Vec::new(),
        type_imports: Vec::new(),
        status,
        limits: Limits::unlimited(),
        host: Some(Arc::new(host)),
        wasi: Vec::new(),
        grants: Grants::default(),
        restart: None,
    }
}

/// Checks a socket's working providers against its cardinality.
pub(crate) fn check_socket(
    consumer: Option<&PluginId>,
    interface: &str,
    cardinality: Cardinality,
    providers: &[usize],
    works: impl Fn(usize) -> bool,
    ids: impl Fn(usize) -> PluginId,
) -> Result<(), Unsatisfied> {
    let (ready, failed): (Vec<usize>, Vec<usize>) = providers.iter().partition(|&&p| works(p));
    if cardinality.accepts(ready.len()) {
        return Ok(());
    }
    Err(Unsatisfied {
        consumer: consumer.cloned(),
        interface: interface.to_string(),
        cardinality,
        ready: ready.into_iter().map(&ids).collect(),
        failed: failed.into_iter().map(&ids).collect(),
    })
}
