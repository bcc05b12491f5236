//! Exports `test:card/one`: greet = "hello, {name}".
wit_bindgen::generate!({
    path: "../wit/app/card.wit",
    inline: "package guest:one-en; world guest { export test:card/one; }",
});

struct Guest;

impl exports::test::card::one::Guest for Guest {
    fn greet(name: String) -> String {
        format!("hello, {name}")
    }
    fn notify(_msg: String) {}
}

export!(Guest);
