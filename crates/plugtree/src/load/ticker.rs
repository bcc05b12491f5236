//! The epoch ticker: one thread per engine that advances its epoch, so that
//! per-call deadlines fire. It runs while at least one loaded tree on that
//! engine needs deadlines, and stops (joined) when the last one is dropped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Module, Store, Trap};

use super::limits::EngineSupport;

/// How often the ticker advances the epoch: the granularity of deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Where coarse time is counted from.
static COARSE_BASE: OnceLock<Instant> = OnceLock::new();
/// Nanoseconds since `COARSE_BASE` as of the last tick of any ticker (0: none yet).
static COARSE_NANOS: AtomicU64 = AtomicU64::new(0);

/// Moves coarse time to now; tickers call it on every tick.
fn advance_coarse_clock() {
    let base = *COARSE_BASE.get_or_init(Instant::now);
    let nanos = u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX).max(1);
    COARSE_NANOS.fetch_max(nanos, Ordering::Relaxed);
}

/// Now, in nanoseconds from a fixed point, to within one tick: read without
/// the system clock while a ticker runs (a clock read costs about as much as
/// the rest of entering a plugin). Deadlines are enforced tick by tick, and
/// only while a ticker runs.
pub(crate) fn coarse_nanos() -> u64 {
    match COARSE_NANOS.load(Ordering::Relaxed) {
        0 => u64::try_from(COARSE_BASE.get_or_init(Instant::now).elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1),
        nanos => nanos,
    }
}

struct Ticker {
    engine: Engine,
    users: usize,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Engines with a running ticker.
static TICKERS: Mutex<Vec<Ticker>> = Mutex::new(Vec::new());

fn tickers() -> MutexGuard<'static, Vec<Ticker>> {
    // The list stays consistent even if a holder panicked: entries are whole.
    TICKERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps the engine's ticker running while alive.
pub(crate) struct TickerGuard {
    engine: Engine,
}

impl TickerGuard {
    /// Starts the engine's ticker, or joins the one already running.
    pub fn start(engine: &Engine) -> std::io::Result<TickerGuard> {
        let mut list = tickers();
        advance_coarse_clock();
        if let Some(t) = list.iter_mut().find(|t| Engine::same(&t.engine, engine)) {
            t.users += 1;
        } else {
            let stop = Arc::new(AtomicBool::new(false));
            let (flag, ticking) = (stop.clone(), engine.clone());
            let thread =
                std::thread::Builder::new().name("plugtree-epoch".into()).spawn(move || {
                    while !flag.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        advance_coarse_clock();
                        ticking.increment_epoch();
                    }
                })?;
            list.push(Ticker { engine: engine.clone(), users: 1, stop, thread: Some(thread) });
        }
        Ok(TickerGuard { engine: engine.clone() })
    }
}

impl Drop for TickerGuard {
    fn drop(&mut self) {
        let finished = {
            let mut list = tickers();
            let Some(i) = list.iter().position(|t| Engine::same(&t.engine, &self.engine)) else {
                return;
            };
            list[i].users -= 1;
            if list[i].users > 0 {
                return;
            }
            list.swap_remove(i)
        };
        finished.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = finished.thread {
            // The ticker never panics; a failed join leaves nothing to clean up.
            let _ = thread.join();
        }
    }
}

/// Whether the engine counts fuel and checks epochs, asked once per engine
/// configuration: engines whose compiled code is compatible (the same
/// [`EngineKey`](super::cache::EngineKey)) instrument code the same way.
pub(crate) fn probe(engine: &Engine) -> EngineSupport {
    static PROBED: Mutex<Vec<(super::cache::EngineKey, EngineSupport)>> = Mutex::new(Vec::new());
    let key = super::cache::EngineKey::of(engine);
    let known = PROBED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, s)| *s);
    known.unwrap_or_else(|| {
        let support = probe_now(engine);
        PROBED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push((key, support));
        support
    })
}

/// [`probe`] without the memo: wasmtime has no getter for either setting, so
/// this asks a store (fuel) and runs a tiny module whose deadline has already
/// passed (epochs: it traps only if they are checked).
fn probe_now(engine: &Engine) -> EngineSupport {
    let mut store = Store::new(engine, ());
    let fuel = store.set_fuel(u64::MAX).is_ok();
    let epochs = (|| -> wasmtime::Result<bool> {
        let wasm = wat::parse_str(
            r#"(module (func (export "spin") (local i32)
                 (loop (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                       (br_if 0 (i32.lt_u (local.get 0) (i32.const 64))))))"#,
        )?;
        let module = Module::new(engine, wasm)?;
        let instance = wasmtime::Instance::new(&mut store, &module, &[])?;
        let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
        store.set_epoch_deadline(0);
        Ok(match spin.call(&mut store, ()) {
            Ok(()) => false,
            Err(e) => e.downcast_ref::<Trap>() == Some(&Trap::Interrupt),
        })
    })()
    .unwrap_or(false);
    EngineSupport { fuel, epochs }
}
