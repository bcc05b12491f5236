//! `plugtree watch`: load the tree, then reload each plugin whose file
//! changes (notify), printing what happened and, with `--call`, the answers
//! of a call after each reload. A plugin that did not load at start is
//! brought up by loading the whole tree again ([`revive`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use plugtree::resolve::PluginStatus;
use plugtree::{LoadedTree, Manifest, PluginId, ReloadError};

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
    let mut tree = loaded.tree;
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
                    println!("reloaded `{id}` from {}{reach}", shown(&w.path));
                }
                Err(ReloadError::NotLoaded { .. }) => revive(manifest, &mut tree, id, &w.path),
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

/// A path as printed: its control characters escaped.
fn shown(path: &Path) -> String {
    super::indent(&path.display().to_string(), "")
}

/// The plugins of `tree` that are loaded now.
fn loaded_ids(tree: &LoadedTree) -> BTreeSet<PluginId> {
    let described = tree.tree();
    described.plugins().filter(|p| p.status == PluginStatus::Ready).map(|p| p.id.clone()).collect()
}

/// Brings up plugin `id`, which did not load at start, from its changed file.
///
/// Such a plugin has no instance to replace, and its consumers were linked
/// (or left out) without it: bringing it up means linking them again, which
/// is what loading the tree does. So the manifest is loaded again, and the
/// new tree replaces the running one if `id` loads in it; every plugin then
/// starts afresh (the artifact cache keeps that to a link and an instantiate
/// for the unchanged ones). Otherwise the running tree stays.
fn revive(manifest: &Path, tree: &mut LoadedTree, id: &PluginId, path: &Path) {
    let loaded = match super::load(manifest) {
        Ok(loaded) => loaded,
        Err(problem) => {
            println!(
                "`{id}` did not load at start and the manifest cannot be loaded again; the running tree stays: {}",
                super::indent(&problem.one_line(), "")
            );
            return;
        }
    };
    let before = loaded_ids(tree);
    let after = loaded_ids(&loaded.tree);
    let unused =
        loaded.tree.tree().plugins().any(|p| p.id == id && p.status == PluginStatus::Unused);
    if unused {
        println!(
            "`{id}` loads now, but nothing on the way from the root uses it; the running tree stays"
        );
        return;
    }
    if !after.contains(id) {
        let why: Vec<String> = loaded
            .problems
            .into_iter()
            .filter(|p| p.plugin.as_deref() == Some(id.as_str()))
            .map(|p| super::indent(&p.one_line(), ""))
            .collect();
        println!("`{id}` still does not load; the running tree stays: {}", why.join("; "));
        return;
    }
    for problem in &loaded.problems {
        eprintln!("warning: {}", super::indent(&problem.message, ""));
    }
    let with: Vec<String> =
        after.difference(&before).filter(|p| *p != id).map(|p| format!("`{p}`")).collect();
    let with =
        if with.is_empty() { String::new() } else { format!(", and with it {}", with.join(", ")) };
    println!(
        "loaded `{id}` from {}{with}; it did not load at start, so the tree was loaded again and every plugin starts afresh",
        shown(path)
    );
    *tree = loaded.tree;
}
