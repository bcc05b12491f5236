//! A chain three deep (top → mid → bottom), loaded from a manifest, and what
//! happens to it when its bottom is missing.

use crate::guests;

use plugtree::resolve::{PluginStatus, Unsatisfied};
use plugtree::{BuildError, Cardinality, DispatchError, PluginTree, Socket, Val};

fn manifest(dir: &std::path::Path, plugins: &[&str]) -> std::path::PathBuf {
    let mut text =
        format!("root = \"test:chain/top\"\nwit = {:?}\n", guests::app_wit().join("chain.wit"));
    for name in plugins {
        text.push_str(&format!("[[plugins]]\nid = \"{name}\"\npath = {:?}\n", guests::guest(name)));
    }
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, text).expect("write manifest");
    path
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plugtree-chain-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn three_deep_from_a_manifest() {
    let path = manifest(&scratch("full"), &["chain-top", "chain-mid", "chain-bottom"]);
    let (tree, build_errors) = PluginTree::from_manifest(&path).expect("valid manifest");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let statuses: Vec<_> =
        tree.plugins().map(|p| (p.id.to_string(), p.plug.map(str::to_string), p.status)).collect();
    assert_eq!(
        statuses,
        vec![
            ("chain-top".into(), Some("test:chain/top".into()), PluginStatus::Ready),
            ("chain-mid".into(), Some("test:chain/mid".into()), PluginStatus::Ready),
            ("chain-bottom".into(), Some("test:chain/bottom".into()), PluginStatus::Ready),
        ]
    );
    let top = tree.plugins().next().expect("top");
    assert_eq!(top.sockets().collect::<Vec<_>>(), vec!["test:chain/mid"]);
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(
        loaded.dispatch("test:chain/top", "depth", &[]),
        Ok(Socket::ExactlyOne("chain-top".into(), Ok(Some(Val::U32(3)))))
    );
    assert_eq!(
        loaded.dispatch("test:chain/top", "trace", &[Val::String("x".into())]),
        Ok(Socket::ExactlyOne(
            "chain-top".into(),
            Ok(Some(Val::String("x>top>mid>bottom".into())))
        ))
    );
}

#[test]
fn a_missing_bottom_takes_the_chain_down_to_the_root() {
    let path = manifest(&scratch("partial"), &["chain-top", "chain-mid"]);
    let (tree, build_errors) = PluginTree::from_manifest(&path).expect("valid manifest");
    let unsatisfied: Vec<_> = build_errors
        .iter()
        .map(|e| match e {
            BuildError::Unsatisfied(u) => u.clone(),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(
        unsatisfied,
        vec![
            Unsatisfied {
                consumer: Some("chain-mid".into()),
                interface: "test:chain/bottom".into(),
                cardinality: Cardinality::ExactlyOne,
                ready: vec![],
                failed: vec![],
            },
            Unsatisfied {
                consumer: Some("chain-top".into()),
                interface: "test:chain/mid".into(),
                cardinality: Cardinality::ExactlyOne,
                ready: vec![],
                failed: vec!["chain-mid".into()],
            },
            Unsatisfied {
                consumer: None,
                interface: "test:chain/top".into(),
                cardinality: Cardinality::ExactlyOne,
                ready: vec![],
                failed: vec!["chain-top".into()],
            },
        ]
    );
    assert_eq!(
        build_errors[1].to_string(),
        "plugin `chain-top` needs exactly-one provider of `test:chain/mid` but has 0 working (none); failed: `chain-mid`"
    );
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(
        loaded.dispatch("test:chain/top", "depth", &[]),
        Err(DispatchError::Unsatisfied(Unsatisfied {
            consumer: None,
            interface: "test:chain/top".into(),
            cardinality: Cardinality::ExactlyOne,
            ready: vec![],
            failed: vec!["chain-top".into()],
        }))
    );
}

#[test]
fn a_manifest_and_the_builder_make_one_tree() {
    // The manifest names two of the chain; the builder adds the third.
    let path = manifest(&scratch("builder"), &["chain-top", "chain-mid"]);
    let manifest = plugtree::Manifest::from_path(&path).expect("valid manifest");
    let (tree, build_errors) = plugtree::TreeBuilder::from_manifest(&manifest)
        .plugin("chain-bottom", guests::guest("chain-bottom"))
        .build()
        .expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let (loaded, load_errors) = tree.load(&plugtree::default_engine().expect("engine"));
    assert!(load_errors.is_empty(), "{load_errors:?}");
    assert_eq!(
        loaded.dispatch("test:chain/top", "depth", &[]),
        Ok(Socket::ExactlyOne("chain-top".into(), Ok(Some(Val::U32(3)))))
    );
}

/// `test:deep/l0` … `l{levels-1}`, each `value: func() -> u32`, exactly-one.
fn deep_wit(levels: usize) -> String {
    let mut text = String::from("package test:deep;\n");
    for i in 0..levels {
        text.push_str(&format!("interface l{i} {{ value: func() -> u32; }}\n"));
    }
    text
}

/// A component exporting `test:deep/l{level}` (`value` answers `level`) and,
/// unless it is the last, importing `test:deep/l{level+1}` in the socket ABI's
/// exactly-one shape, `value: func() -> result<u32, provider-error>`.
fn deep_level(level: usize, last: bool) -> Vec<u8> {
    let import = if last {
        String::new()
    } else {
        format!(
            r#"(import "test:deep/l{next}" (instance
    (type $e (variant (case "trapped" string) (case "unavailable" string)
      (case "limit-exceeded" string) (case "reentrant-call" string) (case "bad-handle" string)))
    (export "provider-error" (type $pe (eq $e)))
    (type $r (result u32 (error $pe)))
    (export "value" (func (result $r)))))"#,
            next = level + 1
        )
    };
    format!(
        r#"(component
  {import}
  (core module $m (func (export "value") (result i32) (i32.const {level})))
  (core instance $i (instantiate $m))
  (func $value (result u32) (canon lift (core func $i "value")))
  (instance $x (export "value" (func $value)))
  (export "test:deep/l{level}" (instance $x)))"#
    )
    .into_bytes()
}

/// A chain of `levels` plugins `p0` → `p1` → …, `p0` on the root `test:deep/l0`.
fn deep_chain(levels: usize) -> (PluginTree, Vec<BuildError>) {
    (0..levels)
        .fold(
            PluginTree::builder().wit_text("deep.wit", deep_wit(levels)).root("test:deep/l0"),
            |b, i| b.plugin(format!("p{i}"), deep_level(i, i + 1 == levels)),
        )
        .build()
        .expect("valid WIT")
}

#[test]
fn a_chain_max_depth_deep_builds() {
    let (tree, errors) = deep_chain(plugtree::resolve::MAX_DEPTH);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(tree.plugins().all(|p| p.status == PluginStatus::Ready));
    assert_eq!(tree.plugins().count(), 64);
}

#[test]
fn a_chain_deeper_than_max_depth_is_refused_as_too_deep() {
    assert_eq!(plugtree::resolve::MAX_DEPTH, 64);
    // p0 (on the root) is 1 deep, so p64 is 65 deep and p65 below it is never reached.
    let (tree, errors) = deep_chain(66);
    assert_eq!(errors.len(), 66, "{errors:?}");
    match &errors[0] {
        BuildError::TooDeep { plugin, depth, limit } => {
            assert_eq!(plugin, "p64");
            assert_eq!(*depth, 65);
            assert_eq!(*limit, 64);
        }
        other => panic!("too deep: {other:?}"),
    }
    assert_eq!(errors[0].to_string(), "plugin `p64` is 65 plugins deep; the limit is 64");
    // Every plugin above it loses its exactly-one provider, up to the root.
    let unsatisfied: Vec<Unsatisfied> = errors[1..]
        .iter()
        .map(|e| match e {
            BuildError::Unsatisfied(u) => u.clone(),
            other => panic!("unsatisfied: {other:?}"),
        })
        .collect();
    let expected: Vec<Unsatisfied> = (0..64)
        .rev()
        .map(|i| Unsatisfied {
            consumer: Some(format!("p{i}").into()),
            interface: format!("test:deep/l{}", i + 1),
            cardinality: Cardinality::ExactlyOne,
            ready: vec![],
            failed: vec![format!("p{}", i + 1).into()],
        })
        .chain([Unsatisfied {
            consumer: None,
            interface: "test:deep/l0".into(),
            cardinality: Cardinality::ExactlyOne,
            ready: vec![],
            failed: vec!["p0".into()],
        }])
        .collect();
    assert_eq!(unsatisfied, expected);
    let statuses: Vec<_> = tree.plugins().map(|p| (p.id.to_string(), p.status)).collect();
    let mut want: Vec<_> = (0..65).map(|i| (format!("p{i}"), PluginStatus::Failed)).collect();
    want.push(("p65".to_string(), PluginStatus::Unused));
    assert_eq!(statuses, want);
}
