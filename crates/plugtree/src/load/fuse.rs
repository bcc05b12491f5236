//! Fused edges: a plain `exactly-one` socket whose one provider serves no one
//! else is composed statically into its consumer at load (wasm-compose), so
//! calls across it go through wasmtime's fused adapters, with no host and no
//! `Val` between the two.
//!
//! A fused group is one component, one store and one instance: it runs under
//! its head's limits and restart policy, and a trap anywhere in it fails the
//! whole group, which its own consumers see as a provider failure. So an edge
//! is fused only where that changes nothing a user chose: the provider is a
//! component, ready, no root provider, the socket's only provider and used by
//! no other plugin; it imports no WASI (its grants would merge into the
//! head's); its limits, restart policy and pool are the consumer's; its plug is not
//! remapped; the interface defines no resources (plugtree's handle rules stay
//! dynamic); and the host did not keep the edge dynamic
//! (`TreeBuilder::keep_dynamic`). Every other edge stays dynamic, and a
//! composition that fails leaves the edge dynamic too, with a `debug` event.
//!
//! Each plugin keeps its own component (`unfused`) and the list of providers
//! it `absorbed`, so a group's component is rebuilt from its members when one
//! of them is reloaded ([`group_component`]).

use std::collections::HashSet;
use std::sync::Arc;

use wasm_compose::graph::{Component, CompositionGraph, EncodeOptions};

use crate::describe::{Catalog, PluginSource, describe_plugin};
use crate::resolve::{Absorbed, PluginStatus, PluginTree, TreePlugin, check_plugin, providers_of};

/// Fuses every edge of `tree` that may be fused, providers first, so that a
/// chain of plain edges becomes one component; fused providers leave the
/// load order.
pub(crate) fn fuse_edges(tree: &mut PluginTree) {
    let mut tried: HashSet<(usize, String)> = HashSet::new();
    for c in tree.load_order.clone() {
        while let Some((import, p)) = fusable(tree, c, &tried) {
            tried.insert((c, import.clone()));
            if let Err(reason) = fuse(tree, c, &import, p) {
                tracing::debug!(consumer = %tree.plugins[c].id, socket = %import, %reason, "edge kept dynamic");
            }
        }
    }
    let plugins = &tree.plugins;
    tree.load_order.retain(|&i| plugins[i].fused_into.is_none());
}

/// A plain socket of consumer `c` that may be fused (not tried yet): its
/// import name and its one provider.
fn fusable(
    tree: &PluginTree,
    c: usize,
    tried: &HashSet<(usize, String)>,
) -> Option<(String, usize)> {
    let consumer = &tree.plugins[c];
    if consumer.host.is_some() || consumer.status != PluginStatus::Ready {
        return None;
    }
    consumer.sockets.iter().find_map(|socket| {
        if !socket.plain
            || consumer.dynamic.contains(&socket.interface)
            || tried.contains(&(c, socket.import.clone()))
            || tree.catalog.get(&socket.interface).is_none_or(|i| !i.resources.is_empty())
        {
            return None;
        }
        let &[p] = socket.providers.as_slice() else { return None };
        let provider = &tree.plugins[p];
        let users = tree
            .plugins
            .iter()
            .filter(|q| q.status == PluginStatus::Ready && q.fused_into.is_none())
            .flat_map(|q| &q.sockets)
            .filter(|s| s.providers.contains(&p))
            .count();
        let fits = provider.status == PluginStatus::Ready
            && provider.host.is_none()
            && provider.component.is_some()
            && provider.fused_into.is_none()
            && !tree.root_providers.contains(&p)
            && users == 1
            && provider.wasi.is_empty()
            && provider.plug_names.functions.is_empty()
            && provider.limits == consumer.limits
            && provider.restart == consumer.restart
            && provider.pool == consumer.pool;
        fits.then(|| (socket.import.clone(), p))
    })
}

/// Composes provider `p` into consumer `c` through `c`'s import `import`,
/// and describes and checks the composition as `c`'s component.
fn fuse(tree: &mut PluginTree, c: usize, import: &str, p: usize) -> Result<(), String> {
    let provider = &tree.plugins[p];
    let export = provider.plug_names.interface(provider.plug.as_deref().unwrap_or_default());
    let mut absorbed = tree.plugins[c].absorbed.clone();
    absorbed.push(Absorbed { plugin: p, import: import.to_string(), export: export.to_string() });
    let unfused = own_component(&tree.plugins[c]).ok_or("the consumer has no component")?;
    let bytes = compose_all(&tree.plugins, &unfused, &absorbed, None)?;
    // The provider's sockets are the group's now, and so is what the host
    // said about them: an edge it kept dynamic stays dynamic.
    let kept = tree.plugins[p].dynamic.clone();
    tree.plugins[c].dynamic.extend(kept);
    let fresh = checked(&tree.catalog, &tree.plugins, c, bytes)?;
    tree.plugins[c] = TreePlugin { unfused: Some(unfused), absorbed, ..fresh };
    tree.plugins[p].fused_into = Some(c);
    Ok(())
}

/// Plugin `c`'s composed component described and checked as `c`, its
/// sockets (now its own and its absorbed providers') given their providers.
pub(crate) fn checked(
    catalog: &Catalog,
    plugins: &[TreePlugin],
    c: usize,
    bytes: Vec<u8>,
) -> Result<TreePlugin, String> {
    let old = &plugins[c];
    let described =
        describe_plugin(old.id.clone(), &PluginSource::Bytes(bytes)).map_err(|e| e.to_string())?;
    let mut errors = Vec::new();
    let mut fresh = check_plugin(catalog, described, old.allowed(), &mut errors);
    if let Some(e) = errors.first() {
        return Err(format!("the composed component does not check: {e}"));
    }
    for socket in &mut fresh.sockets {
        socket.providers = providers_of(plugins, &socket.interface);
    }
    fresh.fused_into = old.fused_into;
    Ok(fresh)
}

/// The head of the fused group plugin `i` belongs to (itself if unfused).
pub(crate) fn head_of(plugins: &[TreePlugin], mut i: usize) -> usize {
    // `fused_into` always points to a later consumer, so this ends.
    while let Some(next) = plugins[i].fused_into {
        i = next;
    }
    i
}

/// A plugin's own component, before any fusion.
fn own_component(plugin: &TreePlugin) -> Option<Arc<[u8]>> {
    plugin.unfused.clone().or_else(|| plugin.component.clone())
}

/// The component of the group headed by plugin `head`, rebuilt from its
/// members' own components, with `replaced` (a member and its new own
/// component) in place of that member's.
pub(crate) fn group_component(
    plugins: &[TreePlugin],
    head: usize,
    replaced: Option<(usize, &Arc<[u8]>)>,
) -> Result<Vec<u8>, String> {
    let own = match replaced {
        Some((i, bytes)) if i == head => bytes.clone(),
        _ => own_component(&plugins[head]).ok_or("the plugin has no component")?,
    };
    compose_all(plugins, &own, &plugins[head].absorbed, replaced)
}

/// `own` with each of `absorbed` (each rebuilt as its own group first)
/// composed in.
fn compose_all(
    plugins: &[TreePlugin],
    own: &[u8],
    absorbed: &[Absorbed],
    replaced: Option<(usize, &Arc<[u8]>)>,
) -> Result<Vec<u8>, String> {
    let mut bytes = own.to_vec();
    for a in absorbed {
        let provider = group_component(plugins, a.plugin, replaced)?;
        bytes = compose(&bytes, &a.import, &provider, &a.export)
            .map_err(|e| format!("composing `{}` in: {e}", plugins[a.plugin].id))?;
    }
    Ok(bytes)
}

/// `consumer` with its import `import` satisfied by `provider`'s export
/// `export`: one component exporting what `consumer` exports and importing
/// what both still import.
fn compose(
    consumer: &[u8],
    import: &str,
    provider: &[u8],
    export: &str,
) -> Result<Vec<u8>, String> {
    // wasm-compose's errors are anyhow's; `{:#}` keeps their causes.
    fn why(e: impl std::fmt::Display) -> String {
        format!("{e:#}")
    }
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let mut graph = CompositionGraph::new();
    let provider = Component::from_bytes(&mut validator, "provider", provider).map_err(why)?;
    let provider = graph.add_component(provider).map_err(why)?;
    let consumer = Component::from_bytes(&mut validator, "consumer", consumer).map_err(why)?;
    let consumer = graph.add_component(consumer).map_err(why)?;
    let export = graph
        .get_component(provider)
        .and_then(|c| c.export_by_name(export))
        .ok_or_else(|| format!("the provider does not export `{export}`"))?
        .0;
    let import = graph
        .get_component(consumer)
        .and_then(|c| c.import_by_name(import))
        .ok_or_else(|| format!("the consumer does not import `{import}`"))?
        .0;
    let from = graph.instantiate(provider).map_err(why)?;
    let to = graph.instantiate(consumer).map_err(why)?;
    graph.connect(from, Some(export), to, import).map_err(why)?;
    graph
        .encode(EncodeOptions { define_components: true, export: Some(to), validate: true })
        .map_err(why)
}
