//! `plugtree graph`: the loaded tree in Graphviz DOT or Mermaid.

use std::path::Path;

use super::Status;

/// A drawing language.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Runs `plugtree graph`: draws the tree as loaded, failed plugins included.
pub fn run(manifest: &Path, format: Format) -> Status {
    let loaded = match super::load(manifest) {
        Ok(loaded) => loaded,
        Err(problem) => {
            problem.eprint("error");
            return Status::Failed;
        }
    };
    let tree = &loaded.tree.tree();
    match format {
        Format::Dot => print!("{}", tree.to_dot()),
        Format::Mermaid => print!("{}", tree.to_mermaid()),
    }
    Status::Ok
}
