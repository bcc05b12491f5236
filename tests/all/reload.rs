//! Hot reload: a plugin's component is swapped while the tree runs. The new
//! one answers later calls (from the host and from consumers, which are not
//! re-linked); a broken one is refused and the old one keeps answering; calls
//! running during reloads all succeed.

use crate::guests;

use crate::guests::load;

use std::sync::atomic::{AtomicBool, Ordering};

use plugtree::load::{ReloadError, Reloaded};
use plugtree::{BuildError, HostError, HostPlug, LoadedTree, PluginTree, Socket, Val};

fn s(text: &str) -> Val {
    Val::String(text.into())
}

/// `collector` over `one-en` and the reloadable `greeter` (many-en at first).
fn collector_tree() -> LoadedTree {
    load(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector"))
            .plugin("one-en", guests::guest("one-en"))
            .plugin("greeter", guests::guest("many-en")),
    )
}

fn greet(tree: &LoadedTree) -> Socket<plugtree::dispatch::Answer> {
    tree.dispatch("test:card/many", "greet", &[s("ana")]).expect("dispatch")
}

fn bytes(guest: &str) -> Vec<u8> {
    std::fs::read(guests::guest(guest)).expect("guest built")
}

#[test]
fn a_reloaded_plugin_answers_with_its_new_component() {
    let tree = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("greeter", guests::guest("many-en"))
            .plugin("other", guests::guest("many-de")),
    );
    assert_eq!(
        greet(&tree),
        Socket::Any(vec![
            ("greeter".into(), Ok(Some(s("hello, ana")))),
            ("other".into(), Ok(Some(s("hallo, ana"))))
        ])
    );
    let report = tree.reload("greeter", bytes("many-fr")).expect("reloads");
    assert_eq!(report, Reloaded { plugin: "greeter".into(), sockets: vec![], consumers: vec![] });
    assert_eq!(
        greet(&tree),
        Socket::Any(vec![
            ("greeter".into(), Ok(Some(s("bonjour, ana")))),
            ("other".into(), Ok(Some(s("hallo, ana"))))
        ])
    );
    // From a file too, and back.
    tree.reload("greeter", guests::guest("many-en")).expect("reloads");
    assert_eq!(
        greet(&tree),
        Socket::Any(vec![
            ("greeter".into(), Ok(Some(s("hello, ana")))),
            ("other".into(), Ok(Some(s("hallo, ana"))))
        ])
    );
}

#[test]
fn a_broken_build_is_refused_and_the_old_one_keeps_answering() {
    let tree = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("greeter", guests::guest("many-en"))
            .host_plug(
                HostPlug::new("host", "test:card/many")
                    .func("greet", |n: String| -> Result<String, HostError> { Ok(n) })
                    .func("notify", |_: String| -> Result<(), HostError> { Ok(()) }),
            ),
    );
    let before = greet(&tree);
    let refused = tree.reload("greeter", b"\0asm truncated".to_vec()).expect_err("not a component");
    assert!(
        matches!(&refused, ReloadError::Rejected { plugin, errors } if *plugin == "greeter" && matches!(&errors[..], [BuildError::Plugin(_)])),
        "{refused:?}"
    );
    // A component with another plug.
    let refused = tree.reload("greeter", guests::guest("one-en")).expect_err("plugs elsewhere");
    assert!(
        matches!(&refused, ReloadError::PlugChanged { plugin, expected, found } if *plugin == "greeter" && expected == "test:card/many" && found.as_deref() == Some("test:card/one")),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "the new component of plugin `greeter` plugs into `test:card/one`, but the plugin plugs into `test:card/many`"
    );
    // A component that plugs into no app interface at all.
    let refused = tree.reload("greeter", guests::guest("leaf-missing")).expect_err("no plug");
    assert!(
        matches!(&refused, ReloadError::Rejected { errors, .. } if matches!(&errors[..], [BuildError::NoPlug { .. }])),
        "{refused:?}"
    );
    assert!(
        matches!(tree.reload("nobody", bytes("many-fr")), Err(ReloadError::NotLoaded { plugin }) if plugin == "nobody")
    );
    assert!(
        matches!(tree.reload("host", bytes("many-fr")), Err(ReloadError::HostPlug { plugin }) if plugin == "host")
    );
    assert_eq!(greet(&tree), before);
}

#[test]
fn consumers_reach_the_new_instance_without_being_relinked() {
    let tree = collector_tree();
    let call_many =
        |tree: &LoadedTree| match tree.dispatch("test:card/collector", "call-many", &[s("bo")]) {
            Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
            other => panic!("{other:?}"),
        };
    let answer = |text: &str| {
        Val::List(vec![Val::Tuple(vec![s("greeter"), Val::Result(Ok(Some(Box::new(s(text)))))])])
    };
    assert_eq!(call_many(&tree), answer("hello, bo"));
    let report = tree.reload("greeter", bytes("many-de")).expect("reloads");
    assert_eq!(report.consumers, vec!["collector"]);
    assert_eq!(call_many(&tree), answer("hallo, bo"));
}

#[test]
fn a_failed_plugin_is_revived_by_a_reload() {
    let tree = load(
        guests::card_app().root("test:card/many").plugin("greeter", guests::guest("many-trap")),
    );
    let Socket::Any(answers) = greet(&tree) else { panic!("any") };
    assert!(
        matches!(&answers[..], [(id, Err(plugtree::CallError::Trapped { .. }))] if *id == "greeter"),
        "{answers:?}"
    );
    assert_eq!(tree.failures().len(), 1);
    // Failed plugins are left out of `any` answers…
    assert_eq!(greet(&tree), Socket::Any(vec![]));
    tree.reload("greeter", bytes("many-en")).expect("reloads");
    // …until a reload brings a working instance.
    assert_eq!(greet(&tree), Socket::Any(vec![("greeter".into(), Ok(Some(s("hello, ana"))))]));
    assert!(tree.failures().is_empty());
}

#[test]
fn calls_during_reloads_all_succeed() {
    let tree = collector_tree();
    let versions = [bytes("many-en"), bytes("many-fr")];
    let done = AtomicBool::new(false);
    let calls = std::thread::scope(|scope| {
        let callers: Vec<_> = (0..3)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = Vec::new();
                    while !done.load(Ordering::Acquire) || seen.is_empty() {
                        // Through the consumer and directly on the provider's socket answer.
                        let answer = tree.dispatch("test:card/collector", "call-many", &[s("cy")]);
                        match answer {
                            Ok(Socket::ExactlyOne(_, Ok(Some(Val::List(items))))) => {
                                match &items[..] {
                                    [Val::Tuple(pair)] => match &pair[..] {
                                        [_, Val::Result(Ok(Some(text)))] => {
                                            seen.push((**text).clone())
                                        }
                                        other => panic!("a failed call during reload: {other:?}"),
                                    },
                                    other => {
                                        panic!("a provider went missing during reload: {other:?}")
                                    }
                                }
                            }
                            other => panic!("the consumer failed during reload: {other:?}"),
                        }
                    }
                    seen
                })
            })
            .collect();
        for round in 0..20 {
            tree.reload("greeter", versions[round % 2].clone()).expect("reloads");
        }
        done.store(true, Ordering::Release);
        callers.into_iter().flat_map(|c| c.join().expect("caller")).collect::<Vec<_>>()
    });
    assert!(!calls.is_empty());
    assert!(calls.iter().all(|v| *v == s("hello, cy") || *v == s("bonjour, cy")), "{calls:?}");
    // The last reload (round 19) installed many-fr.
    let last = tree.dispatch("test:card/collector", "call-many", &[s("cy")]).expect("dispatch");
    assert_eq!(
        last,
        Socket::ExactlyOne(
            "collector".into(),
            Ok(Some(Val::List(vec![Val::Tuple(vec![
                s("greeter"),
                Val::Result(Ok(Some(Box::new(s("bonjour, cy")))))
            ])])))
        )
    );
    assert!(tree.failures().is_empty());
}

#[test]
fn the_tree_describes_a_reloaded_plugin_as_it_is_now() {
    let tree = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("partial.wit"))
            .root("test:partial/leaf")
            .plugin("leaf", guests::guest("leaf-needs-dep"))
            .plugin("dep", guests::guest("dep-good")),
    );
    let sockets = |tree: &LoadedTree| -> Vec<String> {
        let described = tree.tree();
        let leaf = described.plugins().find(|p| p.id == "leaf").expect("listed");
        leaf.sockets().map(str::to_string).collect()
    };
    assert_eq!(sockets(&tree), vec!["test:partial/dep"]);
    let report = tree.reload("leaf", bytes("leaf-good")).expect("reloads");
    assert_eq!(report.sockets, Vec::<String>::new());
    // The one live description: the new component imports nothing.
    assert_eq!(sockets(&tree), Vec::<String>::new());
    assert_eq!(
        tree.dispatch("test:partial/leaf", "value", &[]),
        Ok(Socket::ExactlyOne("leaf".into(), Ok(Some(Val::U32(1)))))
    );
}
