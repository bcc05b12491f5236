//! Test helpers: the guest components of `test-components/`, built from source.
//!
//! The first call to [`guest`] in a process builds
//! the whole `test-components` workspace for `wasm32-unknown-unknown` (cargo's
//! own lock makes concurrent test binaries safe) and encodes every core module
//! into a component under `target/test-components/components/<name>.wasm`.
#![allow(dead_code)] // benches include this file and use part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TARGET: &str = "wasm32-unknown-unknown";

/// The repository: this package's folder, or an ancestor for a package
/// nested in it (`benches/peer`).
fn repo() -> &'static Path {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.ancestors().find(|d| d.join("test-components").is_dir()).unwrap_or(manifest_dir)
}

/// The component built from the guest crate `name` (e.g. `"chain-mid"`).
pub fn guest(name: &str) -> PathBuf {
    static COMPONENTS: OnceLock<PathBuf> = OnceLock::new();
    let path = COMPONENTS.get_or_init(build_all).join(format!("{name}.wasm"));
    assert!(path.is_file(), "no guest component named {name:?} at {}", path.display());
    path
}

/// The component built from the WASI guest crate `name` under
/// `test-components/wasip2/` (e.g. `"wasi-files"`). Those guests use WASI through
/// Rust's std, so they are built for `wasm32-wasip2`, whose cdylibs are
/// components already.
pub fn wasi_guest(name: &str) -> PathBuf {
    static RELEASE: OnceLock<PathBuf> = OnceLock::new();
    let path = RELEASE.get_or_init(build_wasip2).join(format!("{}.wasm", name.replace('-', "_")));
    assert!(path.is_file(), "no WASI guest component named {name:?} at {}", path.display());
    path
}

/// The WIT of the WASI guests' app interfaces.
pub fn wasi_wit() -> PathBuf {
    repo().join("test-components/wasip2/wit")
}

fn build_wasip2() -> PathBuf {
    cargo_build("test-components/wasip2/Cargo.toml", "wasm32-wasip2")
}

/// `cargo build --release --target TARGET` of a guest workspace into
/// `target/test-components`; returns the folder holding its `.wasm` files.
fn cargo_build(manifest: &str, target: &str) -> PathBuf {
    let target_dir = repo().join("target/test-components");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--release", "--target", target, "--manifest-path"])
        .arg(repo().join(manifest))
        .arg("--target-dir")
        .arg(&target_dir)
        // Host flags (coverage, target-cpu, ...) must not leak into the guests.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("failed to run cargo");
    assert!(
        output.status.success(),
        "building {manifest} failed (is the {target} target installed?):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    target_dir.join(target).join("release")
}

/// One engine with plugtree's configuration, shared by a test binary.
pub fn engine() -> &'static plugtree::Engine {
    static ENGINE: OnceLock<plugtree::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| plugtree::default_engine().expect("engine"))
}

/// Builds and loads `builder`'s tree on [`engine`], asserting that nothing
/// failed to build or load.
pub fn load(builder: plugtree::TreeBuilder) -> plugtree::LoadedTree {
    let (tree, build_errors) = builder.build().expect("valid WIT");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let (loaded, load_errors) = tree.load(engine());
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

/// A hand-written component: `test-components/wat/<name>.wat`.
pub fn wat(name: &str) -> PathBuf {
    repo().join("test-components/wat").join(format!("{name}.wat"))
}

/// The app WIT folder: one `.wit` file per app package, interfaces only.
/// The cardinality app (`card.wit`): `maybe` is at-most-one, `many` any,
/// everything else exactly-one.
pub fn card_app() -> plugtree::TreeBuilder {
    plugtree::PluginTree::builder()
        .wit(app_wit().join("card.wit"))
        .cardinality("test:card/maybe", plugtree::Cardinality::AtMostOne)
        .cardinality("test:card/many", plugtree::Cardinality::Any)
}

/// `n` copies of `bench-level5` (ids `p0`, `p1`, …) on an `any` root `test:bench/level5`.
pub fn level5_providers(n: usize) -> plugtree::TreeBuilder {
    (0..n).fold(
        plugtree::PluginTree::builder()
            .wit(app_wit().join("bench.wit"))
            .root("test:bench/level5")
            .cardinality("test:bench/level5", plugtree::Cardinality::Any),
        |b, i| b.plugin(format!("p{i}"), guest("bench-level5")),
    )
}

pub fn app_wit() -> PathBuf {
    repo().join("test-components/wit/app")
}

/// Builds the guest workspace, encodes each core module into a component, and
/// returns the directory holding the components.
fn build_all() -> PathBuf {
    let release = cargo_build("test-components/Cargo.toml", TARGET);
    let target_dir = repo().join("target/test-components");
    let out_dir = target_dir.join("components");
    std::fs::create_dir_all(&out_dir).unwrap();
    for entry in std::fs::read_dir(&release).unwrap() {
        let core = entry.unwrap().path();
        if core.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        // Cargo turns the crate name's `-` into `_` in the file name.
        let name = core.file_stem().unwrap().to_str().unwrap().replace('_', "-");
        let component = out_dir.join(format!("{name}.wasm"));
        if is_newer(&component, &core) {
            continue;
        }
        let bytes = std::fs::read(&core).unwrap();
        let encoded = wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&bytes)
            .and_then(|e| e.encode())
            .unwrap_or_else(|e| panic!("encoding {} as a component: {e:?}", core.display()));
        // Write then rename, so a parallel test process never reads half a file.
        let tmp = out_dir.join(format!("{name}.wasm.{}.tmp", std::process::id()));
        std::fs::write(&tmp, encoded).unwrap();
        std::fs::rename(&tmp, &component).unwrap();
    }
    out_dir
}

/// Whether `a` exists and was modified no earlier than `b`.
fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(a), Some(b)) if a >= b)
}
