//! Exports `test:bench/level0`, imports `test:bench/level1` plainly (the
//! app's own WIT) and forwards every call one level down
//! (`../../shared/bench_forward_plain.rs`).
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-plain-level0; world guest { import test:bench/level1; export test:bench/level0; }",
    generate_all,
});

use exports::test::bench::level0 as me;
use test::bench::level1 as next;

include!("../../shared/bench_forward_plain.rs");
