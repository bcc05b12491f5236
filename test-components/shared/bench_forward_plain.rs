// The body every plain forwarding bench guest (`bench-plain-level0` …
// `bench-plain-level4`) shares: as `bench_forward.rs`, but the next level is
// imported plainly (the app's own WIT), so its answers come as they are.

struct Guest;

impl me::Guest for Guest {
    fn add(a: u32, b: u32) -> u32 {
        next::add(a, b)
    }
    fn echo(s: String) -> String {
        next::echo(&s)
    }
    fn bytes(data: Vec<u8>) -> u32 {
        next::bytes(&data)
    }
    fn send(n: u32) -> u32 {
        // The payload is made here so that the hop, not the host call, carries it.
        let data = vec![0x5a_u8; n as usize];
        next::bytes(&data)
    }
    fn mirror(data: Vec<u8>) -> Vec<u8> {
        next::mirror(&data)
    }
}

export!(Guest);
