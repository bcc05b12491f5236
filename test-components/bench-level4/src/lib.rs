//! Exports `test:bench/level4`, imports `test:bench/level5` (exactly-one
//! socket ABI) and forwards every call one level down; a provider error
//! answers 0 or an empty string.
wit_bindgen::generate!({
    path: "../../wit",
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
    use plugtree:socket/types@0.1.0.{provider-error};
    add: func(a: u32, b: u32) -> result<u32, provider-error>;
    echo: func(s: string) -> result<string, provider-error>;
    bytes: func(data: list<u8>) -> result<u32, provider-error>;
    send: func(n: u32) -> result<u32, provider-error>;
    mirror: func(data: list<u8>) -> result<list<u8>, provider-error>;
}
world bench-level4 { import level5; export level4; }
",
    world: "test:bench/bench-level4",
    generate_all,
});

use test::bench::level5 as next;

struct Guest;

impl exports::test::bench::level4::Guest for Guest {
    fn add(a: u32, b: u32) -> u32 {
        next::add(a, b).unwrap_or(0)
    }
    fn echo(s: String) -> String {
        next::echo(&s).unwrap_or_default()
    }
    fn bytes(data: Vec<u8>) -> u32 {
        next::bytes(&data).unwrap_or(0)
    }
    fn send(n: u32) -> u32 {
        // The payload is made here so that the hop, not the host call, carries it.
        let data = vec![0x5a_u8; n as usize];
        next::bytes(&data).unwrap_or(0)
    }
    fn mirror(data: Vec<u8>) -> Vec<u8> {
        next::mirror(&data).unwrap_or_default()
    }
}

export!(Guest);
