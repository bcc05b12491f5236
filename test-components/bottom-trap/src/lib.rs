//! Exports `test:chain/bottom`: depth 1; trace appends ">bottom-trap", but
//! traps on a text containing "boom" (a Rust panic aborts with `unreachable`).
wit_bindgen::generate!({
    path: "../wit/app/chain.wit",
    inline: "package guest:bottom-trap; world guest { export test:chain/bottom; }",
});

struct Guest;

impl exports::test::chain::bottom::Guest for Guest {
    fn depth() -> u32 {
        1
    }
    fn trace(s: String) -> String {
        assert!(!s.contains("boom"), "bottom-trap refuses {s}");
        s + ">bottom-trap"
    }
}

export!(Guest);
