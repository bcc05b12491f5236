//! The threads a parallel fan-out runs on: one rayon pool for the process,
//! a thread per core, made on first use and kept (a thread per call would
//! cost about 0.4 ms). The calling thread runs the first call itself and
//! waits for the others by helping (rayon's work-stealing), so a parallel
//! fan-out reached from inside another cannot deadlock the pool.
//!
//! A provider's call reads one thread-local, the deadline in force
//! (`limits::OUTER_DEADLINE`): each job carries the caller's and sets it on
//! the thread that runs it, with the caller's `tracing` span.

use std::sync::LazyLock;

/// Host frames and a guest's stack (wasmtime's `max_wasm_stack`, 512 KiB by
/// default) run on these threads as on the caller's: give them a main thread's room.
const STACK: usize = 8 << 20;

static POOL: LazyLock<Option<rayon::ThreadPool>> = LazyLock::new(|| {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(STACK)
        .thread_name(|i| format!("plugtree-fan-out-{i}"))
        .build()
        .map_err(|e| tracing::warn!("no fan-out threads ({e}): parallel fan-outs run in turn"))
        .ok()
});

/// `call(i)` for every `i` below `n`, at once where threads allow; the
/// answers in order.
pub(crate) fn each<T: Send>(n: usize, call: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let Some(pool) = POOL.as_ref().filter(|_| n > 1) else {
        return (0..n).map(call).collect();
    };
    let deadline = super::limits::deadline_in_force();
    let span = tracing::Span::current();
    let mut answers: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let (first, rest) = answers.split_first_mut().unwrap_or_else(|| unreachable!("n > 1"));
    let call = &call;
    pool.in_place_scope(|scope| {
        for (i, slot) in rest.iter_mut().enumerate() {
            let span = span.clone();
            scope.spawn(move |_| {
                let _entered = span.enter();
                *slot = Some(super::limits::with_deadline(deadline, || call(i + 1)));
            });
        }
        *first = Some(call(0));
    });
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| unreachable!("the scope ran every job")))
        .collect()
}
