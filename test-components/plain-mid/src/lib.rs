//! Exports `test:chain/mid`; imports `test:chain/bottom` as the app's WIT
//! says (a plain socket, no plugtree package on its WIT path): depth =
//! bottom.depth + 1, trace(s) = bottom.trace(s + ">plain-mid").
wit_bindgen::generate!({
    path: "../wit/app/chain.wit",
    generate_all,
    inline: "package guest:plain-mid; world guest { import test:chain/bottom; export test:chain/mid; }",
});

use test::chain::bottom;

struct Guest;

impl exports::test::chain::mid::Guest for Guest {
    fn depth() -> u32 {
        bottom::depth() + 1
    }
    fn trace(s: String) -> String {
        bottom::trace(&(s + ">plain-mid"))
    }
}

export!(Guest);
