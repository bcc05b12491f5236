//! Exports `test:ver/front@1.0.0`; imports `test:ver/greeter@1.1.0` in its
//! own (plain) form, from a WIT that knows nothing of plugtree: an app at
//! `@1.0.0` takes it, semver-compatible.
wit_bindgen::generate!({
    inline: "package test:ver@1.1.0;
        interface greeter { greet: func(name: string) -> string; }
        interface front { run: func(name: string) -> string; }
        world guest { import greeter; export front; }",
});

struct Guest;

impl exports::test::ver::front::Guest for Guest {
    fn run(name: String) -> String {
        format!("front: {}", test::ver::greeter::greet(&name))
    }
}

export!(Guest);
