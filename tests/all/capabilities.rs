//! Capability grants on a real WASI guest (`test-components/wasip2/wasi-files`,
//! Rust std on wasm32-wasip2, importing wasi:cli, wasi:filesystem and
//! wasi:sockets): nothing by default, exactly what is granted, strict mode,
//! and what `plugtree check` and `call` show.

use crate::guests;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plugtree::describe::Capability;
use plugtree::{BuildError, DirMode, Grants, LoadError, LoadedTree, PluginTree, Socket, Val};

const PROBE: &str = "test:files/probe";

/// A folder of its own under `target/capabilities-tests`: `data/hello.txt`
/// (to be granted), `secret.txt` beside `data/` (never granted), and
/// `data/escape`, a symlink to the secret.
fn fixture(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/capabilities-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/hello.txt"), "hello from the host").unwrap();
    std::fs::write(dir.join("secret.txt"), "the secret").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), dir.join("data/escape")).unwrap();
    dir
}

fn build(grants: Grants) -> (PluginTree, Vec<BuildError>) {
    PluginTree::builder()
        .wit(guests::wasi_wit())
        .root(PROBE)
        .plugin("probe", guests::wasi_guest("wasi-files"))
        .grants("probe", grants)
        .build()
        .expect("the app's WIT is valid")
}

fn load(grants: Grants) -> LoadedTree {
    let (tree, build_errors) = build(grants);
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let (loaded, load_errors) = tree.load(guests::engine());
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

fn call(tree: &LoadedTree, function: &str, args: &[Val]) -> Val {
    match tree.dispatch(PROBE, function, args).expect("dispatch") {
        Socket::ExactlyOne(_, answer) => answer.expect("the plugin answers").expect("a result"),
        other => panic!("an exactly-one root answers once, got {other:?}"),
    }
}

fn s(text: &str) -> Val {
    Val::String(text.into())
}

fn ok(value: Val) -> Val {
    Val::Result(Ok(Some(Box::new(value))))
}

/// The guest's error message for a failed result; panics on success.
fn err(value: Val) -> String {
    match value {
        Val::Result(Err(Some(e))) => match *e {
            Val::String(message) => message,
            other => panic!("an error string, got {other:?}"),
        },
        other => panic!("an error, got {other:?}"),
    }
}

fn read(tree: &LoadedTree, path: &str) -> Val {
    call(tree, "read", &[s(path)])
}

#[test]
fn the_guest_imports_wasi_like_real_guests_do() {
    let (tree, errors) = build(Grants::none());
    assert!(errors.is_empty(), "{errors:?}");
    let plugin = tree.plugins().next().unwrap();
    let imports: Vec<&str> = plugin.wasi_imports().map(|i| i.split('@').next().unwrap()).collect();
    for wanted in [
        "wasi:cli/environment",
        "wasi:cli/stdout",
        "wasi:filesystem/preopens",
        "wasi:sockets/tcp",
        "wasi:io/streams",
    ] {
        assert!(imports.contains(&wanted), "{wanted} in {imports:?}");
    }
    assert_eq!(plugin.sockets().count(), 0, "WASI imports are not sockets");
    assert!(plugin.capabilities().is_nothing());
}

#[test]
fn a_granted_file_is_read() {
    let dir = fixture("granted");
    let tree = load(Grants::none().dir(dir.join("data"), "/data", DirMode::ReadOnly));
    assert_eq!(read(&tree, "/data/hello.txt"), ok(s("hello from the host")));
    assert_eq!(tree.tree().plugins().next().unwrap().capabilities().dirs.len(), 1);
}

#[test]
fn without_the_grant_the_plugin_loads_but_reading_is_denied() {
    let dir = fixture("ungranted");
    let tree = load(Grants::none());
    // No preopen to open it through: the guest's libc finds no such file.
    let not_found = "No such file or directory (os error 44)";
    assert_eq!(err(read(&tree, "/data/hello.txt")), not_found);
    assert_eq!(err(read(&tree, &dir.join("data/hello.txt").display().to_string())), not_found);
    assert_eq!(call(&tree, "env", &[s("K")]), Val::Option(None), "the plugin still answers");
}

#[test]
fn strict_mode_refuses_the_plugin_naming_the_missing_grant() {
    let dir = fixture("strict");
    // Everything but `dirs`: only the filesystem imports are refused.
    let all_but_dirs = Grants::none()
        .env("K", "v")
        .stdout(true)
        .stderr(true)
        .network("127.0.0.1", 9)
        .name_lookup(true)
        .strict(true);
    let (tree, errors) = build(all_but_dirs.clone());
    let refused: Vec<(String, Capability)> = errors
        .iter()
        .filter(|e| !is_root_unsatisfied(e))
        .map(|e| match e {
            BuildError::UngrantedWasi { plugin, import, grant } if plugin == "probe" => {
                (import.split('@').next().unwrap().to_string(), *grant)
            }
            other => panic!("only ungranted WASI, got {other}"),
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("wasi:filesystem/types".to_string(), Capability::Dirs),
            ("wasi:filesystem/preopens".to_string(), Capability::Dirs)
        ]
    );
    let message = errors[0].to_string();
    assert!(
        message.starts_with("plugin `probe` imports `wasi:filesystem/types@")
            && message.ends_with("` but is not granted `dirs` (strict mode)"),
        "{message}"
    );
    let (loaded, _) = tree.load(guests::engine());
    assert!(loaded.root_providers().next().is_none(), "a refused plugin is not loaded");

    // With the directory granted too, the same strict plugin loads and reads.
    let tree = load(all_but_dirs.dir(dir.join("data"), "/data", DirMode::ReadOnly));
    assert_eq!(read(&tree, "/data/hello.txt"), ok(s("hello from the host")));
}

/// The refused plugin leaves the root socket without a provider.
fn is_root_unsatisfied(e: &BuildError) -> bool {
    matches!(e, BuildError::Unsatisfied(u) if u.consumer.is_none() && u.failed == [plugtree::PluginId::new("probe")])
}

#[test]
fn strict_mode_names_a_grant_for_every_ungranted_import() {
    let (_, errors) = build(Grants::none().strict(true));
    let mut grants: Vec<String> = errors
        .iter()
        .filter(|e| !is_root_unsatisfied(e))
        .map(|e| match e {
            BuildError::UngrantedWasi { grant, .. } => grant.to_string(),
            other => panic!("only ungranted WASI, got {other}"),
        })
        .collect();
    grants.sort();
    grants.dedup();
    assert_eq!(
        grants,
        ["`dirs`", "`env` or `args`", "`name-lookup`", "`network`", "`stderr`", "`stdout`"]
    );
    // Plumbing (io, clocks, random, exit, stdin, terminal) needs no grant.
    assert!(errors.iter().all(|e| !matches!(e, BuildError::UngrantedWasi { import, .. }
        if ["wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:cli/exit", "wasi:cli/terminal"].iter().any(|p| import.starts_with(p)))));
}

#[test]
fn paths_outside_the_preopen_are_denied() {
    let dir = fixture("outside");
    let tree = load(Grants::none().dir(dir.join("data"), "/data", DirMode::ReadOnly));
    assert_eq!(
        std::fs::read_to_string(dir.join("data/escape")).unwrap(),
        "the secret",
        "the host can follow it"
    );
    for path in [
        "/data/../secret.txt",
        "../secret.txt",
        "/data/escape",
        "/etc/hostname",
        &dir.join("secret.txt").display().to_string(),
    ] {
        let denied = err(read(&tree, path));
        assert!(!denied.contains("the secret"), "{path}: {denied}");
    }
    assert_eq!(
        read(&tree, "/data/hello.txt"),
        ok(s("hello from the host")),
        "the plugin still works"
    );
}

#[test]
fn read_only_dirs_refuse_writes_and_read_write_dirs_accept_them() {
    let dir = fixture("modes");
    let ro = load(Grants::none().dir(dir.join("data"), "/data", DirMode::ReadOnly));
    let write =
        |tree: &LoadedTree| call(tree, "write", &[s("/data/new.txt"), s("written by the guest")]);
    assert!(matches!(write(&ro), Val::Result(Err(_))));
    assert!(!dir.join("data/new.txt").exists());
    let rw = load(Grants::none().dir(dir.join("data"), "/data", DirMode::ReadWrite));
    assert_eq!(write(&rw), Val::Result(Ok(None)));
    assert_eq!(std::fs::read_to_string(dir.join("data/new.txt")).unwrap(), "written by the guest");
}

#[test]
fn granted_env_and_args_are_seen_and_nothing_of_the_hosts() {
    assert!(std::env::var_os("PATH").is_some(), "the host has a PATH");
    let bare = load(Grants::none());
    assert_eq!(call(&bare, "env", &[s("PATH")]), Val::Option(None));
    assert_eq!(call(&bare, "args", &[]), Val::List(vec![]));
    let granted = load(Grants::none().env("GREETING", "hello").arg("probe").arg("-v"));
    assert_eq!(call(&granted, "env", &[s("GREETING")]), Val::Option(Some(Box::new(s("hello")))));
    assert_eq!(call(&granted, "env", &[s("PATH")]), Val::Option(None));
    assert_eq!(call(&granted, "args", &[]), Val::List(vec![s("probe"), s("-v")]));
}

#[test]
fn network_reaches_only_granted_addresses() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = (&stream).write_all(b"hello over tcp\n");
        }
    });
    let address = format!("127.0.0.1:{port}");
    let connect = |tree: &LoadedTree| call(tree, "connect", &[s(&address)]);
    assert!(err(connect(&load(Grants::none()))).to_lowercase().contains("denied"));
    let other_port = load(Grants::none().network("127.0.0.1", port.wrapping_add(1).max(1)));
    assert!(err(connect(&other_port)).to_lowercase().contains("denied"));
    let granted = load(Grants::none().network("127.0.0.1", port));
    assert_eq!(connect(&granted), ok(s("hello over tcp")));
    // A granted name is resolved by the host at load.
    let by_name = load(Grants::none().network("localhost", port));
    assert!(matches!(connect(&by_name), Val::Result(Ok(_))) || !resolves_to_ipv4_loopback());
}

fn resolves_to_ipv4_loopback() -> bool {
    use std::net::ToSocketAddrs;
    ("localhost", 1)
        .to_socket_addrs()
        .is_ok_and(|mut a| a.any(|a| a.ip() == std::net::Ipv4Addr::LOCALHOST))
}

#[test]
fn a_grant_that_cannot_be_set_up_fails_the_load_naming_it() {
    let missing =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/capabilities-tests/no-such-dir");
    let (tree, errors) = build(Grants::none().dir(&missing, "/data", DirMode::ReadOnly));
    assert!(errors.is_empty(), "{errors:?}");
    let (_, errors) = tree.load(guests::engine());
    assert!(
        matches!(&errors[0], LoadError::Grant { plugin, grant: Capability::Dirs, value, .. } if plugin == "probe" && *value == missing.display().to_string()),
        "{errors:?}"
    );
    assert_eq!(
        errors[0].to_string(),
        format!("plugin `probe` cannot be granted `dirs` `{}`", missing.display())
    );
}

#[test]
fn plugins_without_wasi_imports_are_unchanged() {
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("partial.wit"))
        .root("test:partial/leaf")
        .plugin("good", guests::guest("leaf-good"))
        .grants("good", Grants::none().stdout(true).strict(true))
        .build()
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let plugin = tree.plugins().next().unwrap();
    assert_eq!(plugin.wasi_imports().count(), 0);
    assert!(
        plugin.capabilities().is_nothing(),
        "a grant for an interface it does not import has no effect"
    );
}

// The command line: `check` shows capabilities, `call` shows granted stdout.

fn plugtree(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plugtree")).args(args).output().expect("the binary runs")
}

/// A manifest for the probe with `grants` (TOML inline table, or empty), relative to `dir`.
fn manifest(dir: &Path, grants: &str) -> String {
    let wit = guests::wasi_wit();
    let guest = guests::wasi_guest("wasi-files");
    let grants = if grants.is_empty() { String::new() } else { format!("grants = {grants}\n") };
    let text = format!(
        "root = {PROBE:?}\nwit = {wit:?}\n[[plugins]]\nid = \"probe\"\npath = {guest:?}\n{grants}"
    );
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn check_prints_effective_capabilities() {
    let dir = fixture("check");
    let bare = plugtree(&["check", "-m", &manifest(&dir, "")]);
    let text = String::from_utf8(bare.stdout).unwrap();
    assert_eq!(text.lines().nth(2), Some("    capabilities: nothing"), "{text}");

    let path = manifest(
        &dir,
        r#"{ dirs = [{ host = "data", guest = "/data", mode = "ro" }], env = { K = "secret-value" }, stdout = true, network = ["127.0.0.1:8080"], strict = true }"#,
    );
    let granted = plugtree(&["check", "-m", &path]);
    let text = String::from_utf8(granted.stdout).unwrap();
    // stderr, args and name lookup are imported but not granted: strict refuses those imports.
    assert_eq!(granted.status.code(), Some(2), "{text}");
    let host = dir.join("data");
    assert_eq!(
        text.lines().nth(2).map(String::from),
        Some(format!(
            "    capabilities: dir /data = {} (ro); env K; stdout; network 127.0.0.1:8080 (strict)",
            host.display()
        )),
        "{text}"
    );
    assert!(text.contains("error: plugin `probe` imports `wasi:cli/stderr@"), "{text}");
    assert!(!text.contains("secret-value"), "env values are not printed");

    let json = plugtree(&["check", "--json", "-m", &path]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let plugin = &report["plugins"][0];
    assert_eq!(
        plugin["capabilities"],
        serde_json::json!({
            "dirs": [{"host": host.display().to_string(), "guest": "/data", "mode": "ro"}],
            "env": ["K"], "args": [], "stdout": true, "stderr": false,
            "network": ["127.0.0.1:8080"], "name_lookup": false, "http": [], "strict": true,
        })
    );
    assert!(
        plugin["wasi"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("wasi:filesystem/types@"))
    );
}

#[test]
fn stdout_is_discarded_unless_granted() {
    let dir = fixture("stdout");
    let print = |grants: &str| {
        let out = plugtree(&[
            "call",
            "-m",
            &manifest(&dir, grants),
            r#"test:files/probe.print("marker-7f3a")"#,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (out, err) = print("");
    assert_eq!(out, "probe: true\n", "the write succeeds and goes nowhere");
    assert!(!err.contains("marker-7f3a"), "{err}");
    let (out, err) = print("{ stdout = true }");
    assert_eq!(out, "marker-7f3a\nprobe: true\n");
    assert!(!err.contains("marker-7f3a"), "{err}");
    let (out, err) = print("{ stdout = true, stderr = true }");
    assert_eq!(out, "marker-7f3a\nprobe: true\n");
    assert!(err.contains("marker-7f3a"), "{err}");
}

#[test]
fn a_reloaded_plugin_keeps_its_grants() {
    let dir = fixture("reload");
    let tree = load(Grants::none().dir(dir.join("data"), "/data", DirMode::ReadOnly).env("K", "v"));
    tree.reload("probe", guests::wasi_guest("wasi-files")).expect("the same component reloads");
    assert_eq!(read(&tree, "/data/hello.txt"), ok(s("hello from the host")));
    assert_eq!(call(&tree, "env", &[s("K")]), Val::Option(Some(Box::new(s("v")))));
    assert!(matches!(read(&tree, "/data/../secret.txt"), Val::Result(Err(_))));
}
