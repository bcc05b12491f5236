//! Guest profiles (feature `guest-profiler`): every loaded component's store
//! samples its own frames into a wasmtime [`GuestProfiler`] from its epoch
//! callback, and [`LoadedTree::finish_profile`] writes them all as one
//! Firefox processed profile, one thread per plugin.
//!
//! One profiler per component, not one for the tree: wasmtime lists a
//! component's core modules only to a profiler made for that component
//! (`GuestProfiler::new_component`), and backtraces one store at a time, so
//! a provider's samples never held its consumer's frames anyway.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use wasmtime::component::Component;
use wasmtime::{Engine, GuestProfiler, Store};

use super::LoadedTree;
use super::error::Cause;
use super::limits::sampled_deadline;
use super::store::PluginState;
use super::ticker::EPOCH_TICK;

/// Why [`LoadedTree::finish_profile`] wrote no profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The tree was loaded without [`LoadOptions::with_profile`](crate::load::LoadOptions::with_profile).
    #[error("the tree was loaded without a profile (`LoadOptions::with_profile`)")]
    NotProfiled,
    /// [`LoadedTree::finish_profile`] was called before: a profile is written once.
    #[error("the profile was already finished")]
    AlreadyFinished,
    /// The engine does not interrupt at epochs, which sampling needs.
    #[error(
        "the engine does not check epochs (`Config::epoch_interruption`), which sampling needs"
    )]
    EpochsOff,
    /// wasmtime could not profile one plugin's component (e.g. guest
    /// debugging is on), or could not write its part of the profile.
    #[error("wasmtime could not profile plugin `{plugin}`")]
    Profiler {
        /// The plugin, as its thread is named in the profile.
        plugin: String,
        /// wasmtime's error.
        #[source]
        source: Cause,
    },
    /// Writing the profile failed.
    #[error("could not write the profile")]
    Write {
        /// The writer's error.
        #[source]
        source: std::io::Error,
    },
}

/// A guest profiler that stores share, taken out when the profile is finished.
type Shared = Arc<Mutex<Option<GuestProfiler>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A profiler is whole between samples: a panicking holder leaves it usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The tree's profile while it is being taken: one profiler per loaded
/// component, in load order (a reload adds one).
pub(crate) struct TreeProfile {
    engine: Engine,
    /// The sampling interval, in epoch ticks.
    ticks: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Each component's thread name and profiler.
    threads: Vec<(String, Shared)>,
    /// Why the profile cannot be written, if something refused it at load.
    refused: Option<ProfileError>,
    finished: bool,
}

impl TreeProfile {
    /// A profile sampling every `interval`, rounded up to whole epoch ticks.
    pub fn new(engine: &Engine, interval: Duration, epochs: bool) -> Self {
        let tick = EPOCH_TICK.as_nanos().max(1);
        let ticks = u64::try_from(interval.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX).max(1);
        let state =
            State { refused: (!epochs).then_some(ProfileError::EpochsOff), ..State::default() };
        TreeProfile { engine: engine.clone(), ticks, state: Mutex::new(state) }
    }

    fn interval(&self) -> Duration {
        EPOCH_TICK.saturating_mul(u32::try_from(self.ticks).unwrap_or(u32::MAX))
    }

    /// A profiler for `component`, its thread named `name`; `None` (and the
    /// profile refused) if wasmtime cannot profile it.
    pub fn profiler(&self, name: String, component: &Component) -> Option<StoreProfiler> {
        let mut state = lock(&self.state);
        if state.finished || state.refused.is_some() {
            return None;
        }
        // A reloaded component's thread is told apart from the one it replaced.
        let reloaded = format!("{name} (reload ");
        let earlier =
            state.threads.iter().filter(|(n, _)| *n == name || n.starts_with(&reloaded)).count();
        let name = match earlier {
            0 => name,
            n => format!("{name} (reload {n})"),
        };
        let made = GuestProfiler::new_component(
            &self.engine,
            &name,
            self.interval(),
            component.clone(),
            no_modules(),
        );
        match made {
            Ok(profiler) => {
                let shared: Shared = Arc::new(Mutex::new(Some(profiler)));
                state.threads.push((name, shared.clone()));
                Some(StoreProfiler {
                    profiler: shared,
                    ticks: self.ticks,
                    interval: self.interval(),
                })
            }
            Err(e) => {
                tracing::warn!(plugin = %name, error = %e, "cannot profile plugin");
                state.refused = Some(ProfileError::Profiler { plugin: name, source: e.into() });
                None
            }
        }
    }

    /// Writes every thread as one Firefox processed profile; returns the
    /// number of samples written.
    fn finish(&self, out: impl Write) -> Result<usize, ProfileError> {
        let threads = {
            let mut state = lock(&self.state);
            if let Some(refused) = state.refused.take() {
                // Refused once; a second try is told it is over.
                state.finished = true;
                return Err(refused);
            }
            if state.finished {
                return Err(ProfileError::AlreadyFinished);
            }
            state.finished = true;
            std::mem::take(&mut state.threads)
        };
        // The profile's meta: an empty profiler's, named after the tree.
        let base = GuestProfiler::new(&self.engine, "plugtree", self.interval(), no_modules())
            .map_err(|e| ProfileError::Profiler { plugin: "plugtree".into(), source: e.into() })?;
        let mut merged = to_json("plugtree", base)?;
        if let Some(threads) = merged.get_mut("threads").and_then(Value::as_array_mut) {
            threads.clear();
        }
        let mut parts = Vec::with_capacity(threads.len());
        for (name, shared) in threads {
            // Taken out, so the stores' callbacks stop sampling.
            let Some(profiler) = lock(&shared).take() else { continue };
            parts.push((to_json(&name, profiler)?, name));
        }
        // The profile starts with the earliest profiler: no time is negative.
        let earliest = parts.iter().map(|(part, _)| start_time(part)).fold(f64::INFINITY, f64::min);
        if let Some(start) = merged.pointer_mut("/meta/startTime").filter(|_| earliest.is_finite())
        {
            *start = Value::from(earliest);
        }
        let mut samples = 0;
        for (part, name) in parts {
            samples += merge(&mut merged, &name, part);
        }
        if let Some(meta) = merged.get_mut("meta").and_then(Value::as_object_mut) {
            meta.remove("initialVisibleThreads");
            meta.remove("initialSelectedThreads");
        }
        serde_json::to_writer(out, &merged)
            .map_err(|e| ProfileError::Write { source: e.into() })?;
        Ok(samples)
    }
}

/// No core modules beside a component's own.
fn no_modules() -> std::iter::Empty<(String, wasmtime::Module)> {
    std::iter::empty()
}

/// One finished profiler's profile, as JSON.
fn to_json(name: &str, profiler: GuestProfiler) -> Result<Value, ProfileError> {
    let refused =
        |e: wasmtime::Error| ProfileError::Profiler { plugin: name.into(), source: e.into() };
    let mut bytes = Vec::new();
    profiler.finish(&mut bytes).map_err(refused)?;
    serde_json::from_slice(&bytes).map_err(|e| refused(wasmtime::Error::new(e)))
}

/// Moves `part`'s threads and libraries into `merged`, their times shifted
/// to `merged`'s start and every function named `name: function`; returns
/// how many samples they hold.
fn merge(merged: &mut Value, name: &str, mut part: Value) -> usize {
    let shift = start_time(&part) - start_time(merged);
    let lib_offset = merged.get("libs").and_then(Value::as_array).map_or(0, Vec::len);
    let mut libs = part.get_mut("libs").map(Value::take).unwrap_or_default();
    if let (Some(into), Some(libs)) =
        (merged.get_mut("libs").and_then(Value::as_array_mut), libs.as_array_mut())
    {
        for lib in libs.iter_mut() {
            for key in ["name", "debugName"] {
                if let Some(v) = lib.get_mut(key) {
                    *v = Value::from(format!("{name}: {}", v.as_str().unwrap_or_default()));
                }
            }
        }
        into.append(libs);
    }
    let mut samples = 0;
    let Some(into) = merged.get_mut("threads").and_then(Value::as_array_mut) else { return 0 };
    let threads = part.get_mut("threads").and_then(Value::as_array_mut).map(std::mem::take);
    for mut thread in threads.unwrap_or_default() {
        let number = into.len() + 1;
        samples += thread.pointer("/samples/length").and_then(Value::as_u64).unwrap_or(0) as usize;
        shift_times(&mut thread, shift);
        offset_column(&mut thread, "/resourceTable/lib", lib_offset);
        offset_column(&mut thread, "/nativeSymbols/libIndex", lib_offset);
        prefix_functions(&mut thread, name);
        if let Some(t) = thread.as_object_mut() {
            t.insert("name".into(), Value::from(name));
            t.insert("processName".into(), Value::from(name));
            // One process per plugin, so the profiler draws one track each.
            t.insert("pid".into(), Value::from(number.to_string()));
            t.insert("tid".into(), Value::from(number));
        }
        into.push(thread);
    }
    samples
}

/// When `profile` started, in milliseconds since the Unix epoch.
fn start_time(profile: &Value) -> f64 {
    profile.pointer("/meta/startTime").and_then(Value::as_f64).unwrap_or(0.0)
}

/// Adds `shift` milliseconds to every time of `thread`.
fn shift_times(thread: &mut Value, shift: f64) {
    let add = |v: &mut Value| {
        if let Some(t) = v.as_f64() {
            *v = Value::from(t + shift);
        }
    };
    for key in ["registerTime", "unregisterTime", "processStartupTime", "processShutdownTime"] {
        if let Some(time) = thread.get_mut(key) {
            add(time);
        }
    }
    // Sample times are deltas from 0: only the first moves.
    if let Some(first) = thread.pointer_mut("/samples/timeDeltas/0") {
        add(first);
    }
    for column in ["/markers/startTime", "/markers/endTime"] {
        if let Some(times) = thread.pointer_mut(column).and_then(Value::as_array_mut) {
            times.iter_mut().for_each(add);
        }
    }
}

/// Adds `offset` to every index in the column at `pointer`.
fn offset_column(thread: &mut Value, pointer: &str, offset: usize) {
    if let Some(column) = thread.pointer_mut(pointer).and_then(Value::as_array_mut) {
        for v in column.iter_mut() {
            if let Some(i) = v.as_u64() {
                *v = Value::from(i + offset as u64);
            }
        }
    }
}

/// Names every function of `thread` `name: function`, as new strings (a
/// string may be shared with other tables).
fn prefix_functions(thread: &mut Value, name: &str) {
    let Some(t) = thread.as_object_mut() else { return };
    let names: Vec<Option<usize>> = t
        .get("funcTable")
        .and_then(|f| f.get("name"))
        .and_then(Value::as_array)
        .map(|n| n.iter().map(|i| i.as_u64().map(|i| i as usize)).collect())
        .unwrap_or_default();
    let Some(strings) = t.get_mut("stringArray").and_then(Value::as_array_mut) else { return };
    let renamed: Vec<Value> = names
        .into_iter()
        .map(|i| {
            let old = i.and_then(|i| strings.get(i)).and_then(Value::as_str).unwrap_or_default();
            strings.push(Value::from(format!("{name}: {old}")));
            Value::from(strings.len() - 1)
        })
        .collect();
    if let Some(column) = t.get_mut("funcTable").and_then(|f| f.get_mut("name")) {
        *column = Value::Array(renamed);
    }
}

/// A gap between two epoch callbacks longer than this many intervals means
/// the store sat idle in between.
const IDLE_INTERVALS: u32 = 5;

/// One store's sampling: its component's profiler and the interval.
#[derive(Clone)]
pub(crate) struct StoreProfiler {
    profiler: Shared,
    ticks: u64,
    interval: Duration,
}

impl StoreProfiler {
    /// The interval in epoch ticks.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Samples `store` from its epoch callback, every interval while its
    /// code runs; the callback keeps the store's deadlines
    /// ([`sampled_deadline`]). Installed after instantiation: start
    /// functions run unsampled, under the plain deadline.
    pub fn install(&self, store: &mut Store<PluginState>) {
        let (profiler, interval, ticks) = (self.profiler.clone(), self.interval, self.ticks);
        let mut last = Instant::now();
        store.epoch_deadline_callback(move |state| {
            let now = Instant::now();
            // A store idle for a while (between calls, or waiting on a
            // provider) reaches its callback at once when it runs again:
            // such a sample stands for no interval of running, so it is not
            // taken. Five intervals: a busy machine delays ticks, not by that.
            if now.duration_since(last) <= interval.saturating_mul(IDLE_INTERVALS)
                && let Some(profiler) = lock(&profiler).as_mut()
            {
                profiler.sample(&state, interval);
            }
            last = now;
            Ok(sampled_deadline(ticks))
        });
        store.set_epoch_deadline(self.ticks);
    }
}

impl LoadedTree {
    /// Ends the profile that [`LoadOptions::with_profile`](crate::load::LoadOptions::with_profile)
    /// started at load and writes it to `out`: a Firefox processed profile
    /// (JSON; open it at <https://profiler.firefox.com>) with one thread per
    /// loaded component, named by its plugin id (a fused group by its head,
    /// with its members), and every function named `plugin-id: function`.
    /// Returns the number of samples written.
    ///
    /// A store is sampled every interval while its code runs (at function
    /// entries and loop headers, as wasmtime's epoch checks fall), never
    /// while it waits for a host function or a provider: a consumer's
    /// samples hold its own frames only, and its providers' time is on
    /// their threads. Start functions are not sampled. After this the
    /// tree keeps answering, unsampled.
    ///
    /// # Errors
    /// [`ProfileError`]: the tree was loaded without a profile, the profile
    /// was finished before, the engine does not check epochs, wasmtime
    /// refused a component, or `out` failed.
    pub fn finish_profile(&self, out: impl Write) -> Result<usize, ProfileError> {
        self.profile.as_deref().ok_or(ProfileError::NotProfiled)?.finish(out)
    }
}
