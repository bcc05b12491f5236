//! Exports `test:partial/leaf`: value 1, label "good".
wit_bindgen::generate!({
    path: "../wit/app/partial.wit",
    inline: "package guest:leaf-good; world guest { export test:partial/leaf; }",
});

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> u32 {
        1
    }
    fn label() -> String {
        "good".into()
    }
}

export!(Guest);
