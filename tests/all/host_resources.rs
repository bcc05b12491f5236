//! Host resources (issue 23): a host plug in Rust provides `test:res/counters`
//! and `test:res/pool`, resources included, to the real `res-user` guest,
//! which cannot tell it from the `res-counters` component: constructors,
//! methods, `own` and `borrow` parameters, resources nested in every
//! compound type, destructors, and handles refused to a plugin that does not
//! own them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::guests::{self, load};
use crate::resources::{app, call, u32s};

use plugtree::describe::{ResourceName, ValueType};
use plugtree::dispatch::DispatchError;
use plugtree::host::{Borrow, HostError, HostPlug, HostResource, Own, WitValue};
use plugtree::{BuildError, LoadedTree, Socket, Val};

/// What the host plug's destructors did, seen from the test.
#[derive(Default)]
struct Tally {
    live: AtomicU32,
    dropped: AtomicU32,
}

struct Counter {
    value: AtomicU32,
    tally: Arc<Tally>,
}

impl HostResource for Counter {
    const INTERFACE: &'static str = "test:res/counters";
    const NAME: &'static str = "counter";
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.tally.live.fetch_sub(1, Ordering::Relaxed);
        self.tally.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

impl Counter {
    fn new(start: u32, tally: &Arc<Tally>) -> Own<Counter> {
        tally.live.fetch_add(1, Ordering::Relaxed);
        Own::new(Counter { value: AtomicU32::new(start), tally: tally.clone() })
    }

    fn get(&self) -> u32 {
        self.value.load(Ordering::Relaxed)
    }
}

/// `variant choice { nothing, one(counter) }`
enum Choice {
    Nothing,
    One(Own<Counter>),
}

impl WitValue for Choice {
    fn wit_type() -> ValueType {
        ValueType::Variant(vec![
            ("nothing".into(), None),
            ("one".into(), Some(Own::<Counter>::wit_type())),
        ])
    }
    fn into_val(self) -> Val {
        match self {
            Choice::Nothing => Val::Variant("nothing".into(), None),
            Choice::One(c) => Val::Variant("one".into(), Some(Box::new(c.into_val()))),
        }
    }
    fn from_val(val: &Val) -> Option<Self> {
        match val {
            Val::Variant(case, None) if case == "nothing" => Some(Choice::Nothing),
            Val::Variant(case, Some(c)) if case == "one" => Own::from_val(c).map(Choice::One),
            _ => None,
        }
    }
}

/// `record bundle`: a counter in every kind of compound type.
struct Bundle {
    label: String,
    main: Own<Counter>,
    extra: Vec<Own<Counter>>,
    maybe: Option<Own<Counter>>,
    either: Result<Own<Counter>, String>,
    pair: (Own<Counter>, u32),
    choice: Choice,
}

impl WitValue for Bundle {
    fn wit_type() -> ValueType {
        ValueType::Record(vec![
            ("label".into(), String::wit_type()),
            ("main".into(), Own::<Counter>::wit_type()),
            ("extra".into(), Vec::<Own<Counter>>::wit_type()),
            ("maybe".into(), Option::<Own<Counter>>::wit_type()),
            ("either".into(), Result::<Own<Counter>, String>::wit_type()),
            ("pair".into(), <(Own<Counter>, u32)>::wit_type()),
            ("choice".into(), Choice::wit_type()),
        ])
    }
    fn into_val(self) -> Val {
        Val::Record(vec![
            ("label".into(), self.label.into_val()),
            ("main".into(), self.main.into_val()),
            ("extra".into(), self.extra.into_val()),
            ("maybe".into(), self.maybe.into_val()),
            ("either".into(), self.either.into_val()),
            ("pair".into(), self.pair.into_val()),
            ("choice".into(), self.choice.into_val()),
        ])
    }
    fn from_val(val: &Val) -> Option<Self> {
        let Val::Record(fields) = val else { return None };
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        Some(Bundle {
            label: String::from_val(field("label")?)?,
            main: Own::from_val(field("main")?)?,
            extra: Vec::from_val(field("extra")?)?,
            maybe: Option::from_val(field("maybe")?)?,
            either: Result::from_val(field("either")?)?,
            pair: <(Own<Counter>, u32)>::from_val(field("pair")?)?,
            choice: Choice::from_val(field("choice")?)?,
        })
    }
}

impl Bundle {
    fn values(&self) -> Vec<u32> {
        let mut values = vec![self.main.get()];
        values.extend(self.extra.iter().map(|c| c.get()));
        values.extend(self.maybe.iter().map(|c| c.get()));
        values.extend(self.either.iter().map(|c| c.get()));
        values.push(self.pair.0.get());
        if let Choice::One(c) = &self.choice {
            values.push(c.get());
        }
        values
    }
}

/// `test:res/counters` in Rust, every function typed.
fn counters(tally: &Arc<Tally>) -> HostPlug {
    let t = [(); 4].map(|()| tally.clone());
    let [make, construct, bundle, statics] = t;
    let live = statics.clone();
    HostPlug::new("counters", "test:res/counters")
        .func("[constructor]counter", move |start: u32| -> Result<Own<Counter>, HostError> {
            Ok(Counter::new(start, &construct))
        })
        .func("[method]counter.get", |this: Borrow<Counter>| -> Result<u32, HostError> {
            Ok(this.get())
        })
        .func("[method]counter.add", |this: Borrow<Counter>, n: u32| -> Result<u32, HostError> {
            Ok(this.value.fetch_add(n, Ordering::Relaxed).wrapping_add(n))
        })
        .func(
            "[method]counter.absorb",
            |this: Borrow<Counter>, other: Own<Counter>| -> Result<u32, HostError> {
                // `other` was given back: it is dropped when this returns.
                Ok(this.value.fetch_add(other.get(), Ordering::Relaxed).wrapping_add(other.get()))
            },
        )
        .func(
            "[method]counter.plus",
            |this: Borrow<Counter>, other: Borrow<Counter>| -> Result<u32, HostError> {
                Ok(this.get() + other.get())
            },
        )
        .func("[static]counter.live", move || -> Result<u32, HostError> {
            Ok(live.live.load(Ordering::Relaxed))
        })
        .func("[static]counter.dropped", move || -> Result<u32, HostError> {
            Ok(statics.dropped.load(Ordering::Relaxed))
        })
        .func("make", move |start: u32| -> Result<Own<Counter>, HostError> {
            Ok(Counter::new(start, &make))
        })
        .func("make-bundle", move |start: u32| -> Result<Bundle, HostError> {
            let c = |i: u32| Counter::new(start + i, &bundle);
            Ok(Bundle {
                label: "from the host".into(),
                main: c(0),
                extra: vec![c(1), c(2)],
                maybe: Some(c(3)),
                either: Ok(c(4)),
                pair: (c(5), 7),
                choice: Choice::One(c(6)),
            })
        })
        .func("total", |items: Vec<Borrow<Counter>>| -> Result<u32, HostError> {
            Ok(items.iter().map(|c| c.get()).sum())
        })
        .func("consume", |b: Bundle| -> Result<u32, HostError> { Ok(b.values().iter().sum()) })
        .func("name", || -> Result<String, HostError> { Ok("host-counters".into()) })
}

struct Token(u32);

impl HostResource for Token {
    const INTERFACE: &'static str = "test:res/pool";
    const NAME: &'static str = "token";
}

/// `test:res/pool` in Rust.
fn pool() -> HostPlug {
    HostPlug::new("pool-h", "test:res/pool")
        .func("[method]token.value", |t: Borrow<Token>| -> Result<u32, HostError> { Ok(t.0) })
        .func("[method]token.owner", |_: Borrow<Token>| -> Result<String, HostError> {
            Ok("the host".into())
        })
        .func("mint", |v: u32| -> Result<Own<Token>, HostError> { Ok(Own::new(Token(v))) })
        .func("peek", |t: Borrow<Token>| -> Result<u32, HostError> { Ok(t.0) })
        .func("dropped", || -> Result<u32, HostError> { Ok(0) })
}

fn user_on_host_counters(tally: &Arc<Tally>) -> LoadedTree {
    load(
        app()
            .root("test:res/user")
            .plugin("user", guests::guest("res-user"))
            .host_plug(counters(tally)),
    )
}

#[test]
fn a_guest_creates_uses_and_drops_host_resources_and_their_destructors_run() {
    let tally = Arc::new(Tally::default());
    let tree = user_on_host_counters(&tally);
    // `make` returning `own`, then methods on it; the constructor and a
    // `borrow` that is not `self`; an `own` given back as an argument.
    assert_eq!(u32s(call(&tree, "round-trip", &[Val::U32(7)])), [7, 12, 12]);
    assert_eq!(u32s(call(&tree, "construct", &[Val::U32(40)])), [40, 41]);
    assert_eq!(tally.dropped.load(Ordering::Relaxed), 3, "the guest dropped three counters");
    assert_eq!(u32s(call(&tree, "absorb", &[])), [30, 3, 4]);
    assert_eq!(tally.live.load(Ordering::Relaxed), 0);
    // Counters in a record, a list, an option, a result, a tuple and a
    // variant, out and back in; a list of borrows.
    let sum: u32 = (100..107).sum();
    assert_eq!(
        u32s(call(&tree, "bundle", &[Val::U32(100)])),
        [100, 101, 102, 103, 104, 105, 106, sum, sum]
    );
    assert_eq!(tally.live.load(Ordering::Relaxed), 0, "consume dropped the whole bundle");
    // A counter kept by the guest past the call lives on in the host until
    // the guest drops its handle.
    assert_eq!(call(&tree, "keep", &[Val::U32(5)]), Val::U32(5));
    assert_eq!((tree.handles_held("user"), tally.live.load(Ordering::Relaxed)), (Some(1), 1));
    assert_eq!(call(&tree, "kept-get", &[]), Val::Result(Ok(Some(Box::new(Val::U32(5))))));
    let dropped = tally.dropped.load(Ordering::Relaxed);
    assert_eq!(call(&tree, "drop-kept", &[]), Val::U32(dropped + 1));
    assert_eq!((tree.handles_held("user"), tally.live.load(Ordering::Relaxed)), (Some(0), 0));
    // Churn leaves nothing behind in the host either.
    assert_eq!(call(&tree, "churn", &[Val::U32(10_000)]), Val::U32(0));
    assert_eq!(tally.live.load(Ordering::Relaxed), 0);
}

#[test]
fn a_host_resource_is_refused_to_a_plugin_that_does_not_own_it() {
    let tree = load(
        app()
            .root("test:res/user")
            .plugin("user", guests::guest("res-user"))
            .host_plug(counters(&Arc::default()))
            .host_plug(pool())
            .plugin("pool-a", guests::guest("res-pool-a")),
    );
    // Each token is answered by the plug that made it, host or component.
    let mint = call(&tree, "pool-mint", &[Val::U32(9)]);
    let Val::List(lines) = &mint else { panic!("{mint:?}") };
    let lines: Vec<String> = lines.iter().map(|l| format!("{l:?}")).collect();
    for line in ["pool-h: 9 from the host", "pool-a: 9 from res-pool-a", "peek 9"] {
        assert!(lines.iter().any(|l| l.contains(line)), "{line:?} in {lines:?}");
    }
    // One provider's token passed to the other: refused by plugtree before
    // either runs, whichever way round.
    let cross = call(&tree, "pool-cross", &[]);
    let Val::List(cross) = cross else { panic!("{cross:?}") };
    let [Val::String(refused)] = cross.as_slice() else { panic!("{cross:?}") };
    assert!(refused.starts_with("bad-handle: a handle passed to plugin"), "{refused}");
    assert!(
        refused.contains("belongs to plugin `pool-h`")
            || refused.contains("belongs to plugin `pool-a`"),
        "{refused}"
    );
    assert_eq!(tree.handles_held("user"), Some(0));
}

#[test]
fn the_host_calls_a_host_plugs_resources_on_the_root_and_drops_them() {
    let tally = Arc::new(Tally::default());
    let tree = load(app().root("test:res/counters").host_plug(counters(&tally)));
    let one =
        |function: &str, args: &[Val]| match tree.dispatch("test:res/counters", function, args) {
            Ok(Socket::ExactlyOne(_, Ok(answer))) => answer,
            other => panic!("{function}: {other:?}"),
        };
    let Some(Val::Resource(c)) = one("[constructor]counter", &[Val::U32(3)]) else {
        panic!("a handle")
    };
    assert_eq!(one("[method]counter.add", &[Val::Resource(c), Val::U32(4)]), Some(Val::U32(7)));
    assert_eq!(tally.live.load(Ordering::Relaxed), 1);
    tree.drop_resource(c).expect("dropped");
    assert_eq!((tally.live.load(Ordering::Relaxed), tally.dropped.load(Ordering::Relaxed)), (0, 1));
    // A stale handle is a typed error; the plug keeps answering.
    assert!(matches!(tree.drop_resource(c), Err(DispatchError::Dropped { .. })));
    let stale = tree.dispatch("test:res/counters", "[method]counter.get", &[Val::Resource(c)]);
    assert!(matches!(stale, Ok(Socket::ExactlyOne(_, Err(_)))), "{stale:?}");
    assert_eq!(one("name", &[]), Some(Val::String("host-counters".into())));
}

#[test]
fn a_host_function_with_another_resource_than_the_wit_is_refused_at_build() {
    let wrong = counters(&Arc::default())
        .func("make", |v: u32| -> Result<Own<Token>, HostError> { Ok(Own::new(Token(v))) });
    let (_, errors) = app().root("test:res/counters").host_plug(wrong).build().expect("valid WIT");
    // (Beside the root's `Unsatisfied`: the plug was its one provider.)
    match errors.iter().find(|e| matches!(e, BuildError::PlugMismatch { .. })) {
        Some(BuildError::PlugMismatch { plugin, function, expected, found, .. }) => {
            assert_eq!((plugin.as_str(), function.as_str()), ("counters", "make"));
            let own = |interface: &str, name: &str| {
                Some(ValueType::Own(ResourceName {
                    interface: interface.into(),
                    name: name.into(),
                }))
            };
            assert_eq!(expected.result, own("test:res/counters", "counter"));
            assert_eq!(found.result, own("test:res/pool", "token"));
        }
        _ => panic!("expected a PlugMismatch, got {errors:?}"),
    }
}
