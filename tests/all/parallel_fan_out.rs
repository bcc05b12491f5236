//! Parallel fan-out (issue 21): `TreeBuilder::parallel` calls a socket's
//! providers at once on the fan-out threads. Two `pool-worker` providers on
//! an `any` root wait at a host plug's meeting for a second caller: they meet
//! only if both run at once; in turn, the first waits the meeting out alone.

use crate::guests;
use crate::instance_pools::{Arrivals, meeting};

use plugtree::{Cardinality, LoadedTree, PluginTree, Socket, Val};

const WORKER: &str = "test:pool/worker";

fn two_workers(parallel: bool, arrived: &Arrivals) -> LoadedTree {
    let mut b = PluginTree::builder()
        .wit(guests::app_wit().join("pool.wit"))
        .root(WORKER)
        .cardinality(WORKER, Cardinality::Any)
        .plugin("a", guests::wat("pool-worker"))
        .plugin("b", guests::wat("pool-worker"))
        .host_plug(meeting(arrived.clone()));
    if parallel {
        b = b.parallel(WORKER);
    }
    guests::load(b)
}

/// One call on the root: each provider's id and answer, in order.
fn work(tree: &LoadedTree) -> Vec<(String, u32)> {
    match tree.dispatch(WORKER, "work", &[]) {
        Ok(Socket::Any(answers)) => answers
            .into_iter()
            .map(|(id, answer)| match answer {
                Ok(Some(Val::U32(n))) => (id.to_string(), n),
                other => panic!("{id}: {other:?}"),
            })
            .collect(),
        other => panic!("work: {other:?}"),
    }
}

#[test]
fn a_parallel_socket_calls_its_providers_at_once_and_answers_in_order() {
    let arrived = Arrivals::default();
    let tree = two_workers(true, &arrived);
    // Each call was its plugin's first (10 × 1), and both met (+ 1).
    assert_eq!(work(&tree), [("a".to_string(), 11), ("b".to_string(), 11)]);
}

#[test]
fn a_socket_calls_its_providers_in_turn_unless_it_is_parallel() {
    let arrived = Arrivals::default();
    let tree = two_workers(false, &arrived);
    // `a` waits at the meeting in vain (10); `b` arrives second and meets it (11).
    assert_eq!(work(&tree), [("a".to_string(), 10), ("b".to_string(), 11)]);
}

#[test]
fn parallel_names_an_interface_of_the_app() {
    let error = PluginTree::builder()
        .wit(guests::app_wit().join("pool.wit"))
        .root(WORKER)
        .parallel("test:pool/nowhere")
        .build()
        .expect_err("an unknown interface");
    assert_eq!(error.to_string(), "interface `test:pool/nowhere` is not defined in the app's WIT");
}

#[test]
fn a_consumer_s_deadline_stops_a_provider_on_a_fan_out_thread() {
    use plugtree::{CallError, Limit, Limits};
    use std::time::Duration;
    // The villain is second: the first provider runs on the calling thread,
    // the others on fan-out threads, where the consumer's 200 ms must hold
    // (the villain's own deadline is the default 10 s).
    let tree = guests::load(
        PluginTree::builder()
            .wit(guests::app_wit().join("hostile.wit"))
            .cardinality("test:hostile/attack", Cardinality::Any)
            .parallel("test:hostile/attack")
            .root("test:hostile/front")
            .plugin("front", guests::guest("hostile-front"))
            .plugin_limits(
                "front",
                Limits::default().with_deadline(Some(Duration::from_millis(200))),
            )
            .plugin("bystander", guests::guest("hostile-bystander"))
            .plugin("villain", guests::guest("hostile-villain")),
    );
    let poke =
        |what: &str| tree.dispatch("test:hostile/front", "poke", &[Val::String(what.into())]);
    match poke("spin") {
        Ok(Socket::ExactlyOne(
            _,
            Err(CallError::LimitExceeded { plugin, limit: Limit::Deadline, .. }),
        )) if plugin == "front" => {}
        other => panic!("the consumer ran out of time: {other:?}"),
    }
    let failures: Vec<String> = tree.failures().iter().map(ToString::to_string).collect();
    assert_eq!(
        failures,
        [
            "plugin `villain` was interrupted at its caller's deadline in `spin`",
            "plugin `front` ran past its deadline of 200ms in `poke`",
        ]
    );
}

#[test]
fn the_manifest_makes_a_socket_parallel_and_check_shows_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/parallel-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("plugtree.toml");
    let leaf = guests::wat("prof-leaf");
    let text = format!(
        "root = \"test:prof/leaf\"\nwit = {:?}\nparallel = [\"test:prof/leaf\"]\n\
         [cardinality]\n\"test:prof/leaf\" = \"any\"\n\
         [[plugins]]\nid = \"one\"\npath = {leaf:?}\n[[plugins]]\nid = \"two\"\npath = {leaf:?}\n",
        guests::app_wit().join("prof.wit"),
    );
    std::fs::write(&manifest, text).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"))
            .args(args)
            .output()
            .expect("the binary runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let m = manifest.to_str().expect("a UTF-8 path");
    let text = run(&["check", "-m", m]);
    assert_eq!(text.lines().next(), Some("root test:prof/leaf (any, parallel)"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", "--json", "-m", m])).expect("JSON");
    assert_eq!(json["root"]["parallel"], true, "{json}");
    assert_eq!(run(&["call", "-m", m, "test:prof/leaf.spin(5)"]), "one: 5\ntwo: 5\n");
}
