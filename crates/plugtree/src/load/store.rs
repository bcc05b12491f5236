//! What a plugin's `Store` carries: its limiter, its WASI context and the
//! provider instances it called last.

use std::sync::Arc;

use super::limits::PluginLimiter;
use super::plugin::LoadedPlugin;
use super::slot::PluginSlot;

/// What a plugin's `Store` carries.
pub(crate) struct PluginState {
    /// Enforces the plugin's memory, table and instance limits.
    pub limiter: PluginLimiter,
    /// The WASI context its grants allow; `None` if it imports no WASI.
    pub wasi: Option<Box<super::wasi::WasiState>>,
    /// The provider instances this plugin last called, per socket.
    pub providers: ProviderCache,
}

impl PluginState {
    /// The state of a new store: nothing called yet.
    pub fn new(limiter: PluginLimiter, wasi: Option<Box<super::wasi::WasiState>>) -> Self {
        PluginState { limiter, wasi, providers: ProviderCache::default() }
    }
}

/// The provider instances a consumer called last, one list per socket, kept
/// in the consumer's store: a call through a socket finds its providers
/// without touching the slots every thread shares, and only re-reads a slot
/// whose generation moved (a reload replaced its instance). Until then the
/// cache keeps the replaced instance alive: it is dropped on the consumer's
/// next call through that socket, or with the consumer.
#[derive(Default)]
pub(crate) struct ProviderCache {
    sockets: Vec<Vec<(u64, Arc<LoadedPlugin>)>>,
}

impl ProviderCache {
    /// The cached list of socket number `socket`, made if it is the first call.
    fn socket(&mut self, socket: usize) -> &mut Vec<(u64, Arc<LoadedPlugin>)> {
        if self.sockets.len() <= socket {
            self.sockets.resize_with(socket + 1, Vec::new);
        }
        &mut self.sockets[socket]
    }

    /// The cached instances of socket number `socket`, brought up to date
    /// with `providers`: a slot is re-read only if its generation moved.
    fn fresh(
        &mut self,
        socket: usize,
        providers: &[Arc<PluginSlot>],
    ) -> &mut Vec<(u64, Arc<LoadedPlugin>)> {
        let cached = self.socket(socket);
        if cached.len() != providers.len() {
            cached.clear();
            cached.extend(providers.iter().map(|slot| (slot.generation(), slot.current())));
        } else {
            for ((generation, plugin), slot) in cached.iter_mut().zip(providers) {
                let now = slot.generation();
                if *generation != now {
                    *generation = now;
                    *plugin = slot.current();
                }
            }
        }
        cached
    }

    /// The instances answering now for `providers`, socket number `socket`
    /// of this consumer; put them back with [`ProviderCache::put`].
    pub fn take(
        &mut self,
        socket: usize,
        providers: &[Arc<PluginSlot>],
    ) -> Vec<(u64, Arc<LoadedPlugin>)> {
        std::mem::take(self.fresh(socket, providers))
    }

    /// The first instance answering now for `providers` (socket number
    /// `socket`), borrowed in place: what an `exactly-one` socket's typed
    /// call needs, without moving the cached list out and back.
    pub fn first(&mut self, socket: usize, providers: &[Arc<PluginSlot>]) -> Option<&LoadedPlugin> {
        self.fresh(socket, providers).first().map(|(_, plugin)| &**plugin)
    }

    /// Keeps what [`ProviderCache::take`] gave for the next call.
    pub fn put(&mut self, socket: usize, cached: Vec<(u64, Arc<LoadedPlugin>)>) {
        *self.socket(socket) = cached;
    }
}
