//! The dependency graph, on petgraph: interfaces and plugins as nodes,
//! `plugin → socket interface → provider` as edges. Nothing here is public.

use std::collections::{BTreeMap, HashMap};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

use super::{BuildError, MAX_DEPTH, PluginStatus, TreePlugin, check_socket};
use crate::describe::Catalog;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Interface(String),
    Plugin(usize),
}

struct Graph {
    graph: DiGraph<Node, ()>,
    plugin_nodes: BTreeMap<usize, NodeIndex>,
}

impl Graph {
    /// Builds the graph of the plugins that are still ready.
    fn of_ready(plugins: &[TreePlugin]) -> Self {
        let mut graph = DiGraph::new();
        let mut interfaces: HashMap<&str, NodeIndex> = HashMap::new();
        let plugin_nodes: BTreeMap<usize, NodeIndex> = plugins
            .iter()
            .enumerate()
            .filter(|(_, p)| p.status == PluginStatus::Ready)
            .map(|(i, _)| (i, graph.add_node(Node::Plugin(i))))
            .collect();
        for (&i, &node) in &plugin_nodes {
            for socket in &plugins[i].sockets {
                let iface = *interfaces
                    .entry(socket.interface.as_str())
                    .or_insert_with(|| graph.add_node(Node::Interface(socket.interface.clone())));
                graph.add_edge(node, iface, ());
                for provider in socket.providers.iter().filter_map(|p| plugin_nodes.get(p)) {
                    graph.update_edge(iface, *provider, ());
                }
            }
        }
        Graph { graph, plugin_nodes }
    }

    fn name(&self, node: NodeIndex, plugins: &[TreePlugin]) -> String {
        match &self.graph[node] {
            Node::Interface(name) => name.clone(),
            Node::Plugin(i) => plugins[*i].id.to_string(),
        }
    }

    /// One cycle through `start` inside a strongly connected component, as names.
    fn cycle_path(
        &self,
        start: NodeIndex,
        scc: &[NodeIndex],
        plugins: &[TreePlugin],
    ) -> Vec<String> {
        let mut path = vec![start];
        let mut seen = vec![start];
        while let Some(&last) = path.last() {
            let next = self.graph.neighbors(last).filter(|n| scc.contains(n));
            if let Some(closing) = self.graph.neighbors(last).find(|n| *n == start) {
                path.push(closing);
                break;
            }
            match next.clone().find(|n| !seen.contains(n)) {
                Some(n) => {
                    seen.push(n);
                    path.push(n);
                }
                None => {
                    path.pop();
                }
            }
        }
        path.into_iter().map(|n| self.name(n, plugins)).collect()
    }
}

/// Cuts cycles, limits depth and checks cardinality bottom-up, marking every
/// plugin that cannot work as failed. Returns the plugins to load, providers first.
pub(super) fn settle(
    catalog: &Catalog,
    root: &str,
    plugins: &mut [TreePlugin],
    root_providers: &[usize],
    errors: &mut Vec<BuildError>,
) -> Vec<usize> {
    // Cycles: every plugin of a strongly connected component fails.
    let g = Graph::of_ready(plugins);
    for scc in tarjan_scc(&g.graph) {
        let members: Vec<usize> = scc
            .iter()
            .filter_map(|n| match g.graph[*n] {
                Node::Plugin(i) => Some(i),
                Node::Interface(_) => None,
            })
            .collect();
        if scc.len() < 2 || members.is_empty() {
            continue;
        }
        let start = g.plugin_nodes[&members[0]];
        let path = g.cycle_path(start, &scc, plugins);
        for &m in &members {
            plugins[m].status = PluginStatus::Failed;
        }
        errors.push(BuildError::Cycle {
            plugins: members.iter().map(|&m| plugins[m].id.clone()).collect(),
            path,
        });
    }

    // What is left is a DAG: consumers come before their providers.
    let g = Graph::of_ready(plugins);
    let order: Vec<usize> = match toposort(&g.graph, None) {
        Ok(nodes) => nodes
            .into_iter()
            .filter_map(|n| match g.graph[n] {
                Node::Plugin(i) => Some(i),
                Node::Interface(_) => None,
            })
            .collect(),
        // Unreachable after the cycle cut; fail safe by loading nothing.
        Err(_) => Vec::new(),
    };

    // Depth from the root, top-down.
    let mut depth = vec![0usize; plugins.len()];
    for &p in root_providers {
        depth[p] = 1;
    }
    for &p in &order {
        if depth[p] == 0 {
            continue;
        }
        if depth[p] > MAX_DEPTH {
            plugins[p].status = PluginStatus::Failed;
            errors.push(BuildError::TooDeep {
                plugin: plugins[p].id.clone(),
                depth: depth[p],
                limit: MAX_DEPTH,
            });
            continue;
        }
        for socket in &plugins[p].sockets {
            for &q in &socket.providers {
                depth[q] = depth[q].max(depth[p] + 1);
            }
        }
    }

    // Cardinality, bottom-up: a plugin fails when a socket lacks working providers.
    for &p in order.iter().rev() {
        if plugins[p].status != PluginStatus::Ready {
            continue;
        }
        let unsatisfied = plugins[p].sockets.iter().find_map(|socket| {
            let cardinality =
                catalog.get(&socket.interface).map(|i| i.cardinality).unwrap_or_default();
            check_socket(
                Some(&plugins[p].id),
                &socket.interface,
                cardinality,
                &socket.providers,
                |q| plugins[q].status == PluginStatus::Ready,
                |q| plugins[q].id.clone(),
            )
            .err()
        });
        if let Some(u) = unsatisfied {
            plugins[p].status = PluginStatus::Failed;
            errors.push(u.into());
        }
    }
    let root_cardinality = catalog.get(root).map(|i| i.cardinality).unwrap_or_default();
    if let Err(u) = check_socket(
        None,
        root,
        root_cardinality,
        root_providers,
        |q| plugins[q].status == PluginStatus::Ready,
        |q| plugins[q].id.clone(),
    ) {
        errors.push(u.into());
    }

    // Whatever the root does not reach is unused.
    let mut reached = vec![false; plugins.len()];
    let mut stack: Vec<usize> = root_providers
        .iter()
        .copied()
        .filter(|&p| plugins[p].status == PluginStatus::Ready)
        .collect();
    while let Some(p) = stack.pop() {
        if std::mem::replace(&mut reached[p], true) {
            continue;
        }
        for socket in &plugins[p].sockets {
            stack.extend(
                socket.providers.iter().filter(|&&q| plugins[q].status == PluginStatus::Ready),
            );
        }
    }
    for (p, plugin) in plugins.iter_mut().enumerate() {
        if plugin.status == PluginStatus::Ready && !reached[p] {
            plugin.status = PluginStatus::Unused;
        }
    }
    order
        .into_iter()
        .rev()
        .filter(|&p| reached[p] && plugins[p].status == PluginStatus::Ready)
        .collect()
}
