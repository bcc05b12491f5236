//! WASI for plugins that import it: a `wasmtime-wasi` (p2, synchronous)
//! context built from the plugin's grants, denying everything else.
//!
//! Only plugins with WASI imports get a context and WASI in their linker;
//! the others carry an empty `Option` and pay nothing per call.

use std::collections::HashSet;
use std::net::{SocketAddr, ToSocketAddrs};

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

use super::error::LoadError;
use super::store::PluginState;
use crate::describe::{Capability, DirMode, Grants, PluginId, WasiNeed, wasi_need};
use crate::resolve::TreePlugin;

/// A plugin's WASI context and the table of its WASI resources (files,
/// streams, sockets, and HTTP requests and responses, whose bodies are WASI streams).
pub(crate) struct WasiState {
    ctx: WasiCtx,
    pub(super) table: ResourceTable,
    /// wasi:http's state, for a plugin that imports it.
    #[cfg(feature = "http")]
    pub(super) http: Option<Box<super::http::HttpState>>,
}

impl WasiState {
    fn new(ctx: WasiCtx) -> Self {
        WasiState {
            ctx,
            table: ResourceTable::new(),
            #[cfg(feature = "http")]
            http: None,
        }
    }
}

impl PluginState {
    /// The plugin's WASI state. Only plugins with WASI imports link WASI, and
    /// they get a context at load; should another ever reach here, it gets
    /// the denying default.
    pub(super) fn wasi_state(&mut self) -> &mut WasiState {
        self.wasi.get_or_insert_with(|| Box::new(WasiState::new(WasiCtx::builder().build())))
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let state = self.wasi_state();
        WasiCtxView { ctx: &mut state.ctx, table: &mut state.table }
    }
}

/// Adds WASI 0.2 to `linker` if the plugin imports any of it, and wasi:http
/// if it imports that.
pub(crate) fn link(linker: &mut Linker<PluginState>, plugin: &TreePlugin) -> wasmtime::Result<()> {
    if plugin.wasi.is_empty() {
        return Ok(());
    }
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    #[cfg(feature = "http")]
    if imports_http(plugin) {
        super::http::link(linker)?;
    }
    Ok(())
}

/// Whether the plugin imports wasi:http (only linked with the `http` feature).
pub(crate) fn imports_http(plugin: &TreePlugin) -> bool {
    plugin.wasi.iter().any(|i| wasi_need(i) == WasiNeed::Grant(Capability::Http))
}

/// The WASI context of plugin `id` with `grants` (`None`: it imports no
/// WASI): nothing but what its grants allow. Host names in `network` are
/// resolved here, for each new store (a restart makes one too). With
/// `http_body_limit`, the plugin imports wasi:http and gets its state too,
/// reading response bodies of at most that many bytes.
///
/// # Errors
/// [`LoadError::Grant`] when a granted directory cannot be opened or a granted
/// host name does not resolve.
pub(crate) fn context(
    id: &PluginId,
    grants: Option<&Grants>,
    http_body_limit: Option<usize>,
) -> Result<Option<Box<WasiState>>, LoadError> {
    let Some(grants) = grants else { return Ok(None) };
    // Defaults: no preopens, env or args, stdin empty, stdout/stderr discarded,
    // TCP/UDP and name lookup off, every socket address denied.
    let mut builder = WasiCtx::builder();
    for dir in &grants.dirs {
        let perms = match dir.mode {
            DirMode::ReadOnly => FsPerms::ReadOnly,
            DirMode::ReadWrite => FsPerms::ReadWrite,
        };
        builder.preopened_dir(&dir.host, &dir.guest, perms).map_err(|e| LoadError::Grant {
            plugin: id.clone(),
            grant: Capability::Dirs,
            value: dir.host.display().to_string(),
            source: e.into(),
        })?;
    }
    for (key, value) in &grants.env {
        builder.env(key, value);
    }
    builder.args(&grants.args);
    if grants.stdout {
        builder.inherit_stdout();
    }
    if grants.stderr {
        builder.inherit_stderr();
    }
    if !grants.network.is_empty() {
        let allowed = resolve_network(id, grants)?;
        builder.allow_tcp(true).allow_udp(true).socket_addr_check(move |addr, used| {
            let ok = allowed.contains(&addr) || is_ephemeral_bind(addr, used);
            Box::pin(async move { ok })
        });
    }
    builder.allow_ip_name_lookup(grants.name_lookup);
    #[cfg_attr(not(feature = "http"), allow(unused_mut))]
    let mut state = WasiState::new(builder.build());
    #[cfg(feature = "http")]
    if let Some(limit) = http_body_limit {
        state.http = Some(Box::new(super::http::HttpState::new(id, grants.http.clone(), limit)));
    }
    #[cfg(not(feature = "http"))]
    let _ = http_body_limit;
    Ok(Some(Box::new(state)))
}

/// Every address the `network` grants name, host names resolved by the host.
fn resolve_network(id: &PluginId, grants: &Grants) -> Result<HashSet<SocketAddr>, LoadError> {
    let mut allowed = HashSet::new();
    for hp in &grants.network {
        let addrs =
            (hp.host.as_str(), hp.port).to_socket_addrs().map_err(|e| LoadError::Grant {
                plugin: id.clone(),
                grant: Capability::Network,
                value: hp.to_string(),
                source: wasmtime::Error::from(e).into(),
            })?;
        allowed.extend(addrs);
    }
    Ok(allowed)
}

/// A connect or send first binds the socket to an unspecified address and
/// port 0 (the OS picks one); that binds nothing a plugin could listen on.
fn is_ephemeral_bind(addr: SocketAddr, used: SocketAddrUse) -> bool {
    matches!(used, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind)
        && addr.ip().is_unspecified()
        && addr.port() == 0
}
