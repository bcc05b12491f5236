//! Exports `test:bench/level3`, imports `test:bench/level4` plainly (the
//! app's own WIT) and forwards every call one level down
//! (`../../shared/bench_forward_plain.rs`).
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-plain-level3; world guest { import test:bench/level4; export test:bench/level3; }",
    generate_all,
});

use exports::test::bench::level3 as me;
use test::bench::level4 as next;

include!("../../shared/bench_forward_plain.rs");
