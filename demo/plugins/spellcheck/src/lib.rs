//! The spellchecker: the words of a text that the dictionary (an exactly-one
//! socket it shares with the emoji filter) does not know.
wit_bindgen::generate!({
    path: ["../../../crates/plugtree/wit", "wit"],
    generate_all,
    world: "demo:text/spellcheck-plugin",
});

use demo::text::dictionary;

struct Spellcheck;

impl exports::demo::text::spellcheck::Guest for Spellcheck {
    fn check(text: String) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            // A word the dictionary cannot answer for is not reported as misspelled.
            .filter(|word| matches!(dictionary::known(word), Ok(false)))
            .map(String::from)
            .collect()
    }
}

export!(Spellcheck);
