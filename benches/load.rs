//! What loading costs: compile + link + instantiate trees of 1, 10, 100 and
//! 1,000 small plugins, cold (no cache) and warm (precompiled-artifact cache),
//! and the resident memory each loaded plugin adds; warm loads again on an
//! engine with the pooling allocator.
//!
//! Every plugin is a distinct component (`benches/distinct`). Cold 1,000 is
//! timed once (about 1,000 compiles); everything else is a criterion group.
//! `benches/wasmtime-cache` compares this cache with wasmtime's own.

mod distinct;
#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use distinct::{answers, distinct_plugins, load};
use plugtree::Engine;
use plugtree::load::{ArtifactCache, LoadOptions};

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
