//! Progress on long work (compiling a tree cold, componentizing, installing a
//! toolchain), drawn with indicatif on stderr only when it is a terminal and
//! `--quiet` was not given; otherwise every bar is hidden and draws nothing.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether `--quiet` was given; set once by `main`.
static QUIET: OnceLock<bool> = OnceLock::new();

/// Turns progress off for the rest of the process (`--quiet`).
pub fn set_quiet(quiet: bool) {
    let _ = QUIET.set(quiet);
}

/// Whether progress is drawn: stderr is a terminal and `--quiet` was not given.
pub fn shown() -> bool {
    !quiet() && std::io::stderr().is_terminal()
}

/// A bar counting the steps of `what` (e.g. "compiling plugins"), drawn from
/// the first [`advance`] on (which tells the number of steps), or a hidden one.
pub fn bar(what: &str) -> ProgressBar {
    if !shown() {
        return ProgressBar::hidden();
    }
    // Not drawn before its length is known: a bar of 0 steps would show as full.
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// Moves `bar` to `done` of `total` steps, drawing it from now on if it is
/// shown at all.
pub fn advance(bar: &ProgressBar, done: usize, total: usize) {
    let total = total as u64;
    if bar.length() != Some(total) {
        bar.set_length(total);
        if shown() && bar.is_hidden() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
    bar.set_position(done as u64);
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    *QUIET.get_or_init(|| false)
}

/// A long step of unknown length, e.g. "componentizing app.py with
/// componentize-py": a spinner on a terminal, replaced by one line with the
/// time it took when [`Step::done`]; else the text as one line on stderr
/// (nothing with `--quiet`).
pub fn step(what: String) -> Step {
    if !shown() {
        if !quiet() {
            eprintln!("{what}…");
        }
        return Step { spinner: None, what };
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    spinner.set_style(style);
    spinner.set_message(what.clone());
    // The step's own process gives no ticks: the spinner turns by itself.
    spinner.enable_steady_tick(Duration::from_millis(120));
    Step { spinner: Some(spinner), what }
}

/// A long step under way ([`step`]).
pub struct Step {
    spinner: Option<ProgressBar>,
    what: String,
}

impl Step {
    /// Ends the step: on a terminal the spinner gives way to `what (12s)`.
    pub fn done(self) {
        if let Some(spinner) = self.spinner {
            let took = spinner.elapsed().as_secs();
            spinner.finish_and_clear();
            eprintln!("{} ({took}s)", self.what);
        }
    }
}
