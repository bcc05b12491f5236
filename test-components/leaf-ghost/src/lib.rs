//! Exports `test:partial/leaf` (value 3, label "ghost") and imports
//! `test:ghost/spooky`, which is not in the app WIT.
wit_bindgen::generate!({
    path: ["../wit/app/partial.wit", "wit"],
    world: "test:ghost/leaf-ghost",
});

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> u32 {
        // Really call the import, so it stays in the component.
        let _ = test::ghost::spooky::boo();
        3
    }
    fn label() -> String {
        "ghost".into()
    }
}

export!(Guest);
