//! C plugin projects (`app.c` + `wit/`) → components.
//!
//! The bindings come from wit-bindgen's C generator, compiled into plugtree as
//! a library (nothing to install; it has a wit-parser of its own, 0.262, which
//! reads only the project's WIT). The project's `.c` files and the bindings are
//! compiled by clang for `wasm32-wasi` against wasi-libc as a reactor; the core
//! module gets its component type from plugtree's own wit-component, which
//! encodes it as a component, through the WASI preview1 adapter when the code
//! uses libc's I/O (a `printf`) and without any WASI import when it does not.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Debian packages a C build needs: clang, its linker, the wasm32 sysroot
/// and clang's wasm32 builtins.
pub const DEBIAN_PACKAGES: &str = "clang lld wasi-libc libclang-rt-dev-wasm32";

/// The folder of a C project that `plugtree build` (re)writes the bindings into.
pub const BINDINGS: &str = "bindings";

/// The clang target: wasi-libc's preview1 sysroot, as Debian ships it.
const TARGET: &str = "--target=wasm32-wasi";

/// What turns C into a component besides clang (whose version [`Compiler`]
/// reads): it keys the build cache.
pub const PIN: &str = "wit-bindgen-c 0.63.0; wasi-preview1-component-adapter-provider 50.0.1; \
                       clang --target=wasm32-wasi -mexec-model=reactor -O2";

/// Why a C project did not build.
#[derive(Debug, thiserror::Error)]
pub enum CBuildError {
    /// clang could not be started.
    #[error(
        "cannot run the C compiler `{program}` (install Debian's {DEBIAN_PACKAGES}: \
         `apt-get install {DEBIAN_PACKAGES}`, or name a clang with PLUGTREE_CLANG)"
    )]
    NoCompiler {
        /// The program tried.
        program: String,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// clang runs but cannot build a wasm32-wasi reactor, even from an empty program.
    #[error(
        "`{program}` cannot build for wasm32-wasi: {missing} (install Debian's {DEBIAN_PACKAGES}: \
         `apt-get install {DEBIAN_PACKAGES}`, or point PLUGTREE_WASI_SYSROOT at a wasi-libc \
         sysroot); clang said:\n{output}"
    )]
    NoWasmTarget {
        /// The clang used.
        program: String,
        /// What is missing, and which package has it.
        missing: &'static str,
        /// clang's output on a test program.
        output: String,
    },
    /// wit-bindgen's C generator refused the project's WIT.
    #[error("cannot generate C bindings from `{wit}`")]
    Bindings {
        /// The project's `wit/` folder.
        wit: PathBuf,
        /// wit-bindgen's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The project's C did not compile or link.
    #[error("clang failed on `{project}`:\n{output}")]
    Compile {
        /// The project's folder.
        project: PathBuf,
        /// clang's diagnostics.
        output: String,
    },
    /// The core module could not be made a component.
    #[error("cannot encode `{project}` as a component")]
    Encode {
        /// The project's folder.
        project: PathBuf,
        /// wit-component's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file could not be read or written.
    #[error("cannot access `{path}`")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CBuildError + '_ {
    move |source| CBuildError::Io { path: path.to_path_buf(), source }
}

/// The clang that builds C plugins: `$PLUGTREE_CLANG`, else `clang`, with an
/// optional sysroot from `$PLUGTREE_WASI_SYSROOT` (else clang's own: Debian's
/// clang finds Debian's wasi-libc).
#[derive(Debug, Clone)]
pub struct Compiler {
    program: String,
    sysroot: Option<PathBuf>,
    version: String,
}

impl Compiler {
    /// Finds clang and reads its version.
    ///
    /// # Errors
    ///
    /// [`CBuildError::NoCompiler`] when it cannot be run.
    pub fn find() -> Result<Compiler, CBuildError> {
        let program = std::env::var("PLUGTREE_CLANG").unwrap_or_else(|_| "clang".to_string());
        let sysroot = std::env::var_os("PLUGTREE_WASI_SYSROOT").map(PathBuf::from);
        let output = Command::new(&program)
            .arg("--version")
            .output()
            .map_err(|source| CBuildError::NoCompiler { program: program.clone(), source })?;
        let version = String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").into();
        Ok(Compiler { program, sysroot, version })
    }

    /// What identifies this compiler in the build cache: its version line and sysroot.
    pub fn identity(&self) -> String {
        format!("{}; sysroot {:?}", self.version, self.sysroot)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args([TARGET, "-mexec-model=reactor", "-O2"]);
        if let Some(sysroot) = &self.sysroot {
            command.arg(format!("--sysroot={}", sysroot.display()));
        }
        command
    }

    /// Builds a tiny reactor in `scratch` to tell a broken installation from
    /// an error in the project: what is missing, if anything.
    fn diagnose(&self, scratch: &Path) -> Option<CBuildError> {
        let source = scratch.join("plugtree-probe.c");
        std::fs::write(
            &source,
            "#include <stdlib.h>\n#include <stdio.h>\n\
             __attribute__((export_name(\"probe\"))) void *probe(void) { puts(\"\"); return malloc(1); }\n",
        )
        .ok()?;
        let output = self
            .command()
            .arg("-o")
            .arg(scratch.join("plugtree-probe.wasm"))
            .arg(&source)
            .output()
            .ok()?;
        if output.status.success() {
            return None;
        }
        let text = clang_output(&output);
        let missing = if text.contains("wasm-ld") && text.contains("doesn't exist") {
            "no wasm-ld linker (Debian's lld)"
        } else if text.contains("libclang_rt.builtins") {
            "no wasm32 builtins (Debian's libclang-rt-dev-wasm32)"
        } else if text.contains(".h' file not found")
            || text.contains("crt1")
            || text.contains("-lc")
        {
            "no wasi-libc sysroot (Debian's wasi-libc)"
        } else {
            "it fails on a test program"
        };
        Some(CBuildError::NoWasmTarget { program: self.program.clone(), missing, output: text })
    }
}

fn clang_output(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Writes the C bindings of `world` in `wit` into `into` (`<world>.h`,
/// `<world>.c` and `<world>_component_type.c`); the files written.
///
/// # Errors
///
/// [`CBuildError::Bindings`] for WIT the generator refuses, [`CBuildError::Io`].
pub fn write_bindings(wit: &Path, world: &str, into: &Path) -> Result<Vec<PathBuf>, CBuildError> {
    use wit_bindgen_core::wit_parser::Resolve;
    let bindings = |source: Box<dyn std::error::Error + Send + Sync>| CBuildError::Bindings {
        wit: wit.to_path_buf(),
        source,
    };
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(wit).map_err(|e| bindings(e.into()))?;
    let id = resolve.select_world(&[package], Some(world)).map_err(|e| bindings(e.into()))?;
    // No object file: plugtree embeds the component type itself (below), with
    // the wit-component that encodes the component.
    let options = wit_bindgen_c::Opts { no_object_file: true, ..Default::default() };
    let mut files = wit_bindgen_core::Files::default();
    options.build().generate(&mut resolve, id, &mut files).map_err(|e| bindings(e.into()))?;
    let symbol = wit_bindgen_c::component_type_object::linking_symbol(world);
    let snake = world.replace('-', "_");
    let force_link = format!(
        "// Generated by plugtree: the bindings link this symbol to pull in the\n\
         // component type, which plugtree embeds itself after linking.\n\
         void {symbol}(void) {{}}\n"
    );
    std::fs::create_dir_all(into).map_err(io(into))?;
    let mut written = Vec::new();
    let generated = files.iter().map(|(name, bytes)| (name.to_string(), bytes.to_vec()));
    let extra = std::iter::once((format!("{snake}_component_type.c"), force_link.into_bytes()));
    for (name, bytes) in generated.chain(extra) {
        let path = into.join(&name);
        // Unchanged files keep their time: an editor or make sees nothing new.
        // Written aside, then renamed: a parallel build never compiles half a file.
        if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            let tmp = into.join(format!(".{name}.{}.tmp", std::process::id()));
            std::fs::write(&tmp, &bytes).map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))?;
        }
        written.push(path);
    }
    Ok(written)
}

/// Builds the C project `dir` (its `wit/` with the one world `world`) into the
/// component `out`, the bindings rewritten into `dir/bindings/` and the core
/// module kept beside `out` while it is encoded.
///
/// # Errors
///
/// Any [`CBuildError`]; clang's diagnostics are passed on as it wrote them.
pub fn build(compiler: &Compiler, dir: &Path, world: &str, out: &Path) -> Result<(), CBuildError> {
    let wit = dir.join("wit");
    let bindings = dir.join(BINDINGS);
    let generated = write_bindings(&wit, world, &bindings)?;
    let mut sources = c_files(dir)?;
    sources.extend(generated.into_iter().filter(|p| p.extension().is_some_and(|e| e == "c")));
    let core = out.with_extension("core.wasm");
    let output = compiler
        .command()
        .arg("-I")
        .arg(&bindings)
        .arg("-I")
        .arg(dir)
        .arg("-o")
        .arg(&core)
        .args(&sources)
        .output()
        .map_err(|source| CBuildError::NoCompiler { program: compiler.program.clone(), source })?;
    if !output.status.success() {
        let scratch = out.with_extension("probe");
        std::fs::create_dir_all(&scratch).map_err(io(&scratch))?;
        let broken = compiler.diagnose(&scratch);
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(broken.unwrap_or_else(|| CBuildError::Compile {
            project: dir.to_path_buf(),
            output: clang_output(&output),
        }));
    }
    let mut module = std::fs::read(&core).map_err(io(&core))?;
    let _ = std::fs::remove_file(&core);
    let component = encode(&mut module, &wit, world)
        .map_err(|source| CBuildError::Encode { project: dir.to_path_buf(), source })?;
    std::fs::write(out, component).map_err(io(out))
}

/// The `.c` files directly in `dir`, by name.
fn c_files(dir: &Path) -> Result<Vec<PathBuf>, CBuildError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The core module with `world`'s component type embedded, as a component;
/// preview1 imports (libc's I/O) are adapted to WASI 0.2.
fn encode(
    module: &mut Vec<u8>,
    wit: &Path,
    world: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(wit)?;
    let id = resolve.select_world(&[package], Some(world))?;
    wit_component::embed_component_metadata(
        module,
        &resolve,
        id,
        wit_component::StringEncoding::UTF8,
        false,
    )?;
    // The adapter is used only when the module imports preview1.
    let component = wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .adapter(
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()?;
    Ok(component)
}
