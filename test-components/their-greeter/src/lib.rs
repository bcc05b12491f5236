//! A component written for another host: exports `their:pkg/salutations@0.3.0`
//! with `say-hello`, which a remap plugs in as `test:ver/greeter@1.0.0.greet`.
wit_bindgen::generate!({
    inline: "package their:pkg@0.3.0;
        interface salutations { say-hello: func(who: string) -> string; }
        world guest { export salutations; }",
});

struct Guest;

impl exports::their::pkg::salutations::Guest for Guest {
    fn say_hello(who: String) -> String {
        format!("hi from theirs, {who}")
    }
}

export!(Guest);
