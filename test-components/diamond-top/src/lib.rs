//! Exports `test:diamond/top`, imports `test:diamond/left` and
//! `test:diamond/right` (exactly-one socket ABI):
//! run = [left.next(), right.next(), left.next()], 0 for a provider error.
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:diamond/diamond-top",
});

use test::diamond::{left, right};

struct Guest;

impl exports::test::diamond::top::Guest for Guest {
    fn run() -> Vec<u32> {
        vec![
            left::next().unwrap_or(0),
            right::next().unwrap_or(0),
            left::next().unwrap_or(0),
        ]
    }
}

export!(Guest);
