//! Exports `test:bench/level3`, imports `test:bench/level4` (exactly-one
//! socket ABI) and forwards every call one level down (`../../shared/bench_forward.rs`);
//! a provider error answers 0 or an empty value.
wit_bindgen::generate!({
    path: "../../crates/plugtree/wit",
    inline: "
package test:bench;
interface level3 {
    add: func(a: u32, b: u32) -> u32;
    echo: func(s: string) -> string;
    bytes: func(data: list<u8>) -> u32;
    send: func(n: u32) -> u32;
    mirror: func(data: list<u8>) -> list<u8>;
}
interface level4 {
    use plugtree:socket/types@0.1.0.{provider-error};
    add: func(a: u32, b: u32) -> result<u32, provider-error>;
    echo: func(s: string) -> result<string, provider-error>;
    bytes: func(data: list<u8>) -> result<u32, provider-error>;
    send: func(n: u32) -> result<u32, provider-error>;
    mirror: func(data: list<u8>) -> result<list<u8>, provider-error>;
}
world bench-level3 { import level4; export level3; }
",
    world: "test:bench/bench-level3",
    generate_all,
});

use exports::test::bench::level3 as me;
use test::bench::level4 as next;

include!("../../shared/bench_forward.rs");
