//! Exports `test:bench/level4`, imports `test:bench/level5` plainly (the
//! app's own WIT) and forwards every call one level down
//! (`../../shared/bench_forward_plain.rs`).
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-plain-level4; world guest { import test:bench/level5; export test:bench/level4; }",
    generate_all,
});

use exports::test::bench::level4 as me;
use test::bench::level5 as next;

include!("../../shared/bench_forward_plain.rs");
