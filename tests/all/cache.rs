//! The precompiled-artifact cache: a warm load deserializes instead of
//! compiling, a damaged or foreign entry is refused and rebuilt, and
//! identical components in one tree compile once.

use crate::guests;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use plugtree::load::{ArtifactCache, CacheStats, LoadOptions};
use plugtree::{Cardinality, Engine, LoadedTree, PluginTree, Socket, Val};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plugtree-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The three-deep chain, loaded through a cache in `dir`; returns what the cache did.
fn load_chain(engine: &Engine, dir: &Path) -> (LoadedTree, CacheStats) {
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("chain.wit"))
        .root("test:chain/top")
        .plugin("top", guests::guest("chain-top"))
        .plugin("mid", guests::guest("chain-mid"))
        .plugin("bottom", guests::guest("chain-bottom"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let options = LoadOptions::default().with_cache(ArtifactCache::new(dir));
    let (loaded, load_errors) = tree.load_with(engine, &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    let stats = options.cache().expect("cache").stats();
    (loaded, stats)
}

fn assert_chain_answers(loaded: &LoadedTree) {
    assert_eq!(
        loaded.dispatch("test:chain/top", "trace", &[Val::String("x".into())]),
        Ok(Socket::ExactlyOne("top".into(), Ok(Some(Val::String("x>top>mid>bottom".into())))))
    );
}

/// Every entry file under `dir`: regular files named `<64 hex>.cwasm` in its folders.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for engine_dir in std::fs::read_dir(dir).expect("cache dir") {
        let engine_dir = engine_dir.expect("entry").path();
        if !engine_dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(engine_dir).expect("engine dir") {
            let path = entry.expect("entry").path();
            let named = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.strip_suffix(".cwasm").is_some_and(|stem| stem.len() == 64));
            if named && std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn stats(hits: u64, misses: u64, rejected: u64, written: u64) -> CacheStats {
    CacheStats { hits, misses, rejected, written, evicted: 0 }
}

#[test]
fn a_warm_load_deserializes_every_plugin() {
    let dir = scratch("warm");
    let (cold, cold_stats) = load_chain(guests::engine(), &dir);
    assert_eq!(cold_stats, stats(0, 3, 0, 3));
    assert_chain_answers(&cold);
    assert_eq!(entries(&dir).len(), 3);

    let (warm, warm_stats) = load_chain(guests::engine(), &dir);
    assert_eq!(warm_stats, stats(3, 0, 0, 0));
    assert_chain_answers(&warm);
}

#[test]
fn a_damaged_entry_is_refused_and_rebuilt() {
    let dir = scratch("damaged");
    load_chain(guests::engine(), &dir);
    let files = entries(&dir);
    assert_eq!(files.len(), 3);
    // One flipped payload byte, one truncated entry, one that is not an entry at all.
    let mut flipped = std::fs::read(&files[0]).expect("read");
    let last = flipped.len() - 1;
    flipped[last] ^= 0x55;
    std::fs::write(&files[0], flipped).expect("write");
    let whole = std::fs::read(&files[1]).expect("read");
    std::fs::write(&files[1], &whole[..whole.len() / 2]).expect("write");
    std::fs::write(&files[2], b"\0asm not a cache entry").expect("write");

    let (rebuilt, rebuilt_stats) = load_chain(guests::engine(), &dir);
    assert_eq!(rebuilt_stats, stats(0, 0, 3, 3));
    assert_chain_answers(&rebuilt);
    // The rebuilt entries are whole again.
    let (_, again) = load_chain(guests::engine(), &dir);
    assert_eq!(again, stats(3, 0, 0, 0));
}

#[test]
fn a_planted_fifo_device_or_overlong_entry_is_refused_without_hanging() {
    let dir = scratch("planted");
    load_chain(guests::engine(), &dir);
    let files = entries(&dir);
    assert_eq!(files.len(), 3);
    // A FIFO (opening it would block), a link to an endless device, and a
    // whole entry with a megabyte more than its header says.
    std::fs::remove_file(&files[0]).expect("remove");
    let made = std::process::Command::new("mkfifo").arg(&files[0]).status().expect("mkfifo");
    assert!(made.success());
    std::fs::remove_file(&files[1]).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &files[1]).expect("symlink");
    let mut longer = std::fs::read(&files[2]).expect("read");
    longer.extend(std::iter::repeat_n(0u8, 1 << 20));
    std::fs::write(&files[2], longer).expect("write");

    let (send, done) = std::sync::mpsc::channel();
    let planted = dir.clone();
    std::thread::spawn(move || {
        let _ = send.send(load_chain(guests::engine(), &planted));
    });
    let (rebuilt, rebuilt_stats) =
        done.recv_timeout(std::time::Duration::from_secs(120)).expect("the load did not hang");
    assert_eq!(rebuilt_stats, stats(0, 0, 3, 3));
    assert_chain_answers(&rebuilt);
    // Each planted file was replaced by a whole entry.
    let (_, again) = load_chain(guests::engine(), &dir);
    assert_eq!(again, stats(3, 0, 0, 0));
}

#[test]
fn another_engines_entries_are_ignored() {
    let dir = scratch("foreign");
    load_chain(guests::engine(), &dir);
    let ours = entries(&dir);

    // Another configuration (no fuel) compiles different code: its own entries.
    let mut config = plugtree::engine_config();
    config.consume_fuel(false);
    let other = Engine::new(&config).expect("engine");
    let (loaded, other_stats) = load_chain(&other, &dir);
    assert_eq!(other_stats, stats(0, 3, 0, 3));
    assert_chain_answers(&loaded);
    let all = entries(&dir);
    assert_eq!(all.len(), 6);

    // Our entries moved to where the other engine looks are refused: the
    // header names the engine they were compiled for.
    let theirs: Vec<_> = all.iter().filter(|p| !ours.contains(p)).collect();
    for (mine, their) in ours.iter().zip(&theirs) {
        assert_eq!(
            mine.file_name(),
            their.file_name(),
            "one entry per component in each engine's folder"
        );
        std::fs::copy(mine, their).expect("copy");
    }
    let (loaded, moved_stats) = load_chain(&other, &dir);
    assert_eq!(moved_stats, stats(0, 0, 3, 3));
    assert_chain_answers(&loaded);
}

#[test]
fn identical_components_compile_once() {
    let dir = scratch("identical");
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("card.wit"))
        .cardinality("test:card/many", Cardinality::Any)
        .root("test:card/many")
        .plugin("first", guests::guest("many-en"))
        .plugin("second", guests::guest("many-en"))
        .plugin("third", guests::guest("many-fr"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let options = LoadOptions::default().with_cache(ArtifactCache::new(&dir));
    let (loaded, load_errors) = tree.load_with(guests::engine(), &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(options.cache().expect("cache").stats(), stats(0, 2, 0, 2));
    let answers =
        loaded.dispatch("test:card/many", "greet", &[Val::String("ana".into())]).expect("dispatch");
    let greeting = |s: &str| Ok(Some(Val::String(s.into())));
    assert_eq!(
        answers,
        Socket::Any(vec![
            ("first".into(), greeting("hello, ana")),
            ("second".into(), greeting("hello, ana")),
            ("third".into(), greeting("bonjour, ana")),
        ])
    );
}

#[test]
fn the_cache_is_usable_on_its_own() {
    let dir = scratch("direct");
    let cache = ArtifactCache::new(&dir);
    let bytes = std::fs::read(guests::guest("chain-bottom")).expect("read");
    cache.component(guests::engine(), &bytes).expect("compiles");
    cache.component(guests::engine(), &bytes).expect("deserializes");
    assert_eq!(cache.stats(), stats(1, 1, 0, 1));
    assert_eq!(cache.dir(), dir);
    assert!(cache.component(guests::engine(), b"not wasm").is_err());
}

/// A manifest of the three-deep chain in `dir`, which it creates; returns its path.
fn chain_manifest(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("scratch");
    let mut manifest =
        format!("root = \"test:chain/top\"\nwit = {:?}\n", guests::app_wit().join("chain.wit"));
    for name in ["chain-top", "chain-mid", "chain-bottom"] {
        manifest
            .push_str(&format!("[[plugins]]\nid = {name:?}\npath = {:?}\n", guests::guest(name)));
    }
    let manifest_path = dir.join("plugtree.toml");
    std::fs::write(&manifest_path, manifest).expect("manifest");
    manifest_path
}

#[test]
fn the_command_line_caches_in_the_user_cache_dir_unless_told_not_to() {
    let dir = scratch("cli");
    let manifest_path = chain_manifest(&dir);
    let check = |cache_home: &Path, extra: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"))
            .args(extra)
            .arg("check")
            .arg("-m")
            .arg(&manifest_path)
            .env("XDG_CACHE_HOME", cache_home)
            .output()
            .expect("the binary runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };

    let cached = dir.join("cache-home");
    check(&cached, &[]);
    assert_eq!(entries(&cached.join("plugtree")).len(), 3);

    let uncached = dir.join("no-cache-home");
    check(&uncached, &["--no-cache"]);
    assert!(!uncached.exists());
}

#[test]
fn without_an_absolute_xdg_cache_home_the_command_line_caches_in_home_dot_cache() {
    // `ArtifactCache::default_dir`: `$XDG_CACHE_HOME/plugtree` only for an
    // absolute `XDG_CACHE_HOME`, else `$HOME/.cache/plugtree`.
    let dir = scratch("cli-home");
    let manifest_path = chain_manifest(&dir);
    for (case, xdg) in [("unset", None), ("relative", Some("relative-cache"))] {
        let home = dir.join(format!("home-{case}"));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"));
        command.arg("check").arg("-m").arg(&manifest_path).env("HOME", &home).current_dir(&dir);
        match xdg {
            None => command.env_remove("XDG_CACHE_HOME"),
            Some(relative) => command.env("XDG_CACHE_HOME", relative),
        };
        let output = command.output().expect("the binary runs");
        assert!(output.status.success(), "{case}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(entries(&home.join(".cache/plugtree")).len(), 3, "{case}");
        assert!(!dir.join("relative-cache").exists(), "{case}: a relative XDG_CACHE_HOME was used");
    }
}

#[test]
fn reloads_compile_through_the_trees_cache() {
    let dir = scratch("reload");
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("card.wit"))
        .cardinality("test:card/many", Cardinality::Any)
        .root("test:card/many")
        .plugin("greeter", guests::guest("many-en"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let options = LoadOptions::default().with_cache(ArtifactCache::new(&dir));
    let (loaded, load_errors) = tree.load_with(guests::engine(), &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    let cache = options.cache().expect("cache");
    assert_eq!(cache.stats(), stats(0, 1, 0, 1));
    let greet =
        |tree: &LoadedTree| tree.dispatch("test:card/many", "greet", &[Val::String("ana".into())]);
    // A new component is compiled once and stored…
    loaded.reload("greeter", guests::guest("many-fr")).expect("reloads");
    assert_eq!(cache.stats(), stats(0, 2, 0, 2));
    assert_eq!(
        greet(&loaded),
        Ok(Socket::Any(vec![("greeter".into(), Ok(Some(Val::String("bonjour, ana".into()))))]))
    );
    // …and going back to the first one deserializes it.
    loaded.reload("greeter", guests::guest("many-en")).expect("reloads");
    assert_eq!(cache.stats(), stats(1, 2, 0, 2));
    assert_eq!(
        greet(&loaded),
        Ok(Socket::Any(vec![("greeter".into(), Ok(Some(Val::String("hello, ana".into()))))]))
    );
}

/// Components of distinct guests, compiled through `cache` one by one;
/// returns each one's entry file, in order.
fn fill(cache: &ArtifactCache, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|name| {
            let before = if cache.dir().exists() { entries(cache.dir()) } else { Vec::new() };
            let bytes = std::fs::read(guests::guest(name)).expect("read");
            cache.component(guests::engine(), &bytes).expect("compiles");
            let after = entries(cache.dir());
            let new: Vec<_> = after.into_iter().filter(|p| !before.contains(p)).collect();
            assert_eq!(new.len(), 1, "{name}: one new entry");
            new[0].clone()
        })
        .collect()
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).expect("entry").len()
}

/// Sets `path`'s modification time `secs` seconds into the past.
fn age(path: &Path, secs: u64) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    std::fs::File::options().write(true).open(path).expect("open").set_modified(past).expect("age");
}

#[test]
fn eviction_keeps_the_most_recently_used_entries_within_the_bound() {
    let dir = scratch("evict");
    let names = ["chain-top", "chain-mid", "chain-bottom", "many-en"];
    let sizes: Vec<u64> = {
        let sizing = scratch("evict-sizes");
        fill(&ArtifactCache::new(&sizing), &names).iter().map(|p| size(p)).collect()
    };
    let filled = fill(&ArtifactCache::new(&dir), &names[..3]);
    let (top, mid, bottom) = (&filled[0], &filled[1], &filled[2]);
    // Ages that order the entries without waiting: top oldest, then mid, then bottom.
    age(top, 300);
    age(mid, 200);
    age(bottom, 100);

    // Room for three of the four: top (used again below), bottom and many-en.
    let max = sizes[0] + sizes[2] + sizes[3];
    let cache = ArtifactCache::new(&dir).with_max_bytes(max);
    assert_eq!(cache.max_bytes(), max);
    let top_bytes = std::fs::read(guests::guest("chain-top")).expect("read");
    cache.component(guests::engine(), &top_bytes).expect("a hit");
    let added = fill(&cache, &names[3..]);
    assert_eq!(
        cache.stats(),
        CacheStats { hits: 1, misses: 1, rejected: 0, written: 1, evicted: 1 }
    );
    // mid, the least recently used, went; top was used after it.
    let mut kept = vec![top.clone(), bottom.clone(), added[0].clone()];
    kept.sort();
    assert_eq!(entries(&dir), kept);
    assert_eq!(entries(&dir).iter().map(|p| size(p)).sum::<u64>(), max);

    // A bound of one entry: each write leaves only itself.
    let cache = ArtifactCache::new(&dir).with_max_bytes(sizes[1]);
    let mid_again = fill(&cache, &names[1..2]);
    assert_eq!(
        cache.stats(),
        CacheStats { hits: 0, misses: 1, rejected: 0, written: 1, evicted: 3 }
    );
    assert_eq!(entries(&dir), mid_again);
}

#[test]
fn eviction_leaves_everything_but_its_own_entries_alone() {
    let dir = scratch("evict-foreign");
    let filled = fill(&ArtifactCache::new(&dir), &["chain-top"]);
    let engine_dir = filled[0].parent().expect("engine folder").to_path_buf();
    let named_like_an_entry = format!("{}.cwasm", "ab".repeat(32));
    // What the CLI keeps beside the entries, files in an engine folder that
    // are not entries, and a file named like an entry that is not one.
    let foreign: Vec<PathBuf> = vec![
        dir.join("builds/plugin-0123.wasm"),
        dir.join("toolchains/python/installed"),
        dir.join("notes.txt"),
        dir.join("0123456789abcdef01234567.cwasm"),
        engine_dir.join("readme.txt"),
        engine_dir.join("component.cwasm"),
        engine_dir.join(&named_like_an_entry),
        engine_dir.join(".0123456789abcdef.1.2.tmp.keep"),
    ];
    for (i, path) in foreign.iter().enumerate() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, vec![b'x'; 1000 + i]).expect("write");
        age(path, 3600);
    }
    // A FIFO and a link to an endless device named like entries: never opened.
    let fifo = engine_dir.join(format!("{}.cwasm", "cd".repeat(32)));
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let link = engine_dir.join(format!("{}.cwasm", "ef".repeat(32)));
    std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
    // Temporary files of a writer: a stale one is removed, a fresh one kept.
    let stale = engine_dir.join(".0123456789abcdef.4242.0.tmp");
    let fresh = engine_dir.join(".0123456789abcdef.4242.1.tmp");
    std::fs::write(&stale, b"half an entry").expect("write");
    std::fs::write(&fresh, b"half an entry").expect("write");
    age(&stale, 3600);

    // A one-byte bound: the write evicts every entry but its own.
    let cache = ArtifactCache::new(&dir).with_max_bytes(1);
    let written = fill(&cache, &["chain-bottom"]);
    assert_eq!(
        cache.stats(),
        CacheStats { hits: 0, misses: 1, rejected: 0, written: 1, evicted: 1 }
    );
    for (i, path) in foreign.iter().enumerate() {
        assert_eq!(std::fs::read(path).expect("still there"), vec![b'x'; 1000 + i], "{path:?}");
    }
    assert!(std::fs::symlink_metadata(&fifo).expect("fifo").file_type().is_fifo());
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(!stale.exists());
    assert_eq!(std::fs::read(&fresh).expect("fresh tmp"), b"half an entry");
    let mut left = written.clone();
    left.push(engine_dir.join(&named_like_an_entry));
    left.sort();
    assert_eq!(entries(&dir), left);
}

#[test]
fn a_load_reports_its_compile_progress_once_per_distinct_component() {
    use plugtree::load::CompileProgress;
    use std::sync::{Arc, Mutex};

    // Three plugins, two of them the same component: two compiles.
    let (tree, build_errors) = guests::card_app()
        .root("test:card/many")
        .plugin("en", guests::guest("many-en"))
        .plugin("fr", guests::guest("many-fr"))
        .plugin("en-again", guests::guest("many-en"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let seen: Arc<Mutex<Vec<CompileProgress>>> = Arc::default();
    let record = seen.clone();
    let options = LoadOptions::default()
        .with_progress(move |p| record.lock().unwrap_or_else(|e| e.into_inner()).push(p));
    let (loaded, load_errors) = tree.load_with(guests::engine(), &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(loaded.root_providers().count(), 3);
    // Told before the first compile, then once after each (the compiling
    // threads may report in either order).
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut done: Vec<usize> = seen.iter().map(|p| p.done).collect();
    done.sort_unstable();
    assert_eq!(done, [0, 1, 2]);
    assert!(seen.iter().all(|p| p.total == 2), "{seen:?}");
}
