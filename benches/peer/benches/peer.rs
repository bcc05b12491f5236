//! plugtree beside its peer `wasm-link` 0.4.1 and raw wasmtime, in one run,
//! on the same guest components (`test-components/bench-level*`):
//!
//! - host → plugin: `add(u32, u32)` and `echo(string)` on `bench-level5`;
//! - host → consumer → provider: `add` through `bench-level4` (plugtree's
//!   socket ABI) and `bench-wl-level4` (the same guest importing level5 in
//!   wasm-link's exactly-one shape, `tuple<id, result<T, dispatch-error>>`);
//! - fan-out from the host over an `any` socket of 1, 4, 16 and 64 providers.
//!
//! Not expressed for wasm-link: fan-out *through a consumer* (its `any` socket
//! reaches a guest as `map<id, result>`, which wit-bindgen 0.61 guests cannot
//! import), and the bytes, resources and load scenarios (its dispatch has no
//! typed path, so bytes would be one `Val` per byte as in plugtree's dynamic
//! host API; see `benches/dispatch.rs` for plugtree's). wasm-link runs on
//! `Engine::default()` of its wasmtime 46, as its README shows; the raw
//! `Func::call` on that engine is its floor.

#[path = "../../../tests/all/guests/mod.rs"]
mod guests;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, Val};
use wasm_link::cardinality::{Any, ExactlyOne};
use wasm_link::{
    Binding, Function, FunctionKind, Interface, Plugin, PluginContext, ResourceTable, ReturnKind,
};

struct Ctx {
    table: ResourceTable,
}

impl PluginContext for Ctx {
    fn resource_table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

fn ctx() -> Ctx {
    Ctx { table: ResourceTable::new() }
}

/// wasm-link's description of a `test:bench/level*` interface: no resources.
fn wl_interface() -> Interface {
    let f = || Function::new(FunctionKind::Freestanding, ReturnKind::AssumeNoResources);
    Interface::new(
        ["add", "echo", "bytes", "send", "mirror"]
            .into_iter()
            .map(|n| (n.to_string(), f()))
            .collect(),
        HashSet::new(),
    )
}

fn bytes(guest: &str) -> Vec<u8> {
    std::fs::read(guests::guest(guest)).expect("guest")
}

fn plugtree_tree(top: usize, providers: usize) -> LoadedTree {
    let mut builder = PluginTree::builder()
        .wit(guests::app_wit().join("bench.wit"))
        .root(format!("test:bench/level{top}"))
        .cardinality(
            "test:bench/level5",
            if providers > 1 { Cardinality::Any } else { Cardinality::ExactlyOne },
        );
    if top == 4 {
        builder = builder.plugin("level4", guests::guest("bench-level4"));
    }
    for i in 0..providers {
        builder = builder.plugin(format!("level5-{i}"), guests::guest("bench-level5"));
    }
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

fn expect_u32(answer: Result<Socket<plugtree::dispatch::Answer>, plugtree::DispatchError>) -> u32 {
    match answer {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(n))))) => n,
        other => panic!("{other:?}"),
    }
}

fn host_to_plugin(c: &mut Criterion) {
    let leaf = bytes("bench-level5");
    // The floor: plugtree's wasmtime on plugtree's engine, as an unlimited plugin runs.
    let engine = plugtree::default_engine().expect("engine");
    let component = wasmtime::component::Component::new(&engine, &leaf).expect("compiles");
    let mut store = wasmtime::Store::new(&engine, ());
    store.set_fuel(u64::MAX).expect("fuel");
    store.set_epoch_deadline(u64::MAX / 4);
    let instance = wasmtime::component::Linker::new(&engine)
        .instantiate(&mut store, &component)
        .expect("instantiates");
    let iface = component.get_export_index(None, "test:bench/level5").expect("exported");
    let mut func = |name| {
        instance
            .get_func(&mut store, component.get_export_index(Some(&iface), name).expect("export"))
            .expect("func")
    };
    let (add, echo) = (func("add"), func("echo"));
    let typed = add.typed::<(u32, u32), (u32,)>(&store).expect("typed");

    // wasm-link's floor: the same call on its engine (wasmtime 46 defaults).
    let wl_engine = wasm_link::Engine::default();
    let wl_component = wasm_link::Component::new(&wl_engine, &leaf).expect("compiles");
    let mut wl_store = wasmtime46::Store::new(&wl_engine, ());
    let wl_instance = wasm_link::Linker::<()>::new(&wl_engine)
        .instantiate(&mut wl_store, &wl_component)
        .expect("instantiates");
    let wl_iface = wl_component.get_export_index(None, "test:bench/level5").expect("exported");
    let wl_add_index = wl_component.get_export_index(Some(&wl_iface), "add").expect("add");
    let wl_add = wl_instance.get_func(&mut wl_store, wl_add_index).expect("add");

    let leaf_instance =
        Plugin::new(wasm_link::Component::new(&wl_engine, &leaf).expect("compiles"), ctx())
            .instantiate(&wl_engine, &wasm_link::Linker::new(&wl_engine))
            .expect("instantiates");
    let wl = Binding::new(
        "test:bench",
        HashMap::from([("level5".to_string(), wl_interface())]),
        ExactlyOne("level5".to_string(), leaf_instance),
    );

    let tree = plugtree_tree(5, 1);

    let mut group = c.benchmark_group("peer host→plugin add(u32,u32)");
    group.bench_function("wasmtime TypedFunc", |b| {
        b.iter(|| typed.call(&mut store, (1, 2)).expect("call"))
    });
    group.bench_function("wasmtime Func::call", |b| {
        let mut results = [Val::Bool(false)];
        b.iter(|| add.call(&mut store, &[Val::U32(1), Val::U32(2)], &mut results).expect("call"))
    });
    group.bench_function("plugtree dispatch", |b| {
        b.iter(|| {
            expect_u32(tree.dispatch("test:bench/level5", "add", &[Val::U32(1), Val::U32(2)]))
        })
    });
    group.bench_function("wasmtime 46 default engine Func::call", |b| {
        let mut results = [wasm_link::Val::Bool(false)];
        b.iter(|| {
            wl_add
                .call(
                    &mut wl_store,
                    &[wasm_link::Val::U32(1), wasm_link::Val::U32(2)],
                    &mut results,
                )
                .expect("call")
        })
    });
    group.bench_function("wasm-link dispatch", |b| {
        b.iter(|| {
            match wl.dispatch("level5", "add", &[wasm_link::Val::U32(1), wasm_link::Val::U32(2)]) {
                Ok(ExactlyOne(_, Ok(wasm_link::Val::U32(n)))) => n,
                Ok(ExactlyOne(_, other)) => panic!("{other:?}"),
                Err(e) => panic!("{e}"),
            }
        })
    });
    group.finish();

    let text = "hello, plugin world".to_string();
    let mut group = c.benchmark_group("peer host→plugin echo(string)");
    group.bench_function("wasmtime Func::call", |b| {
        let mut results = [Val::Bool(false)];
        b.iter(|| echo.call(&mut store, &[Val::String(text.clone())], &mut results).expect("call"))
    });
    group.bench_function("plugtree dispatch", |b| {
        b.iter(|| {
            tree.dispatch("test:bench/level5", "echo", &[Val::String(text.clone())])
                .expect("dispatch")
        })
    });
    group.bench_function("wasm-link dispatch", |b| {
        b.iter(|| {
            wl.dispatch("level5", "echo", &[wasm_link::Val::String(text.clone())])
                .expect("dispatch")
        })
    });
    group.finish();
}

fn through_a_consumer(c: &mut Criterion) {
    let wl_engine = wasm_link::Engine::default();
    let leaf = Plugin::new(
        wasm_link::Component::new(&wl_engine, bytes("bench-level5")).expect("compiles"),
        ctx(),
    )
    .instantiate(&wl_engine, &wasm_link::Linker::new(&wl_engine))
    .expect("instantiates");
    let leaf = Binding::new(
        "test:bench",
        HashMap::from([("level5".to_string(), wl_interface())]),
        ExactlyOne("level5".to_string(), leaf),
    );
    let consumer = Plugin::new(
        wasm_link::Component::new(&wl_engine, bytes("bench-wl-level4")).expect("compiles"),
        ctx(),
    )
    .link(&wl_engine, wasm_link::Linker::new(&wl_engine), vec![leaf])
    .expect("links");
    let wl = Binding::new(
        "test:bench",
        HashMap::from([("level4".to_string(), wl_interface())]),
        ExactlyOne("level4".to_string(), consumer),
    );
    let tree = plugtree_tree(4, 1);

    let mut group = c.benchmark_group("peer host→consumer→provider");
    group.bench_function("plugtree add", |b| {
        b.iter(|| {
            expect_u32(tree.dispatch("test:bench/level4", "add", &[Val::U32(1), Val::U32(2)]))
        })
    });
    group.bench_function("wasm-link add", |b| {
        b.iter(|| {
            match wl.dispatch("level4", "add", &[wasm_link::Val::U32(1), wasm_link::Val::U32(2)]) {
                Ok(ExactlyOne(_, Ok(wasm_link::Val::U32(3)))) => 3,
                Ok(ExactlyOne(_, other)) => panic!("{other:?}"),
                Err(e) => panic!("{e}"),
            }
        })
    });
    // `send(n)`: the consumer makes n bytes and passes them across the hop.
    for size in [1 << 10, 64 << 10] {
        group.bench_function(BenchmarkId::new("plugtree send", size), |b| {
            b.iter(|| expect_u32(tree.dispatch("test:bench/level4", "send", &[Val::U32(size)])))
        });
        group.bench_function(BenchmarkId::new("wasm-link send", size), |b| {
            b.iter(|| match wl.dispatch("level4", "send", &[wasm_link::Val::U32(size)]) {
                Ok(ExactlyOne(_, Ok(wasm_link::Val::U32(n)))) if n == size => n,
                Ok(ExactlyOne(_, other)) => panic!("{other:?}"),
                Err(e) => panic!("{e}"),
            })
        });
    }
    group.finish();
}

fn fan_out(c: &mut Criterion) {
    let wl_engine = wasm_link::Engine::default();
    let wl_component =
        wasm_link::Component::new(&wl_engine, bytes("bench-level5")).expect("compiles");
    let mut group = c.benchmark_group("peer host fan-out add over N providers");
    for n in [1usize, 4, 16, 64] {
        let tree = plugtree_tree(5, n);
        let providers: HashMap<String, _> = (0..n)
            .map(|i| {
                let instance = Plugin::new(wl_component.clone(), ctx())
                    .instantiate(&wl_engine, &wasm_link::Linker::new(&wl_engine))
                    .expect("instantiates");
                (format!("level5-{i}"), instance)
            })
            .collect();
        let wl = Binding::new(
            "test:bench",
            HashMap::from([("level5".to_string(), wl_interface())]),
            Any(providers),
        );
        group.bench_function(BenchmarkId::new("plugtree", n), |b| {
            b.iter(|| {
                tree.dispatch("test:bench/level5", "add", &[Val::U32(1), Val::U32(2)])
                    .expect("dispatch")
            })
        });
        group.bench_function(BenchmarkId::new("wasm-link", n), |b| {
            b.iter(|| {
                wl.dispatch("level5", "add", &[wasm_link::Val::U32(1), wasm_link::Val::U32(2)])
                    .expect("dispatch")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = host_to_plugin, through_a_consumer, fan_out
}
criterion_main!(benches);
