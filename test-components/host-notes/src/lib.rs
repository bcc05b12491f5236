//! Exports `test:host/notes`, kept in the host's `plugtree:host/kv` socket
//! (exactly-one) and logged to `plugtree:host/log` (any). Provider errors
//! come back rendered as "<kind>: <message>".
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit/socket", "wit"],
    generate_all,
    world: "test:host/notes-guest",
});

use plugtree::host::log::Level;
use plugtree::host::{kv, log};
use plugtree::socket::types::ProviderError;

fn render(e: ProviderError) -> String {
    match e {
        ProviderError::Trapped(m) => format!("trapped: {m}"),
        ProviderError::Unavailable(m) => format!("unavailable: {m}"),
        ProviderError::LimitExceeded(m) => format!("limit-exceeded: {m}"),
        ProviderError::ReentrantCall(m) => format!("reentrant-call: {m}"),
        ProviderError::BadHandle(m) => format!("bad-handle: {m}"),
    }
}

/// Logs a line; a log plug that fails is reported back, not ignored.
fn note(level: Level, message: &str) -> Result<(), String> {
    for (plug, answer) in log::log(level, message) {
        answer.map_err(|e| format!("log `{plug}`: {}", render(e)))?;
    }
    Ok(())
}

struct Guest;

impl exports::test::host::notes::Guest for Guest {
    fn remember(key: String, text: String) -> Result<(), String> {
        kv::set(&key, text.as_bytes()).map_err(render)?;
        note(Level::Info, &format!("remembered {key} ({} bytes)", text.len()))
    }

    fn recall(key: String) -> Result<Option<String>, String> {
        let value = kv::get(&key).map_err(render)?;
        note(Level::Debug, &format!("recalled {key}"))?;
        value.map(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string())).transpose()
    }

    fn forget(key: String) -> Result<bool, String> {
        let was = kv::delete(&key).map_err(render)?;
        note(Level::Warn, &format!("forgot {key}"))?;
        Ok(was)
    }

    fn keys() -> Result<Vec<String>, String> {
        kv::list_keys().map_err(render)
    }
}

export!(Guest);
