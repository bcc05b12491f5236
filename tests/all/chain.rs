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
