//! Exports `test:res/spare`: tokens minted by this provider; `dropped` counts
//! the token destructors run so far.
wit_bindgen::generate!({
    path: "../wit/app/res.wit",
    inline: "package guest:res-spare; world guest { export test:res/spare; }",
});

use exports::test::res::spare::{Guest, GuestToken, Token};
use std::sync::atomic::{AtomicU32, Ordering};

/// Tokens of this provider dropped so far.
static DROPPED: AtomicU32 = AtomicU32::new(0);

/// The representation of a `token`.
pub struct MyToken {
    value: u32,
}

impl Drop for MyToken {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

impl GuestToken for MyToken {
    fn value(&self) -> u32 {
        self.value
    }
}

struct Provider;

impl Guest for Provider {
    type Token = MyToken;

    fn mint(v: u32) -> Token {
        Token::new(MyToken { value: v })
    }
    fn dropped() -> u32 {
        DROPPED.load(Ordering::Relaxed)
    }
}

export!(Provider);
