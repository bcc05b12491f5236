//! plugtree at run time: how throughput scales with threads, and what
//! enforcing limits costs per call. Every case calls `add(1, 2)` on the
//! `values` guest (root `test:app/values`).

#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use plugtree::{Engine, Limits, LoadedTree, PluginTree, Socket, Val};
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

/// Calls each thread makes per criterion iteration.
const CALLS_PER_THREAD: u64 = 2_000;

/// A tree whose root `test:app/values` is the `values` guest, with `limits`.
fn values_tree(engine: &Engine, limits: Limits) -> LoadedTree {
    let builder = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("values", guests::guest("values"))
        .limits(limits);
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(engine);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

/// One `add(1, 2)` through plugtree's dispatch.
fn add(tree: &LoadedTree) -> u32 {
    match tree.dispatch("test:app/values", "add", &[Val::U32(1), Val::U32(2)]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(v))))) => v,
        other => panic!("add(1, 2) failed: {other:?}"),
    }
}

/// Wall-clock time for `threads` threads to each run `work(thread index)`
/// `iters * CALLS_PER_THREAD` times.
fn run_threads(threads: usize, iters: u64, work: &(dyn Fn(usize) + Sync)) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || (0..iters * CALLS_PER_THREAD).for_each(|_| work(t)));
        }
    });
    start.elapsed()
}

/// Calls per second from 1, 2 and 4 threads: (a) all on one plugin, whose
/// store lock serializes them; (b) each thread on its own tree and plugin,
/// all on one engine, which should scale up to the number of cores. The
/// control spins without wasm: how many cores the machine really gives.
fn throughput_with_threads(c: &mut Criterion) {
    let engine = plugtree::default_engine().expect("engine");
    let own: Vec<LoadedTree> = (0..4).map(|_| values_tree(&engine, Limits::default())).collect();
    let mut group = c.benchmark_group("throughput with threads");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for threads in [1, 2, 4] {
        group.throughput(Throughput::Elements((threads as u64) * CALLS_PER_THREAD));
        let cases: [(&str, &(dyn Fn(usize) + Sync)); 3] = [
            ("(a) one shared plugin", &|_| _ = black_box(add(&own[0]))),
            ("(b) a plugin per thread", &|t| _ = black_box(add(&own[t]))),
            ("control: spin, no wasm", &|_| _ = (0..300u64).fold(0, |acc, i| black_box(acc ^ i))),
        ];
        for (name, work) in cases {
            group.bench_function(format!("{name}/{threads}"), |b| {
                b.iter_custom(|iters| run_threads(threads, iters, work))
            });
        }
    }
    group.finish();
}

/// An engine like [`plugtree::engine_config`] but without fuel counting or
/// epoch interruption: wasm code carries no instrumentation.
fn bare_engine() -> Engine {
    let mut config = plugtree::engine_config();
    config.consume_fuel(false).epoch_interruption(false);
    Engine::new(&config).expect("bare engine")
}

/// The same `add` dispatched under different limits, and called with raw
/// wasmtime on engines with and without instrumentation.
fn cost_of_limits(c: &mut Criterion) {
    assert_eq!(
        Limits::unlimited().deadline,
        None,
        "a bare engine cannot load a plugin with a deadline"
    );
    let instrumented = plugtree::default_engine().expect("engine");
    let bare = bare_engine();
    let mut group = c.benchmark_group("cost of limits, add(u32,u32)");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    let cases = [
        ("(d) bare engine, unlimited", &bare, Limits::unlimited()),
        ("(a) default engine, unlimited", &instrumented, Limits::unlimited()),
        ("(b) default engine, default limits", &instrumented, Limits::default()),
        (
            "(c) default limits + fuel 1e6",
            &instrumented,
            Limits::default().with_fuel(Some(1_000_000)),
        ),
    ];
    for (name, engine, limits) in cases {
        // Built per case and dropped after it, so the epoch ticker only runs while needed.
        let tree = values_tree(engine, limits);
        group.bench_function(format!("plugtree {name}"), |b| b.iter(|| add(&tree)));
    }

    let component_bytes = std::fs::read(guests::guest("values")).expect("values guest");
    for (name, engine, budgets) in
        [("bare engine", &bare, false), ("fuel + epochs", &instrumented, true)]
    {
        let component = Component::new(engine, &component_bytes).expect("compiles");
        let mut store = Store::new(engine, ());
        // Budgets set once and far away: only the instrumented code's own cost is measured.
        if budgets {
            store.set_fuel(u64::MAX).expect("fuel");
            store.set_epoch_deadline(u64::MAX / 4);
        }
        let instance =
            Linker::new(engine).instantiate(&mut store, &component).expect("instantiates");
        let iface = component.get_export_index(None, "test:app/values").expect("exported");
        let index = component.get_export_index(Some(&iface), "add").expect("add");
        let func = instance.get_func(&mut store, index).expect("add");
        let mut results = [Val::Bool(false)];
        group.bench_function(format!("wasmtime Func::call, {name}"), |b| {
            b.iter(|| {
                func.call(&mut store, &[Val::U32(1), Val::U32(2)], &mut results).expect("call")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput_with_threads, cost_of_limits);
criterion_main!(benches);
