//! `components`: component bytes given to the loader as plugin `fuzzed` of a
//! small tree, and every root function called, under a deadline.
//!
//! Input: a form byte, a setup byte (which tree: [`SETUPS`]), then the rest.
//! Forms (form byte % 4):
//! - 0, raw: the rest is the component's bytes. The corpus holds real
//!   components (hand-written WAT, encoded generated ones) and files that
//!   are almost components (truncated, an empty file, a core module header),
//!   which libFuzzer mutates byte by byte.
//! - 1, generated: `wasm-smith` makes a core module with exactly the exports
//!   (and imports) the setup's world needs, with random bodies, and
//!   wit-component encodes it as a component: valid, so it must build.
//! - 2, core module: any `wasm-smith` module, which is not a component and
//!   must be refused.
//! - 3, almost a component: one of the known-good components with a few
//!   arbitrary edits (truncation, a byte set, a range removed or inserted,
//!   an over-long LEB, another header).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use plugtree::host::HostError;
use plugtree::{CallError, HostPlug, Limits, PluginSource, PluginTree, Socket, Val};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

use crate::engine;

/// The deadline of each call into a fuzzed component (it may loop forever),
/// and of its instantiation.
const DEADLINE: Duration = Duration::from_secs(2);

/// How long one input may take to build, load and answer every call: far
/// past [`DEADLINE`], so only a deadline that failed to fire (or a
/// compilation that never ends) reaches it, and that is a failure.
const HANG: Duration = Duration::from_secs(60);

/// A root function, its arguments, and a check of its answer's type.
pub type Call = (&'static str, fn() -> Vec<Val>, fn(&Val) -> bool);

/// A tree the fuzzed component is plugged into.
pub struct Setup {
    /// A name for messages.
    pub name: &'static str,
    /// The app's WIT.
    pub wit: &'static str,
    /// The root interface, which the fuzzed component provides.
    pub root: &'static str,
    /// The interfaces the component imports (its sockets), provided by host plugs.
    pub sockets: &'static [&'static str],
    /// The host plugs providing the sockets.
    pub helpers: fn() -> Vec<HostPlug>,
    /// The calls made, in order.
    pub calls: &'static [Call],
}

const PARTIAL_WIT: &str = include_str!("../../../test-components/wit/app/partial.wit");
const VALUES_WIT: &str = include_str!("../../../test-components/wit/app/values.wit");
const CHAIN_WIT: &str = include_str!("../../../test-components/wit/app/chain.wit");

fn no_helpers() -> Vec<HostPlug> {
    Vec::new()
}

fn bottom() -> Vec<HostPlug> {
    vec![
        HostPlug::new("bottom", "test:chain/bottom")
            .func("depth", || -> Result<u32, HostError> { Ok(1) })
            .func("trace", |s: String| -> Result<String, HostError> {
                Ok(format!("{s} > bottom"))
            }),
    ]
}

fn is_u32(v: &Val) -> bool {
    matches!(v, Val::U32(_))
}

fn is_string(v: &Val) -> bool {
    matches!(v, Val::String(_))
}

fn is_list_of_u8(v: &Val) -> bool {
    matches!(v, Val::List(l) if l.iter().all(|b| matches!(b, Val::U8(_))))
}

fn is_entry(v: &Val) -> bool {
    let Val::Record(fields) = v else { return false };
    matches!(
        fields.as_slice(),
        [(n, Val::String(_)), (t, Val::List(tags)), (s, Val::Option(score))]
            if n == "name" && t == "tags" && s == "score"
                && tags.iter().all(is_string)
                && score.as_deref().is_none_or(is_u32)
    )
}

fn is_perms(v: &Val) -> bool {
    matches!(v, Val::Flags(f) if f.iter().all(|f| ["read", "write", "exec"].contains(&f.as_str())))
}

/// The trees, by the setup byte.
pub const SETUPS: [Setup; 3] = [
    Setup {
        name: "leaf",
        wit: PARTIAL_WIT,
        root: "test:partial/leaf",
        sockets: &[],
        helpers: no_helpers,
        calls: &[("value", Vec::new, is_u32), ("label", Vec::new, is_string)],
    },
    Setup {
        name: "values",
        wit: VALUES_WIT,
        root: "test:app/values",
        sockets: &[],
        helpers: no_helpers,
        calls: &[
            ("add", || vec![Val::U32(40), Val::U32(2)], is_u32),
            ("echo", || vec![Val::String("héllo".into())], is_string),
            ("bytes", || vec![Val::U32(3)], is_list_of_u8),
            (
                "find",
                || vec![Val::String("red".into())],
                |v| matches!(v, Val::Option(c) if c.as_deref().is_none_or(|c| matches!(c, Val::Enum(_)))),
            ),
            (
                "tag",
                || {
                    vec![
                        Val::Record(vec![
                            ("name".into(), Val::String("n".into())),
                            ("tags".into(), Val::List(vec![Val::String("a".into())])),
                            ("score".into(), Val::Option(Some(Box::new(Val::U32(4))))),
                        ]),
                        Val::String("b".into()),
                    ]
                },
                is_entry,
            ),
            (
                "area",
                || {
                    vec![Val::Variant(
                        "rect".into(),
                        Some(Box::new(Val::Tuple(vec![Val::Float64(2.0), Val::Float64(3.5)]))),
                    )]
                },
                |v| matches!(v, Val::Float64(_)),
            ),
            (
                "checked-div",
                || vec![Val::U32(9), Val::U32(0)],
                |v| {
                    matches!(v, Val::Result(Ok(Some(q))) if is_u32(q))
                        || matches!(v, Val::Result(Err(Some(e))) if is_string(e))
                },
            ),
            ("grant", || vec![Val::Flags(vec!["read".into()])], is_perms),
        ],
    },
    Setup {
        name: "mid",
        wit: CHAIN_WIT,
        root: "test:chain/mid",
        sockets: &["test:chain/bottom"],
        helpers: bottom,
        calls: &[
            ("depth", Vec::new, is_u32),
            ("trace", || vec![Val::String("x".into())], is_string),
        ],
    },
];

/// What became of a component given to the loader.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// It was refused at build, with these errors.
    Refused(Vec<String>),
    /// It built but did not load (instantiation trapped, a limit…).
    NotLoaded,
    /// It loaded; each call answered (`Some`) or failed (`None`: a trap, a limit).
    Called(Vec<Option<Val>>),
}

/// Builds and loads a tree with `bytes` as plugin `fuzzed` of `setup`, and
/// makes every call of the setup, checking each answer's type.
pub fn load_and_call(setup: &Setup, bytes: Vec<u8>) -> Outcome {
    let limits = Limits::default()
        .with_deadline(Some(DEADLINE))
        .with_memory(Some(64 << 20))
        .with_table_elements(Some(100_000));
    let mut builder =
        PluginTree::builder().wit_text("app.wit", setup.wit).root(setup.root).limits(limits);
    for plug in (setup.helpers)() {
        builder = builder.host_plug(plug);
    }
    let (tree, build_errors) = builder
        .plugin("fuzzed", PluginSource::Bytes(bytes))
        .build()
        .expect("the app's WIT is valid");
    let build_errors: Vec<String> = build_errors.iter().map(ToString::to_string).collect();
    assert!(build_errors.iter().all(|e| !e.is_empty()));
    if !build_errors.is_empty() {
        return Outcome::Refused(build_errors);
    }
    let (loaded, load_errors) = tree.load(engine());
    for e in &load_errors {
        assert!(!e.to_string().is_empty());
    }
    if loaded.root_providers().next().is_none() {
        return Outcome::NotLoaded;
    }
    let answers = setup
        .calls
        .iter()
        .map(|(function, args, check)| match loaded.dispatch(setup.root, function, &args()) {
            Ok(Socket::ExactlyOne(_, Ok(Some(value)))) => {
                // Whatever the guest computes, what comes back has the WIT's type.
                assert!(check(&value), "`{function}` answered {value:?}");
                Some(value)
            }
            Ok(Socket::ExactlyOne(_, Ok(None))) => panic!("`{function}` answered nothing"),
            Ok(Socket::ExactlyOne(_, Err(e @ CallError::Reentrant { .. }))) => {
                panic!("`{function}` on a tree without cycles: {e}")
            }
            // A trap, a limit (e.g. the deadline of a guest that loops), …
            Ok(Socket::ExactlyOne(_, Err(e))) => {
                assert!(!e.to_string().is_empty());
                None
            }
            other => panic!("`{function}` on a loaded root answered {other:?}"),
        })
        .collect();
    Outcome::Called(answers)
}

/// [`load_and_call`] on a thread of its own, failing if it takes longer than a minute
/// (far past the calls' deadline: only a deadline that failed to fire, or a compilation
/// that never ends, reaches it).
pub fn load_and_call_in_time(setup: &'static Setup, bytes: Vec<u8>) -> Outcome {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fuzz-guest".into())
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(|| load_and_call(setup, bytes))));
        })
        .expect("a thread");
    match rx.recv_timeout(HANG) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(payload)) => resume_unwind(payload),
        Err(_) => panic!(
            "a component of setup `{}` did not build, load and answer within {HANG:?}",
            setup.name
        ),
    }
}

/// Runs one input; panics when an oracle fails.
pub fn run(data: &[u8]) {
    let (form, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let (which, rest) = rest.split_first().map_or((0, rest), |(s, r)| (*s, r));
    let setup = &SETUPS[usize::from(which) % SETUPS.len()];
    match form % 4 {
        0 => {
            load_and_call_in_time(setup, rest.to_vec());
        }
        1 => {
            let Some(bytes) = generated_component(setup, rest) else { return };
            let outcome = load_and_call_in_time(setup, bytes);
            assert!(
                !matches!(outcome, Outcome::Refused(_)),
                "a valid component of setup `{}` was refused: {outcome:?}",
                setup.name
            );
        }
        2 => {
            let Some(module) = core_module(rest) else { return };
            let outcome = load_and_call_in_time(setup, module);
            assert!(
                matches!(outcome, Outcome::Refused(_)),
                "a core module was not refused: {outcome:?}"
            );
        }
        _ => {
            let Ok(almost) = AlmostComponent::arbitrary_take_rest(Unstructured::new(rest)) else {
                return;
            };
            let seeds = seeds();
            let (setup, bytes) = &seeds[usize::from(almost.seed) % seeds.len()];
            load_and_call_in_time(&SETUPS[*setup], almost.apply(bytes));
        }
    }
}

// ---------------------------------------------------------------------------
// Generated components.

/// A setup's world and the core module wit-component would want for it
/// (every import and export with its core type, bodies `unreachable`).
struct World {
    resolve: Resolve,
    world: wit_parser::WorldId,
    dummy: Vec<u8>,
}

fn world(setup: usize) -> &'static World {
    static WORLDS: OnceLock<Vec<World>> = OnceLock::new();
    &WORLDS.get_or_init(|| SETUPS.iter().map(make_world).collect())[setup]
}

fn make_world(setup: &Setup) -> World {
    let mut resolve = Resolve::default();
    resolve.push_str("app.wit", setup.wit).expect("the app's WIT");
    // Sockets are imported in the socket ABI, as plugtree's `wit socket` writes them.
    let mut sockets = plugtree::SocketWit::new(resolve).expect("the socket ABI");
    for socket in setup.sockets {
        let id = sockets.interface(socket).expect("a socket interface");
        sockets.rewrite(id, plugtree::Cardinality::ExactlyOne).expect("a socket rewrite");
    }
    let mut resolve = sockets.resolve().clone();
    let imports: String = setup.sockets.iter().map(|s| format!("import {s}; ")).collect();
    let text = format!("package fuzz:gen;\nworld fuzzed {{ {imports}export {}; }}\n", setup.root);
    let package = resolve.push_str("world.wit", &text).expect("the fuzzed world");
    let world = resolve.select_world(&[package], Some("fuzzed")).expect("the fuzzed world");
    let dummy =
        wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
    World { resolve, world, dummy }
}

/// The component of the setup's world around a `wasm-smith` module with
/// random bodies, if the bytes make one that encodes.
fn generated_component(setup: &Setup, bytes: &[u8]) -> Option<Vec<u8>> {
    let index = SETUPS.iter().position(|s| std::ptr::eq(s, setup))?;
    let world = world(index);
    let mut u = Unstructured::new(bytes);
    let mut config = smith_config(&mut u)?;
    config.exports = Some(world.dummy.clone());
    config.available_imports = Some(world.dummy.clone());
    config.min_imports = 0;
    let mut module = wasm_smith::Module::new(config, &mut u).ok()?.to_bytes();
    encode(world, &mut module)
}

/// A component of `world` around `module`, if wit-component encodes it.
fn encode(world: &World, module: &mut Vec<u8>) -> Option<Vec<u8>> {
    wit_component::embed_component_metadata(
        module,
        &world.resolve,
        world.world,
        StringEncoding::UTF8,
        false,
    )
    .ok()?;
    ComponentEncoder::default().validate(true).module(module).ok()?.encode().ok()
}

/// The component of each setup with `unreachable` bodies: a valid component.
pub fn dummy_component(setup: usize) -> Vec<u8> {
    let world = world(setup);
    encode(world, &mut world.dummy.clone()).expect("the dummy module encodes")
}

/// A `wasm-smith` configuration within what plugtree's engine runs.
fn smith_config(u: &mut Unstructured<'_>) -> Option<wasm_smith::Config> {
    let mut config = wasm_smith::Config::arbitrary(u).ok()?;
    config.gc_enabled = false;
    config.exceptions_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.memory64_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.custom_descriptors_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.relaxed_simd_enabled = false;
    config.tail_call_enabled = false;
    config.max_memory32_bytes = 64 << 20;
    config.max_table_elements = 10_000;
    Some(config)
}

/// Any `wasm-smith` core module.
fn core_module(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut u = Unstructured::new(bytes);
    let config = smith_config(&mut u)?;
    Some(wasm_smith::Module::new(config, &mut u).ok()?.to_bytes())
}

// ---------------------------------------------------------------------------
// Almost components.

/// The known-good components and their setups: the hand-written WAT leaves
/// of `test-components/wat/` and each setup's encoded dummy.
pub fn seeds() -> &'static [(usize, Vec<u8>)] {
    static SEEDS: OnceLock<Vec<(usize, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let wat = [
            include_str!("../../../test-components/wat/leaf-memory-grow.wat"),
            include_str!("../../../test-components/wat/leaf-recurse.wat"),
            include_str!("../../../test-components/wat/leaf-spin-start.wat"),
            include_str!("../../../test-components/wat/leaf-table-grow.wat"),
            include_str!("../../../test-components/wat/leaf-trap-start.wat"),
            include_str!("../../../test-components/wat/leaf-two-instances.wat"),
        ];
        let mut seeds: Vec<(usize, Vec<u8>)> =
            wat.iter().map(|text| (0, wat::parse_str(text).expect("a WAT component"))).collect();
        seeds.extend((0..SETUPS.len()).map(|s| (s, dummy_component(s))));
        seeds
    })
}

#[derive(Debug, Arbitrary)]
struct AlmostComponent {
    seed: u8,
    edits: Vec<Edit>,
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Truncate(u32),
    Set(u32, u8),
    Flip(u32, u8),
    Remove(u32, u16),
    Insert(u32, Vec<u8>),
    /// An over-long LEB128 (`u32::MAX` in five bytes) over what is there.
    Leb(u32),
    /// Another version and layer (bytes 4..8).
    Header([u8; 4]),
}

impl AlmostComponent {
    fn apply(&self, seed: &[u8]) -> Vec<u8> {
        let mut bytes = seed.to_vec();
        for edit in self.edits.iter().take(16) {
            let at = |i: u32, len: usize| (i as usize).checked_rem(len + 1).unwrap_or(0);
            let len = bytes.len();
            match edit {
                Edit::Truncate(n) => bytes.truncate(at(*n, len)),
                Edit::Set(i, b) if len > 0 => bytes[at(*i, len - 1)] = *b,
                Edit::Flip(i, bit) if len > 0 => bytes[at(*i, len - 1)] ^= 1 << (bit % 8),
                Edit::Remove(i, n) => {
                    let from = at(*i, len);
                    let to = (from + usize::from(*n)).min(len);
                    bytes.drain(from..to);
                }
                Edit::Insert(i, more) => {
                    let from = at(*i, len);
                    bytes.splice(from..from, more.iter().copied().take(4096));
                }
                Edit::Leb(i) => {
                    let from = at(*i, len);
                    let to = (from + 5).min(len);
                    bytes.splice(from..to, [0xff, 0xff, 0xff, 0xff, 0x0f]);
                }
                Edit::Header(h) if len >= 8 => bytes[4..8].copy_from_slice(h),
                _ => {}
            }
        }
        bytes
    }
}
