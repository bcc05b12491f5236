//! Exports `test:card/collector`; imports `test:card/one` (exactly-one),
//! `test:card/maybe` (at-most-one) and `test:card/many` (any) in the socket
//! ABI, and forwards their answers with each provider error rendered as
//! "<kind>: <message>".
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:card/collector-guest",
});

use plugtree::socket::types::ProviderError;
use test::card::{many, maybe, one};

fn render(e: ProviderError) -> String {
    match e {
        ProviderError::Trapped(m) => format!("trapped: {m}"),
        ProviderError::Unavailable(m) => format!("unavailable: {m}"),
        ProviderError::LimitExceeded(m) => format!("limit-exceeded: {m}"),
        ProviderError::ReentrantCall(m) => format!("reentrant-call: {m}"),
        ProviderError::BadHandle(m) => format!("bad-handle: {m}"),
    }
}

struct Guest;

impl exports::test::card::collector::Guest for Guest {
    fn call_one(name: String) -> Result<String, String> {
        one::greet(&name).map_err(render)
    }
    fn call_maybe(name: String) -> Option<Result<String, String>> {
        maybe::greet(&name).map(|r| r.map_err(render))
    }
    fn call_many(name: String) -> Vec<(String, Result<String, String>)> {
        many::greet(&name)
            .into_iter()
            .map(|(id, r)| (id, r.map_err(render)))
            .collect()
    }
    fn notify_many(msg: String) -> Vec<(String, Result<(), String>)> {
        many::notify(&msg)
            .into_iter()
            .map(|(id, r)| (id, r.map_err(render)))
            .collect()
    }
}

export!(Guest);
