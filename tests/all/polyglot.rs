//! Test helpers: the Python, JavaScript and C guests of
//! `test-components/python`, `test-components/js` and `test-components/c`,
//! built from source with `plugtree build`.
//!
//! The first call to [`guest`] in a process runs `plugtree build` on the three
//! folders with `PLUGTREE_CACHE=target/plugtree-cache`: the first run on a
//! machine installs componentize-py (PyPI) and componentize-js (npm) there (C
//! uses the system's clang and wasi-libc, which `.ci/run` installs), and every
//! run takes unchanged components from that cache by source hash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The cache `plugtree build` uses in tests: toolchains and built components.
pub fn cache() -> PathBuf {
    repo().join("target/plugtree-cache")
}

/// A `plugtree` command with the tests' cache.
pub fn plugtree() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plugtree"));
    command.env("PLUGTREE_CACHE", cache());
    command
}

/// Runs `plugtree build dir -o out` and panics with its output if it fails.
pub fn build(dir: &Path, out: &Path) -> Output {
    let output =
        plugtree().arg("build").arg(dir).arg("-o").arg(out).output().expect("run plugtree build");
    assert!(
        output.status.success(),
        "plugtree build {} failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The component built from the Python, JavaScript or C guest `name` (e.g. `"py-many"`).
pub fn guest(name: &str) -> PathBuf {
    static COMPONENTS: OnceLock<PathBuf> = OnceLock::new();
    let out = COMPONENTS.get_or_init(|| {
        let out = repo().join("target/test-components/polyglot");
        for dir in ["python", "js", "c"] {
            build(&repo().join("test-components").join(dir), &out);
        }
        out
    });
    let path = out.join(format!("{name}.wasm"));
    assert!(path.is_file(), "no polyglot guest named {name:?} at {}", path.display());
    path
}
