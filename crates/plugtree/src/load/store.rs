//! What a plugin's `Store` carries: its limiter, its WASI context and the
//! plug functions checked as Rust types.

use std::any::TypeId;

use super::limits::PluginLimiter;

/// What a plugin's `Store` carries.
pub(crate) struct PluginState {
    /// Enforces the plugin's memory, table and instance limits.
    pub limiter: PluginLimiter,
    /// The WASI context its grants allow; `None` if it imports no WASI.
    pub wasi: Option<Box<super::wasi::WasiState>>,
    /// The plug functions wasmtime has checked as Rust types, by function
    /// number and the `TypeId` of `(params, results)`: a typed call checks once.
    pub typed: Vec<(usize, TypeId)>,
}

impl PluginState {
    /// The state of a new store: nothing called yet.
    pub fn new(limiter: PluginLimiter, wasi: Option<Box<super::wasi::WasiState>>) -> Self {
        PluginState { limiter, wasi, typed: Vec::new() }
    }
}
