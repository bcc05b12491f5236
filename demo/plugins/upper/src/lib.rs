//! A filter: the text in upper case.
wit_bindgen::generate!({
    path: "../../wit/text.wit",
    inline: "package guest:upper; world guest { export demo:text/filter; }",
});

struct Upper;

impl exports::demo::text::filter::Guest for Upper {
    fn apply(text: String) -> String {
        text.to_uppercase()
    }
}

export!(Upper);
