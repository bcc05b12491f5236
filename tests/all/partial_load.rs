//! Partial load: a root `any` socket with one good plugin and every kind of
//! broken one. Each problem is reported with its plugin; the rest answers.

use crate::guests;

use plugtree::describe::PluginError;
use plugtree::resolve::PluginStatus;
use plugtree::{
    BuildError, Cardinality, LoadError, PluginTree, Signature, Socket, TreeBuilder, Val, ValueType,
};

fn app() -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("partial.wit"))
        .root("test:partial/leaf")
        .cardinality("test:partial/leaf", Cardinality::Any)
}

#[test]
fn every_broken_plugin_is_reported_and_the_rest_answers() {
    let (tree, build_errors) = app()
        .plugin("good", guests::guest("leaf-good"))
        .plugin("corrupt", b"\0asm\x0d\0\x01\0 this is not a component".to_vec())
        .plugin("missing", guests::guest("leaf-missing"))
        .plugin("wrong", guests::guest("leaf-wrong"))
        .plugin("trap-start", guests::wat("leaf-trap-start"))
        .plugin("ghost", guests::guest("leaf-ghost"))
        .plugin("cyc-a", guests::guest("cyc-a"))
        .plugin("cyc-b", guests::guest("cyc-b"))
        .plugin("needs-dep", guests::guest("leaf-needs-dep"))
        .plugin("good", guests::guest("leaf-good"))
        .build()
        .expect("valid WIT");
    let messages: Vec<String> = build_errors.iter().map(ToString::to_string).collect();
    assert_eq!(build_errors.len(), 7, "{messages:#?}");
    assert!(
        matches!(&build_errors[0], BuildError::Plugin(PluginError::InvalidComponent { plugin, .. }) if plugin == "corrupt")
    );
    assert!(matches!(&build_errors[1], BuildError::MissingExport { plugin, interface, function }
        if plugin == "missing" && interface == "test:partial/leaf" && function == "label"));
    assert!(
        matches!(&build_errors[2], BuildError::PlugMismatch { plugin, function, expected, found, .. }
        if plugin == "wrong" && function == "value"
            && *expected == Signature { params: vec![], result: Some(ValueType::U32) }
            && *found == Signature { params: vec![], result: Some(ValueType::String) })
    );
    assert_eq!(
        messages[2],
        "plugin `wrong` exports `test:partial/leaf.value` as `func() -> string`, but the WIT says `func() -> u32`"
    );
    assert_eq!(
        messages[3],
        "plugin `ghost` imports `test:ghost/spooky`, which is not an app interface"
    );
    assert_eq!(messages[4], "plugin id `good` is used more than once; the later plugin is dropped");
    assert_eq!(
        messages[5],
        "dependency cycle: cyc-b → test:partial/leaf → cyc-a → test:partial/loop → cyc-b"
    );
    let mut cycle_members = match &build_errors[5] {
        BuildError::Cycle { plugins, path } => {
            assert_eq!(path.len(), 5, "{path:?}");
            assert_eq!(path.first(), path.last());
            plugins.iter().map(ToString::to_string).collect::<Vec<_>>()
        }
        _ => unreachable!(),
    };
    cycle_members.sort();
    assert_eq!(cycle_members, vec!["cyc-a", "cyc-b"]);
    assert_eq!(
        messages[6],
        "plugin `needs-dep` needs exactly-one provider of `test:partial/dep` but has 0 working (none)"
    );

    let statuses: Vec<(String, PluginStatus)> =
        tree.plugins().map(|p| (p.id.to_string(), p.status)).collect();
    assert_eq!(
        statuses,
        [
            ("good", PluginStatus::Ready),
            ("corrupt", PluginStatus::Failed),
            ("missing", PluginStatus::Failed),
            ("wrong", PluginStatus::Failed),
            ("trap-start", PluginStatus::Ready),
            ("ghost", PluginStatus::Failed),
            ("cyc-a", PluginStatus::Failed),
            ("cyc-b", PluginStatus::Failed),
            ("needs-dep", PluginStatus::Failed),
        ]
        .map(|(id, s)| (id.to_string(), s))
    );

    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert_eq!(load_errors.len(), 1, "{load_errors:?}");
    assert!(
        matches!(&load_errors[0], LoadError::Instantiate { plugin, .. } if plugin == "trap-start")
    );
    let cause =
        std::error::Error::source(&load_errors[0]).expect("the trap is the cause").to_string();
    assert_eq!(cause, "wasm trap: wasm `unreachable` instruction executed");
    assert_eq!(
        loaded.tree().plugins().find(|p| p.id == "trap-start").map(|p| p.status),
        Some(PluginStatus::Failed)
    );

    assert_eq!(
        loaded.dispatch("test:partial/leaf", "value", &[]),
        Ok(Socket::Any(vec![("good".into(), Ok(Some(Val::U32(1))))]))
    );
    assert_eq!(
        loaded.dispatch("test:partial/leaf", "label", &[]),
        Ok(Socket::Any(vec![("good".into(), Ok(Some(Val::String("good".into()))))]))
    );
}

#[test]
fn a_satisfied_dependency_and_an_unused_plugin() {
    let (tree, errors) = app()
        .plugin("needs-dep", guests::guest("leaf-needs-dep"))
        .plugin("dep", guests::guest("dep-good"))
        .plugin("idle", guests::guest("chain-bottom"))
        .build()
        .expect("valid WIT");
    // chain-bottom plugs an interface the app does not have.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0], BuildError::NoPlug { plugin, exports } if plugin == "idle" && exports == &["test:chain/bottom"])
    );
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(
        loaded.dispatch("test:partial/leaf", "value", &[]),
        Ok(Socket::Any(vec![("needs-dep".into(), Ok(Some(Val::U32(107))))]))
    );
}

#[test]
fn a_plugin_nothing_reaches_is_unused_and_not_loaded() {
    let (tree, errors) = app()
        .plugin("good", guests::guest("leaf-good"))
        .plugin("dep", guests::guest("dep-good"))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let statuses: Vec<_> = tree.plugins().map(|p| (p.id.to_string(), p.status)).collect();
    assert_eq!(
        statuses,
        vec![("good".to_string(), PluginStatus::Ready), ("dep".to_string(), PluginStatus::Unused)]
    );
}
