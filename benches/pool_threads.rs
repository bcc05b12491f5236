//! Calls per second from 1, 2 and 4 host threads on one root plugin: queued
//! on its one store, spread over a pool of warm instances
//! (`TreeBuilder::pool`), and — the ceiling — a tree per thread. Every case
//! calls `add(1, 2)` on the `values` guest; each case is timed in each of
//! `ROUNDS` interleaved rounds and kept at its best round (noise only adds
//! time). Also prints the resident memory each extra warm instance costs.
//!
//! `cargo bench --bench pool_threads [-- CALLS ROUNDS]` (default 20000 calls
//! per thread, 9 rounds).

#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::hint::black_box;
use std::time::{Duration, Instant};

use plugtree::{Engine, LoadedTree, PluginTree, Socket, Val};

const THREADS: [usize; 3] = [1, 2, 4];

/// The `values` guest as a one-plugin tree, pooled with `pool` instances.
fn values_tree(engine: &Engine, pool: Option<u32>) -> LoadedTree {
    let mut builder = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("values", guests::guest("values"));
    if let Some(n) = pool {
        builder = builder.pool("values", n);
    }
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(engine);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

fn add(tree: &LoadedTree) {
    match tree.dispatch("test:app/values", "add", &[Val::U32(1), Val::U32(2)]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(3))))) => {}
        other => panic!("add(1, 2) failed: {other:?}"),
    }
}

/// Wall time for `threads` threads to make `calls` calls each, thread `t` on `trees[t]`.
fn run(threads: usize, calls: u32, trees: &[&LoadedTree; 4]) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for &tree in &trees[..threads] {
            s.spawn(move || (0..calls).for_each(|_| add(black_box(tree))));
        }
    });
    start.elapsed()
}

/// The process's resident memory in KiB (`VmRSS`), where Linux tells it.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = numbers.first().copied().unwrap_or(20_000);
    let rounds = numbers.get(1).copied().unwrap_or(9);
    let engine = plugtree::default_engine().expect("engine");
    let shared = values_tree(&engine, None);
    let before = rss_kib();
    let pooled = values_tree(&engine, Some(4));
    // Warm the pool: 4 threads overlapping make its instances.
    run(4, 2_000, &[&pooled; 4]);
    let warm = pooled.instances("values").unwrap_or(1);
    let after = rss_kib();
    let own: Vec<LoadedTree> = (0..4).map(|_| values_tree(&engine, None)).collect();

    let cases: [(&str, [&LoadedTree; 4]); 3] = [
        ("one plugin, one instance", [&shared; 4]),
        ("one plugin, pool of 4", [&pooled; 4]),
        ("a tree per thread", [&own[0], &own[1], &own[2], &own[3]]),
    ];
    let mut best = vec![[Duration::MAX; THREADS.len()]; cases.len()];
    for _ in 0..rounds {
        for (c, (_, trees)) in cases.iter().enumerate() {
            for (i, &threads) in THREADS.iter().enumerate() {
                best[c][i] = best[c][i].min(run(threads, calls, trees));
            }
        }
    }
    println!("calls/s, best of {rounds} interleaved rounds, {calls} calls per thread");
    println!("| case | 1 thread | 2 threads | 4 threads | 2 ÷ 1 | 4 ÷ 1 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (c, (name, _)) in cases.iter().enumerate() {
        let rate = |i: usize| (THREADS[i] as f64 * f64::from(calls)) / best[c][i].as_secs_f64();
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.2}× | {:.2}× |",
            rate(0),
            rate(1),
            rate(2),
            rate(1) / rate(0),
            rate(2) / rate(0)
        );
    }
    if let (Some(before), Some(after)) = (before, after) {
        // The pooled tree's own first instance is in `after - before` too.
        let per = (after.saturating_sub(before)) as f64 / warm as f64;
        println!(
            "pool: {warm} warm instances; {per:.0} KiB resident per instance (a tree and its instances, over the instances)"
        );
    }
}
