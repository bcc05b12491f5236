//! Exports `test:card/many`: greet = "hallo, {name}".
wit_bindgen::generate!({
    path: "../wit/app/card.wit",
    inline: "package guest:many-de; world guest { export test:card/many; }",
});

struct Guest;

impl exports::test::card::many::Guest for Guest {
    fn greet(name: String) -> String {
        format!("hallo, {name}")
    }
    fn notify(_msg: String) {}
}

export!(Guest);
