//! The limits on a plugin's tables and instances, on hand-written components
//! beside `leaf-good` on an `any` socket: a table that starts or grows past
//! `Limits::table_elements`, and a component with more core instances than
//! `Limits::instances`, each refused with the limit named; the other plugin
//! loads and answers.

use std::time::Duration;

use crate::guests;

use plugtree::{
    CallError, Cardinality, Limit, Limits, LoadError, LoadedTree, PluginTree, Socket, Val,
};

/// `id` (the hand-written `wat` component, with `limits`) and `good` on the
/// `any` root `test:partial/leaf`, loaded; returns the tree and what failed to load.
fn leaf_tree(id: &str, wat: &str, limits: Limits) -> (LoadedTree, Vec<LoadError>) {
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("partial.wit"))
        .root("test:partial/leaf")
        .cardinality("test:partial/leaf", Cardinality::Any)
        .plugin(id, guests::wat(wat))
        .plugin_limits(id, limits)
        .plugin("good", guests::guest("leaf-good"))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    tree.load(guests::engine())
}

fn providers(tree: &LoadedTree) -> Vec<&str> {
    tree.root_providers().map(|p| p.as_str()).collect()
}

fn answers(tree: &LoadedTree, function: &str) -> Vec<(String, Result<Option<Val>, CallError>)> {
    match tree.dispatch("test:partial/leaf", function, &[]) {
        Ok(Socket::Any(answers)) => {
            answers.into_iter().map(|(id, a)| (id.to_string(), a)).collect()
        }
        other => panic!("an answer per provider: {other:?}"),
    }
}

/// Asserts that loading failed for `id` alone, on `expected` with `text`,
/// and that `good` loaded and answers.
fn assert_refused_at_load(
    tree: &LoadedTree,
    errors: &[LoadError],
    id: &str,
    expected: Limit,
    text: &str,
) {
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        LoadError::LimitExceeded { plugin, limit, message } => {
            assert_eq!(plugin, id);
            assert_eq!(*limit, expected);
            assert_eq!(message, text);
        }
        other => panic!("expected the {expected} limit, got {other:?}"),
    }
    assert_eq!(errors[0].to_string(), text);
    assert_eq!(providers(tree), vec!["good"]);
    assert_eq!(answers(tree, "value"), vec![("good".to_string(), Ok(Some(Val::U32(1))))]);
}

#[test]
fn a_table_that_starts_larger_than_its_limit_is_refused_at_load() {
    // `leaf-table-grow`'s table has 10 elements from the start.
    let (tree, errors) =
        leaf_tree("grow", "leaf-table-grow", Limits::default().with_table_elements(Some(5)));
    assert_refused_at_load(
        &tree,
        &errors,
        "grow",
        Limit::TableElements,
        "plugin `grow` exceeded its table-elements limit (growing a table to 10 elements exceeds the limit of 5) in `instantiation`",
    );
}

#[test]
fn a_table_grow_past_its_limit_answers_minus_one_and_the_plugin_goes_on() {
    // As WebAssembly says a host may: `table.grow` gives -1, the guest decides.
    let (tree, errors) =
        leaf_tree("grow", "leaf-table-grow", Limits::default().with_table_elements(Some(100)));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(providers(&tree), vec!["grow", "good"]);
    for _ in 0..2 {
        assert_eq!(
            answers(&tree, "value"),
            vec![
                ("grow".to_string(), Ok(Some(Val::U32(u32::MAX)))),
                ("good".to_string(), Ok(Some(Val::U32(1))))
            ]
        );
    }
    assert!(tree.failures().is_empty(), "{:?}", tree.failures());
}

#[test]
fn a_memory_grow_past_its_limit_answers_minus_one_and_the_plugin_goes_on() {
    // One page, then 16 more per call: 2 MiB allows one grow, not two.
    let (tree, errors) =
        leaf_tree("grow", "leaf-memory-grow", Limits::default().with_memory(Some(2 << 20)));
    assert!(errors.is_empty(), "{errors:?}");
    let grow = |tree: &plugtree::LoadedTree| answers(tree, "value")[0].clone();
    assert_eq!(grow(&tree), ("grow".to_string(), Ok(Some(Val::U32(1)))));
    assert_eq!(grow(&tree), ("grow".to_string(), Ok(Some(Val::U32(u32::MAX)))));
    assert_eq!(
        answers(&tree, "label")[0],
        ("grow".to_string(), Ok(Some(Val::String("grow".into()))))
    );
    assert!(tree.failures().is_empty(), "{:?}", tree.failures());
}

#[test]
fn a_table_may_grow_up_to_its_limit_or_without_one() {
    // `value` answers the table's size before it grew by 1000: 10.
    for limits in [
        Limits::default().with_table_elements(Some(1010)),
        Limits::default().with_table_elements(None),
    ] {
        let (tree, errors) = leaf_tree("grow", "leaf-table-grow", limits);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            answers(&tree, "value"),
            vec![
                ("grow".to_string(), Ok(Some(Val::U32(10)))),
                ("good".to_string(), Ok(Some(Val::U32(1))))
            ]
        );
        assert!(tree.failures().is_empty(), "{:?}", tree.failures());
    }
}

#[test]
fn a_component_with_more_core_instances_than_its_limit_is_refused_at_load() {
    // `leaf-two-instances` instantiates two core modules.
    let (tree, errors) =
        leaf_tree("two", "leaf-two-instances", Limits::default().with_instances(1));
    assert_refused_at_load(
        &tree,
        &errors,
        "two",
        Limit::Instances,
        "plugin `two` exceeded its instances limit of 1 (instance count too high at 2) in `instantiation`",
    );
}

#[test]
fn a_component_within_its_instances_limit_loads_and_answers() {
    let (tree, errors) =
        leaf_tree("two", "leaf-two-instances", Limits::default().with_instances(2));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        answers(&tree, "value"),
        vec![
            ("two".to_string(), Ok(Some(Val::U32(4)))),
            ("good".to_string(), Ok(Some(Val::U32(1))))
        ]
    );
    assert_eq!(
        answers(&tree, "label"),
        vec![
            ("two".to_string(), Ok(Some(Val::String("two".into())))),
            ("good".to_string(), Ok(Some(Val::String("good".into()))))
        ]
    );
}

#[test]
fn a_caller_s_deadline_does_not_outlive_its_call_in_a_provider_without_one() {
    // shared has no deadline; right gives it its own for the length of its
    // calls. run = [left, right, left]: after right's call, left's calls
    // (no deadline in force) must not find right's leftover deadline in
    // shared's store — it would interrupt them once it passed.
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("diamond.wit"))
        .root("test:diamond/top")
        .limits(Limits::default().with_deadline(None))
        .plugin_limits("right", Limits::default().with_deadline(Some(Duration::from_millis(200))))
        .plugin("top", guests::guest("diamond-top"))
        .plugin("left", guests::guest("diamond-left"))
        .plugin("right", guests::guest("diamond-right"))
        .plugin("shared", guests::guest("diamond-shared"))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(guests::engine());
    assert!(errors.is_empty(), "{errors:?}");
    let run = || match loaded.dispatch("test:diamond/top", "run", &[]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
        other => panic!("run: {other:?}"),
    };
    let counts = |v: [u32; 3]| Val::List(v.map(Val::U32).into());
    assert_eq!(run(), counts([1, 2, 3]));
    // Past right's deadline, which was set in shared's store during its call.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(run(), counts([4, 5, 6]), "left's call into shared was interrupted");
}
