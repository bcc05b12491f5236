//! Fused edges: a plain `exactly-one` edge whose provider serves no one else
//! is composed into its consumer at load, and the group answers, fails and is
//! reported as one while every plugin keeps its id.

use crate::guests;
use crate::plain::{chain, s, trace};

use plugtree::{CallError, Limits, LoadError, LoadedTree, PluginStatus, TreeBuilder, Val};

/// Each plugin's id and the plugin it was fused into.
fn fused(tree: &LoadedTree) -> Vec<(String, Option<String>)> {
    tree.tree()
        .plugins()
        .map(|p| (p.id.to_string(), p.fused_into.map(ToString::to_string)))
        .collect()
}

fn plain_chain(bottom: &str) -> TreeBuilder {
    chain()
        .root("test:chain/top")
        .plugin("plain-top", guests::guest("plain-top"))
        .plugin("plain-mid", guests::guest("plain-mid"))
        .plugin(bottom, guests::guest(bottom))
}

#[test]
fn a_plain_chain_is_fused_into_one_component_and_answers_the_same() {
    let tree = guests::load(plain_chain("chain-bottom"));
    assert_eq!(
        fused(&tree),
        [
            ("plain-top".into(), None),
            ("plain-mid".into(), Some("plain-top".into())),
            ("chain-bottom".into(), Some("plain-mid".into())),
        ]
    );
    assert_eq!(trace(&tree, "test:chain/top", "x"), Ok(Some(s("x>plain-top>plain-mid>bottom"))));
    // One instance answers for the group: only the head is loaded.
    assert_eq!(tree.root_providers().map(|p| p.as_str()).collect::<Vec<_>>(), ["plain-top"]);
    assert!(tree.tree().plugins().all(|p| p.status == PluginStatus::Ready));

    // Kept dynamic, the same tree answers the same, through the host.
    let dynamic = guests::load(
        plain_chain("chain-bottom")
            .keep_dynamic("plain-top", "test:chain/mid")
            .keep_dynamic("plain-mid", "test:chain/bottom"),
    );
    assert!(fused(&dynamic).iter().all(|(_, into)| into.is_none()), "{:?}", fused(&dynamic));
    assert_eq!(trace(&dynamic, "test:chain/top", "x"), Ok(Some(s("x>plain-top>plain-mid>bottom"))));
}

#[test]
fn only_plain_edges_to_a_provider_no_one_else_uses_are_fused() {
    // chain-top imports `mid` in the socket ABI: dynamic; plain-mid's plain
    // edge to its bottom is fused.
    let tree = guests::load(
        chain()
            .root("test:chain/top")
            .plugin("chain-top", guests::guest("chain-top"))
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("chain-bottom", guests::guest("chain-bottom")),
    );
    assert_eq!(
        fused(&tree),
        [
            ("chain-top".into(), None),
            ("plain-mid".into(), None),
            ("chain-bottom".into(), Some("plain-mid".into())),
        ]
    );
    assert_eq!(trace(&tree, "test:chain/top", "y"), Ok(Some(s("y>top>plain-mid>bottom"))));
    // A provider with limits of its own stays a plugin of its own.
    let mut own = Limits::default();
    own.fuel = Some(1_000_000);
    let limited = guests::load(plain_chain("chain-bottom").plugin_limits("chain-bottom", own));
    assert_eq!(
        fused(&limited),
        [
            ("plain-top".into(), None),
            ("plain-mid".into(), Some("plain-top".into())),
            ("chain-bottom".into(), None),
        ]
    );
}

#[test]
fn a_trap_in_a_fused_provider_fails_the_group_as_its_consumer_sees_it() {
    // chain-top (socket ABI) → [plain-mid + bottom-trap], fused.
    let tree = guests::load(
        chain()
            .root("test:chain/top")
            .plugin("chain-top", guests::guest("chain-top"))
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("bottom-trap", guests::guest("bottom-trap")),
    );
    assert_eq!(fused(&tree)[2], ("bottom-trap".into(), Some("plain-mid".into())));
    assert_eq!(trace(&tree, "test:chain/top", "ok"), Ok(Some(s("ok>top>plain-mid>bottom-trap"))));
    let Ok(Some(Val::String(answer))) = trace(&tree, "test:chain/top", "boom") else {
        panic!("chain-top answers")
    };
    assert!(
        answer.starts_with("error: trapped: wasm trap: wasm `unreachable` instruction executed"),
        "{answer}"
    );
    // The group is one instance: it is failed as one, under its head's id.
    let failures = tree.failures();
    assert!(
        matches!(&failures[..], [CallError::Trapped { plugin, function, .. }] if plugin == "plain-mid" && function == "trace"),
        "{failures:?}"
    );
    let Ok(Some(Val::String(later))) = trace(&tree, "test:chain/top", "fine") else {
        panic!("chain-top answers")
    };
    assert!(later.starts_with("error: unavailable: plugin `plain-mid` failed earlier"), "{later}");
}

#[test]
fn a_fused_chain_whose_bottom_fails_to_load() {
    // The bottom is no component: nothing is fused, and the chain fails from the bottom up.
    let (tree, errors) = chain()
        .root("test:chain/top")
        .plugin("plain-top", guests::guest("plain-top"))
        .plugin("plain-mid", guests::guest("plain-mid"))
        .plugin("chain-bottom", b"not a component".to_vec())
        .build()
        .expect("valid WIT");
    assert_eq!(errors.len(), 4, "{errors:?}"); // bottom, mid's socket, top's socket, the root
    let (loaded, _) = tree.load(guests::engine());
    assert!(
        loaded.tree().plugins().all(|p| p.status == PluginStatus::Failed && p.fused_into.is_none())
    );

    // The composed group cannot instantiate within its head's memory limit:
    // the group fails as one, every member reported failed by its id.
    let mut small = Limits::default();
    small.memory = Some(64 * 1024);
    let (tree, errors) = plain_chain("chain-bottom").limits(small).build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(guests::engine());
    assert!(
        matches!(&errors[..], [LoadError::LimitExceeded { plugin, .. }, ..] if plugin == "plain-top"),
        "{errors:?}"
    );
    let statuses: Vec<(String, PluginStatus)> =
        loaded.tree().plugins().map(|p| (p.id.to_string(), p.status)).collect();
    assert_eq!(
        statuses,
        [
            ("plain-top".into(), PluginStatus::Failed),
            ("plain-mid".into(), PluginStatus::Failed),
            ("chain-bottom".into(), PluginStatus::Failed),
        ]
    );
}

#[test]
fn check_and_graph_say_which_edges_are_fused() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cli-tests/fused");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let manifest = dir.join("plugtree.toml");
    std::fs::write(
        &manifest,
        format!(
            "root = \"test:chain/top\"\nwit = {:?}\n\
             [[plugins]]\nid = \"plain-top\"\npath = {:?}\n\
             [[plugins]]\nid = \"plain-mid\"\npath = {:?}\ndynamic = [\"test:chain/bottom\"]\n\
             [[plugins]]\nid = \"chain-bottom\"\npath = {:?}\n",
            guests::app_wit().join("chain.wit"),
            guests::guest("plain-top"),
            guests::guest("plain-mid"),
            guests::guest("chain-bottom"),
        ),
    )
    .expect("write");
    let run = |args: &[&str]| crate::plain::run_ok(args, &manifest);
    let check = run(&["check"]);
    assert!(
        check.contains(
            "    socket test:chain/mid (exactly-one, fused)\n      plain-mid (ready, fused into `plain-top`)\n"
        ),
        "{check}"
    );
    // plain-mid keeps its bottom dynamic, as the manifest says: the group imports it.
    assert!(
        check.contains("  plain-top (ready)\n    capabilities: nothing\n    socket test:chain/bottom (exactly-one)\n      chain-bottom (ready)\n"),
        "{check}"
    );
    let json: serde_json::Value = serde_json::from_str(&run(&["check", "--json"])).expect("json");
    let fused_into: Vec<&str> = json["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|p| p["fused_into"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(fused_into, ["-", "plain-top", "-"]);
    let graph = run(&["graph", "--format", "mermaid"]);
    assert_eq!(graph.matches("== fused ==>").count(), 1, "{graph}");
}

#[test]
fn reloading_a_fused_member_under_calls_composes_its_group_again() {
    // plain-top + plain-mid + chain-bottom are one component; another thread
    // calls it while chain-bottom is reloaded, twice: as bottom-trap (which
    // answers ">bottom-trap"), then back.
    let tree = guests::load(plain_chain("chain-bottom"));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let caller = scope.spawn(|| {
            let mut seen = std::collections::BTreeSet::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match trace(&tree, "test:chain/top", "t") {
                    Ok(Some(Val::String(answer))) => {
                        seen.insert(answer);
                    }
                    other => panic!("every call is answered: {other:?}"),
                }
            }
            seen
        });
        let reloaded = tree.reload("chain-bottom", guests::guest("bottom-trap")).expect("reloaded");
        assert_eq!(reloaded.plugin, "chain-bottom");
        assert_eq!(
            trace(&tree, "test:chain/top", "u"),
            Ok(Some(s("u>plain-top>plain-mid>bottom-trap")))
        );
        tree.reload("chain-bottom", guests::guest("chain-bottom")).expect("reloaded back");
        assert_eq!(
            trace(&tree, "test:chain/top", "v"),
            Ok(Some(s("v>plain-top>plain-mid>bottom")))
        );
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        caller.join().expect("the caller ran")
    });
    assert!(seen.contains("t>plain-top>plain-mid>bottom"), "{seen:?}");
    // The group stays fused, every member under its id.
    assert_eq!(fused(&tree)[2], ("chain-bottom".into(), Some("plain-mid".into())));
    // A new component that does not fit is refused, and the old group answers.
    let refused = tree.reload("plain-mid", guests::guest("chain-bottom")).expect_err("refused");
    assert!(matches!(refused, plugtree::ReloadError::PlugChanged { .. }), "{refused}");
    assert_eq!(trace(&tree, "test:chain/top", "w"), Ok(Some(s("w>plain-top>plain-mid>bottom"))));
}
