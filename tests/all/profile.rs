//! Guest profiles: a tree loaded with `LoadOptions::with_profile` samples
//! every plugin's store while its code runs, and `finish_profile` writes one
//! Firefox processed profile with a thread per plugin and the plugins'
//! functions named `plugin: function`. Deadlines, fuel and restarts work as
//! without it.

use std::time::Duration;

use plugtree::load::LoadOptions;
use plugtree::{
    CallError, Limit, Limits, LoadedTree, PluginTree, ProfileError, RestartPolicy, Socket,
    TreeBuilder, Val,
};
use serde_json::Value;

use crate::guests;

/// Rounds each of the two plugins counts to: long enough for several 10 ms
/// samples each, on a slow machine too.
const ROUNDS: u32 = 300_000_000;

/// `top` (root, `test:prof/work`) over `leaf` (`test:prof/leaf`), both WAT
/// components whose functions keep their names: `count_up` and `spin_rounds`.
fn prof_app() -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("prof.wit"))
        .root("test:prof/work")
        .plugin("top", guests::wat("prof-top"))
        .plugin("leaf", guests::wat("prof-leaf"))
}

/// Builds and loads `builder`'s tree with a profile sampling every 10 ms.
fn load_profiled(builder: TreeBuilder) -> LoadedTree {
    let (tree, build_errors) = builder.build().expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let options = LoadOptions::default().with_profile(Duration::from_millis(10));
    let (loaded, load_errors) = tree.load_with(guests::engine(), &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

/// `work.run(rounds)`'s one answer, with the plugin that gave it.
fn run(tree: &LoadedTree, rounds: u32) -> (String, Result<Option<Val>, CallError>) {
    match tree.dispatch("test:prof/work", "run", &[Val::U32(rounds)]) {
        Ok(Socket::ExactlyOne(id, answer)) => (id.to_string(), answer),
        other => panic!("{other:?}"),
    }
}

fn answered(by: &str, value: u32) -> (String, Result<Option<Val>, CallError>) {
    (by.to_string(), Ok(Some(Val::U32(value))))
}

/// The finished profile, parsed, and the number of samples `finish_profile` reported.
fn finish(tree: &LoadedTree) -> (Value, usize) {
    let mut bytes = Vec::new();
    let samples = tree.finish_profile(&mut bytes).expect("profile written");
    (serde_json::from_slice(&bytes).expect("the profile is JSON"), samples)
}

/// Each thread's name, sample count and function names.
fn threads(profile: &Value) -> Vec<(String, u64, Vec<String>)> {
    let threads = profile["threads"].as_array().expect("threads");
    threads
        .iter()
        .map(|t| {
            let strings = t["stringArray"].as_array().expect("stringArray");
            let functions = t["funcTable"]["name"]
                .as_array()
                .expect("funcTable.name")
                .iter()
                .map(|i| strings[i.as_u64().expect("index") as usize].as_str().expect("str"))
                .map(str::to_string)
                .collect();
            let samples = t["samples"]["length"].as_u64().expect("samples.length");
            (t["name"].as_str().expect("name").to_string(), samples, functions)
        })
        .collect()
}

/// The Firefox processed format's frame: `meta` with its version and
/// interval, `libs`, and `threads` with their tables.
fn assert_processed_format(profile: &Value) {
    assert!(profile["meta"]["preprocessedProfileVersion"].as_u64().is_some(), "{profile:#}");
    assert_eq!(profile["meta"]["interval"].as_f64(), Some(10.0));
    assert_eq!(profile["meta"]["product"].as_str(), Some("plugtree"));
    assert!(profile["libs"].is_array());
    for t in profile["threads"].as_array().expect("threads") {
        for table in ["samples", "stackTable", "frameTable", "funcTable", "resourceTable"] {
            assert!(t[table]["length"].as_u64().is_some(), "thread table {table}: {t:#}");
        }
    }
}

#[test]
fn a_profile_names_each_plugins_functions_on_a_thread_of_its_own() {
    // No deadlines: the ticker runs for the profile alone.
    let tree = load_profiled(
        prof_app()
            .keep_dynamic("top", "test:prof/leaf")
            .limits(Limits::default().with_deadline(None)),
    );
    assert_eq!(run(&tree, ROUNDS), answered("top", 2 * ROUNDS));
    let (profile, samples) = finish(&tree);
    assert_processed_format(&profile);
    let threads = threads(&profile);
    let names: Vec<&str> = threads.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["leaf", "top"], "load order: providers first");
    assert_eq!(samples as u64, threads.iter().map(|(_, s, _)| s).sum::<u64>());
    for (name, samples, functions) in &threads {
        assert!(*samples > 0, "{name} was sampled");
        let expected = match name.as_str() {
            "top" => "top: count_up",
            _ => "leaf: spin_rounds",
        };
        assert!(functions.iter().any(|f| f == expected), "{name}: {functions:?}");
        assert!(functions.iter().all(|f| f.starts_with(&format!("{name}: "))), "{functions:?}");
    }
    let libs: Vec<&str> =
        profile["libs"].as_array().unwrap().iter().filter_map(|l| l["name"].as_str()).collect();
    assert!(libs.iter().any(|l| l.starts_with("leaf: ")), "{libs:?}");
    assert!(libs.iter().any(|l| l.starts_with("top: ")), "{libs:?}");
    // Written once; the tree answers on, unsampled.
    assert!(matches!(tree.finish_profile(Vec::new()), Err(ProfileError::AlreadyFinished)));
    assert_eq!(run(&tree, 5), answered("top", 10));
}

#[test]
fn a_fused_group_is_one_thread_named_by_its_members() {
    let tree = load_profiled(prof_app());
    assert_eq!(run(&tree, ROUNDS), answered("top", 2 * ROUNDS));
    let (profile, _) = finish(&tree);
    assert_processed_format(&profile);
    let threads = threads(&profile);
    assert_eq!(threads.len(), 1, "{threads:?}");
    let (name, samples, functions) = &threads[0];
    assert_eq!(name, "top+leaf");
    assert!(*samples > 0);
    for expected in ["top+leaf: count_up", "top+leaf: spin_rounds"] {
        assert!(functions.iter().any(|f| f == expected), "{expected}: {functions:?}");
    }
}

#[test]
fn deadlines_and_fuel_fire_in_a_profiled_store_as_in_an_unprofiled_one() {
    let limited = |deadline: Option<Duration>, fuel: Option<u64>| {
        PluginTree::builder()
            .wit(guests::app_wit().join("prof.wit"))
            .root("test:prof/leaf")
            .plugin("leaf", guests::wat("prof-leaf"))
            .limits(Limits::default().with_deadline(deadline).with_fuel(fuel))
    };
    let spin = |tree: &LoadedTree| spin_rounds(tree, u32::MAX);
    for (deadline, fuel, limit) in [
        (Some(Duration::from_millis(200)), None, Limit::Deadline),
        (None, Some(50_000_000), Limit::Fuel),
    ] {
        let profiled = load_profiled(limited(deadline, fuel));
        let plain = guests::load(limited(deadline, fuel));
        let (profiled, plain) = (spin(&profiled), spin(&plain));
        assert!(
            matches!(&plain, Err(CallError::LimitExceeded { limit: l, .. }) if *l == limit),
            "{plain:?}"
        );
        assert_eq!(profiled, plain);
    }
    // Within its deadline a profiled call answers, and its samples are kept.
    let tree = load_profiled(limited(Some(Duration::from_secs(60)), None));
    assert_eq!(spin_rounds(&tree, ROUNDS), Ok(Some(Val::U32(ROUNDS))));
    assert!(finish(&tree).1 > 0);
}

fn spin_rounds(tree: &LoadedTree, rounds: u32) -> Result<Option<Val>, CallError> {
    match tree.dispatch("test:prof/leaf", "spin", &[Val::U32(rounds)]) {
        Ok(Socket::ExactlyOne(_, answer)) => answer,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_restarted_plugins_fresh_store_is_sampled_too() {
    let tree = load_profiled(
        PluginTree::builder()
            .wit(guests::app_wit().join("prof.wit"))
            .root("test:prof/leaf")
            .plugin("leaf", guests::wat("prof-leaf"))
            .restart_policy("leaf", RestartPolicy::new(1, Duration::from_secs(60))),
    );
    // `spin(0)` traps at once: the first instance is never sampled.
    assert!(matches!(spin_rounds(&tree, 0), Err(CallError::Trapped { .. })));
    assert_eq!(spin_rounds(&tree, ROUNDS), Ok(Some(Val::U32(ROUNDS))));
    let (profile, samples) = finish(&tree);
    assert!(samples > 0);
    let threads = threads(&profile);
    assert_eq!(threads.len(), 1);
    assert!(threads[0].2.iter().any(|f| f == "leaf: spin_rounds"), "{threads:?}");
}

#[test]
fn a_tree_loaded_without_a_profile_has_none_to_finish() {
    let tree = guests::load(prof_app());
    let refused = tree.finish_profile(Vec::new()).unwrap_err();
    assert!(matches!(refused, ProfileError::NotProfiled), "{refused:?}");
    assert_eq!(
        refused.to_string(),
        "the tree was loaded without a profile (`LoadOptions::with_profile`)"
    );
}

#[test]
fn an_engine_that_does_not_check_epochs_cannot_be_profiled() {
    let mut config = plugtree::engine_config();
    config.epoch_interruption(false);
    let engine = plugtree::Engine::new(&config).expect("engine");
    let (tree, _) =
        prof_app().limits(Limits::default().with_deadline(None)).build().expect("valid WIT");
    let options = LoadOptions::default().with_profile(Duration::from_millis(10));
    let (tree, load_errors) = tree.load_with(&engine, &options);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    // The tree answers, unsampled; the profile says why there is none.
    assert_eq!(run(&tree, 5), answered("top", 10));
    let refused = tree.finish_profile(Vec::new()).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "the engine does not check epochs (`Config::epoch_interruption`), which sampling needs"
    );
    assert!(matches!(tree.finish_profile(Vec::new()), Err(ProfileError::AlreadyFinished)));
}

#[test]
fn a_reloaded_plugin_gets_a_thread_of_its_own() {
    let tree = load_profiled(prof_app().keep_dynamic("top", "test:prof/leaf"));
    assert_eq!(run(&tree, ROUNDS), answered("top", 2 * ROUNDS));
    tree.reload("leaf", guests::wat("prof-leaf")).expect("reloaded");
    assert_eq!(run(&tree, ROUNDS), answered("top", 2 * ROUNDS));
    let (profile, _) = finish(&tree);
    assert_processed_format(&profile);
    let threads = threads(&profile);
    let names: Vec<&str> = threads.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["leaf", "top", "leaf (reload 1)"]);
    for (name, samples, functions) in &threads {
        assert!(*samples > 0, "{name} was sampled");
        assert!(functions.iter().all(|f| f.starts_with(&format!("{name}: "))), "{functions:?}");
    }
    assert!(threads[2].2.iter().any(|f| f == "leaf (reload 1): spin_rounds"), "{threads:?}");
}
