//! Exports `test:card/maybe`: greet = "hello, {name}".
wit_bindgen::generate!({
    path: "../wit/app/card.wit",
    inline: "package guest:maybe-en; world guest { export test:card/maybe; }",
});

struct Guest;

impl exports::test::card::maybe::Guest for Guest {
    fn greet(name: String) -> String {
        format!("hello, {name}")
    }
    fn notify(_msg: String) {}
}

export!(Guest);
