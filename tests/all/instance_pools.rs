//! Instance pools (issue 21): a plugin declared stateless keeps warm
//! instances, so calls from several threads run at once, each in its own
//! instance; without a pool they queue on one store. The `pool-worker`
//! guest counts its calls per instance and waits at a host plug for a second
//! caller: two concurrent calls meet only if they run in parallel.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::guests;

use plugtree::host::{HostError, HostPlug};
use plugtree::{BuildError, LoadedTree, PluginTree, Socket, TreeBuilder, Val};

/// How long a caller waits at the meeting for the other: only an unpooled
/// tree, whose second call cannot start until the first ends, waits it out.
const PATIENCE: Duration = Duration::from_secs(2);

/// Callers arrived at the meeting so far, and a signal for each arrival.
pub(crate) type Arrivals = Arc<(Mutex<u32>, Condvar)>;

/// A meeting of two: each `meet` call waits (up to `PATIENCE`) until two
/// callers have arrived since the meeting was made.
pub(crate) fn meeting(arrived: Arrivals) -> HostPlug {
    HostPlug::new("meeting", "test:pool/meet").func("meet", move || -> Result<u32, HostError> {
        let (count, changed) = &*arrived;
        let mut count = count.lock().map_err(|_| HostError::new("poisoned"))?;
        *count += 1;
        changed.notify_all();
        let (count, _) = changed
            .wait_timeout_while(count, PATIENCE, |n| *n < 2)
            .map_err(|_| HostError::new("poisoned"))?;
        Ok(u32::from(*count >= 2))
    })
}

fn worker_tree(pool: Option<u32>, arrived: &Arrivals) -> TreeBuilder {
    let mut b = PluginTree::builder()
        .wit(guests::app_wit().join("pool.wit"))
        .root("test:pool/worker")
        .plugin("worker", guests::wat("pool-worker"))
        .host_plug(meeting(arrived.clone()));
    if let Some(n) = pool {
        b = b.pool("worker", n);
    }
    b
}

fn work(tree: &LoadedTree) -> u32 {
    match tree.dispatch("test:pool/worker", "work", &[]) {
        Ok(Socket::ExactlyOne(_, Ok(Some(Val::U32(n))))) => n,
        other => panic!("work: {other:?}"),
    }
}

/// Two threads call `work`, the second once the first is inside the plugin
/// (waiting at the meeting); their answers, sorted.
fn two_at_once(tree: &LoadedTree, arrived: &Arrivals) -> Vec<u32> {
    let mut answers: Vec<u32> = std::thread::scope(|s| {
        let first = s.spawn(|| work(tree));
        let (count, changed) = &**arrived;
        let count = count.lock().expect("the meeting");
        drop(changed.wait_while(count, |n| *n < 1).expect("the meeting"));
        let second = s.spawn(|| work(tree));
        [first, second].map(|c| c.join().expect("a call")).into()
    });
    answers.sort_unstable();
    answers
}

#[test]
fn two_threads_on_a_pooled_plugin_are_answered_by_two_instances_at_once() {
    let arrived = Arrivals::default();
    let pooled = guests::load(worker_tree(Some(2), &arrived));
    assert_eq!(pooled.instances("worker"), Some(1), "the second instance is made on demand");
    // Each call was its instance's first (10 × 1), and both met (+ 1).
    assert_eq!(two_at_once(&pooled, &arrived), [11, 11]);
    assert_eq!(pooled.instances("worker"), Some(2));

    // Without a pool the second call waits for the first, which waits in
    // vain at the meeting: one instance answers both, one after the other.
    let arrived = Arrivals::default();
    let queued = guests::load(worker_tree(None, &arrived));
    assert_eq!(two_at_once(&queued, &arrived), [10, 21]);
    assert_eq!(queued.instances("worker"), Some(1));
}

#[test]
fn a_pool_is_never_bigger_than_declared() {
    let pooled = guests::load(worker_tree(Some(2), &Arrivals::default()));
    // Four at once on a pool of two: never more than two instances.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| work(&pooled));
        }
    });
    assert_eq!(pooled.instances("worker"), Some(2));
}

#[test]
fn pools_of_plugins_with_resources_or_of_no_size_are_refused() {
    let (_, errors) = PluginTree::builder()
        .wit(guests::app_wit().join("res.wit"))
        .root("test:res/counters")
        .plugin("counters", guests::guest("res-counters"))
        .pool("counters", 4)
        .build()
        .expect("valid WIT");
    assert!(
        errors.iter().any(|e| matches!(e, BuildError::PoolWithResources { plugin, interface }
            if *plugin == "counters" && interface == "test:res/counters")),
        "{errors:?}"
    );
    let (_, errors) = worker_tree(Some(0), &Arrivals::default()).build().expect("valid WIT");
    let sizes: Vec<String> = errors
        .iter()
        .filter(|e| matches!(e, BuildError::PoolSize { .. }))
        .map(ToString::to_string)
        .collect();
    assert_eq!(sizes, ["plugin `worker`: a pool of 0 instances: give 1 to 64"]);
}

#[test]
fn check_shows_a_pool_and_what_each_instance_holds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pool-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("plugtree.toml");
    let text = format!(
        "root = \"test:app/values\"\nwit = {:?}\n[[plugins]]\nid = \"values\"\npath = {:?}\npool = 4\n",
        guests::app_wit().join("values.wit"),
        guests::guest("values"),
    );
    std::fs::write(&manifest, text).unwrap();
    let check = |json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"));
        command.arg("check").args(json.then_some("--json")).arg("-m").arg(&manifest);
        let out = command.output().expect("the binary runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let report: serde_json::Value = serde_json::from_str(&check(true)).expect("JSON");
    let plugin = &report["plugins"][0];
    assert_eq!(plugin["pool"], 4);
    // A Rust guest has at least its 1 MiB stack in linear memory.
    let bytes = plugin["linear_memory"].as_u64().expect("a loaded component's memory");
    assert!(bytes >= 1 << 20, "{bytes}");
    let text = check(false);
    let line = format!(
        "    pool: stateless, up to 4 warm instances, {:.1} MiB of linear memory each",
        bytes as f64 / 1048576.0
    );
    assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
}
