//! Socket functions of the typed fast-path shapes (`(u32, u32) -> u32`,
//! `string -> string`, `list<u8> -> u32`, `list<u8> -> list<u8>`) across one and five hops of the
//! benchmark chain: payloads arrive whole, a host plug behind the socket
//! still answers, a provider's failure and a consumer's memory limit still
//! reach the consumer as the socket ABI's error (the chain answers 0 or "").

use crate::guests;

use crate::guests::load;

use plugtree::host::{HostError, HostPlug};
use plugtree::{Limits, LoadedTree, PluginTree, Socket, TreeBuilder, Val};

/// The chain from `test:bench/level{top}` down to level5.
fn chain(top: usize) -> TreeBuilder {
    (top..=5).fold(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root(format!("test:bench/level{top}")),
        |b, level| b.plugin(format!("level{level}"), guests::guest(&format!("bench-level{level}"))),
    )
}

fn call(tree: &LoadedTree, top: usize, function: &str, args: &[Val]) -> Val {
    match tree.dispatch(&format!("test:bench/level{top}"), function, args) {
        Ok(Socket::ExactlyOne(_, Ok(Some(v)))) => v,
        other => panic!("{function} did not answer: {other:?}"),
    }
}

#[test]
fn payloads_cross_one_and_five_hops_whole() {
    let one_hop = load(chain(4));
    assert_eq!(call(&one_hop, 4, "send", &[Val::U32(1 << 20)]), Val::U32(1 << 20));
    assert_eq!(call(&one_hop, 4, "send", &[Val::U32(0)]), Val::U32(0));
    let bytes = Val::List((0..3000u32).map(|i| Val::U8(i as u8)).collect());
    assert_eq!(call(&one_hop, 4, "bytes", &[bytes]), Val::U32(3000));
    assert_eq!(call(&one_hop, 4, "add", &[Val::U32(u32::MAX), Val::U32(2)]), Val::U32(1));

    let bytes = |b: &[u8]| Val::List(b.iter().copied().map(Val::U8).collect());
    assert_eq!(call(&one_hop, 4, "mirror", &[bytes(&[1, 2, 3])]), bytes(&[3, 2, 1]));
    assert_eq!(call(&one_hop, 4, "mirror", &[bytes(&[])]), bytes(&[]));

    let five_hops = load(chain(0));
    let long: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let reversed: Vec<u8> = long.iter().rev().copied().collect();
    assert!(
        call(&five_hops, 0, "mirror", &[bytes(&long)]) == bytes(&reversed),
        "100 kB mirrored through five hops"
    );
    assert_eq!(call(&five_hops, 0, "add", &[Val::U32(2), Val::U32(3)]), Val::U32(5));
    assert_eq!(
        call(&five_hops, 0, "echo", &[Val::String("héllo, wörld".into())]),
        Val::String("héllo, wörld".into())
    );
    assert_eq!(call(&five_hops, 0, "send", &[Val::U32(65536)]), Val::U32(65536));
}

#[test]
fn a_host_plug_behind_a_fast_socket_answers_and_fails_as_a_value() {
    let host = HostPlug::new("host5", "test:bench/level5")
        .func("add", |a: u32, b: u32| -> Result<u32, HostError> { Ok(a + b + 100) })
        .func("echo", |s: String| -> Result<String, HostError> {
            if s == "boom" { panic!("the host plug panicked") } else { Ok(s.to_uppercase()) }
        })
        .func_dynamic("bytes", |args| match args {
            [Val::List(items)] => Ok(vec![Val::U32(items.len() as u32 * 2)]),
            _ => Err(HostError::new("not a list")),
        })
        .func_dynamic("send", |_| Err(HostError::new("no sending here")))
        .func_dynamic("mirror", |args| Ok(args.to_vec()));
    let tree = load(
        PluginTree::builder()
            .wit(guests::app_wit().join("bench.wit"))
            .root("test:bench/level4")
            .plugin("level4", guests::guest("bench-level4"))
            .host_plug(host),
    );
    assert_eq!(call(&tree, 4, "add", &[Val::U32(1), Val::U32(2)]), Val::U32(103));
    assert_eq!(call(&tree, 4, "echo", &[Val::String("abc".into())]), Val::String("ABC".into()));
    // level4's `send` calls `bytes` below it with n bytes.
    assert_eq!(call(&tree, 4, "send", &[Val::U32(10)]), Val::U32(20));
    let bytes = Val::List(vec![Val::U8(7), Val::U8(8)]);
    assert_eq!(call(&tree, 4, "mirror", std::slice::from_ref(&bytes)), bytes);
    // A panic is the consumer's `trapped`, which level4 answers as "".
    assert_eq!(call(&tree, 4, "echo", &[Val::String("boom".into())]), Val::String(String::new()));
    assert_eq!(
        call(&tree, 4, "echo", &[Val::String("still here".into())]),
        Val::String("STILL HERE".into())
    );
}

#[test]
fn an_answer_too_big_for_the_consumer_is_limit_exceeded() {
    let tight = Limits::default().with_memory(Some(4 << 20));
    let tree = load(chain(4).plugin_limits("level4", tight));
    let small = "x".repeat(1000);
    assert_eq!(call(&tree, 4, "echo", &[Val::String(small.clone())]), Val::String(small));
    // The argument fits level4's memory once; the answer would need it twice.
    let big = "y".repeat(2_000_000);
    let answer = call(&tree, 4, "echo", &[Val::String(big)]);
    assert!(answer == Val::String(String::new()), "the 2 MB answer reached level4");
    // Nobody failed for it: both answer small calls still.
    assert_eq!(call(&tree, 4, "echo", &[Val::String("z".into())]), Val::String("z".into()));
    assert!(tree.failures().is_empty(), "{:?}", tree.failures());
}
