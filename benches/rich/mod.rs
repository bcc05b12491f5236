//! The rich-types hop (`test-components/wit/app/rich.wit`): Rust types for
//! its values, the inputs, what the provider answers, the two plugtree trees
//! (plain and socket ABI) and the floor — `rich-plain` composed with
//! `rich-provider` by `wasm-compose`, outside plugtree. Shared by
//! `benches/rich_hop.rs` and `tests/all/rich.rs`.
#![allow(dead_code)] // the bench and the test each use part of it

use plugtree::{PluginTree, TreeBuilder};
use wasmtime::component::{Component, ComponentType, Lift, Lower};

use crate::guests;

/// The provider's interface.
pub const SHAPES: &str = "test:rich/shapes";
/// The consumer's plug, forwarding to [`SHAPES`]; the root of both trees.
pub const FRONT: &str = "test:rich/front";
/// The four functions, in WIT order; each takes and returns one type.
pub const FUNCTIONS: [&str; 4] = ["pass-record", "pass-strings", "pass-numbers", "pass-variant"];

/// `record person` (declared alike in `shapes` and `front`).
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(record)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub city: String,
    pub age: u32,
    pub id: u64,
}

/// `variant event` (declared alike in `shapes` and `front`).
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq)]
#[component(variant)]
pub enum Event {
    #[component(name = "click")]
    Click((i32, i32)),
    #[component(name = "key")]
    Key(String),
    #[component(name = "scroll")]
    Scroll(f64),
    #[component(name = "idle")]
    Idle,
}

/// The record input: a few strings and ints.
pub fn person() -> Person {
    Person {
        name: "Ada Lovelace".into(),
        email: "ada@analytical.example".into(),
        city: "London".into(),
        age: 36,
        id: 1_815_121_000,
    }
}

/// The `list<string>` input: 100 short strings.
pub fn strings() -> Vec<String> {
    (0..100).map(|i| format!("item-{i:03}")).collect()
}

/// The `list<u32>` input: 1,000 numbers.
pub fn numbers() -> Vec<u32> {
    (0..1000).map(|i| i * 7).collect()
}

/// The variant input the benchmark passes: a case with a string payload.
pub fn event() -> Event {
    Event::Key("ctrl+shift+enter".into())
}

/// Every case of the variant, for the test.
pub fn events() -> [Event; 4] {
    [Event::Click((3, -4)), event(), Event::Scroll(2.5), Event::Idle]
}

/// What `rich-provider` answers, as `rich.wit` documents it.
pub mod provider {
    use super::{Event, Person};

    /// `pass-record`: `name` + "!", `age` + 1, `id` + 1.
    pub fn record(p: &Person) -> Person {
        Person {
            name: format!("{}!", p.name),
            age: p.age.wrapping_add(1),
            id: p.id.wrapping_add(1),
            ..p.clone()
        }
    }

    /// `pass-strings`: reversed.
    pub fn strings(s: &[String]) -> Vec<String> {
        s.iter().rev().cloned().collect()
    }

    /// `pass-numbers`: each + 1.
    pub fn numbers(n: &[u32]) -> Vec<u32> {
        n.iter().map(|x| x.wrapping_add(1)).collect()
    }

    /// `pass-variant`: click's pair swapped, key + "!", scroll negated.
    pub fn variant(e: &Event) -> Event {
        match e {
            Event::Click((x, y)) => Event::Click((*y, *x)),
            Event::Key(k) => Event::Key(format!("{k}!")),
            Event::Scroll(d) => Event::Scroll(-d),
            Event::Idle => Event::Idle,
        }
    }
}

/// The tree root `front` = `consumer` (`rich-plain` or `rich-abi`) over
/// the provider `rich-provider`, `shapes` exactly-one (the default).
pub fn tree(consumer: &str) -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("rich.wit"))
        .root(FRONT)
        .plugin(consumer, guests::guest(consumer))
        .plugin("rich-provider", guests::guest("rich-provider"))
}

/// The floor's component: `rich-plain` with its `shapes` import satisfied by
/// `rich-provider`'s export, composed statically by `wasm-compose` (what
/// `wasm-tools compose -d rich-provider.wasm rich-plain.wasm` does), compiled
/// on `engine`. Panics unless the composition imports nothing.
pub fn floor(engine: &wasmtime::Engine) -> Component {
    let config = wasm_compose::config::Config {
        definitions: vec![guests::guest("rich-provider")],
        // An import left unsatisfied is an error, not an import of the result.
        disallow_imports: true,
        ..Default::default()
    };
    let consumer = guests::guest("rich-plain");
    let bytes = wasm_compose::composer::ComponentComposer::new(&consumer, &config)
        .compose()
        .expect("rich-plain and rich-provider compose");
    let component = Component::new(engine, &bytes).expect("the composition compiles");
    let imports: Vec<String> =
        component.component_type().imports(engine).map(|(name, _)| name.to_string()).collect();
    assert!(imports.is_empty(), "the composition still imports {imports:?}");
    component
}

/// A store and an instance of `component` linked by `linker`, with wasmtime
/// alone, given what plugtree gives an unlimited plugin (its engine counts
/// fuel and checks epochs), so the floor runs the same code as the trees.
pub fn instantiate(
    engine: &wasmtime::Engine,
    linker: &wasmtime::component::Linker<()>,
    component: &Component,
) -> (wasmtime::Store<()>, wasmtime::component::Instance) {
    let mut store = wasmtime::Store::new(engine, ());
    store.set_fuel(u64::MAX).expect("fuel");
    store.set_epoch_deadline(u64::MAX / 4);
    let instance = linker.instantiate(&mut store, component).expect("instantiates");
    (store, instance)
}

/// `interface`'s function `name` exported by `instance` (of `component`),
/// typed as `P -> R`.
pub fn typed_export<P, R>(
    store: &mut wasmtime::Store<()>,
    component: &Component,
    instance: &wasmtime::component::Instance,
    interface: &str,
    name: &str,
) -> wasmtime::component::TypedFunc<P, R>
where
    P: wasmtime::component::ComponentNamedList + Lower,
    R: wasmtime::component::ComponentNamedList + Lift,
{
    let iface = component.get_export_index(None, interface).expect("interface exported");
    let index = component.get_export_index(Some(&iface), name).expect("function exported");
    let func = instance.get_func(&mut *store, index).expect("func");
    func.typed(&*store).expect("typed")
}
