//! Zero-trust: a hostile plugin (`hostile-villain`) beside a well-behaved one
//! (`hostile-bystander`) on an `any` socket, called by the host and through a
//! consumer (`hostile-front`). Every attack ends in the exact limit or trap,
//! the attacker is failed and left out from then on, and the rest answers.

use crate::guests;

use crate::guests::load;

use std::time::{Duration, Instant};

use plugtree::{
    CallError, Cardinality, Engine, Limit, Limits, LoadError, LoadedTree, PluginTree, Socket,
    TreeBuilder, Val,
};

/// Tight limits, so that each attack ends fast.
fn tight() -> Limits {
    Limits::default()
        .with_deadline(Some(Duration::from_millis(200)))
        .with_memory(Some(32 << 20))
        .with_handles(1_000)
}

fn app() -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("hostile.wit"))
        .cardinality("test:hostile/attack", Cardinality::Any)
}

/// The host calls `attack` on the villain (with `villain` limits) and the bystander.
fn attack_tree(villain: Limits) -> LoadedTree {
    load(
        app()
            .root("test:hostile/attack")
            .plugin("villain", guests::guest("hostile-villain"))
            .plugin_limits("villain", villain)
            .plugin("bystander", guests::guest("hostile-bystander")),
    )
}

fn attack(
    tree: &LoadedTree,
    function: &str,
    args: &[Val],
) -> Vec<(String, Result<Option<Val>, CallError>)> {
    match tree.dispatch("test:hostile/attack", function, args) {
        Ok(Socket::Any(answers)) => {
            answers.into_iter().map(|(id, a)| (id.to_string(), a)).collect()
        }
        other => panic!("an answer per provider: {other:?}"),
    }
}

/// Runs `function` and checks the villain's error and the bystander's answer,
/// then that the villain is left out and the bystander still answers.
fn assert_attack(
    tree: &LoadedTree,
    function: &str,
    args: &[Val],
    check: impl Fn(&CallError),
    bystander: Val,
) {
    let answers = attack(tree, function, args);
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].0, "villain");
    match &answers[0].1 {
        Err(e) => {
            assert_eq!(e.plugin(), "villain");
            check(e);
        }
        Ok(v) => panic!("the villain answered {v:?}"),
    }
    assert_eq!(answers[1], ("bystander".to_string(), Ok(Some(bystander))));
    let after = attack(tree, "ping", &[]);
    assert_eq!(
        after,
        vec![("bystander".to_string(), Ok(Some(Val::String("hostile-bystander is fine".into()))))]
    );
    let failures = tree.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].plugin(), "villain");
}

fn limit(expected: Limit, message: &'static str) -> impl Fn(&CallError) {
    move |e| match e {
        CallError::LimitExceeded { limit, message: m, .. } => {
            assert_eq!(*limit, expected, "{e}");
            assert_eq!(m, message);
            assert_eq!(e.to_string(), message);
        }
        other => panic!("expected the {expected} limit, got {other:?}"),
    }
}

#[test]
fn an_endless_loop_runs_into_its_deadline() {
    let tree = attack_tree(tight());
    let started = Instant::now();
    let check = limit(Limit::Deadline, "plugin `villain` ran past its deadline of 200ms in `spin`");
    assert_attack(&tree, "spin", &[], check, Val::U32(1));
    // Behaviour, not speed: the default deadline is 10 s; this one fired.
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn fuel_stops_an_endless_loop_without_a_deadline() {
    let tree = attack_tree(tight().with_deadline(None).with_fuel(Some(5_000_000)));
    let check =
        limit(Limit::Fuel, "plugin `villain` used up its fuel of 5000000 instructions in `spin`");
    assert_attack(&tree, "spin", &[], check, Val::U32(1));
}

#[test]
fn a_memory_bomb_runs_into_its_memory_limit() {
    let tree = attack_tree(tight());
    let check = |e: &CallError| match e {
        CallError::LimitExceeded { limit: Limit::Memory, message, function, .. } => {
            assert_eq!(function, "bomb");
            assert!(
                message.starts_with(
                    "plugin `villain` exceeded its memory limit (growing linear memory to "
                ),
                "{message}"
            );
            assert!(
                message.ends_with(" bytes exceeds the limit of 33554432 bytes) in `bomb`"),
                "{message}"
            );
        }
        other => panic!("expected the memory limit, got {other:?}"),
    };
    assert_attack(&tree, "bomb", &[], check, Val::U32(1));
}

#[test]
fn deep_recursion_overflows_the_guest_stack_and_traps() {
    // Each level keeps 1 KiB on the guest's shadow stack, which lives at the
    // bottom of its linear memory: overflowing it runs below address 0.
    let tree = attack_tree(tight());
    let check = |e: &CallError| match e {
        CallError::Trapped { message, function, .. } => {
            assert_eq!(function, "recurse");
            assert_eq!(message, "wasm trap: out of bounds memory access");
        }
        other => panic!("expected a trap, got {other:?}"),
    };
    assert_attack(&tree, "recurse", &[Val::U64(10_000_000)], check, Val::U64(10_000_000));
}

#[test]
fn a_huge_string_cannot_be_built_within_the_memory_limit() {
    let tree = attack_tree(tight());
    let check = |e: &CallError| {
        assert!(
            matches!(e, CallError::LimitExceeded { limit: Limit::Memory, function, .. } if function == "huge-string"),
            "{e:?}"
        );
    };
    assert_attack(&tree, "huge-string", &[Val::U32(100)], check, Val::String("ok".into()));
}

#[test]
fn a_byte_list_counts_its_bytes_against_the_transfer_limit() {
    // 4 MiB of bytes under a limit of 8 MiB: the host holds 4 Mi `Val`s of
    // 48 bytes (192 MiB), which the limit does not count.
    let villain = tight()
        .with_memory(Some(64 << 20))
        .with_transfer(8 << 20)
        .with_deadline(Some(Duration::from_secs(30)));
    let tree = attack_tree(villain);
    let answers = attack(&tree, "huge-list", &[Val::U32(4)]);
    match &answers[0] {
        (id, Ok(Some(Val::List(items)))) if id == "villain" => assert_eq!(items.len(), 4 << 20),
        other => panic!("expected the villain's 4 MiB list, got {other:?}"),
    }
    // 9 MiB is past it: wasmtime's cap on the host's copy stops it first.
    let tree = attack_tree(villain);
    let check = limit(
        Limit::Transfer,
        "plugin `villain` sent more than its transfer limit of 8388608 bytes allows: the host's copy passed 402653184 bytes (48 per list element, field or case) in `huge-list`",
    );
    let three = Val::List(vec![Val::U8(1), Val::U8(2), Val::U8(3)]);
    assert_attack(&tree, "huge-list", &[Val::U32(9)], check, three);
}

#[test]
fn a_huge_string_is_refused_by_a_lower_transfer_limit() {
    let villain = tight()
        .with_memory(Some(512 << 20))
        .with_transfer(16 << 20)
        .with_deadline(Some(Duration::from_secs(30)));
    let tree = attack_tree(villain);
    let check = limit(
        Limit::Transfer,
        "plugin `villain` sent 104857600 bytes of values in one crossing, over its transfer limit of 16777216 bytes in `huge-string`",
    );
    assert_attack(&tree, "huge-string", &[Val::U32(100)], check, Val::String("ok".into()));
}

#[test]
fn hoarding_resources_runs_into_the_handle_limit() {
    let tree = attack_tree(tight());
    let check = limit(
        Limit::Handles,
        "plugin `villain` exceeded its limit of 1000 live resource handles in `hoard`",
    );
    assert_attack(&tree, "hoard", &[], check, Val::U32(1));
}

/// `front` (exactly-one root) calls `attack` (any) on the villain and the bystander.
fn front_tree(front: Limits, villain: Limits) -> LoadedTree {
    load(
        app()
            .root("test:hostile/front")
            .plugin("front", guests::guest("hostile-front"))
            .plugin_limits("front", front)
            .plugin("villain", guests::guest("hostile-villain"))
            .plugin_limits("villain", villain)
            .plugin("bystander", guests::guest("hostile-bystander")),
    )
}

fn poke(tree: &LoadedTree, what: &str) -> Result<Vec<String>, CallError> {
    match tree.dispatch("test:hostile/front", "poke", &[Val::String(what.into())]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::List(lines))))) => Ok(lines
            .into_iter()
            .map(|l| match l {
                Val::String(s) => s,
                other => panic!("a line: {other:?}"),
            })
            .collect()),
        Ok(Socket::ExactlyOne(_, Err(e))) => Err(e),
        other => panic!("front's lines: {other:?}"),
    }
}

#[test]
fn a_consumer_sees_every_attack_as_a_value() {
    let expected = [
        (
            "spin",
            "villain: limit-exceeded plugin `villain` ran past its deadline of 200ms in `spin`",
            "bystander: ok 1",
        ),
        (
            "hoard",
            "villain: limit-exceeded plugin `villain` exceeded its limit of 1000 live resource handles in `hoard`",
            "bystander: ok 1",
        ),
        ("recurse", "villain: trapped ", "bystander: ok 1000000"),
        (
            "bomb",
            "villain: limit-exceeded plugin `villain` exceeded its memory limit (growing linear memory to ",
            "bystander: ok 1",
        ),
    ];
    for (what, villain, bystander) in expected {
        let tree = front_tree(Limits::default(), tight());
        let lines = poke(&tree, what).expect("front answers");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with(villain), "{what}: {lines:?}");
        assert_eq!(lines[1], bystander, "{what}");
        // The consumer is unharmed and the villain is left out from now on.
        assert_eq!(
            poke(&tree, "ping").expect("front answers"),
            vec!["bystander: ok hostile-bystander is fine"]
        );
        let failed: Vec<_> = tree.failures().iter().map(|f| f.plugin().to_string()).collect();
        assert_eq!(failed, vec!["villain"], "{what}");
    }
}

#[test]
fn an_answer_too_big_for_the_consumer_reaches_it_as_a_value() {
    // The villain may build and send 100 MiB; the consumer cannot hold it.
    let villain = tight()
        .with_memory(Some(512 << 20))
        .with_transfer(128 << 20)
        .with_deadline(Some(Duration::from_secs(30)));
    let tree = front_tree(Limits::default().with_memory(Some(16 << 20)), villain);
    let lines = poke(&tree, "huge-string").expect("front answers");
    assert!(lines[0].starts_with("villain: limit-exceeded the answer of plugin `villain` takes 104857608 bytes; the consumer's memory can grow by "), "{lines:?}");
    assert_eq!(lines[1], "bystander: ok 2 bytes");
    // Nobody misbehaved: both still answer.
    assert_eq!(poke(&tree, "ping").expect("front answers").len(), 2);
    assert!(tree.failures().is_empty(), "{:?}", tree.failures());
}

#[test]
fn a_consumers_deadline_stops_its_provider() {
    // The villain's own deadline is the default 10 s; the consumer's is 200 ms.
    let started = Instant::now();
    let tree = front_tree(tight(), Limits::default());
    let error = poke(&tree, "spin").expect_err("the consumer ran out of time");
    assert!(
        matches!(&error, CallError::LimitExceeded { plugin, limit: Limit::Deadline, .. } if plugin == "front"),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let failures: Vec<String> = tree.failures().iter().map(ToString::to_string).collect();
    assert_eq!(
        failures,
        vec![
            "plugin `villain` was interrupted at its caller's deadline in `spin`",
            "plugin `front` ran past its deadline of 200ms in `poke`",
        ]
    );
}

#[test]
fn an_at_most_one_socket_degrades_to_none_and_exactly_one_to_unavailable() {
    let single = |cardinality| {
        load(
            app()
                .cardinality("test:hostile/attack", cardinality)
                .root("test:hostile/attack")
                .plugin("villain", guests::guest("hostile-villain"))
                .plugin_limits("villain", tight()),
        )
    };
    let maybe = single(Cardinality::AtMostOne);
    let first = maybe.dispatch("test:hostile/attack", "spin", &[]).expect("dispatch");
    assert!(
        matches!(
            first,
            Socket::AtMostOne(Some((
                _,
                Err(CallError::LimitExceeded { limit: Limit::Deadline, .. })
            )))
        ),
        "{first:?}"
    );
    assert_eq!(
        maybe.dispatch("test:hostile/attack", "ping", &[]).expect("dispatch"),
        Socket::AtMostOne(None)
    );

    let one = single(Cardinality::ExactlyOne);
    let _ = one.dispatch("test:hostile/attack", "spin", &[]).expect("dispatch");
    match one.dispatch("test:hostile/attack", "ping", &[]).expect("dispatch") {
        Socket::ExactlyOne(_, Err(CallError::Unavailable { plugin, reason })) => {
            assert_eq!(plugin, "villain");
            assert_eq!(
                reason,
                "plugin `villain` failed earlier in `spin` and was disabled (plugin `villain` ran past its deadline of 200ms in `spin`)"
            );
        }
        other => panic!("unavailable: {other:?}"),
    }
}

#[test]
fn a_start_function_that_never_returns_is_stopped_at_load() {
    let partial = || {
        PluginTree::builder()
            .wit(guests::app_wit().join("partial.wit"))
            .root("test:partial/leaf")
            .cardinality("test:partial/leaf", Cardinality::Any)
            .plugin("spin-start", guests::wat("leaf-spin-start"))
            .plugin("good", guests::guest("leaf-good"))
    };
    let cases = [
        (
            tight(),
            Limit::Deadline,
            "plugin `spin-start` ran past its deadline of 200ms in `instantiation`",
        ),
        (
            tight().with_deadline(None).with_instantiation_fuel(Some(1_000)),
            Limit::Fuel,
            "plugin `spin-start` used up its fuel of 1000 instructions in `instantiation`",
        ),
    ];
    for (limits, expected, text) in cases {
        let (tree, errors) =
            partial().plugin_limits("spin-start", limits).build().expect("valid WIT");
        assert!(errors.is_empty(), "{errors:?}");
        let (loaded, errors) = tree.load(guests::engine());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            matches!(&errors[0], LoadError::LimitExceeded { plugin, limit, .. } if plugin == "spin-start" && *limit == expected),
            "{errors:?}"
        );
        assert_eq!(errors[0].to_string(), text);
        assert_eq!(loaded.root_providers().map(|p| p.as_str()).collect::<Vec<_>>(), vec!["good"]);
    }
}

#[test]
fn an_engine_that_cannot_enforce_a_limit_refuses_the_plugin() {
    let mut config = plugtree::engine_config();
    config.consume_fuel(false).epoch_interruption(false);
    let plain = Engine::new(&config).expect("engine");
    let (tree, _) = app()
        .root("test:hostile/attack")
        .plugin("villain", guests::guest("hostile-villain"))
        .plugin_limits("villain", Limits::default().with_deadline(None).with_fuel(Some(1)))
        .plugin("bystander", guests::guest("hostile-bystander"))
        .plugin_limits("bystander", Limits::default().with_deadline(None))
        .build()
        .expect("valid WIT");
    let (loaded, errors) = tree.load(&plain);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "plugin `villain` has a fuel limit, but the engine was built without fuel counting (`Config::consume_fuel`); use `plugtree::engine_config()`"
    );
    assert_eq!(attack(&loaded, "spin", &[]).len(), 1);
}

#[test]
fn calls_from_many_threads_queue_and_all_get_their_answer() {
    let tree = front_tree(Limits::default(), tight());
    std::thread::scope(|scope| {
        // One thread sets the villain off while the others keep calling.
        scope.spawn(|| poke(&tree, "spin").expect("front answers"));
        let workers: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..20 {
                        let lines = poke(&tree, "ping").expect("front answers");
                        assert!(lines.contains(&"bystander: ok hostile-bystander is fine".to_string()), "{lines:?}");
                        for line in &lines {
                            assert!(
                                line == "villain: ok hostile-villain is fine"
                                    || line == "bystander: ok hostile-bystander is fine"
                                    || line.starts_with("villain: limit-exceeded plugin `villain` ran past its deadline"),
                                "{line}"
                            );
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("a worker panicked");
        }
    });
    assert_eq!(tree.failures().len(), 1);
}

#[test]
fn recursion_on_the_wasm_stack_is_stopped_at_wasmtimes_stack_limit() {
    let (tree, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("partial.wit"))
        .root("test:partial/leaf")
        .cardinality("test:partial/leaf", Cardinality::Any)
        .plugin("deep", guests::wat("leaf-recurse"))
        .plugin("good", guests::guest("leaf-good"))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (loaded, errors) = tree.load(guests::engine());
    assert!(errors.is_empty(), "{errors:?}");
    let Ok(Socket::Any(answers)) = loaded.dispatch("test:partial/leaf", "value", &[]) else {
        panic!("answers")
    };
    match &answers[0] {
        (id, Err(CallError::Trapped { message, .. })) if id == "deep" => {
            assert_eq!(message, "wasm trap: call stack exhausted")
        }
        other => panic!("a trap: {other:?}"),
    }
    assert!(matches!(&answers[1], (id, Ok(Some(Val::U32(_)))) if id == "good"), "{answers:?}");
    let Ok(Socket::Any(after)) = loaded.dispatch("test:partial/leaf", "label", &[]) else {
        panic!("answers")
    };
    assert_eq!(after.len(), 1, "the deep plugin is left out: {after:?}");
}
