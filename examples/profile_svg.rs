//! Draws a guest profile (`plugtree call --profile FILE`, or
//! `LoadedTree::finish_profile`) as an icicle graph in SVG: one block per
//! thread (plugin), each row a depth of the call stack, root at the top,
//! each function as wide as its share of the thread's samples.
//!
//! `cargo run --example profile_svg -- PROFILE.json… OUT.svg` (the threads
//! of every profile given, one after another)
//!
//! It reads the Firefox processed profile's tables (`samples.stack`,
//! `stackTable`, `frameTable.func`, `funcTable.name`, `stringArray`), as
//! <https://profiler.firefox.com> does; that is where to look at a profile
//! properly. This is only a picture of one, for the README.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

const WIDTH: f64 = 960.0;
const ROW: f64 = 20.0;

/// A node of the stack tree: samples under it and its callees by name.
#[derive(Default)]
struct Node {
    samples: u64,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn depth(&self) -> usize {
        self.children.values().map(|c| c.depth() + 1).max().unwrap_or(0)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((output, inputs)) = args.split_last().filter(|(_, inputs)| !inputs.is_empty()) else {
        return Err("usage: profile_svg PROFILE.json… OUT.svg".into());
    };
    let mut trees: Vec<(String, Node)> = Vec::new();
    for input in inputs {
        let profile: Value = serde_json::from_slice(&std::fs::read(input)?)?;
        let threads = profile["threads"].as_array().ok_or("the profile has no threads")?;
        for t in threads {
            trees.push((t["name"].as_str().unwrap_or("?").to_string(), stack_tree(t)?));
        }
    }
    let mut svg = String::new();
    let height: f64 =
        trees.iter().map(|(_, tree)| (tree.depth() as f64 + 2.0) * ROW + 10.0).sum::<f64>();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="monospace" font-size="12">"#
    )?;
    writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#)?;
    let mut y = 0.0;
    for (name, tree) in &trees {
        writeln!(
            svg,
            r#"<text x="4" y="{:.1}" font-weight="bold">thread {} — {} samples</text>"#,
            y + 14.0,
            escape(name),
            tree.samples
        )?;
        y += ROW;
        draw(&mut svg, tree, 0.0, WIDTH, y, tree.samples.max(1))?;
        y += (tree.depth() as f64 + 1.0) * ROW + 10.0;
    }
    writeln!(svg, "</svg>")?;
    std::fs::write(output, svg)?;
    Ok(())
}

/// The thread's samples as a tree of function names, root first.
fn stack_tree(thread: &Value) -> Result<Node, String> {
    let column = |path: &str| -> Result<Vec<Option<u64>>, String> {
        let values = thread.pointer(path).and_then(Value::as_array).ok_or(format!("no {path}"))?;
        Ok(values.iter().map(Value::as_u64).collect())
    };
    let (prefix, frame) = (column("/stackTable/prefix")?, column("/stackTable/frame")?);
    let (func, name) = (column("/frameTable/func")?, column("/funcTable/name")?);
    let strings = thread["stringArray"].as_array().ok_or("no stringArray")?;
    let function = |stack: usize| -> Option<String> {
        let f = func.get(usize::try_from((*frame.get(stack)?)?).ok()?).copied()??;
        let n = name.get(usize::try_from(f).ok()?).copied()??;
        Some(strings.get(usize::try_from(n).ok()?)?.as_str()?.to_string())
    };
    let mut root = Node::default();
    for sample in column("/samples/stack")? {
        let mut names = Vec::new();
        let mut at = sample;
        // Bounded by the table's length: a malformed prefix cannot loop.
        while let Some(stack) = at.and_then(|s| usize::try_from(s).ok()) {
            if names.len() > prefix.len() {
                return Err("a stack's prefixes loop".into());
            }
            names.push(function(stack).unwrap_or_else(|| "?".into()));
            at = prefix.get(stack).copied().flatten();
        }
        let mut node = &mut root;
        node.samples += 1;
        for name in names.into_iter().rev() {
            node = node.children.entry(name).or_default();
            node.samples += 1;
        }
    }
    Ok(root)
}

/// Draws `node`'s callees in `[x, x + width)` at row `y` and below.
fn draw(svg: &mut String, node: &Node, x: f64, width: f64, y: f64, total: u64) -> std::fmt::Result {
    let mut at = x;
    for (name, child) in &node.children {
        let w = width * child.samples as f64 / node.samples.max(1) as f64;
        let share = 100.0 * child.samples as f64 / total as f64;
        // The plugin (before `: `) picks the hue, so each plugin has its colour.
        let plugin = name.split(": ").next().unwrap_or(name);
        let hue =
            plugin.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 360;
        writeln!(
            svg,
            r#"<g><title>{} ({} samples, {share:.1}%)</title><rect x="{at:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="hsl({hue},70%,70%)" stroke="white"/>"#,
            escape(name),
            child.samples,
            (w - 0.5).max(0.5),
            ROW - 1.0
        )?;
        // About 7 px per character at 12 px monospace.
        let fits = ((w - 6.0) / 7.2).floor().max(0.0) as usize;
        if fits >= 3 {
            let label: String = if name.chars().count() > fits {
                name.chars().take(fits.saturating_sub(1)).chain(Some('…')).collect()
            } else {
                name.clone()
            };
            writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                at + 3.0,
                y + 14.0,
                escape(&label)
            )?;
        }
        writeln!(svg, "</g>")?;
        draw(svg, child, at, w, y + ROW, total)?;
        at += w;
    }
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
