//! Exports `test:chain/top`, imports `test:chain/mid` (exactly-one socket
//! ABI): depth = mid.depth + 1, trace(s) = mid.trace(s + ">top").
//! A provider error gives depth 0 and trace "error: <kind>: <message>".
wit_bindgen::generate!({
    // The plugtree:socket package first: later paths may use earlier ones.
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:chain/chain-top",
});

use plugtree::socket::types::ProviderError;
use test::chain::mid;

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

impl exports::test::chain::top::Guest for Guest {
    fn depth() -> u32 {
        mid::depth().map_or(0, |d| d + 1)
    }
    fn trace(s: String) -> String {
        mid::trace(&(s + ">top")).unwrap_or_else(|e| format!("error: {}", render(e)))
    }
}

export!(Guest);
