//! Resources across plugin boundaries: `res-user` (a consumer) uses counters
//! from `res-counters` (exactly-one), tokens from `res-pool-a`/`res-pool-b`
//! (any) and from `res-spare` (at-most-one); the host uses them directly too.

use crate::guests;

use crate::guests::load;

use plugtree::dispatch::DispatchError;
use plugtree::{CallError, Cardinality, LoadedTree, PluginTree, Socket, TreeBuilder, Val};

/// The `res.wit` app, `pool` linked `any` and `spare` `at-most-one`.
pub(crate) fn app() -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("res.wit"))
        .cardinality("test:res/pool", Cardinality::Any)
        .cardinality("test:res/spare", Cardinality::AtMostOne)
}

fn user_tree(spare: bool) -> LoadedTree {
    let mut b = app()
        .root("test:res/user")
        .plugin("user", guests::guest("res-user"))
        .plugin("counters", guests::guest("res-counters"))
        .plugin("pool-a", guests::guest("res-pool-a"))
        .plugin("pool-b", guests::guest("res-pool-b"));
    if spare {
        b = b.plugin("spare", guests::guest("res-spare"));
    }
    load(b)
}

pub(crate) fn call(tree: &LoadedTree, function: &str, args: &[Val]) -> Val {
    match tree.dispatch("test:res/user", function, args) {
        Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
        other => panic!("{function}: {other:?}"),
    }
}

pub(crate) fn u32s(v: Val) -> Vec<u32> {
    match v {
        Val::List(items) => items
            .into_iter()
            .map(|i| if let Val::U32(n) = i { n } else { panic!("{i:?}") })
            .collect(),
        other => panic!("a list: {other:?}"),
    }
}

fn strings(v: Val) -> Vec<String> {
    match v {
        Val::List(items) => items
            .into_iter()
            .map(|i| if let Val::String(s) = i { s } else { panic!("{i:?}") })
            .collect(),
        other => panic!("a list: {other:?}"),
    }
}

#[test]
fn a_consumer_creates_calls_and_drops_a_providers_resources() {
    let tree = user_tree(true);
    // Freestanding function returning `own`, then methods on it.
    assert_eq!(u32s(call(&tree, "round-trip", &[Val::U32(7)])), [7, 12, 12]);
    // The constructor, and a method with a `borrow` that is not `self`.
    assert_eq!(u32s(call(&tree, "construct", &[Val::U32(40)])), [40, 41]);
    // `own` passed back as an argument (not `self`): the provider drops it.
    // (The tallies count the three counters the two calls above dropped.)
    assert_eq!(u32s(call(&tree, "absorb", &[])), [30, 3, 4]);
    // Every proxy the consumer held was released with its handle.
    assert_eq!(tree.handles_held("user"), Some(0));
}

#[test]
fn resources_nested_in_every_compound_type_cross_both_ways() {
    let tree = user_tree(true);
    // Counters start..start+6 read back, their total via a list of borrows,
    // then the whole bundle passed back as `own` and consumed.
    let values = u32s(call(&tree, "bundle", &[Val::U32(100)]));
    let sum: u32 = (100..107).sum();
    assert_eq!(values, [100, 101, 102, 103, 104, 105, 106, sum, sum]);
    assert_eq!(tree.handles_held("user"), Some(0));
}

#[test]
fn dropping_a_handle_in_the_consumer_runs_the_providers_destructor() {
    let tree = user_tree(true);
    assert_eq!(call(&tree, "keep", &[Val::U32(5)]), Val::U32(5));
    assert_eq!(tree.handles_held("user"), Some(1), "the kept counter outlives the call");
    assert_eq!(call(&tree, "kept-get", &[]), Val::Result(Ok(Some(Box::new(Val::U32(5))))));
    let dropped = call(&tree, "drop-kept", &[]);
    assert_eq!(tree.handles_held("user"), Some(0));
    // The destructor ran in the provider: its tally counts the kept counter.
    assert!(matches!(dropped, Val::U32(n) if n >= 1), "{dropped:?}");
    assert_eq!(
        call(&tree, "kept-get", &[]),
        Val::Result(Err(Some(Box::new(Val::String("no counter kept".into())))))
    );
}

#[test]
fn churn_leaves_nothing_behind() {
    // A million cycles take longer than the default 10 s deadline in a debug build.
    let long = plugtree::Limits::default().with_deadline(Some(std::time::Duration::from_secs(120)));
    let tree = load(
        app()
            .root("test:res/user")
            .limits(long)
            .plugin("user", guests::guest("res-user"))
            .plugin("counters", guests::guest("res-counters")),
    );
    let n: u32 =
        std::env::var("PLUGTREE_CHURN").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    // `churn` makes, reads and drops `n` counters, then asks the provider how many are alive.
    assert_eq!(call(&tree, "churn", &[Val::U32(n)]), Val::U32(0));
    assert_eq!(tree.handles_held("user"), Some(0));
}

#[test]
fn own_through_any_and_at_most_one_and_methods_reach_only_the_owner() {
    let tree = user_tree(true);
    assert_eq!(
        strings(call(&tree, "pool-mint", &[Val::U32(9)])),
        [
            "pool-a: 9 from res-pool-a",
            "pool-b: 9 from res-pool-b",
            // `peek` fans out on the any socket; each token is answered by its owner.
            "pool-a: peek 9",
            "pool-b: peek 9",
        ]
    );
    assert_eq!(call(&tree, "spare-mint", &[Val::U32(3)]), Val::String("3".into()));
    assert_eq!(tree.handles_held("user"), Some(0));
    let without = user_tree(false);
    assert_eq!(call(&without, "spare-mint", &[Val::U32(3)]), Val::String("none".into()));
}

#[test]
fn a_handle_passed_to_another_provider_is_refused_with_a_typed_error() {
    let tree = user_tree(true);
    assert_eq!(
        strings(call(&tree, "pool-cross", &[])),
        ["bad-handle: a handle passed to plugin `pool-b` belongs to plugin `pool-a`"]
    );
    assert_eq!(tree.handles_held("user"), Some(0));
}

#[test]
fn a_consumer_of_a_failed_provider_gets_unavailable_and_keeps_working() {
    // Without a counters provider the exactly-one socket fails the consumer at
    // build time; with pool providers only, the pool still works.
    let (tree, errors) = app()
        .root("test:res/user")
        .plugin("user", guests::guest("res-user"))
        .plugin("pool-a", guests::guest("res-pool-a"))
        .build()
        .expect("valid WIT");
    assert!(!errors.is_empty());
    let (loaded, _) = tree.load(guests::engine());
    assert!(loaded.dispatch("test:res/user", "pool-mint", &[Val::U32(1)]).is_err());
}

/// The host calls `test:res/counters` on `res-counters` directly.
fn counters_tree() -> LoadedTree {
    load(app().root("test:res/counters").plugin("counters", guests::guest("res-counters")))
}

fn one(tree: &LoadedTree, function: &str, args: &[Val]) -> Result<Option<Val>, CallError> {
    match tree.dispatch("test:res/counters", function, args) {
        Ok(Socket::ExactlyOne(_, answer)) => answer,
        other => panic!("{function}: {other:?}"),
    }
}

fn handle(v: Option<Val>) -> wasmtime::component::ResourceAny {
    match v {
        Some(Val::Resource(r)) => r,
        other => panic!("a resource: {other:?}"),
    }
}

#[test]
fn the_host_uses_a_providers_constructor_methods_and_statics() {
    let tree = counters_tree();
    let c = handle(one(&tree, "[constructor]counter", &[Val::U32(3)]).expect("constructed"));
    assert_eq!(
        one(&tree, "[method]counter.add", &[Val::Resource(c), Val::U32(4)]),
        Ok(Some(Val::U32(7)))
    );
    let d = handle(one(&tree, "make", &[Val::U32(10)]).expect("made"));
    assert_eq!(
        one(&tree, "[method]counter.plus", &[Val::Resource(c), Val::Resource(d)]),
        Ok(Some(Val::U32(17)))
    );
    assert_eq!(
        one(&tree, "total", &[Val::List(vec![Val::Resource(c), Val::Resource(d)])]),
        Ok(Some(Val::U32(17)))
    );
    assert_eq!(one(&tree, "[static]counter.live", &[]), Ok(Some(Val::U32(2))));
    let before = one(&tree, "[static]counter.dropped", &[]);
    tree.drop_resource(d).expect("dropped");
    let after = one(&tree, "[static]counter.dropped", &[]);
    let (Ok(Some(Val::U32(before))), Ok(Some(Val::U32(after)))) = (before, after) else {
        panic!("tallies")
    };
    assert_eq!(after, before + 1, "the destructor ran");
    // A stale handle is a typed error, not a trap or a panic; the plugin keeps working.
    let stale = tree.drop_resource(d);
    assert!(matches!(stale, Err(DispatchError::Dropped { .. })), "{stale:?}");
    assert_eq!(one(&tree, "[method]counter.get", &[Val::Resource(c)]), Ok(Some(Val::U32(7))));
    tree.drop_resource(c).expect("dropped");
    assert_eq!(one(&tree, "[static]counter.live", &[]), Ok(Some(Val::U32(0))));
}

#[test]
fn the_host_cannot_pass_one_providers_handle_to_another() {
    let pool = load(
        app()
            .root("test:res/pool")
            .plugin("pool-a", guests::guest("res-pool-a"))
            .plugin("pool-b", guests::guest("res-pool-b")),
    );
    let Ok(Socket::Any(tokens)) = pool.dispatch("test:res/pool", "mint", &[Val::U32(4)]) else {
        panic!("tokens")
    };
    let a = handle(tokens[0].1.clone().expect("minted"));
    // A method reaches only the owner, whatever the cardinality.
    let owner = pool
        .dispatch("test:res/pool", "[method]token.owner", &[Val::Resource(a)])
        .expect("dispatch");
    assert_eq!(
        owner,
        Socket::ExactlyOne("pool-a".into(), Ok(Some(Val::String("res-pool-a".into()))))
    );
    // A freestanding function fans out: the owner answers, the other refuses.
    let Ok(Socket::Any(peeks)) = pool.dispatch("test:res/pool", "peek", &[Val::Resource(a)]) else {
        panic!("peeks")
    };
    assert_eq!(peeks[0].1, Ok(Some(Val::U32(4))));
    assert!(
        matches!(&peeks[1].1, Err(CallError::BadHandle { plugin, .. }) if plugin == "pool-b"),
        "{peeks:?}"
    );
    // A handle from another tree is owned by nobody here.
    let other = counters_tree();
    let c = handle(one(&other, "make", &[Val::U32(1)]).expect("made"));
    assert!(matches!(pool.drop_resource(c), Err(DispatchError::UnknownHandle)));
    for (_, t) in tokens {
        pool.drop_resource(handle(t.expect("minted"))).expect("dropped");
    }
}

#[test]
fn resources_of_a_plugin_that_failed_are_invalidated_cleanly() {
    // Fuel for a few thousand instructions per call: enough to make a counter,
    // not to total a list of a hundred thousand borrows.
    let limits = plugtree::Limits::default().with_fuel(Some(200_000));
    let tree = load(
        app()
            .root("test:res/counters")
            .plugin("counters", guests::guest("res-counters"))
            .plugin_limits("counters", limits),
    );
    let c = handle(one(&tree, "make", &[Val::U32(1)]).expect("made"));
    let many = Val::List(vec![Val::Resource(c); 100_000]);
    assert!(matches!(one(&tree, "total", &[many]), Err(CallError::LimitExceeded { .. })));
    // The owner failed: its handles answer `unavailable`, dropping them is a typed error.
    assert!(matches!(
        one(&tree, "[method]counter.get", &[Val::Resource(c)]),
        Err(CallError::Unavailable { .. })
    ));
    let dropped = tree.drop_resource(c);
    assert!(
        matches!(&dropped, Err(DispatchError::Dropped { error }) if matches!(**error, CallError::Unavailable { .. })),
        "{dropped:?}"
    );
}
