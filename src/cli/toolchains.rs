//! The Python and JavaScript guest toolchains `plugtree build` needs, installed
//! on first use into plugtree's cache folder, and the components it built there.
//! C needs no install here: its bindings generator is compiled into plugtree
//! and clang with wasi-libc comes from the system (`c.rs`).
//!
//! The versions are pinned by files compiled into plugtree: `requirements.txt`
//! (componentize-py from PyPI) and `package.json` + `package-lock.json`
//! (componentize-js from npm, installed from the lock). A toolchain counts as
//! installed once its `installed` stamp exists, so a warm build installs nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

const PYTHON_REQUIREMENTS: &str = include_str!("toolchains/requirements.txt");
const JS_PACKAGE: &str = include_str!("toolchains/package.json");
const JS_LOCK: &str = include_str!("toolchains/package-lock.json");

/// plugtree's cache folder: `$PLUGTREE_CACHE`, else `$XDG_CACHE_HOME/plugtree`,
/// else `~/.cache/plugtree`.
pub fn cache_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PLUGTREE_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("plugtree"));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/plugtree"))
        .ok_or_else(|| "no cache folder: set PLUGTREE_CACHE (or HOME)".to_string())
}

/// A guest language other than Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// componentize-py: `app.py` and `wit/`.
    Python,
    /// componentize-js: `app.js` and `wit/`.
    JavaScript,
    /// clang and wit-bindgen's C generator: `app.c` (and any other `.c`) and `wit/`.
    C,
}

/// A language whose toolchain [`ensure`] installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// componentize-py.
    Python,
    /// componentize-js.
    JavaScript,
}

impl Installed {
    fn language(self) -> Language {
        match self {
            Installed::Python => Language::Python,
            Installed::JavaScript => Language::JavaScript,
        }
    }
}

impl Language {
    /// The source file a project of this language starts from.
    pub fn entry(self) -> &'static str {
        match self {
            Language::Python => "app.py",
            Language::JavaScript => "app.js",
            Language::C => "app.c",
        }
    }

    /// The language's name, as `plugtree new --lang` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "js",
            Language::C => "c",
        }
    }

    /// The toolchain's name.
    pub fn tool(self) -> &'static str {
        match self {
            Language::Python => "componentize-py",
            Language::JavaScript => "componentize-js",
            Language::C => "clang",
        }
    }

    /// Where the toolchain comes from.
    pub fn registry(self) -> &'static str {
        match self {
            Language::Python => "PyPI",
            Language::JavaScript => "npm",
            Language::C => "the system (Debian's clang, lld, wasi-libc)",
        }
    }

    /// What pins the toolchain: it keys both its install folder and the build
    /// cache (for C, beside clang's own version).
    pub fn pin(self) -> &'static str {
        match self {
            Language::Python => PYTHON_REQUIREMENTS,
            Language::JavaScript => JS_LOCK,
            Language::C => super::c::PIN,
        }
    }
}

/// A toolchain ready to run: the program and the arguments that come before
/// plugtree's own.
#[derive(Debug, Clone)]
pub struct Toolchain {
    program: PathBuf,
    prefix: Vec<PathBuf>,
}

impl Toolchain {
    /// A command running the toolchain.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.prefix);
        command
    }
}

/// The toolchain for `installed` in `cache`, installed first if it is not yet.
/// Says on stderr what it installs.
pub fn ensure(cache: &Path, installed: Installed) -> Result<Toolchain, String> {
    let language = installed.language();
    let dir = cache.join("toolchains").join(format!(
        "{}-{}",
        language.name(),
        short_hash(language.pin().as_bytes())
    ));
    let stamp = dir.join("installed");
    let toolchain = match installed {
        Installed::Python => {
            Toolchain { program: dir.join("venv/bin/componentize-py"), prefix: vec![] }
        }
        Installed::JavaScript => Toolchain {
            program: PathBuf::from("node"),
            prefix: vec![dir.join("node_modules/@bytecodealliance/componentize-js/src/cli.js")],
        },
    };
    if stamp.is_file() {
        return Ok(toolchain);
    }
    // One install at a time per toolchain, across threads and processes (two
    // builds that need it at once): the second waits, then finds the stamp.
    let toolchains = cache.join("toolchains");
    std::fs::create_dir_all(&toolchains)
        .map_err(|e| format!("cannot create `{}`: {e}", toolchains.display()))?;
    let lock_path = toolchains.join(format!("{}.lock", language.name()));
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create `{}`: {e}", lock_path.display()))?;
    lock.lock().map_err(|e| format!("cannot lock `{}`: {e}", lock_path.display()))?;
    if stamp.is_file() {
        return Ok(toolchain);
    }
    // A half-finished install (interrupted, failed) is started over.
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot clear `{}`: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let step = super::progress::step(format!(
        "installing {} ({}) into {} (once)",
        language.tool(),
        language.registry(),
        dir.display()
    ));
    let done = install(&dir, installed);
    step.done();
    done?;
    std::fs::write(&stamp, "").map_err(|e| format!("cannot write `{}`: {e}", stamp.display()))?;
    Ok(toolchain)
}

/// Installs `language`'s toolchain into the empty folder `dir`.
fn install(dir: &Path, installed: Installed) -> Result<(), String> {
    match installed {
        Installed::Python => {
            std::fs::write(dir.join("requirements.txt"), PYTHON_REQUIREMENTS)
                .map_err(|e| format!("cannot write into `{}`: {e}", dir.display()))?;
            let python = std::env::var_os("PLUGTREE_PYTHON").unwrap_or_else(|| "python3".into());
            run(
                Command::new(python).args(["-m", "venv"]).arg(dir.join("venv")),
                "python3 -m venv",
            )?;
            run(
                Command::new(dir.join("venv/bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                    .arg(dir.join("requirements.txt")),
                "pip install componentize-py",
            )?;
        }
        Installed::JavaScript => {
            for (name, text) in [("package.json", JS_PACKAGE), ("package-lock.json", JS_LOCK)] {
                std::fs::write(dir.join(name), text)
                    .map_err(|e| format!("cannot write into `{}`: {e}", dir.display()))?;
            }
            // `install` from the lock, not `ci`: npm's lock omits optional platform
            // packages that were never published, which `npm ci` refuses. No install
            // scripts: the packages ship their binaries, nothing needs building.
            run(
                Command::new("npm")
                    .args([
                        "install",
                        "--no-save",
                        "--ignore-scripts",
                        "--no-audit",
                        "--no-fund",
                        "--loglevel=error",
                    ])
                    .current_dir(dir),
                "npm install",
            )?;
        }
    }
    Ok(())
}

/// Runs `command`, its output going to stderr; `what` names it in the error.
pub fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// 64 bits of a hash as 16 hex digits. std's SipHash with fixed keys: stable
/// enough for a cache key (a new Rust release may only cause a rebuild).
pub fn short_hash(bytes: &[u8]) -> String {
    use std::hash::Hasher;
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(bytes);
    format!("{:016x}", hasher.finish())
}
