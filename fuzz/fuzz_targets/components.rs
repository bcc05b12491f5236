#![no_main]

// The body (and its oracles) is plugtree_fuzz_targets::components::run, which
// `cargo test --test all fuzz` also replays on fuzz/corpus/components/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| plugtree_fuzz_targets::components::run(data));
