//! Rich types across one hop (`test-components/wit/app/rich.wit`): a record
//! of strings and ints, `list<string>` of 100, `list<u32>` of 1,000 and a
//! variant, each passed through `front` to `shapes` and back. The floor is
//! `rich-plain` composed statically with `rich-provider` by `wasm-compose`
//! (`rich::floor`); plugtree's rows are the same components as a tree: plain
//! (`rich-plain`), fused at load (the default for its edge) or kept dynamic,
//! and in the socket ABI (`rich-abi`), called with the typed
//! root call (`RootFunc::typed`), so the host's own `Val` conversion is not
//! what they measure.
//!
//! Between the floor and plugtree, two rows with wasmtime alone show where a
//! dynamic hop's time goes: `rich-plain` in a store of its own whose
//! `shapes` imports are host functions calling `rich-provider` in another
//! store (behind a mutex, as plugtree isolates plugins), typed
//! (`func_wrap` → `TypedFunc`) or with `Val`s (`func_new` → `Func::call`,
//! as plugtree's links do for these types). The first row is the provider
//! alone, called by the host (no hop). Every row of a function is checked
//! once to answer what the provider alone answers.
//!
//! Every row is timed in each of ROUNDS interleaved rounds and kept at its
//! best round (noise only adds time); a row's call count is set once so
//! that a round of it takes about MS milliseconds.
//!
//! `cargo bench --bench rich_hop [-- MS ROUNDS]` (default 25 ms, 15 rounds).

#[path = "../tests/all/guests/mod.rs"]
mod guests;
mod rich;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use plugtree::{LoadedTree, Socket};
use rich::{Event, FRONT, Person, SHAPES};
use wasmtime::component::{
    Component, ComponentNamedList, Instance, Lift, Linker, LinkerInstance, Lower, TypedFunc,
};
use wasmtime::{Engine, Store};

/// The table's columns: (key, heading).
const SYSTEMS: [(&str, &str); 7] = [
    ("provider", "provider alone"),
    ("floor", "composed (floor)"),
    ("typed", "host hop, typed"),
    ("vals", "host hop, `Val`s"),
    ("fused", "plugtree fused"),
    ("plain", "plugtree plain, dynamic"),
    ("abi", "plugtree socket ABI"),
];

/// One function timed on one system.
struct Row<'t> {
    function: &'static str,
    system: &'static str,
    calls: u32,
    call: Box<dyn FnMut() + 't>,
}

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only arguments read.
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let budget_ms = numbers.first().copied().unwrap_or(25);
    let rounds = numbers.get(1).copied().unwrap_or(15);
    let engine = plugtree::default_engine().expect("engine");
    let fused = load(rich::tree("rich-plain"), &engine);
    let plain = load(rich::tree("rich-plain").keep_dynamic("rich-plain", rich::SHAPES), &engine);
    let abi = load(rich::tree("rich-abi"), &engine);
    let compile = |name| Component::from_file(&engine, guests::guest(name)).expect("compiles");
    let setup = Setup {
        engine: &engine,
        provider: compile("rich-provider"),
        floor: rich::floor(&engine),
        consumer: compile("rich-plain"),
        typed_hop: host_hop_linker(&engine, true),
        val_hop: host_hop_linker(&engine, false),
        fused: &fused,
        plain: &plain,
        abi: &abi,
        budget_ns: f64::from(budget_ms) * 1e6,
    };
    // Leaked so that a call borrows them (`'static` for the typed root call)
    // and the host copies nothing per call.
    let person: &'static Person = Box::leak(Box::new(rich::person()));
    let strings: &'static [String] = rich::strings().leak();
    let numbers: &'static [u32] = rich::numbers().leak();
    let event: &'static Event = Box::leak(Box::new(rich::event()));
    let mut rows = setup.rows::<_, (Person,)>("pass-record", (person,));
    rows.extend(setup.rows::<_, (Vec<String>,)>("pass-strings", (strings,)));
    rows.extend(setup.rows::<_, (Vec<u32>,)>("pass-numbers", (numbers,)));
    rows.extend(setup.rows::<_, (Event,)>("pass-variant", (event,)));

    let mut best: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for _ in 0..rounds {
        for row in &mut rows {
            (0..row.calls / 10).for_each(|_| (row.call)());
            let start = Instant::now();
            (0..row.calls).for_each(|_| (row.call)());
            let ns = start.elapsed().as_nanos() as f64 / f64::from(row.calls);
            let kept = best.entry((row.function, row.system)).or_insert(f64::MAX);
            *kept = kept.min(ns);
        }
    }

    println!(
        "best of {rounds} interleaved rounds, about {budget_ms} ms of calls each; ns per call (× the floor)\n"
    );
    let headings: Vec<&str> = SYSTEMS.iter().map(|(_, h)| *h).collect();
    println!("| one hop | {} |", headings.join(" | "));
    println!("|---|{}", "---:|".repeat(SYSTEMS.len()));
    let types = ["record", "`list<string>` × 100", "`list<u32>` × 1,000", "variant"];
    for (function, label) in rich::FUNCTIONS.into_iter().zip(types) {
        let floor = best[&(function, "floor")];
        let cells: Vec<String> = SYSTEMS
            .iter()
            .map(|(system, _)| {
                let ns = best[&(function, *system)];
                format!("{ns:.0} ns ({:.2}×)", ns / floor)
            })
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
}

/// `builder`'s tree loaded on `engine`; panics on any error (a benchmark
/// measures a tree that loads whole).
fn load(builder: plugtree::TreeBuilder, engine: &Engine) -> LoadedTree {
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(engine);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

/// Everything the rows need, built once.
struct Setup<'t> {
    engine: &'t Engine,
    provider: Component,
    floor: Component,
    consumer: Component,
    typed_hop: Linker<()>,
    val_hop: Linker<()>,
    fused: &'t LoadedTree,
    plain: &'t LoadedTree,
    abi: &'t LoadedTree,
    /// About how long one round of a row takes.
    budget_ns: f64,
}

/// A call answering `R`, before it is timed.
type Call<'t, R> = Box<dyn FnMut() -> R + 't>;

impl<'t> Setup<'t> {
    /// The rows of `function` called with `params`, one per [`SYSTEMS`].
    fn rows<P, R>(&self, function: &'static str, params: P) -> Vec<Row<'t>>
    where
        P: ComponentNamedList + Lower + Copy + Send + Sync + 'static,
        R: ComponentNamedList + Lift + PartialEq + Debug + Send + Sync + 'static,
    {
        // wasmtime alone: `component` linked by `linker`, its `interface`'s `function` typed.
        let raw = |linker: &Linker<()>, component: &Component, interface: &str| -> Call<'t, R> {
            let (mut store, instance) = rich::instantiate(self.engine, linker, component);
            let func: TypedFunc<P, R> =
                rich::typed_export(&mut store, component, &instance, interface, function);
            Box::new(move || func.call(&mut store, params).expect("call"))
        };
        let root = |tree: &'t LoadedTree| -> Call<'t, R> {
            let func = tree.root_func(function).expect("root function");
            let func = func.typed::<P, R>().expect("typed");
            Box::new(move || match func.call(params) {
                Ok(Socket::ExactlyOne(_, Ok(answer))) => answer,
                other => panic!("{function}: {other:?}"),
            })
        };
        let empty = Linker::new(self.engine);
        let calls: [Call<'t, R>; 7] = [
            raw(&empty, &self.provider, SHAPES),
            raw(&empty, &self.floor, FRONT),
            raw(&self.typed_hop, &self.consumer, FRONT),
            raw(&self.val_hop, &self.consumer, FRONT),
            root(self.fused),
            root(self.plain),
            root(self.abi),
        ];
        let mut expected = None;
        calls
            .into_iter()
            .zip(SYSTEMS)
            .map(|(mut call, (system, _))| {
                let answer = call();
                match &expected {
                    None => expected = Some(answer),
                    Some(wanted) => assert_eq!(&answer, wanted, "{function} on {system}"),
                }
                let calls = self.calibrate(&mut call);
                Row { function, system, calls, call: Box::new(move || drop(black_box(call()))) }
            })
            .collect()
    }

    /// How many calls of `call` take about [`Setup::budget_ns`].
    fn calibrate<R>(&self, call: &mut Call<'t, R>) -> u32 {
        const PROBE: u32 = 50;
        let start = Instant::now();
        (0..PROBE).for_each(|_| drop(black_box(call())));
        let per_call = start.elapsed().as_nanos() as f64 / f64::from(PROBE);
        (self.budget_ns / per_call.max(1.0)).clamp(100.0, 1e6) as u32
    }
}

/// `shapes` provided to `rich-plain` by host functions that call
/// `rich-provider` in a store of its own behind a mutex: typed, or with
/// `Val`s.
fn host_hop_linker(engine: &Engine, typed: bool) -> Linker<()> {
    let provider = Component::from_file(engine, guests::guest("rich-provider")).expect("compiles");
    let (mut store, instance) = rich::instantiate(engine, &Linker::new(engine), &provider);
    let mut linker = Linker::new(engine);
    let mut shapes = linker.instance(SHAPES).expect("instance");
    if typed {
        let store = Arc::new(Mutex::new(store));
        let hop = (&provider, &instance, &store);
        wrap_typed::<(Person,), (Person,)>(&mut shapes, "pass-record", hop);
        wrap_typed::<(Vec<String>,), (Vec<String>,)>(&mut shapes, "pass-strings", hop);
        wrap_typed::<(Vec<u32>,), (Vec<u32>,)>(&mut shapes, "pass-numbers", hop);
        wrap_typed::<(Event,), (Event,)>(&mut shapes, "pass-variant", hop);
    } else {
        let iface = provider.get_export_index(None, SHAPES).expect("exported");
        let funcs: Vec<_> = rich::FUNCTIONS
            .iter()
            .map(|name| {
                let index = provider.get_export_index(Some(&iface), name).expect("function");
                instance.get_func(&mut store, index).expect("func")
            })
            .collect();
        let store = Arc::new(Mutex::new(store));
        for (name, func) in rich::FUNCTIONS.into_iter().zip(funcs) {
            let store = store.clone();
            shapes
                .func_new(name, move |_, _, params, results| {
                    func.call(&mut *store.lock().expect("lock"), params, results)
                })
                .expect("func_new");
        }
    }
    linker
}

/// Defines `name` as a typed host function calling the provider's `name`,
/// typed as `P -> R`, in the provider's `store`.
fn wrap_typed<P, R>(
    shapes: &mut LinkerInstance<'_, ()>,
    name: &str,
    (provider, instance, store): (&Component, &Instance, &Arc<Mutex<Store<()>>>),
) where
    P: ComponentNamedList + Lift + Lower + Send + Sync + 'static,
    R: ComponentNamedList + Lift + Lower + Send + Sync + 'static,
{
    let func: TypedFunc<P, R> =
        rich::typed_export(&mut store.lock().expect("lock"), provider, instance, SHAPES, name);
    let store = store.clone();
    shapes
        .func_wrap(name, move |_, params: P| func.call(&mut *store.lock().expect("lock"), params))
        .expect("func_wrap");
}
