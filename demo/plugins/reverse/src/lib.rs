//! A filter: the text backwards.
wit_bindgen::generate!({
    path: "../../wit/text.wit",
    inline: "package guest:reverse; world guest { export demo:text/filter; }",
});

struct Reverse;

impl exports::demo::text::filter::Guest for Reverse {
    fn apply(text: String) -> String {
        text.chars().rev().collect()
    }
}

export!(Reverse);
