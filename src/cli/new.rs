//! `plugtree new`: a plugin project that builds as-is with `plugtree build`.
//!
//! The project's `wit/` holds a world that exports the plug and imports the
//! sockets, every app package in `wit/deps/` with the sockets rewritten by the
//! socket ABI of their cardinality (as `plugtree wit socket` prints them) but
//! the plain sockets, which keep the app's form, and plugtree's socket types. The source file stubs every plug function with a
//! visible placeholder: a string result answers `TODO: implement <iface>.<func>`,
//! other simple results their zero value, the rest fail with that text.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plugtree::Cardinality;
use plugtree::SocketWit;
use plugtree::describe::socket_abi::SOCKET_ABI_WIT;
use wit_parser::{Function, InterfaceId, Resolve, Type, TypeDefKind};

use super::Status;
use super::wit::explain;

/// The language of a new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// A cargo crate built for wasm32-unknown-unknown with wit-bindgen.
    Rust,
    /// An `app.py` for componentize-py.
    Python,
    /// An `app.js` for componentize-js.
    Js,
    /// An `app.c` for clang and wit-bindgen's C generator.
    C,
}

/// The interfaces a new plugin imports, in each form.
#[derive(Debug, Default)]
pub struct Sockets {
    /// Imported in the socket ABI: a provider's failure is a value.
    pub abi: Vec<String>,
    /// Imported as the app's WIT says (`exactly-one` only): a provider's
    /// failure is the plugin's.
    pub plain: Vec<String>,
}

impl Sockets {
    fn all(&self) -> impl Iterator<Item = &String> {
        self.abi.iter().chain(&self.plain)
    }
}

/// What `plugtree new` is asked for.
#[derive(Debug)]
pub struct Request {
    /// The project's language.
    pub lang: Lang,
    /// The interface the plugin exports.
    pub plug: String,
    /// The interfaces it imports.
    pub sockets: Sockets,
    /// The app's WIT files or folders.
    pub wit: Vec<PathBuf>,
    /// Each interface's cardinality (exactly-one when absent).
    pub cardinality: std::collections::BTreeMap<String, Cardinality>,
    /// The folder to create.
    pub dir: PathBuf,
}

/// Runs `plugtree new`, the app's WIT and cardinalities taken from the
/// manifest, or only from `--wit` paths (every socket then exactly-one).
pub fn run(
    lang: Lang,
    plug: String,
    sockets: Sockets,
    manifest: &Path,
    wit: Vec<PathBuf>,
    dir: PathBuf,
) -> Status {
    let request = if wit.is_empty() {
        match plugtree::Manifest::from_path(manifest) {
            Ok(m) => Request {
                lang,
                plug,
                sockets,
                wit: m.wit.clone(),
                cardinality: m.cardinality.clone().into_iter().collect(),
                dir,
            },
            Err(e) => {
                eprintln!("error: {e} (give the app's WIT with --wit PATH instead)");
                return Status::Failed;
            }
        }
    } else {
        Request { lang, plug, sockets, wit, cardinality: Default::default(), dir }
    };
    match create(&request) {
        Ok(files) => {
            for file in files {
                println!("wrote {}", file.display());
            }
            println!("build it with: plugtree build {}", request.dir.display());
            Status::Ok
        }
        Err(message) => {
            eprintln!("error: {message}");
            Status::Failed
        }
    }
}

/// Writes the project; the files written.
pub fn create(request: &Request) -> Result<Vec<PathBuf>, String> {
    let dir = &request.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(format!("`{}` exists and is not empty", dir.display()));
    }
    let name = project_name(dir)?;
    let mut resolve = Resolve::default();
    for path in &request.wit {
        resolve
            .push_path(path)
            .map_err(|e| format!("cannot read WIT from `{}`: {e:#}", path.display()))?;
    }
    let mut wit = SocketWit::new(resolve).map_err(|e| explain(&e))?;
    let plug = wit.interface(&request.plug).map_err(|e| explain(&e))?;
    let sockets = request
        .sockets
        .all()
        .map(|s| wit.interface(s).map_err(|e| explain(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    if sockets.contains(&plug) {
        return Err(format!("`{}` cannot be both the plug and a socket", request.plug));
    }
    let cardinality = |socket: &str| request.cardinality.get(socket).copied().unwrap_or_default();
    if let Some(socket) =
        request.sockets.plain.iter().find(|s| cardinality(s) != Cardinality::ExactlyOne)
    {
        return Err(format!(
            "`{socket}` is {}: only an exactly-one socket can be imported plainly (use --socket)",
            cardinality(socket)
        ));
    }
    // The plug's functions, read before the sockets are rewritten.
    let resolve = wit.resolve();
    let functions: Vec<Function> = resolve.interfaces[plug].functions.values().cloned().collect();
    let stub = match request.lang {
        Lang::Rust => {
            rust_stub(resolve, plug, &request.plug, &functions, !sockets.is_empty(), &name)?
        }
        Lang::Python => python_stub(resolve, plug, &request.plug, &functions),
        Lang::Js => js_stub(resolve, plug, &request.plug, &functions),
        // Written from the generated header, once the WIT is on disk.
        Lang::C => Vec::new(),
    };
    // Plain sockets come last in `sockets` and keep the app's form.
    for (socket, name) in sockets.iter().zip(&request.sockets.abi) {
        wit.rewrite(*socket, cardinality(name)).map_err(|e| explain(&e))?;
    }

    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut world = format!(
        "// What `{name}` exports (its plug) and imports (its sockets, in the socket ABI).\npackage plugin:{name};\n\nworld plugin {{\n"
    );
    for socket in &request.sockets.abi {
        let _ = writeln!(world, "    import {socket}; // {}", cardinality(socket));
    }
    for socket in &request.sockets.plain {
        let _ = writeln!(world, "    import {socket}; // exactly-one, plain: its failure is ours");
    }
    let _ = writeln!(world, "    export {};\n}}", request.plug);
    files.push(("wit/world.wit".into(), world));
    let abi_package = wit.abi_package();
    for (id, package) in wit.resolve().packages.iter() {
        if Some(id) == abi_package {
            continue;
        }
        let text = wit.package_text(id).map_err(|e| explain(&e))?;
        let file = format!("wit/deps/{}-{}.wit", package.name.namespace, package.name.name);
        files.push((
            file.into(),
            format!(
                "// The app's WIT, sockets in the socket ABI: written by plugtree new.\n{text}"
            ),
        ));
    }
    files.push(("wit/deps/plugtree-socket.wit".into(), SOCKET_ABI_WIT.to_string()));
    files.extend(stub);
    files.push(("README.md".into(), readme(&name, request)));

    let mut written = Vec::new();
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        written.push(path);
    }
    if request.lang == Lang::C {
        written.extend(c_stub(dir, wit.resolve(), plug, &request.plug, &functions)?);
    }
    Ok(written)
}

/// The folder's name as a WIT package name: lowercase words joined by `-`.
fn project_name(dir: &Path) -> Result<String, String> {
    let raw = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("`{}` has no folder name", dir.display()))?;
    let words: Vec<String> = raw
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    match words.first() {
        Some(first) if first.starts_with(|c: char| c.is_ascii_alphabetic()) => Ok(words.join("-")),
        _ => Err(format!("`{raw}` must start with a letter to name a plugin")),
    }
}

fn readme(name: &str, request: &Request) -> String {
    let (lang, needs) = match request.lang {
        Lang::Rust => ("Rust (wit-bindgen, wasm32-unknown-unknown)", String::new()),
        Lang::Python => {
            ("Python (componentize-py)", " (plugtree installs componentize-py on first use)".into())
        }
        Lang::Js => (
            "JavaScript (componentize-js)",
            " (plugtree installs componentize-js on first use)".into(),
        ),
        Lang::C => (
            "C (clang for wasm32-wasi, wit-bindgen's C bindings)",
            format!(" (with clang and wasi-libc: Debian's {})", super::c::DEBIAN_PACKAGES),
        ),
    };
    let c_notes = match request.lang {
        Lang::C => "\n`plugtree build` writes the bindings (`plugin.h`, `plugin.c`) into `bindings/` from\n\
                    `wit/` on every build: read `bindings/plugin.h` for the types and ownership rules,\n\
                    and do not edit it. Every `.c` file in this folder is compiled. `printf` works: its\n\
                    text reaches the host's stdout when the app grants the plugin `stdout = true`, and\n\
                    is discarded otherwise.\n"
        .to_string(),
        _ => String::new(),
    };
    let sockets = match request.sockets.all().map(String::as_str).collect::<Vec<_>>() {
        sockets if sockets.is_empty() => String::new(),
        sockets => format!(", its sockets `{}`", sockets.join("`, `")),
    };
    format!(
        "# {name}\n\nA plugtree plugin in {lang}: its plug is `{}`{sockets}.\n\n\
         Build it into `components/{name}.wasm`{needs}:\n\n```sh\nplugtree build . -o components\n```\n\n\
         `wit/world.wit` says what it exports and imports; `wit/deps/` holds the app's WIT with\n\
         the sockets in the socket ABI (plain sockets as the app says) and plugtree's socket\n\
         types. Every function is a stub\n\
         that answers `TODO`: fill them in.\n{c_notes}",
        request.plug,
    )
}

fn snake(name: &str) -> String {
    name.replace('-', "_")
}

fn camel(name: &str, upper_first: bool) -> String {
    let mut out = String::new();
    for (i, word) in name.split('-').enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i > 0 || upper_first {
                out.extend(first.to_uppercase());
            } else {
                out.push(first);
            }
            out.extend(chars);
        }
    }
    out
}

/// A placeholder result in each language, where a simple one exists.
#[derive(Debug)]
enum Placeholder {
    /// The function has no result.
    Nothing,
    /// A string: the TODO text.
    Text,
    /// Zero, false, an empty list or none.
    Zero(&'static str, &'static str, &'static str),
    /// None: the stub fails with the TODO text.
    Fail,
}

fn placeholder(resolve: &Resolve, result: Option<Type>) -> Placeholder {
    match result {
        None => Placeholder::Nothing,
        Some(Type::String) => Placeholder::Text,
        Some(Type::Bool) => Placeholder::Zero("false", "False", "false"),
        Some(Type::F32 | Type::F64) => Placeholder::Zero("0.0", "0.0", "0"),
        Some(
            Type::U8
            | Type::U16
            | Type::U32
            | Type::U64
            | Type::S8
            | Type::S16
            | Type::S32
            | Type::S64,
        ) => Placeholder::Zero("0", "0", "0"),
        Some(Type::Id(id)) => match &resolve.types[id].kind {
            TypeDefKind::List(Type::U8) => {
                Placeholder::Zero("Vec::new()", "b\"\"", "new Uint8Array()")
            }
            TypeDefKind::List(_) => Placeholder::Zero("Vec::new()", "[]", "[]"),
            TypeDefKind::Option(_) => Placeholder::Zero("None", "None", "undefined"),
            TypeDefKind::Type(t) => placeholder(resolve, Some(*t)),
            _ => Placeholder::Fail,
        },
        Some(_) => Placeholder::Fail,
    }
}

/// A WIT type as wit-bindgen names it in an export's signature.
fn rust_type(resolve: &Resolve, ty: Type) -> Result<String, String> {
    Ok(match ty {
        Type::Bool => "bool".into(),
        Type::U8 => "u8".into(),
        Type::U16 => "u16".into(),
        Type::U32 => "u32".into(),
        Type::U64 => "u64".into(),
        Type::S8 => "i8".into(),
        Type::S16 => "i16".into(),
        Type::S32 => "i32".into(),
        Type::S64 => "i64".into(),
        Type::F32 => "f32".into(),
        Type::F64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "String".into(),
        Type::ErrorContext => {
            return Err("`plugtree new --lang rust` cannot stub an error-context".into());
        }
        Type::Id(id) => {
            let def = &resolve.types[id];
            if let Some(name) = &def.name {
                if matches!(def.kind, TypeDefKind::Resource | TypeDefKind::Handle(_)) {
                    return Err(format!(
                        "`plugtree new --lang rust` cannot stub resources yet (`{name}`)"
                    ));
                }
                return Ok(camel(name, true));
            }
            let optional =
                |t: &Option<Type>| t.map_or(Ok("()".to_string()), |t| rust_type(resolve, t));
            match &def.kind {
                TypeDefKind::List(t) => format!("Vec<{}>", rust_type(resolve, *t)?),
                TypeDefKind::Option(t) => format!("Option<{}>", rust_type(resolve, *t)?),
                TypeDefKind::Result(r) => format!("Result<{}, {}>", optional(&r.ok)?, optional(&r.err)?),
                TypeDefKind::Tuple(t) => {
                    let types = t.types.iter().map(|t| rust_type(resolve, *t)).collect::<Result<Vec<_>, _>>()?;
                    format!("({}{})", types.join(", "), if types.len() == 1 { "," } else { "" })
                }
                TypeDefKind::Type(t) => rust_type(resolve, *t)?,
                _ => return Err("`plugtree new --lang rust` cannot stub this type (resources, futures, streams)".into()),
            }
        }
    })
}

fn rust_stub(
    resolve: &Resolve,
    plug: InterfaceId,
    plug_name: &str,
    functions: &[Function],
    has_sockets: bool,
    name: &str,
) -> Result<Vec<(PathBuf, String)>, String> {
    let interface = &resolve.interfaces[plug];
    let package =
        interface.package.map(|p| &resolve.packages[p].name).ok_or("the plug has no package")?;
    let short = interface.name.as_deref().ok_or("the plug has no name")?;
    let module = format!(
        "exports::{}::{}::{}",
        snake(&package.namespace),
        snake(&package.name),
        snake(short)
    );
    let mut body = String::new();
    for f in functions {
        if !matches!(f.kind, wit_parser::FunctionKind::Freestanding) {
            return Err(format!(
                "`plugtree new --lang rust` cannot stub resources yet (`{}`)",
                f.name
            ));
        }
        let params = f
            .params
            .iter()
            .map(|p| Ok(format!("_{}: {}", snake(&p.name), rust_type(resolve, p.ty)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let result = match f.result {
            Some(t) => format!(" -> {}", rust_type(resolve, t)?),
            None => String::new(),
        };
        let todo = format!("TODO: implement {plug_name}.{}", f.name);
        let answer = match placeholder(resolve, f.result) {
            Placeholder::Nothing => format!("// {todo}"),
            Placeholder::Text => format!("{todo:?}.to_string()"),
            Placeholder::Zero(rust, _, _) => format!("{rust} // {todo}"),
            Placeholder::Fail => format!("todo!({:?})", &todo["TODO: ".len()..]),
        };
        let _ = writeln!(
            body,
            "    fn {}({}){result} {{\n        {answer}\n    }}",
            snake(&f.name),
            params.join(", ")
        );
    }
    let generate_all = if has_sockets {
        "\n    // Also the plugtree:socket types the sockets use.\n    generate_all,"
    } else {
        ""
    };
    let lib = format!(
        "//! Exports `{plug_name}`: every function is a stub to fill in.\n\
         wit_bindgen::generate!({{\n    path: \"wit\",\n    world: \"plugin\",{generate_all}\n}});\n\n\
         #[allow(unused_imports)]\nuse {module}::*;\n\nstruct Plugin;\n\nimpl Guest for Plugin {{\n{body}}}\n\nexport!(Plugin);\n"
    );
    let cargo = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nwit-bindgen = \"0.61.1\"\n\n\
         # A workspace of its own, built by `plugtree build` for wasm32-unknown-unknown.\n[workspace]\n\n\
         [profile.release]\nopt-level = \"s\"\n# A panic aborts: on wasm32-unknown-unknown an `unreachable` trap.\npanic = \"abort\"\n"
    );
    Ok(vec![("src/lib.rs".into(), lib), ("Cargo.toml".into(), cargo)])
}

fn python_stub(
    resolve: &Resolve,
    plug: InterfaceId,
    plug_name: &str,
    functions: &[Function],
) -> Vec<(PathBuf, String)> {
    let short = resolve.interfaces[plug].name.clone().unwrap_or_default();
    let class = camel(&short, true);
    let mut body = String::new();
    for f in functions {
        let params: Vec<String> = std::iter::once("self".to_string())
            .chain(f.params.iter().map(|p| snake(&p.name)))
            .collect();
        let todo = format!("TODO: implement {plug_name}.{}", f.name);
        let answer = match placeholder(resolve, f.result) {
            Placeholder::Nothing => format!("pass  # {todo}"),
            Placeholder::Text => format!("return {todo:?}"),
            Placeholder::Zero(_, python, _) => format!("return {python}  # {todo}"),
            Placeholder::Fail => format!("raise NotImplementedError({todo:?})"),
        };
        let _ = writeln!(
            body,
            "\n    def {}({}):\n        {answer}",
            snake(&f.name),
            params.join(", ")
        );
    }
    let app = format!(
        "\"\"\"Exports `{plug_name}`: every function is a stub to fill in.\n\n\
         The bindings (`wit_world`) are generated by componentize-py from wit/ when\n\
         `plugtree build` runs; `componentize-py -d wit bindings .` writes them for an editor.\n\"\"\"\n\
         from wit_world import exports\n\n\nclass {class}(exports.{class}):{body}"
    );
    vec![("app.py".into(), app)]
}

fn js_stub(
    resolve: &Resolve,
    plug: InterfaceId,
    plug_name: &str,
    functions: &[Function],
) -> Vec<(PathBuf, String)> {
    let short = resolve.interfaces[plug].name.clone().unwrap_or_default();
    let mut body = String::new();
    for f in functions {
        let params: Vec<String> = f.params.iter().map(|p| camel(&p.name, false)).collect();
        let todo = format!("TODO: implement {plug_name}.{}", f.name);
        let answer = match placeholder(resolve, f.result) {
            Placeholder::Nothing => format!("// {todo}"),
            Placeholder::Text => format!("return {todo:?};"),
            Placeholder::Zero(_, _, js) => format!("return {js}; // {todo}"),
            Placeholder::Fail => format!("throw new Error({todo:?});"),
        };
        let _ = writeln!(
            body,
            "  {}({}) {{\n    {answer}\n  }},",
            camel(&f.name, false),
            params.join(", ")
        );
    }
    let app = format!(
        "// Exports `{plug_name}`: every function is a stub to fill in.\nexport const {} = {{\n{body}}};\n",
        camel(&short, false)
    );
    vec![("app.js".into(), app)]
}

/// Writes `bindings/` from the project's WIT and an `app.c` defining every
/// plug function of the generated header, each a stub; the files written.
fn c_stub(
    dir: &Path,
    resolve: &Resolve,
    plug: InterfaceId,
    plug_name: &str,
    functions: &[Function],
) -> Result<Vec<PathBuf>, String> {
    let interface = &resolve.interfaces[plug];
    let package =
        interface.package.map(|p| &resolve.packages[p].name).ok_or("the plug has no package")?;
    let short = interface.name.as_deref().ok_or("the plug has no name")?;
    let prefix =
        format!("exports_{}_{}_{}", snake(&package.namespace), snake(&package.name), snake(short));
    let bindings = dir.join(super::c::BINDINGS);
    let written = super::c::write_bindings(&dir.join("wit"), "plugin", &bindings)
        .map_err(|e| super::Problem::new(None, &e).one_line())?;
    let header_path = bindings.join("plugin.h");
    let header = std::fs::read_to_string(&header_path)
        .map_err(|e| format!("cannot read `{}`: {e}", header_path.display()))?;
    let mut body = String::new();
    for f in functions {
        if !matches!(f.kind, wit_parser::FunctionKind::Freestanding) {
            return Err(format!(
                "`plugtree new --lang c` cannot stub resources yet (`{}`)",
                f.name
            ));
        }
        let name = format!("{prefix}_{}", snake(&f.name));
        let prototype = c_prototype(&header, &name).ok_or_else(|| {
            format!("`{}` declares no `{name}`: cannot stub `{}`", header_path.display(), f.name)
        })?;
        let todo = format!("TODO: implement {plug_name}.{}", f.name);
        let returns_value = !prototype.starts_with("void ");
        let answer = match placeholder(resolve, f.result) {
            Placeholder::Nothing => format!("// {todo}"),
            // The result is freed after the call: it must be malloc's.
            Placeholder::Text => format!("plugin_string_dup(ret, {todo:?});"),
            Placeholder::Zero(..) if returns_value => format!("return 0; // {todo}"),
            Placeholder::Zero(..) => format!("memset(ret, 0, sizeof *ret); // {todo}"),
            Placeholder::Fail => format!("fprintf(stderr, \"%s\\n\", {todo:?});\n    abort();"),
        };
        let _ = writeln!(body, "\n{prototype} {{\n    {answer}\n}}");
    }
    let app = format!(
        "// Exports `{plug_name}`: every function is a stub to fill in.\n\
         //\n\
         // The declarations are in bindings/plugin.h, generated from wit/ by\n\
         // `plugtree build`. Arguments are yours: free them (plugin_string_free, …)\n\
         // or move them into the result. Results must be malloc'd: they are freed\n\
         // after the call. printf reaches the host's stdout with a `stdout` grant.\n\
         #include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n#include \"plugin.h\"\n{body}"
    );
    let app_path = dir.join("app.c");
    std::fs::write(&app_path, app)
        .map_err(|e| format!("cannot write `{}`: {e}", app_path.display()))?;
    let ignore = dir.join(".gitignore");
    std::fs::write(&ignore, "# Written by `plugtree build`.\n/bindings/\n/components/\n")
        .map_err(|e| format!("cannot write `{}`: {e}", ignore.display()))?;
    Ok(written.into_iter().chain([app_path, ignore]).collect())
}

/// The declaration of the function `name` in a wit-bindgen C header, without
/// its `extern` and `;`.
fn c_prototype(header: &str, name: &str) -> Option<String> {
    let call = format!(" {name}(");
    let line = header.lines().find(|l| l.contains(&call) && l.trim_end().ends_with(");"))?;
    let line = line.trim().trim_end_matches(';');
    Some(line.strip_prefix("extern ").unwrap_or(line).to_string())
}
