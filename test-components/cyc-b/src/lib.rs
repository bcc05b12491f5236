//! Exports `test:partial/loop`, imports `test:partial/leaf` (any socket ABI):
//! value = sum of the providers' ok values.
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:partial/cyc-b",
});

struct Guest;

impl exports::test::partial::loop_::Guest for Guest {
    fn value() -> u32 {
        test::partial::leaf::value()
            .into_iter()
            .filter_map(|(_, r)| r.ok())
            .sum()
    }
}

export!(Guest);
