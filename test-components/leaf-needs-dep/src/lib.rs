//! Exports `test:partial/leaf`, imports `test:partial/dep` (exactly-one socket
//! ABI): value = dep.value + 100 (0 on a provider error), label "needs-dep".
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:partial/leaf-needs-dep",
});

struct Guest;

impl exports::test::partial::leaf::Guest for Guest {
    fn value() -> u32 {
        test::partial::dep::value().map_or(0, |v| v + 100)
    }
    fn label() -> String {
        "needs-dep".into()
    }
}

export!(Guest);
