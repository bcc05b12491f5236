//! Exports `test:diamond/left`, imports `test:diamond/shared` (exactly-one
//! socket ABI): next = shared.next(), 0 on a provider error.
wit_bindgen::generate!({
    path: ["../../crates/plugtree/wit", "wit"],
    // Also generate plugtree:socket/types, which the world only uses.
    generate_all,
    world: "test:diamond/diamond-left",
});

struct Guest;

impl exports::test::diamond::left::Guest for Guest {
    fn next() -> u32 {
        test::diamond::shared::next().unwrap_or(0)
    }
}

export!(Guest);
