//! Exports `test:hostile/front`; imports `test:hostile/attack` (any) in the
//! socket ABI and reports each provider's answer, or its error, as one line.
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:hostile/front-guest",
});

use plugtree::socket::types::ProviderError;
use test::hostile::attack;

/// One line per provider: "<id>: ok <summary>" or "<id>: <error case> <message>".
fn lines<T>(
    answers: Vec<(String, Result<T, ProviderError>)>,
    summary: impl Fn(T) -> String,
) -> Vec<String> {
    answers
        .into_iter()
        .map(|(id, answer)| match answer {
            Ok(v) => format!("{id}: ok {}", summary(v)),
            Err(ProviderError::Trapped(m)) => format!("{id}: trapped {m}"),
            Err(ProviderError::Unavailable(m)) => format!("{id}: unavailable {m}"),
            Err(ProviderError::LimitExceeded(m)) => format!("{id}: limit-exceeded {m}"),
            Err(ProviderError::ReentrantCall(m)) => format!("{id}: reentrant-call {m}"),
            Err(ProviderError::BadHandle(m)) => format!("{id}: bad-handle {m}"),
        })
        .collect()
}

struct Front;

impl exports::test::hostile::front::Guest for Front {
    fn poke(what: String) -> Vec<String> {
        match what.as_str() {
            "spin" => lines(attack::spin(), |n| n.to_string()),
            "bomb" => lines(attack::bomb(), |n| n.to_string()),
            "recurse" => lines(attack::recurse(1_000_000), |n| n.to_string()),
            "huge-string" => lines(attack::huge_string(100), |s| format!("{} bytes", s.len())),
            "huge-list" => lines(attack::huge_list(100), |l| format!("{} bytes", l.len())),
            "hoard" => lines(attack::hoard(), |n| n.to_string()),
            "ping" => lines(attack::ping(), |s| s),
            _ => vec![format!("unknown: {what}")],
        }
    }
}

export!(Front);
