//! Exports `test:hostile/attack` and answers every function promptly and
//! modestly: the well-behaved neighbour of hostile-villain.
wit_bindgen::generate!({
    path: "../wit/app/hostile.wit",
    inline: "package guest:hostile-bystander; world guest { export test:hostile/attack; }",
});

struct Bystander;

impl exports::test::hostile::attack::Guest for Bystander {
    fn spin() -> u32 {
        1
    }
    fn bomb() -> u32 {
        1
    }
    fn recurse(depth: u64) -> u64 {
        depth
    }
    fn huge_string(_mib: u32) -> String {
        "ok".to_string()
    }
    fn huge_list(_mib: u32) -> Vec<u8> {
        vec![1, 2, 3]
    }
    fn hoard() -> u32 {
        1
    }
    fn ping() -> String {
        format!("{} is fine", env!("CARGO_PKG_NAME"))
    }
}

export!(Bystander);
