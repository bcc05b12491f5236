//! A filter: replaces words that have an emoji in the dictionary (an
//! exactly-one socket it shares with the spellchecker).
wit_bindgen::generate!({
    path: ["../../../crates/plugtree/wit", "wit"],
    generate_all,
    world: "demo:text/emoji-plugin",
});

use demo::text::dictionary;

struct Emoji;

impl exports::demo::text::filter::Guest for Emoji {
    fn apply(text: String) -> String {
        text.split(' ')
            .map(|word| match dictionary::emoji(word) {
                Ok(Some(emoji)) => emoji,
                // Without a dictionary answer the word stays as it is.
                Ok(None) | Err(_) => word.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

export!(Emoji);
