//! Exports `test:partial/leaf` without `label` (built against a private copy
//! of the WIT in `wit/`): value 2.
wit_bindgen::generate!({ path: "wit", world: "leaf-missing" });

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> u32 {
        2
    }
}

export!(Guest);
