//! Exports `test:chain/top`; imports `test:chain/mid` plainly: depth =
//! mid.depth + 1, trace(s) = mid.trace(s + ">plain-top").
wit_bindgen::generate!({
    path: "../wit/app/chain.wit",
    generate_all,
    inline: "package guest:plain-top; world guest { import test:chain/mid; export test:chain/top; }",
});

use test::chain::mid;

struct Guest;

impl exports::test::chain::top::Guest for Guest {
    fn depth() -> u32 {
        mid::depth() + 1
    }
    fn trace(s: String) -> String {
        mid::trace(&(s + ">plain-top"))
    }
}

export!(Guest);
