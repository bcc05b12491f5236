//! Exports `test:partial/leaf`, imports `test:partial/loop` (exactly-one
//! socket ABI): value = loop.value + 10 (0 on a provider error), label "cyc-a".
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:partial/cyc-a",
});

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> u32 {
        test::partial::loop_::value().map_or(0, |v| v + 10)
    }
    fn label() -> String {
        "cyc-a".into()
    }
}

export!(Guest);
