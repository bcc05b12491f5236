//! A broken filter: every call traps (a Rust panic aborts with `unreachable`
//! on wasm32-unknown-unknown). plugtree disables it and its consumer gets the
//! failure as a value.
wit_bindgen::generate!({
    path: "../../wit/text.wit",
    inline: "package guest:shout; world guest { export demo:text/filter; }",
});

struct Shout;

impl exports::demo::text::filter::Guest for Shout {
    fn apply(text: String) -> String {
        panic!("shout is too loud for {text:?}")
    }
}

export!(Shout);
