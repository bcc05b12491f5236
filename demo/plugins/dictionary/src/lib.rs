//! The word list: used by both the spellchecker and the emoji filter.
wit_bindgen::generate!({
    path: "../../wit/text.wit",
    inline: "package guest:dictionary; world guest { export demo:text/dictionary; }",
});

/// Known words, with their emoji if they have one.
const WORDS: &[(&str, Option<&str>)] = &[
    ("hello", Some("👋")),
    ("world", Some("🌍")),
    ("plugin", Some("🔌")),
    ("tree", Some("🌳")),
    ("rust", Some("🦀")),
    ("cat", Some("🐱")),
    ("a", None),
    ("the", None),
    ("small", None),
    ("of", None),
    ("is", None),
];

fn entry(word: &str) -> Option<Option<&'static str>> {
    let word = word.to_lowercase();
    WORDS.iter().find(|(w, _)| *w == word).map(|(_, emoji)| *emoji)
}

struct Dictionary;

impl exports::demo::text::dictionary::Guest for Dictionary {
    fn known(word: String) -> bool {
        entry(&word).is_some()
    }
    fn emoji(word: String) -> Option<String> {
        entry(&word).flatten().map(String::from)
    }
}

export!(Dictionary);
