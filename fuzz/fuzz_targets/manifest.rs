#![no_main]

// The body (and its oracles) is plugtree_fuzz_targets::manifest::run, which
// `cargo test --test all fuzz` also replays on fuzz/corpus/manifest/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| plugtree_fuzz_targets::manifest::run(data));
