//! Each extra hop's cost, robust to a noisy machine: plugtree's chains and
//! wasmtime alone wired the same way (`chains::raw_chain`), every chain timed
//! in each of 15 interleaved rounds and kept at its best round (noise only
//! adds time). Complements criterion's "each extra hop" group in
//! `benches/dispatch.rs`; prints one table, ratios to the leaf's `TypedFunc`.
//!
//! `cargo bench --bench hop_floor [-- CALLS ROUNDS]` (default 20000 calls, 15 rounds).

#[path = "../tests/common/mod.rs"]
mod common;
mod chains;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use chains::{DEPTHS, add_through, bench_chains, raw_chain};

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only arguments read.
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = numbers.first().copied().unwrap_or(20_000);
    let rounds = numbers.get(1).copied().unwrap_or(15);
    let engine = plugtree::default_engine().expect("engine");
    let mut raw: Vec<_> = DEPTHS.into_iter().map(|(hops, top)| (hops, raw_chain(&engine, top, false))).collect();
    let (mut one_store, one_store_hop) = raw_chain(&engine, 4, true);
    let trees = bench_chains(&engine);

    let mut best: BTreeMap<String, f64> = BTreeMap::new();
    let mut time = |name: String, call: &mut dyn FnMut()| {
        (0..calls / 10).for_each(|_| call());
        let start = Instant::now();
        (0..calls).for_each(|_| call());
        let ns = start.elapsed().as_nanos() as f64 / f64::from(calls);
        let kept = best.entry(name).or_insert(f64::MAX);
        *kept = kept.min(ns);
    };
    for _ in 0..rounds {
        for (hops, (store, add)) in &mut raw {
            time(format!("wasmtime {hops}"), &mut || {
                black_box(add.call(&mut *store, (1, 2)).expect("call"));
            });
        }
        time("one store 1".into(), &mut || {
            black_box(one_store_hop.call(&mut one_store, (1, 2)).expect("call"));
        });
        for (hops, tree, interface) in &trees {
            time(format!("plugtree {hops}"), &mut || {
                black_box(add_through(tree, interface));
            });
        }
    }

    let typed = best["wasmtime 0"];
    println!("best of {rounds} interleaved rounds of {calls} calls; `TypedFunc` on the leaf: {typed:.0} ns\n");
    println!("| per extra hop | 1 deep | 2 deep | 5 deep |");
    println!("|---|---:|---:|---:|");
    // A chain's hops are its time over `base`, its own 0-hop call.
    let row = |label: &str, system: &str, base: f64| {
        let cells: Vec<String> = [1, 2, 5]
            .iter()
            .map(|h| match best.get(&format!("{system} {h}")) {
                Some(ns) => {
                    let per = (ns - base) / f64::from(*h);
                    format!("{per:.0} ns = {:.2}×", per / typed)
                }
                None => String::new(),
            })
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row("wasmtime alone, a store per component", "wasmtime", typed);
    row("wasmtime alone, one store", "one store", typed);
    row("plugtree", "plugtree", best["plugtree 0"]);
}
