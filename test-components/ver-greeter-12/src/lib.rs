//! Exports `test:ver/greeter@1.2.0`: `greet` as in 1.0 and `shout`, added in 1.2.
wit_bindgen::generate!({
    inline: "package test:ver@1.2.0;
        interface greeter { greet: func(name: string) -> string; shout: func(name: string) -> string; }
        world guest { export greeter; }",
});

struct Guest;

impl exports::test::ver::greeter::Guest for Guest {
    fn greet(name: String) -> String {
        format!("hello from 1.2, {name}")
    }
    fn shout(name: String) -> String {
        format!("HELLO, {}", name.to_uppercase())
    }
}

export!(Guest);
