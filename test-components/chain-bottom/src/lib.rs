//! Exports `test:chain/bottom`: depth 1, trace appends ">bottom".
wit_bindgen::generate!({
    path: "../wit/app/chain.wit",
    inline: "package guest:chain-bottom; world guest { export test:chain/bottom; }",
});

struct Guest;

impl exports::test::chain::bottom::Guest for Guest {
    fn depth() -> u32 {
        1
    }
    fn trace(s: String) -> String {
        s + ">bottom"
    }
}

export!(Guest);
