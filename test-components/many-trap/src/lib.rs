//! Exports `test:card/many`, but every call traps (a Rust panic aborts with
//! `unreachable` on wasm32-unknown-unknown).
wit_bindgen::generate!({
    path: "../wit/app/card.wit",
    inline: "package guest:many-trap; world guest { export test:card/many; }",
});

struct Guest;

impl exports::test::card::many::Guest for Guest {
    fn greet(name: String) -> String {
        panic!("many-trap refuses to greet {name}")
    }
    fn notify(msg: String) {
        panic!("many-trap refuses to notify {msg}")
    }
}

export!(Guest);
