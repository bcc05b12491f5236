//! `plugtree build`: guest sources → components. A cargo workspace of Rust
//! guest crates gives one component per cdylib; a Python (`app.py` + `wit/`),
//! JavaScript (`app.js` + `wit/`) or C (`app.c` + `wit/`) plugin project, the
//! folder itself or any folder directly in it, gives one component named after
//! its folder.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::c;
use super::toolchains::{self, Installed, Language};
use super::{Problem, Status, progress};

const TARGET: &str = "wasm32-unknown-unknown";

/// Runs `plugtree build`: `cargo build --release --target wasm32-unknown-unknown`
/// of the cargo workspace in `dir` (if any), every cdylib encoded into
/// `out/<crate-name>.wasm`; then every Python, JavaScript or C plugin project
/// in `dir` componentized into `out/<folder>.wasm`, installing its toolchain
/// first if needed.
pub fn run(dir: &Path, out: &Path) -> Status {
    match build(dir, out) {
        Ok(()) => Status::Ok,
        Err(message) => {
            // Compilers' output is passed on, its control characters escaped.
            eprintln!("error: {}", super::safe(&message));
            Status::Failed
        }
    }
}

fn build(dir: &Path, out: &Path) -> Result<(), String> {
    let projects = projects(dir)?;
    let has_cargo = dir.join("Cargo.toml").is_file();
    if !has_cargo && projects.is_empty() {
        return Err(format!(
            "`{}` holds no Cargo.toml and no Python (app.py + wit/), JavaScript (app.js + wit/) or C (app.c + wit/) plugin project",
            dir.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    if has_cargo {
        for path in build_rust(dir, out)? {
            println!("built {}", path.display());
        }
    }
    if !projects.is_empty() {
        let cache = toolchains::cache_dir()?;
        for project in &projects {
            let (path, cached) = build_project(project, out, &cache)?;
            let how = if cached { ", unchanged: from the cache" } else { "" };
            println!("built {} ({}{how})", path.display(), project.language.name());
        }
    }
    Ok(())
}

fn build_rust(workspace: &Path, out: &Path) -> Result<Vec<PathBuf>, String> {
    let manifest = workspace.join("Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    tracing::info!(workspace = %workspace.display(), "building guests");
    let mut child = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ])
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
    let mut built = Vec::new();
    for (name, core) in cores {
        let bytes = std::fs::read(&core).map_err(|e| format!("cannot read `{core}`: {e}"))?;
        let component = wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&bytes)
            .and_then(|e| e.encode())
            .map_err(|e| format!("cannot encode `{core}` as a component: {e:#}"))?;
        let path = out.join(format!("{name}.wasm"));
        std::fs::write(&path, component)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
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
    let file = message["filenames"]
        .as_array()?
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(".wasm"))?;
    Some((name, file.to_string()))
}

/// A Python, JavaScript or C plugin project.
#[derive(Debug)]
struct Project {
    /// The component's name: the folder's.
    name: String,
    language: Language,
    dir: PathBuf,
}

/// The plugin project `dir` is, or else the ones directly in it, by name.
fn projects(dir: &Path) -> Result<Vec<Project>, String> {
    if let Some(project) = project(dir) {
        return Ok(vec![project]);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut projects: Vec<Project> =
        entries.filter_map(|e| e.ok()).filter_map(|e| project(&e.path())).collect();
    projects.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(projects)
}

fn project(dir: &Path) -> Option<Project> {
    if !dir.join("wit").is_dir() {
        return None;
    }
    let language = [Language::Python, Language::JavaScript, Language::C]
        .into_iter()
        .find(|l| dir.join(l.entry()).is_file())?;
    // `plugtree build .` inside a project names it after the real folder.
    let name = std::fs::canonicalize(dir).ok()?.file_name()?.to_str()?.to_string();
    Some(Project { name, language, dir: dir.to_path_buf() })
}

/// Componentizes `project` into `out/<name>.wasm`, from the cache when its
/// sources and toolchain are unchanged; whether it came from the cache.
fn build_project(project: &Project, out: &Path, cache: &Path) -> Result<(PathBuf, bool), String> {
    let target = out.join(format!("{}.wasm", project.name));
    // C's compiler is the system's: its version keys the cache beside the pin.
    let compiler = match project.language {
        Language::C => Some(c::Compiler::find().map_err(|e| Problem::new(None, &e).one_line())?),
        Language::Python | Language::JavaScript => None,
    };
    let key = source_hash(project, compiler.as_ref().map(c::Compiler::identity))?;
    let builds = cache.join("builds");
    let cached = builds.join(format!("{}-{key}.wasm", project.name));
    let hit = cached.is_file();
    if !hit {
        let world = world(&project.dir.join("wit"))?;
        std::fs::create_dir_all(&builds)
            .map_err(|e| format!("cannot create `{}`: {e}", builds.display()))?;
        // Written aside, then renamed: a parallel build never reads half a component.
        let tmp = builds.join(format!("{}-{key}.{}.tmp", project.name, std::process::id()));
        match (project.language, &compiler) {
            (Language::Python, _) => componentize(project, Installed::Python, &world, &tmp, cache)?,
            (Language::JavaScript, _) => {
                componentize(project, Installed::JavaScript, &world, &tmp, cache)?
            }
            (Language::C, Some(compiler)) => {
                let step =
                    progress::step(format!("compiling {} with clang", project.dir.display()));
                let built = c::build(compiler, &project.dir, &world, &tmp);
                step.done();
                built.map_err(|e| Problem::new(None, &e).one_line())?;
            }
            (Language::C, None) => return Err("no C compiler".into()),
        }
        std::fs::rename(&tmp, &cached)
            .map_err(|e| format!("cannot write `{}`: {e}", cached.display()))?;
    }
    std::fs::copy(&cached, &target)
        .map_err(|e| format!("cannot write `{}`: {e}", target.display()))?;
    Ok((target, hit))
}

/// Runs componentize-py or componentize-js on `project`'s `world` into `tmp`,
/// installing the toolchain first if needed.
fn componentize(
    project: &Project,
    installed: Installed,
    world: &str,
    tmp: &Path,
    cache: &Path,
) -> Result<(), String> {
    let toolchain = toolchains::ensure(cache, installed)?;
    let wit = project.dir.join("wit");
    let mut command = toolchain.command();
    let what = match installed {
        Installed::Python => {
            command.arg("-d").arg(&wit).args(["-w", world, "componentize", "-p"]).arg(&project.dir);
            command.args(["app", "-o"]).arg(tmp);
            "componentize-py"
        }
        Installed::JavaScript => {
            command
                .arg(project.dir.join("app.js"))
                .arg("--wit")
                .arg(&wit)
                .args(["--world-name", world]);
            // `fetch` is wasi:http's outgoing handler, which only the `http`
            // grant opens: kept for a plugin whose source mentions it, left out
            // of the others so that they import no wasi:http at all. The
            // incoming handler is never kept (plugtree does not serve HTTP).
            let source = std::fs::read_to_string(project.dir.join("app.js")).unwrap_or_default();
            command.arg("--disable");
            if !mentions_fetch(&source) {
                command.arg("http");
            }
            command.args(["fetch-event", "--out"]).arg(tmp);
            "componentize-js"
        }
    };
    let step = progress::step(format!("componentizing {} with {what}", project.dir.display()));
    let ran = toolchains::run(&mut command, &format!("{what} on `{}`", project.dir.display()));
    step.done();
    ran
}

/// Whether JavaScript `source` has the word `fetch` (the web's `fetch`
/// global, which componentize-js implements with wasi:http).
fn mentions_fetch(source: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    source.match_indices("fetch").any(|(at, _)| {
        let before = source[..at].chars().next_back();
        let after = source[at + "fetch".len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The one world of the WIT package in `wit` (its `deps/` may hold others).
fn world(wit: &Path) -> Result<String, String> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(wit)
        .map_err(|e| format!("cannot read WIT from `{}`: {e:#}", wit.display()))?;
    let worlds: Vec<&String> = resolve.packages[package].worlds.keys().collect();
    match worlds[..] {
        [world] => Ok(world.clone()),
        _ => Err(format!(
            "the WIT package in `{}` must define exactly one world, it defines {}",
            wit.display(),
            worlds.len()
        )),
    }
}

/// A hash of the toolchain pin (and `compiler`, C's clang) and every source
/// file of `project` (by relative path and content), skipping what the tools
/// write there.
fn source_hash(project: &Project, compiler: Option<String>) -> Result<String, String> {
    fn walk(dir: &Path, root: &Path, c: bool, into: &mut Vec<u8>) -> Result<(), String> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            let skipped = path.file_name().and_then(|n| n.to_str()).is_none_or(|n| {
                n.starts_with('.')
                    || matches!(n, "node_modules" | "__pycache__" | "components" | "target")
                    // A C project's generated bindings, which the build rewrites.
                    || (c && dir == root && n == super::c::BINDINGS)
            });
            if skipped {
                continue;
            }
            if path.is_dir() {
                walk(&path, root, c, into)?;
            } else {
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                into.extend(path.strip_prefix(root).unwrap_or(&path).to_string_lossy().as_bytes());
                into.push(0);
                into.extend((bytes.len() as u64).to_le_bytes());
                into.extend(bytes);
            }
        }
        Ok(())
    }
    let mut all = project.language.pin().as_bytes().to_vec();
    all.extend(compiler.unwrap_or_default().as_bytes());
    walk(&project.dir, &project.dir, project.language == Language::C, &mut all)?;
    Ok(toolchains::short_hash(&all))
}

#[cfg(test)]
mod tests {
    use super::mentions_fetch;

    #[test]
    fn fetch_is_found_as_a_word_only() {
        assert!(mentions_fetch("const r = await fetch(url);"));
        assert!(mentions_fetch("globalThis.fetch(url)"));
        assert!(!mentions_fetch("prefetch(x); fetchAll(); my_fetch"));
        assert!(!mentions_fetch(""));
    }
}
