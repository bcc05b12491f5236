//! `plugtree call`: call a root function with WAVE arguments, print WAVE results.
//!
//! The call text is parsed by the library ([`plugtree::PluginTree::parse_call`],
//! WAVE arguments checked against the root function's WIT) on the built tree,
//! before anything is compiled: a bad call costs no load. This module then
//! loads the tree, prints the answers and draws a caret under a bad call.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use plugtree::dispatch::Answer;
use plugtree::resolve::PluginStatus;
use plugtree::wave::to_wave;
use plugtree::{CallParseError, ParsedCall, PluginId, ResourceAny, Val};

use super::{Problem, Status, safe};

/// The JSON report of `plugtree call --json`: one document whatever happens.
#[derive(Debug, Default, serde::Serialize)]
struct Report {
    /// The interface and function called (absent if the text is not a call).
    #[serde(skip_serializing_if = "Option::is_none")]
    interface: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function: Option<String>,
    /// One entry per root plugin, in declaration order.
    results: Vec<PluginResult>,
    /// Build and load errors of the tree (plugins left out of the call).
    warnings: Vec<Problem>,
    /// Why the call could not be made at all (then `results` is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Problem>,
}

/// Ends a call that could not be made: with `--json`, one report holding
/// `error` and the `warnings` that may explain it (stderr already says why).
/// `called` is the interface and function, when the text names them.
fn refused(
    json: bool,
    called: Option<(&str, &str)>,
    error: Problem,
    warnings: Vec<Problem>,
) -> Status {
    if json {
        let (interface, function) = called.unzip();
        let report = Report {
            interface: interface.map(str::to_string),
            function: function.map(str::to_string),
            warnings,
            error: Some(error),
            ..Report::default()
        };
        super::print_json(&report);
    }
    Status::Failed
}

#[derive(Debug, serde::Serialize)]
struct PluginResult {
    plugin: String,
    /// The result in WAVE; absent for a function without a result or on error.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Prints a call's error and, under the call text, a caret line at the problem.
fn eprint_bad_call(error: &CallParseError, call: &str) {
    eprintln!("error: {}", safe(&error.to_string()));
    if let Some(span) = error.span() {
        let start = call.get(..span.start).map_or(0, |s| s.chars().count());
        let width = call.get(span).map_or(1, |s| s.chars().count().max(1));
        eprintln!("  {call}");
        eprintln!("  {}{}", " ".repeat(start), "^".repeat(width));
    }
}

/// How often `--profile` samples: wasmtime's own default, one epoch tick.
const PROFILE_INTERVAL: Duration = Duration::from_millis(10);

/// Runs `plugtree call`; with `profile`, samples the call and writes its
/// guest profile there.
pub fn run(manifest: &Path, call: &str, json: bool, profile: Option<&Path>) -> Status {
    // A text that is not a call at all is refused before the manifest is read.
    let called = match ParsedCall::split(call) {
        Ok(called) => Some(called),
        Err(bad) => {
            eprint_bad_call(&bad, call);
            return refused(json, None, Problem::new(None, &bad), Vec::new());
        }
    };
    // The call is checked on the built tree (WIT and components' types only):
    // a bad one is refused before any component is compiled.
    let built = match super::build(manifest) {
        Ok(built) => built,
        Err(problem) => {
            problem.eprint("error");
            return refused(json, called, problem, Vec::new());
        }
    };
    let parsed = match built.tree.parse_call(call) {
        Ok(parsed) => parsed,
        Err(bad) => {
            eprint_bad_call(&bad, call);
            return refused(json, called, Problem::new(None, &bad), built.problems);
        }
    };
    let loaded = match built.load_profiled(profile.map(|_| PROFILE_INTERVAL)) {
        Ok(loaded) => loaded,
        Err(problem) => {
            problem.eprint("error");
            return refused(json, called, problem, Vec::new());
        }
    };
    if !json {
        // With their causes, as `check` prints them.
        loaded.problems.iter().for_each(|problem| problem.eprint("warning"));
    }
    let status = call_parsed_and_print(&loaded.tree, parsed, json, loaded.problems);
    match profile {
        Some(file) => match write_profile(&loaded.tree, file) {
            Ok(()) => status,
            Err(problem) => {
                problem.eprint("error");
                Status::Failed
            }
        },
        None => status,
    }
}

/// Writes the tree's guest profile to `file`, saying on stderr how many
/// samples it holds.
fn write_profile(tree: &plugtree::LoadedTree, file: &Path) -> Result<(), Problem> {
    let shown = safe(&file.display().to_string());
    let cannot = |e: &(dyn std::error::Error + 'static)| {
        let mut problem = Problem::new(None, e);
        problem.message = format!("cannot write the profile to {shown}: {}", problem.message);
        problem
    };
    let out = std::fs::File::create(file).map_err(|e| cannot(&e))?;
    let mut out = std::io::BufWriter::new(out);
    let samples = tree.finish_profile(&mut out).map_err(|e| cannot(&e))?;
    out.flush().map_err(|e| cannot(&e))?;
    eprintln!(
        "profile: {samples} samples written to {shown} (open it at https://profiler.firefox.com)"
    );
    if samples == 0 {
        eprintln!(
            "note: no plugin ran for a whole sampling interval ({} ms)",
            PROFILE_INTERVAL.as_millis()
        );
    }
    Ok(())
}

/// Parses `call` on a loaded tree, calls it and prints the answers (text or
/// JSON, with `warnings` in the JSON report), or the call's error with a caret.
pub fn call_and_print(
    tree: &plugtree::LoadedTree,
    call: &str,
    json: bool,
    warnings: Vec<Problem>,
) -> Status {
    match tree.parse_call(call) {
        Ok(parsed) => call_parsed_and_print(tree, parsed, json, warnings),
        Err(bad) => {
            eprint_bad_call(&bad, call);
            refused(json, ParsedCall::split(call).ok(), Problem::new(None, &bad), warnings)
        }
    }
}

/// Makes a parsed call on a loaded tree and prints the answers (text or JSON,
/// with `warnings` in the JSON report).
fn call_parsed_and_print(
    tree: &plugtree::LoadedTree,
    parsed: ParsedCall,
    json: bool,
    warnings: Vec<Problem>,
) -> Status {
    let ParsedCall { interface, function, args } = parsed;
    let answers = match tree.dispatch(&interface, &function, &args) {
        Ok(answers) => answers,
        Err(e) => {
            eprintln!("error: {}", safe(&e.to_string()));
            let called = Some((interface.as_str(), function.as_str()));
            return refused(json, called, Problem::new(None, &e), warnings);
        }
    };
    let mut answers = answers.into_vec();
    // A handle is printed `<handle>` and dropped once printed: its
    // provider's destructor runs, as a handle cannot outlive the command.
    let mut handles = Vec::new();
    for (_, answer) in &answers {
        if let Ok(Some(value)) = answer {
            collect_handles(value, &mut handles);
        }
    }
    // Every root provider has a line, in declaration order: one that did not
    // build or load says why, beside the answers of the others.
    let described = tree.tree();
    let mut results = Vec::new();
    for p in described.providers(&interface) {
        match answers.iter().position(|(id, _)| id == p.id) {
            Some(i) => results.push(to_result(answers.remove(i))),
            None if p.status == PluginStatus::Failed => results.push(not_loaded(p.id, &warnings)),
            None => {}
        }
    }
    results.extend(answers.into_iter().map(to_result));
    let status =
        if results.iter().any(|r| r.error.is_some()) { Status::Partial } else { Status::Ok };
    if json {
        let (interface, function) = (Some(interface), Some(function));
        super::print_json(&Report { interface, function, results, warnings, error: None });
    } else {
        for r in results {
            let plugin = safe(&r.plugin);
            match (r.value, r.error) {
                (_, Some(error)) => println!("{plugin}: error: {}", safe(&error)),
                (Some(value), None) => println!("{plugin}: {}", safe(&value)),
                (None, None) => println!("{plugin}: ok"),
            }
        }
    }
    for handle in handles {
        if let Err(e) = tree.drop_resource(handle) {
            eprintln!("warning: dropping a handle the call returned: {}", safe(&e.to_string()));
        }
    }
    status
}

/// Every resource handle in `value`, in order.
fn collect_handles(value: &Val, out: &mut Vec<ResourceAny>) {
    let mut one = |v: &Val| collect_handles(v, out);
    match value {
        Val::Resource(handle) => out.push(*handle),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            items.iter().for_each(one)
        }
        Val::Record(fields) => fields.iter().for_each(|(_, v)| one(v)),
        Val::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            one(k);
            one(v);
        }),
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => one(v),
        _ => {}
    }
}

/// The result line of a root provider that did not build or load: its first problem.
fn not_loaded(plugin: &PluginId, warnings: &[Problem]) -> PluginResult {
    let why = warnings
        .iter()
        .find(|w| w.plugin.as_deref() == Some(plugin.as_str()))
        .map_or_else(|| "it failed to load".to_string(), |w| w.clone().one_line());
    PluginResult {
        plugin: plugin.to_string(),
        value: None,
        error: Some(format!("not loaded: {why}")),
    }
}

fn to_result((plugin, answer): (PluginId, Answer)) -> PluginResult {
    let plugin = plugin.to_string();
    match answer {
        Ok(value) => PluginResult { plugin, value: value.as_ref().map(to_wave), error: None },
        Err(e) => PluginResult { plugin, value: None, error: Some(e.to_string()) },
    }
}
