//! Exports `test:bench/level5`, the bottom of the benchmark chain: answers itself.
wit_bindgen::generate!({
    path: "../wit/app/bench.wit",
    inline: "package guest:bench-level5; world guest { export test:bench/level5; }",
});

struct Guest;

impl exports::test::bench::level5::Guest for Guest {
    fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    fn echo(s: String) -> String {
        s
    }
    fn bytes(data: Vec<u8>) -> u32 {
        data.len() as u32
    }
    fn send(n: u32) -> u32 {
        n
    }
    fn mirror(mut data: Vec<u8>) -> Vec<u8> {
        data.reverse();
        data
    }
}

export!(Guest);
