//! Caller identity: a host plug's function learns which plugin called it, per
//! call. Two instances of the real `host-notes` guest (`alice`, `bob`) share a
//! key-value host plug that answers each by its id and a `Log` whose lines say
//! who wrote them; a `tracing` subscriber sees every call in a span naming
//! its plugin and function, from two threads at once.

use std::sync::{Arc, Mutex};

use plugtree::host::{
    Caller, HOST_WIT, HostError, HostPlug, KV_INTERFACE, Log, LogLevel, MemoryKv,
};
use plugtree::{Cardinality, PluginId, PluginTree, Socket, TreeBuilder, Val};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::guests::{self, load};

const NOTES: &str = "test:host/notes";

fn s(text: &str) -> Val {
    Val::String(text.into())
}

/// `result<T, string>`'s ok case, as `host-notes` answers.
fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}

fn some_text(text: &str) -> Val {
    Val::Option(Some(Box::new(s(text))))
}

/// `alice` and `bob`, both `host-notes`, on an `any` root, with `kv` as their
/// key-value store and `log` as their log.
fn two_notes(kv: HostPlug, log: &Log) -> TreeBuilder {
    PluginTree::builder()
        .wit(guests::app_wit().join("host.wit"))
        .wit_text("plugtree-host.wit", HOST_WIT)
        .cardinality(NOTES, Cardinality::Any)
        .cardinality("plugtree:host/log", Cardinality::Any)
        .root(NOTES)
        .plugin("alice", guests::guest("host-notes"))
        .plugin("bob", guests::guest("host-notes"))
        .host_plug(kv)
        .host_plug(log.plug("log"))
}

/// Where `caller`'s `key` lives in a shared store: its own namespace.
fn scoped(caller: Caller<'_>, key: &str) -> String {
    match caller.plugin() {
        Some(id) => format!("{id}/{key}"),
        None => format!("host:{key}"),
    }
}

/// A key-value plug over `store` that keeps each caller's keys apart.
fn namespaced_kv(store: &MemoryKv) -> HostPlug {
    let (get, set, delete, keys) = (store.clone(), store.clone(), store.clone(), store.clone());
    HostPlug::new("kv", KV_INTERFACE)
        .func_with_caller(
            "get",
            move |caller: Caller<'_>, key: String| -> Result<Option<Vec<u8>>, HostError> {
                Ok(get.get(&scoped(caller, &key)))
            },
        )
        .func_with_caller("set", move |caller: Caller<'_>, key: String, value: Vec<u8>| {
            set.set(&scoped(caller, &key), value)
        })
        .func_with_caller(
            "delete",
            move |caller: Caller<'_>, key: String| -> Result<bool, HostError> {
                Ok(delete.delete(&scoped(caller, &key)))
            },
        )
        .func_dynamic_with_caller("list-keys", move |caller, _| {
            let prefix = scoped(caller, "");
            let mine = keys.keys().into_iter().filter_map(|k| k.strip_prefix(&prefix).map(s));
            Ok(vec![Val::List(mine.collect())])
        })
}

fn by(id: &str) -> Option<PluginId> {
    Some(PluginId::from(id))
}

#[test]
fn a_host_plug_answers_each_calling_plugin_by_its_id() {
    let (store, log) = (MemoryKv::new(), Log::new());
    store.set("alice/motto", b"carpe diem".to_vec()).expect("room");
    store.set("bob/motto", b"festina lente".to_vec()).expect("room");
    let tree = load(two_notes(namespaced_kv(&store), &log));

    // One call on the root, two consumers of one host plug: each hears its own.
    let recalled = tree.dispatch(NOTES, "recall", &[s("motto")]).expect("dispatch");
    assert_eq!(
        recalled,
        Socket::Any(vec![
            ("alice".into(), Ok(Some(ok(Some(some_text("carpe diem")))))),
            ("bob".into(), Ok(Some(ok(Some(some_text("festina lente")))))),
        ])
    );
    let remembered = tree.dispatch(NOTES, "remember", &[s("todo"), s("x")]).expect("dispatch");
    assert_eq!(
        remembered,
        Socket::Any(vec![("alice".into(), Ok(Some(ok(None)))), ("bob".into(), Ok(Some(ok(None))))])
    );
    assert_eq!(store.keys(), ["alice/motto", "alice/todo", "bob/motto", "bob/todo"]);
    let keys = Val::List(vec![s("motto"), s("todo")]);
    assert_eq!(
        tree.dispatch(NOTES, "keys", &[]).expect("dispatch"),
        Socket::Any(vec![
            ("alice".into(), Ok(Some(ok(Some(keys.clone()))))),
            ("bob".into(), Ok(Some(ok(Some(keys))))),
        ])
    );
    // The log says who wrote each line.
    let lines: Vec<_> = log.lines().into_iter().map(|l| (l.caller, l.level, l.message)).collect();
    assert_eq!(
        lines,
        [
            (by("alice"), LogLevel::Debug, "recalled motto".to_string()),
            (by("bob"), LogLevel::Debug, "recalled motto".to_string()),
            (by("alice"), LogLevel::Info, "remembered todo (1 bytes)".to_string()),
            (by("bob"), LogLevel::Info, "remembered todo (1 bytes)".to_string()),
        ]
    );
}

#[test]
fn the_hosts_own_call_on_a_host_plug_has_no_plugin_caller() {
    let store = MemoryKv::new();
    store.set("host:motto", b"hi".to_vec()).expect("room");
    store.set("alice/motto", b"not this".to_vec()).expect("room");
    let kv_root = load(
        PluginTree::builder()
            .wit_text("plugtree-host.wit", HOST_WIT)
            .root(KV_INTERFACE)
            .host_plug(namespaced_kv(&store)),
    );
    let bytes = Val::List(b"hi".iter().copied().map(Val::U8).collect());
    assert_eq!(
        kv_root.dispatch(KV_INTERFACE, "get", &[s("motto")]).expect("dispatch"),
        Socket::ExactlyOne("kv".into(), Ok(Some(Val::Option(Some(Box::new(bytes))))))
    );
    let log = Log::new();
    let log_root = load(
        PluginTree::builder()
            .wit_text("plugtree-host.wit", HOST_WIT)
            .root("plugtree:host/log")
            .host_plug(log.plug("log")),
    );
    let info = Val::Enum("info".into());
    log_root.dispatch("plugtree:host/log", "log", &[info, s("from the host")]).expect("dispatch");
    let lines: Vec<_> = log.lines().into_iter().map(|l| (l.caller, l.message)).collect();
    assert_eq!(lines, [(None, "from the host".to_string())]);
}

#[test]
fn a_host_plug_behind_a_fast_socket_knows_its_caller_too() {
    let seen: Arc<Mutex<Vec<Option<PluginId>>>> = Arc::default();
    let record = seen.clone();
    let host = HostPlug::new("host5", "test:bench/level5")
        .func_with_caller("add", move |caller: Caller<'_>, a: u32, b: u32| {
            record.lock().unwrap_or_else(|p| p.into_inner()).push(caller.plugin().cloned());
            // The host adds plainly; plugins get a hundred more.
            Ok::<u32, HostError>(a + b + if caller == Caller::Host { 0 } else { 100 })
        })
        .func("echo", |s: String| -> Result<String, HostError> { Ok(s) })
        .func("bytes", |b: Vec<u8>| -> Result<u32, HostError> { Ok(b.len() as u32) })
        .func("send", |n: u32| -> Result<u32, HostError> { Ok(n) })
        .func("mirror", |b: Vec<u8>| -> Result<Vec<u8>, HostError> { Ok(b) });
    let app = || PluginTree::builder().wit(guests::app_wit().join("bench.wit"));
    let behind = load(
        app()
            .root("test:bench/level4")
            .plugin("level4", guests::guest("bench-level4"))
            .host_plug(host.clone()),
    );
    let at_root = load(app().root("test:bench/level5").host_plug(host));
    let add = |tree: &plugtree::LoadedTree, iface: &str| {
        tree.dispatch(iface, "add", &[Val::U32(1), Val::U32(2)]).expect("dispatch").into_vec()
    };
    // level4's `add` goes down its exactly-one socket typed (the fast path).
    assert_eq!(add(&behind, "test:bench/level4"), [("level4".into(), Ok(Some(Val::U32(103))))]);
    assert_eq!(add(&at_root, "test:bench/level5"), [("host5".into(), Ok(Some(Val::U32(3))))]);
    assert_eq!(*seen.lock().unwrap_or_else(|p| p.into_inner()), [by("level4"), None]);
}

/// The fields a span or event was given, by name, as text.
#[derive(Debug, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_string(), format!("{value:?}")));
    }
}

/// A guest's log line as a subscriber saw it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Seen {
    message: String,
    caller: Option<String>,
    thread: Option<String>,
    /// `(plugin, function)` of each span around it, innermost first.
    spans: Vec<(Option<String>, Option<String>)>,
}

/// A `tracing` layer keeping every `plugtree::guest` event with its spans.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "plugtree::guest" {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let spans = ctx
            .event_scope(event)
            .into_iter()
            .flatten()
            .map(|span| {
                let extensions = span.extensions();
                let fields = extensions.get::<Fields>();
                (fields.and_then(|f| f.get("plugin")), fields.and_then(|f| f.get("function")))
            })
            .collect();
        let seen = Seen {
            message: fields.get("message").unwrap_or_default(),
            caller: fields.get("caller"),
            thread: std::thread::current().name().map(str::to_string),
            spans,
        };
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(seen);
    }
}

/// A key-value plug over `store` where a plugin writes only keys under its
/// own name (`alice/…`): per-plugin policy.
fn own_keys_only(store: &MemoryKv) -> HostPlug {
    let (get, set, delete, keys) = (store.clone(), store.clone(), store.clone(), store.clone());
    HostPlug::new("kv", KV_INTERFACE)
        .func("get", move |key: String| -> Result<Option<Vec<u8>>, HostError> { Ok(get.get(&key)) })
        .func_with_caller("set", move |caller: Caller<'_>, key: String, value: Vec<u8>| {
            let owner = caller.plugin().map_or("host", PluginId::as_str);
            if key.split_once('/').map(|(o, _)| o) != Some(owner) {
                return Err(HostError::new(format!("{caller} writes only under `{owner}/`")));
            }
            set.set(&key, value)
        })
        .func("delete", move |key: String| -> Result<bool, HostError> { Ok(delete.delete(&key)) })
        .func("list-keys", move || -> Result<Vec<String>, HostError> { Ok(keys.keys()) })
}

#[test]
fn log_lines_from_two_threads_name_the_plugin_that_wrote_them() {
    const CALLS: usize = 25;
    let (store, log) = (MemoryKv::new(), Log::new());
    let tree = load(two_notes(own_keys_only(&store), &log));
    // One call first, with no subscriber. tracing registers a span or event
    // callsite on its first use, and while one scoped dispatcher is the only
    // one, it asks the using thread's default: a first use on another test's
    // thread would turn the callsite off for good. Made after the warm-up, the
    // dispatcher is asked about every callsite already registered.
    let warm_up = tree.dispatch(NOTES, "remember", &[s("alice/warm-up"), s("x")]);
    assert!(warm_up.is_ok(), "{warm_up:?}");
    let logged_before = log.lines().len();
    let capture = Capture::default();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(capture.clone()));
    // Another test's scoped dispatcher may have cached a callsite as off (seen
    // once in CI: the host plug's span missing); ask every live dispatcher again.
    tracing::callsite::rebuild_interest_cache();

    // Thread `alice` writes `alice/…` keys, thread `bob` `bob/…` keys, at once;
    // each call reaches both plugins, and only the key's owner may write it.
    std::thread::scope(|scope| {
        for (who, other) in [("alice", "bob"), ("bob", "alice")] {
            let (tree, dispatch) = (&tree, dispatch.clone());
            std::thread::Builder::new()
                .name(who.to_string())
                .spawn_scoped(scope, move || {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for i in 0..CALLS {
                            let key = format!("{who}/{i}");
                            let answers =
                                tree.dispatch(NOTES, "remember", &[s(&key), s("x")]).expect("call");
                            let refused = format!(
                                "unavailable: plugin `{other}` writes only under `{other}/`"
                            );
                            let mut expected = vec![
                                (PluginId::from(who), Ok(Some(ok(None)))),
                                (
                                    PluginId::from(other),
                                    Ok(Some(Val::Result(Err(Some(Box::new(s(&refused))))))),
                                ),
                            ];
                            expected.sort_by(|a, b| a.0.cmp(&b.0));
                            assert_eq!(answers, Socket::Any(expected));
                        }
                    })
                })
                .expect("spawn");
        }
    });

    let mut expected: Vec<(Option<PluginId>, String)> = ["alice", "bob"]
        .iter()
        .flat_map(|who| {
            (0..CALLS).map(move |i| (by(who), format!("remembered {who}/{i} (1 bytes)")))
        })
        .collect();
    let lines = log.lines().into_iter().skip(logged_before);
    let mut lines: Vec<_> = lines.map(|l| (l.caller, l.message)).collect();
    lines.sort();
    expected.sort();
    assert_eq!(lines, expected, "the log's own lines");

    // The subscriber saw each line on the thread that made the call, with the
    // writer as `caller`, inside the log plug's span inside the writer's.
    let mut seen = capture.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    seen.sort();
    let some = |text: &str| Some(text.to_string());
    let mut want: Vec<Seen> = expected
        .iter()
        .map(|(who, message)| {
            let who = who.as_ref().map(PluginId::to_string);
            Seen {
                message: message.clone(),
                caller: who.clone(),
                thread: who.clone(),
                spans: vec![(some("log"), some("log")), (who, some("remember"))],
            }
        })
        .collect();
    want.sort();
    assert_eq!(seen, want, "what the subscriber saw");
}
