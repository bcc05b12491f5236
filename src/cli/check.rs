//! `plugtree check`: the tree as built and loaded, with every error under its plugin.

use std::collections::HashSet;
use std::path::Path;

use plugtree::resolve::{PluginStatus, PluginView};
use plugtree::{Cardinality, Grants, PluginKind, PluginTree, RestartPolicy};

use super::{Loaded, Problem, Status};

/// The JSON report of `plugtree check --json`.
#[derive(Debug, serde::Serialize)]
struct Report {
    /// `ok`, `partial` or `failed`.
    status: &'static str,
    /// The root socket; absent when the manifest or WIT is invalid.
    #[serde(skip_serializing_if = "Option::is_none")]
    root: Option<SocketReport>,
    /// Every plugin in declaration order.
    plugins: Vec<PluginReport>,
    /// Errors that belong to no single plugin (the root socket, cycles, the manifest).
    errors: Vec<Problem>,
}

#[derive(Debug, serde::Serialize)]
struct SocketReport {
    interface: String,
    cardinality: Cardinality,
    /// Whether its fan-outs call the providers at once.
    parallel: bool,
    providers: Vec<String>,
}

#[derive(Debug, serde::Serialize)]
struct PluginReport {
    id: String,
    kind: PluginKind,
    plug: Option<String>,
    /// The name its component exports the plug by, if not the app's
    /// (a compatible version or a remap).
    plug_export: Option<String>,
    /// The plugin whose component it was fused into at load, if any.
    fused_into: Option<String>,
    status: PluginStatus,
    sockets: Vec<SocketReport>,
    /// What it can touch: its grants for the WASI interfaces it imports.
    capabilities: CapabilitiesReport,
    /// Its WASI imports, with versions.
    wasi: Vec<String>,
    /// Its restart policy; `null`: failed for good until reloaded.
    restart: Option<RestartReport>,
    /// Declared stateless: up to this many warm instances; `null`: one.
    pool: Option<u32>,
    /// Bytes of linear memory its instance has (`None`: not loaded, or a host plug).
    linear_memory: Option<usize>,
    errors: Vec<Problem>,
}

/// A restart policy: `max` restarts `within` (a duration like `60s`, or `unlimited`).
#[derive(Debug, serde::Serialize)]
struct RestartReport {
    max: u32,
    within: String,
}

impl RestartReport {
    fn new(policy: RestartPolicy) -> Self {
        let within = if policy.within == std::time::Duration::MAX {
            "unlimited".to_string()
        } else {
            format!("{:?}", policy.within)
        };
        RestartReport { max: policy.max, within }
    }
}

/// A plugin's effective grants; environment values are left out (they may be secrets).
#[derive(Debug, serde::Serialize)]
struct CapabilitiesReport {
    dirs: Vec<DirReport>,
    env: Vec<String>,
    args: Vec<String>,
    stdout: bool,
    stderr: bool,
    network: Vec<String>,
    name_lookup: bool,
    http: Vec<String>,
    strict: bool,
}

#[derive(Debug, serde::Serialize)]
struct DirReport {
    host: String,
    guest: String,
    mode: plugtree::describe::DirMode,
}

impl CapabilitiesReport {
    fn new(g: &Grants) -> Self {
        CapabilitiesReport {
            dirs: g
                .dirs
                .iter()
                .map(|d| DirReport {
                    host: d.host.display().to_string(),
                    guest: d.guest.clone(),
                    mode: d.mode,
                })
                .collect(),
            env: g.env.keys().cloned().collect(),
            args: g.args.clone(),
            stdout: g.stdout,
            stderr: g.stderr,
            network: g.network.iter().map(ToString::to_string).collect(),
            name_lookup: g.name_lookup,
            http: g.http.iter().map(ToString::to_string).collect(),
            strict: g.strict,
        }
    }
}

/// One line: `nothing`, or each capability (`dirs /data = host (ro); env K; stdout`), then `(strict)`.
fn capabilities_text(plugin: &PluginView<'_>) -> String {
    let g = plugin.capabilities();
    let mut parts: Vec<String> = g
        .dirs
        .iter()
        .map(|d| format!("dir {} = {} ({})", d.guest, d.host.display(), d.mode))
        .collect();
    if !g.env.is_empty() {
        parts.push(format!("env {}", g.env.keys().cloned().collect::<Vec<_>>().join(" ")));
    }
    if !g.args.is_empty() {
        parts.push(format!("args {}", g.args.join(" ")));
    }
    parts.extend(g.stdout.then(|| "stdout".to_string()));
    parts.extend(g.stderr.then(|| "stderr".to_string()));
    parts.extend(g.network.iter().map(|a| format!("network {a}")));
    parts.extend(g.name_lookup.then(|| "name-lookup".to_string()));
    parts.extend(g.http.iter().map(|t| format!("http {t}")));
    let text = if parts.is_empty() { "nothing".to_string() } else { parts.join("; ") };
    if g.strict { format!("{text} (strict)") } else { text }
}

/// Runs `plugtree check`.
pub fn run(manifest: &Path, json: bool) -> Status {
    let loaded = match super::load(manifest) {
        Ok(loaded) => loaded,
        Err(problem) => {
            if json {
                super::print_json(&Report {
                    status: "failed",
                    root: None,
                    plugins: Vec::new(),
                    errors: vec![problem],
                });
            } else {
                problem.eprint("error");
            }
            return Status::Failed;
        }
    };
    let status = status_of(&loaded);
    if json {
        super::print_json(&report(&loaded, status));
    } else {
        print_text(&loaded);
    }
    status
}

fn status_of(loaded: &Loaded) -> Status {
    if loaded.problems.is_empty() {
        Status::Ok
    } else if loaded.tree.root_unsatisfied().is_none()
        && loaded.tree.root_providers().next().is_some()
    {
        Status::Partial
    } else {
        Status::Failed
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Partial => "partial",
        Status::Failed => "failed",
    }
}

fn cardinality(tree: &PluginTree, interface: &str) -> Cardinality {
    tree.catalog().get(interface).map(|i| i.cardinality).unwrap_or_default()
}

fn parallel(tree: &PluginTree, interface: &str) -> bool {
    tree.catalog().get(interface).is_some_and(|i| i.parallel)
}

/// How a socket of `interface` is shown: its cardinality, and `parallel` if it is.
fn shape(tree: &PluginTree, interface: &str) -> String {
    let cardinality = cardinality(tree, interface);
    if parallel(tree, interface) {
        format!("{cardinality}, parallel")
    } else {
        cardinality.to_string()
    }
}

fn socket(tree: &PluginTree, interface: &str) -> SocketReport {
    SocketReport {
        interface: interface.to_string(),
        cardinality: cardinality(tree, interface),
        parallel: parallel(tree, interface),
        providers: tree.providers(interface).map(|p| p.id.to_string()).collect(),
    }
}

fn report(loaded: &Loaded, status: Status) -> Report {
    let tree = &loaded.tree.tree();
    let ids: HashSet<String> = tree.plugins().map(|p| p.id.to_string()).collect();
    let plugins = tree
        .plugins()
        .map(|p| PluginReport {
            id: p.id.to_string(),
            kind: p.kind,
            plug: p.plug.map(String::from),
            plug_export: p.plug_export.map(String::from),
            fused_into: p.fused_into.map(ToString::to_string),
            status: p.status,
            sockets: p.sockets().map(|s| socket(tree, s)).collect(),
            capabilities: CapabilitiesReport::new(&p.capabilities()),
            wasi: p.wasi_imports().map(String::from).collect(),
            restart: p.restart.map(RestartReport::new),
            pool: p.pool,
            linear_memory: loaded.tree.linear_memory(p.id.as_str()),
            errors: loaded
                .problems
                .iter()
                .filter(|e| e.plugin.as_deref() == Some(p.id.as_str()))
                .cloned()
                .collect(),
        })
        .collect();
    let errors = loaded
        .problems
        .iter()
        .filter(|e| !e.plugin.as_ref().is_some_and(|p| ids.contains(p)))
        .cloned()
        .collect();
    Report { status: status_word(status), root: Some(socket(tree, tree.root())), plugins, errors }
}

/// Prints the tree from the root, then the plugins outside it, then the other errors.
fn print_text(loaded: &Loaded) {
    let tree = &loaded.tree.tree();
    let mut printer = TextTree {
        tree,
        loaded: &loaded.tree,
        problems: &loaded.problems,
        shown: HashSet::new(),
        path: Vec::new(),
    };
    println!("root {} ({})", tree.root(), shape(tree, tree.root()));
    printer.providers(tree.root(), 1);
    let outside: Vec<_> =
        tree.plugins().filter(|p| !printer.shown.contains(p.id.as_str())).collect();
    if !outside.is_empty() {
        println!("not in the tree:");
        for p in outside {
            printer.plugin(p.id.as_str(), 1);
        }
    }
    let ids: HashSet<&str> = tree.plugins().map(|p| p.id.as_str()).collect();
    let other: Vec<_> = loaded
        .problems
        .iter()
        .filter(|e| !e.plugin.as_deref().is_some_and(|p| ids.contains(p)))
        .collect();
    if !other.is_empty() {
        println!("errors:");
        for problem in other {
            print_problem(problem, 1);
        }
    }
    let (ready, failed) = tree.plugins().fold((0, 0), |(r, f), p| match p.status {
        PluginStatus::Ready => (r + 1, f),
        PluginStatus::Failed => (r, f + 1),
        PluginStatus::Unused => (r, f),
    });
    println!("{ready} loaded, {failed} failed, {} unused", tree.plugins().count() - ready - failed);
}

fn print_problem(problem: &Problem, depth: usize) {
    let indent = "  ".repeat(depth);
    println!("{indent}error: {}", super::indent(&problem.message, &indent));
    for cause in &problem.causes {
        println!("{indent}  caused by: {}", super::indent(cause, &indent));
    }
}

struct TextTree<'a> {
    tree: &'a PluginTree,
    loaded: &'a plugtree::LoadedTree,
    problems: &'a [Problem],
    /// Plugins already printed with their sockets and errors.
    shown: HashSet<String>,
    /// The plugins from the root to here, so that a cycle is printed once.
    path: Vec<String>,
}

impl TextTree<'_> {
    fn providers(&mut self, interface: &str, depth: usize) {
        let ids: Vec<String> = self.tree.providers(interface).map(|p| p.id.to_string()).collect();
        if ids.is_empty() {
            println!("{}(no plugin)", "  ".repeat(depth));
        }
        for id in ids {
            self.plugin(&id, depth);
        }
    }

    fn plugin(&mut self, id: &str, depth: usize) {
        let Some(plugin) = self.tree.plugins().find(|p| p.id.as_str() == id) else { return };
        let indent = "  ".repeat(depth);
        let status = serde_json::to_value(plugin.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        // A plugin shared by several consumers is printed in full once.
        if !self.shown.insert(id.to_string()) || self.path.iter().any(|p| p == id) {
            println!("{indent}{id} ({status}, see above)");
            return;
        }
        let kind = if plugin.kind == PluginKind::Host { ", host plug" } else { "" };
        let fused = plugin.fused_into.map_or_else(String::new, |c| format!(", fused into `{c}`"));
        println!("{indent}{id} ({status}{kind}{fused})");
        if let Some(export) = plugin.plug_export {
            println!("{indent}  plugs in as exported `{}`", super::safe(export));
        }
        println!("{indent}  capabilities: {}", capabilities_text(&plugin));
        if let Some(policy) = plugin.restart {
            println!("{indent}  restart: {policy}");
        }
        if let Some(pool) = plugin.pool {
            let each = self.loaded.linear_memory(id).map_or_else(String::new, |bytes| {
                format!(", {} of linear memory each", super::size(bytes))
            });
            println!("{indent}  pool: stateless, up to {pool} warm instances{each}");
        }
        for problem in self.problems.iter().filter(|e| e.plugin.as_deref() == Some(id)) {
            print_problem(problem, depth + 1);
        }
        self.path.push(id.to_string());
        // Providers fused into this plugin's component: their edges are static.
        let fused: Vec<(String, String)> = self
            .tree
            .plugins()
            .filter(|p| p.fused_into.is_some_and(|c| c.as_str() == id))
            .map(|p| (p.plug.unwrap_or_default().to_string(), p.id.to_string()))
            .collect();
        for interface in plugin.sockets().collect::<Vec<_>>() {
            if fused.iter().any(|(plug, _)| plug == interface) {
                continue;
            }
            println!("{indent}  socket {interface} ({})", shape(self.tree, interface));
            self.providers(interface, depth + 2);
        }
        for (interface, member) in fused {
            println!(
                "{indent}  socket {interface} ({}, fused)",
                cardinality(self.tree, &interface)
            );
            self.plugin(&member, depth + 2);
        }
        self.path.pop();
    }
}
