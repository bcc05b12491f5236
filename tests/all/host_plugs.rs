//! Host plugs: Rust functions in the tree beside components. The ready-made
//! key-value store and log serve a real guest (`host-notes`) end to end; host
//! plugs sit beside components on `any` sockets (root and consumer), count
//! for cardinality, and their failures reach consumers as values.

use crate::guests;

use crate::guests::load;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use plugtree::host::{HOST_WIT, HostError, HostPlug, Log, LogLevel, LogLine, MemoryKv};
use plugtree::resolve::{PluginStatus, Unsatisfied};
use plugtree::{
    BuildError, CallError, Cardinality, LoadedTree, PluginKind, PluginTree, Socket, TreeBuilder,
    Val, ValueType,
};

fn s(text: &str) -> Val {
    Val::String(text.into())
}

fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}

fn err(text: &str) -> Val {
    Val::Result(Err(Some(Box::new(s(text)))))
}

fn entry(id: &str, v: Val) -> Val {
    Val::Tuple(vec![s(id), v])
}

fn one(tree: &LoadedTree, interface: &str, function: &str, args: &[Val]) -> Val {
    match tree.dispatch(interface, function, args) {
        Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
        other => panic!("`{function}` did not answer: {other:?}"),
    }
}

fn notes_app(kv: &MemoryKv, log: &Log) -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("host.wit"))
        .wit_text("plugtree-host.wit", HOST_WIT)
        .cardinality("plugtree:host/log", Cardinality::Any)
        .root("test:host/notes")
        .plugin("notes", guests::guest("host-notes"))
        .host_plug(kv.plug("kv"))
        .host_plug(log.plug("log"))
}

#[test]
fn a_guest_keeps_notes_in_the_hosts_store_and_logs_to_the_host() {
    let (kv, log) = (MemoryKv::new(), Log::new());
    let tree = load(notes_app(&kv, &log));
    let notes = "test:host/notes";
    assert_eq!(one(&tree, notes, "remember", &[s("todo"), s("write tests")]), ok(None));
    assert_eq!(one(&tree, notes, "remember", &[s("idea"), s("host plugs")]), ok(None));
    // The host sees what the guest stored, and the guest what the host stored.
    assert_eq!(kv.get("todo"), Some(b"write tests".to_vec()));
    kv.set("from-host", b"hi".to_vec()).expect("room");
    assert_eq!(
        one(&tree, notes, "recall", &[s("from-host")]),
        ok(Some(Val::Option(Some(Box::new(s("hi"))))))
    );
    assert_eq!(one(&tree, notes, "recall", &[s("nothing")]), ok(Some(Val::Option(None))));
    let keys = Val::List(vec![s("from-host"), s("idea"), s("todo")]);
    assert_eq!(one(&tree, notes, "keys", &[]), ok(Some(keys)));
    assert_eq!(one(&tree, notes, "forget", &[s("todo")]), ok(Some(Val::Bool(true))));
    assert_eq!(one(&tree, notes, "forget", &[s("todo")]), ok(Some(Val::Bool(false))));
    assert_eq!(kv.keys(), vec!["from-host".to_string(), "idea".to_string()]);
    // The host deletes too, and the guest sees it.
    assert!(kv.delete("idea"));
    assert!(!kv.delete("idea"));
    assert_eq!(one(&tree, notes, "recall", &[s("idea")]), ok(Some(Val::Option(None))));
    let line = |level, message: &str| LogLine {
        plug: "log".into(),
        caller: Some("notes".into()),
        level,
        message: message.into(),
    };
    assert_eq!(
        log.lines(),
        vec![
            line(LogLevel::Info, "remembered todo (11 bytes)"),
            line(LogLevel::Info, "remembered idea (10 bytes)"),
            line(LogLevel::Debug, "recalled from-host"),
            line(LogLevel::Debug, "recalled nothing"),
            line(LogLevel::Warn, "forgot todo"),
            line(LogLevel::Warn, "forgot todo"),
            line(LogLevel::Debug, "recalled idea"),
        ]
    );
    let kinds: Vec<_> =
        tree.tree().plugins().map(|p| (p.id.to_string(), p.kind, p.status)).collect();
    assert_eq!(
        kinds,
        vec![
            ("notes".to_string(), PluginKind::Component, PluginStatus::Ready),
            ("kv".to_string(), PluginKind::Host, PluginStatus::Ready),
            ("log".to_string(), PluginKind::Host, PluginStatus::Ready),
        ]
    );
}

#[test]
fn a_host_plugs_error_reaches_the_guest_as_a_value() {
    // A store of 16 bytes refuses the second note; the guest answers with the reason.
    let (kv, log) = (MemoryKv::with_capacity(16), Log::new());
    let tree = load(notes_app(&kv, &log));
    assert_eq!(one(&tree, "test:host/notes", "remember", &[s("a"), s("0123456789")]), ok(None));
    assert_eq!(
        one(&tree, "test:host/notes", "remember", &[s("b"), s("0123456789")]),
        err(
            "unavailable: the key-value store is full: storing 10 bytes under `b` would take it past its 16 bytes"
        )
    );
    assert_eq!(kv.keys(), vec!["a".to_string()]);
    // A second log plug on the `any` socket: both get every line.
    let second = Log::new();
    let tree = load(notes_app(&kv, &log).host_plug(second.plug("audit")));
    assert_eq!(one(&tree, "test:host/notes", "forget", &[s("a")]), ok(Some(Val::Bool(true))));
    assert_eq!(
        second.lines(),
        vec![LogLine {
            plug: "audit".into(),
            caller: Some("notes".into()),
            level: LogLevel::Warn,
            message: "forgot a".into()
        }]
    );
    assert_eq!(log.lines().last().map(|l| l.message.as_str()), Some("forgot a"));
}

#[test]
fn the_kv_socket_counts_host_plugs_for_its_cardinality() {
    let (kv, log) = (MemoryKv::new(), Log::new());
    // Two stores on an exactly-one socket: the consumer cannot be linked.
    let (tree, errors) =
        notes_app(&kv, &log).host_plug(MemoryKv::new().plug("kv2")).build().expect("valid WIT");
    // …and so the root, which only `notes` provides, is not satisfied either.
    assert!(
        matches!(&errors[..], [BuildError::Unsatisfied(Unsatisfied { consumer: Some(c), interface, ready, .. }), BuildError::Unsatisfied(root)]
            if *c == "notes" && interface == "plugtree:host/kv" && *ready == ["kv", "kv2"] && root.consumer.is_none()),
        "{errors:?}"
    );
    assert_eq!(
        tree.plugins().find(|p| p.id == "notes").map(|p| p.status),
        Some(PluginStatus::Failed)
    );
    // No store at all: likewise.
    let (_, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("host.wit"))
        .wit_text("plugtree-host.wit", HOST_WIT)
        .cardinality("plugtree:host/log", Cardinality::Any)
        .root("test:host/notes")
        .plugin("notes", guests::guest("host-notes"))
        .build()
        .expect("valid WIT");
    assert!(errors.iter().any(|e| matches!(e, BuildError::Unsatisfied(u) if u.interface == "plugtree:host/kv" && u.ready.is_empty())), "{errors:?}");
}

/// A typed greeter for `test:card/many` (or `one`, `maybe`: same functions).
fn host_greeter(id: &str, interface: &str, notified: Arc<AtomicUsize>) -> HostPlug {
    HostPlug::new(id, interface)
        .func("greet", |name: String| -> Result<String, HostError> { Ok(format!("ahoy, {name}")) })
        .func("notify", move |_msg: String| -> Result<(), HostError> {
            notified.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
}

#[test]
fn host_plugs_sit_beside_components_on_any_sockets() {
    let notified = Arc::new(AtomicUsize::new(0));
    // At the root: one answer per provider, the host plug in declaration order.
    let tree = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("many-en", guests::guest("many-en"))
            .host_plug(host_greeter("pirate", "test:card/many", notified.clone()))
            .plugin("many-fr", guests::guest("many-fr")),
    );
    let answers = tree.dispatch("test:card/many", "greet", &[s("ana")]).expect("dispatch");
    assert_eq!(
        answers,
        Socket::Any(vec![
            ("many-en".into(), Ok(Some(s("hello, ana")))),
            ("pirate".into(), Ok(Some(s("ahoy, ana")))),
            ("many-fr".into(), Ok(Some(s("bonjour, ana")))),
        ])
    );
    // Behind a consumer's sockets: exactly-one and any, both host plugs.
    let tree = load(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector"))
            .host_plug(host_greeter("host-one", "test:card/one", notified.clone()))
            .plugin("many-de", guests::guest("many-de"))
            .host_plug(host_greeter("pirate", "test:card/many", notified.clone())),
    );
    let collector = "test:card/collector";
    assert_eq!(
        one(&tree, collector, "call-one", &[s("bo")]),
        Val::Result(Ok(Some(Box::new(s("ahoy, bo")))))
    );
    assert_eq!(one(&tree, collector, "call-maybe", &[s("bo")]), Val::Option(None));
    let ok_s = |t: &str| Val::Result(Ok(Some(Box::new(s(t)))));
    assert_eq!(
        one(&tree, collector, "call-many", &[s("bo")]),
        Val::List(vec![entry("many-de", ok_s("hallo, bo")), entry("pirate", ok_s("ahoy, bo"))])
    );
    let before = notified.load(Ordering::Relaxed);
    one(&tree, collector, "notify-many", &[s("hey")]);
    assert_eq!(notified.load(Ordering::Relaxed), before + 1);
}

#[test]
fn dynamic_host_functions_are_checked_on_every_answer() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let plug = HostPlug::new("shifty", "test:card/many")
        .func_dynamic("greet", move |args| {
            // Answers right, then with the wrong type, then fails, then panics.
            match counted.fetch_add(1, Ordering::Relaxed) {
                0 => match args {
                    [Val::String(name)] => Ok(vec![Val::String(format!("yo, {name}"))]),
                    _ => Err(HostError::new("expected one string")),
                },
                1 => Ok(vec![Val::U32(7)]),
                2 => Err(HostError::new("the backend is down")),
                _ => panic!("host bug"),
            }
        })
        .func_dynamic("notify", |_| Ok(vec![]));
    let tree = load(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector"))
            .plugin("one-en", guests::guest("one-en"))
            .host_plug(plug),
    );
    let many = |tree: &LoadedTree| one(tree, "test:card/collector", "call-many", &[s("cy")]);
    let answer = |v: Val| Val::List(vec![entry("shifty", v)]);
    assert_eq!(many(&tree), answer(Val::Result(Ok(Some(Box::new(s("yo, cy")))))));
    assert_eq!(
        many(&tree),
        answer(err(
            "trapped: host plug `shifty` answered `greet` with a u32 value that does not fit, which its WIT result does not admit"
        ))
    );
    assert_eq!(many(&tree), answer(err("unavailable: the backend is down")));
    assert_eq!(
        many(&tree),
        answer(err("trapped: host plug `shifty` panicked in `greet`: host bug"))
    );
    // Host plugs are not disabled by their failures: the next call runs again.
    assert_eq!(
        many(&tree),
        answer(err("trapped: host plug `shifty` panicked in `greet`: host bug"))
    );
    assert_eq!(calls.load(Ordering::Relaxed), 5);
    assert!(tree.failures().is_empty());
    // The host's own dispatch sees the same failure as a typed error.
    let direct = load(
        guests::card_app().root("test:card/many").host_plug(
            HostPlug::new("down", "test:card/many")
                .func_dynamic("greet", |_| Err(HostError::new("offline")))
                .func_dynamic("notify", |_| Ok(vec![])),
        ),
    );
    assert_eq!(
        direct.dispatch("test:card/many", "greet", &[s("x")]).expect("dispatch"),
        Socket::Any(vec![(
            "down".into(),
            Err(CallError::Unavailable { plugin: "down".into(), reason: "offline".into() })
        )])
    );
}

#[test]
fn host_plugs_are_checked_against_the_wit_when_the_tree_is_built() {
    let greet = |name: String| -> Result<String, HostError> { Ok(name) };
    type Expected = Box<dyn Fn(&BuildError) -> bool>;
    let cases: Vec<(HostPlug, Expected)> = vec![
        (
            HostPlug::new("wrong", "test:card/many")
                .func("greet", |n: u32| -> Result<u32, HostError> { Ok(n) })
                .func("notify", |_: String| Ok(())),
            Box::new(|e| {
                matches!(e, BuildError::PlugMismatch { plugin, function, found, .. }
                if *plugin == "wrong" && function == "greet" && found.params[0].1 == ValueType::U32)
            }),
        ),
        (
            HostPlug::new("partial", "test:card/many").func("greet", greet),
            Box::new(
                |e| matches!(e, BuildError::MissingExport { plugin, function, .. } if *plugin == "partial" && function == "notify"),
            ),
        ),
        (
            HostPlug::new("extra", "test:card/many")
                .func("greet", greet)
                .func("notify", |_: String| Ok(()))
                .func("shout", greet),
            Box::new(
                |e| matches!(e, BuildError::HostPlugExtraFunction { plugin, function, .. } if *plugin == "extra" && function == "shout"),
            ),
        ),
        (
            HostPlug::new("lost", "test:card/nowhere").func("greet", greet),
            Box::new(
                |e| matches!(e, BuildError::HostPlugInterface { plugin, interface } if *plugin == "lost" && interface == "test:card/nowhere"),
            ),
        ),
    ];
    for (plug, expected) in cases {
        let id = plug.id().clone();
        let (tree, errors) = guests::card_app()
            .root("test:card/many")
            .plugin("many-en", guests::guest("many-en"))
            .host_plug(plug)
            .build()
            .expect("valid WIT");
        assert!(matches!(&errors[..], [e] if expected(e)), "{id}: {errors:?}");
        assert_eq!(
            tree.plugins().find(|p| *p.id == id).map(|p| p.status),
            Some(PluginStatus::Failed)
        );
        // The rest of the tree still loads and answers.
        let (loaded, load_errors) = tree.load(guests::engine());
        assert!(load_errors.is_empty());
        assert_eq!(loaded.root_providers().collect::<Vec<_>>(), vec!["many-en"]);
    }
    // An interface with resources needs its constructors and methods too
    // (host_resources.rs has a host plug that provides them).
    let (_, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("res.wit"))
        .root("test:res/counters")
        .host_plug(HostPlug::new("fake", "test:res/counters"))
        .build()
        .expect("valid WIT");
    assert!(errors.iter().any(|e| matches!(e, BuildError::MissingExport { plugin, function, .. } if *plugin == "fake" && function == "[constructor]counter")), "{errors:?}");
}

#[test]
fn a_host_plug_that_panicked_leaves_its_consumer_callable_on_the_same_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let plug = HostPlug::new("flaky", "test:card/one")
        .func_dynamic("greet", move |args| match (counted.fetch_add(1, Ordering::Relaxed), args) {
            (0, _) => panic!("host bug"),
            (_, [Val::String(name)]) => Ok(vec![Val::String(format!("hi, {name}"))]),
            _ => Err(HostError::new("expected one string")),
        })
        .func_dynamic("notify", |_| Ok(vec![]));
    let tree = load(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector"))
            .host_plug(plug),
    );
    let call_one = || one(&tree, "test:card/collector", "call-one", &[s("cy")]);
    assert_eq!(call_one(), err("trapped: host plug `flaky` panicked in `greet`: host bug"));
    // This thread is not left inside `collector`: the next call answers.
    assert_eq!(call_one(), ok(Some(s("hi, cy"))));
    assert_eq!(calls.load(Ordering::Relaxed), 2);
    assert!(tree.failures().is_empty());
}

#[test]
fn a_bounded_log_keeps_the_newest_lines_and_a_plug_tells_what_it_is() {
    let (kv, log) = (MemoryKv::new(), Log::keeping(2));
    let plug = log.plug("log");
    assert_eq!(plug.id(), &plugtree::PluginId::from("log"));
    assert_eq!(plug.interface(), plugtree::host::LOG_INTERFACE);
    assert!(plug.functions().count() > 0);
    let tree = load(notes_app(&kv, &log));
    for key in ["a", "b", "c"] {
        assert_eq!(one(&tree, "test:host/notes", "remember", &[s(key), s("v")]), ok(None));
    }
    let kept: Vec<String> = log.lines().into_iter().map(|l| l.message).collect();
    assert_eq!(kept, ["remembered b (1 bytes)", "remembered c (1 bytes)"]);
}
