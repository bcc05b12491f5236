//! Each extra hop's cost, robust to a noisy machine: plugtree's chains and
//! wasmtime alone wired the same way (`chains::raw_chain`), every chain timed
//! in each of 15 interleaved rounds and kept at its best round (noise only
//! adds time). Complements criterion's "each extra hop" group in
//! `benches/dispatch.rs`; prints one table, ratios to the leaf's `TypedFunc`.
//!
//! The host → root rows time `dispatch` on the `values` guest beside wasmtime's
//! `Func::call` and `TypedFunc` on the same function, in the same rounds.
//!
//! The host plug rows time calls that reach Rust functions, where a caller's
//! id is handed over: `add` on a host plug at the root and one hop below a
//! component (the typed fast path), and the `host-notes` guest's `remember`,
//! a `Val` call to a key-value plug and a `Log` line (a `tracing` event, with
//! no subscriber here).
//!
//! The profiling rows time the socket-ABI chains again, loaded with a guest
//! profile (`LoadOptions::with_profile`, every 10 ms): what sampling costs a
//! call while it is on. Off, a tree pays nothing for it (compare the
//! `plugtree` rows with a build of the commit before).
//!
//! `cargo bench --bench hop_floor [-- CALLS ROUNDS]` (default 20000 calls, 15 rounds).

mod chains;
#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use chains::{DEPTHS, add_through, bench_chains, load, raw_chain, raw_instance};
use plugtree::host::{HOST_WIT, HostError, HostPlug, Log, MemoryKv};
use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, Val};
use wasmtime::component::{Component, Linker};

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only arguments read.
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = numbers.first().copied().unwrap_or(20_000);
    let rounds = numbers.get(1).copied().unwrap_or(15);
    let engine = plugtree::default_engine().expect("engine");
    let mut raw: Vec<_> =
        DEPTHS.into_iter().map(|(hops, top)| (hops, raw_chain(&engine, top, false))).collect();
    let (mut one_store, one_store_hop) = raw_chain(&engine, 4, true);
    let trees = bench_chains(&engine);
    let profile =
        plugtree::load::LoadOptions::default().with_profile(std::time::Duration::from_millis(10));
    let profiled: Vec<_> = DEPTHS
        .into_iter()
        .map(|(hops, top)| {
            let (tree, errors) = chains::bench_chain_builder(top).build().expect("valid WIT");
            assert!(errors.is_empty(), "{errors:?}");
            let (tree, errors) = tree.load_with(&engine, &profile);
            assert!(errors.is_empty(), "{errors:?}");
            (hops, tree, format!("test:bench/level{top}"))
        })
        .collect();
    // The same depths made of plain guests: fused into one component, and kept dynamic.
    let plain: Vec<_> = DEPTHS
        .into_iter()
        .flat_map(|(hops, top)| {
            let root = format!("test:bench/level{top}");
            [
                (format!("fused {hops}"), chains::plain_chain(&engine, top, false), root.clone()),
                (format!("plain {hops}"), chains::plain_chain(&engine, top, true), root),
            ]
        })
        .collect();

    // Host → root: the `values` guest as a one-plugin tree, and alone.
    let path = guests::guest("values");
    let values = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("values.wit"))
            .root("test:app/values")
            .plugin("values", path.clone()),
        &engine,
    );
    let component = Component::from_file(&engine, &path).expect("compiles");
    let (mut store, func) =
        raw_instance(&engine, &Linker::new(&engine), &component, (), "test:app/values");
    let (add, echo, tag) =
        (func(&mut store, "add"), func(&mut store, "echo"), func(&mut store, "tag"));
    let add_typed = add.typed::<(u32, u32), (u32,)>(&store).expect("typed");
    let echo_typed = echo.typed::<(&str,), (String,)>(&store).expect("typed");
    let text = "hello, plugin world";
    let add_args = [Val::U32(1), Val::U32(2)];
    let echo_args = [Val::String(text.into())];
    let tag_args = chains::tag_args();
    let add_root = values.root_func("add").expect("add");
    let add_root = add_root.typed::<(u32, u32), (u32,)>().expect("typed");
    let echo_root = values.root_func("echo").expect("echo");
    let echo_root = echo_root.typed::<(&'static str,), (String,)>().expect("typed");
    let mut results = [Val::Bool(false)];
    let (host_root, host_below, notes) = host_plug_trees(&engine);
    let remember_args = [Val::String("todo".into()), Val::String("write the bench".into())];

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
        for (hops, tree, interface) in &profiled {
            time(format!("profiled {hops}"), &mut || {
                black_box(add_through(tree, interface));
            });
        }
        for (name, tree, interface) in &plain {
            time(name.clone(), &mut || {
                black_box(add_through(tree, interface));
            });
        }
        for (name, func, args) in [
            ("add", &add, &add_args[..]),
            ("echo", &echo, &echo_args[..]),
            ("tag", &tag, &tag_args[..]),
        ] {
            time(format!("root {name} Func::call"), &mut || {
                func.call(&mut store, black_box(args), &mut results).expect("call");
            });
            time(format!("root {name} plugtree"), &mut || {
                black_box(
                    values.dispatch("test:app/values", name, black_box(args)).expect("dispatch"),
                );
            });
        }
        time("root add TypedFunc".into(), &mut || {
            black_box(add_typed.call(&mut store, (1, 2)).expect("call"));
        });
        time("root echo TypedFunc".into(), &mut || {
            black_box(echo_typed.call(&mut store, (text,)).expect("call"));
        });
        time("root add plugtree typed".into(), &mut || {
            black_box(add_root.call(black_box((1, 2))).expect("call"));
        });
        time("root echo plugtree typed".into(), &mut || {
            black_box(echo_root.call(black_box((text,))).expect("call"));
        });
        time("host plug add at the root".into(), &mut || {
            black_box(add_through(&host_root, "test:bench/level5"));
        });
        time("host plug add below a component".into(), &mut || {
            black_box(add_through(&host_below, "test:bench/level4"));
        });
        time("host plug kv and log from host-notes".into(), &mut || match notes.dispatch(
            "test:host/notes",
            "remember",
            black_box(&remember_args),
        ) {
            Ok(Socket::ExactlyOne(_, Ok(Some(_)))) => {}
            other => panic!("{other:?}"),
        });
    }

    let typed = best["wasmtime 0"];
    println!(
        "best of {rounds} interleaved rounds of {calls} calls; `TypedFunc` on the leaf: {typed:.0} ns\n"
    );
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
    row("plugtree, socket ABI", "plugtree", best["plugtree 0"]);
    row("plugtree, plain sockets kept dynamic", "plain", best["plain 0"]);
    row("plugtree, plain sockets fused at load", "fused", best["fused 0"]);

    println!(
        "\n| host → root | TypedFunc | Func::call | plugtree dispatch | dispatch ÷ Func::call | plugtree typed | typed ÷ TypedFunc |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for name in ["add", "echo", "tag"] {
        let typed = best.get(&format!("root {name} TypedFunc"));
        let ours_typed = best.get(&format!("root {name} plugtree typed"));
        let ns = |t: Option<&f64>| t.map(|ns| format!("{ns:.0} ns")).unwrap_or_default();
        let ratio = match (ours_typed, typed) {
            (Some(ours), Some(raw)) => format!("{:.2}×", ours / raw),
            _ => String::new(),
        };
        let (raw, ours) =
            (best[&format!("root {name} Func::call")], best[&format!("root {name} plugtree")]);
        println!(
            "| `{name}` | {} | {raw:.0} ns | {ours:.0} ns | {:.2}× | {} | {ratio} |",
            ns(typed),
            ours / raw,
            ns(ours_typed)
        );
    }

    println!(
        "\n| a call through the chain, profiling on ÷ off | 0 hops | 1 deep | 2 deep | 5 deep |"
    );
    println!("|---|---:|---:|---:|---:|");
    let cells = |on: &str| -> Vec<String> {
        DEPTHS
            .iter()
            .map(|(h, _)| {
                let (on, off) = (best[&format!("{on} {h}")], best[&format!("plugtree {h}")]);
                format!("{on:.0} ns ÷ {off:.0} ns = {:.3}×", on / off)
            })
            .collect()
    };
    println!("| socket ABI, sampled every 10 ms | {} |", cells("profiled").join(" | "));
    // What the profiles took: samples while the chains' code ran (a short
    // call spends most of its time in the host, unsampled).
    let samples: usize =
        profiled.iter().map(|(_, t, _)| t.finish_profile(std::io::sink()).unwrap_or(0)).sum();
    println!("\nsamples in the chains' profiles: {samples}");
    spinning(&engine, rounds);

    println!("\n| host plug calls | ns per call |");
    println!("|---|---:|");
    for name in [
        "host plug add at the root",
        "host plug add below a component",
        "host plug kv and log from host-notes",
    ] {
        println!("| {name} | {:.0} |", best[name]);
    }
}

/// A call that spins in the guest (`prof-leaf`'s `spin`, 100 million
/// rounds), profiled and not, each timed once per round and kept at its
/// best: what sampling every 10 ms costs a call that runs.
fn spinning(engine: &wasmtime::Engine, rounds: u32) {
    const SPIN: u32 = 100_000_000;
    let leaf = || {
        PluginTree::builder()
            .wit(guests::app_wit().join("prof.wit"))
            .root("test:prof/leaf")
            .plugin("leaf", guests::wat("prof-leaf"))
    };
    let (tree, errors) = leaf().build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let profile =
        plugtree::load::LoadOptions::default().with_profile(std::time::Duration::from_millis(10));
    let (on, errors) = tree.load_with(engine, &profile);
    assert!(errors.is_empty(), "{errors:?}");
    let off = load(leaf(), engine);
    let spin = |tree: &LoadedTree| {
        let start = Instant::now();
        match tree.dispatch("test:prof/leaf", "spin", &[Val::U32(SPIN)]) {
            Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(SPIN))))) => {}
            other => panic!("{other:?}"),
        }
        start.elapsed().as_secs_f64() * 1e3
    };
    let (mut best_on, mut best_off) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        best_on = best_on.min(spin(&on));
        best_off = best_off.min(spin(&off));
    }
    let samples = on.finish_profile(std::io::sink()).unwrap_or(0);
    println!("\n| a call spinning {SPIN} rounds in the guest | profiling off | on | on ÷ off |");
    println!("|---|---:|---:|---:|");
    println!(
        "| `prof-leaf` `spin`, best of {rounds} | {best_off:.1} ms | {best_on:.1} ms | {:.3}× |",
        best_on / best_off
    );
    println!("\nsamples in its profile: {samples} over {rounds} calls");
}

/// Trees whose calls reach host plugs: `add` on a host plug at the root, the
/// same host plug below `bench-level4`, and `host-notes` over a key-value
/// plug and a log.
fn host_plug_trees(engine: &wasmtime::Engine) -> (LoadedTree, LoadedTree, LoadedTree) {
    let level5 = HostPlug::new("host5", "test:bench/level5")
        .func("add", |a: u32, b: u32| -> Result<u32, HostError> { Ok(a + b) })
        .func("echo", |s: String| -> Result<String, HostError> { Ok(s) })
        .func("bytes", |b: Vec<u8>| -> Result<u32, HostError> { Ok(b.len() as u32) })
        .func("send", |n: u32| -> Result<u32, HostError> { Ok(n) })
        .func("mirror", |b: Vec<u8>| -> Result<Vec<u8>, HostError> { Ok(b) });
    let bench = || PluginTree::builder().wit(guests::app_wit().join("bench.wit"));
    let at_root = load(bench().root("test:bench/level5").host_plug(level5.clone()), engine);
    let below = load(
        bench()
            .root("test:bench/level4")
            .plugin("level4", guests::guest("bench-level4"))
            .host_plug(level5),
        engine,
    );
    let notes = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("host.wit"))
            .wit_text("plugtree-host.wit", HOST_WIT)
            .cardinality("plugtree:host/log", Cardinality::Any)
            .root("test:host/notes")
            .plugin("notes", guests::guest("host-notes"))
            .host_plug(MemoryKv::new().plug("kv"))
            .host_plug(Log::keeping(16).plug("log")),
        engine,
    );
    (at_root, below, notes)
}
