//! What loading costs: compile + link + instantiate trees of 1, 10, 100 and
//! 1,000 small plugins, cold (no cache) and warm (precompiled-artifact cache),
//! and the resident memory each loaded plugin adds; warm loads again on an
//! engine with the pooling allocator.
//!
//! Every plugin is a distinct component: `bench-level5` with a custom
//! section naming it, so neither the cache nor the dedup of identical
//! components makes a cold load cheaper than it is. Cold 1,000 is timed once
//! (about 1,000 compiles); everything else is a criterion group.

#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plugtree::load::{ArtifactCache, LoadOptions};
use plugtree::{Cardinality, Engine, LoadedTree, PluginTree, Socket, Val};

/// `n` distinct copies of `bench-level5`, written under `dir`.
fn distinct_plugins(dir: &Path, n: usize) -> Vec<PathBuf> {
    let base = std::fs::read(guests::guest("bench-level5")).expect("guest");
    std::fs::create_dir_all(dir).expect("dir");
    (0..n)
        .map(|i| {
            let path = dir.join(format!("p{i}.wasm"));
            if !path.exists() {
                std::fs::write(&path, with_custom_section(&base, &format!("plugtree-bench-{i}")))
                    .expect("write");
            }
            path
        })
        .collect()
}

/// `component` with a custom section `name` appended: another hash, the same code.
fn with_custom_section(component: &[u8], name: &str) -> Vec<u8> {
    let mut payload = leb128(name.len());
    payload.extend_from_slice(name.as_bytes());
    let mut out = component.to_vec();
    out.push(0); // custom section id
    out.extend(leb128(payload.len()));
    out.extend(payload);
    out
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn load(engine: &Engine, plugins: &[PathBuf], options: &LoadOptions) -> LoadedTree {
    let builder = plugins.iter().enumerate().fold(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root("test:bench/level5")
            .cardinality("test:bench/level5", Cardinality::Any),
        |b, (i, path)| b.plugin(format!("p{i}"), path.clone()),
    );
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load_with(engine, options);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

fn answers(tree: &LoadedTree) -> usize {
    match tree.dispatch("test:bench/level5", "add", &[Val::U32(1), Val::U32(2)]) {
        Ok(Socket::Any(answers)) => answers.len(),
        other => panic!("{other:?}"),
    }
}

/// Resident set size of this process, in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()).unwrap_or(0) * 4096
}

fn loading(c: &mut Criterion) {
    let engine = plugtree::default_engine().expect("engine");
    let scratch = std::env::temp_dir().join(format!("plugtree-bench-load-{}", std::process::id()));
    let all = distinct_plugins(&scratch.join("plugins"), 1000);
    let cache_dir = scratch.join("cache");

    let mut group = c.benchmark_group("load N distinct small plugins");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(3));
    for n in [1usize, 10, 100] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("cold", n), |b| {
            b.iter(|| load(&engine, &all[..n], &LoadOptions::default()))
        });
    }
    // Fill the cache once, then every warm load only deserializes.
    load(&engine, &all, &LoadOptions::default().with_cache(ArtifactCache::new(&cache_dir)));
    for n in [1usize, 10, 100, 1000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("cached", n), |b| {
            b.iter(|| {
                load(
                    &engine,
                    &all[..n],
                    &LoadOptions::default().with_cache(ArtifactCache::new(&cache_dir)),
                )
            })
        });
    }
    group.finish();

    // The same warm loads on an engine with the pooling allocator: slots
    // reserved once, instances taken from them.
    let pooled = Engine::new(&plugtree::pooling_engine_config(1000)).expect("pooled engine");
    load(&pooled, &all[..1], &LoadOptions::default().with_cache(ArtifactCache::new(&cache_dir)));
    let mut group = c.benchmark_group("load N distinct small plugins, pooling allocator");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(3));
    for n in [1usize, 10, 100, 1000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(BenchmarkId::new("cached", n), |b| {
            b.iter(|| {
                load(
                    &pooled,
                    &all[..n],
                    &LoadOptions::default().with_cache(ArtifactCache::new(&cache_dir)),
                )
            })
        });
    }
    group.finish();

    // Once each: a cold 1,000 (a thousand compiles), and the memory a loaded plugin adds.
    let start = Instant::now();
    let cold = load(&engine, &all, &LoadOptions::default());
    eprintln!(
        "load 1000 distinct plugins cold: {:.2?} ({} answers)",
        start.elapsed(),
        answers(&cold)
    );
    drop(cold);
    for (engine, allocator) in [(&engine, "on-demand"), (&pooled, "pooling")] {
        let before = rss();
        let warm =
            load(engine, &all, &LoadOptions::default().with_cache(ArtifactCache::new(&cache_dir)));
        let after = rss();
        eprintln!(
            "resident memory per loaded plugin, {allocator} allocator (1000 cached, RSS delta): {:.1} KiB ({} answers)",
            (after.saturating_sub(before)) as f64 / 1024.0 / 1000.0,
            answers(&warm)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

criterion_group!(benches, loading);
criterion_main!(benches);
