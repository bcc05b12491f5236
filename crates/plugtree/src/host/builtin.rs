//! Ready-made host plugs for the `plugtree:host` interfaces: a key-value
//! store kept in memory, and a log.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::component::Val;

use super::{Caller, HostError, HostPlug, WitValue};
use crate::describe::{PluginId, ValueType};

/// The WIT of the `plugtree:host` package; add it to a tree with
/// [`TreeBuilder::wit_text`](crate::TreeBuilder::wit_text) (the manifest's
/// `[[host]]` entries add it themselves).
pub const HOST_WIT: &str = include_str!("../../wit/host/plugtree-host.wit");

/// The key-value interface [`MemoryKv`] provides.
pub const KV_INTERFACE: &str = "plugtree:host/kv";

/// The log interface [`Log`] provides.
pub const LOG_INTERFACE: &str = "plugtree:host/log";

/// A key-value store in the host's memory, shared by every plug made from it
/// (clones share the same entries). Keys are strings, values bytes; the
/// store refuses a `set` that would take it over its capacity, so a plugin
/// cannot exhaust the host's memory through it.
#[derive(Debug, Clone)]
pub struct MemoryKv {
    inner: Arc<Mutex<Store>>,
}

#[derive(Debug, Default)]
struct Store {
    entries: BTreeMap<String, Vec<u8>>,
    bytes: usize,
    capacity: usize,
}

impl Default for MemoryKv {
    fn default() -> Self {
        MemoryKv::with_capacity(64 << 20)
    }
}

impl MemoryKv {
    /// An empty store holding at most 64 MiB of keys and values.
    pub fn new() -> Self {
        MemoryKv::default()
    }

    /// An empty store holding at most `bytes` of keys and values.
    pub fn with_capacity(bytes: usize) -> Self {
        MemoryKv { inner: Arc::new(Mutex::new(Store { capacity: bytes, ..Store::default() })) }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.lock().entries.get(key).cloned()
    }

    /// Stores `value` under `key`.
    ///
    /// # Errors
    /// When the store would grow past its capacity.
    pub fn set(&self, key: &str, value: Vec<u8>) -> Result<(), HostError> {
        let mut store = self.lock();
        let old = store.entries.get(key).map_or(0, |v| key.len() + v.len());
        let bytes = store.bytes - old + key.len() + value.len();
        if bytes > store.capacity {
            return Err(HostError::new(format!(
                "the key-value store is full: storing {} bytes under `{key}` would take it past its {} bytes",
                value.len(),
                store.capacity
            )));
        }
        store.bytes = bytes;
        store.entries.insert(key.to_string(), value);
        Ok(())
    }

    /// Removes `key`; true when it was there.
    pub fn delete(&self, key: &str) -> bool {
        let mut store = self.lock();
        match store.entries.remove(key) {
            Some(v) => {
                store.bytes -= key.len() + v.len();
                true
            }
            None => false,
        }
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().entries.keys().cloned().collect()
    }

    /// A host plug `id` for [`KV_INTERFACE`] over this store.
    pub fn plug(&self, id: &str) -> HostPlug {
        let (get, set, delete, keys) = (self.clone(), self.clone(), self.clone(), self.clone());
        HostPlug::new(id, KV_INTERFACE)
            .func("get", move |key: String| -> Result<Option<Vec<u8>>, HostError> {
                Ok(get.get(&key))
            })
            .func("set", move |key: String, value: Vec<u8>| set.set(&key, value))
            .func("delete", move |key: String| -> Result<bool, HostError> {
                Ok(delete.delete(&key))
            })
            .func("list-keys", move || -> Result<Vec<String>, HostError> { Ok(keys.keys()) })
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // The store's invariants hold between statements, so a panic elsewhere
        // while it was locked leaves it usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The `level` enum of [`LOG_INTERFACE`]: an example of a Rust enum that
/// stands for a WIT enum in typed host functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `trace`
    Trace,
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `warn`
    Warn,
    /// `error`
    Error,
}

const LEVELS: [(LogLevel, &str); 5] = [
    (LogLevel::Trace, "trace"),
    (LogLevel::Debug, "debug"),
    (LogLevel::Info, "info"),
    (LogLevel::Warn, "warn"),
    (LogLevel::Error, "error"),
];

impl LogLevel {
    /// The WIT case name.
    pub(crate) fn as_str(self) -> &'static str {
        LEVELS.iter().find(|(l, _)| *l == self).map_or("info", |(_, name)| name)
    }
}

impl WitValue for LogLevel {
    fn wit_type() -> ValueType {
        ValueType::Enum(LEVELS.iter().map(|(_, name)| name.to_string()).collect())
    }
    fn into_val(self) -> Val {
        Val::Enum(self.as_str().to_string())
    }
    fn from_val(val: &Val) -> Option<Self> {
        match val {
            Val::Enum(case) => LEVELS.iter().find(|(_, name)| name == case).map(|(l, _)| *l),
            _ => None,
        }
    }
}

/// One line a plugin logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The plug's id that received it.
    pub plug: String,
    /// The plugin that wrote it; `None` when the host called the log plug on
    /// the root itself.
    pub caller: Option<PluginId>,
    /// Its level.
    pub level: LogLevel,
    /// Its text.
    pub message: String,
}

/// A log for plugins: each line becomes a `tracing` event (target
/// `plugtree::guest`, with fields `plug` and `caller`, the id of the plugin
/// that wrote it) and is kept, the most recent `keep` lines only.
#[derive(Debug, Clone)]
pub struct Log {
    lines: Arc<Mutex<VecDeque<LogLine>>>,
    keep: usize,
}

impl Default for Log {
    fn default() -> Self {
        Log::keeping(10_000)
    }
}

impl Log {
    /// A log keeping the last 10,000 lines.
    pub fn new() -> Self {
        Log::default()
    }

    /// A log keeping the last `keep` lines.
    pub fn keeping(keep: usize) -> Self {
        Log { lines: Arc::default(), keep }
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// A host plug `id` for [`LOG_INTERFACE`] writing to this log; each line
    /// carries the id of the plugin that wrote it.
    pub fn plug(&self, id: &str) -> HostPlug {
        let log = self.clone();
        let plug = id.to_string();
        HostPlug::new(id, LOG_INTERFACE).func_with_caller(
            "log",
            move |caller: Caller<'_>, level: LogLevel, message: String| -> Result<(), HostError> {
                // Absent for the host's own call: no plugin id can be mistaken for it.
                let from = caller.plugin().map(PluginId::as_str);
                match level {
                    LogLevel::Trace => {
                        tracing::trace!(target: "plugtree::guest", plug = %plug, caller = from, "{message}")
                    }
                    LogLevel::Debug => {
                        tracing::debug!(target: "plugtree::guest", plug = %plug, caller = from, "{message}")
                    }
                    LogLevel::Info => {
                        tracing::info!(target: "plugtree::guest", plug = %plug, caller = from, "{message}")
                    }
                    LogLevel::Warn => {
                        tracing::warn!(target: "plugtree::guest", plug = %plug, caller = from, "{message}")
                    }
                    LogLevel::Error => {
                        tracing::error!(target: "plugtree::guest", plug = %plug, caller = from, "{message}")
                    }
                }
                let mut lines = log.lines.lock().unwrap_or_else(|p| p.into_inner());
                if lines.len() >= log.keep {
                    lines.pop_front();
                }
                if log.keep > 0 {
                    let caller = caller.plugin().cloned();
                    lines.push_back(LogLine { plug: plug.clone(), caller, level, message });
                }
                Ok(())
            },
        )
    }
}
