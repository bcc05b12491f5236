//! A small deterministic mutational fuzzer over plugtree's untrusted inputs:
//! manifests, WIT, component bytes and WAVE call texts.
//!
//! Each target mutates a seed corpus with AFL-style havoc (bit flips,
//! interesting values, inserted, deleted and duplicated ranges, dictionary
//! tokens, splices between corpus entries) for a time budget, runs every input
//! inside `catch_unwind`, and checks what it can cheaply check beyond "did not
//! panic". Inputs that were accepted join the corpus, so mutations go deeper.
//!
//! - `PLUGTREE_FUZZ_SECONDS`: the budget per target (default 3; fractions allowed).
//! - `PLUGTREE_FUZZ_SEED`: the base seed (decimal or `0x…` hex; default fixed, so
//!   a run is deterministic in its sequence of inputs, only its length depends
//!   on the machine's speed).
//! - `PLUGTREE_FUZZ_REPLAY=FILE`: run only the input in FILE through the chosen
//!   targets, without catching its panic (a failing input is saved to
//!   `target/tmp/fuzz-failures/`, and its path is printed).
//! - `PLUGTREE_FUZZ_TRACE=1`: write each input to
//!   `target/tmp/fuzz-failures/<target>-current.bin` before running it (slow),
//!   to catch an input that aborts the process (stack overflow, failed
//!   allocation) where no panic can be caught.
//!
//! ```sh
//! PLUGTREE_FUZZ_SECONDS=60 cargo test --test all fuzz:: -- --nocapture --test-threads=1
//! ```

use crate::guests;

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use plugtree::wave::to_wave;
use plugtree::{
    CallError, CallParseError, Catalog, DispatchError, Engine, Limits, LoadedTree, Manifest,
    PluginSource, PluginTree, Socket, Val,
};

// ---------------------------------------------------------------------------
// Configuration

/// The time budget of each target.
fn budget() -> Duration {
    let text = std::env::var("PLUGTREE_FUZZ_SECONDS").unwrap_or_default();
    let seconds = if text.trim().is_empty() {
        3.0
    } else {
        text.trim()
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("PLUGTREE_FUZZ_SECONDS={text:?} is not a number"))
    };
    Duration::from_secs_f64(seconds.clamp(0.0, 24.0 * 3600.0))
}

/// The base seed; each target mixes its name in.
fn base_seed() -> u64 {
    const DEFAULT: u64 = 0x706c_7567_7472_6565; // "plugtree"
    let Ok(text) = std::env::var("PLUGTREE_FUZZ_SEED") else { return DEFAULT };
    let text = text.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("PLUGTREE_FUZZ_SEED={text:?} is not a u64"))
}

/// The input to replay instead of fuzzing, if any.
fn replay() -> Option<Vec<u8>> {
    let path = std::env::var_os("PLUGTREE_FUZZ_REPLAY")?;
    Some(
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("PLUGTREE_FUZZ_REPLAY={}: {e}", Path::new(&path).display())),
    )
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// PRNG: splitmix64 to seed, xorshift64* to generate.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_f491_4f6c_dd1d } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// FNV-1a, to give each target its own seed.
fn fnv(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

// ---------------------------------------------------------------------------
// Havoc mutations, after AFL.

const INTERESTING_8: [u8; 9] = [0x80, 0xff, 0, 1, 16, 32, 64, 100, 127];
const INTERESTING_16: [u16; 10] = [0x8000, 0xff7f, 128, 255, 256, 512, 1000, 1024, 4096, 32767];
const INTERESTING_32: [u32; 8] =
    [0x8000_0000, 0xfa00_00fa, 0xffff_7fff, 32768, 65535, 65536, 100_663_045, 0x7fff_ffff];

struct Mutator {
    rng: Rng,
    dict: Vec<Vec<u8>>,
    max_len: usize,
}

impl Mutator {
    /// A block length for a range edit of `data` (`limit` bytes at most),
    /// mostly small, sometimes large.
    fn block_len(&mut self, limit: usize) -> usize {
        let cap = match self.rng.below(10) {
            0..=5 => 8,
            6..=8 => 128,
            _ => 4096,
        };
        1 + self.rng.below(cap.min(limit).max(1))
    }

    /// A copy of `input` with a stack of 1 to 32 havoc mutations applied
    /// (`corpus` gives the other inputs to splice with).
    fn havoc(&mut self, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut data = input.to_vec();
        let stack = 1 << self.rng.below(6);
        for _ in 0..stack {
            self.mutate_once(&mut data, corpus);
        }
        data.truncate(self.max_len);
        data
    }

    fn mutate_once(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let rng = &mut self.rng;
        let len = data.len();
        // Edits that need bytes to work on fall through to an insertion.
        let choice = if len == 0 { 9 + rng.below(3) } else { rng.below(15) };
        match choice {
            0 => {
                let bit = rng.below(len * 8);
                data[bit / 8] ^= 1 << (bit % 8);
            }
            1 => {
                let at = rng.below(len);
                data[at] = INTERESTING_8[rng.below(INTERESTING_8.len())];
            }
            2 if len >= 2 => {
                let at = rng.below(len - 1);
                let v = INTERESTING_16[rng.below(INTERESTING_16.len())];
                let bytes = if rng.one_in(2) { v.to_le_bytes() } else { v.to_be_bytes() };
                data[at..at + 2].copy_from_slice(&bytes);
            }
            3 if len >= 4 => {
                let at = rng.below(len - 3);
                let v = INTERESTING_32[rng.below(INTERESTING_32.len())];
                let bytes = if rng.one_in(2) { v.to_le_bytes() } else { v.to_be_bytes() };
                data[at..at + 4].copy_from_slice(&bytes);
            }
            4 => {
                let at = rng.below(len);
                let delta = 1 + rng.below(35) as u8;
                data[at] = if rng.one_in(2) {
                    data[at].wrapping_add(delta)
                } else {
                    data[at].wrapping_sub(delta)
                };
            }
            5 => {
                let at = rng.below(len);
                data[at] = rng.next() as u8;
            }
            6 | 7 => {
                // Delete a range (twice as likely: keeps inputs from only growing).
                let n = self.block_len(len);
                let at = self.rng.below(len - n + 1);
                data.drain(at..at + n);
            }
            8 => {
                // Duplicate a range somewhere (or right after itself).
                let n = self.block_len(len);
                let from = self.rng.below(len - n + 1);
                let to = if self.rng.one_in(2) { from + n } else { self.rng.below(len + 1) };
                let chunk = data[from..from + n].to_vec();
                data.splice(to..to, chunk);
            }
            9 => {
                // Insert a run of one byte (random, or one already present).
                let n = self.block_len(64);
                let byte = if len > 0 && self.rng.one_in(2) {
                    data[self.rng.below(len)]
                } else {
                    self.rng.next() as u8
                };
                let at = self.rng.below(len + 1);
                data.splice(at..at, std::iter::repeat_n(byte, n));
            }
            10 | 11 if !self.dict.is_empty() => {
                // Insert a dictionary token.
                let token = self.dict[self.rng.below(self.dict.len())].clone();
                let at = self.rng.below(len + 1);
                data.splice(at..at, token);
            }
            12 if !self.dict.is_empty() => {
                // Overwrite with a dictionary token.
                let token = self.dict[self.rng.below(self.dict.len())].clone();
                let at = self.rng.below(len);
                let end = (at + token.len()).min(len);
                data.splice(at..end, token);
            }
            13 => {
                // Overwrite a range with another range of the same input.
                let n = self.block_len(len);
                let from = self.rng.below(len - n + 1);
                let to = self.rng.below(len - n + 1);
                data.copy_within(from..from + n, to);
            }
            _ => {
                // Splice: a prefix of this input, a suffix of another one.
                let other = &corpus[self.rng.below(corpus.len())];
                if other.is_empty() {
                    return;
                }
                let cut = self.rng.below(len + 1);
                let from = self.rng.below(other.len());
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The driver.

/// What a target made of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The input was accepted (parsed, loaded, …): worth mutating further.
    Accepted,
    /// The input was rejected with an error, as it should be.
    Rejected,
    /// The target cannot go on (e.g. a guest that never returns): stop early.
    Stop,
}

/// How a target's inputs are shown when one fails.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// As the (lossily decoded) text the target saw, escaped.
    Text,
    /// As hex.
    Bytes,
}

struct Target<'a> {
    name: &'a str,
    seeds: Vec<Vec<u8>>,
    dict: Vec<Vec<u8>>,
    max_len: usize,
    shape: Shape,
}

/// The text a text target sees for `input`.
fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

fn show(input: &[u8], shape: Shape) -> String {
    match shape {
        Shape::Text => format!("{:?}", text(input)),
        Shape::Bytes => {
            let hex: String = input.iter().take(4096).map(|b| format!("{b:02x}")).collect();
            if input.len() > 4096 {
                format!("{hex}… ({} bytes in all)", input.len())
            } else {
                hex
            }
        }
    }
}

/// Saves a failing input for `PLUGTREE_FUZZ_REPLAY` and returns its path.
fn save(name: &str, seed: u64, iteration: u64, input: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let path = dir.join(format!("{name}-{seed:#x}-{iteration}.bin"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!("fuzz {name}: cannot save the input to {}: {e}", path.display());
    }
    path
}

/// Runs `run` on every seed (each must be accepted), then on mutants until the
/// budget is spent. A panic fails the test with the input that caused it.
///
/// `run` also gets the index of the seed an input descends from (a splice
/// keeps the lineage of the input it starts with); a replayed input is of seed 0.
fn fuzz(target: Target<'_>, mut run: impl FnMut(&[u8], usize) -> Verdict) {
    let Target { name, seeds, dict, max_len, shape } = target;
    if let Some(input) = replay() {
        eprintln!("fuzz {name}: replaying {} bytes: {}", input.len(), show(&input, shape));
        eprintln!("fuzz {name}: {:?}", run(&input, 0));
        return;
    }
    let seed = base_seed();
    let budget = budget();
    let trace = std::env::var_os("PLUGTREE_FUZZ_TRACE").map(|_| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
        std::fs::create_dir_all(&dir).expect("the failures folder");
        dir.join(format!("{name}-current.bin"))
    });
    let mut mutator = Mutator { rng: Rng::new(seed ^ fnv(name)), dict, max_len };
    // `is_seed`: an unmutated seed (numbered from 0) or a mutant (numbered from 1).
    let fail = |is_seed: bool,
                iteration: u64,
                input: &[u8],
                payload: Box<dyn std::any::Any + Send>|
     -> ! {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(a non-string panic)");
        let what = if is_seed { "seed" } else { "input" };
        let path = save(name, seed, iteration, input);
        panic!(
            "fuzz {name}: {what} {iteration} (PLUGTREE_FUZZ_SEED={seed:#x}) panicked: {message}\n\
             input ({} bytes): {}\nsaved to {} (replay with PLUGTREE_FUZZ_REPLAY=that-file cargo test --test all fuzz::{name})",
            input.len(),
            show(input, shape),
            path.display(),
        )
    };

    assert!(!seeds.is_empty(), "fuzz {name}: no seeds");
    let seed_count = seeds.len();
    for (i, input) in seeds.iter().enumerate() {
        match catch_unwind(AssertUnwindSafe(|| run(input, i))) {
            Ok(Verdict::Accepted) => {}
            Ok(verdict) => panic!(
                "fuzz {name}: seed {i} is not accepted ({verdict:?}): {}",
                show(input, shape)
            ),
            Err(payload) => fail(true, i as u64, input, payload),
        }
    }

    // Every input, with the seed it descends from.
    let mut corpus = seeds;
    let mut lineage: Vec<usize> = (0..seed_count).collect();
    let start = Instant::now();
    let (mut iterations, mut accepted, mut stopped) = (0u64, 0u64, false);
    while start.elapsed() < budget {
        // Mostly mutate a seed (the corpus grows with mutants that were accepted).
        let parent = if mutator.rng.one_in(2) {
            mutator.rng.below(seed_count)
        } else {
            mutator.rng.below(corpus.len())
        };
        let input = mutator.havoc(&corpus[parent], &corpus);
        let origin = lineage[parent];
        iterations += 1;
        if let Some(path) = &trace {
            std::fs::write(path, &input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        match catch_unwind(AssertUnwindSafe(|| run(&input, origin))) {
            Ok(Verdict::Accepted) => {
                accepted += 1;
                if corpus.len() < seed_count + 256 {
                    corpus.push(input);
                    lineage.push(origin);
                } else {
                    let slot = seed_count + mutator.rng.below(256);
                    corpus[slot] = input;
                    lineage[slot] = origin;
                }
            }
            Ok(Verdict::Rejected) => {}
            Ok(Verdict::Stop) => {
                stopped = true;
                save(name, seed, iterations, &input);
                break;
            }
            Err(payload) => fail(false, iterations, &input, payload),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {name}: seed {seed:#x}: {iterations} iterations in {seconds:.1}s ({:.0}/s), {accepted} accepted, corpus {}{}",
        iterations as f64 / seconds.max(1e-9),
        corpus.len(),
        if stopped { ", stopped early" } else { "" },
    );
}

fn tokens(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|t| t.as_bytes().to_vec()).collect()
}

/// Asserts that `span` is a range of `text` on `char` boundaries.
fn assert_char_range(text: &str, span: std::ops::Range<usize>, what: &dyn std::fmt::Display) {
    assert!(
        text.get(span.clone()).is_some(),
        "span {span:?} of `{what}` is not a char range of the input {text:?}"
    );
}

// ---------------------------------------------------------------------------
// The fuzzer's own checks.

#[test]
#[should_panic(expected = "fuzz self-test: seed 1 (PLUGTREE_FUZZ_SEED=")]
fn the_driver_reports_a_panicking_input() {
    let seeds = vec![b"fine".to_vec(), b"boom".to_vec()];
    fuzz(
        Target { name: "self-test", seeds, dict: Vec::new(), max_len: 16, shape: Shape::Text },
        |input, _| {
            assert_ne!(input, b"boom", "boom");
            Verdict::Accepted
        },
    );
}

#[test]
fn mutations_are_deterministic_and_bounded() {
    let corpus = vec![b"hello world".to_vec(), Vec::new(), b"{x: [1, 2]}".to_vec()];
    let run = |seed| {
        let mut m =
            Mutator { rng: Rng::new(seed), dict: tokens(&["some(", "\u{1F600}"]), max_len: 64 };
        (0..2000).map(|i| m.havoc(&corpus[i % corpus.len()], &corpus)).collect::<Vec<_>>()
    };
    let (a, b) = (run(7), run(7));
    assert_eq!(a, b);
    assert_ne!(a, run(8));
    assert!(a.iter().all(|m| m.len() <= 64));
    // Havoc changes most inputs, and both grows and shrinks them.
    assert!(a.iter().filter(|m| m.len() > 11).count() > 100);
    assert!(a.iter().filter(|m| m.len() < 11 && !m.is_empty()).count() > 100);
}

// ---------------------------------------------------------------------------
// 1. The manifest parser.

#[test]
fn manifest() {
    let demo =
        std::fs::read_to_string(repo().join("demo/plugtree.toml")).expect("the demo manifest");
    // The demo's plugins exist only once built: its seed names files that always do.
    let demo: String = demo
        .lines()
        .map(|line| match line.strip_prefix("path = \"components/") {
            // Plugins in any language: the manifest itself is a file that always exists.
            Some(_) => "path = \"demo/plugtree.toml\"\n".to_string(),
            None if line.starts_with("wit = ") => "wit = \"demo/wit\"\n".to_string(),
            None => format!("{}\n", line.replace("\"broken/", "\"demo/broken/")),
        })
        .collect();
    let seeds = [
        demo.as_str(),
        "root = \"my:app/greeter\"\nwit = [\"crates/plugtree/wit/plugtree-socket.wit\", \"demo/wit\"]\n\n\
         [cardinality]\n\"my:app/greeter\" = \"any\"\n\"my:app/dictionary\" = \"at-most-one\"\n\"my:app/x\" = \"exactly-one\"\n\n\
         [[plugins]]\nid = \"english\"\npath = \"Cargo.toml\"\n\n[[plugins]]\nid = \"french\"\npath = \"README.md\"\n",
        "root = 'test:app/values'\nwit = 'test-components/wit/app'\n[[plugins]]\nid = 'v'\npath = 'test-components/wat/leaf-trap-start.wat'\n",
        // The default `wit` (a `wit` folder beside the manifest) is the manifest's unit tests'.
        "# just a root and its WIT\nroot = \"a:b/c@1.0.0\"\nwit = \"demo/wit\"\n",
        "root = \"a:b/c\"\nwit = []\ncardinality = { \"a:b/c\" = \"any\" }\nplugins = [{ id = \"x\", path = \"Cargo.toml\" }, { id = \"y\", path = \"./src/../Cargo.toml\" }]\n",
    ];
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let dict = tokens(&[
        "root",
        "wit",
        "cardinality",
        "plugins",
        "id",
        "path",
        " = ",
        "=",
        "\"",
        "'",
        "[cardinality]\n",
        "[[plugins]]\n",
        "\"any\"",
        "\"at-most-one\"",
        "\"exactly-one\"",
        "[",
        "]",
        "{",
        "}",
        ",",
        "\n",
        "#",
        "'''",
        "\"\"\"",
        "\\u00e9",
        "\\",
        "é",
        "👋",
        "\0",
        "\r\n",
        "\t",
        "true",
        "1979-05-27T07:32:00Z",
        "inf",
        "nan",
        "0x1F",
        "1e400",
        "-0",
        "\"Cargo.toml\"",
        "\"wit\"",
        "\"demo/wit\"",
        "\"../\"",
        "\"/\"",
        "\".\"",
        "\"\"",
        "\"demo:text/filter\"",
        "a.b.c",
        "[plugins.x]",
        "limits",
        "deadline",
        "memory",
        "\"16 MiB\"",
        "\"2s\"",
    ]);
    let base = repo();
    fuzz(
        Target { name: "manifest", seeds, dict, max_len: 4096, shape: Shape::Text },
        |input, _| {
            let text = text(input);
            match Manifest::parse(&text, Path::new("plugtree.toml"), base) {
                Ok(m) => {
                    // What validation promises.
                    let mut ids = std::collections::HashSet::new();
                    for p in &m.plugins {
                        assert!(!p.id.as_str().is_empty(), "an empty plugin id was accepted");
                        assert!(
                            ids.insert(p.id.clone()),
                            "duplicate plugin id `{}` was accepted",
                            p.id
                        );
                        // A plugin's file is its build error, not the manifest's.
                        assert!(p.id.is_valid(), "the invalid plugin id `{}` was accepted", p.id);
                    }
                    for w in &m.wit {
                        assert!(w.exists(), "WIT path {} does not exist", w.display());
                    }
                    Verdict::Accepted
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    Verdict::Rejected
                }
            }
        },
    );
}

// ---------------------------------------------------------------------------
// 2. WIT given as text, and a tree built from it.

fn wit_seeds() -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = ["test-components/wit/app", "demo/wit"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(repo().join(dir)).expect("a WIT folder"))
        .map(|e| e.expect("a WIT file").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).expect("a WIT file")).collect()
}

#[test]
fn wit() {
    let dict = tokens(&[
        "package ",
        "interface ",
        "world ",
        "func",
        "record ",
        "variant ",
        "enum ",
        "flags ",
        "resource ",
        "type ",
        "use ",
        "import ",
        "export ",
        "include ",
        " with ",
        " as ",
        "constructor",
        "static ",
        "borrow<",
        "own<",
        "list<",
        "option<",
        "result<",
        "tuple<",
        "future<",
        "stream<",
        "map<",
        "u8",
        "s16",
        "u32",
        "s64",
        "f32",
        "f64",
        "char",
        "bool",
        "string",
        "error-context",
        "->",
        ": ",
        ";",
        "{",
        "}",
        "(",
        ")",
        "<",
        ">",
        ", ",
        ", 4>",
        "_",
        "@1.0.0",
        "@since(version = 1.0.0)\n",
        "@unstable(feature = x)\n",
        "@deprecated(version = 1.0.0)\n",
        "/// doc\n",
        "/* c */",
        "// c\n",
        "%",
        "%interface",
        "-",
        ".",
        "/",
        "*",
        ":",
        "a:b",
        "a:b/c.{d}",
        "é",
        "\0",
        "\n",
        "\n}\n",
        "x: func(a: u32) -> u32;\n",
        "interface i { f: func(); }\n",
        "self",
    ]);
    fuzz(
        Target { name: "wit", seeds: wit_seeds(), dict, max_len: 16 * 1024, shape: Shape::Text },
        |input, _| {
            let text = text(input);
            let catalog = match Catalog::from_wit_text("fuzz.wit", &text) {
                Ok(catalog) => catalog,
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    return Verdict::Rejected;
                }
            };
            let Some(root) = catalog.iter().find(|i| !i.functions.is_empty()) else {
                return Verdict::Accepted;
            };
            // What parsed as a catalog builds as a tree rooted at any interface with functions.
            let (tree, _no_provider) = PluginTree::builder()
                .wit_text("fuzz.wit", text.as_str())
                .root(root.name.as_str())
                .build()
                .unwrap_or_else(|e| {
                    panic!(
                        "WIT that parsed as a catalog does not build a tree rooted at `{}`: {e}",
                        root.name
                    )
                });
            assert_eq!(tree.root(), root.name);
            assert_eq!(tree.catalog().get(&root.name).map(|i| &i.functions), Some(&root.functions));
            Verdict::Accepted
        },
    );
}

// ---------------------------------------------------------------------------
// 3. Component bytes passed to the loader.

/// The deadline of each call into a mutated guest (it may loop forever).
const DEADLINE: Duration = Duration::from_secs(2);

/// How long a mutated guest may take to load and answer before the target
/// gives up on it: far past [`DEADLINE`], so only a deadline that failed to
/// fire (or a compilation that never ends) stops the target.
const HANG: Duration = Duration::from_secs(30);

/// Runs `f` on its own thread and waits at most `limit` for it; a panic in
/// `f` is resumed here. `None` when it did not finish (the thread is left
/// behind).
fn with_timeout<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("fuzz-guest".into())
        .spawn(move || {
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        })
        .expect("a thread");
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => Some(value),
        Ok(Err(payload)) => resume_unwind(payload),
        Err(_) => None,
    }
}

/// A root function, its arguments, and a check of its answer's type.
type Call = (&'static str, Vec<Val>, fn(&Val) -> bool);

/// One tree per seed component: its WIT and root, the fixed plugins it needs,
/// and the calls to make.
struct ComponentSetup {
    wit: &'static str,
    root: &'static str,
    helpers: Vec<(&'static str, PathBuf)>,
    calls: Vec<Call>,
}

/// What became of a component given to the loader.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// It was refused (at build or at load), with an error.
    Refused,
    /// It loaded and answered the call with this value.
    Answered(Val),
    /// It loaded, and failed in the call (a trap, a limit).
    Trapped,
}

/// Builds and loads a tree with `bytes` as plugin `fuzzed`, and makes one of
/// the setup's calls.
fn load_and_call(engine: &Engine, setup: &ComponentSetup, bytes: Vec<u8>, call: usize) -> Outcome {
    let mut builder = PluginTree::builder()
        .wit(guests::app_wit().join(setup.wit))
        .root(setup.root)
        .limits(Limits::default().with_deadline(Some(DEADLINE)));
    for (id, path) in &setup.helpers {
        builder = builder.plugin(*id, path.clone());
    }
    let (tree, build_errors) = builder
        .plugin("fuzzed", PluginSource::Bytes(bytes))
        .build()
        .expect("the app's WIT is valid");
    for e in &build_errors {
        assert!(!e.to_string().is_empty());
    }
    let (loaded, load_errors) = tree.load(engine);
    for e in &load_errors {
        assert!(!e.to_string().is_empty());
    }
    if loaded.root_providers().next().is_none() {
        return Outcome::Refused;
    }
    let (function, args, check) = &setup.calls[call % setup.calls.len()];
    match loaded.dispatch(setup.root, function, args) {
        Ok(Socket::ExactlyOne(_, Ok(Some(value)))) => {
            // Whatever the guest computes, what comes back has the WIT's type.
            assert!(check(&value), "`{function}` answered {value:?}");
            Outcome::Answered(value)
        }
        Ok(Socket::ExactlyOne(_, Err(e @ CallError::Reentrant { .. }))) => {
            panic!("`{function}` on a tree without cycles: {e}")
        }
        // A trap, a limit (e.g. the deadline of a guest that loops), …
        Ok(Socket::ExactlyOne(_, Err(_))) => Outcome::Trapped,
        other => panic!("`{function}` on a loaded root answered {other:?}"),
    }
}

#[test]
fn components() {
    let engine = plugtree::default_engine().expect("an engine");
    let setups = [
        (
            guests::guest("values"),
            ComponentSetup {
                wit: "values.wit",
                root: "test:app/values",
                helpers: Vec::new(),
                calls: vec![
                    ("add", vec![Val::U32(40), Val::U32(2)], |v| matches!(v, Val::U32(_))),
                    ("echo", vec![Val::String("héllo".into())], |v| matches!(v, Val::String(_))),
                    (
                        "bytes",
                        vec![Val::U32(3)],
                        |v| matches!(v, Val::List(l) if l.iter().all(|b| matches!(b, Val::U8(_)))),
                    ),
                    ("find", vec![Val::String("red".into())], |v| matches!(v, Val::Option(_))),
                ],
            },
        ),
        (
            guests::guest("chain-mid"),
            ComponentSetup {
                wit: "chain.wit",
                root: "test:chain/mid",
                helpers: vec![("bottom", guests::guest("chain-bottom"))],
                calls: vec![
                    ("depth", vec![], |v| matches!(v, Val::U32(_))),
                    ("trace", vec![Val::String("x".into())], |v| matches!(v, Val::String(_))),
                ],
            },
        ),
    ];
    let seeds: Vec<Vec<u8>> =
        setups.iter().map(|(path, _)| std::fs::read(path).expect("a guest component")).collect();
    // Each seed loads and answers its first call right before it is mutated.
    for ((seed, (path, setup)), answer) in
        seeds.iter().zip(&setups).zip([Val::U32(42), Val::U32(2)])
    {
        let outcome = load_and_call(&engine, setup, seed.clone(), 0);
        assert_eq!(outcome, Outcome::Answered(answer), "{}", path.display());
    }
    let (values, mid) = (seeds[0].clone(), seeds[1].clone());
    let setups = Arc::new(setups.map(|(_, setup)| setup));
    let mut dict = tokens(&[
        "\0asm",
        "\x0d\x00\x01\x00",
        "\x01\x00\x00\x00",
        "test:app/values",
        "test:chain/bottom",
        "test:chain/mid",
        "add",
        "echo",
        "bytes",
        "depth",
        "trace",
        "memory",
        "cabi_realloc",
        "cabi_post_",
        "component-type",
        "\x00\x61\x73\x6d",
    ]);
    for leb in [
        &[0x80u8, 0x80, 0x80, 0x80, 0x08][..],
        &[0xff, 0xff, 0xff, 0xff, 0x0f],
        &[0x80, 0x01],
        &[0x7f],
        &[0x40],
    ] {
        dict.push(leb.to_vec());
    }
    let max_len = values.len().max(mid.len()) + 4096;
    let mut call = 0usize;
    fuzz(
        Target { name: "components", seeds: vec![values, mid], dict, max_len, shape: Shape::Bytes },
        |input, setup| {
            call += 1;
            // A mutant is loaded into the tree of the seed it descends from.
            let (engine, setups, bytes, n) =
                (engine.clone(), Arc::clone(&setups), input.to_vec(), call);
            match with_timeout(HANG, move || load_and_call(&engine, &setups[setup], bytes, n)) {
                Some(Outcome::Answered(_) | Outcome::Trapped) => Verdict::Accepted,
                Some(Outcome::Refused) => Verdict::Rejected,
                None => {
                    eprintln!(
                        "fuzz components: a mutated guest did not load and answer within {HANG:?}; stopping this target"
                    );
                    Verdict::Stop
                }
            }
        },
    );
}

// ---------------------------------------------------------------------------
// 4. WAVE call texts against a loaded tree.

const VALUES: &str = "test:app/values";

fn values_tree(engine: &Engine) -> LoadedTree {
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::app_wit().join("values.wit"))
        .root(VALUES)
        .plugin("values", guests::guest("values"))
        .build()
        .expect("the app's WIT is valid");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let (loaded, load_errors) = tree.load(engine);
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

fn some(v: Val) -> Option<Box<Val>> {
    Some(Box::new(v))
}

/// What the `values` guest answers (see `test-components/values/src/lib.rs`);
/// `None` when the arguments are not of the function's types.
fn expected(function: &str, args: &[Val]) -> Option<Option<Val>> {
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

#[test]
fn wave_calls() {
    let engine = plugtree::default_engine().expect("an engine");
    let mut tree = values_tree(&engine);
    let seeds = [
        "test:app/values.add(40, 2)",
        "test:app/values.echo(\"héllo 👋\\n\\u{1F600}\")",
        "test:app/values.tag({name: \"n\", tags: [\"a\", \"b\"], score: some(4)}, \"c\")",
        "test:app/values.tag({name: \"n\", tags: []}, \"\")",
        "test:app/values.area(circle(2.5))",
        "test:app/values.area(rect((2.0, 3.5)))",
        "test:app/values.area(empty)",
        "test:app/values.checked-div(9, 0)",
        "test:app/values.find(\"green\")",
        "test:app/values.grant({read, exec})",
        "test:app/values.nothing()",
        "test:app/values.bytes(4)",
    ];
    // Every function of the root has a seed.
    for f in tree.root_functions() {
        assert!(
            seeds.iter().any(|s| s.starts_with(&format!("{VALUES}.{}(", f.name))),
            "no seed calls `{}`",
            f.name
        );
    }
    let dict = tokens(&[
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ", ",
        ":",
        "\"",
        "'",
        "some(",
        "none",
        "ok(",
        "err(",
        "true",
        "false",
        "nan",
        "inf",
        "-inf",
        "-",
        "1e9",
        "4294967295",
        "4294967296",
        "-1",
        "0",
        "3.5",
        "circle(",
        "rect(",
        "empty",
        "red",
        "green",
        "blue",
        "read",
        "write",
        "exec",
        "name: ",
        "tags: ",
        "score: ",
        "\\u{1F600}",
        "\\u{D800}",
        "\\n",
        "\\\"",
        "'\\''",
        "\"\"\"\n",
        "%",
        ".",
        "é",
        "👋",
        "\0",
        "add",
        "echo",
        "tag",
        "area",
        "checked-div",
        "find",
        "grant",
        "nothing",
        "bytes",
        "test:app/values",
        "test:app/values.",
        "@1.0.0",
        "/",
        " ",
    ]);
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    fuzz(
        Target { name: "wave_calls", seeds, dict, max_len: 1024, shape: Shape::Text },
        |input, _| {
            let text = text(input);
            let call = match tree.parse_call(&text) {
                Ok(call) => call,
                Err(e) => {
                    let message = e.to_string();
                    assert!(!message.is_empty());
                    if let Some(span) = e.span() {
                        assert_char_range(&text, span, &message);
                    } else {
                        assert!(
                            matches!(
                                e,
                                CallParseError::UnwritableParam { .. } | CallParseError::Unpassable
                            ),
                            "{e:?}"
                        );
                    }
                    return Verdict::Rejected;
                }
            };
            assert_eq!(call.interface, VALUES);
            // What the parser prints back in WAVE parses to the same arguments.
            let again = format!(
                "{}.{}({})",
                call.interface,
                call.function,
                call.args.iter().map(to_wave).collect::<Vec<_>>().join(", ")
            );
            match tree.parse_call(&again) {
                Ok(reparsed) => assert_eq!(reparsed.args, call.args, "{again}"),
                Err(e) => panic!("the WAVE of parsed arguments does not parse: {again}: {e}"),
            }
            // A big list would be made of millions of `Val`s (here and when the
            // answer is lifted): only small ones are called.
            if matches!((call.function.as_str(), call.args.as_slice()), ("bytes", [Val::U32(n)]) if *n > 1 << 16)
            {
                return Verdict::Accepted;
            }
            let want = expected(&call.function, &call.args).unwrap_or_else(|| {
                panic!(
                    "parse_call accepted arguments not of `{}`'s types: {:?}",
                    call.function, call.args
                )
            });
            match tree.dispatch(&call.interface, &call.function, &call.args) {
                Ok(Socket::ExactlyOne(_, Ok(got))) => assert_eq!(got, want, "{text}"),
                Ok(Socket::ExactlyOne(_, Err(e))) => {
                    // The guest failed (it should not): a trapped plugin stays disabled, so reload.
                    eprintln!("fuzz wave_calls: {text:?}: {e}");
                    tree = values_tree(&engine);
                }
                Ok(other) => panic!("an exactly-one root answered {other:?}"),
                Err(
                    e @ (DispatchError::ArgumentCount { .. } | DispatchError::ArgumentType { .. }),
                ) => {
                    panic!("dispatch refuses what parse_call accepted: {text}: {e}")
                }
                Err(e) => panic!("{text}: {e}"),
            }
            Verdict::Accepted
        },
    );
}
