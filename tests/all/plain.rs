//! Plain sockets: consumers built from the app's own WIT (no plugtree package
//! on their WIT path) import an `exactly-one` socket in the interface's own
//! form; a provider's failure is then the consumer's. These trees keep their
//! plain edges dynamic (`keep_dynamic`), through the host; `fused.rs` tests
//! the same edges composed at load.

use crate::guests;

use plugtree::{BuildError, CallError, LoadedTree, PluginTree, Socket, TreeBuilder, Val};

/// The chain app (`chain.wit`), nothing else set.
pub(crate) fn chain() -> TreeBuilder {
    PluginTree::builder().wit(guests::app_wit().join("chain.wit"))
}

pub(crate) fn s(text: &str) -> Val {
    Val::String(text.into())
}

/// `trace(text)` on the exactly-one root `root`: its one answer.
pub(crate) fn trace(tree: &LoadedTree, root: &str, text: &str) -> Result<Option<Val>, CallError> {
    match tree.dispatch(root, "trace", &[s(text)]).expect("dispatch") {
        Socket::ExactlyOne(_, answer) => answer,
        other => panic!("exactly-one: {other:?}"),
    }
}

/// Runs `plugtree ARGS -m MANIFEST`, asserting it succeeds; its stdout.
pub(crate) fn run_ok(args: &[&str], manifest: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"))
        .args(args)
        .arg("-m")
        .arg(manifest)
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn a_plain_consumer_calls_its_provider_in_the_interfaces_own_form() {
    // plain-top → plain-mid → chain-bottom, both edges plain.
    let tree = guests::load(
        chain()
            .root("test:chain/top")
            .plugin("plain-top", guests::guest("plain-top"))
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("chain-bottom", guests::guest("chain-bottom"))
            .keep_dynamic("plain-top", "test:chain/mid")
            .keep_dynamic("plain-mid", "test:chain/bottom"),
    );
    assert_eq!(trace(&tree, "test:chain/top", "x"), Ok(Some(s("x>plain-top>plain-mid>bottom"))));
    let depth = tree.dispatch("test:chain/top", "depth", &[]).expect("dispatch");
    assert_eq!(depth, Socket::ExactlyOne("plain-top".into(), Ok(Some(Val::U32(3)))));
    // One component may sit between a plain and a socket-ABI edge.
    let mixed = guests::load(
        chain()
            .root("test:chain/top")
            .plugin("chain-top", guests::guest("chain-top"))
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("chain-bottom", guests::guest("chain-bottom"))
            .keep_dynamic("plain-mid", "test:chain/bottom"),
    );
    assert_eq!(trace(&mixed, "test:chain/top", "y"), Ok(Some(s("y>top>plain-mid>bottom"))));
}

#[test]
fn a_provider_trap_through_a_plain_socket_fails_its_consumer_naming_both() {
    let tree = guests::load(
        chain()
            .root("test:chain/mid")
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("bottom-trap", guests::guest("bottom-trap"))
            .keep_dynamic("plain-mid", "test:chain/bottom"),
    );
    assert_eq!(trace(&tree, "test:chain/mid", "ok"), Ok(Some(s("ok>plain-mid>bottom-trap"))));
    let failed = trace(&tree, "test:chain/mid", "boom").expect_err("the provider trapped");
    let CallError::ProviderFailed { plugin, function, error } = &failed else {
        panic!("a provider failure: {failed:?}")
    };
    assert_eq!((plugin.as_str(), function.as_str()), ("plain-mid", "trace"));
    assert!(
        matches!(&**error, CallError::Trapped { plugin, function, .. } if plugin == "bottom-trap" && function == "trace"),
        "{error:?}"
    );
    assert!(
        failed.to_string().starts_with(
            "plugin `plain-mid` failed in `trace` because its provider did: plugin `bottom-trap` trapped in `trace`: wasm trap: wasm `unreachable` instruction executed"
        ),
        "{failed}"
    );
    // Both failed for good: the consumer trapped too (its fault policy is none).
    let next = trace(&tree, "test:chain/mid", "again").expect_err("failed");
    assert!(
        matches!(&next, CallError::Unavailable { plugin, .. } if plugin == "plain-mid"),
        "{next:?}"
    );
    let failures: Vec<String> = tree.failures().iter().map(|f| f.plugin().to_string()).collect();
    assert_eq!(failures, ["bottom-trap", "plain-mid"]);
}

#[test]
fn a_socket_abi_consumer_above_a_failed_plain_edge_gets_a_value() {
    // chain-top (socket ABI) → plain-mid (plain) → bottom-trap: the trap fails
    // plain-mid, which chain-top sees as `trapped`, naming both.
    let tree = guests::load(
        chain()
            .root("test:chain/top")
            .plugin("chain-top", guests::guest("chain-top"))
            .plugin("plain-mid", guests::guest("plain-mid"))
            .plugin("bottom-trap", guests::guest("bottom-trap"))
            .keep_dynamic("plain-mid", "test:chain/bottom"),
    );
    let Ok(Some(Val::String(answer))) = trace(&tree, "test:chain/top", "boom") else {
        panic!("chain-top answers")
    };
    assert!(
        answer.starts_with(
            "error: trapped: its provider `bottom-trap` failed in `trace` behind a plain socket: trapped: wasm trap"
        ),
        "{answer}"
    );
    // The root provider is not poisoned; its socket now answers `unavailable`.
    let Ok(Some(Val::String(later))) = trace(&tree, "test:chain/top", "fine") else {
        panic!("chain-top answers")
    };
    assert!(later.starts_with("error: unavailable: plugin `plain-mid` failed earlier"), "{later}");
}

#[test]
fn a_plain_import_is_refused_on_a_socket_that_is_not_exactly_one() {
    let (_, errors) = chain()
        .root("test:chain/mid")
        .cardinality("test:chain/bottom", plugtree::Cardinality::Any)
        .plugin("plain-mid", guests::guest("plain-mid"))
        .plugin("chain-bottom", guests::guest("chain-bottom"))
        .build()
        .expect("valid WIT");
    let mismatch: Vec<String> = errors
        .iter()
        .filter(|e| matches!(e, BuildError::SocketMismatch { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(mismatch.len(), 2, "{errors:?}");
    assert!(
        mismatch[0].starts_with("plugin `plain-mid` imports `test:chain/bottom.depth` as `func() -> u32`, but the any socket ABI is `func() -> list<tuple<string, result<u32, variant {"),
        "{}",
        mismatch[0]
    );
    assert!(!mismatch[0].contains("plain form"), "no plain form on `any`: {}", mismatch[0]);
}

#[test]
fn a_python_consumer_from_a_plain_wit_plugs_in_and_fails_with_its_provider() {
    let python = crate::polyglot::guest("py-plain-mid");
    // A Python component is 12–18 MB: compiled once per machine, kept in the tests' cache.
    let load = |builder: TreeBuilder| {
        let (tree, errors) = builder.build().expect("valid WIT");
        assert!(errors.is_empty(), "{errors:?}");
        let cache = plugtree::ArtifactCache::new(crate::polyglot::cache().join("artifacts"));
        let options = plugtree::LoadOptions::default().with_cache(cache);
        let (loaded, errors) = tree.load_with(guests::engine(), &options);
        assert!(errors.is_empty(), "{errors:?}");
        loaded
    };
    let tree = load(
        chain()
            .root("test:chain/top")
            .plugin("chain-top", guests::guest("chain-top"))
            .plugin("py-plain-mid", python.clone())
            .plugin("chain-bottom", guests::guest("chain-bottom")),
    );
    // Fused: the Python consumer and its Rust provider are one component.
    let into =
        tree.tree().plugins().find(|p| p.id == "chain-bottom").and_then(|p| p.fused_into.cloned());
    assert_eq!(into.as_ref().map(|p| p.as_str()), Some("py-plain-mid"));
    assert_eq!(trace(&tree, "test:chain/top", "p"), Ok(Some(s("p>top>py-mid>bottom"))));
    let depth = tree.dispatch("test:chain/top", "depth", &[]).expect("dispatch");
    assert_eq!(depth, Socket::ExactlyOne("chain-top".into(), Ok(Some(Val::U32(3)))));
    // Dynamic: its provider's trap is its own failure, named with both ids.
    let failing = load(
        chain()
            .root("test:chain/mid")
            .plugin("py-plain-mid", python)
            .plugin("bottom-trap", guests::guest("bottom-trap"))
            .keep_dynamic("py-plain-mid", "test:chain/bottom"),
    );
    let failed = trace(&failing, "test:chain/mid", "boom").expect_err("the provider trapped");
    assert!(
        matches!(&failed, CallError::ProviderFailed { plugin, error, .. }
            if plugin == "py-plain-mid" && error.plugin() == "bottom-trap"),
        "{failed:?}"
    );
}

/// `plugtree new --plain-socket`: the socket keeps the app's form; the
/// plugin builds, loads beside a provider and answers; a socket that is not
/// exactly-one is refused.
#[test]
fn plugtree_new_writes_a_plain_socket() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/plugtree-new-plain");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("mkdir");
    let manifest = root.join("plugtree.toml");
    std::fs::write(
        &manifest,
        format!(
            "root = \"test:card/many\"\nwit = [{:?}]\n[cardinality]\n\"test:card/many\" = \"any\"\n\"test:card/maybe\" = \"at-most-one\"\n",
            guests::app_wit().join("card.wit")
        ),
    )
    .expect("write");
    let new = |socket: &str, dir: &std::path::Path| {
        crate::polyglot::plugtree()
            .args(["new", "-m"])
            .arg(&manifest)
            .args(["--lang", "rust", "--plug", "test:card/many", "--plain-socket", socket])
            .arg(dir)
            .output()
            .expect("run plugtree new")
    };
    let refused = new("test:card/maybe", &root.join("refused"));
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&refused.stderr),
        "error: `test:card/maybe` is at-most-one: only an exactly-one socket can be imported plainly (use --socket)\n"
    );
    let dir = root.join("new-plain");
    let output = new("test:card/one", &dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let deps = std::fs::read_to_string(dir.join("wit/deps/test-card.wit")).expect("deps");
    assert!(deps.contains("greet: func(name: string) -> string;"), "{deps}");
    assert!(!deps.contains("provider-error"), "{deps}");
    let out = root.join("components");
    let built = crate::polyglot::plugtree()
        .env("CARGO_TARGET_DIR", root.join("../../test-components"))
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run plugtree build");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let tree = guests::load(
        guests::card_app()
            .root("test:card/many")
            .cardinality("test:card/many", plugtree::Cardinality::Any)
            .plugin("new-plain", out.join("new-plain.wasm"))
            .plugin("one-en", guests::guest("one-en")),
    );
    let plain = tree.tree().plugins().find(|p| p.id == "new-plain").map(|p| p.status);
    assert_eq!(plain, Some(plugtree::PluginStatus::Ready));
    assert_eq!(
        tree.dispatch("test:card/many", "greet", &[s("ana")]).expect("dispatch"),
        Socket::Any(vec![(
            "new-plain".into(),
            Ok(Some(s("TODO: implement test:card/many.greet")))
        )])
    );
}
