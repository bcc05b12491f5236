//! Exports `test:bench/level2`, imports `test:bench/level3` plainly (the
//! app's own WIT) and forwards every call one level down
//! (`../../shared/bench_forward_plain.rs`).
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-plain-level2; world guest { import test:bench/level3; export test:bench/level2; }",
    generate_all,
});

use exports::test::bench::level2 as me;
use test::bench::level3 as next;

include!("../../shared/bench_forward_plain.rs");
