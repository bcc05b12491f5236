//! Rich values across one hop (`rich.wit`): the plain tree, the socket-ABI
//! tree and the static composition of the same two components (the floor
//! `benches/rich_hop.rs` measures against) answer alike, each what the
//! provider documents.

#[path = "../../benches/rich/mod.rs"]
mod shapes;

use std::fmt::Debug;

use plugtree::{LoadedTree, Socket};
use shapes::{FRONT, Person, SHAPES, provider};
use wasmtime::component::{Component, ComponentNamedList, Instance, Lift, Lower};

use crate::guests;

/// The three ways to call `front` under test.
struct Systems {
    /// Fused at load (the plain edge's default).
    plain: LoadedTree,
    /// The same, kept dynamic.
    dynamic: LoadedTree,
    abi: LoadedTree,
    floor: (wasmtime::Store<()>, Component, Instance),
}

impl Systems {
    fn new() -> Self {
        let component = shapes::floor(guests::engine());
        let linker = wasmtime::component::Linker::new(guests::engine());
        let (store, instance) = shapes::instantiate(guests::engine(), &linker, &component);
        Systems {
            plain: guests::load(shapes::tree("rich-plain")),
            dynamic: guests::load(shapes::tree("rich-plain").keep_dynamic("rich-plain", SHAPES)),
            abi: guests::load(shapes::tree("rich-abi")),
            floor: (store, component, instance),
        }
    }

    /// Calls `function` with `params` on each system, typed, and checks
    /// that each answers `expected`.
    fn check<P, R>(&mut self, function: &str, params: P, expected: R)
    where
        P: ComponentNamedList + Lower + Clone + Send + Sync + 'static,
        R: ComponentNamedList + Lift + Clone + PartialEq + Debug + Send + Sync + 'static,
    {
        let trees =
            [(&self.plain, "rich-plain"), (&self.dynamic, "rich-plain"), (&self.abi, "rich-abi")];
        for (tree, consumer) in trees {
            let func = tree.root_func(function).expect("root function");
            let answer = func.typed::<P, R>().expect("typed").call(params.clone()).expect("call");
            let wanted = Socket::ExactlyOne(consumer.into(), Ok(expected.clone()));
            assert_eq!(answer, wanted, "{consumer} {function}");
        }
        let (store, component, instance) = &mut self.floor;
        let func = shapes::typed_export::<P, R>(store, component, instance, FRONT, function);
        assert_eq!(func.call(&mut *store, params).expect("call"), expected, "floor {function}");
    }
}

#[test]
fn rich_values_cross_one_hop_alike_plain_socket_abi_and_composed() {
    let mut systems = Systems::new();
    // The plain edge is fused at load, unless kept dynamic.
    let fused_into = |tree: &LoadedTree| {
        let provider =
            tree.tree().plugins().find(|p| p.id == "rich-provider").map(|p| p.fused_into.cloned());
        provider.flatten().map(|p| p.to_string())
    };
    assert_eq!(fused_into(&systems.plain).as_deref(), Some("rich-plain"));
    assert_eq!(fused_into(&systems.dynamic), None);
    let person = shapes::person();
    systems.check::<(Person,), _>("pass-record", (person.clone(),), (provider::record(&person),));
    let strings = shapes::strings();
    assert_eq!(strings.len(), 100);
    systems.check("pass-strings", (strings.clone(),), (provider::strings(&strings),));
    let numbers = shapes::numbers();
    assert_eq!(numbers.len(), 1000);
    systems.check("pass-numbers", (numbers.clone(),), (provider::numbers(&numbers),));
    for event in shapes::events() {
        systems.check("pass-variant", (event.clone(),), (provider::variant(&event),));
    }
}
