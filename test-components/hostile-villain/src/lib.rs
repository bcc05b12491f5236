//! Exports `test:hostile/attack` and abuses every function: spins forever,
//! allocates without end, overflows the stack, returns huge strings and lists,
//! and leaks handles of its own resource `hostile:hoard/tokens.token` without
//! end (each `Token::new` calls the `[resource-new]token` intrinsic, which
//! allocates a slot in the host's handle table).
wit_bindgen::generate!({
    path: ["../wit/app/hostile.wit", "wit"],
    world: "hostile:hoard/villain",
});

use exports::hostile::hoard::tokens::{self, Token};
use std::hint::black_box;

const MIB: usize = 1 << 20;

/// Recurses `depth` levels, each with a 1 KiB frame the optimizer must keep.
fn dive(depth: u64) -> u64 {
    let mut frame = [1u8; 1024];
    black_box(&mut frame);
    if depth == 0 {
        return 0;
    }
    dive(black_box(depth - 1)) + u64::from(frame[0])
}

struct Villain;

impl exports::test::hostile::attack::Guest for Villain {
    fn spin() -> u32 {
        loop {
            black_box(());
        }
    }
    fn bomb() -> u32 {
        let mut kept: Vec<Vec<u8>> = Vec::new();
        loop {
            kept.push(vec![0xAB; MIB]);
            black_box(&mut kept);
        }
    }
    fn recurse(depth: u64) -> u64 {
        dive(depth)
    }
    fn huge_string(mib: u32) -> String {
        "x".repeat((mib as usize).saturating_mul(MIB))
    }
    fn huge_list(mib: u32) -> Vec<u8> {
        vec![0xAB; (mib as usize).saturating_mul(MIB)]
    }
    fn hoard() -> u32 {
        loop {
            std::mem::forget(Token::new(Hoarded));
        }
    }
    fn ping() -> String {
        format!("{} is fine", env!("CARGO_PKG_NAME"))
    }
}

impl tokens::Guest for Villain {
    type Token = Hoarded;
}

/// The representation behind each `token` handle: nothing.
struct Hoarded;

impl tokens::GuestToken for Hoarded {
    fn new(_n: u32) -> Self {
        Hoarded
    }
}

export!(Villain);
