//! Exports `test:partial/leaf` with a mistyped `value` (a string; built against
//! a private copy of the WIT in `wit/`).
wit_bindgen::generate!({ path: "wit", world: "leaf-wrong" });

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> String {
        "wrong".into()
    }
    fn label() -> String {
        "wrong".into()
    }
}

export!(Guest);
