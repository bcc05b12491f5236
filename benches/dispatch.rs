//! What a call costs: plugtree's dispatch against raw wasmtime on the same
//! guest component, and a forwarded hop through a consumer.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, Val};
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

fn load(builder: plugtree::TreeBuilder, engine: &wasmtime::Engine) -> LoadedTree {
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(engine);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

fn host_to_root(c: &mut Criterion) {
    let engine = plugtree::default_engine().expect("engine");
    let path = common::guest("values");

    // The floor: the same function called with wasmtime directly.
    let component = Component::from_file(&engine, &path).expect("compiles");
    let mut store = Store::new(&engine, ());
    // plugtree's engine counts fuel and checks epochs: give the raw store
    // what plugtree gives an unlimited plugin, so both run the same code.
    store.set_fuel(u64::MAX).expect("fuel");
    store.set_epoch_deadline(u64::MAX / 4);
    let instance = Linker::new(&engine).instantiate(&mut store, &component).expect("instantiates");
    let iface = component.get_export_index(None, "test:app/values").expect("exported");
    let add_index = component.get_export_index(Some(&iface), "add").expect("add");
    let add = instance.get_func(&mut store, add_index).expect("add");
    let typed = add.typed::<(u32, u32), (u32,)>(&store).expect("typed");

    let tree = load(PluginTree::builder().wit(common::app_wit().join("values.wit")).root("test:app/values").plugin("values", path), &engine);

    let mut group = c.benchmark_group("host→root add(u32,u32)");
    group.bench_function("wasmtime TypedFunc", |b| b.iter(|| typed.call(&mut store, (1, 2)).expect("call")));
    group.bench_function("wasmtime Func::call", |b| {
        let mut results = [Val::Bool(false)];
        b.iter(|| add.call(&mut store, &[Val::U32(1), Val::U32(2)], &mut results).expect("call"))
    });
    group.bench_function("plugtree dispatch", |b| {
        b.iter(|| match tree.dispatch("test:app/values", "add", &[Val::U32(1), Val::U32(2)]) {
            Ok(Socket::ExactlyOne(Ok(Some(v)))) => v,
            other => panic!("{other:?}"),
        })
    });
    group.finish();
}

fn hops_and_fan_out(c: &mut Criterion) {
    let engine = plugtree::default_engine().expect("engine");
    let chain = load(
        PluginTree::builder()
            .wit(common::app_wit().join("chain.wit"))
            .root("test:chain/top")
            .plugin("top", common::guest("chain-top"))
            .plugin("mid", common::guest("chain-mid"))
            .plugin("bottom", common::guest("chain-bottom")),
        &engine,
    );
    let bottom_only = load(
        PluginTree::builder().wit(common::app_wit().join("chain.wit")).root("test:chain/bottom").plugin("bottom", common::guest("chain-bottom")),
        &engine,
    );
    let mut group = c.benchmark_group("depth() through hops");
    group.bench_function("0 hops (bottom as root)", |b| b.iter(|| bottom_only.dispatch("test:chain/bottom", "depth", &[]).expect("dispatch")));
    group.bench_function("2 hops (top → mid → bottom)", |b| b.iter(|| chain.dispatch("test:chain/top", "depth", &[]).expect("dispatch")));
    group.finish();

    let fan = load(
        PluginTree::builder()
            .wit(common::app_wit().join("card.wit"))
            .cardinality("test:card/maybe", Cardinality::AtMostOne)
            .cardinality("test:card/many", Cardinality::Any)
            .root("test:card/collector")
            .plugin("collector", common::guest("collector"))
            .plugin("one", common::guest("one-en"))
            .plugin("en", common::guest("many-en"))
            .plugin("fr", common::guest("many-fr"))
            .plugin("de", common::guest("many-de")),
        &engine,
    );
    let mut group = c.benchmark_group("fan-out through a consumer");
    let arg = [Val::String("ana".into())];
    group.bench_function("call-one (1 provider)", |b| b.iter(|| fan.dispatch("test:card/collector", "call-one", &arg).expect("dispatch")));
    group.bench_function("call-many (3 providers)", |b| b.iter(|| fan.dispatch("test:card/collector", "call-many", &arg).expect("dispatch")));
    group.finish();
}

/// Resources: a consumer's create/call/drop cycle through proxies, against a
/// plain value call over the same hop; and the host calling a method directly.
fn resources(c: &mut Criterion) {
    let engine = plugtree::default_engine().expect("engine");
    let app = || {
        PluginTree::builder()
            .wit(common::app_wit().join("res.wit"))
            .cardinality("test:res/pool", Cardinality::Any)
            .cardinality("test:res/spare", Cardinality::AtMostOne)
    };
    let user = load(
        app().root("test:res/user").plugin("user", common::guest("res-user")).plugin("counters", common::guest("res-counters")),
        &engine,
    );
    let host = load(app().root("test:res/counters").plugin("counters", common::guest("res-counters")), &engine);
    let counter = match host.dispatch("test:res/counters", "make", &[Val::U32(1)]) {
        Ok(Socket::ExactlyOne(Ok(Some(Val::Resource(r))))) => r,
        other => panic!("{other:?}"),
    };
    let mut group = c.benchmark_group("resources");
    // `churn(100)`: 100 × (make → own handed over, get on it, drop → destructor), 3 hops each.
    group.bench_function("consumer churn(100): make+get+drop ×100", |b| {
        b.iter(|| user.dispatch("test:res/user", "churn", &[Val::U32(100)]).expect("dispatch"))
    });
    group.bench_function("host [method]counter.get", |b| {
        b.iter(|| host.dispatch("test:res/counters", "[method]counter.get", &[Val::Resource(counter)]).expect("dispatch"))
    });
    group.bench_function("host name() (plain value, same plugin)", |b| {
        b.iter(|| host.dispatch("test:res/counters", "name", &[]).expect("dispatch"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = host_to_root, hops_and_fan_out, resources
}
criterion_main!(benches);
