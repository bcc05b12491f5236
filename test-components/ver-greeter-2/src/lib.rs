//! Exports `test:ver/greeter@2.0.0`, a new major: `greet` takes a title too.
wit_bindgen::generate!({
    inline: "package test:ver@2.0.0;
        interface greeter { greet: func(title: string, name: string) -> string; }
        world guest { export greeter; }",
});

struct Guest;

impl exports::test::ver::greeter::Guest for Guest {
    fn greet(title: String, name: String) -> String {
        format!("good day, {title} {name}")
    }
}

export!(Guest);
