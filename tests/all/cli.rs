//! The `plugtree` binary on the demo app's real components: every subcommand,
//! every exit status, `--json` output, a malformed manifest and bad WAVE.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary with `args`.
fn plugtree(args: &[&str]) -> Output {
    plugtree_env(args, &[])
}

/// Runs the binary with `args` and the environment variables `env` set.
fn plugtree_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plugtree"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

/// The demo manifest, with its plugins built (once per test process) by `plugtree build`.
fn demo() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let built = plugtree(&["build", "demo/plugins", "-o", "demo/components"]);
        assert_eq!(code(&built), 0, "building the demo failed:\n{}", stderr(&built));
    });
    "demo/plugtree.toml"
}

/// Writes a manifest for the demo's WIT with `root`, `cardinality` lines and
/// the given demo plugins, into its own folder under `target/cli-tests`.
fn manifest(name: &str, root: &str, cardinality: &str, plugins: &[&str]) -> String {
    let plugins: Vec<(&str, &str)> = plugins.iter().map(|id| (*id, "")).collect();
    manifest_with(name, root, cardinality, &plugins)
}

/// [`manifest`] with, for each plugin, TOML lines added to its `[[plugins]]`
/// table (e.g. its own `limits`).
fn manifest_with(name: &str, root: &str, cardinality: &str, plugins: &[(&str, &str)]) -> String {
    demo();
    let dir = repo().join("target/cli-tests").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let demo_dir = repo().join("demo");
    let mut text = format!(
        "root = {root:?}\nwit = {:?}\n[cardinality]\n{cardinality}\n",
        demo_dir.join("wit")
    );
    for (id, extra) in plugins {
        let path = match *id {
            "corrupt" => demo_dir.join("broken/corrupt.wasm"),
            _ => demo_dir.join("components").join(format!("{id}.wasm")),
        };
        text.push_str(&format!("[[plugins]]\nid = {id:?}\npath = {path:?}\n{extra}\n"));
    }
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const DEMO_CARDINALITY: &str =
    "\"demo:text/filter\" = \"any\"\n\"demo:text/spellcheck\" = \"at-most-one\"";

#[test]
fn build_encodes_every_cdylib_of_a_workspace() {
    let out = repo().join("target/cli-tests/build-out");
    let _ = std::fs::remove_dir_all(&out);
    let output = plugtree(&["build", "demo/plugins", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let expected: Vec<String> =
        ["dictionary", "emoji", "pipeline", "reverse", "shout", "spellcheck", "upper"]
            .iter()
            .map(|n| format!("built {}", out.join(format!("{n}.wasm")).display()))
            .collect();
    let printed = stdout(&output);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[..7], expected);
    // Then the Python and JavaScript plugins, maybe from plugtree's build cache.
    assert_eq!(lines.len(), 9, "{lines:?}");
    assert!(
        lines[7].starts_with(&format!("built {} (js", out.join("snake.wasm").display())),
        "{lines:?}"
    );
    assert!(
        lines[8].starts_with(&format!("built {} (python", out.join("title.wasm").display())),
        "{lines:?}"
    );
    let bytes = std::fs::read(out.join("upper.wasm")).unwrap();
    // A component's preamble: magic, then version 0x0d and layer 1.
    assert_eq!(&bytes[..8], b"\0asm\x0d\x00\x01\x00");
}

#[test]
fn build_without_a_workspace_fails_with_exit_2() {
    let output = plugtree(&["build", "demo/wit"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: `demo/wit` holds no Cargo.toml and no Python (app.py + wit/), JavaScript (app.js + wit/) or C (app.c + wit/) plugin project\n"
    );
    assert_eq!(stdout(&output), "");
}

#[test]
fn check_prints_the_tree_and_the_broken_plugin_with_exit_1() {
    let output = plugtree(&["check", "-m", demo()]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stdout(&output).lines().collect::<Vec<_>>(),
        [
            "root demo:text/pipeline (exactly-one)",
            "  pipeline (ready)",
            "    capabilities: nothing",
            "    socket demo:text/filter (any)",
            "      upper (ready)",
            "        capabilities: nothing",
            "      reverse (ready)",
            "        capabilities: nothing",
            "      title (ready)",
            "        capabilities: nothing",
            "      snake (ready)",
            "        capabilities: nothing",
            "      emoji (ready)",
            "        capabilities: nothing",
            "        socket demo:text/dictionary (exactly-one)",
            "          dictionary (ready)",
            "            capabilities: nothing",
            "      shout (ready)",
            "        capabilities: nothing",
            "    socket demo:text/spellcheck (at-most-one)",
            "      spellcheck (ready)",
            "        capabilities: nothing",
            "        socket demo:text/dictionary (exactly-one)",
            "          dictionary (ready, see above)",
            "not in the tree:",
            "  corrupt (failed)",
            "    capabilities: nothing",
            "    error: plugin `corrupt` is not a valid component: unexpected end-of-file (at offset 0xb)",
            "9 loaded, 1 failed, 0 unused",
        ]
    );
}

#[test]
fn check_json_reports_every_plugin_with_its_errors() {
    let output = plugtree(&["check", "--json", "-m", demo()]);
    assert_eq!(code(&output), 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(report["status"], "partial");
    assert_eq!(
        report["root"],
        serde_json::json!({"interface": "demo:text/pipeline", "cardinality": "exactly-one", "parallel": false, "providers": ["pipeline"]})
    );
    let plugins = report["plugins"].as_array().unwrap();
    let ids: Vec<&str> = plugins.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "pipeline",
            "upper",
            "reverse",
            "title",
            "snake",
            "emoji",
            "shout",
            "corrupt",
            "spellcheck",
            "dictionary"
        ]
    );
    assert_eq!(
        plugins[0]["sockets"],
        serde_json::json!([
            {"interface": "demo:text/filter", "cardinality": "any", "parallel": false, "providers": ["upper", "reverse", "title", "snake", "emoji", "shout"]},
            {"interface": "demo:text/spellcheck", "cardinality": "at-most-one", "parallel": false, "providers": ["spellcheck"]},
        ])
    );
    assert_eq!(
        plugins[7],
        serde_json::json!({
            "id": "corrupt",
            "kind": "component",
            "plug": null,
            "plug_export": null,
            "fused_into": null,
            "status": "failed",
            "sockets": [],
            "capabilities": {"dirs": [], "env": [], "args": [], "stdout": false, "stderr": false, "network": [], "name_lookup": false, "http": [], "strict": false},
            "wasi": [],
            "restart": null,
            "pool": null,
            "linear_memory": null,
            "errors": [{
                "plugin": "corrupt",
                "message": "plugin `corrupt` is not a valid component: unexpected end-of-file (at offset 0xb)",
                "causes": [],
            }],
        })
    );
    assert_eq!(plugins[9]["status"], "ready");
    assert_eq!(plugins[9]["errors"], serde_json::json!([]));
    assert_eq!(report["errors"], serde_json::json!([]));
}

#[test]
fn check_exits_0_when_everything_loads() {
    let path = manifest(
        "all-good",
        "demo:text/pipeline",
        DEMO_CARDINALITY,
        &["pipeline", "upper", "spellcheck", "dictionary"],
    );
    let output = plugtree(&["check", "-m", &path]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().last(), Some("4 loaded, 0 failed, 0 unused"));
}

#[test]
fn check_exits_2_when_the_root_has_no_loaded_provider() {
    // Without a dictionary, spellcheck and emoji fail; without the pipeline the root is empty.
    let path = manifest("no-root", "demo:text/pipeline", DEMO_CARDINALITY, &["upper", "corrupt"]);
    let output = plugtree(&["check", "--json", "-m", &path]);
    assert_eq!(code(&output), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["root"]["providers"], serde_json::json!([]));
    assert_eq!(
        report["errors"][0]["message"],
        "the root socket needs exactly-one provider of `demo:text/pipeline` but has 0 working (none)"
    );
}

#[test]
fn check_rejects_a_malformed_manifest_with_exit_2() {
    let dir = repo().join("target/cli-tests/malformed");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, "root = \"demo:text/pipeline\"\ncolour = 1\n").unwrap();
    let output = plugtree(&["check", "-m", path.to_str().unwrap()]);
    assert_eq!(code(&output), 2);
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert!(err.starts_with(&format!("error: invalid manifest `{}`: ", path.display())), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");

    let json = plugtree(&["check", "--json", "-m", path.to_str().unwrap()]);
    assert_eq!(code(&json), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["status"], "failed");
    assert_eq!(report["plugins"], serde_json::json!([]));
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("unknown field `colour`"));

    let missing = plugtree(&["check", "-m", "target/cli-tests/no-such/plugtree.toml"]);
    assert_eq!(code(&missing), 2);
    assert_eq!(
        stderr(&missing).lines().collect::<Vec<_>>(),
        [
            "error: cannot read manifest `target/cli-tests/no-such/plugtree.toml`",
            "  caused by: No such file or directory (os error 2)",
        ]
    );
}

#[test]
fn call_prints_the_demo_answer_in_wave() {
    let output = plugtree(&["call", "-m", demo(), "demo:text/pipeline.run(\"hello wrold\")"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "pipeline: {outputs: [(\"upper\", \"HELLO WROLD\"), (\"reverse\", \"dlorw olleh\"), (\"title\", \"Hello Wrold\"), (\"snake\", \"hello_wrold\"), (\"emoji\", \"👋 wrold\")], \
         failed: [(\"shout\", \"trapped: wasm trap: wasm `unreachable` instruction executed\")], misspelled: some([\"wrold\"])}\n"
    );
    assert_eq!(
        stderr(&output),
        "warning: plugin `corrupt` is not a valid component: unexpected end-of-file (at offset 0xb)\n"
    );
}

#[test]
fn call_reports_a_failing_plugin_with_exit_1() {
    let path = manifest(
        "filters",
        "demo:text/filter",
        "\"demo:text/filter\" = \"any\"",
        &["upper", "shout", "reverse"],
    );
    let output = plugtree(&["call", "-m", &path, "demo:text/filter.apply(\"abc\")"]);
    assert_eq!(code(&output), 1);
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "upper: \"ABC\"");
    assert!(lines[1].starts_with("shout: error: plugin `shout` trapped in `apply`: "), "{out}");
    assert_eq!(lines.last(), Some(&"reverse: \"cba\""));

    let json = plugtree(&["call", "--json", "-m", &path, "demo:text/filter.apply(\"abc\")"]);
    assert_eq!(code(&json), 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["interface"], "demo:text/filter");
    assert_eq!(report["function"], "apply");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[0], serde_json::json!({"plugin": "upper", "value": "\"ABC\""}));
    assert_eq!(results[1]["plugin"], "shout");
    assert!(
        results[1]["error"].as_str().unwrap().starts_with("plugin `shout` trapped in `apply`: ")
    );
    assert_eq!(results[2], serde_json::json!({"plugin": "reverse", "value": "\"cba\""}));
    assert_eq!(report["warnings"], serde_json::json!([]));
}

#[test]
fn call_lists_a_root_provider_that_failed_to_load_with_exit_1() {
    // `reverse` builds (its types are fine) but cannot instantiate in 1 KiB of memory.
    let path = manifest_with(
        "failed-root",
        "demo:text/filter",
        "\"demo:text/filter\" = \"any\"",
        &[("upper", ""), ("reverse", "limits = { memory = \"1 KiB\" }"), ("shout", "")],
    );
    let output = plugtree(&["call", "-m", &path, "demo:text/filter.apply(\"abc\")"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "upper: \"ABC\"");
    let not_loaded = "reverse: error: not loaded: plugin `reverse` exceeded its memory limit";
    assert!(lines[1].starts_with(not_loaded), "{out}");
    assert!(lines[2].starts_with("shout: error: plugin `shout` trapped"), "{out}");
    let json = plugtree(&["call", "--json", "-m", &path, "demo:text/filter.apply(\"abc\")"]);
    assert_eq!(code(&json), 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["results"][1]["plugin"], "reverse");
    let error = report["results"][1]["error"].as_str().unwrap();
    assert!(error.starts_with("not loaded: plugin `reverse` exceeded its memory limit"), "{error}");
}

#[test]
fn call_json_gives_the_wave_value_per_plugin() {
    let output =
        plugtree(&["call", "--json", "-m", demo(), "demo:text/pipeline.run(\"rust tree\")"]);
    assert_eq!(code(&output), 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        report["results"],
        serde_json::json!([{
            "plugin": "pipeline",
            "value": "{outputs: [(\"upper\", \"RUST TREE\"), (\"reverse\", \"eert tsur\"), (\"title\", \"Rust Tree\"), (\"snake\", \"rust_tree\"), (\"emoji\", \"🦀 🌳\")], \
                      failed: [(\"shout\", \"trapped: wasm trap: wasm `unreachable` instruction executed\")], misspelled: some([])}",
        }])
    );
    assert_eq!(report["warnings"][0]["plugin"], "corrupt");
}

/// Runs a call that cannot be made and returns its stderr: the call is
/// refused before the tree is loaded, so no build or load warning comes first
/// (the demo has a corrupt plugin).
///
/// With `--json` the same call gives one JSON document holding the error.
fn bad_call(call: &str) -> Vec<String> {
    let output = plugtree(&["call", "-m", demo(), call]);
    assert_eq!(code(&output), 2, "{call}");
    assert_eq!(stdout(&output), "");
    let lines: Vec<String> = stderr(&output).lines().map(String::from).collect();
    let json = plugtree(&["call", "--json", "-m", demo(), call]);
    assert_eq!(code(&json), 2, "{call}");
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&json)).expect("one JSON document");
    assert_eq!(
        Some(report["error"]["message"].as_str().unwrap()),
        lines[0].strip_prefix("error: ")
    );
    assert_eq!(report["results"], serde_json::json!([]));
    lines
}

#[test]
fn call_points_at_bad_wave_and_wrong_arguments_with_exit_2() {
    assert_eq!(
        bad_call("demo:text/pipeline.run(\"a\""),
        [
            "error: invalid WAVE: unexpected end of input",
            "  demo:text/pipeline.run(\"a\"",
            "                            ^"
        ]
    );
    assert_eq!(
        bad_call("demo:text/pipeline.run(42)"),
        [
            "error: wrong arguments for `run(text: string)`: invalid value type",
            "  demo:text/pipeline.run(42)",
            "                         ^^"
        ]
    );
    assert_eq!(
        bad_call("demo:text/pipeline.run(\"a\", 1)"),
        [
            "error: wrong arguments for `run(text: string)`: invalid params: more param(s) than expected",
            "  demo:text/pipeline.run(\"a\", 1)",
            "                              ^",
        ]
    );
    assert_eq!(
        bad_call("demo:text/pipeline.walk(\"a\")"),
        [
            "error: `demo:text/pipeline` has no function `walk` (it has: run)",
            "  demo:text/pipeline.walk(\"a\")",
            "                     ^^^^"
        ]
    );
    assert_eq!(
        bad_call("demo:text/filter.apply(\"a\")"),
        [
            "error: `demo:text/filter` is not the root interface `demo:text/pipeline`",
            "  demo:text/filter.apply(\"a\")",
            "  ^^^^^^^^^^^^^^^^",
        ]
    );
    assert_eq!(
        bad_call("run"),
        ["error: expected a call like 'pkg:ns/interface.function(args…)'", "  run", "     ^"]
    );
}

#[test]
fn call_refuses_a_bad_call_before_compiling_anything() {
    // `upper` builds (its types are fine) but fails at load: 1 KiB of memory
    // is less than its instantiation needs. `reverse` loads.
    let path = manifest_with(
        "refused-before-load",
        "demo:text/filter",
        "\"demo:text/filter\" = \"any\"",
        &[("upper", "limits = { memory = \"1 KiB\" }"), ("reverse", "")],
    );
    // An artifact cache of its own: a compiled component would be written there.
    let cache = repo().join("target/cli-tests/refused-before-load/cache");
    let _ = std::fs::remove_dir_all(&cache);
    std::fs::create_dir_all(&cache).unwrap();
    let env = [("XDG_CACHE_HOME", cache.as_path())];
    // How many files the cache holds (compiled components, in a folder per engine).
    fn files(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| if e.path().is_dir() { files(&e.path()) } else { 1 })
                .sum()
        })
    }
    let cached = || files(&cache);

    for (call, expected) in [
        (
            "demo:text/filter.apply(\"a\"",
            [
                "error: invalid WAVE: unexpected end of input",
                "  demo:text/filter.apply(\"a\"",
                "                            ^",
            ],
        ),
        (
            "demo:text/filter.apply(7)",
            [
                "error: wrong arguments for `apply(text: string)`: invalid value type",
                "  demo:text/filter.apply(7)",
                "                         ^",
            ],
        ),
        (
            "demo:text/filter.apply(\"a\", 1)",
            [
                "error: wrong arguments for `apply(text: string)`: invalid params: more param(s) than expected",
                "  demo:text/filter.apply(\"a\", 1)",
                "                              ^",
            ],
        ),
        (
            "demo:text/filter.walk(\"a\")",
            [
                "error: `demo:text/filter` has no function `walk` (it has: apply)",
                "  demo:text/filter.walk(\"a\")",
                "                   ^^^^",
            ],
        ),
        (
            "demo:text/pipeline.run(\"a\")",
            [
                "error: `demo:text/pipeline` is not the root interface `demo:text/filter`",
                "  demo:text/pipeline.run(\"a\")",
                "  ^^^^^^^^^^^^^^^^^^",
            ],
        ),
    ] {
        for json in [false, true] {
            let args: &[&str] = if json {
                &["call", "--json", "-m", &path, call]
            } else {
                &["call", "-m", &path, call]
            };
            let output = plugtree_env(args, &env);
            assert_eq!(code(&output), 2, "{call}");
            if json {
                let report: serde_json::Value =
                    serde_json::from_str(&stdout(&output)).expect("one JSON document");
                assert_eq!(
                    Some(report["error"]["message"].as_str().unwrap()),
                    expected[0].strip_prefix("error: "),
                    "{call}"
                );
            } else {
                assert_eq!(stdout(&output), "", "{call}");
            }
            // The call's error and caret, and nothing from loading.
            assert_eq!(stderr(&output).lines().collect::<Vec<_>>(), expected, "{call}");
        }
    }
    assert_eq!(cached(), 0, "a refused call compiled something");

    // The same manifest with a good call is loaded: `upper` fails there (its
    // line says so, exit 1), and the compiled components go to the cache.
    let output = plugtree_env(&["call", "-m", &path, "demo:text/filter.apply(\"abc\")"], &env);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.starts_with("upper: error: not loaded: plugin `upper` exceeded its memory limit"));
    assert!(out.ends_with("\nreverse: \"cba\"\n"), "{out}");
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("warning: plugin `upper` exceeded its memory limit ("), "{err}");
    assert!(lines[0].ends_with("exceeds the limit of 1024 bytes) in `instantiation`"), "{err}");
    assert!(cached() > 0, "a loaded call compiled nothing");
}

#[test]
fn graph_draws_dot_and_mermaid_with_the_failed_plugin_marked() {
    let dot = plugtree(&["graph", "-m", demo()]);
    assert_eq!(code(&dot), 0);
    let text = stdout(&dot);
    assert!(text.starts_with("digraph {\n    0 [ label = \"demo:text/pipeline\\n(exactly-one)\", shape = doubleoctagon]\n"), "{text}");
    for line in [
        "    1 [ label = \"pipeline\", shape = box]",
        "    8 [ label = \"corrupt\\n(failed)\", shape = box, style = dashed, color = red, fontcolor = red]",
        "    11 [ label = \"demo:text/filter\\n(any)\", shape = ellipse]",
        "    0 -> 1 [ ]",
        "    1 -> 11 [ ]",
        "    13 -> 10 [ ]",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert_eq!(text.lines().filter(|l| l.contains("->")).count(), 13);

    let mermaid = plugtree(&["graph", "--format", "mermaid", "-m", demo()]);
    assert_eq!(code(&mermaid), 0);
    let text = stdout(&mermaid);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "flowchart TD");
    assert_eq!(lines[1], "    n0{{\"demo:text/pipeline<br/>(exactly-one)\"}}");
    assert!(lines.contains(&"    n8[\"corrupt<br/>(failed)\"]"));
    assert!(lines.contains(&"    n11([\"demo:text/filter<br/>(any)\"])"));
    assert_eq!(lines.last(), Some(&"    class n8 failed"));
}

#[test]
fn wit_socket_prints_the_consumer_side_interface() {
    let output = plugtree(&["wit", "-m", demo(), "socket", "demo:text/filter"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "// `demo:text/filter` as a plugin imports it on a socket (any): the socket ABI.\n\
         // Put plugtree's crates/plugtree/wit/plugtree-socket.wit before this package on your WIT path.\n\
         /// The demo app: a small text pipeline split into plugins.\n\
         package demo:text;\n\
         \n\
         /// A text filter (any number of them).\n\
         interface filter {\n\
         \x20 use plugtree:socket/types@0.1.0.{provider-error};\n\
         \n\
         \x20 /// Transforms `text`.\n\
         \x20 apply: func(text: string) -> list<tuple<string, result<string, provider-error>>>;\n\
         }\n"
    );
    let at_most_one = plugtree(&["wit", "-m", demo(), "socket", "demo:text/spellcheck"]);
    assert!(
        stdout(&at_most_one).contains(
            "  check: func(text: string) -> option<result<list<string>, provider-error>>;\n"
        ),
        "{}",
        stdout(&at_most_one)
    );
    let exactly_one = plugtree(&["wit", "-m", demo(), "socket", "demo:text/dictionary"]);
    assert!(
        stdout(&exactly_one)
            .contains("  emoji: func(word: string) -> result<option<string>, provider-error>;\n")
    );

    let unknown = plugtree(&["wit", "-m", demo(), "socket", "demo:text/nothing"]);
    assert_eq!(code(&unknown), 2);
    assert_eq!(
        stderr(&unknown),
        "error: interface `demo:text/nothing` is not defined in the app's WIT\n"
    );
}

#[test]
fn wit_socket_output_builds_the_demo_consumers() {
    // The hand-written consumer views of the demo use exactly what `wit socket` prints.
    let view = |plugin: &str| {
        std::fs::read_to_string(repo().join(format!("demo/plugins/{plugin}/wit/{plugin}.wit")))
            .unwrap()
    };
    for (interface, consumer, line) in [
        (
            "filter",
            "pipeline",
            "apply: func(text: string) -> list<tuple<string, result<string, provider-error>>>;",
        ),
        (
            "spellcheck",
            "pipeline",
            "check: func(text: string) -> option<result<list<string>, provider-error>>;",
        ),
        ("dictionary", "emoji", "known: func(word: string) -> result<bool, provider-error>;"),
        (
            "dictionary",
            "spellcheck",
            "emoji: func(word: string) -> result<option<string>, provider-error>;",
        ),
    ] {
        let printed =
            stdout(&plugtree(&["wit", "-m", demo(), "socket", &format!("demo:text/{interface}")]));
        assert!(printed.contains(line), "{printed}");
        assert!(view(consumer).contains(line), "{consumer} does not import {line}");
    }
}

#[test]
fn check_and_graph_show_host_plugs_from_the_manifest() {
    let path = manifest("host", "demo:text/filter", DEMO_CARDINALITY, &["upper"]);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("[[host]]\nid = \"store\"\nplug = \"kv\"\n");
    std::fs::write(&path, text).unwrap();
    let check = plugtree(&["check", "-m", &path]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    // Nothing in this app imports the store, so it is listed outside the tree.
    assert!(stdout(&check).contains("store (unused, host plug)"), "{}", stdout(&check));
    let json: serde_json::Value =
        serde_json::from_slice(&plugtree(&["check", "--json", "-m", &path]).stdout).unwrap();
    let store =
        json["plugins"].as_array().unwrap().iter().find(|p| p["id"] == "store").unwrap().clone();
    assert_eq!(
        (store["kind"].as_str(), store["plug"].as_str()),
        (Some("host"), Some("plugtree:host/kv"))
    );
    let dot = stdout(&plugtree(&["graph", "-m", &path]));
    assert!(dot.contains("label = \"store\\n(host, unused)\""), "{dot}");
}

/// Reads a child's stdout lines on a thread, so that a test can wait for a
/// line with a deadline instead of blocking forever.
fn lines_of(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (send, lines) = std::sync::mpsc::channel();
    let out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// The next line that `wanted` accepts, skipping others; panics after 60 s.
fn wait_for(lines: &std::sync::mpsc::Receiver<String>, wanted: impl Fn(&str) -> bool) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if wanted(&line) => return line,
            Ok(_) => {}
            Err(e) => panic!("no such line from `plugtree watch` ({e})"),
        }
    }
}

/// `plugtree watch --call` on the demo app: `plugins` from the demo's
/// components and plugin `id` from a file of its own holding `bytes` at start.
struct Watch {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    file: std::path::PathBuf,
}

impl Watch {
    fn start(name: &str, plugins: &[&str], id: &str, bytes: &[u8]) -> Watch {
        let path = manifest(name, "demo:text/pipeline", DEMO_CARDINALITY, plugins);
        let file = Path::new(&path).parent().unwrap().join(format!("{id}.wasm"));
        std::fs::write(&file, bytes).unwrap();
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&format!("[[plugins]]\nid = {id:?}\npath = {file:?}\n"));
        std::fs::write(&path, text).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_plugtree"))
            .args(["watch", "-m", &path, "--call", "demo:text/pipeline.run(\"hi\")"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the binary runs");
        let lines = lines_of(&mut child);
        Watch { child, lines, file }
    }

    /// Replaces the plugin's file the way a build does: write aside, then rename over.
    fn replace(&self, bytes: &[u8]) {
        let aside = self.file.with_extension("wasm.new");
        std::fs::write(&aside, bytes).unwrap();
        std::fs::rename(&aside, &self.file).unwrap();
    }

    /// The next line `wanted` accepts ([`wait_for`]).
    fn wait_for(&self, wanted: impl Fn(&str) -> bool) -> String {
        wait_for(&self.lines, wanted)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A demo component's bytes.
fn demo_component(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("demo/components").join(format!("{name}.wasm"))).unwrap()
}

#[test]
fn watch_reloads_a_changed_plugin_and_keeps_the_old_one_on_a_broken_build() {
    demo();
    let watch = Watch::start("watch", &["pipeline", "dictionary"], "f", &demo_component("upper"));
    let first = watch.wait_for(|l| l.starts_with("pipeline: "));
    assert!(first.contains("outputs: [(\"f\", \"HI\")]"), "{first}");
    watch.wait_for(|l| l.starts_with("watching 3 plugin file(s)"));

    watch.replace(&demo_component("reverse"));
    let reloaded = watch.wait_for(|l| l.starts_with("reload"));
    assert!(
        reloaded.starts_with("reloaded `f` from")
            && reloaded.ends_with("calls from `pipeline` now reach it"),
        "{reloaded}"
    );
    let after = watch.wait_for(|l| l.starts_with("pipeline: "));
    assert!(after.contains("outputs: [(\"f\", \"ih\")]"), "{after}");

    watch.replace(b"not a component");
    let refused = watch.wait_for(|l| l.starts_with("reload"));
    assert!(refused.starts_with("reload of `f` refused, the old version keeps running: the new component of plugin `f` does not fit the tree"), "{refused}");
    let still = watch.wait_for(|l| l.starts_with("pipeline: "));
    assert!(still.contains("outputs: [(\"f\", \"ih\")]"), "{still}");
}

#[test]
fn watch_brings_up_a_plugin_that_did_not_load_at_start_with_its_consumers() {
    // The spellcheck's dictionary (exactly-one) is broken at start: the
    // spellcheck is taken down with it, and the pipeline runs without one.
    let watch = Watch::start(
        "watch-revive",
        &["pipeline", "upper", "spellcheck"],
        "dictionary",
        b"not yet",
    );
    watch.wait_for(|l| l.starts_with("watching 4 plugin file(s)"));

    // Still broken: the running tree stays, and the reason is given.
    watch.replace(b"still not a component");
    let still = watch.wait_for(|l| l.starts_with("`dictionary`"));
    assert_eq!(
        still,
        "`dictionary` still does not load; the running tree stays: plugin `dictionary` is not a valid component: expected `(`"
    );
    // The decoder's excerpt goes on, indented, with the place in the file.
    let place = watch.wait_for(|_| true);
    assert!(
        place.trim_start().starts_with("-->") && place.ends_with("dictionary.wasm:1:1"),
        "{place}"
    );

    watch.replace(&demo_component("dictionary"));
    let revived = watch.wait_for(|l| l.starts_with("loaded `dictionary`"));
    assert!(
        revived.contains(", and with it `spellcheck`; it did not load at start, so the tree was loaded again and every plugin starts afresh"),
        "{revived}"
    );
    // The pipeline now has its spellcheck, which knows neither word.
    let answer = watch.wait_for(|l| l.starts_with("pipeline: "));
    assert_eq!(
        answer,
        "pipeline: {outputs: [(\"upper\", \"HI\")], failed: [], misspelled: some([\"hi\"])}"
    );

    // From now on it is a loaded plugin like any other: a change reloads it.
    watch.replace(&demo_component("dictionary"));
    let reloaded = watch.wait_for(|l| l.starts_with("reload"));
    assert!(reloaded.starts_with("reloaded `dictionary` from"), "{reloaded}");
}

#[test]
fn call_and_check_refuse_a_root_with_more_providers_than_its_cardinality() {
    for cardinality in ["exactly-one", "at-most-one"] {
        let name = format!("over-subscribed-{cardinality}");
        let path = manifest(
            &name,
            "demo:text/filter",
            &format!("\"demo:text/filter\" = \"{cardinality}\""),
            &["upper", "reverse"],
        );
        let refused = format!(
            "the root socket needs {cardinality} provider of `demo:text/filter` but has 2 working (`upper`, `reverse`)"
        );
        let call = plugtree(&["call", "-m", &path, "demo:text/filter.apply(\"abc\")"]);
        assert_eq!(code(&call), 2, "{}", stderr(&call));
        assert_eq!(stdout(&call), "");
        assert!(stderr(&call).contains(&format!("error: {refused}")), "{}", stderr(&call));
        let check = plugtree(&["check", "--json", "-m", &path]);
        assert_eq!(code(&check), 2, "{}", stdout(&check));
        let report: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
        assert_eq!(report["status"], "failed");
        assert_eq!(report["errors"][0]["message"], refused.as_str());
    }
}

#[test]
fn call_reaches_constructors_and_static_functions_and_refuses_methods() {
    let dir = repo().join("target/cli-tests/resource-calls");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("plugtree.toml");
    let text = format!(
        "root = \"test:res/counters\"\nwit = {:?}\n[[plugins]]\nid = \"counters\"\npath = {:?}\n",
        crate::guests::app_wit().join("res.wit"),
        crate::guests::guest("res-counters"),
    );
    std::fs::write(&manifest, text).unwrap();
    let manifest = manifest.to_str().unwrap();
    let call = |text: &str| plugtree(&["call", "-m", manifest, text]);

    // A constructor answers a handle, which `call` prints and then drops.
    let made = call("test:res/counters.[constructor]counter(5)");
    assert_eq!(
        (code(&made), stdout(&made).as_str()),
        (0, "counters: <handle>\n"),
        "{}",
        stderr(&made)
    );
    let made = call("test:res/counters.make(3)");
    assert_eq!(
        (code(&made), stdout(&made).as_str()),
        (0, "counters: <handle>\n"),
        "{}",
        stderr(&made)
    );
    // A static function answers as any function does; each `call` is a new tree.
    let live = call("test:res/counters.[static]counter.live()");
    assert_eq!((code(&live), stdout(&live).as_str()), (0, "counters: 0\n"), "{}", stderr(&live));

    // A method needs a handle as `self`, which text cannot hold.
    let method = call("test:res/counters.[method]counter.get()");
    assert_eq!(code(&method), 2);
    assert!(stdout(&method).is_empty(), "{}", stdout(&method));
    let error = stderr(&method);
    assert!(
        error.contains(
            "`[method]counter.get` is a method of `counter`: it needs a `counter` handle, which a call written as text cannot hold"
        ),
        "{error}"
    );
}

/// Whether `text` holds what only a progress bar writes: a carriage return
/// or an escape sequence (line clears, cursor moves).
fn has_progress(text: &str) -> bool {
    text.contains('\r') || text.contains('\u{1b}')
}

/// A manifest of the demo's Rust plugins only: quick to compile cold.
fn rust_demo(name: &str) -> String {
    manifest(name, "demo:text/pipeline", DEMO_CARDINALITY, &["pipeline", "upper", "reverse"])
}

#[test]
fn progress_stays_off_output_that_is_not_a_terminal() {
    // A cold load (nothing from the cache), stderr a pipe as in every test here.
    let path = rust_demo("progress-piped");
    let output = plugtree(&["--no-cache", "check", "-m", &path]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(!has_progress(&out) && !has_progress(&err), "{out:?}\n{err:?}");
    assert_eq!(err, "", "nothing but errors goes to a stderr that is not a terminal");
    assert_eq!(out.lines().last(), Some("3 loaded, 0 failed, 0 unused"));
}

/// Runs the binary with `args` on a pseudo-terminal (util-linux `script`) and
/// returns what the terminal received: stdout and stderr together.
fn on_a_terminal(args: &[&str]) -> String {
    let command = std::iter::once(env!("CARGO_BIN_EXE_plugtree"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(repo())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs (it gives the command a terminal)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_cold_load_shows_progress_on_a_terminal_unless_quiet() {
    let path = rust_demo("progress-tty");
    let shown = on_a_terminal(&["--no-cache", "check", "-m", &path]);
    assert!(shown.contains("compiling plugins"), "{shown:?}");
    assert!(shown.contains("3 loaded, 0 failed, 0 unused"), "{shown:?}");
    let quiet = on_a_terminal(&["--no-cache", "--quiet", "check", "-m", &path]);
    assert!(
        !quiet.contains("compiling plugins") && !has_progress(&quiet.replace("\r\n", "\n")),
        "{quiet:?}"
    );
    assert!(quiet.contains("3 loaded, 0 failed, 0 unused"), "{quiet:?}");
}

/// A manifest of the profiling tests' WAT tree (`top` over `leaf`, see
/// `profile.rs`), in its own folder under `target/cli-tests`.
fn prof_manifest() -> String {
    let dir = repo().join("target/cli-tests/profile");
    std::fs::create_dir_all(&dir).unwrap();
    let (wit, wat) = (repo().join("test-components/wit/app"), repo().join("test-components/wat"));
    let text = format!(
        "root = \"test:prof/work\"\nwit = [{:?}]\n\
         [[plugins]]\nid = \"top\"\npath = {:?}\n\
         [[plugins]]\nid = \"leaf\"\npath = {:?}\n",
        wit.join("prof.wit"),
        wat.join("prof-top.wat"),
        wat.join("prof-leaf.wat"),
    );
    let path = dir.join("plugtree.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn call_profile_writes_a_firefox_profile_naming_the_plugins_functions() {
    let manifest = prof_manifest();
    let file = repo().join("target/cli-tests/profile/call.json");
    let _ = std::fs::remove_file(&file);
    let output = plugtree(&[
        "call",
        "-m",
        &manifest,
        "--profile",
        file.to_str().unwrap(),
        "test:prof/work.run(300000000)",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "top: 600000000\n");
    let said = stderr(&output);
    let samples: usize = said
        .strip_prefix("profile: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(samples > 0, "{said}");
    assert_eq!(
        said,
        format!(
            "profile: {samples} samples written to {} (open it at https://profiler.firefox.com)\n",
            file.display()
        )
    );
    let profile: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("JSON");
    assert!(profile["meta"]["preprocessedProfileVersion"].is_u64());
    // The CLI loads a fused group: one thread for `top` and `leaf`.
    let thread = &profile["threads"][0];
    assert_eq!(thread["name"], "top+leaf");
    let strings: Vec<&str> =
        thread["stringArray"].as_array().unwrap().iter().filter_map(|s| s.as_str()).collect();
    for function in ["top+leaf: count_up", "top+leaf: spin_rounds"] {
        assert!(strings.contains(&function), "{function}: {strings:?}");
    }
}

#[test]
fn call_profile_names_the_file_it_cannot_write_with_exit_2() {
    let manifest = prof_manifest();
    let file = repo().join("target/cli-tests/profile/no-such-dir/call.json");
    let output = plugtree(&[
        "call",
        "-m",
        &manifest,
        "--profile",
        file.to_str().unwrap(),
        "test:prof/work.run(5)",
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(stdout(&output), "top: 10\n");
    assert_eq!(
        stderr(&output),
        format!(
            "error: cannot write the profile to {}: No such file or directory (os error 2)\n",
            file.display()
        )
    );
}
