//! Pictures of a tree: Graphviz DOT (through petgraph's `Dot`) and Mermaid.
//!
//! Both draw the same graph: interface nodes (with their cardinality; the root
//! doubly outlined), plugin nodes (failed ones dashed and red, unused ones
//! grey), an edge from each interface to every plugin that plugs into it and
//! from each plugin to every interface it imports as a socket, drawn bold and
//! labelled `fused` where a loaded tree composed the edge statically.

use std::collections::HashMap;
use std::fmt::Write as _;

use petgraph::dot::{Config, Dot};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{PluginStatus, PluginTree};
use crate::describe::Cardinality;

/// A node of the picture.
#[derive(Debug)]
enum Node {
    Interface { name: String, cardinality: Cardinality, root: bool },
    Plugin { id: String, status: PluginStatus, host: bool },
}

impl Node {
    fn label(&self) -> String {
        match self {
            Node::Interface { name, cardinality, .. } => format!("{name}\n({cardinality})"),
            Node::Plugin { id, status, host } => {
                let mut notes = Vec::new();
                if *host {
                    notes.push("host");
                }
                match status {
                    PluginStatus::Ready => {}
                    PluginStatus::Failed => notes.push("failed"),
                    PluginStatus::Unused => notes.push("unused"),
                }
                if notes.is_empty() { id.clone() } else { format!("{id}\n({})", notes.join(", ")) }
            }
        }
    }
}

/// An edge of the picture: a dynamic one, or one fused at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Dynamic,
    Fused,
}

/// The interfaces and plugins of `tree` as a petgraph graph, in a stable order:
/// the root first, then every plugin in declaration order with its sockets.
fn picture(tree: &PluginTree) -> DiGraph<Node, Edge> {
    let mut graph = DiGraph::new();
    let mut interfaces: HashMap<String, NodeIndex> = HashMap::new();
    let cardinality =
        |name: &str| tree.catalog.get(name).map(|i| i.cardinality).unwrap_or_default();
    let mut interface = |graph: &mut DiGraph<Node, Edge>, name: &str| {
        *interfaces.entry(name.to_string()).or_insert_with(|| {
            graph.add_node(Node::Interface {
                name: name.to_string(),
                cardinality: cardinality(name),
                root: name == tree.root,
            })
        })
    };
    interface(&mut graph, &tree.root);
    let plugins: Vec<NodeIndex> = tree
        .plugins
        .iter()
        .map(|p| {
            graph.add_node(Node::Plugin {
                id: p.id.to_string(),
                status: p.status,
                host: p.host.is_some(),
            })
        })
        .collect();
    for (p, &node) in tree.plugins.iter().zip(&plugins) {
        if let Some(plug) = &p.plug {
            let plug = interface(&mut graph, plug);
            graph.add_edge(plug, node, Edge::Dynamic);
        }
        for socket in &p.sockets {
            let socket = interface(&mut graph, &socket.interface);
            graph.add_edge(node, socket, Edge::Dynamic);
        }
    }
    // A fused provider's consumer no longer imports its plug: draw the edge.
    for p in &tree.plugins {
        if let (Some(consumer), Some(plug)) = (p.fused_into, &p.plug) {
            let socket = interface(&mut graph, plug);
            graph.add_edge(plugins[consumer], socket, Edge::Fused);
        }
    }
    graph
}

/// DOT attributes of a node: its label and its style.
fn dot_attributes(node: &Node) -> String {
    let label = format!("label = {:?}", node.label());
    match node {
        Node::Interface { root: true, .. } => format!("{label}, shape = doubleoctagon"),
        Node::Interface { .. } => format!("{label}, shape = ellipse"),
        Node::Plugin { status: PluginStatus::Ready, host: true, .. } => {
            format!("{label}, shape = box, style = rounded")
        }
        Node::Plugin { status: PluginStatus::Ready, .. } => format!("{label}, shape = box"),
        Node::Plugin { status: PluginStatus::Failed, .. } => {
            format!("{label}, shape = box, style = dashed, color = red, fontcolor = red")
        }
        Node::Plugin { status: PluginStatus::Unused, .. } => {
            format!("{label}, shape = box, color = grey, fontcolor = grey")
        }
    }
}

impl PluginTree {
    /// The tree as a Graphviz DOT digraph: interfaces as ellipses (the root as
    /// a double octagon) labelled with their cardinality, plugins as boxes,
    /// failed plugins dashed and red, unused plugins grey.
    ///
    /// ```no_run
    /// let (tree, _errors) = plugtree::PluginTree::from_manifest("plugtree.toml")?;
    /// std::fs::write("tree.dot", tree.to_dot())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let graph = picture(self);
        let nodes = |_, (_, node): (NodeIndex, &Node)| dot_attributes(node);
        let edges = |_, edge: petgraph::graph::EdgeReference<'_, Edge>| match edge.weight() {
            Edge::Dynamic => String::new(),
            Edge::Fused => "label = \"fused\", style = bold".to_string(),
        };
        let dot = Dot::with_attr_getters(
            &graph,
            &[Config::NodeNoLabel, Config::EdgeNoLabel],
            &edges,
            &nodes,
        );
        format!("{dot:?}")
    }

    /// The tree as a Mermaid flowchart, drawn like [`PluginTree::to_dot`]:
    /// failed plugins in the `failed` class (red, dashed), unused ones in `unused`.
    pub fn to_mermaid(&self) -> String {
        let graph = picture(self);
        let mut out = String::from("flowchart TD\n");
        for node in graph.node_indices() {
            let label = graph[node].label().replace('\n', "<br/>").replace('"', "#quot;");
            // Writing to a String cannot fail.
            let _ = match &graph[node] {
                Node::Interface { root: true, .. } => {
                    writeln!(out, "    n{}{{{{\"{label}\"}}}}", node.index())
                }
                Node::Interface { .. } => writeln!(out, "    n{}([\"{label}\"])", node.index()),
                Node::Plugin { .. } => writeln!(out, "    n{}[\"{label}\"]", node.index()),
            };
        }
        for edge in graph.edge_references() {
            let arrow = match edge.weight() {
                Edge::Dynamic => "-->",
                Edge::Fused => "== fused ==>",
            };
            let (from, to) = (edge.source().index(), edge.target().index());
            let _ = writeln!(out, "    n{from} {arrow} n{to}");
        }
        out.push_str("    classDef failed stroke:#d00,color:#d00,stroke-dasharray:5 5\n");
        out.push_str("    classDef unused stroke:#999,color:#999\n");
        for node in graph.node_indices() {
            let class = match graph[node] {
                Node::Plugin { status: PluginStatus::Failed, .. } => "failed",
                Node::Plugin { status: PluginStatus::Unused, .. } => "unused",
                _ => continue,
            };
            let _ = writeln!(out, "    class n{} {class}", node.index());
        }
        out
    }
}
