//! Enforcing [`Limits`]: each plugin's `Store` gets a `ResourceLimiter`,
//! fuel, an epoch deadline per call, and wasmtime's caps on handles and
//! host-call data; a failed call is classified back into the limit it hit.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::component::Val;
use wasmtime::{ResourceLimiter, Store, Trap};

use super::failure::{PlainFailure, ProviderFailure};
use super::ticker::EPOCH_TICK;
use crate::describe::{Limit, Limits, PluginId};

/// A limit the `ResourceLimiter` refused: a `memory.grow` or `table.grow`
/// (or an instance's first memory or table) beyond it, kept so that a trap
/// that follows is reported as that limit by [`classify`].
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct LimitHit {
    pub limit: Limit,
    pub message: String,
}

/// Values that crossed out of a plugin carrying more bytes than its transfer
/// limit allows, counted by [`value_bytes`].
#[derive(Debug, thiserror::Error)]
#[error("sent {bytes} bytes of values in one crossing, over its transfer limit of {limit} bytes")]
pub(crate) struct TransferExceeded {
    pub bytes: usize,
    pub limit: usize,
}

/// `Ok` if `bytes` of value fit in a transfer limit of `limit` bytes.
pub(crate) fn check_transfer(bytes: usize, limit: usize) -> Result<(), TransferExceeded> {
    if bytes > limit { Err(TransferExceeded { bytes, limit }) } else { Ok(()) }
}

/// The bytes of a value, as the transfer limit counts them: a number its
/// width (`bool`, `u8`, `s8` 1; `u16`, `s16` 2; `u32`, `s32`, `f32`, `char`
/// 4; `u64`, `s64`, `f64` 8), a string its UTF-8 bytes, a list, record or
/// tuple the sum of its members, a variant, option or result 1 for its case
/// and its payload, an enum, a flags value or a handle 4. So a `list<u8>` of
/// a MiB counts a MiB, whatever wasmtime spends on holding it.
pub(crate) fn value_bytes(value: &Val) -> usize {
    match value {
        Val::Bool(_) | Val::U8(_) | Val::S8(_) => 1,
        Val::U16(_) | Val::S16(_) => 2,
        Val::U32(_) | Val::S32(_) | Val::Float32(_) | Val::Char(_) => 4,
        Val::U64(_) | Val::S64(_) | Val::Float64(_) => 8,
        Val::String(s) => s.len(),
        Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => {
            items.iter().map(value_bytes).sum()
        }
        Val::Record(fields) => fields.iter().map(|(_, v)| value_bytes(v)).sum(),
        Val::Map(pairs) => pairs.iter().map(|(k, v)| value_bytes(k) + value_bytes(v)).sum(),
        Val::Variant(_, payload) | Val::Option(payload) => {
            1 + payload.as_deref().map_or(0, value_bytes)
        }
        Val::Result(Ok(payload) | Err(payload)) => 1 + payload.as_deref().map_or(0, value_bytes),
        Val::Enum(_)
        | Val::Flags(_)
        | Val::Resource(_)
        | Val::Future(_)
        | Val::Stream(_)
        | Val::ErrorContext(_) => 4,
    }
}

/// wasmtime's own cap on what the host allocates for one crossing, as a
/// backstop under [`value_bytes`]' exact count (which runs once the values
/// are lifted): wasmtime charges a whole `Val` per list element, so a byte
/// list past the transfer limit stops here, before the host holds it.
pub(crate) fn hostcall_backstop(transfer: usize) -> usize {
    transfer.saturating_mul(size_of::<Val>())
}

/// The `ResourceLimiter` of one plugin's store.
#[derive(Debug)]
pub(crate) struct PluginLimiter {
    memory: Option<usize>,
    table_elements: Option<usize>,
    instances: usize,
    /// Bytes of value one crossing out of the plugin may carry.
    transfer: usize,
    /// Bytes of linear memory the plugin has, all memories together.
    used_memory: usize,
    /// The last grow refused since [`PluginLimiter::clear_refusal`].
    refusal: Option<LimitHit>,
}

impl PluginLimiter {
    pub fn new(limits: &Limits) -> Self {
        PluginLimiter {
            memory: limits.memory,
            table_elements: limits.table_elements,
            instances: limits.instances,
            transfer: limits.transfer,
            used_memory: 0,
            refusal: None,
        }
    }

    /// Forgets an earlier refused grow: a call starts with none.
    pub fn clear_refusal(&mut self) {
        self.refusal = None;
    }

    /// The grow refused since the call started, if one was.
    pub fn take_refusal(&mut self) -> Option<LimitHit> {
        self.refusal.take()
    }

    /// Refuses a grow as WebAssembly does (`memory.grow` and `table.grow`
    /// answer -1 and the guest decides), remembering why.
    fn refuse(&mut self, limit: Limit, message: String) -> wasmtime::Result<bool> {
        self.refusal = Some(LimitHit { limit, message });
        Ok(false)
    }

    /// Checks values crossing out of the plugin (its arguments to a socket)
    /// against its transfer limit.
    pub fn check_transfer<'v>(
        &self,
        values: impl IntoIterator<Item = &'v Val>,
    ) -> Result<(), TransferExceeded> {
        check_transfer(values.into_iter().map(value_bytes).sum(), self.transfer)
    }

    /// Bytes of value one crossing out of the plugin may carry.
    pub fn transfer(&self) -> usize {
        self.transfer
    }

    /// Bytes the plugin's memory may still grow by; `None` when unlimited.
    pub fn used_memory(&self) -> usize {
        self.used_memory
    }

    pub fn memory_left(&self) -> Option<usize> {
        self.memory.map(|m| m.saturating_sub(self.used_memory))
    }
}

impl ResourceLimiter for PluginLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let grown = self.used_memory.saturating_sub(current).saturating_add(desired);
        match self.memory {
            Some(limit) if grown > limit => self.refuse(
                Limit::Memory,
                format!(
                    "growing linear memory to {grown} bytes exceeds the limit of {limit} bytes"
                ),
            ),
            _ => {
                self.used_memory = grown;
                Ok(true)
            }
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        match self.table_elements {
            Some(limit) if desired > limit => self.refuse(
                Limit::TableElements,
                format!("growing a table to {desired} elements exceeds the limit of {limit}"),
            ),
            _ => Ok(true),
        }
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.instances
    }

    fn memories(&self) -> usize {
        self.instances
    }
}

/// What the engine can enforce, probed once per engine.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineSupport {
    pub fuel: bool,
    pub epochs: bool,
}

/// An epoch deadline so far away it never fires (wasmtime adds it to the
/// current epoch, so `u64::MAX` would overflow).
const NEVER: u64 = u64::MAX / 4;

/// Applies the store-wide limits to a new store and arms it for instantiation.
pub(crate) fn prepare_store<T>(
    store: &mut Store<T>,
    limits: &Limits,
    support: EngineSupport,
) -> wasmtime::Result<()> {
    store.set_max_component_handles(limits.handles);
    store.set_hostcall_fuel(hostcall_backstop(limits.transfer));
    if support.fuel {
        store.set_fuel(limits.instantiation_fuel.unwrap_or(u64::MAX))?;
    }
    if support.epochs {
        store.set_epoch_deadline(limits.deadline.map_or(NEVER, ticks));
    }
    Ok(())
}

/// Epoch ticks covering `d`, rounded up, plus the tick in progress.
fn ticks(d: Duration) -> u64 {
    ticks_of_nanos(nanos(d))
}

/// [`ticks`] of a span in nanoseconds: plain `u64` arithmetic, as it runs on every call.
fn ticks_of_nanos(span: u64) -> u64 {
    let tick = nanos(EPOCH_TICK).max(1);
    span.div_ceil(tick).saturating_add(1).min(NEVER)
}

/// `d` in nanoseconds, saturating (584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

thread_local! {
    /// The deadline of the plugin call this thread is inside, if any, in
    /// nanoseconds of [`coarse_nanos`](super::ticker::coarse_nanos): a
    /// provider called by a consumer must stop when the consumer's time is up.
    static OUTER_DEADLINE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// How long the plugin call this thread is inside has left before its
/// deadline (its own or a caller's), if one is in force: what a host call
/// that blocks (an HTTP request) may wait, since an epoch deadline cannot
/// interrupt the host.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) fn time_left() -> Option<Duration> {
    let at = OUTER_DEADLINE.with(Cell::get)?;
    Some(Duration::from_nanos(at.saturating_sub(super::ticker::coarse_nanos())))
}

/// The deadline in force on this thread, as [`with_deadline`] takes it.
pub(crate) fn deadline_in_force() -> Option<u64> {
    OUTER_DEADLINE.with(Cell::get)
}

/// Runs `f` with `deadline` (from [`deadline_in_force`] on another thread)
/// in force on this thread: a parallel fan-out's provider stops when its
/// caller's time is up, as it would on the caller's thread.
pub(crate) fn with_deadline<T>(deadline: Option<u64>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OUTER_DEADLINE.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(OUTER_DEADLINE.with(|c| c.replace(deadline)));
    f()
}

/// What each call of a plugin is given, worked out once at load from its
/// [`Limits`] and what the engine supports.
#[derive(Debug)]
pub(crate) struct CallAllowance {
    /// Fuel each call starts with (`None`: fuel is off or unlimited).
    fuel: Option<u64>,
    /// The call's own deadline in nanoseconds (`None`: no deadline of its own).
    deadline: Option<u64>,
    /// Whether the engine interrupts at epoch deadlines.
    epochs: bool,
    /// The most epoch ticks a call's deadline may lie ahead: a profiled
    /// store's sampling interval, so that its epoch callback samples and
    /// then extends to the real deadline ([`sampled_deadline`]); [`NEVER`]
    /// unprofiled, where the deadline is the real one and interrupts.
    sample_ticks: u64,
    /// Whether an earlier call left a deadline in the store (read and
    /// written under the store's lock): a call with none in force clears it,
    /// or it would interrupt that call once it passed.
    armed: AtomicBool,
}

impl CallAllowance {
    /// What each call of a plugin with `limits` is given on an engine with
    /// `support`; `sample_ticks` is a profiled store's sampling interval in
    /// epoch ticks (`None`: not profiled).
    pub fn new(limits: &Limits, support: EngineSupport, sample_ticks: Option<u64>) -> Self {
        CallAllowance {
            fuel: limits.fuel.filter(|_| support.fuel),
            deadline: limits.deadline.map(nanos),
            epochs: support.epochs,
            sample_ticks: sample_ticks.map_or(NEVER, |t| t.clamp(1, NEVER)),
            armed: AtomicBool::new(false),
        }
    }
}

/// One call's budget, armed on the store before the call and restored after.
pub(crate) struct CallBudget {
    outer: Option<u64>,
    /// Whether the deadline in force is the caller's rather than the plugin's own.
    pub inherited: bool,
}

impl CallBudget {
    /// Refuels the store and sets its deadline: the plugin's own, or what is
    /// left of its caller's if that ends sooner.
    pub fn arm<T>(store: &mut Store<T>, allowance: &CallAllowance) -> CallBudget {
        if let Some(fuel) = allowance.fuel {
            // Cannot fail: fuel is enabled in this engine.
            let _ = store.set_fuel(fuel);
        }
        let outer = OUTER_DEADLINE.with(Cell::get);
        if !allowance.epochs || (allowance.deadline.is_none() && outer.is_none()) {
            // A load, not a swap, on the common path: no read-modify-write.
            if allowance.armed.load(Ordering::Relaxed) {
                // No deadline in force: the store's is a caller's, from an earlier call.
                allowance.armed.store(false, Ordering::Relaxed);
                store.set_epoch_deadline(allowance.sample_ticks);
            }
            return CallBudget { outer, inherited: false };
        }
        let now = super::ticker::coarse_nanos();
        let own = allowance.deadline.map(|d| now.saturating_add(d));
        let (at, inherited) = match (own, outer) {
            (Some(own), Some(outer)) if outer < own => (Some(outer), true),
            (None, Some(outer)) => (Some(outer), true),
            (own, _) => (own, false),
        };
        let ticks = at.map_or(NEVER, |at| ticks_of_nanos(at.saturating_sub(now)));
        store.set_epoch_deadline(ticks.min(allowance.sample_ticks));
        allowance.armed.store(at.is_some(), Ordering::Relaxed);
        OUTER_DEADLINE.with(|c| c.set(at));
        CallBudget { outer, inherited }
    }
}

impl Drop for CallBudget {
    fn drop(&mut self) {
        OUTER_DEADLINE.with(|c| c.set(self.outer));
    }
}

/// What a profiled store's epoch callback answers once it has sampled: the
/// interrupt its deadline would have been if the deadline in force on this
/// thread (the call's own or its caller's, as [`CallBudget::arm`] set it)
/// has passed, or else a wait of `sample_ticks`, or less if the deadline
/// comes sooner. So a profiled store's deadlines fire as an unprofiled
/// one's do, to within the tick.
#[cfg(feature = "guest-profiler")]
pub(crate) fn sampled_deadline(sample_ticks: u64) -> wasmtime::UpdateDeadline {
    match OUTER_DEADLINE.with(Cell::get) {
        None => wasmtime::UpdateDeadline::Continue(sample_ticks),
        Some(at) => {
            let now = super::ticker::coarse_nanos();
            if now >= at {
                wasmtime::UpdateDeadline::Interrupt
            } else {
                wasmtime::UpdateDeadline::Continue(ticks_of_nanos(at - now).min(sample_ticks))
            }
        }
    }
}

/// Turns a failed call of `plugin`'s `function` into the limit it hit (with a
/// message naming both), or a trap: a trap after a refused grow (`refusal`,
/// from [`PluginLimiter::take_refusal`]) is that limit, since a guest that
/// cannot grow usually aborts.
pub(crate) fn classify(
    error: &wasmtime::Error,
    plugin: &PluginId,
    function: &str,
    limits: &Limits,
    inherited: bool,
    refusal: Option<LimitHit>,
) -> ProviderFailure {
    let exceeded = |limit: Limit, what: String| {
        ProviderFailure::LimitExceeded(limit, format!("plugin `{plugin}` {what} in `{function}`"))
    };
    for cause in error.chain() {
        if let Some(plain) = cause.downcast_ref::<PlainFailure>() {
            return ProviderFailure::ProviderFailed(Box::new(plain.clone()));
        }
        if let Some(over) = cause.downcast_ref::<TransferExceeded>() {
            return exceeded(Limit::Transfer, over.to_string());
        }
        if let Some(hit) = cause.downcast_ref::<LimitHit>() {
            return exceeded(
                hit.limit,
                format!("exceeded its {} limit ({})", hit.limit, hit.message),
            );
        }
        match cause.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => {
                let what = match (inherited, limits.deadline) {
                    (false, Some(d)) => format!("ran past its deadline of {d:?}"),
                    _ => "was interrupted at its caller's deadline".to_string(),
                };
                return exceeded(Limit::Deadline, what);
            }
            Some(Trap::OutOfFuel) => {
                // A start function runs on its own allowance.
                let allowance = if function == "instantiation" {
                    limits.instantiation_fuel
                } else {
                    limits.fuel
                };
                let what = match allowance {
                    Some(fuel) => format!("used up its fuel of {fuel} instructions"),
                    None => "used up its fuel".to_string(),
                };
                return exceeded(Limit::Fuel, what);
            }
            _ => {}
        }
        // wasmtime's own caps carry private error types: recognise their messages.
        let text = cause.to_string();
        if text.contains("store handle limit exceeded") {
            return exceeded(
                Limit::Handles,
                format!("exceeded its limit of {} live resource handles", limits.handles),
            );
        }
        // wasmtime counts instances, memories and tables against `instances()`,
        // `memories()` and `tables()`, which all return `Limits::instances`.
        if let Some(detail) = text
            .strip_prefix("resource limit exceeded: ")
            .filter(|d| d.contains(" count too high at "))
        {
            return exceeded(
                Limit::Instances,
                format!("exceeded its instances limit of {} ({detail})", limits.instances),
            );
        }
        if text.contains("fuel allocated for hostcalls has been exhausted") {
            return exceeded(
                Limit::Transfer,
                format!(
                    "sent more than its transfer limit of {} bytes allows: the host's copy passed {} bytes ({} per list element, field or case)",
                    limits.transfer,
                    hostcall_backstop(limits.transfer),
                    size_of::<Val>()
                ),
            );
        }
    }
    if let Some(hit) = refusal {
        return exceeded(hit.limit, format!("exceeded its {} limit ({})", hit.limit, hit.message));
    }
    ProviderFailure::Trapped(super::failure::error_chain(error))
}
