//! `plugtree build`: a cargo workspace of guest crates → one component per cdylib.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use super::Status;

const TARGET: &str = "wasm32-unknown-unknown";

/// Runs `plugtree build`: `cargo build --release --target wasm32-unknown-unknown`
/// in `workspace`, then encodes every cdylib it produced into `out/<crate-name>.wasm`.
pub fn run(workspace: &Path, out: &Path) -> Status {
    match build(workspace, out) {
        Ok(built) => {
            for path in built {
                println!("built {}", path.display());
            }
            Status::Ok
        }
        Err(message) => {
            eprintln!("error: {message}");
            Status::Failed
        }
    }
}

fn build(workspace: &Path, out: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let manifest = workspace.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(format!("no Cargo.toml in `{}`", workspace.display()));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    tracing::info!(workspace = %workspace.display(), "building guests");
    let mut child = Command::new(cargo)
        .args(["build", "--release", "--target", TARGET, "--message-format=json-render-diagnostics", "--manifest-path"])
        .arg(&manifest)
        // Host flags (coverage, target-cpu, …) must not leak into the guests.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut cores = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("cannot read cargo's output: {e}"))?;
            if let Some(core) = cdylib_artifact(&line) {
                cores.push(core);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo did not finish: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build of `{}` failed (is the {TARGET} target installed? `rustup target add {TARGET}`)",
            manifest.display()
        ));
    }
    cores.sort();
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let mut built = Vec::new();
    for (name, core) in cores {
        let bytes = std::fs::read(&core).map_err(|e| format!("cannot read `{core}`: {e}"))?;
        let component = wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&bytes)
            .and_then(|mut e| e.encode())
            .map_err(|e| format!("cannot encode `{core}` as a component: {e:#}"))?;
        let path = out.join(format!("{name}.wasm"));
        std::fs::write(&path, component).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        built.push(path);
    }
    if built.is_empty() {
        return Err(format!("`{}` has no cdylib crate to build", manifest.display()));
    }
    Ok(built)
}

/// The crate name (with `-`) and the `.wasm` file of a cargo `compiler-artifact`
/// message for a cdylib.
fn cdylib_artifact(line: &str) -> Option<(String, String)> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" {
        return None;
    }
    let target = &message["target"];
    let is_cdylib = target["crate_types"].as_array()?.iter().any(|k| k == "cdylib");
    if !is_cdylib {
        return None;
    }
    let name = target["name"].as_str()?.replace('_', "-");
    let file = message["filenames"].as_array()?.iter().filter_map(|f| f.as_str()).find(|f| f.ends_with(".wasm"))?;
    Some((name, file.to_string()))
}
