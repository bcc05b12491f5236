//! `wave_calls`: call text given to `parse_call`, and what parses called.
//!
//! Every input is (lossily decoded) call text, parsed against two trees:
//! - `test:app/values` (every WIT value kind), loaded: a call that parses is
//!   printed back as WAVE and must parse to the same arguments, then is
//!   dispatched and must answer what the `values` guest answers. Under
//!   libFuzzer its provider is a host plug computing those answers
//!   ([`WaveCalls::with_host_plug`]); `cargo test` replays the corpus against
//!   the guest component as well ([`WaveCalls::with_component`]).
//! - `t:app/store@1.0.0` (a versioned package with a resource), not loaded:
//!   constructors and static functions parse from text
//!   (`t:app/store@1.0.0.[constructor]counter(5)`,
//!   `t:app/store@1.0.0.[static]counter.live()`), a method is refused with
//!   [`CallParseError::Method`], a handle parameter with
//!   [`CallParseError::UnwritableParam`].

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use plugtree::host::HostError;
use plugtree::wave::to_wave;
use plugtree::{
    CallParseError, DispatchError, FunctionKind, HostPlug, LoadedTree, ParsedCall, PluginTree,
    Socket, Val,
};

use crate::{assert_char_range, engine};

const VALUES: &str = "test:app/values";
const VALUES_WIT: &str = include_str!("../../../test-components/wit/app/values.wit");

const STORE: &str = "t:app/store@1.0.0";
const STORE_WIT: &str = "package t:app@1.0.0;

interface store {
    resource counter {
        constructor(start: u32);
        get: func() -> u32;
        add: func(n: u32) -> u32;
        plus: func(other: borrow<counter>) -> u32;
        live: static func() -> u32;
        merge: static func(a: counter, b: borrow<counter>) -> counter;
        named: static func(name: string, start: option<u32>) -> counter;
    }
    make: func(start: u32) -> counter;
    total: func(items: list<borrow<counter>>) -> u32;
    label: func(c: borrow<counter>, text: string) -> string;
}
";

/// Runs one input against the trees with the host plug; panics when an oracle fails.
pub fn run(data: &[u8]) {
    static TREES: OnceLock<WaveCalls> = OnceLock::new();
    TREES.get_or_init(WaveCalls::with_host_plug).run(data);
}

/// The trees call texts are parsed against.
pub struct WaveCalls {
    values: Mutex<LoadedTree>,
    /// Loads the values tree again after its provider failed (a component only).
    reload: Option<Box<dyn Fn() -> LoadedTree + Send + Sync>>,
    store: PluginTree,
}

impl WaveCalls {
    /// `test:app/values` provided by a host plug answering as the `values` guest.
    pub fn with_host_plug() -> Self {
        let mut plug = HostPlug::new("values", VALUES);
        for name in
            ["add", "echo", "tag", "area", "checked-div", "find", "grant", "nothing", "bytes"]
        {
            plug = plug.func_dynamic(name, move |args: &[Val]| match expected(name, args) {
                Some(answer) => Ok(answer.into_iter().collect()),
                None => Err(HostError::new(format!(
                    "`{name}` got arguments not of its types: {args:?}"
                ))),
            });
        }
        let (tree, errors) = PluginTree::builder()
            .wit_text("values.wit", VALUES_WIT)
            .root(VALUES)
            .host_plug(plug)
            .build()
            .expect("the app's WIT is valid");
        assert!(errors.is_empty(), "{errors:?}");
        let (loaded, errors) = tree.load(engine());
        assert!(errors.is_empty(), "{errors:?}");
        WaveCalls { values: Mutex::new(loaded), reload: None, store: store_tree() }
    }

    /// `test:app/values` provided by the component at `path` (the `values` guest).
    pub fn with_component(path: PathBuf) -> Self {
        let load = move || {
            let (tree, errors) = PluginTree::builder()
                .wit_text("values.wit", VALUES_WIT)
                .root(VALUES)
                .plugin("values", path.clone())
                .build()
                .expect("the app's WIT is valid");
            assert!(errors.is_empty(), "{errors:?}");
            let (loaded, errors) = tree.load(engine());
            assert!(errors.is_empty(), "{errors:?}");
            loaded
        };
        WaveCalls { values: Mutex::new(load()), reload: Some(Box::new(load)), store: store_tree() }
    }

    /// Runs one input; panics when an oracle fails.
    pub fn run(&self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        self.values_call(&text);
        self.store_call(&text);
    }

    fn values_call(&self, text: &str) {
        let mut tree = self.values.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(call) = parse(text, |t| tree.parse_call(t)) else { return };
        assert_eq!(call.interface, VALUES);
        // A big list would be made of millions of `Val`s (here and when the
        // answer is lifted): only small ones are called.
        if matches!((call.function.as_str(), call.args.as_slice()), ("bytes", [Val::U32(n)]) if *n > 1 << 16)
        {
            return;
        }
        let want = expected(&call.function, &call.args).unwrap_or_else(|| {
            panic!(
                "parse_call accepted arguments not of `{}`'s types: {:?}",
                call.function, call.args
            )
        });
        match tree.dispatch(&call.interface, &call.function, &call.args) {
            Ok(Socket::ExactlyOne(_, Ok(got))) => assert_eq!(got, want, "{text}"),
            Ok(Socket::ExactlyOne(_, Err(e))) => match &self.reload {
                // The guest failed (it should not): a trapped plugin stays disabled, so reload.
                Some(reload) => {
                    eprintln!("fuzz wave_calls: {text:?}: {e}");
                    *tree = reload();
                }
                None => panic!("the host plug failed on {text:?}: {e}"),
            },
            Ok(other) => panic!("an exactly-one root answered {other:?}"),
            Err(e @ (DispatchError::ArgumentCount { .. } | DispatchError::ArgumentType { .. })) => {
                panic!("dispatch refuses what parse_call accepted: {text}: {e}")
            }
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn store_call(&self, text: &str) {
        let parsed = self.store.parse_call(text);
        // A method named in the root interface is refused as a method, whatever its arguments.
        if let Ok((interface, name)) = ParsedCall::split(text)
            && interface == STORE
            && let Some(f) = self
                .store
                .catalog()
                .get(STORE)
                .and_then(|i| i.functions.iter().find(|f| f.name == name))
            && matches!(f.kind, FunctionKind::Method { .. })
        {
            assert!(
                matches!(&parsed, Err(CallParseError::Method { function, .. }) if *function == f.name),
                "the method call {text:?} was not refused as a method: {parsed:?}"
            );
        }
        let Some(call) = parse(text, |t| self.store.parse_call(t)) else { return };
        assert_eq!(call.interface, STORE);
        let function = self
            .store
            .catalog()
            .get(STORE)
            .and_then(|i| i.functions.iter().find(|f| f.name == call.function));
        let function =
            function.unwrap_or_else(|| panic!("parsed a call of an unknown function: {call:?}"));
        assert!(
            !matches!(function.kind, FunctionKind::Method { .. }),
            "parsed a method call: {text:?}"
        );
    }
}

/// `text` parsed by `parse`, with the checks every call text gets: an error
/// has a message and a span on `char` boundaries (or is one without a
/// place); a call printed back as WAVE parses to the same arguments.
fn parse(
    text: &str,
    parse: impl Fn(&str) -> Result<ParsedCall, CallParseError>,
) -> Option<ParsedCall> {
    let call = match parse(text) {
        Ok(call) => call,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            match e.span() {
                Some(span) => assert_char_range(text, span, &message),
                None => assert!(
                    matches!(
                        e,
                        CallParseError::UnwritableParam { .. } | CallParseError::Unpassable
                    ),
                    "{e:?}"
                ),
            }
            return None;
        }
    };
    let again = format!(
        "{}.{}({})",
        call.interface,
        call.function,
        call.args.iter().map(to_wave).collect::<Vec<_>>().join(", ")
    );
    match parse(&again) {
        Ok(reparsed) => assert_eq!(reparsed.args, call.args, "{again}"),
        Err(e) => panic!("the WAVE of parsed arguments does not parse: {again}: {e}"),
    }
    Some(call)
}

fn store_tree() -> PluginTree {
    // No provider: parse_call needs only the built tree.
    let (tree, _unsatisfied) = PluginTree::builder()
        .wit_text("store.wit", STORE_WIT)
        .root(STORE)
        .build()
        .expect("the store's WIT is valid");
    tree
}

fn some(v: Val) -> Option<Box<Val>> {
    Some(Box::new(v))
}

/// What the `values` guest answers (see `test-components/values/src/lib.rs`);
/// `None` when the arguments are not of the function's types.
pub fn expected(function: &str, args: &[Val]) -> Option<Option<Val>> {
    Some(match (function, args) {
        ("add", [Val::U32(a), Val::U32(b)]) => Some(Val::U32(a.wrapping_add(*b))),
        ("echo", [Val::String(s)]) => Some(Val::String(s.clone())),
        ("tag", [Val::Record(fields), Val::String(extra)]) => {
            let mut fields = fields.clone();
            for (name, value) in &mut fields {
                match (name.as_str(), value) {
                    ("tags", Val::List(tags)) => tags.push(Val::String(extra.clone())),
                    ("score", Val::Option(score)) => {
                        let next = match score.as_deref() {
                            Some(Val::U32(s)) => s.wrapping_add(1),
                            _ => 1,
                        };
                        *score = some(Val::U32(next));
                    }
                    _ => {}
                }
            }
            Some(Val::Record(fields))
        }
        ("area", [Val::Variant(case, payload)]) => {
            Some(Val::Float64(match (case.as_str(), payload.as_deref()) {
                ("circle", Some(Val::Float64(r))) => 3.0 * r * r,
                ("rect", Some(Val::Tuple(wh))) => match wh.as_slice() {
                    [Val::Float64(w), Val::Float64(h)] => w * h,
                    _ => return None,
                },
                ("empty", None) => 0.0,
                _ => return None,
            }))
        }
        ("checked-div", [Val::U32(a), Val::U32(b)]) => Some(Val::Result(match a.checked_div(*b) {
            Some(q) => Ok(some(Val::U32(q))),
            None => Err(some(Val::String("division by zero".into()))),
        })),
        ("find", [Val::String(name)]) => Some(Val::Option(
            ["red", "green", "blue"]
                .contains(&name.as_str())
                .then(|| Box::new(Val::Enum(name.clone()))),
        )),
        ("grant", [Val::Flags(given)]) => Some(Val::Flags(
            ["read", "write", "exec"]
                .iter()
                .filter(|f| **f == "exec" || given.iter().any(|g| g == *f))
                .map(|f| f.to_string())
                .collect(),
        )),
        ("nothing", []) => None,
        ("bytes", [Val::U32(n)]) => Some(Val::List((0..*n).map(|i| Val::U8(i as u8)).collect())),
        _ => return None,
    })
}
