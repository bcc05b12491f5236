//! The pooling instance allocator (`pooling_engine_config`): a tree loads
//! and answers from the pool; a plugin that finds the pool full fails alone,
//! with its id and wasmtime's reason, and a reload that does not fit is
//! refused while the old instance keeps answering.

use crate::guests;

use std::error::Error;

use plugtree::load::ReloadError;
use plugtree::{Engine, LoadError, LoadedTree, Socket, Val};

/// `n` providers of `test:bench/level5` on an `any` root, loaded on `engine`.
fn providers(engine: &Engine, n: usize) -> (LoadedTree, Vec<LoadError>) {
    let (tree, errors) = guests::level5_providers(n).build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    tree.load(engine)
}

/// Who answered `add(40, 2)`, and with what.
fn answers(tree: &LoadedTree) -> Vec<(String, Option<Val>)> {
    let Ok(Socket::Any(answers)) =
        tree.dispatch("test:bench/level5", "add", &[Val::U32(40), Val::U32(2)])
    else {
        panic!("not an any root");
    };
    answers.into_iter().map(|(id, a)| (id.to_string(), a.expect("answered"))).collect()
}

fn causes(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[test]
fn a_tree_loads_and_answers_from_the_pool() {
    let engine = Engine::new(&plugtree::pooling_engine_config(8)).expect("pooled engine");
    let (tree, errors) = providers(&engine, 8);
    assert!(errors.is_empty(), "{errors:?}");
    let got = answers(&tree);
    assert_eq!(got.len(), 8);
    assert!(got.iter().all(|(_, a)| *a == Some(Val::U32(42))), "{got:?}");
    // The slots come back when the tree is dropped: the same pool loads it again.
    drop(tree);
    let (again, errors) = providers(&engine, 8);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(answers(&again).len(), 8);
}

#[test]
fn a_plugin_that_finds_the_pool_full_fails_alone() {
    let engine = Engine::new(&plugtree::pooling_engine_config(2)).expect("pooled engine");
    let (tree, errors) = providers(&engine, 3);
    let [LoadError::Instantiate { plugin, .. }] = errors.as_slice() else {
        panic!("expected one instantiation error, got {errors:?}");
    };
    assert_eq!(plugin.to_string(), "p2");
    let message = causes(&errors[0]);
    assert!(message.starts_with("plugin `p2` could not be instantiated: "), "{message}");
    assert!(message.contains("limit"), "wasmtime's reason is kept: {message}");
    let ids: Vec<String> = answers(&tree).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["p0", "p1"]);

    // A reload needs a second slot while the old instance lives: refused, nothing lost.
    let refused = tree.reload("p0", guests::guest("bench-level5"));
    assert!(
        matches!(refused, Err(ReloadError::Load(LoadError::Instantiate { .. }))),
        "{refused:?}"
    );
    assert_eq!(
        answers(&tree),
        [("p0".to_string(), Some(Val::U32(42))), ("p1".to_string(), Some(Val::U32(42)))]
    );
}
