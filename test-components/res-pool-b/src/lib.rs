//! Exports `test:res/pool` (as does its twin `res-pool-a`): tokens minted by
//! this provider; `owner` is the crate name and `dropped` counts the token
//! destructors run so far.
wit_bindgen::generate!({
    path: "../wit/app/res.wit",
    inline: "package guest:res-pool-b; world guest { export test:res/pool; }",
});

use exports::test::res::pool::{Guest, GuestToken, Token, TokenBorrow};
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
    fn owner(&self) -> String {
        env!("CARGO_PKG_NAME").to_string()
    }
}

struct Provider;

impl Guest for Provider {
    type Token = MyToken;

    fn mint(v: u32) -> Token {
        Token::new(MyToken { value: v })
    }
    fn peek(t: TokenBorrow<'_>) -> u32 {
        t.get::<MyToken>().value
    }
    fn dropped() -> u32 {
        DROPPED.load(Ordering::Relaxed)
    }
}

export!(Provider);
