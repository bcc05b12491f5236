//! plugtree's fuzz targets: each takes the bytes of one input, runs plugtree
//! on it and checks what it can beyond "did not panic". A failed check is a
//! panic.
//!
//! The bodies are defined here once. The cargo-fuzz crate `fuzz/` runs them
//! under libFuzzer (`cargo fuzz run <target> --sanitizer none`), and
//! `tests/all/fuzz.rs` replays the corpora in `fuzz/corpus/<target>/` and a
//! fixed number of [`generated`] inputs in `cargo test`.
//!
//! Inputs are raw bytes; where a target wants structure it reads it with
//! [`arbitrary`] (a structured manifest, a `wit-smith` package, a
//! `wasm-smith` module), chosen by the input's first byte, so libFuzzer's
//! byte-level mutations and the generators both reach every form.

use std::path::Path;
use std::sync::OnceLock;

pub mod components;
pub mod manifest;
pub mod wave_calls;
pub mod wit;

/// A target's body: runs one input, panics when an oracle fails.
pub type Body = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: [(&str, Body); 4] = [
    ("manifest", manifest::run),
    ("wit", wit::run),
    ("components", components::run),
    ("wave_calls", wave_calls::run),
];

/// The repository, whose files the manifests name (`demo/wit`, `Cargo.toml`…).
pub fn repo() -> &'static Path {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().find(|d| d.join("test-components").is_dir()).unwrap_or(here)
}

/// One engine with plugtree's configuration, for every input.
pub(crate) fn engine() -> &'static plugtree::Engine {
    static ENGINE: OnceLock<plugtree::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| plugtree::default_engine().expect("an engine"))
}

/// `count` inputs for `target`, a function of `seed` alone: random bytes of
/// random lengths up to `max_len` (splitmix64), each starting with a byte
/// that walks through the target's input forms in turn. Through `arbitrary`,
/// they reach the structured forms as well as the raw ones.
pub fn generated(target: &str, seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut state =
        target.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..count)
        .map(|i| {
            let len = 1 + (next() as usize) % max_len.max(1);
            let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            input[0] = i as u8;
            input
        })
        .collect()
}

/// Asserts that `span` is a range of `text` on `char` boundaries.
pub(crate) fn assert_char_range(
    text: &str,
    span: std::ops::Range<usize>,
    what: &dyn std::fmt::Display,
) {
    assert!(
        text.get(span.clone()).is_some(),
        "span {span:?} of `{what}` is not a char range of the input {text:?}"
    );
}
