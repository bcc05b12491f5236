//! `bench-level4` for wasm-link: exports `test:bench/level4` and imports
//! `test:bench/level5` in wasm-link's exactly-one shape (`tuple<plugin-id,
//! result<T, dispatch-error>>`), so the peer benchmark can wire the same hop.
wit_bindgen::generate!({
    path: "../wit/wasm-link",
    inline: "
package test:bench;
interface level4 {
    add: func(a: u32, b: u32) -> u32;
    echo: func(s: string) -> string;
    bytes: func(data: list<u8>) -> u32;
    send: func(n: u32) -> u32;
    mirror: func(data: list<u8>) -> list<u8>;
}
interface level5 {
    use wasm-link:runtime/errors@0.4.0.{dispatch-error};
    add: func(a: u32, b: u32) -> tuple<string, result<u32, dispatch-error>>;
    echo: func(s: string) -> tuple<string, result<string, dispatch-error>>;
    bytes: func(data: list<u8>) -> tuple<string, result<u32, dispatch-error>>;
    send: func(n: u32) -> tuple<string, result<u32, dispatch-error>>;
    mirror: func(data: list<u8>) -> tuple<string, result<list<u8>, dispatch-error>>;
}
world bench-wl-level4 { import level5; export level4; }
",
    world: "test:bench/bench-wl-level4",
    generate_all,
});

use test::bench::level5 as next;

struct Guest;

impl exports::test::bench::level4::Guest for Guest {
    fn add(a: u32, b: u32) -> u32 {
        next::add(a, b).1.unwrap_or(0)
    }
    fn echo(s: String) -> String {
        next::echo(&s).1.unwrap_or_default()
    }
    fn bytes(data: Vec<u8>) -> u32 {
        next::bytes(&data).1.unwrap_or(0)
    }
    fn send(n: u32) -> u32 {
        let data = vec![0x5a_u8; n as usize];
        next::bytes(&data).1.unwrap_or(0)
    }
    fn mirror(data: Vec<u8>) -> Vec<u8> {
        next::mirror(&data).1.unwrap_or_default()
    }
}

export!(Guest);
