// The body every forwarding bench guest (`bench-level0` … `bench-level4`)
// shares: each crate generates its own bindings (its level's interfaces), names
// its exported interface `me` and the one it imports `next`, then includes this.
// Every call is forwarded one level down; a provider error answers 0 or an
// empty value.

struct Guest;

impl me::Guest for Guest {
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
