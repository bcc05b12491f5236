#![no_main]

// The body (and its oracles) is plugtree_fuzz_targets::wave_calls::run, which
// `cargo test --test all fuzz` also replays on fuzz/corpus/wave_calls/.
libfuzzer_sys::fuzz_target!(|data: &[u8]| plugtree_fuzz_targets::wave_calls::run(data));
