//! Each cardinality through a real consumer (`collector`, which imports
//! `one` exactly-one, `maybe` at-most-one and `many` any) with zero, one and
//! several providers, and on the host's root socket.

use crate::guests;

use plugtree::resolve::{PluginStatus, Unsatisfied};
use plugtree::{
    BuildError, CallError, Cardinality, LoadedTree, PluginTree, Socket, TreeBuilder, Val,
};

fn collector_with(providers: &[&str]) -> TreeBuilder {
    providers.iter().fold(
        guests::card_app()
            .root("test:card/collector")
            .plugin("collector", guests::guest("collector")),
        |b, p| b.plugin(*p, guests::guest(p)),
    )
}

fn load(builder: TreeBuilder) -> (LoadedTree, Vec<BuildError>) {
    let (tree, build_errors) = builder.build().expect("valid WIT");
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    (loaded, build_errors)
}

fn collect(tree: &LoadedTree, function: &str, arg: &str) -> Val {
    match tree.dispatch("test:card/collector", function, &[Val::String(arg.into())]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
        other => panic!("collector did not answer: {other:?}"),
    }
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

fn ok(v: Val) -> Val {
    Val::Result(Ok(Some(Box::new(v))))
}

fn entry(id: &str, v: Val) -> Val {
    Val::Tuple(vec![s(id), v])
}

#[test]
fn one_provider_each_and_several_on_any() {
    let (tree, errors) =
        load(collector_with(&["one-en", "maybe-en", "many-en", "many-fr", "many-de"]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(collect(&tree, "call-one", "ana"), ok(s("hello, ana")));
    assert_eq!(
        collect(&tree, "call-maybe", "ana"),
        Val::Option(Some(Box::new(ok(s("hello, ana")))))
    );
    assert_eq!(
        collect(&tree, "call-many", "ana"),
        Val::List(vec![
            entry("many-en", ok(s("hello, ana"))),
            entry("many-fr", ok(s("bonjour, ana"))),
            entry("many-de", ok(s("hallo, ana"))),
        ])
    );
    // A function without a result still reports each provider.
    let done = Val::Result(Ok(None));
    assert_eq!(
        collect(&tree, "notify-many", "hi"),
        Val::List(vec![
            entry("many-en", done.clone()),
            entry("many-fr", done.clone()),
            entry("many-de", done)
        ])
    );
}

#[test]
fn zero_providers_on_optional_sockets() {
    let (tree, errors) = load(collector_with(&["one-fr"]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(collect(&tree, "call-one", "léa"), ok(s("bonjour, léa")));
    assert_eq!(collect(&tree, "call-maybe", "léa"), Val::Option(None));
    assert_eq!(collect(&tree, "call-many", "léa"), Val::List(vec![]));
}

#[test]
fn exactly_one_with_none_or_two_providers_fails_the_consumer() {
    for providers in [vec![], vec!["one-en", "one-fr"]] {
        let (tree, errors) = collector_with(&providers).build().expect("valid WIT");
        let ready: Vec<plugtree::PluginId> = providers.iter().map(|p| (*p).into()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(matches!(&errors[0], BuildError::Unsatisfied(u) if *u == Unsatisfied {
            consumer: Some("collector".into()),
            interface: "test:card/one".into(),
            cardinality: Cardinality::ExactlyOne,
            ready: ready.clone(),
            failed: vec![],
        }));
        assert!(
            matches!(&errors[1], BuildError::Unsatisfied(u) if u.consumer.is_none() && u.interface == "test:card/collector")
        );
        let collector = tree.plugins().find(|p| p.id == "collector").expect("listed");
        assert_eq!(collector.status, PluginStatus::Failed);
    }
}

#[test]
fn a_failed_optional_provider_is_absorbed_by_its_socket() {
    let (tree, errors) =
        load(collector_with(&["one-en"]).plugin("maybe-broken", b"not a component".to_vec()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].plugin().map(|p| p.as_str()), Some("maybe-broken"));
    assert_eq!(collect(&tree, "call-maybe", "bo"), Val::Option(None));
    assert_eq!(collect(&tree, "call-one", "bo"), ok(s("hello, bo")));
}

#[test]
fn a_trapping_provider_reaches_the_consumer_as_a_value() {
    let (tree, errors) = load(collector_with(&["one-en", "many-en", "many-trap"]));
    assert!(errors.is_empty(), "{errors:?}");
    let first = collect(&tree, "call-many", "x");
    let Val::List(items) = &first else { panic!("a list: {first:?}") };
    assert_eq!(items[0], entry("many-en", ok(s("hello, x"))));
    let Val::Tuple(trap) = &items[1] else { panic!("a tuple: {first:?}") };
    assert_eq!(trap[0], s("many-trap"));
    let Val::Result(Err(Some(message))) = &trap[1] else { panic!("an error: {first:?}") };
    let Val::String(message) = message.as_ref() else { panic!("rendered: {message:?}") };
    assert_eq!(message, "trapped: wasm trap: wasm `unreachable` instruction executed");
    // The consumer is not poisoned; the trapped provider is failed and left
    // out of the socket from now on, its sibling answers.
    let second = collect(&tree, "call-many", "y");
    assert_eq!(second, Val::List(vec![entry("many-en", ok(s("hello, y")))]));
    // The tree kept what happened, although only the consumer saw it.
    let failures = tree.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        matches!(&failures[0], CallError::Trapped { plugin, function, .. } if plugin == "many-trap" && function == "greet"),
        "{failures:?}"
    );
    assert_eq!(collect(&tree, "call-one", "z"), ok(s("hello, z")));
}

#[test]
fn the_root_socket_takes_every_cardinality() {
    let greet =
        |tree: &LoadedTree, root: &str| tree.dispatch(root, "greet", &[s("io")]).expect("dispatch");
    let (any, _) = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("many-en", guests::guest("many-en"))
            .plugin("many-trap", guests::guest("many-trap")),
    );
    let Socket::Any(answers) = greet(&any, "test:card/many") else { panic!("any") };
    assert_eq!(answers[0], ("many-en".into(), Ok(Some(s("hello, io")))));
    assert_eq!(answers[1].0, "many-trap");
    assert_eq!(
        answers[1].1,
        Err(CallError::Trapped {
            plugin: "many-trap".into(),
            function: "greet".into(),
            message: "wasm trap: wasm `unreachable` instruction executed".into(),
        })
    );

    let (none, errors) = load(guests::card_app().root("test:card/maybe"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(greet(&none, "test:card/maybe"), Socket::AtMostOne(None));
    let (some, _) = load(
        guests::card_app().root("test:card/maybe").plugin("maybe-en", guests::guest("maybe-en")),
    );
    assert_eq!(
        greet(&some, "test:card/maybe"),
        Socket::AtMostOne(Some(("maybe-en".into(), Ok(Some(s("hello, io"))))))
    );
}

#[test]
fn a_consumer_built_for_another_cardinality_is_rejected_with_both_shapes() {
    let (_, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("card.wit"))
        .cardinality("test:card/maybe", Cardinality::AtMostOne)
        // The collector imports `many` in the any ABI; the app says exactly-one.
        .root("test:card/collector")
        .plugin("collector", guests::guest("collector"))
        .plugin("one-en", guests::guest("one-en"))
        .plugin("many-en", guests::guest("many-en"))
        .build()
        .expect("valid WIT");
    let mismatch: Vec<String> = errors
        .iter()
        .filter(|e| matches!(e, BuildError::SocketMismatch { .. }))
        .map(ToString::to_string)
        .collect();
    let pe = "variant { trapped(string), unavailable(string), limit-exceeded(string), reentrant-call(string), bad-handle(string) }";
    assert_eq!(
        mismatch,
        vec![
            format!(
                "plugin `collector` imports `test:card/many.greet` as `func(name: string) -> list<tuple<string, result<string, {pe}>>>`, but the exactly-one socket ABI is `func(name: string) -> result<string, {pe}>` and the plain form `func(name: string) -> string`"
            ),
            format!(
                "plugin `collector` imports `test:card/many.notify` as `func(msg: string) -> list<tuple<string, result<_, {pe}>>>`, but the exactly-one socket ABI is `func(msg: string) -> result<_, {pe}>` and the plain form `func(msg: string)`"
            ),
        ]
    );
}

/// `root` with two working providers (`a` and `b`, each the guest `guest`).
fn two_on_the_root(root: &str, guest: &str) -> (LoadedTree, Vec<BuildError>) {
    let builder = guests::card_app()
        .root(root)
        .plugin("a", guests::guest(guest))
        .plugin("b", guests::guest(guest));
    load(builder)
}

#[test]
fn an_over_subscribed_root_is_refused_as_an_inner_socket_is() {
    // The inner socket: `collector` with two `exactly-one` providers fails.
    let (_, inner) = collector_with(&["one-en", "one-fr"]).build().expect("valid WIT");
    let BuildError::Unsatisfied(inner) = &inner[0] else { panic!("{inner:?}") };
    for (root, cardinality, guest) in [
        ("test:card/one", Cardinality::ExactlyOne, "one-en"),
        ("test:card/maybe", Cardinality::AtMostOne, "maybe-en"),
    ] {
        let (tree, errors) = two_on_the_root(root, guest);
        let refused = Unsatisfied {
            consumer: None,
            interface: root.into(),
            cardinality,
            ready: vec!["a".into(), "b".into()],
            failed: vec![],
        };
        assert!(matches!(&errors[..], [BuildError::Unsatisfied(u)] if *u == refused), "{errors:?}");
        // The same rule as the inner socket's, for the host as consumer.
        assert_eq!(
            (inner.cardinality, inner.ready.len(), inner.failed.len()),
            (Cardinality::ExactlyOne, 2, 0)
        );
        assert_eq!(
            refused.to_string(),
            format!(
                "the root socket needs {cardinality} provider of `{root}` but has 2 working (`a`, `b`)"
            )
        );
        assert_eq!(tree.root_unsatisfied(), Some(&refused));
        // Both answer no call, on the typed fast path or the `Val` one.
        assert_eq!(
            tree.dispatch(root, "greet", &[s("io")]),
            Err(plugtree::DispatchError::Unsatisfied(refused.clone()))
        );
        assert_eq!(
            tree.dispatch(root, "notify", &[s("io")]),
            Err(plugtree::DispatchError::Unsatisfied(refused))
        );
    }
}

#[test]
fn answers_name_their_plugin_when_an_earlier_provider_failed() {
    // `at-most-one`: the first provider failed to load, the second answers.
    let builder = guests::card_app()
        .root("test:card/maybe")
        .plugin("broken", b"not a component".to_vec())
        .plugin("maybe-en", guests::guest("maybe-en"));
    let (tree, errors) = builder.build().expect("valid WIT");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (tree, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    let greet =
        |tree: &LoadedTree, root: &str| tree.dispatch(root, "greet", &[s("io")]).expect("dispatch");
    assert_eq!(
        greet(&tree, "test:card/maybe"),
        Socket::AtMostOne(Some(("maybe-en".into(), Ok(Some(s("hello, io"))))))
    );
    assert_eq!(
        greet(&tree, "test:card/maybe").into_vec(),
        vec![("maybe-en".into(), Ok(Some(s("hello, io"))))]
    );

    // `any`: the first provider traps once and is left out from then on.
    let (tree, _) = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("many-trap", guests::guest("many-trap"))
            .plugin("many-en", guests::guest("many-en")),
    );
    let first = greet(&tree, "test:card/many").into_vec();
    assert_eq!(
        first.iter().map(|(id, a)| (id.as_str(), a.is_ok())).collect::<Vec<_>>(),
        vec![("many-trap", false), ("many-en", true)]
    );
    assert_eq!(
        greet(&tree, "test:card/many"),
        Socket::Any(vec![("many-en".into(), Ok(Some(s("hello, io"))))])
    );
}

/// The collector with `many` made `at-least-one` (the socket ABI's shape is
/// `any`'s, so the same consumer plugs in) and `providers` on it.
fn at_least_one_collector(providers: &[&str]) -> TreeBuilder {
    collector_with(&[&["one-en"], providers].concat())
        .cardinality("test:card/many", Cardinality::AtLeastOne)
}

#[test]
fn at_least_one_needs_one_working_provider_and_takes_many() {
    // No provider, or only a file that is no component (so plugs into
    // nothing): the consumer fails, and the root with it, each saying what
    // it lacks.
    for given in [vec![], vec!["many-broken"]] {
        let builder = given
            .iter()
            .fold(at_least_one_collector(&[]), |b, p| b.plugin(*p, b"not a component".to_vec()));
        let (tree, errors) = builder.build().expect("valid WIT");
        let unsatisfied: Vec<&Unsatisfied> = errors
            .iter()
            .filter_map(|e| match e {
                BuildError::Unsatisfied(u) => Some(u),
                _ => None,
            })
            .collect();
        let expected = Unsatisfied {
            consumer: Some("collector".into()),
            interface: "test:card/many".into(),
            cardinality: Cardinality::AtLeastOne,
            ready: vec![],
            failed: vec![],
        };
        assert_eq!(unsatisfied[0], &expected, "{errors:?}");
        assert!(
            expected
                .to_string()
                .starts_with("plugin `collector` needs at-least-one provider of `test:card/many` but has 0 working (none)"),
            "{expected}"
        );
        let collector = tree.plugins().find(|p| p.id == "collector").expect("listed");
        assert_eq!(collector.status, PluginStatus::Failed);
    }
    // One, then two working providers: each answers.
    let (tree, errors) = load(at_least_one_collector(&["many-en"]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        collect(&tree, "call-many", "ana"),
        Val::List(vec![entry("many-en", ok(s("hello, ana")))])
    );
    let (tree, errors) = load(at_least_one_collector(&["many-en", "many-fr"]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        collect(&tree, "call-many", "ana"),
        Val::List(vec![
            entry("many-en", ok(s("hello, ana"))),
            entry("many-fr", ok(s("bonjour, ana")))
        ])
    );
}

#[test]
fn an_at_least_one_socket_whose_providers_all_failed_still_says_why() {
    let (tree, errors) = load(at_least_one_collector(&["many-trap"]));
    assert!(errors.is_empty(), "{errors:?}");
    let trapped = collect(&tree, "call-many", "x");
    let Val::List(items) = &trapped else { panic!("a list: {trapped:?}") };
    assert_eq!(items.len(), 1, "{trapped:?}");
    // On `any` a failed provider is left out (an empty list); on
    // `at-least-one` the list is never empty: the failed provider answers.
    let again = collect(&tree, "call-many", "y");
    let Val::List(items) = &again else { panic!("a list: {again:?}") };
    let [Val::Tuple(pair)] = &items[..] else { panic!("one entry: {again:?}") };
    assert_eq!(pair[0], s("many-trap"));
    let Val::Result(Err(Some(message))) = &pair[1] else { panic!("an error: {again:?}") };
    let Val::String(message) = message.as_ref() else { panic!("rendered: {message:?}") };
    assert!(message.starts_with("unavailable: "), "{message}");
}

#[test]
fn the_root_socket_takes_at_least_one() {
    let app = || guests::card_app().cardinality("test:card/many", Cardinality::AtLeastOne);
    let greet = |tree: &LoadedTree| tree.dispatch("test:card/many", "greet", &[s("io")]);
    let (none, errors) = app().root("test:card/many").build().expect("valid WIT");
    assert!(
        matches!(&errors[..], [BuildError::Unsatisfied(u)] if u.cardinality == Cardinality::AtLeastOne),
        "{errors:?}"
    );
    let (none, _) = none.load(guests::engine());
    assert!(matches!(greet(&none), Err(plugtree::DispatchError::Unsatisfied(_))));

    let (one, _) = load(app().root("test:card/many").plugin("many-en", guests::guest("many-en")));
    assert_eq!(
        greet(&one).expect("dispatch"),
        Socket::AtLeastOne(vec![("many-en".into(), Ok(Some(s("hello, io"))))])
    );
    let (two, _) = load(
        app()
            .root("test:card/many")
            .plugin("many-trap", guests::guest("many-trap"))
            .plugin("many-fr", guests::guest("many-fr")),
    );
    let first = greet(&two).expect("dispatch").into_vec();
    assert_eq!(
        first.iter().map(|(id, a)| (id.as_str(), a.is_ok())).collect::<Vec<_>>(),
        vec![("many-trap", false), ("many-fr", true)]
    );
    // The trapped provider is left out while another works.
    assert_eq!(
        greet(&two).expect("dispatch"),
        Socket::AtLeastOne(vec![("many-fr".into(), Ok(Some(s("bonjour, io"))))])
    );
}
