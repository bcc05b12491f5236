//! Exports `test:diamond/shared`: a counter, first `next()` returns 1.
wit_bindgen::generate!({
    path: "../wit/app/diamond.wit",
    inline: "package guest:diamond-shared; world guest { export test:diamond/shared; }",
});

use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

struct Guest;

impl exports::test::diamond::shared::Guest for Guest {
    fn next() -> u32 {
        COUNTER.fetch_add(1, Ordering::Relaxed) + 1
    }
}

export!(Guest);
