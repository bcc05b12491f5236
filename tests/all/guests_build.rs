//! The guest components build, and export and import exactly what the other
//! tests rely on.
use crate::guests;

use wit_component::DecodedWasm;
use wit_parser::{
    InterfaceId, Resolve, Type, TypeDefKind, TypeOwner, WorldId, WorldItem, WorldKey,
};

const GUESTS: &[&str] = &[
    "values",
    "chain-bottom",
    "chain-mid",
    "chain-top",
    "diamond-shared",
    "diamond-left",
    "diamond-right",
    "diamond-top",
    "collector",
    "one-en",
    "one-fr",
    "maybe-en",
    "many-en",
    "many-fr",
    "many-de",
    "many-trap",
    "leaf-good",
    "leaf-missing",
    "leaf-wrong",
    "leaf-ghost",
    "cyc-a",
    "cyc-b",
    "leaf-needs-dep",
    "dep-good",
    "hostile-bystander",
    "hostile-front",
    "res-counters",
    "res-pool-a",
    "res-pool-b",
    "res-spare",
    "res-user",
    "rich-provider",
    "rich-plain",
    "rich-abi",
];

const SOCKET: &str = "plugtree:socket/types@0.1.0";

fn decode(bytes: &[u8]) -> (Resolve, WorldId) {
    match wit_component::decode(bytes).expect("decode component") {
        DecodedWasm::Component(resolve, world) => (resolve, world),
        DecodedWasm::WitPackage(..) => panic!("a WIT package, not a component"),
    }
}

fn load(name: &str) -> (Resolve, WorldId) {
    decode(&std::fs::read(guests::guest(name)).unwrap())
}

/// The sorted names of a world's imported or exported interfaces.
fn names<'a>(
    resolve: &Resolve,
    items: impl Iterator<Item = (&'a WorldKey, &'a WorldItem)>,
) -> Vec<String> {
    let mut names: Vec<String> = items
        .map(|(key, item)| match (key, item) {
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => resolve.id_of(*id).unwrap(),
            (key, _) => panic!("not an interface: {}", resolve.name_world_key(key)),
        })
        .collect();
    names.sort();
    names
}

/// `(exports, imports)` of a guest, each a sorted list of interface names.
fn shape(name: &str) -> (Vec<String>, Vec<String>) {
    let (resolve, world) = load(name);
    let world = &resolve.worlds[world];
    (names(&resolve, world.exports.iter()), names(&resolve, world.imports.iter()))
}

/// The interface `iface` that a world imports or exports.
fn interface(resolve: &Resolve, world: WorldId, iface: &str, export: bool) -> InterfaceId {
    let world = &resolve.worlds[world];
    let items = if export { &world.exports } else { &world.imports };
    items
        .keys()
        .find_map(|key| match key {
            WorldKey::Interface(id) if resolve.id_of(*id).as_deref() == Some(iface) => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no interface {iface}"))
}

/// The sorted function names of the interface `iface` of a world.
fn functions(resolve: &Resolve, world: WorldId, iface: &str, export: bool) -> Vec<String> {
    let id = interface(resolve, world, iface, export);
    let mut names: Vec<String> = resolve.interfaces[id].functions.keys().cloned().collect();
    names.sort();
    names
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_guest_builds_into_a_component() {
    for name in GUESTS {
        let (resolve, world) = load(name);
        assert_eq!(resolve.worlds[world].exports.len(), 1, "{name} exports one interface");
    }
}

#[test]
fn providers_import_nothing() {
    for (name, export) in [
        ("values", "test:app/values"),
        ("chain-bottom", "test:chain/bottom"),
        ("diamond-shared", "test:diamond/shared"),
        ("one-en", "test:card/one"),
        ("maybe-en", "test:card/maybe"),
        ("many-trap", "test:card/many"),
        ("leaf-good", "test:partial/leaf"),
        ("dep-good", "test:partial/dep"),
        ("rich-provider", "test:rich/shapes"),
    ] {
        assert_eq!(shape(name), (strings(&[export]), vec![]), "{name}");
    }
}

#[test]
fn consumers_import_their_sockets_and_the_socket_types() {
    for (name, export, imports) in [
        ("chain-mid", "test:chain/mid", &["test:chain/bottom"][..]),
        ("chain-top", "test:chain/top", &["test:chain/mid"]),
        ("diamond-left", "test:diamond/left", &["test:diamond/shared"]),
        ("diamond-top", "test:diamond/top", &["test:diamond/left", "test:diamond/right"]),
        (
            "collector",
            "test:card/collector",
            &["test:card/many", "test:card/maybe", "test:card/one"],
        ),
        ("cyc-a", "test:partial/leaf", &["test:partial/loop"]),
        ("cyc-b", "test:partial/loop", &["test:partial/leaf"]),
        ("leaf-needs-dep", "test:partial/leaf", &["test:partial/dep"]),
        ("rich-abi", "test:rich/front", &["test:rich/shapes"]),
    ] {
        let mut expected = strings(imports);
        expected.push(SOCKET.to_string());
        expected.sort();
        assert_eq!(shape(name), (strings(&[export]), expected), "{name}");
    }
}

#[test]
fn plain_consumers_import_their_sockets_alone() {
    // No plugtree package: each imports its socket in the app's own form.
    for (name, export, import) in [
        ("rich-plain", "test:rich/front", "test:rich/shapes"),
        ("plain-mid", "test:chain/mid", "test:chain/bottom"),
        ("plain-top", "test:chain/top", "test:chain/mid"),
    ] {
        assert_eq!(shape(name), (strings(&[export]), strings(&[import])), "{name}");
    }
}

#[test]
fn socket_functions_have_the_socket_abi_shape() {
    // chain-mid imports `bottom.depth: func() -> result<u32, provider-error>`.
    let (resolve, world) = load("chain-mid");
    let bottom = interface(&resolve, world, "test:chain/bottom", false);
    let Some(Type::Id(result)) = resolve.interfaces[bottom].functions["depth"].result else {
        panic!("depth returns no named type");
    };
    let TypeDefKind::Result(result) = &resolve.types[result].kind else { panic!("not a result") };
    assert_eq!(result.ok, Some(Type::U32));
    let Some(Type::Id(err)) = result.err else { panic!("no named error type") };
    // `use plugtree:socket/types@0.1.0.{provider-error}`: an alias in bottom
    // of the type defined by the socket package.
    let TypeDefKind::Type(Type::Id(err)) = resolve.types[err].kind else { panic!("not a use") };
    let err = &resolve.types[err];
    assert_eq!(err.name.as_deref(), Some("provider-error"));
    assert!(matches!(err.kind, TypeDefKind::Variant(_)));
    let TypeOwner::Interface(owner) = err.owner else { panic!("owned by a world") };
    assert_eq!(resolve.id_of(owner).as_deref(), Some(SOCKET));
}

#[test]
fn consumers_only_import_the_socket_functions_they_call() {
    // collector never calls one.notify or maybe.notify: the encoder drops them.
    let (resolve, world) = load("collector");
    assert_eq!(functions(&resolve, world, "test:card/one", false), ["greet"]);
    assert_eq!(functions(&resolve, world, "test:card/maybe", false), ["greet"]);
    assert_eq!(functions(&resolve, world, "test:card/many", false), ["greet", "notify"]);
}

#[test]
fn broken_leaves_have_the_expected_shape() {
    let (resolve, world) = load("leaf-missing");
    assert_eq!(functions(&resolve, world, "test:partial/leaf", true), ["value"]);

    let (resolve, world) = load("leaf-wrong");
    assert_eq!(functions(&resolve, world, "test:partial/leaf", true), ["label", "value"]);
    let leaf = interface(&resolve, world, "test:partial/leaf", true);
    assert_eq!(resolve.interfaces[leaf].functions["value"].result, Some(Type::String));

    assert_eq!(
        shape("leaf-ghost"),
        (strings(&["test:partial/leaf"]), strings(&["test:ghost/spooky"]))
    );
}

#[test]
fn trap_on_start_wat_exports_leaf() {
    let bytes = wat::parse_file(guests::wat("leaf-trap-start")).expect("parse WAT");
    let (resolve, world) = decode(&bytes);
    assert_eq!(names(&resolve, resolve.worlds[world].exports.iter()), ["test:partial/leaf"]);
    assert!(resolve.worlds[world].imports.is_empty());
    assert_eq!(functions(&resolve, world, "test:partial/leaf", true), ["label", "value"]);
}

#[test]
fn hostile_guests_have_the_expected_shape() {
    assert_eq!(
        shape("hostile-villain"),
        (strings(&["hostile:hoard/tokens", "test:hostile/attack"]), vec![])
    );
    assert_eq!(shape("hostile-bystander"), (strings(&["test:hostile/attack"]), vec![]));
    assert_eq!(
        shape("hostile-front"),
        (strings(&["test:hostile/front"]), strings(&[SOCKET, "test:hostile/attack"]))
    );
    for wat in ["leaf-spin-start", "leaf-recurse"] {
        let bytes = wat::parse_file(guests::wat(wat)).expect("parse WAT");
        let (resolve, world) = decode(&bytes);
        assert_eq!(
            functions(&resolve, world, "test:partial/leaf", true),
            ["label", "value"],
            "{wat}"
        );
    }
}

#[test]
fn resource_guests_have_the_expected_shape() {
    for (name, export) in [
        ("res-counters", "test:res/counters"),
        ("res-pool-a", "test:res/pool"),
        ("res-pool-b", "test:res/pool"),
        ("res-spare", "test:res/spare"),
    ] {
        assert_eq!(shape(name), (strings(&[export]), vec![]), "{name}");
    }
    assert_eq!(
        shape("res-user"),
        (
            strings(&["test:res/user"]),
            strings(&[SOCKET, "test:res/counters", "test:res/pool", "test:res/spare"])
        )
    );
}

#[test]
fn app_wit_holds_one_file_per_package() {
    let mut files: Vec<String> = std::fs::read_dir(guests::app_wit())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "bench.wit",
            "card.wit",
            "chain.wit",
            "diamond.wit",
            "host.wit",
            "hostile.wit",
            "partial.wit",
            "pool.wit",
            "prof.wit",
            "res.wit",
            "rich.wit",
            "values.wit"
        ]
    );
    for file in &files {
        let mut resolve = Resolve::default();
        let pkg = resolve.push_file(guests::app_wit().join(file)).unwrap();
        assert!(resolve.packages[pkg].worlds.is_empty(), "{file} holds only interfaces");
    }
}
