//! The demo's root plugin: runs every filter on the text (an `any` socket,
//! one answer per filter) and asks the optional spellchecker (an
//! `at-most-one` socket). A filter's failure arrives as a value.
wit_bindgen::generate!({
    // The plugtree:socket package first: later paths may use earlier ones.
    path: ["../../../crates/plugtree/wit", "wit"],
    generate_all,
    world: "demo:text/pipeline-plugin",
});

use demo::text::{filter, spellcheck};
use exports::demo::text::pipeline::Report;
use plugtree::socket::types::ProviderError;

/// The kind of failure and the first line of its message.
fn describe(error: ProviderError) -> String {
    let (kind, message) = match error {
        ProviderError::Trapped(m) => ("trapped", m),
        ProviderError::Unavailable(m) => ("unavailable", m),
        ProviderError::LimitExceeded(m) => ("limit-exceeded", m),
        ProviderError::ReentrantCall(m) => ("reentrant-call", m),
        ProviderError::BadHandle(m) => ("bad-handle", m),
    };
    format!("{kind}: {}", message.lines().next().unwrap_or_default())
}

struct Pipeline;

impl exports::demo::text::pipeline::Guest for Pipeline {
    fn run(text: String) -> Report {
        let mut outputs = Vec::new();
        let mut failed = Vec::new();
        for (plugin, answer) in filter::apply(&text) {
            match answer {
                Ok(output) => outputs.push((plugin, output)),
                Err(error) => failed.push((plugin, describe(error))),
            }
        }
        let misspelled = match spellcheck::check(&text) {
            Some(Ok(words)) => Some(words),
            Some(Err(error)) => {
                failed.push(("spellcheck".into(), describe(error)));
                None
            }
            None => None,
        };
        Report { outputs, failed, misspelled }
    }
}

export!(Pipeline);
