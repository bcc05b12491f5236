//! Exports `test:card/many`: greet = "bonjour, {name}".
wit_bindgen::generate!({
    path: "../wit/app/card.wit",
    inline: "package guest:many-fr; world guest { export test:card/many; }",
});

struct Guest;

impl exports::test::card::many::Guest for Guest {
    fn greet(name: String) -> String {
        format!("bonjour, {name}")
    }
    fn notify(_msg: String) {}
}

export!(Guest);
