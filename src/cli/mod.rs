//! The subcommands. Each one prints to the terminal and returns an [`Status`];
//! the library never prints.

pub mod build;
pub mod c;
pub mod call;
pub mod check;
pub mod graph;
pub mod new;
pub mod progress;
pub mod toolchains;
pub mod watch;
pub mod wit;

use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use plugtree::load::{ArtifactCache, LoadOptions};
use plugtree::{LoadedTree, PluginId, PluginTree};

/// Whether [`load`] uses the per-user artifact cache; set once by `main`.
static USE_CACHE: OnceLock<bool> = OnceLock::new();

/// Turns the precompiled-artifact cache ([`ArtifactCache::default_dir`]) on or off for [`load`].
pub fn use_cache(enabled: bool) {
    let _ = USE_CACHE.set(enabled);
}

/// How a subcommand ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything worked: exit 0.
    Ok,
    /// Some plugins failed, the rest worked: exit 1.
    Partial,
    /// Nothing could be done: exit 2.
    Failed,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(match status {
            Status::Ok => 0,
            Status::Partial => 1,
            Status::Failed => 2,
        })
    }
}

/// An error in plain words: its message, the chain of its causes, and the
/// plugin it belongs to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// The plugin the error is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// The error's own message.
    pub message: String,
    /// Its sources, outermost first.
    pub causes: Vec<String>,
}

impl Problem {
    /// Reads an error and its source chain.
    pub fn new(plugin: Option<&PluginId>, error: &(dyn std::error::Error + 'static)) -> Self {
        let mut causes = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        Problem { plugin: plugin.map(ToString::to_string), message: error.to_string(), causes }
    }

    /// The message and its causes on one line, joined by `: `.
    pub fn one_line(self) -> String {
        std::iter::once(self.message).chain(self.causes).collect::<Vec<_>>().join(": ")
    }

    /// Prints the problem to stderr as `error: …` with its causes.
    pub fn eprint(&self, label: &str) {
        eprintln!("{label}: {}", indent(&self.message, ""));
        for cause in &self.causes {
            eprintln!("  caused by: {}", indent(cause, ""));
        }
    }
}

/// A tree built from a manifest — its WIT and its components' types read,
/// nothing compiled — with the problems found on the way.
pub struct Built {
    /// The built tree.
    pub tree: PluginTree,
    /// Build errors.
    pub problems: Vec<Problem>,
}

/// A tree built from a manifest and loaded, with every problem found on the way.
pub struct Loaded {
    /// The loaded tree.
    pub tree: LoadedTree,
    /// Build errors, then load errors.
    pub problems: Vec<Problem>,
}

/// Builds the tree of a manifest, without compiling anything.
///
/// # Errors
/// The manifest or the app's WIT is unusable.
pub fn build(manifest: &Path) -> Result<Built, Problem> {
    let (tree, build_errors) =
        PluginTree::from_manifest(manifest).map_err(|e| Problem::new(None, &e))?;
    let problems = build_errors.iter().map(|e| Problem::new(e.plugin(), e)).collect();
    Ok(Built { tree, problems })
}

/// Builds and loads the tree of a manifest.
///
/// # Errors
/// The manifest or the app's WIT is unusable, or wasmtime has no engine.
pub fn load(manifest: &Path) -> Result<Loaded, Problem> {
    build(manifest)?.load()
}

impl Built {
    /// Compiles, links and instantiates the tree (through the artifact cache
    /// unless [`use_cache`] turned it off).
    ///
    /// # Errors
    /// wasmtime has no engine.
    pub fn load(self) -> Result<Loaded, Problem> {
        self.load_profiled(None)
    }

    /// [`Built::load`], the loaded tree sampled every `profile` interval by
    /// wasmtime's guest profiler if one is given ([`LoadOptions::with_profile`]).
    ///
    /// # Errors
    /// wasmtime has no engine.
    pub fn load_profiled(self, profile: Option<std::time::Duration>) -> Result<Loaded, Problem> {
        let Built { tree, mut problems } = self;
        let engine = plugtree::default_engine().map_err(|e| Problem::new(None, e.as_ref()))?;
        // Compiling many plugins cold takes seconds: a bar on a terminal.
        let bar = progress::bar("compiling plugins");
        let shown = bar.clone();
        let mut options = LoadOptions::default()
            .with_progress(move |p| progress::advance(&shown, p.done, p.total));
        if *USE_CACHE.get_or_init(|| true)
            && let Some(cache) = ArtifactCache::at_default_dir()
        {
            options = options.with_cache(cache);
        }
        if let Some(interval) = profile {
            options = options.with_profile(interval);
        }
        let (tree, load_errors) = tree.load_with(&engine, &options);
        bar.finish_and_clear();
        problems.extend(load_errors.iter().map(|e| Problem::new(e.plugin(), e)));
        Ok(Loaded { tree, problems })
    }
}

/// `bytes` for a person: `512 B`, `64 KiB`, `1.1 MiB`, `2.0 GiB`.
pub fn size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    // Precision is not needed for display; usize fits f64 to 2^53.
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.0} KiB", b / KIB),
        1_048_576..1_073_741_824 => format!("{:.1} MiB", b / (KIB * KIB)),
        _ => format!("{:.1} GiB", b / (KIB * KIB * KIB)),
    }
}

/// `text` with every line after the first indented by `indent` and four spaces,
/// so that a multi-line message stays under the line that introduces it; its
/// control characters escaped ([`safe`]).
pub fn indent(text: &str, indent: &str) -> String {
    safe(text).lines().collect::<Vec<_>>().join(&format!("\n{indent}    "))
}

/// `text` fit for a terminal: every control character but a newline or a tab
/// escaped as Rust writes it (`\u{1b}`), so text from plugins and files can
/// neither move the cursor nor fake a line of output by a carriage return.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t') {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        // Every value printed here is plain data: this cannot happen.
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}
