//! `plugtree watch`: load the tree, then reload each plugin whose file
//! changes (notify), printing what happened and, with `--call`, the answers
//! of a call after each reload.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use plugtree::{Manifest, PluginId};

use super::{Problem, Status};

/// How long to wait for a burst of file events (an editor's or a build's
/// write, rename and chmod) to settle before reloading.
const SETTLE: Duration = Duration::from_millis(200);

/// A watched plugin file: its folder (canonical) and file name.
struct Watched {
    id: PluginId,
    path: PathBuf,
    key: (PathBuf, std::ffi::OsString),
}

/// The key events are compared by: the canonical folder and the file name,
/// so that a file replaced by a rename still matches.
fn key_of(path: &Path) -> Option<(PathBuf, std::ffi::OsString)> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some((folder.canonicalize().ok()?, path.file_name()?.to_os_string()))
}

/// Runs `plugtree watch` until interrupted.
pub fn run(manifest: &Path, call: Option<&str>) -> Status {
    let described = match Manifest::from_path(manifest) {
        Ok(m) => m,
        Err(e) => {
            Problem::new(None, &e).eprint("error");
            return Status::Failed;
        }
    };
    let loaded = match super::load(manifest) {
        Ok(loaded) => loaded,
        Err(problem) => {
            problem.eprint("error");
            return Status::Failed;
        }
    };
    for problem in &loaded.problems {
        eprintln!("warning: {}", super::indent(&problem.message, ""));
    }
    let tree = loaded.tree;
    let watched: Vec<Watched> = described
        .plugins
        .iter()
        .filter_map(|p| {
            Some(Watched { id: p.id.clone(), path: p.path.clone(), key: key_of(&p.path)? })
        })
        .collect();
    let (send, events) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(move |event| {
        // The receiver lives as long as the loop below; a send after it is gone is moot.
        let _ = send.send(event);
    }) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch files: {e}");
            return Status::Failed;
        }
    };
    let folders: BTreeSet<&PathBuf> = watched.iter().map(|w| &w.key.0).collect();
    for folder in &folders {
        if let Err(e) = watcher.watch(folder, RecursiveMode::NonRecursive) {
            eprintln!("error: cannot watch `{}`: {e}", folder.display());
            return Status::Failed;
        }
    }
    if let Some(call) = call {
        super::call::call_and_print(&tree, call, false, Vec::new());
    }
    println!(
        "watching {} plugin file(s) in {} folder(s); Ctrl-C stops",
        watched.len(),
        folders.len()
    );
    while let Ok(first) = events.recv() {
        let mut batch = vec![first];
        while let Ok(more) = events.recv_timeout(SETTLE) {
            batch.push(more);
        }
        let changed: BTreeSet<&PluginId> = batch
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .filter(|e| !e.kind.is_access() && !e.kind.is_remove())
            .flat_map(|e| e.paths.iter())
            .filter_map(|p| {
                let key = key_of(p)?;
                watched.iter().find(|w| w.key == key).map(|w| &w.id)
            })
            .collect();
        for id in changed {
            let Some(w) = watched.iter().find(|w| w.id == *id) else { continue };
            match tree.reload(id.as_str(), w.path.clone()) {
                Ok(done) => {
                    let reach = if done.consumers.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; calls from {} now reach it",
                            done.consumers
                                .iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    println!("reloaded `{id}` from {}{reach}", w.path.display());
                }
                Err(e) => println!(
                    "reload of `{id}` refused, the old version keeps running: {}",
                    super::indent(&e.to_string(), "")
                ),
            }
            if let Some(call) = call {
                super::call::call_and_print(&tree, call, false, Vec::new());
            }
        }
        for error in batch.iter().filter_map(|e| e.as_ref().err()) {
            eprintln!("warning: watching files: {error}");
        }
    }
    Status::Ok
}
