//! Which cache to keep: plugtree's `ArtifactCache` or wasmtime's own `cache`
//! feature (`Config::cache`, zstd-compressed entries, a size limit and a
//! cleanup worker), on the same 100 distinct plugins (`benches/distinct`).
//!
//! Rows, each timed once in every round, the rounds interleaved, each row kept
//! at its best round (noise only adds time):
//! - no cache: every load compiles (the baseline);
//! - plugtree cold / warm: `LoadOptions::with_cache`, a fresh directory per
//!   round, then a second load from it;
//! - wasmtime cold / warm: an engine from `plugtree::engine_config()` plus
//!   `Config::cache` on a fresh directory per round and no `ArtifactCache`,
//!   then a second load on a new engine and `Cache` over the same directory
//!   (as the next process would). Engines are built before the clock starts.
//!
//! Also prints the bytes on disk per entry of both caches.
//!
//! `cargo bench -p plugtree-cache-bench [-- PLUGINS ROUNDS]` (default 100 plugins, 5 rounds).

#[path = "../../distinct/mod.rs"]
mod distinct;
#[path = "../../../tests/all/guests/mod.rs"]
mod guests;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use distinct::{answers, distinct_plugins, load};
use plugtree::load::{ArtifactCache, LoadOptions};
use wasmtime::{Cache, CacheConfig, Engine};

/// An engine of plugtree's configuration caching compiled code in `dir`.
fn wasmtime_cached_engine(dir: &Path) -> Engine {
    let mut cache = CacheConfig::new();
    cache.with_directory(dir);
    let mut config = plugtree::engine_config();
    config.cache(Some(Cache::new(cache).expect("wasmtime cache")));
    Engine::new(&config).expect("engine")
}

/// Files under `dir` (recursively): how many, their bytes, their allocated bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    files: u64,
    bytes: u64,
    allocated: u64,
}

fn usage(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Usage {
    let mut total = Usage::default();
    let Ok(read) = std::fs::read_dir(dir) else { return total };
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            let inner = usage(&path, keep);
            total.files += inner.files;
            total.bytes += inner.bytes;
            total.allocated += inner.allocated;
        } else if meta.is_file() && keep(&path) {
            total.files += 1;
            total.bytes += meta.len();
            total.allocated += meta.blocks() * 512;
        }
    }
    total
}

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only arguments read.
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = numbers.first().copied().unwrap_or(100);
    let rounds = numbers.get(1).copied().unwrap_or(5);
    let scratch = std::env::temp_dir().join(format!("plugtree-bench-cache-{}", std::process::id()));
    let plugins = distinct_plugins(&scratch.join("plugins"), n);
    let engine = plugtree::default_engine().expect("engine");

    let mut best: BTreeMap<&str, Duration> = BTreeMap::new();
    let mut time = |row: &'static str, work: &mut dyn FnMut() -> plugtree::LoadedTree| {
        let start = Instant::now();
        let tree = work();
        let took = start.elapsed();
        assert_eq!(answers(&tree), n, "{row}: every plugin answers");
        let kept = best.entry(row).or_insert(Duration::MAX);
        *kept = (*kept).min(took);
    };
    let (mut ours, mut theirs) = (Usage::default(), Usage::default());
    for round in 0..rounds {
        time("no cache", &mut || load(&engine, &plugins, &LoadOptions::default()));

        let dir = scratch.join(format!("plugtree-{round}"));
        let cached = || LoadOptions::default().with_cache(ArtifactCache::new(&dir));
        time("plugtree cold", &mut || load(&engine, &plugins, &cached()));
        time("plugtree warm", &mut || load(&engine, &plugins, &cached()));
        ours = usage(&dir, &|p| p.extension().is_some_and(|e| e == "cwasm"));

        let dir = scratch.join(format!("wasmtime-{round}"));
        let cold = wasmtime_cached_engine(&dir);
        time("wasmtime cold", &mut || load(&cold, &plugins, &LoadOptions::default()));
        drop(cold);
        let warm = wasmtime_cached_engine(&dir);
        time("wasmtime warm", &mut || load(&warm, &plugins, &LoadOptions::default()));
        drop(warm);
        // Its worker also writes a `.stats` file beside each entry and a
        // `.cleanup` marker (`.cleanup.wip-PID` while it cleans up).
        let bookkeeping = |p: &Path| {
            p.extension().is_some_and(|e| e == "stats")
                || p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".cleanup"))
        };
        theirs = usage(&dir, &|p| !bookkeeping(p));
        let stats = usage(&dir, &|p| p.extension().is_some_and(|e| e == "stats"));
        eprintln!(
            "round {round}: wasmtime's cache holds {} entries and {} stats files",
            theirs.files, stats.files
        );
    }

    let base = best["no cache"];
    println!("best of {rounds} interleaved rounds, {n} distinct plugins, one tree each\n");
    println!("| load of {n} plugins | best round | ÷ no cache |");
    println!("|---|---:|---:|");
    for row in ["no cache", "plugtree cold", "plugtree warm", "wasmtime cold", "wasmtime warm"] {
        let took = best[row];
        println!(
            "| {row} | {:.1} ms | {:.3} |",
            took.as_secs_f64() * 1e3,
            took.as_secs_f64() / base.as_secs_f64()
        );
    }
    println!(
        "\nwarm: plugtree ÷ wasmtime = {:.2}; cold: plugtree ÷ wasmtime = {:.2}\n",
        best["plugtree warm"].as_secs_f64() / best["wasmtime warm"].as_secs_f64(),
        best["plugtree cold"].as_secs_f64() / best["wasmtime cold"].as_secs_f64(),
    );
    println!("| disk per entry | entries | bytes each | allocated each |");
    println!("|---|---:|---:|---:|");
    for (name, u) in [("plugtree", ours), ("wasmtime (zstd)", theirs)] {
        let each = |b: u64| b.checked_div(u.files).unwrap_or(0);
        println!("| {name} | {} | {} | {} |", u.files, each(u.bytes), each(u.allocated));
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
