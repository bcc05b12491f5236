//! A diamond: top imports left and right (two sockets), both import shared.
//! The shared plugin is one instance serving both consumers.

use crate::guests;

use plugtree::{PluginTree, Socket, Val};

#[test]
fn one_shared_instance_serves_both_consumers() {
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("diamond.wit"))
        .root("test:diamond/top")
        .plugin("top", guests::guest("diamond-top"))
        .plugin("left", guests::guest("diamond-left"))
        .plugin("right", guests::guest("diamond-right"))
        .plugin("shared", guests::guest("diamond-shared"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let top = tree.plugins().find(|p| p.id == "top").expect("top");
    assert_eq!(top.sockets().collect::<Vec<_>>(), vec!["test:diamond/left", "test:diamond/right"]);
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    // left, right, left: one counter behind both, so 1, 2, 3 (two instances would give 1, 1, 2).
    let run = || loaded.dispatch("test:diamond/top", "run", &[]);
    assert_eq!(
        run(),
        Ok(Socket::ExactlyOne(
            "top".into(),
            Ok(Some(Val::List(vec![Val::U32(1), Val::U32(2), Val::U32(3)])))
        ))
    );
    assert_eq!(
        run(),
        Ok(Socket::ExactlyOne(
            "top".into(),
            Ok(Some(Val::List(vec![Val::U32(4), Val::U32(5), Val::U32(6)])))
        ))
    );
}
