//! The fuzz targets, replayed: for each target of
//! [`plugtree_fuzz_targets::TARGETS`], every file of `fuzz/corpus/<target>/`
//! and a fixed number of [`generated`] inputs with a fixed seed, so a run is
//! the same on any machine. New inputs are found by `cargo fuzz` (README,
//! "Fuzzing"); this keeps what it found passing.
//!
//! A failing generated input is saved under `target/tmp/fuzz-failures/`, and
//! both kinds are reproduced with `cargo fuzz run <target> --sanitizer none <file>`.

use crate::guests;

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};

use plugtree::{Catalog, Val};
use plugtree_fuzz_targets::components::{self, Outcome, SETUPS};
use plugtree_fuzz_targets::wave_calls::WaveCalls;
use plugtree_fuzz_targets::{TARGETS, generated, repo};

/// The seed of the generated inputs ("plugtree").
const SEED: u64 = 0x706c_7567_7472_6565;

/// The generated inputs per target and their greatest length, sized so that
/// the four tests take well under three minutes in a debug build.
fn budget(target: &str) -> (usize, usize) {
    match target {
        "manifest" => (2000, 2048),
        "wit" => (2000, 4096),
        // Each input compiles a component.
        "components" => (300, 4096),
        "wave_calls" => (2000, 256),
        other => panic!("no budget for the fuzz target `{other}`"),
    }
}

/// The replay tests below, one per target.
const REPLAYED: [&str; 4] = ["manifest", "wit", "components", "wave_calls"];

fn body(target: &str) -> fn(&[u8]) {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no fuzz target `{target}`"))
}

/// The files of `fuzz/corpus/<target>/`, by name.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Runs `run` on `input`; a panic is resumed with where the input is.
fn one(target: &str, run: &dyn Fn(&[u8]), input: &[u8], file: &Path) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| run(input))) {
        eprintln!(
            "fuzz {target}: {} failed; reproduce with `cargo fuzz run {target} --sanitizer none {}`",
            file.display(),
            file.display()
        );
        resume_unwind(payload);
    }
}

/// Runs `run` on the target's corpus and generated inputs.
fn replay(target: &str, run: &dyn Fn(&[u8])) {
    let files = corpus(target);
    for (path, bytes) in &files {
        one(target, run, bytes, path);
    }
    let (count, max_len) = budget(target);
    let failures = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    for (i, input) in generated(target, SEED, count, max_len).iter().enumerate() {
        if catch_unwind(AssertUnwindSafe(|| run(input))).is_err() {
            let path = failures.join(format!("{target}-{SEED:#x}-{i}.bin"));
            std::fs::create_dir_all(&failures).expect("the failures folder");
            std::fs::write(&path, input).expect("the failing input saved");
            // Run it again, uncaught, for its panic and a pointer to the file.
            one(target, run, input, &path);
            panic!("fuzz {target}: generated input {i} failed only once: {}", path.display());
        }
    }
    eprintln!("fuzz {target}: {} corpus files and {count} generated inputs", files.len());
}

#[test]
fn every_target_is_replayed() {
    let names: Vec<&str> = TARGETS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, REPLAYED);
}

#[test]
fn generated_inputs_depend_on_the_seed_alone() {
    let a = generated("wit", SEED, 200, 64);
    assert_eq!(a, generated("wit", SEED, 200, 64));
    assert_ne!(a, generated("wit", SEED + 1, 200, 64));
    assert_ne!(a, generated("manifest", SEED, 200, 64));
    assert!(a.iter().all(|input| (1..=64).contains(&input.len())));
    // The first byte walks through the forms.
    assert!(a.iter().enumerate().all(|(i, input)| input[0] == i as u8));
}

#[test]
fn manifest() {
    replay("manifest", &body("manifest"));
}

#[test]
fn wit() {
    replay("wit", &body("wit"));
}

#[test]
fn components() {
    // The setups are sound: the real guests load in them and answer as they should.
    let guest = |name| std::fs::read(guests::guest(name)).expect("a guest component");
    let values = components::load_and_call(&SETUPS[1], guest("values"));
    let Outcome::Called(answers) = values else { panic!("the values guest: {values:?}") };
    assert_eq!(answers[0], Some(Val::U32(42)));
    assert_eq!(answers[1], Some(Val::String("héllo".into())));
    let mid = components::load_and_call(&SETUPS[2], guest("chain-mid"));
    assert_eq!(
        mid,
        Outcome::Called(vec![Some(Val::U32(2)), Some(Val::String("x>mid > bottom".into()))])
    );
    replay("components", &body("components"));
}

#[test]
fn wave_calls() {
    // Under libFuzzer a host plug answers for the `values` guest; here the guest does too.
    replay("wave_calls", &body("wave_calls"));
    let guest = WaveCalls::with_component(guests::guest("values"));
    replay("wave_calls", &|data| guest.run(data));
    // Every root function is called by the corpus, each answer checked against the guest's.
    let texts: Vec<String> =
        corpus("wave_calls").iter().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
    let wit = std::fs::read_to_string(guests::app_wit().join("values.wit")).expect("values.wit");
    let catalog = Catalog::from_wit_text("values.wit", &wit).expect("values.wit parses");
    let values = catalog.get("test:app/values").expect("the values interface");
    for f in &values.functions {
        let call = format!("test:app/values.{}(", f.name);
        assert!(texts.iter().any(|t| t.starts_with(&call)), "no corpus file calls `{}`", f.name);
    }
}
