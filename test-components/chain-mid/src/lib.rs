//! Exports `test:chain/mid`, imports `test:chain/bottom` (exactly-one socket
//! ABI): depth = bottom.depth + 1, trace(s) = bottom.trace(s + ">mid").
//! A provider error gives depth 0 and trace "error: <kind>: <message>".
wit_bindgen::generate!({
    // The plugtree:socket package first: later paths may use earlier ones.
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:chain/chain-mid",
});

use plugtree::socket::types::ProviderError;
use test::chain::bottom;

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

impl exports::test::chain::mid::Guest for Guest {
    fn depth() -> u32 {
        bottom::depth().map_or(0, |d| d + 1)
    }
    fn trace(s: String) -> String {
        bottom::trace(&(s + ">mid")).unwrap_or_else(|e| format!("error: {}", render(e)))
    }
}

export!(Guest);
