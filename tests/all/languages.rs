//! Plugins in Python, JavaScript and C beside Rust: a Rust and a Python
//! consumer fan out to providers in all four languages, and values of every
//! WIT kind cross each language unchanged.
//!
//! Each tree is built and loaded once per test binary, and every component is
//! compiled once per machine (plugtree's artifact cache under `target/`): a
//! Python or JavaScript component is 12–18 MB and takes seconds to compile.

use crate::guests;
use crate::polyglot;

use std::sync::OnceLock;

use plugtree::load::{ArtifactCache, LoadOptions};
use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, TreeBuilder, Val};
use wit_component::DecodedWasm;

/// Builds and loads a tree, its components compiled once per machine: the
/// precompiled artifacts are kept in `target/plugtree-cache` across test runs.
fn load(builder: TreeBuilder) -> LoadedTree {
    let (tree, build_errors) = builder.build().expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let options =
        LoadOptions::default().with_cache(ArtifactCache::new(polyglot::cache().join("artifacts")));
    let (loaded, load_errors) = tree.load_with(guests::engine(), &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

/// Two collectors on an `any` root, the Python one first: each calls `one`
/// and `maybe` (Rust providers) and fans out on `many` to a Rust, a Python, a
/// JavaScript, a C and a trapping Rust provider.
fn collectors() -> &'static LoadedTree {
    static TREE: OnceLock<LoadedTree> = OnceLock::new();
    TREE.get_or_init(|| {
        load(
            guests::card_app()
                .root("test:card/collector")
                .cardinality("test:card/collector", Cardinality::Any)
                .plugin("py-collector", polyglot::guest("py-collector"))
                .plugin("collector", guests::guest("collector"))
                .plugin("one-en", guests::guest("one-en"))
                .plugin("maybe-en", guests::guest("maybe-en"))
                .plugin("many-en", guests::guest("many-en"))
                .plugin("py-many", polyglot::guest("py-many"))
                .plugin("js-many", polyglot::guest("js-many"))
                .plugin("c-many", polyglot::guest("c-many"))
                .plugin("many-trap", guests::guest("many-trap")),
        )
    })
}

/// `test:app/values` on an `any` root, provided in Rust, Python, JavaScript and C.
fn values() -> &'static LoadedTree {
    static TREE: OnceLock<LoadedTree> = OnceLock::new();
    TREE.get_or_init(|| {
        load(
            PluginTree::builder()
                .wit(guests::app_wit().join("values.wit"))
                .root("test:app/values")
                .cardinality("test:app/values", Cardinality::Any)
                .plugin("values", guests::guest("values"))
                .plugin("py-values", polyglot::guest("py-values"))
                .plugin("js-values", polyglot::guest("js-values"))
                .plugin("c-values", polyglot::guest("c-values")),
        )
    })
}

/// Every root plugin's answer, by plugin id, each a value or an error message.
fn answers(
    tree: &LoadedTree,
    interface: &str,
    function: &str,
    args: &[Val],
) -> Vec<(String, Result<Option<Val>, String>)> {
    match tree.dispatch(interface, function, args) {
        Ok(Socket::Any(answers)) => answers
            .into_iter()
            .map(|(plugin, answer)| (plugin.to_string(), answer.map_err(|e| e.to_string())))
            .collect(),
        other => panic!("{function}: not an any socket's answer: {other:?}"),
    }
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}

fn err(v: Val) -> Val {
    Val::Result(Err(Some(Box::new(v))))
}

fn entry(id: &str, v: Val) -> Val {
    Val::Tuple(vec![s(id), v])
}

#[test]
fn rust_and_python_consumers_fan_out_to_rust_python_javascript_and_c_providers() {
    let tree = collectors();
    let greetings = |with_trap: Option<&str>| {
        let mut list = vec![
            entry("many-en", ok(Some(s("hello, ana")))),
            entry("py-many", ok(Some(s("hola, ana")))),
            entry("js-many", ok(Some(s("ciao, ana")))),
            entry("c-many", ok(Some(s("salut, ana")))),
        ];
        if let Some(message) = with_trap {
            list.push(entry("many-trap", err(s(message))));
        }
        Val::List(list)
    };
    // The Python collector calls first: it sees the trapping provider's failure
    // as a value; the Rust collector, called next, no longer sees the failed plugin.
    let answers = answers(tree, "test:card/collector", "call-many", &[s("ana")]);
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].0, "py-collector");
    let Ok(Some(Val::List(py))) = &answers[0].1 else { panic!("{answers:?}") };
    let Val::Tuple(trap) = &py[4] else { panic!("{py:?}") };
    let Val::Result(Err(Some(message))) = &trap[1] else { panic!("{trap:?}") };
    let Val::String(message) = &**message else { panic!("{message:?}") };
    assert!(message.starts_with("trapped: "), "{message}");
    assert_eq!(answers[0].1, Ok(Some(greetings(Some(message)))));
    assert_eq!(answers[1], ("collector".to_string(), Ok(Some(greetings(None)))));
    a_python_consumer_calls_rust_providers_on_every_cardinality();
}

/// Called after the fan-out, in the same test: the trap there fails `many-trap`
/// for good, which every later call on the shared tree sees.
fn a_python_consumer_calls_rust_providers_on_every_cardinality() {
    let tree = collectors();
    for (function, expected) in [
        ("call-one", ok(Some(s("hello, léa")))),
        ("call-maybe", Val::Option(Some(Box::new(ok(Some(s("hello, léa"))))))),
    ] {
        let expected = vec![
            ("py-collector".to_string(), Ok(Some(expected.clone()))),
            ("collector".to_string(), Ok(Some(expected))),
        ];
        assert_eq!(
            answers(tree, "test:card/collector", function, &[s("léa")]),
            expected,
            "{function}"
        );
    }
    // A function without a result: each working provider reports `ok` (c-many
    // printed with printf, to a stdout it was not granted: discarded).
    let notified = answers(tree, "test:card/collector", "notify-many", &[s("hi")]);
    for (collector, answer) in notified {
        let Ok(Some(Val::List(list))) = answer else { panic!("{collector}: {answer:?}") };
        let ids: Vec<&Val> = list
            .iter()
            .filter_map(|e| match e {
                Val::Tuple(pair) if pair[1] == ok(None) => Some(&pair[0]),
                _ => None,
            })
            .collect();
        assert_eq!(ids, [&s("many-en"), &s("py-many"), &s("js-many"), &s("c-many")], "{collector}");
    }
}

fn record(name: &str, tags: &[&str], score: Option<u32>) -> Val {
    Val::Record(vec![
        ("name".into(), s(name)),
        ("tags".into(), Val::List(tags.iter().map(|t| s(t)).collect())),
        ("score".into(), Val::Option(score.map(|n| Box::new(Val::U32(n))))),
    ])
}

#[test]
fn values_of_every_kind_round_trip_through_rust_python_javascript_and_c() {
    let tree = values();
    let text = "héllo, 世界 👋 \u{0} end";
    let bytes: Vec<Val> = (0..300u32).map(|i| Val::U8(i as u8)).collect();
    let cases: Vec<(&str, Vec<Val>, Option<Val>)> = vec![
        ("add", vec![Val::U32(7), Val::U32(5)], Some(Val::U32(12))),
        ("add", vec![Val::U32(u32::MAX), Val::U32(2)], Some(Val::U32(1))),
        ("echo", vec![s(text)], Some(s(text))),
        ("echo", vec![s("")], Some(s(""))),
        (
            "tag",
            vec![record("ana", &["x"], None), s("y")],
            Some(record("ana", &["x", "y"], Some(1))),
        ),
        ("tag", vec![record("", &[], Some(41)), s("z")], Some(record("", &["z"], Some(42)))),
        (
            "area",
            vec![Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.0))))],
            Some(Val::Float64(12.0)),
        ),
        (
            "area",
            vec![Val::Variant(
                "rect".into(),
                Some(Box::new(Val::Tuple(vec![Val::Float64(2.5), Val::Float64(4.0)]))),
            )],
            Some(Val::Float64(10.0)),
        ),
        ("area", vec![Val::Variant("empty".into(), None)], Some(Val::Float64(0.0))),
        ("checked-div", vec![Val::U32(7), Val::U32(2)], Some(ok(Some(Val::U32(3))))),
        ("checked-div", vec![Val::U32(1), Val::U32(0)], Some(err(s("division by zero")))),
        ("find", vec![s("green")], Some(Val::Option(Some(Box::new(Val::Enum("green".into())))))),
        ("find", vec![s("mauve")], Some(Val::Option(None))),
        (
            "grant",
            vec![Val::Flags(vec!["read".into()])],
            Some(Val::Flags(vec!["read".into(), "exec".into()])),
        ),
        ("grant", vec![Val::Flags(vec![])], Some(Val::Flags(vec!["exec".into()]))),
        ("nothing", vec![], None),
        ("bytes", vec![Val::U32(300)], Some(Val::List(bytes))),
        ("bytes", vec![Val::U32(0)], Some(Val::List(vec![]))),
    ];
    for (function, args, expected) in cases {
        let expected: Vec<_> = ["values", "py-values", "js-values", "c-values"]
            .iter()
            .map(|id| (id.to_string(), Ok(expected.clone())))
            .collect();
        assert_eq!(
            answers(tree, "test:app/values", function, &args),
            expected,
            "{function}({args:?})"
        );
    }
}

/// The named interfaces a component exports and the non-WASI ones it imports
/// (componentize-py also exports an unnamed `exports` instance with its `init`,
/// which is no plug).
fn shape(path: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let DecodedWasm::Component(resolve, world) =
        wit_component::decode(&std::fs::read(path).unwrap()).unwrap()
    else {
        panic!("not a component")
    };
    let world = &resolve.worlds[world];
    let names = |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| {
        let mut names: Vec<String> = items
            .keys()
            .filter_map(|key| match key {
                wit_parser::WorldKey::Interface(id) => resolve.id_of(*id),
                wit_parser::WorldKey::Name(_) => None,
            })
            .filter(|name| !name.starts_with("wasi:"))
            .collect();
        names.sort();
        names
    };
    (names(&world.exports), names(&world.imports))
}

#[test]
fn python_javascript_and_c_guests_export_their_plug_and_import_only_sockets_and_wasi() {
    let socket = "plugtree:socket/types@0.1.0".to_string();
    for (name, export, imports) in [
        ("py-many", "test:card/many", vec![]),
        ("js-many", "test:card/many", vec![]),
        ("c-many", "test:card/many", vec![]),
        ("py-values", "test:app/values", vec![]),
        ("js-values", "test:app/values", vec![]),
        ("c-values", "test:app/values", vec![]),
        (
            "py-collector",
            "test:card/collector",
            vec![socket, "test:card/many".into(), "test:card/maybe".into(), "test:card/one".into()],
        ),
    ] {
        assert_eq!(shape(&polyglot::guest(name)), (vec![export.to_string()], imports), "{name}");
    }
}

/// `plugtree new` in each language, built with `plugtree build`, loaded beside
/// a Rust provider of its socket, and called: every stub answers its placeholder.
#[test]
fn plugtree_new_writes_a_plugin_that_builds_loads_and_answers_in_each_language() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/plugtree-new");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let manifest = root.join("plugtree.toml");
    std::fs::write(
        &manifest,
        format!(
            "root = \"test:card/many\"\nwit = [{:?}]\n[cardinality]\n\"test:card/many\" = \"any\"\n",
            guests::app_wit().join("card.wit")
        ),
    )
    .unwrap();
    let out = root.join("components");
    for (lang, name) in [("rust", "new-rs"), ("python", "new-py"), ("js", "new-js"), ("c", "new-c")]
    {
        let dir = root.join(name);
        let output = polyglot::plugtree()
            .args(["new", "-m"])
            .arg(&manifest)
            .args(["--lang", lang, "--plug", "test:card/many", "--socket", "test:card/one"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        // The socket is imported in the socket ABI of its cardinality.
        let deps = std::fs::read_to_string(dir.join("wit/deps/test-card.wit")).unwrap();
        assert!(
            deps.contains("greet: func(name: string) -> result<string, provider-error>;"),
            "{deps}"
        );
        // The Rust guest shares the test guests' target folder: wit-bindgen is built once.
        let built = polyglot::plugtree()
            .env("CARGO_TARGET_DIR", root.join("../../test-components"))
            .arg("build")
            .arg(&dir)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(built.status.success(), "{lang}: {}", String::from_utf8_lossy(&built.stderr));
    }
    let tree = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("card.wit"))
            .root("test:card/many")
            .cardinality("test:card/many", Cardinality::Any)
            .plugin("new-rs", out.join("new-rs.wasm"))
            .plugin("new-py", out.join("new-py.wasm"))
            .plugin("new-js", out.join("new-js.wasm"))
            .plugin("new-c", out.join("new-c.wasm"))
            .plugin("one-en", guests::guest("one-en")),
    );
    let todo = Ok(Some(s("TODO: implement test:card/many.greet")));
    assert_eq!(
        answers(&tree, "test:card/many", "greet", &[s("ana")]),
        [
            ("new-rs".to_string(), todo.clone()),
            ("new-py".to_string(), todo.clone()),
            ("new-js".to_string(), todo.clone()),
            ("new-c".to_string(), todo)
        ]
    );
    assert_eq!(
        answers(&tree, "test:card/many", "notify", &[s("hi")]),
        [
            ("new-rs".to_string(), Ok(None)),
            ("new-py".to_string(), Ok(None)),
            ("new-js".to_string(), Ok(None)),
            ("new-c".to_string(), Ok(None))
        ]
    );
}
