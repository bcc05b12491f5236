//! Exports `test:bench/level1`, imports `test:bench/level2` plainly (the
//! app's own WIT) and forwards every call one level down
//! (`../../shared/bench_forward_plain.rs`).
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-plain-level1; world guest { import test:bench/level2; export test:bench/level1; }",
    generate_all,
});

use exports::test::bench::level1 as me;
use test::bench::level2 as next;

include!("../../shared/bench_forward_plain.rs");
