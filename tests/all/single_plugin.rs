//! One plugin on an exactly-one root: every WIT value kind in and out, and
//! every way a dispatch can be refused.

use crate::guests;

use plugtree::{DispatchError, LoadedTree, PluginTree, Socket, Val, ValueType};

fn loaded() -> LoadedTree {
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("values", guests::guest("values"))
        .build()
        .expect("the app's WIT is valid");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let engine = plugtree::default_engine().expect("engine");
    let (loaded, load_errors) = tree.load(&engine);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

fn call(tree: &LoadedTree, function: &str, args: &[Val]) -> Option<Val> {
    match tree.dispatch("test:app/values", function, args).expect("dispatch") {
        Socket::ExactlyOne(_, answer) => answer.expect("the plugin answers"),
        other => panic!("an exactly-one root answers once, got {other:?}"),
    }
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

#[test]
fn primitives_strings_and_nothing() {
    let tree = loaded();
    assert_eq!(call(&tree, "add", &[Val::U32(40), Val::U32(2)]), Some(Val::U32(42)));
    assert_eq!(call(&tree, "echo", &[s("héllo")]), Some(s("héllo")));
    assert_eq!(call(&tree, "nothing", &[]), None);
    assert_eq!(
        call(&tree, "bytes", &[Val::U32(4)]),
        Some(Val::List(vec![Val::U8(0), Val::U8(1), Val::U8(2), Val::U8(3)]))
    );
}

#[test]
fn records_variants_options_results_flags() {
    let tree = loaded();
    let entry = Val::Record(vec![
        ("name".into(), s("n")),
        ("tags".into(), Val::List(vec![s("a")])),
        ("score".into(), Val::Option(Some(Box::new(Val::U32(4))))),
    ]);
    assert_eq!(
        call(&tree, "tag", &[entry, s("b")]),
        Some(Val::Record(vec![
            ("name".into(), s("n")),
            ("tags".into(), Val::List(vec![s("a"), s("b")])),
            ("score".into(), Val::Option(Some(Box::new(Val::U32(5))))),
        ]))
    );
    let circle = Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.0))));
    assert_eq!(call(&tree, "area", &[circle]), Some(Val::Float64(12.0)));
    let rect = Val::Variant(
        "rect".into(),
        Some(Box::new(Val::Tuple(vec![Val::Float64(2.0), Val::Float64(3.5)]))),
    );
    assert_eq!(call(&tree, "area", &[rect]), Some(Val::Float64(7.0)));
    assert_eq!(call(&tree, "area", &[Val::Variant("empty".into(), None)]), Some(Val::Float64(0.0)));
    assert_eq!(
        call(&tree, "checked-div", &[Val::U32(9), Val::U32(3)]),
        Some(Val::Result(Ok(Some(Box::new(Val::U32(3))))))
    );
    assert_eq!(
        call(&tree, "checked-div", &[Val::U32(9), Val::U32(0)]),
        Some(Val::Result(Err(Some(Box::new(s("division by zero"))))))
    );
    assert_eq!(
        call(&tree, "find", &[s("green")]),
        Some(Val::Option(Some(Box::new(Val::Enum("green".into())))))
    );
    assert_eq!(call(&tree, "find", &[s("mauve")]), Some(Val::Option(None)));
    assert_eq!(
        call(&tree, "grant", &[Val::Flags(vec!["read".into()])]),
        Some(Val::Flags(vec!["read".into(), "exec".into()]))
    );
}

#[test]
fn bad_dispatches_are_typed_errors() {
    let tree = loaded();
    assert_eq!(
        tree.dispatch("test:chain/top", "add", &[]),
        Err(DispatchError::NotRoot {
            interface: "test:chain/top".into(),
            root: "test:app/values".into()
        })
    );
    assert_eq!(
        tree.dispatch("test:app/values", "mul", &[]),
        Err(DispatchError::UnknownFunction {
            interface: "test:app/values".into(),
            function: "mul".into()
        })
    );
    assert_eq!(
        tree.dispatch("test:app/values", "add", &[Val::U32(1)]),
        Err(DispatchError::ArgumentCount { function: "add".into(), expected: 2, found: 1 })
    );
    assert_eq!(
        tree.dispatch("test:app/values", "add", &[Val::U32(1), s("2")]),
        Err(DispatchError::ArgumentType {
            function: "add".into(),
            param: "b".into(),
            expected: Box::new(ValueType::U32),
            found: "a string value that does not fit".into(),
        })
    );
    let wrong_case = Val::Variant("square".into(), Some(Box::new(Val::Float64(1.0))));
    let err = tree.dispatch("test:app/values", "area", &[wrong_case]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "argument `s` of `area` must be `variant { circle(f64), rect(tuple<f64, f64>), empty }`, found variant case `square`"
    );
    // The plugin still answers after refused dispatches.
    assert_eq!(call(&tree, "add", &[Val::U32(1), Val::U32(1)]), Some(Val::U32(2)));
}

#[test]
fn the_loaded_tree_is_shared_across_threads() {
    let tree = loaded();
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let tree = &tree;
            scope.spawn(move || {
                for i in 0..50u32 {
                    assert_eq!(
                        call(tree, "add", &[Val::U32(t), Val::U32(i)]),
                        Some(Val::U32(t + i))
                    );
                }
            });
        }
    });
}

#[test]
fn a_root_function_looked_up_once_answers_many_calls() {
    let tree = loaded();
    let add: plugtree::RootFunc<'_> = tree.root_func("add").expect("a root function");
    assert_eq!(add.function().name, "add");
    for n in 0..3 {
        let answer: plugtree::Answer = match add.call(&[Val::U32(n), Val::U32(1)]) {
            Ok(Socket::ExactlyOne(plugin, answer)) => {
                assert_eq!(plugin, "values");
                answer
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(answer, Ok(Some(Val::U32(n + 1))));
    }
    // The same checks as `dispatch`, without naming the interface again.
    assert_eq!(
        add.call(&[Val::U32(1)]),
        Err(DispatchError::ArgumentCount { function: "add".into(), expected: 2, found: 1 })
    );
    assert_eq!(
        tree.root_func("nope").map(|f| f.function().name.clone()),
        Err(DispatchError::UnknownFunction {
            interface: "test:app/values".into(),
            function: "nope".into()
        })
    );
}
