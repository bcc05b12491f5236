//! Versioned and remapped plugs: a semver-compatible version of an app
//! interface plugs in as it is, two majors are two interfaces, an
//! incompatible version names both, and a remap plugs a component written
//! for another host's WIT in under the app's names.

use crate::guests;

use plugtree::{BuildError, PluginStatus, PluginTree, Remap, Socket, TreeBuilder, Val};

/// The app's WIT: `test:ver@1.0.0` (`greeter`, `front`) and `test:ver@2.0.0`.
fn app() -> TreeBuilder {
    PluginTree::builder()
        .wit_text(
            "ver1.wit",
            "package test:ver@1.0.0;
             interface greeter { greet: func(name: string) -> string; }
             interface front { run: func(name: string) -> string; }",
        )
        .wit_text(
            "ver2.wit",
            "package test:ver@2.0.0;
             interface greeter { greet: func(title: string, name: string) -> string; }",
        )
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

#[test]
fn a_compatible_version_plugs_in_and_majors_stay_apart() {
    // ver-greeter-12 exports greeter@1.2.0 (with a function 1.0 lacks),
    // ver-greeter-2 greeter@2.0.0; ver-front imports greeter@1.1.0 plainly
    // and exports front@1.1.0.
    let tree = guests::load(
        app()
            .root("test:ver/front@1.0.0")
            .plugin("ver-front", guests::guest("ver-front"))
            .plugin("ver-greeter-12", guests::guest("ver-greeter-12"))
            .plugin("ver-greeter-2", guests::guest("ver-greeter-2")),
    );
    let answer = tree.dispatch("test:ver/front@1.0.0", "run", &[s("ana")]).expect("dispatch");
    assert_eq!(
        answer,
        Socket::ExactlyOne("ver-front".into(), Ok(Some(s("front: hello from 1.2, ana"))))
    );
    let built = tree.tree();
    let plug = |id: &str| {
        let p = built.plugins().find(|p| p.id == id).expect("listed");
        (p.plug.map(String::from), p.plug_export.map(String::from), p.status)
    };
    assert_eq!(
        plug("ver-greeter-12"),
        (
            Some("test:ver/greeter@1.0.0".into()),
            Some("test:ver/greeter@1.2.0".into()),
            PluginStatus::Ready
        )
    );
    // The 2.x provider is a provider of the other interface, unused here.
    assert_eq!(
        plug("ver-greeter-2"),
        (Some("test:ver/greeter@2.0.0".into()), None, PluginStatus::Unused)
    );
    let two = guests::load(
        app()
            .root("test:ver/greeter@2.0.0")
            .plugin("ver-greeter-2", guests::guest("ver-greeter-2")),
    );
    assert_eq!(
        two.dispatch("test:ver/greeter@2.0.0", "greet", &[s("Dr"), s("Who")]).expect("dispatch"),
        Socket::ExactlyOne("ver-greeter-2".into(), Ok(Some(s("good day, Dr Who"))))
    );
}

#[test]
fn an_incompatible_version_is_an_error_naming_both() {
    let only_two = || {
        PluginTree::builder().wit_text(
            "ver2.wit",
            "package test:ver@2.0.0;
             interface greeter { greet: func(title: string, name: string) -> string; }
             interface front { run: func(name: string) -> string; }",
        )
    };
    let (_, errors) = only_two()
        .root("test:ver/greeter@2.0.0")
        .plugin("ver-greeter-12", guests::guest("ver-greeter-12"))
        .plugin("ver-front", guests::guest("ver-front"))
        .build()
        .expect("valid WIT");
    let versions: Vec<String> = errors
        .iter()
        .filter(|e| matches!(e, BuildError::IncompatibleVersion { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        versions,
        [
            "plugin `ver-greeter-12` uses `test:ver/greeter@1.2.0`, which is not semver-compatible with the app's `test:ver/greeter@2.0.0`",
            "plugin `ver-front` uses `test:ver/front@1.1.0`, which is not semver-compatible with the app's `test:ver/front@2.0.0`",
            "plugin `ver-front` uses `test:ver/greeter@1.1.0`, which is not semver-compatible with the app's `test:ver/greeter@2.0.0`",
        ]
    );
}

#[test]
fn a_remapped_export_plugs_in_under_the_apps_names() {
    // their-greeter exports their:pkg/salutations@0.3.0.say-hello.
    let remap = Remap::new("their:pkg/salutations@0.3.0", "test:ver/greeter@1.0.0")
        .function("say-hello", "greet");
    let tree = guests::load(
        app()
            .root("test:ver/front@1.0.0")
            .plugin("ver-front", guests::guest("ver-front"))
            .plugin("theirs", guests::guest("their-greeter"))
            .remap("theirs", remap.clone()),
    );
    assert_eq!(
        tree.dispatch("test:ver/front@1.0.0", "run", &[s("bo")]).expect("dispatch"),
        Socket::ExactlyOne("ver-front".into(), Ok(Some(s("front: hi from theirs, bo"))))
    );
    // Called as the root too, under the app's function name.
    let root = guests::load(
        app()
            .root("test:ver/greeter@1.0.0")
            .plugin("theirs", guests::guest("their-greeter"))
            .remap("theirs", remap),
    );
    assert_eq!(
        root.dispatch("test:ver/greeter@1.0.0", "greet", &[s("al")]).expect("dispatch"),
        Socket::ExactlyOne("theirs".into(), Ok(Some(s("hi from theirs, al"))))
    );

    // Without the remap it plugs into nothing; with a wrong one, each says why.
    let errors = |remap: Option<Remap>| {
        let builder =
            app().root("test:ver/greeter@1.0.0").plugin("theirs", guests::guest("their-greeter"));
        let builder = match remap {
            Some(r) => builder.remap("theirs", r),
            None => builder,
        };
        let (_, errors) = builder.build().expect("valid WIT");
        errors
            .iter()
            .filter(|e| e.plugin().is_some_and(|p| p == "theirs"))
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        errors(None),
        ["plugin `theirs` exports no app interface (it exports: their:pkg/salutations@0.3.0)"]
    );
    assert_eq!(
        errors(Some(Remap::new("their:pkg/salutations@0.3.0", "test:ver/greeter@1.0.0"))),
        ["plugin `theirs` plugs into `test:ver/greeter@1.0.0` but does not export `greet`"]
    );
    assert_eq!(
        errors(Some(Remap::new("their:pkg/other@1.0.0", "test:ver/greeter@1.0.0"))),
        [
            "plugin `theirs` is remapped from `their:pkg/other@1.0.0`, which it does not export (it exports: their:pkg/salutations@0.3.0)"
        ]
    );
    assert_eq!(
        errors(Some(Remap::new("their:pkg/salutations@0.3.0", "test:ver/nope"))),
        ["plugin `theirs` is remapped to `test:ver/nope`, which is not an app interface"]
    );
    assert_eq!(
        errors(Some(
            Remap::new("their:pkg/salutations@0.3.0", "test:ver/greeter@1.0.0")
                .function("say-hello", "greet")
                .function("wave", "greet")
        )),
        [
            "plugin `theirs`: the remap of `their:pkg/salutations@0.3.0` maps `wave`, which `their:pkg/salutations@0.3.0` does not export",
            "plugin `theirs`: the remap of `their:pkg/salutations@0.3.0` maps `greet`, from say-hello and wave at once",
        ]
    );
}

#[test]
fn a_manifest_remaps_and_check_shows_the_exported_name() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cli-tests/remap");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("app.wit"),
        "package test:ver@1.0.0;\ninterface greeter { greet: func(name: string) -> string; }\n",
    )
    .expect("write");
    let manifest = dir.join("plugtree.toml");
    std::fs::write(
        &manifest,
        format!(
            "root = \"test:ver/greeter@1.0.0\"\nwit = \"app.wit\"\n[[plugins]]\nid = \"theirs\"\npath = {:?}\n\
             remap = {{ export = \"their:pkg/salutations@0.3.0\", plug = \"test:ver/greeter@1.0.0\", functions = {{ \"say-hello\" = \"greet\" }} }}\n",
            guests::guest("their-greeter")
        ),
    )
    .expect("write");
    let run = |args: &[&str]| crate::plain::run_ok(args, &manifest);
    let check = run(&["check"]);
    assert!(
        check.contains("theirs (ready)\n    plugs in as exported `their:pkg/salutations@0.3.0`"),
        "{check}"
    );
    let call = run(&["call", "test:ver/greeter@1.0.0.greet(\"cy\")"]);
    assert!(call.contains("\"hi from theirs, cy\""), "{call}");
}

#[test]
fn a_compatible_version_passes_its_resources_under_the_apps_name() {
    // ver-tally exports test:ver/tally@1.1.0 with a `counter` resource; the
    // app's WIT is @1.0.0: the resource types compare by the app's name.
    let tree = guests::load(
        PluginTree::builder()
            .wit_text(
                "tally.wit",
                "package test:ver@1.0.0;
                 interface tally {
                     resource counter { constructor(start: u32); bump: func() -> u32; }
                     make: func(start: u32) -> counter;
                 }",
            )
            .root("test:ver/tally@1.0.0")
            .plugin("ver-tally", guests::guest("ver-tally")),
    );
    let root = "test:ver/tally@1.0.0";
    let handle = |answer: Socket<plugtree::Answer>| match answer {
        Socket::ExactlyOne(_, Ok(Some(Val::Resource(r)))) => r,
        other => panic!("a counter: {other:?}"),
    };
    let made = handle(tree.dispatch(root, "make", &[Val::U32(41)]).expect("make"));
    let built = handle(tree.dispatch(root, "[constructor]counter", &[Val::U32(9)]).expect("new"));
    for (counter, next) in [(made, 42), (built, 10)] {
        assert_eq!(
            tree.dispatch(root, "[method]counter.bump", &[Val::Resource(counter)]).expect("bump"),
            Socket::ExactlyOne("ver-tally".into(), Ok(Some(Val::U32(next))))
        );
        tree.drop_resource(counter).expect("dropped");
    }
}
