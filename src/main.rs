//! `plugtree`: check, call, draw and build a plugtree app from the command line.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Build modular applications out of WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "plugtree", version, about)]
struct Cli {
    /// Log what plugtree does to stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Compile every plugin instead of reusing compiled ones from the cache
    /// ($XDG_CACHE_HOME/plugtree, else ~/.cache/plugtree).
    #[arg(long, global = true)]
    no_cache: bool,
    /// Draw no progress (bars and spinners show only when stderr is a terminal) and
    /// print no notes of long steps (componentizing, installing a toolchain).
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The app manifest to read.
#[derive(Debug, clap::Args)]
struct ManifestArg {
    /// The app's manifest.
    #[arg(short, long, value_name = "PATH", default_value = "plugtree.toml")]
    manifest: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and load the tree; print it with every error under its plugin.
    ///
    /// Exit status: 0 when every plugin loaded, 1 when some failed but the root
    /// can be called, 2 when the manifest or WIT is invalid or the root cannot
    /// be called (no loaded provider, or more than its cardinality allows).
    Check {
        #[command(flatten)]
        manifest: ManifestArg,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Call a root function on every root plugin: args and results in WAVE.
    ///
    /// Exit status: 0 when every root plugin answered, 1 when one failed or did
    /// not load (its line says why), 2 when the call could not be made (bad
    /// WAVE, unknown function, wrong arguments, invalid manifest, a root whose
    /// providers do not satisfy its cardinality).
    Call {
        #[command(flatten)]
        manifest: ManifestArg,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Sample every plugin of the call with wasmtime's guest profiler
        /// (every 10 ms while its code runs) and write the profile to FILE
        /// after the call: Firefox profiler JSON, for https://profiler.firefox.com.
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
        /// The call, e.g. 'demo:text/pipeline.run("hello")'.
        call: String,
    },
    /// Draw the loaded tree: interfaces, plugins and their status.
    Graph {
        #[command(flatten)]
        manifest: ManifestArg,
        /// The drawing language.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Load the tree, then reload each plugin whose component file changes,
    /// printing what happened; with --call, the call's answers after each reload.
    ///
    /// Runs until interrupted.
    Watch {
        #[command(flatten)]
        manifest: ManifestArg,
        /// A call to make at start and after every reload, e.g. 'demo:text/pipeline.run("hi")'.
        #[arg(long)]
        call: Option<String>,
    },
    /// Print WIT for plugin authors.
    Wit {
        #[command(flatten)]
        manifest: ManifestArg,
        #[command(subcommand)]
        what: WitCommand,
    },
    /// Write a new plugin project in DIR that builds as-is with `plugtree build`:
    /// its WIT (the plug, and the sockets in the socket ABI of their cardinality)
    /// and a source file with every function stubbed.
    New {
        /// The app's manifest, for its WIT and cardinalities (unless --wit is given).
        #[arg(short, long, value_name = "PATH", default_value = "plugtree.toml")]
        manifest: PathBuf,
        /// The app's WIT files or folders instead of a manifest (every socket exactly-one).
        #[arg(long, value_name = "PATH")]
        wit: Vec<PathBuf>,
        /// The plugin's language.
        #[arg(long, value_enum)]
        lang: NewLang,
        /// The interface the plugin exports, e.g. demo:text/filter.
        #[arg(long, value_name = "INTERFACE")]
        plug: String,
        /// An interface the plugin imports in the socket ABI, a provider's
        /// failure arriving as a value (repeatable).
        #[arg(long = "socket", value_name = "INTERFACE")]
        sockets: Vec<String>,
        /// An exactly-one interface the plugin imports in its own form, as
        /// the app's WIT says: its provider's failure is the plugin's (repeatable).
        #[arg(long = "plain-socket", value_name = "INTERFACE")]
        plain_sockets: Vec<String>,
        /// The folder to create; its name names the plugin.
        dir: PathBuf,
    },
    /// Build guests into components in OUT: a cargo workspace of Rust crates
    /// (for wasm32-unknown-unknown, every cdylib encoded), and Python (app.py +
    /// wit/), JavaScript (app.js + wit/) or C (app.c + wit/) plugin projects,
    /// DIR itself or the folders in it.
    ///
    /// The Python and JavaScript toolchains (componentize-py, componentize-js)
    /// are installed on first use into $PLUGTREE_CACHE (default
    /// ~/.cache/plugtree), which also keeps each built component by source hash.
    /// C needs clang and wasi-libc (Debian: clang lld wasi-libc
    /// libclang-rt-dev-wasm32; PLUGTREE_CLANG, PLUGTREE_WASI_SYSROOT override).
    Build {
        /// The folder: a cargo workspace, a plugin project, or one holding plugin projects.
        workspace: PathBuf,
        /// Where to write the components [default: WORKSPACE/components].
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum WitCommand {
    /// The interface as a consumer imports it on a socket (the socket ABI of its cardinality).
    Socket {
        /// The interface, e.g. demo:text/filter.
        interface: String,
    },
}

/// A plugin language for `plugtree new`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum NewLang {
    /// Rust, with wit-bindgen.
    Rust,
    /// Python, with componentize-py.
    Python,
    /// JavaScript, with componentize-js.
    Js,
    /// C, with clang for wasm32-wasi and wit-bindgen's C bindings.
    C,
}

/// A drawing language for `plugtree graph`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    cli::use_cache(!cli.no_cache);
    cli::progress::set_quiet(cli.quiet);
    let status = match cli.command {
        Command::Check { manifest, json } => cli::check::run(&manifest.manifest, json),
        Command::Call { manifest, json, profile, call } => {
            cli::call::run(&manifest.manifest, &call, json, profile.as_deref())
        }
        Command::Graph { manifest, format } => {
            let format = match format {
                GraphFormat::Dot => cli::graph::Format::Dot,
                GraphFormat::Mermaid => cli::graph::Format::Mermaid,
            };
            cli::graph::run(&manifest.manifest, format)
        }
        Command::Watch { manifest, call } => cli::watch::run(&manifest.manifest, call.as_deref()),
        Command::Wit { manifest, what: WitCommand::Socket { interface } } => {
            cli::wit::socket(&manifest.manifest, &interface)
        }
        Command::New { manifest, wit, lang, plug, sockets, plain_sockets, dir } => {
            let lang = match lang {
                NewLang::Rust => cli::new::Lang::Rust,
                NewLang::Python => cli::new::Lang::Python,
                NewLang::Js => cli::new::Lang::Js,
                NewLang::C => cli::new::Lang::C,
            };
            let sockets = cli::new::Sockets { abi: sockets, plain: plain_sockets };
            cli::new::run(lang, plug, sockets, &manifest, wit, dir)
        }
        Command::Build { workspace, out } => {
            let out = out.unwrap_or_else(|| workspace.join("components"));
            cli::build::run(&workspace, &out)
        }
    };
    status.into()
}

/// Sends `tracing` events to stderr: none by default, more with each `-v`.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "off",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
