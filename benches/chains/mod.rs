//! The chains `benches/dispatch.rs` and `benches/hop_floor.rs` time: the
//! benchmark guests `bench-level{top}` … `bench-level5` as a plugtree tree,
//! and the same guests wired with wasmtime alone.

use plugtree::{LoadedTree, PluginTree, Socket, Val};
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use crate::guests;

/// `builder`'s tree loaded on `engine`; panics on any error (a benchmark
/// measures a tree that loads whole).
pub fn load(builder: plugtree::TreeBuilder, engine: &wasmtime::Engine) -> LoadedTree {
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(engine);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

/// The socket ABI's `provider-error`, for the raw hop's typed host function.
#[derive(wasmtime::component::ComponentType, wasmtime::component::Lower)]
#[component(variant)]
#[allow(dead_code)] // only ever lowered, and only `Ok` in this benchmark
pub enum RawProviderError {
    #[component(name = "trapped")]
    Trapped(String),
    #[component(name = "unavailable")]
    Unavailable(String),
    #[component(name = "limit-exceeded")]
    LimitExceeded(String),
    #[component(name = "reentrant-call")]
    ReentrantCall(String),
    #[component(name = "bad-handle")]
    BadHandle(String),
}

/// The chains both benches time, as (hops, top level): the leaf alone, then
/// 1, 2 and 5 hops above it.
pub const DEPTHS: [(u32, usize); 4] = [(0, 5), (1, 4), (2, 3), (5, 0)];

/// A store for the floor's side: given what plugtree gives an unlimited
/// plugin (plugtree's engine counts fuel and checks epochs), so both run the
/// same code.
pub fn floor_store<T: 'static>(engine: &wasmtime::Engine, data: T) -> Store<T> {
    let mut store = Store::new(engine, data);
    store.set_fuel(u64::MAX).expect("fuel");
    store.set_epoch_deadline(u64::MAX / 4);
    store
}

/// [`bench_chain`] for each of [`DEPTHS`], with its hops and root interface.
pub fn bench_chains(engine: &wasmtime::Engine) -> Vec<(u32, LoadedTree, String)> {
    DEPTHS
        .into_iter()
        .map(|(hops, top)| (hops, bench_chain(engine, top), format!("test:bench/level{top}")))
        .collect()
}

/// The benchmark chain from `test:bench/level{top}` down to level5, each
/// level a plugin of its own.
pub fn bench_chain(engine: &wasmtime::Engine, top: usize) -> LoadedTree {
    load(bench_chain_builder(top), engine)
}

/// [`bench_chain`]'s tree, not yet built.
pub fn bench_chain_builder(top: usize) -> plugtree::TreeBuilder {
    (top..=5).fold(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root(format!("test:bench/level{top}")),
        |b, level| b.plugin(format!("level{level}"), guests::guest(&format!("bench-level{level}"))),
    )
}

/// The benchmark chain from `test:bench/level{top}` down to level5 made of
/// the plain guests (`bench-plain-level{n}`, each importing the next level
/// in the app's own form): one component once fused at load, or, with
/// `dynamic`, a plugin per level called through the host.
pub fn plain_chain(engine: &wasmtime::Engine, top: usize, dynamic: bool) -> LoadedTree {
    let builder = (top..=5).fold(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root(format!("test:bench/level{top}")),
        |b, level| {
            let guest = match level {
                5 => "bench-level5".to_string(),
                _ => format!("bench-plain-level{level}"),
            };
            let b = b.plugin(format!("level{level}"), guests::guest(&guest));
            match dynamic && level < 5 {
                true => b.keep_dynamic(
                    format!("level{level}"),
                    format!("test:bench/level{}", level + 1),
                ),
                false => b,
            }
        },
    );
    load(builder, engine)
}

/// `add(1, 2)` on the root `interface` of `tree`, checked to answer 3.
pub fn add_through(tree: &LoadedTree, interface: &str) -> u32 {
    match tree.dispatch(interface, "add", &[Val::U32(1), Val::U32(2)]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(3))))) => 3,
        other => panic!("{other:?}"),
    }
}

/// `add(u32, u32) -> u32`, typed.
pub type Add = wasmtime::component::TypedFunc<(u32, u32), (u32,)>;

/// The raw chain from `test:bench/level{top}` down to level5 with wasmtime
/// alone, isolated as plugtree isolates plugins: each component in its own
/// store behind a mutex, each socket a typed host function that locks the
/// store below and calls its `TypedFunc`. What plugtree's fast path does,
/// bare (no re-entry guard, budget, provider cache or failure handling).
/// With `one_store`, every component is instantiated in the top's store
/// instead and a hop calls straight into it: no isolation, no lock.
pub fn raw_chain(engine: &wasmtime::Engine, top: usize, one_store: bool) -> (Store<()>, Add) {
    let new_store = || floor_store(engine, ());
    let compile = |level: usize| {
        Component::from_file(engine, guests::guest(&format!("bench-level{level}")))
            .expect("compiles")
    };
    let instantiate =
        |linker: &Linker<()>, store: &mut Store<()>, component: &Component, level: usize| -> Add {
            let instance = linker.instantiate(&mut *store, component).expect("instantiates");
            let iface = component
                .get_export_index(None, format!("test:bench/level{level}"))
                .expect("exported");
            let add = component.get_export_index(Some(&iface), "add").expect("add");
            instance.get_func(&mut *store, add).expect("func").typed(&*store).expect("typed")
        };
    let mut store = new_store();
    let mut below = instantiate(&Linker::new(engine), &mut store, &compile(5), 5);
    for level in (top..5).rev() {
        let below_store = (!one_store).then(|| std::mem::replace(&mut store, new_store()));
        let mut linker: Linker<()> = Linker::new(engine);
        let mut socket =
            linker.instance(&format!("test:bench/level{}", level + 1)).expect("instance");
        let add = below;
        match below_store {
            Some(other) => {
                let other = std::sync::Mutex::new(other);
                socket.func_wrap("add", move |_, (a, b): (u32, u32)| {
                    let mut other = other.lock().expect("lock");
                    Ok((Ok::<u32, RawProviderError>(add.call(&mut *other, (a, b))?.0),))
                })
            }
            None => socket.func_wrap("add", move |mut store, (a, b): (u32, u32)| {
                Ok((Ok::<u32, RawProviderError>(add.call(&mut store, (a, b))?.0),))
            }),
        }
        .expect("func_wrap");
        let component = compile(level);
        linker.define_unknown_imports_as_traps(&component).expect("traps");
        below = instantiate(&linker, &mut store, &component, level);
    }
    (store, below)
}

/// The arguments of the `values` guest's `tag(entry, extra)`: a record with
/// a list of strings, and a string.
pub fn tag_args() -> [Val; 2] {
    let entry = Val::Record(vec![
        ("name".into(), Val::String("ana".into())),
        (
            "tags".into(),
            Val::List(
                ["a", "bb", "ccc", "dddd"].iter().map(|t| Val::String((*t).into())).collect(),
            ),
        ),
        ("score".into(), Val::Option(Some(Box::new(Val::U32(7))))),
    ]);
    [entry, Val::String("extra".into())]
}

/// The floor's side: `component` instantiated with wasmtime alone, in a
/// [`floor_store`]; returns the store and a lookup of `interface`'s exported
/// functions.
pub fn raw_instance<T: 'static>(
    engine: &wasmtime::Engine,
    linker: &Linker<T>,
    component: &Component,
    data: T,
    interface: &str,
) -> (Store<T>, impl Fn(&mut Store<T>, &str) -> wasmtime::component::Func + use<T>) {
    let mut store = floor_store(engine, data);
    let instance = linker.instantiate(&mut store, component).expect("instantiates");
    let iface = component.get_export_index(None, interface).expect("exported");
    let component = component.clone();
    let func = move |store: &mut Store<T>, name: &str| {
        let index = component.get_export_index(Some(&iface), name).expect("export");
        instance.get_func(&mut *store, index).expect("func")
    };
    (store, func)
}
