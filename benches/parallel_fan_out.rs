//! Parallel fan-out against fan-out in turn (`TreeBuilder::parallel`, issue
//! 21): an `any` root of N `prof-leaf` providers, each answering
//! `spin(rounds)` by counting to `rounds` — CPU-bound work, no waiting — on
//! this machine's cores. Every case is timed in each of the interleaved
//! rounds and kept at its best; the ratio is parallel ÷ in turn (below 1 is faster).
//! `spin(1)` is the cheap case: what handing providers to the fan-out threads costs.
//!
//! `cargo bench --bench parallel_fan_out [-- CALLS ROUNDS]` (default 200 calls, 9 rounds).

#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::time::{Duration, Instant};

use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, Val};

const LEAF: &str = "test:prof/leaf";

fn tree(providers: usize, parallel: bool) -> LoadedTree {
    let mut b = PluginTree::builder()
        .wit(guests::app_wit().join("prof.wit"))
        .root(LEAF)
        .cardinality(LEAF, Cardinality::Any);
    for i in 0..providers {
        b = b.plugin(format!("leaf-{i}"), guests::wat("prof-leaf"));
    }
    if parallel {
        b = b.parallel(LEAF);
    }
    guests::load(b)
}

fn spin(tree: &LoadedTree, rounds: u32) {
    match tree.dispatch(LEAF, "spin", &[Val::U32(rounds)]) {
        Ok(Socket::Any(answers)) => {
            assert!(
                answers.iter().all(|(_, a)| matches!(a, Ok(Some(Val::U32(n))) if *n == rounds))
            );
        }
        other => panic!("spin: {other:?}"),
    }
}

fn main() {
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = numbers.first().copied().unwrap_or(200);
    let rounds = numbers.get(1).copied().unwrap_or(9);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // (providers, spin rounds per provider, calls per round)
    let cases = [
        (2, 1_000_000, calls),
        (4, 1_000_000, calls),
        (8, 1_000_000, calls),
        (2, 1, calls * 100),
        (8, 1, calls * 100),
    ];
    let trees: Vec<_> = cases.iter().map(|&(n, ..)| (tree(n, false), tree(n, true))).collect();
    let mut best = vec![(Duration::MAX, Duration::MAX); cases.len()];
    for _ in 0..rounds {
        for (i, &(_, spins, calls)) in cases.iter().enumerate() {
            let (in_turn, parallel) = &trees[i];
            let start = Instant::now();
            (0..calls).for_each(|_| spin(in_turn, spins));
            best[i].0 = best[i].0.min(start.elapsed());
            let start = Instant::now();
            (0..calls).for_each(|_| spin(parallel, spins));
            best[i].1 = best[i].1.min(start.elapsed());
        }
    }
    println!(
        "fan-out to N CPU-bound providers on {cores} cores, best of {rounds} interleaved rounds"
    );
    println!("{:<34} {:>14} {:>14} {:>8}", "case", "in turn µs", "parallel µs", "ratio");
    for (i, &(n, spins, calls)) in cases.iter().enumerate() {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(calls);
        let (a, b) = (per(best[i].0), per(best[i].1));
        println!(
            "{:<34} {a:>14.1} {b:>14.1} {:>8.2}",
            format!("{n} providers × spin({spins})"),
            b / a
        );
    }
}
