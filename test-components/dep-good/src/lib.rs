//! Exports `test:partial/dep`: value 7.
wit_bindgen::generate!({
    path: "../wit/app/partial.wit",
    inline: "package guest:dep-good; world guest { export test:partial/dep; }",
});

struct Guest;

impl exports::test::partial::dep::Guest for Guest {
    fn value() -> u32 {
        7
    }
}

export!(Guest);
