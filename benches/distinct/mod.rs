//! Trees of distinct small plugins, for the load benchmarks
//! (`benches/load.rs`, `benches/wasmtime-cache`): every plugin is
//! `bench-level5` with a custom section naming it, so neither a cache nor the
//! dedup of identical components makes a cold load cheaper than it is.
#![allow(dead_code)] // each bench uses part of it

use std::path::{Path, PathBuf};

use plugtree::load::LoadOptions;
use plugtree::{Cardinality, Engine, LoadedTree, PluginTree, Socket, Val};

use crate::guests;

/// `n` distinct copies of `bench-level5`, written under `dir`.
pub fn distinct_plugins(dir: &Path, n: usize) -> Vec<PathBuf> {
    let base = std::fs::read(guests::guest("bench-level5")).expect("guest");
    std::fs::create_dir_all(dir).expect("dir");
    (0..n)
        .map(|i| {
            let path = dir.join(format!("p{i}.wasm"));
            if !path.exists() {
                std::fs::write(&path, with_custom_section(&base, &format!("plugtree-bench-{i}")))
                    .expect("write");
            }
            path
        })
        .collect()
}

/// `component` with a custom section `name` appended: another hash, the same code.
fn with_custom_section(component: &[u8], name: &str) -> Vec<u8> {
    let mut payload = leb128(name.len());
    payload.extend_from_slice(name.as_bytes());
    let mut out = component.to_vec();
    out.push(0); // custom section id
    out.extend(leb128(payload.len()));
    out.extend(payload);
    out
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// `plugins` as the providers of an `any` root socket, loaded on `engine`;
/// panics on any error (a benchmark measures a tree that loads whole).
pub fn load(engine: &Engine, plugins: &[PathBuf], options: &LoadOptions) -> LoadedTree {
    let builder = plugins.iter().enumerate().fold(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root("test:bench/level5")
            .cardinality("test:bench/level5", Cardinality::Any),
        |b, (i, path)| b.plugin(format!("p{i}"), path.clone()),
    );
    let (tree, errors) = builder.build().expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load_with(engine, options);
    assert!(errors.is_empty(), "{errors:?}");
    loaded
}

/// How many plugins answered a call on the root.
pub fn answers(tree: &LoadedTree) -> usize {
    match tree.dispatch("test:bench/level5", "add", &[Val::U32(1), Val::U32(2)]) {
        Ok(Socket::Any(answers)) => answers.len(),
        other => panic!("{other:?}"),
    }
}
