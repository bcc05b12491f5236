//! Restart policies: a plugin that traps or exceeds a limit is restarted
//! when the next call reaches it, with its state lost, at most `max` times
//! within its window; the handles its failed instance gave out are refused.
//! Windows are an hour or unlimited: nothing here depends on timing.

use std::path::Path;
use std::time::Duration;

use crate::guests::{self, load};

use plugtree::{
    CallError, DispatchError, Limit, Limits, LoadedTree, PluginTree, RestartPolicy, SetupError,
    Socket, TreeBuilder, Val,
};

const TRAP: &str = "wasm trap: wasm `unreachable` instruction executed";
const HOUR: Duration = Duration::from_secs(3600);

/// `leaf-count-trap` as plugin `count` on the root `test:partial/leaf`:
/// `value` answers 1, 2, then traps on every third call.
fn count_tree(policy: RestartPolicy) -> LoadedTree {
    load(
        PluginTree::builder()
            .wit(guests::app_wit().join("partial.wit"))
            .root("test:partial/leaf")
            .plugin("count", guests::wat("leaf-count-trap"))
            .restart_policy("count", policy),
    )
}

fn value(tree: &LoadedTree) -> Result<Option<Val>, CallError> {
    match tree.dispatch("test:partial/leaf", "value", &[]) {
        Ok(Socket::ExactlyOne(id, answer)) if id == "count" => answer,
        other => panic!("one answer from `count`: {other:?}"),
    }
}

fn trapped() -> CallError {
    CallError::Trapped { plugin: "count".into(), function: "value".into(), message: TRAP.into() }
}

fn restarted(restart: u32, policy: RestartPolicy) -> CallError {
    CallError::Restarted {
        plugin: "count".into(),
        function: "value".into(),
        restart,
        policy,
        error: Box::new(trapped()),
    }
}

#[test]
fn a_trapping_plugin_is_restarted_and_answers_with_its_state_lost() {
    let policy = RestartPolicy::new(2, HOUR);
    let tree = count_tree(policy);
    assert_eq!(value(&tree), Ok(Some(Val::U32(1))));
    assert_eq!(value(&tree), Ok(Some(Val::U32(2))));
    assert_eq!(value(&tree), Err(trapped()));
    assert_eq!(tree.failures(), vec![trapped()], "failed, not restarted before a call needs it");
    // The next call gets a fresh instance: its count starts again.
    assert_eq!(value(&tree), Ok(Some(Val::U32(1))));
    // The typed path reads the slot the same way.
    let typed = tree.root_func("value").and_then(|f| f.typed::<(), (u32,)>()).expect("typed");
    assert_eq!(typed.call(()), Ok(Socket::ExactlyOne("count".into(), Ok((2,)))));
    let failures = tree.failures();
    assert_eq!(failures, vec![restarted(1, policy)]);
    assert_eq!(
        failures[0].to_string(),
        "plugin `count` failed in `value` and was restarted (restart 1, at most 2 restarts within 3600s)"
    );
    let cause = std::error::Error::source(&failures[0]).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some(&*format!("plugin `count` trapped in `value`: {TRAP}")));
    assert_eq!(tree.tree().plugins().next().and_then(|p| p.restart), Some(policy));
}

#[test]
fn past_its_restarts_a_plugin_is_failed_for_good() {
    let policy = RestartPolicy::new(1, Duration::MAX);
    let tree = count_tree(policy);
    for _ in 0..2 {
        assert_eq!(value(&tree), Ok(Some(Val::U32(1))));
        assert_eq!(value(&tree), Ok(Some(Val::U32(2))));
        assert_eq!(value(&tree), Err(trapped()));
    }
    let refused = CallError::Unavailable {
        plugin: "count".into(),
        reason: format!(
            "plugin `count` failed earlier in `value` and was disabled: its restart policy allows at most 1 restart ever (trapped: {TRAP})"
        ),
    };
    assert_eq!(value(&tree), Err(refused.clone()));
    assert_eq!(value(&tree), Err(refused), "and stays so");
    assert_eq!(tree.failures(), vec![restarted(1, policy), trapped()]);
    // A reload revives it, with a fresh window.
    tree.reload("count", guests::wat("leaf-count-trap")).expect("reloaded");
    assert_eq!(value(&tree), Ok(Some(Val::U32(1))));
    assert_eq!(value(&tree), Ok(Some(Val::U32(2))));
    assert_eq!(value(&tree), Err(trapped()));
    assert_eq!(value(&tree), Ok(Some(Val::U32(1))), "restarted again after the reload");
}

#[test]
fn without_a_policy_a_failed_plugin_stays_failed() {
    let tree = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("partial.wit"))
            .root("test:partial/leaf")
            .plugin("count", guests::wat("leaf-count-trap")),
    );
    for _ in 0..2 {
        value(&tree).expect("answers");
    }
    assert_eq!(value(&tree), Err(trapped()));
    assert_eq!(
        value(&tree),
        Err(CallError::Unavailable {
            plugin: "count".into(),
            reason: format!(
                "plugin `count` failed earlier in `value` and was disabled (trapped: {TRAP})"
            )
        })
    );
    assert_eq!(tree.failures(), vec![trapped()]);
}

fn res_app() -> TreeBuilder {
    PluginTree::builder().wit(guests::app_wit().join("res.wit"))
}

fn counters(tree: &LoadedTree, function: &str, args: &[Val]) -> Result<Option<Val>, DispatchError> {
    match tree.dispatch("test:res/counters", function, args)? {
        Socket::ExactlyOne(_, answer) => Ok(answer.expect("an answer")),
        other => panic!("{function}: {other:?}"),
    }
}

#[test]
fn host_handles_from_before_a_restart_are_refused_with_a_typed_error() {
    let tree = load(
        res_app()
            .root("test:res/counters")
            .plugin("counters", guests::guest("res-counters"))
            .restart_policy("counters", RestartPolicy::new(3, HOUR)),
    );
    let Ok(Some(Val::Resource(old))) = counters(&tree, "make", &[Val::U32(7)]) else {
        panic!("a counter")
    };
    assert_eq!(counters(&tree, "[static]counter.live", &[]), Ok(Some(Val::U32(1))));
    let many = Val::List(vec![Val::Resource(old); 100_000]);
    // A hundred thousand borrows (and the list's own) pass the handle limit.
    let exceeded = tree.dispatch("test:res/counters", "total", &[many]);
    let limit = CallError::LimitExceeded {
        plugin: "counters".into(),
        function: "total".into(),
        limit: Limit::Handles,
        message: "plugin `counters` exceeded its limit of 100000 live resource handles in `total`"
            .into(),
    };
    assert_eq!(exceeded, Ok(Socket::ExactlyOne("counters".into(), Err(limit))));
    // The fresh instance has none of the old one's counters.
    assert_eq!(counters(&tree, "[static]counter.live", &[]), Ok(Some(Val::U32(0))));
    let restarted = DispatchError::Restarted { plugin: "counters".into() };
    assert_eq!(
        counters(&tree, "[method]counter.get", &[Val::Resource(old)]),
        Err(restarted.clone())
    );
    assert_eq!(
        restarted.to_string(),
        "the resource handle is from plugin `counters` before it was restarted: a restart loses every handle the instance gave out"
    );
    assert_eq!(tree.drop_resource(old), Err(restarted));
    // Passed as an argument, the old handle is the provider's refusal.
    let total = tree.dispatch("test:res/counters", "total", &[Val::List(vec![Val::Resource(old)])]);
    assert_eq!(
        total,
        Ok(Socket::ExactlyOne(
            "counters".into(),
            Err(CallError::BadHandle {
                plugin: "counters".into(),
                reason: "the handle is from its instance before it was restarted: a restart loses every handle the instance gave out".into(),
            })
        ))
    );
    // New handles work.
    let Ok(Some(Val::Resource(new))) = counters(&tree, "make", &[Val::U32(3)]) else {
        panic!("a counter")
    };
    assert_eq!(
        counters(&tree, "[method]counter.get", &[Val::Resource(new)]),
        Ok(Some(Val::U32(3)))
    );
    tree.drop_resource(new).expect("dropped");
    assert!(matches!(&tree.failures()[..], [CallError::Restarted { restart: 1, .. }]));
}

/// `res-user` at the root, on `res-counters`.
fn user_on_counters() -> TreeBuilder {
    res_app()
        .cardinality("test:res/pool", plugtree::Cardinality::Any)
        .cardinality("test:res/spare", plugtree::Cardinality::AtMostOne)
        .root("test:res/user")
        .plugin("user", guests::guest("res-user"))
        .plugin("counters", guests::guest("res-counters"))
}

#[test]
fn a_restarted_consumer_loses_the_handles_it_held_and_their_destructors_run() {
    let tree = load(
        user_on_counters()
            .plugin_limits("user", Limits::default().with_fuel(Some(1_000_000)))
            .restart_policy("user", RestartPolicy::new(1, HOUR)),
    );
    let user = |function: &str, args: &[Val]| match tree.dispatch("test:res/user", function, args) {
        Ok(Socket::ExactlyOne(_, answer)) => answer,
        other => panic!("{function}: {other:?}"),
    };
    assert_eq!(user("keep", &[Val::U32(5)]), Ok(Some(Val::U32(5))));
    assert_eq!(tree.handles_held("user"), Some(1));
    // Churning a million counters runs out of the consumer's fuel.
    let churned = user("churn", &[Val::U32(1_000_000)]);
    assert!(
        matches!(churned, Err(CallError::LimitExceeded { limit: Limit::Fuel, .. })),
        "{churned:?}"
    );
    // The fresh consumer keeps nothing; the kept counter was dropped in its provider.
    assert_eq!(
        user("kept-get", &[]),
        Ok(Some(Val::Result(Err(Some(Box::new(Val::String("no counter kept".into())))))))
    );
    assert_eq!(tree.handles_held("user"), Some(0));
    assert_eq!(user("churn", &[Val::U32(0)]), Ok(Some(Val::U32(0))), "no counter lives on");
}

/// A manifest for `leaf-count-trap` with `extra` on its plugin table, in
/// its own folder under `target/restart-tests`.
fn manifest(name: &str, extra: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/restart-tests").join(name);
    std::fs::create_dir_all(&dir).expect("a folder");
    let text = format!(
        "root = \"test:partial/leaf\"\nwit = {:?}\n[[plugins]]\nid = \"count\"\npath = {:?}\n{extra}\n",
        guests::app_wit().join("partial.wit"),
        guests::wat("leaf-count-trap"),
    );
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, text).expect("written");
    path
}

#[test]
fn a_manifest_sets_the_policy_and_a_bad_one_is_refused_naming_the_key() {
    let good = manifest("good", "restart = { max = 2, within = \"1m\" }");
    let (tree, errors) = PluginTree::from_manifest(&good).expect("valid");
    assert!(errors.is_empty(), "{errors:?}");
    let policy = tree.plugins().next().and_then(|p| p.restart);
    assert_eq!(policy, Some(RestartPolicy::new(2, Duration::from_secs(60))));
    let cases = [
        (
            "zero",
            "restart = { max = 0, within = \"60s\" }",
            "restart `max`: `0` would never restart; give 1 or more, or leave `restart` out",
        ),
        (
            "negative",
            "restart = { max = -2, within = \"60s\" }",
            "restart `max`: `-2` is negative; give a whole number of restarts, 1 or more",
        ),
        (
            "no-window",
            "restart = { max = 3 }",
            "restart: `within` is missing; give a duration like \"60s\", or \"unlimited\"",
        ),
        (
            "bad-window",
            "restart = { max = 3, within = \"soon\" }",
            "restart `within`: `soon` is not a duration like `10s`",
        ),
    ];
    for (name, extra, message) in cases {
        let path = manifest(name, extra);
        let error = PluginTree::from_manifest(&path).map(drop).expect_err(name);
        assert!(
            matches!(error, SetupError::Manifest(plugtree::ManifestError::Restart { .. })),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("invalid manifest `{}`: plugin `count`: {message}", path.display())
        );
    }
}

#[test]
fn check_shows_the_restart_policy() {
    let path = manifest("check", "restart = { max = 3, within = \"60s\" }");
    let run = |json: bool| {
        let mut args = vec!["check", "-m", path.to_str().expect("UTF-8")];
        if json {
            args.insert(1, "--json");
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"))
            .args(&args)
            .output()
            .expect("plugtree runs");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    assert_eq!(
        run(false).lines().collect::<Vec<_>>(),
        [
            "root test:partial/leaf (exactly-one)",
            "  count (ready)",
            "    capabilities: nothing",
            "    restart: at most 3 restarts within 60s",
            "1 loaded, 0 failed, 0 unused",
        ]
    );
    let report: serde_json::Value = serde_json::from_str(&run(true)).expect("JSON");
    assert_eq!(report["plugins"][0]["restart"], serde_json::json!({"max": 3, "within": "60s"}));
}

#[test]
fn a_consumers_handle_into_a_restarted_provider_is_a_bad_handle() {
    let tree = load(
        user_on_counters()
            .plugin_limits("counters", Limits::default().with_handles(4))
            .restart_policy("counters", RestartPolicy::new(1, HOUR)),
    );
    let user = |function: &str, args: &[Val]| match tree.dispatch("test:res/user", function, args) {
        Ok(Socket::ExactlyOne(_, answer)) => answer,
        other => panic!("{function}: {other:?}"),
    };
    assert_eq!(user("keep", &[Val::U32(5)]), Ok(Some(Val::U32(5))));
    // A bundle's seven counters pass the provider's handle limit: it fails.
    let failed = Val::List(vec![Val::U32(u32::MAX)]);
    assert_eq!(user("bundle", &[Val::U32(1)]), Ok(Some(failed)));
    // The next call through the socket restarts it: its tallies start afresh.
    assert_eq!(user("churn", &[Val::U32(0)]), Ok(Some(Val::U32(0))));
    let lost = "bad-handle: the handle is from plugin `counters` before it was restarted: a restart loses every handle the instance gave out";
    assert_eq!(
        user("kept-get", &[]),
        Ok(Some(Val::Result(Err(Some(Box::new(Val::String(lost.into())))))))
    );
    // The consumer itself did not fail and makes new counters.
    assert_eq!(user("keep", &[Val::U32(8)]), Ok(Some(Val::U32(8))));
    assert_eq!(user("kept-get", &[]), Ok(Some(Val::Result(Ok(Some(Box::new(Val::U32(8))))))));
    assert!(matches!(&tree.failures()[..], [CallError::Restarted { restart: 1, .. }]));
}

#[test]
fn a_restart_that_cannot_instantiate_leaves_the_plugin_failed_for_good() {
    // A pool with room for one instance: the failed one still holds it.
    let engine = plugtree::Engine::new(&plugtree::pooling_engine_config(1)).expect("engine");
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("partial.wit"))
        .root("test:partial/leaf")
        .plugin("count", guests::wat("leaf-count-trap"))
        .restart_policy("count", RestartPolicy::new(3, HOUR))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (tree, errors) = tree.load(&engine);
    assert!(errors.is_empty(), "{errors:?}");
    for _ in 0..2 {
        value(&tree).expect("answers");
    }
    assert_eq!(value(&tree), Err(trapped()));
    let refused = value(&tree);
    let Err(CallError::Unavailable { reason, .. }) = &refused else { panic!("{refused:?}") };
    assert_eq!(
        reason,
        &format!(
            "plugin `count` failed earlier in `value` and could not be restarted: plugin `count` could not be instantiated: maximum concurrent limit of 1 for component instances reached (trapped: {TRAP})"
        )
    );
    assert_eq!(tree.failures(), vec![trapped()], "no restart was made");
}
