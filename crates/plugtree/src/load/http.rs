//! Outgoing HTTP for plugins that import `wasi:http/outgoing-handler`:
//! `wasmtime-wasi-http`'s synchronous bindings, sending through plugtree's own
//! connector so that the `http` grant holds for the addresses actually dialled.
//!
//! Per request: the URL's scheme, host and port must match a grant
//! ([`HttpTarget`]); the host resolves once, here, and only addresses the
//! grant allows are dialled (a wildcard reaches public addresses only, so DNS
//! rebinding cannot point a granted name at the host's own network). Each
//! wait — resolving, connecting, the first byte, every later byte — ends at
//! the call's deadline, as an epoch deadline cannot interrupt the host while
//! it blocks; the response body may carry at most the plugin's `transfer`
//! limit. A denied request is answered with wasi:http's `HTTP-request-denied`
//! error code, as every other failure is an error code: the guest decides,
//! nothing traps.
//!
//! The host adds `host` (wasi-http does) and, unless the guest set one,
//! `user-agent: plugtree/<version> (plugin <id>)`.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderValue, USER_AGENT};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use wasmtime::component::Linker;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{
    Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks,
    WasiHttpView,
};

use super::store::PluginState;
use crate::describe::{HttpScheme, HttpTarget, PluginId, address_allowed, best_match};

/// What wasi-http waits for when neither the guest's request options nor a
/// deadline say: its own default.
const NO_DEADLINE: Duration = Duration::from_secs(600);

/// A plugin's wasi:http state: its context and the hooks that check its grant.
pub(crate) struct HttpState {
    ctx: WasiHttpCtx,
    hooks: Outbound,
}

impl HttpState {
    /// The state of plugin `id`, sending to `allowed` (empty: nowhere) and
    /// reading response bodies of at most `body_limit` bytes.
    pub fn new(id: &PluginId, allowed: Vec<HttpTarget>, body_limit: usize) -> Self {
        let agent = format!("plugtree/{} (plugin {id})", env!("CARGO_PKG_VERSION"));
        // Plugin ids are ASCII letters, digits, `-`, `_` and `.`: a valid header value.
        let user_agent = HeaderValue::from_str(&agent).ok();
        HttpState {
            ctx: WasiHttpCtx::new(),
            hooks: Outbound { allowed: allowed.into(), body_limit, user_agent },
        }
    }
}

/// Adds wasi:http's outgoing handler and types to `linker`.
pub(crate) fn link(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        let wasi = self.wasi_state();
        // A plugin linked to wasi:http gets its state at load; should another
        // ever reach here, it gets one that sends nowhere.
        let http = wasi.http.get_or_insert_with(|| {
            Box::new(HttpState::new(&PluginId::new("(unknown)"), Vec::new(), 0))
        });
        WasiHttpCtxView { ctx: &mut http.ctx, table: &mut wasi.table, hooks: &mut http.hooks }
    }
}

/// The hooks of one plugin's wasi:http: its grant and limits.
struct Outbound {
    allowed: Arc<[HttpTarget]>,
    body_limit: usize,
    user_agent: Option<HeaderValue>,
}

type Sent = Result<
    (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>),
    HttpError,
>;

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<dyn Future<Output = Sent> + Send> {
        // Called on the plugin's thread, inside its call: the deadline in force is this call's.
        let deadline = super::limits::time_left().map(|left| Instant::now() + left);
        if let Some(agent) = &self.user_agent {
            request.headers_mut().entry(USER_AGENT).or_insert_with(|| agent.clone());
        }
        let allowed = self.allowed.clone();
        let body_limit = self.body_limit;
        Box::new(async move { send(request, options, &allowed, deadline, body_limit).await })
    }
}

/// The time to wait: the guest's option or wasi-http's default, cut at the deadline.
fn wait(option: Option<Duration>, deadline: Option<Instant>) -> Duration {
    let asked = option.unwrap_or(NO_DEADLINE);
    match deadline {
        Some(at) => asked.min(at.saturating_duration_since(Instant::now())),
        None => asked,
    }
}

async fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    allowed: &[HttpTarget],
    deadline: Option<Instant>,
    body_limit: usize,
) -> Sent {
    let uri = request.uri();
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => HttpScheme::Http,
        Some(s) if s.eq_ignore_ascii_case("https") => HttpScheme::Https,
        _ => return Err(HttpError::HttpProtocolError),
    };
    let host = uri.host().ok_or(HttpError::HttpRequestUriInvalid)?.to_string();
    let port = uri.port_u16().unwrap_or(scheme.default_port());
    let Some(how) = best_match(allowed, scheme, &host, port) else {
        tracing::debug!(%host, port, "HTTP request denied: no grant names it");
        return Err(HttpError::HttpRequestDenied);
    };
    let addrs =
        resolve(&host, port, wait(options.and_then(|o| o.connect_timeout), deadline)).await?;
    let addrs: Vec<SocketAddr> =
        addrs.into_iter().filter(|a| address_allowed(how, a.ip())).collect();
    if addrs.is_empty() {
        tracing::debug!(%host, port, "HTTP request denied: the host resolves to no address its grant allows");
        return Err(HttpError::HttpRequestDenied);
    }
    let connect_wait = wait(options.and_then(|o| o.connect_timeout), deadline);
    let stream = tokio::time::timeout(connect_wait, connect(&addrs))
        .await
        .map_err(|_| HttpError::ConnectionTimeout)??;
    let io: Box<dyn Stream> = match scheme {
        HttpScheme::Http => Box::new(stream),
        HttpScheme::Https => {
            let name = server_name(&host)?;
            let tls = tokio_rustls::TlsConnector::from(TLS.clone());
            let handshake = tokio::time::timeout(connect_wait, tls.connect(name, stream));
            Box::new(handshake.await.map_err(|_| HttpError::ConnectionTimeout)?.map_err(tls_error)?)
        }
    };
    let (mut sender, connection) = tokio::time::timeout(
        connect_wait,
        hyper::client::conn::http1::Builder::new().handshake(TokioIo::new(io)),
    )
    .await
    .map_err(|_| HttpError::ConnectionTimeout)??;
    // Drives the connection's I/O while the request and the response body flow.
    let connection = tokio::spawn(connection);
    // A request to an origin server names only the path.
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = http::Uri::try_from(path).map_err(|_| HttpError::HttpRequestUriInvalid)?;
    let first_byte = wait(options.and_then(|o| o.first_byte_timeout), deadline);
    let response = tokio::time::timeout(first_byte, sender.send_request(request))
        .await
        .map_err(|_| HttpError::ConnectionReadTimeout)??;
    let between = wait(options.and_then(|o| o.between_bytes_timeout), None);
    let deadline = deadline.map(tokio::time::Instant::from_std);
    let response = response.map(|incoming| {
        let timer = Box::pin(tokio::time::sleep_until(next_wait(between, deadline)));
        LimitedBody { incoming, left: body_limit, limit: body_limit, between, deadline, timer }
            .boxed_unsync()
    });
    let io = async move {
        match connection.await {
            Ok(done) => done.map_err(HttpError::from),
            Err(_) => Err(HttpError::ConnectionTerminated),
        }
    };
    Ok((response, Box::new(io)))
}

/// The addresses of `host` (an IP address is its own), resolved once.
async fn resolve(host: &str, port: u16, within: Duration) -> Result<Vec<SocketAddr>, HttpError> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match tokio::time::timeout(within, tokio::net::lookup_host((bare, port))).await {
        Err(_) => Err(HttpError::DnsTimeout),
        Ok(Err(e)) => {
            tracing::debug!(host = bare, "HTTP request: name lookup failed: {e}");
            Err(HttpError::DnsError { rcode: Some("NXDOMAIN".into()), info_code: None })
        }
        Ok(Ok(addrs)) => Ok(addrs.collect()),
    }
}

/// A connection to the first of `addrs` that accepts one.
async fn connect(addrs: &[SocketAddr]) -> Result<tokio::net::TcpStream, HttpError> {
    let mut last = None;
    for addr in addrs {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or(HttpError::DestinationUnavailable, HttpError::Connect))
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// TLS with the Mozilla roots (webpki-roots), as wasi-http's own sender has it.
static TLS: LazyLock<Arc<rustls::ClientConfig>> = LazyLock::new(|| {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    // ring supports rustls's default protocol versions.
    Arc::new(config.unwrap_or_else(|_| unreachable!("ring supports TLS 1.2 and 1.3")))
});

/// A failed TLS handshake as wasi:http's error code: a certificate the
/// roots do not vouch for is `TLS-certificate-error`, the rest protocol errors.
fn tls_error(e: std::io::Error) -> HttpError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(why)) => {
            tracing::debug!("HTTPS: the server's certificate is refused: {why}");
            HttpError::TlsCertificateError
        }
        _ => HttpError::Tls(e),
    }
}

fn server_name(host: &str) -> Result<rustls::pki_types::ServerName<'static>, HttpError> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(rustls::pki_types::ServerName::from(ip));
    }
    rustls::pki_types::ServerName::try_from(bare.to_string())
        .map_err(|_| HttpError::HttpRequestUriInvalid)
}

/// A response body cut off past `limit` bytes, after `between` without a
/// byte, or at the call's deadline.
struct LimitedBody {
    incoming: hyper::body::Incoming,
    left: usize,
    limit: usize,
    between: Duration,
    deadline: Option<tokio::time::Instant>,
    timer: Pin<Box<tokio::time::Sleep>>,
}

/// When the wait for a body's next byte ends: `between` from now, or the deadline.
fn next_wait(between: Duration, deadline: Option<tokio::time::Instant>) -> tokio::time::Instant {
    let next = tokio::time::Instant::now() + between;
    deadline.map_or(next, |d| next.min(d))
}

impl Body for LimitedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.incoming).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let len = frame.data_ref().map_or(0, Bytes::len);
                if len > this.left {
                    let limit = u64::try_from(this.limit).unwrap_or(u64::MAX);
                    return Poll::Ready(Some(Err(HttpError::HttpResponseBodySize(Some(limit)))));
                }
                this.left -= len;
                this.timer.as_mut().reset(next_wait(this.between, this.deadline));
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(HttpError::from(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(HttpError::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
