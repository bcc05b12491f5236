//! Files that are not components, ids that could fake output and grants that
//! cannot hold (issue 18): each answered by a typed error that says what the
//! file is, with its path, without echoing it, and without reading more of
//! it than it takes to refuse it.

use std::path::PathBuf;

use crate::guests;

use plugtree::describe::{DirMode, NotAComponent, PluginError};
use plugtree::{BuildError, Grants, PluginTree};

/// A fresh folder for this test's files.
fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/malformed-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("test folder");
    dir
}

/// The build errors of a tree of the `values` guest beside the plugin `bad`
/// made from `path`.
fn build_errors_with(path: PathBuf) -> Vec<BuildError> {
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("values", guests::guest("values"))
        .plugin("bad", path)
        .build()
        .expect("the app's WIT is valid");
    // The rest of the tree is kept.
    let ready: Vec<_> = tree
        .plugins()
        .filter(|p| p.status == plugtree::PluginStatus::Ready)
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(ready, ["values"]);
    errors
}

/// What `bad`'s one build error says the file is.
fn not_a_component(path: PathBuf) -> (NotAComponent, String) {
    let errors = build_errors_with(path.clone());
    match errors.as_slice() {
        [BuildError::Plugin(e @ PluginError::NotAComponent { what, path: Some(p), .. })] => {
            assert_eq!(p, &path);
            (*what, e.to_string())
        }
        other => panic!("expected one NotAComponent error, got {other:?}"),
    }
}

#[test]
fn files_that_are_not_components_are_named_for_what_they_are() {
    let dir = dir("kinds");
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, b"").expect("write");
    let (what, message) = not_a_component(empty.clone());
    assert_eq!(what, NotAComponent::Empty);
    assert_eq!(message, format!("plugin `bad`: `{}` is empty", empty.display()));

    let core = dir.join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module (func (export \"f\")))").expect("wat"))
        .expect("write");
    let (what, message) = not_a_component(core);
    assert_eq!(what, NotAComponent::CoreModule);
    assert!(message.ends_with("is a core WebAssembly module, not a component (make one with `wasm-tools component new`)"), "{message}");

    let random = dir.join("random.wasm");
    std::fs::write(&random, [0xff, 0xfe, 0x80, 0x00, 0x13, 0x37]).expect("write");
    assert_eq!(not_a_component(random).0, NotAComponent::NotWasm);

    let folder = dir.join("folder.wasm");
    std::fs::create_dir(&folder).expect("mkdir");
    let (what, message) = not_a_component(folder);
    assert_eq!(what, NotAComponent::NotAFile("a directory"));
    assert!(message.ends_with("is a directory, not a component file"), "{message}");
}

#[test]
fn a_fifo_is_refused_without_being_opened() {
    let fifo = dir("fifo").join("plugin.wasm");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    // Opening a FIFO with no writer would block this test forever.
    assert_eq!(not_a_component(fifo).0, NotAComponent::NotAFile("a FIFO"));
}

#[test]
fn a_huge_file_of_zeros_is_refused_from_its_first_bytes() {
    let zeros = dir("zeros").join("zeros.wasm");
    let file = std::fs::File::create(&zeros).expect("create");
    // 200 MB that read whole (and quoted) took 596 MB; a sparse file costs no disk.
    file.set_len(200 << 20).expect("sparse file");
    let (what, message) = not_a_component(zeros);
    assert_eq!(what, NotAComponent::NotWasm);
    assert!(message.len() < 300, "{message}");
}

#[test]
fn a_section_declaring_gigabytes_is_refused_without_allocating_them() {
    // A component header, then a type section declaring 4 GiB - 16 bytes of
    // which 2 follow. wit-parser's decoder grows its buffer by a section's
    // declared size before reading it: this took 3 GB (a `components`
    // fuzzer find, fuzz/corpus/components/oom-section-size-7e422a3e).
    let bytes = b"\0asm\x0d\x00\x01\x00\x07\xf0\xff\xff\xff\x0f\x0b\x00".to_vec();
    let before = crate::allocated::by_this_thread();
    let (_, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("huge", plugtree::PluginSource::Bytes(bytes))
        .build()
        .expect("the app's WIT is valid");
    let allocated = crate::allocated::by_this_thread() - before;
    assert!(allocated < 16 << 20, "refusing 14 bytes allocated {allocated} bytes");
    // (Beside the root's `Unsatisfied`: the tree has no other plugin.)
    let invalid: Vec<String> = errors
        .iter()
        .filter_map(|e| match e {
            BuildError::Plugin(e @ PluginError::InvalidComponent { .. }) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(invalid.len(), 1, "{errors:?}");
    assert!(invalid[0].contains("plugin `huge`"), "{}", invalid[0]);
    assert!(invalid[0].contains("unexpected end-of-file"), "{}", invalid[0]);
}

#[test]
fn component_text_errors_are_located_in_the_file_and_quoted_short() {
    let dir = dir("text");
    let bad = dir.join("bad.wat");
    std::fs::write(&bad, format!("(component\n  (oops {}))\n", "x".repeat(100_000)))
        .expect("write");
    let errors = build_errors_with(bad.clone());
    let [BuildError::Plugin(PluginError::InvalidComponent { message, .. })] = errors.as_slice()
    else {
        panic!("expected one InvalidComponent error, got {errors:?}");
    };
    assert!(message.contains(&bad.display().to_string()), "{message}");
    assert!(!message.contains("<anon>"), "{message}");
    assert!(message.len() < 2_000, "{} bytes", message.len());
    assert!(message.lines().all(|l| l.chars().count() <= 161), "{message}");
}

#[test]
fn a_missing_plugin_file_is_that_plugins_error_and_the_rest_loads() {
    let missing = dir("missing").join("nope.wasm");
    let errors = build_errors_with(missing.clone());
    assert!(
        matches!(errors.as_slice(), [BuildError::Plugin(PluginError::Read { plugin, path, .. })]
            if plugin == "bad" && *path == missing),
        "{errors:?}"
    );
}

#[test]
fn ids_that_could_fake_output_are_refused_and_printed_escaped() {
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root("test:app/values")
        .plugin("values\nvalues: 42", guests::guest("values"))
        .plugin("values", guests::guest("values"))
        .build()
        .expect("the app's WIT is valid");
    assert_eq!(tree.plugins().map(|p| p.id.to_string()).collect::<Vec<_>>(), ["values"]);
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "plugin id `values\\nvalues: 42` is not valid (1 to 128 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit); the plugin is dropped"
        ]
    );
}

#[test]
fn grants_that_cannot_hold_fail_their_plugin_naming_the_path() {
    let here = env!("CARGO_MANIFEST_DIR");
    for (grants, expected) in [
        (
            Grants::none().dir(here, "/d", DirMode::ReadOnly).dir(here, "/d", DirMode::ReadWrite),
            "plugin `values`: grant `dirs`: the guest path `/d` is granted twice",
        ),
        (
            Grants::none().dir(here, "../d", DirMode::ReadOnly),
            "plugin `values`: grant `dirs`: the guest path `../d` climbs out with `..`",
        ),
    ] {
        let (tree, errors) = PluginTree::builder()
            .wit(guests::app_wit().join("values.wit"))
            .root("test:app/values")
            .plugin("values", guests::guest("values"))
            .grants("values", grants)
            .build()
            .expect("the app's WIT is valid");
        // The plugin fails, and with it the root it was the only provider of.
        assert_eq!(errors[0].to_string(), expected);
        assert!(matches!(errors[1..], [BuildError::Unsatisfied(_)]), "{errors:?}");
        assert!(tree.plugins().all(|p| p.status == plugtree::PluginStatus::Failed));
    }
}
