//! Typed calls on the root (`RootFunc::typed`): Rust values in and out, the
//! same answers as the `Val` path, types checked by wasmtime before the
//! first call and again on a reloaded provider's new instance.

use crate::guests::{self, load};

use plugtree::{DispatchError, HostError, HostPlug, LoadedTree, Socket, Val};
use wasmtime::component::{ComponentType, Lift, Lower};

/// `entry` of `test:app/values`, as a Rust record.
#[derive(ComponentType, Lift, Lower, Debug, Clone, PartialEq)]
#[component(record)]
struct Entry {
    name: String,
    tags: Vec<String>,
    score: Option<u32>,
}

fn values() -> LoadedTree {
    load(
        plugtree::PluginTree::builder()
            .wit(guests::app_wit().join("values.wit"))
            .root("test:app/values")
            .plugin("values", guests::guest("values")),
    )
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

#[test]
fn typed_calls_answer_as_val_calls_do() {
    let tree = values();
    let add = tree.root_func("add").expect("add").typed::<(u32, u32), (u32,)>().expect("typed");
    assert_eq!(add.call((40, 2)), Ok(Socket::ExactlyOne("values".into(), Ok((42,)))));
    assert_eq!(
        tree.dispatch("test:app/values", "add", &[Val::U32(40), Val::U32(2)]),
        Ok(Socket::ExactlyOne("values".into(), Ok(Some(Val::U32(42)))))
    );
    let echo = tree.root_func("echo").expect("echo");
    let echo = echo.typed::<(String,), (String,)>().expect("typed");
    assert_eq!(
        echo.call(("héllo".into(),)),
        Ok(Socket::ExactlyOne("values".into(), Ok(("héllo".to_string(),))))
    );
    // A record, which has no fast path: typed all the same.
    let tag = tree.root_func("tag").expect("tag");
    let tag = tag.typed::<(Entry, String), (Entry,)>().expect("typed");
    let entry = Entry { name: "n".into(), tags: vec!["a".into()], score: Some(4) };
    let tagged = Entry { name: "n".into(), tags: vec!["a".into(), "b".into()], score: Some(5) };
    assert_eq!(
        tag.call((entry, "b".into())),
        Ok(Socket::ExactlyOne("values".into(), Ok((tagged,))))
    );
    // A function without a result answers `()`.
    let nothing = tree.root_func("nothing").expect("nothing").typed::<(), ()>().expect("typed");
    assert_eq!(nothing.call(()), Ok(Socket::ExactlyOne("values".into(), Ok(()))));
}

#[test]
fn other_types_are_refused_before_any_call_naming_the_plugin() {
    let tree = values();
    let add = tree.root_func("add").expect("add");
    match add.typed::<(String, u32), (u32,)>() {
        Err(DispatchError::OtherTypes { plugin, function, reason }) => {
            assert_eq!((plugin.as_str(), function.as_str()), ("values", "add"));
            assert!(!reason.is_empty());
        }
        other => panic!("expected OtherTypes, got {other:?}"),
    }
    assert!(matches!(add.typed::<(u32, u32), (String,)>(), Err(DispatchError::OtherTypes { .. })));
    // The refusal did not fail the plugin: it answers the right types.
    let add = add.typed::<(u32, u32), (u32,)>().expect("typed");
    assert_eq!(add.call((1, 2)), Ok(Socket::ExactlyOne("values".into(), Ok((3,)))));
}

#[test]
fn an_any_root_answers_typed_per_plugin_and_retypes_after_a_reload() {
    let tree = load(
        guests::card_app()
            .root("test:card/many")
            .plugin("greeter", guests::guest("many-en"))
            .plugin("other", guests::guest("many-de")),
    );
    let greet = tree.root_func("greet").expect("greet");
    let greet = greet.typed::<(String,), (String,)>().expect("typed");
    let answers = |tree_greet: &plugtree::TypedRootFunc<'_, (String,), (String,)>| {
        tree_greet.call(("ana".into(),)).expect("called").into_vec()
    };
    assert_eq!(
        answers(&greet),
        vec![
            ("greeter".into(), Ok(("hello, ana".to_string(),))),
            ("other".into(), Ok(("hallo, ana".to_string(),)))
        ]
    );
    // The reloaded plugin is a new instance in a new store: the typed
    // function made before the reload is checked there on its first call.
    tree.reload("greeter", guests::guest("many-fr")).expect("reloads");
    assert_eq!(
        answers(&greet),
        vec![
            ("greeter".into(), Ok(("bonjour, ana".to_string(),))),
            ("other".into(), Ok(("hallo, ana".to_string(),)))
        ]
    );
}

#[test]
fn a_host_plug_root_or_a_method_is_called_with_vals() {
    let tree = load(
        guests::card_app().root("test:card/many").host_plug(
            HostPlug::new("host", "test:card/many")
                .func("greet", |n: String| -> Result<String, HostError> { Ok(format!("hi {n}")) })
                .func("notify", |_: String| Ok(())),
        ),
    );
    let greet = tree.root_func("greet").expect("greet");
    assert!(matches!(
        greet.typed::<(String,), (String,)>(),
        Err(DispatchError::Unsupported { function, reason })
            if function == "greet" && reason.contains("`host` is a host plug")
    ));
    assert_eq!(
        greet.call(&[s("bo")]),
        Ok(Socket::Any(vec![("host".into(), Ok(Some(s("hi bo"))))]))
    );
}
