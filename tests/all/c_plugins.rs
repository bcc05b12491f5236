//! C plugins: what `plugtree build` makes of a C project beyond the polyglot
//! fan-out (`languages.rs`): WASI only when the C uses libc's I/O, every value
//! kind stubbed by `plugtree new --lang c`, and the errors of a broken project
//! or a machine without clang or wasi-libc.

use crate::guests;
use crate::polyglot;

use std::path::{Path, PathBuf};

use plugtree::load::{ArtifactCache, LoadOptions};
use plugtree::{Cardinality, PluginTree, Socket, Val};
use wit_component::DecodedWasm;

/// Every interface a component imports, WASI included, sorted.
fn imports(path: &Path) -> Vec<String> {
    let DecodedWasm::Component(resolve, world) =
        wit_component::decode(&std::fs::read(path).unwrap()).unwrap()
    else {
        panic!("not a component")
    };
    let mut names: Vec<String> = resolve.worlds[world]
        .imports
        .keys()
        .filter_map(|key| match key {
            wit_parser::WorldKey::Interface(id) => resolve.id_of(*id),
            wit_parser::WorldKey::Name(name) => Some(name.clone()),
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_c_guest_imports_wasi_only_when_it_uses_libc_io() {
    // c-values uses malloc and string functions: no WASI, no adapter.
    assert_eq!(imports(&polyglot::guest("c-values")), Vec::<String>::new());
    // c-many's printf goes through the preview1 adapter to WASI 0.2's stdout.
    let many = imports(&polyglot::guest("c-many"));
    assert!(many.iter().any(|i| i.starts_with("wasi:cli/stdout@0.2.")), "{many:?}");
    assert!(many.iter().all(|i| i.starts_with("wasi:")), "{many:?}");
}

/// A scratch folder of this test module, emptied.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/c-plugins").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `plugtree --quiet build dir -o out`, with `env` set, to its failure:
/// its stderr (the error alone: no progress notes).
fn failed_build(dir: &Path, out: &Path, env: &[(&str, &str)]) -> String {
    let mut command = polyglot::plugtree();
    command.args(["--quiet", "build"]).arg(dir).arg("-o").arg(out);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr).unwrap()
}

/// A copy of the c-many guest in a scratch folder, `app.c` replaced.
fn c_project(name: &str, app: &str) -> PathBuf {
    let dir = scratch(name).join("project");
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-components/c/c-many/wit");
    std::fs::create_dir_all(dir.join("wit/deps")).unwrap();
    for file in ["world.wit", "deps/card.wit"] {
        std::fs::copy(guest.join(file), dir.join("wit").join(file)).unwrap();
    }
    std::fs::write(dir.join("app.c"), app).unwrap();
    dir
}

#[test]
fn clangs_errors_are_passed_on_escaped_and_a_missing_toolchain_names_its_debian_packages() {
    // A control character in the source reaches the terminal escaped (clang
    // escapes those it quotes itself; plugtree escapes the rest).
    let dir = c_project("compile-error", "int broken( { \u{1b}[2J }\n");
    let out = dir.join("../components");
    let stderr = failed_build(&dir, &out, &[]);
    assert!(stderr.starts_with("error: clang failed on `"), "{stderr}");
    assert!(stderr.contains("app.c:1:"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(!out.join("project.wasm").exists());

    let dir = c_project("toolchain", "int unused;\n");
    let packages = "`apt-get install clang lld wasi-libc libclang-rt-dev-wasm32`";
    let stderr = failed_build(&dir, &out, &[("PLUGTREE_CLANG", "/nonexistent/clang")]);
    assert!(
        stderr
            .starts_with("error: cannot run the C compiler `/nonexistent/clang` (install Debian's"),
        "{stderr}"
    );
    assert!(stderr.contains(packages), "{stderr}");
    let stderr = failed_build(&dir, &out, &[("PLUGTREE_WASI_SYSROOT", "/nonexistent")]);
    assert!(
        stderr.starts_with(
            "error: `clang` cannot build for wasm32-wasi: no wasi-libc sysroot (Debian's wasi-libc)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(packages), "{stderr}");
}

/// Every root plugin's answer on `test:app/values`, a value or an error message.
fn answer(
    tree: &plugtree::LoadedTree,
    function: &str,
    args: &[Val],
) -> Result<Option<Val>, String> {
    match tree.dispatch("test:app/values", function, args) {
        Ok(Socket::ExactlyOne(_, answer)) => answer.map_err(|e| e.to_string()),
        other => panic!("{function}: not an exactly-one answer: {other:?}"),
    }
}

#[test]
fn plugtree_new_lang_c_stubs_every_value_kind_and_the_stubs_build_and_answer() {
    let root = scratch("new-values");
    let dir = root.join("c-stubs");
    let wit = guests::app_wit().join("values.wit");
    let output = polyglot::plugtree()
        .args(["new", "--wit"])
        .arg(&wit)
        .args(["--lang", "c", "--plug", "test:app/values"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let app = std::fs::read_to_string(dir.join("app.c")).unwrap();
    for stub in [
        "uint32_t exports_test_app_values_add(uint32_t a, uint32_t b) {\n    return 0; // TODO: implement test:app/values.add\n}",
        "void exports_test_app_values_echo(plugin_string_t *s, plugin_string_t *ret) {\n    plugin_string_dup(ret, \"TODO: implement test:app/values.echo\");\n}",
        "void exports_test_app_values_nothing(void) {\n    // TODO: implement test:app/values.nothing\n}",
    ] {
        assert!(app.contains(stub), "{stub}\nnot in\n{app}");
    }
    let out = root.join("components");
    polyglot::build(&dir, &out);
    let (tree, errors) = PluginTree::builder()
        .wit(&wit)
        .root("test:app/values")
        .cardinality("test:app/values", Cardinality::ExactlyOne)
        .plugin("c-stubs", out.join("c-stubs.wasm"))
        .build()
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let options =
        LoadOptions::default().with_cache(ArtifactCache::new(polyglot::cache().join("artifacts")));
    let (loaded, errors) = tree.load_with(guests::engine(), &options);
    assert!(errors.is_empty(), "{errors:?}");
    let todo = |f: &str| Val::String(format!("TODO: implement test:app/values.{f}"));
    assert_eq!(answer(&loaded, "add", &[Val::U32(1), Val::U32(2)]), Ok(Some(Val::U32(0))));
    assert_eq!(answer(&loaded, "echo", &[Val::String("x".into())]), Ok(Some(todo("echo"))));
    assert_eq!(answer(&loaded, "find", &[Val::String("red".into())]), Ok(Some(Val::Option(None))));
    assert_eq!(answer(&loaded, "bytes", &[Val::U32(3)]), Ok(Some(Val::List(vec![]))));
    assert_eq!(answer(&loaded, "nothing", &[]), Ok(None));
    // A result without a zero value aborts with the TODO text: a trap.
    let failed = answer(&loaded, "grant", &[Val::Flags(vec![])]).unwrap_err();
    assert!(failed.contains("trap"), "{failed}");
}

#[test]
fn a_c_guests_printf_reaches_the_hosts_stdout_only_when_granted() {
    let root = scratch("printf");
    let many = polyglot::guest("c-many");
    let card = guests::app_wit().join("card.wit");
    let call = |stdout: bool| {
        let manifest = root.join(format!("stdout-{stdout}.toml"));
        std::fs::write(
            &manifest,
            format!(
                "root = \"test:card/many\"\nwit = [{card:?}]\n\n[[plugins]]\nid = \"c-many\"\n\
                 path = {many:?}\ngrants = {{ stdout = {stdout} }}\n"
            ),
        )
        .unwrap();
        let output = polyglot::plugtree()
            .args(["--quiet", "--no-cache", "call", "-m"])
            .arg(&manifest)
            .arg("test:card/many.notify(\"hi\")")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    // The guest's line, then the CLI's answer line (a function without a result).
    assert_eq!(call(true), "c-many: hi\nc-many: ok\n");
    assert_eq!(call(false), "c-many: ok\n");
}
