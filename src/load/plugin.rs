//! A loaded plugin: its own `Store`, its instance's exported functions, and the
//! one way to call them.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use wasmtime::Store;
use wasmtime::component::{Func, Val};

use crate::describe::PluginId;

/// What a plugin's `Store` carries.
pub(crate) struct PluginState {
    /// Set when the plugin trapped: its instance can no longer be entered.
    pub disabled: Option<String>,
}

/// Why a provider did not answer; the socket ABI's `provider-error` cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProviderFailure {
    Trapped(String),
    Unavailable(String),
    Reentrant(String),
}

/// A plugin whose component was compiled, linked and instantiated.
pub(crate) struct LoadedPlugin {
    pub id: PluginId,
    store: Mutex<Store<PluginState>>,
    /// The plug's functions, indexed like the interface's functions in the catalog.
    funcs: Vec<Option<Func>>,
    /// The thread currently calling into this plugin (0: none).
    caller: AtomicU64,
}

fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static TOKEN: Cell<u64> = const { Cell::new(0) });
    TOKEN.with(|t| {
        if t.get() == 0 {
            t.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        t.get()
    })
}

impl LoadedPlugin {
    pub fn new(id: PluginId, store: Store<PluginState>, funcs: Vec<Option<Func>>) -> Self {
        LoadedPlugin { id, store: Mutex::new(store), funcs, caller: AtomicU64::new(0) }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Store<PluginState>>, ProviderFailure> {
        let me = thread_token();
        // The resolver keeps the tree acyclic, so a thread finding itself
        // already inside this plugin is a bug or a hostile host callback:
        // answer it instead of deadlocking on the store's lock.
        if self.caller.load(Ordering::Acquire) == me {
            return Err(ProviderFailure::Reentrant(format!("plugin `{}` is already on the call stack", self.id)));
        }
        let guard = self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.caller.store(me, Ordering::Release);
        Ok(guard)
    }

    /// Calls the plug's function number `function` with `params`.
    ///
    /// A trap disables the plugin: wasmtime refuses to enter an instance
    /// after it trapped, so later calls answer `Unavailable` at once.
    pub fn call(&self, function: usize, params: &[Val], has_result: bool) -> Result<Option<Val>, ProviderFailure> {
        let Some(func) = self.funcs.get(function).copied().flatten() else {
            return Err(ProviderFailure::Unavailable(format!("plugin `{}` does not export this function", self.id)));
        };
        let mut store = self.lock()?;
        let outcome = (|| {
            if let Some(reason) = &store.data().disabled {
                return Err(ProviderFailure::Unavailable(reason.clone()));
            }
            let mut results = [Val::Bool(false)];
            let results = &mut results[..usize::from(has_result)];
            match func.call(&mut *store, params, results) {
                Ok(()) => Ok(results.first_mut().map(|v| std::mem::replace(v, Val::Bool(false)))),
                Err(e) => {
                    let message = error_chain(&e);
                    store.data_mut().disabled = Some(format!("plugin `{}` trapped earlier: {message}", self.id));
                    Err(ProviderFailure::Trapped(message))
                }
            }
        })();
        self.caller.store(0, Ordering::Release);
        outcome
    }
}

/// Renders a wasmtime error with its causes on one line. The wasm backtrace
/// wasmtime attaches as context is left out: it is many lines of offsets.
pub(crate) fn error_chain(e: &wasmtime::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .filter(|m| !m.starts_with("error while executing at wasm backtrace"))
        .collect::<Vec<_>>()
        .join(": ")
}
