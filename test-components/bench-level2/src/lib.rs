//! Exports `test:bench/level2`, imports `test:bench/level3` (exactly-one
//! socket ABI) and forwards every call one level down (`../../shared/bench_forward.rs`);
//! a provider error answers 0 or an empty value.
wit_bindgen::generate!({
    path: "../../crates/plugtree/wit",
    inline: "
package test:bench;
interface level2 {
    add: func(a: u32, b: u32) -> u32;
    echo: func(s: string) -> string;
    bytes: func(data: list<u8>) -> u32;
    send: func(n: u32) -> u32;
    mirror: func(data: list<u8>) -> list<u8>;
}
interface level3 {
    use plugtree:socket/types@0.1.0.{provider-error};
    add: func(a: u32, b: u32) -> result<u32, provider-error>;
    echo: func(s: string) -> result<string, provider-error>;
    bytes: func(data: list<u8>) -> result<u32, provider-error>;
    send: func(n: u32) -> result<u32, provider-error>;
    mirror: func(data: list<u8>) -> result<list<u8>, provider-error>;
}
world bench-level2 { import level3; export level2; }
",
    world: "test:bench/bench-level2",
    generate_all,
});

use exports::test::bench::level2 as me;
use test::bench::level3 as next;

include!("../../shared/bench_forward.rs");
