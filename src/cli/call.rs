//! `plugtree call`: call a root function with WAVE arguments, print WAVE results.
//!
//! The call text is parsed by the library ([`plugtree::PluginTree::parse_call`],
//! WAVE arguments checked against the root function's WIT) on the built tree,
//! before anything is compiled: a bad call costs no load. This module then
//! loads the tree, prints the answers and draws a caret under a bad call.

use std::path::Path;

use plugtree::dispatch::Answer;
use plugtree::wave::to_wave;
use plugtree::{CallParseError, ParsedCall};

use super::{Problem, Status};

/// The JSON report of `plugtree call --json`.
#[derive(Debug, serde::Serialize)]
struct Report {
    /// The interface and function called.
    interface: String,
    function: String,
    /// One entry per root plugin that was called, in declaration order.
    results: Vec<PluginResult>,
    /// Build and load errors of the tree (plugins left out of the call).
    warnings: Vec<Problem>,
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
    eprintln!("error: {error}");
    if let Some(span) = error.span() {
        let start = call.get(..span.start).map_or(0, |s| s.chars().count());
        let width = call.get(span).map_or(1, |s| s.chars().count().max(1));
        eprintln!("  {call}");
        eprintln!("  {}{}", " ".repeat(start), "^".repeat(width));
    }
}

/// Runs `plugtree call`.
pub fn run(manifest: &Path, call: &str, json: bool) -> Status {
    // A text that is not a call at all is refused before the manifest is read.
    if let Err(bad) = ParsedCall::split(call) {
        eprint_bad_call(&bad, call);
        return Status::Failed;
    }
    // The call is checked on the built tree (WIT and components' types only):
    // a bad one is refused before any component is compiled.
    let built = match super::build(manifest) {
        Ok(built) => built,
        Err(problem) => {
            problem.eprint("error");
            return Status::Failed;
        }
    };
    let parsed = match built.tree.parse_call(call) {
        Ok(parsed) => parsed,
        Err(bad) => {
            eprint_bad_call(&bad, call);
            return Status::Failed;
        }
    };
    let loaded = match built.load() {
        Ok(loaded) => loaded,
        Err(problem) => {
            problem.eprint("error");
            return Status::Failed;
        }
    };
    if !json {
        for problem in &loaded.problems {
            eprintln!("warning: {}", super::indent(&problem.message, ""));
        }
    }
    call_parsed_and_print(&loaded.tree, parsed, json, loaded.problems)
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
            Status::Failed
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
            eprintln!("error: {e}");
            return Status::Failed;
        }
    };
    let results: Vec<PluginResult> =
        answers.into_vec().into_iter().map(|(id, a)| to_result((id.to_string(), a))).collect();
    let status =
        if results.iter().any(|r| r.error.is_some()) { Status::Partial } else { Status::Ok };
    if json {
        super::print_json(&Report { interface, function, results, warnings });
    } else {
        for r in results {
            match (r.value, r.error) {
                (_, Some(error)) => println!("{}: error: {error}", r.plugin),
                (Some(value), None) => println!("{}: {value}", r.plugin),
                (None, None) => println!("{}: ok", r.plugin),
            }
        }
    }
    status
}

fn to_result((plugin, answer): (String, Answer)) -> PluginResult {
    match answer {
        Ok(value) => PluginResult { plugin, value: value.as_ref().map(to_wave), error: None },
        Err(e) => PluginResult { plugin, value: None, error: Some(e.to_string()) },
    }
}
