//! The `http` grant on a real guest (`test-components/wasip2/wasi-fetch`, Rust
//! with the `wasi` crate's wasi:http bindings) against a real HTTP/1.1
//! server on loopback that this module starts: what is granted goes
//! through, everything else is answered `HTTP-request-denied` without a
//! connection being made, a slow server is cut at the call's deadline and a
//! huge body at the plugin's transfer limit.

use crate::{guests, polyglot};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use plugtree::describe::Capability;
use plugtree::{
    BuildError, CallError, Grants, HttpTarget, Limit, Limits, LoadedTree, PluginTree, Socket, Val,
};

const FETCH: &str = "test:files/fetch";

/// An HTTP/1.1 server on a free loopback port, one thread per connection,
/// for as long as the test runs. Routes: `/hello`; `/headers` (the request's
/// head back, so a test sees what the host sent); `/bytes/N` (N bytes);
/// `/slow` (answers after 30 s, recording that it did).
struct Server {
    port: u16,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
    /// Whether `/slow` got to answer.
    slow_answered: Arc<AtomicBool>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let slow_answered = Arc::new(AtomicBool::new(false));
        let (count, slow) = (connections.clone(), slow_answered.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let slow = slow.clone();
                std::thread::spawn(move || serve(stream, &slow));
            }
        });
        Server { port, connections, slow_answered }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, slow_answered: &AtomicBool) {
    let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut out = stream;
    let mut answer = |body: &[u8]| {
        let status = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
        let _ = out.write_all(status.as_bytes()).and_then(|()| out.write_all(body));
    };
    match path.as_str() {
        "/hello" => answer(b"hello from the server"),
        "/headers" => answer(head.to_ascii_lowercase().as_bytes()),
        "/slow" => {
            std::thread::sleep(Duration::from_secs(30));
            slow_answered.store(true, Ordering::SeqCst);
            answer(b"late");
        }
        p => match p.strip_prefix("/bytes/").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => answer(&vec![b'x'; n]),
            None => answer(b"no such route"),
        },
    }
    let _ = reader.read(&mut [0; 1]);
}

fn target(text: &str) -> HttpTarget {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn load_with(grants: Grants, limits: Limits) -> LoadedTree {
    load_guest(guests::wasi_guest("wasi-fetch"), grants, limits)
}

fn load_guest(guest: std::path::PathBuf, grants: Grants, limits: Limits) -> LoadedTree {
    let (tree, build_errors) = PluginTree::builder()
        .wit(guests::wasi_wit())
        .root(FETCH)
        .plugin("fetcher", guest)
        .grants("fetcher", grants)
        .plugin_limits("fetcher", limits)
        .build()
        .expect("the app's WIT is valid");
    assert!(build_errors.is_empty(), "{build_errors:?}");
    let (loaded, load_errors) = tree.load(guests::engine());
    assert!(load_errors.is_empty(), "{load_errors:?}");
    loaded
}

fn load(grants: Grants) -> LoadedTree {
    load_with(grants, Limits::default())
}

/// The guest's answer to GET `url`: `Ok((status, length, head))` or its error text.
fn get(
    tree: &LoadedTree,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, u64, String), String> {
    match try_get(tree, url, headers) {
        Ok(answer) => answer,
        Err(e) => panic!("the call fails: {e}"),
    }
}

fn try_get(
    tree: &LoadedTree,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Result<(u16, u64, String), String>, CallError> {
    let headers = headers
        .iter()
        .map(|(k, v)| Val::Tuple(vec![Val::String((*k).into()), Val::String((*v).into())]))
        .collect();
    let args = [Val::String(url.into()), Val::List(headers), Val::Option(None)];
    let answer = match tree.dispatch(FETCH, "get", &args).expect("dispatch") {
        Socket::ExactlyOne(_, answer) => answer?.expect("a result"),
        other => panic!("an exactly-one root answers once, got {other:?}"),
    };
    Ok(match answer {
        Val::Result(Ok(Some(record))) => match *record {
            Val::Record(fields) => match &fields[..] {
                [(_, Val::U16(status)), (_, Val::U64(length)), (_, Val::String(head))] => {
                    Ok((*status, *length, head.clone()))
                }
                other => panic!("a response record, got {other:?}"),
            },
            other => panic!("a record, got {other:?}"),
        },
        Val::Result(Err(Some(e))) => match *e {
            Val::String(message) => Err(message),
            other => panic!("an error string, got {other:?}"),
        },
        other => panic!("a result, got {other:?}"),
    })
}

#[test]
fn a_granted_destination_answers() {
    let server = Server::start();
    let tree = load(Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port))));
    let (status, length, head) = get(&tree, &server.url("/hello"), &[]).expect("granted");
    assert_eq!((status, length, head.as_str()), (200, 21, "hello from the server"));
}

#[test]
fn without_a_grant_every_request_is_denied_and_nothing_is_dialled() {
    let server = Server::start();
    let tree = load(Grants::none());
    assert_eq!(
        get(&tree, &server.url("/hello"), &[]),
        Err("response: ErrorCode::HttpRequestDenied".into())
    );
    assert_eq!(server.connections(), 0);
}

#[test]
fn another_host_or_port_is_denied() {
    let (server, other) = (Server::start(), Server::start());
    let tree = load(Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port))));
    let denied = Err("response: ErrorCode::HttpRequestDenied".to_string());
    // Another port, where a server does listen: never dialled.
    assert_eq!(get(&tree, &other.url("/hello"), &[]), denied);
    // Another host: not even resolved (this machine has no DNS to ask).
    assert_eq!(get(&tree, &format!("http://example.com:{}/hello", server.port), &[]), denied);
    // Another scheme.
    assert_eq!(get(&tree, &format!("https://127.0.0.1:{}/hello", server.port), &[]), denied);
    assert_eq!((server.connections(), other.connections()), (0, 0));
    assert!(get(&tree, &server.url("/hello"), &[]).is_ok(), "the granted one still answers");
}

#[test]
fn a_wildcard_does_not_reach_loopback_through_a_name_but_a_named_host_does() {
    let server = Server::start();
    let localhost = format!("http://localhost:{}/hello", server.port);
    // `*` matches the name `localhost`, but it resolves to a loopback address,
    // which only a grant naming the host (or the address) reaches.
    let wildcard = load(Grants::none().http(target(&format!("http://*:{}", server.port))));
    assert_eq!(
        get(&wildcard, &localhost, &[]),
        Err("response: ErrorCode::HttpRequestDenied".into())
    );
    assert_eq!(
        get(&wildcard, &server.url("/hello"), &[]),
        Err("response: ErrorCode::HttpRequestDenied".into())
    );
    assert_eq!(server.connections(), 0);
    let named = load(Grants::none().http(target(&format!("http://localhost:{}", server.port))));
    let (status, _, head) = get(&named, &localhost, &[]).expect("localhost, granted by name");
    assert_eq!((status, head.as_str()), (200, "hello from the server"));
}

#[test]
fn the_host_names_itself_and_the_plugin_unless_the_guest_says_otherwise() {
    let server = Server::start();
    let tree = load(Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port))));
    let (_, _, head) = get(&tree, &server.url("/headers"), &[]).expect("granted");
    assert!(head.starts_with("get /headers http/1.1\r\n"), "{head}");
    assert!(head.contains("\r\nuser-agent: plugtree/0.1.0 (plugin fetcher)\r\n"), "{head}");
    assert!(head.contains(&format!("\r\nhost: 127.0.0.1:{}\r\n", server.port)), "{head}");
    let (_, _, head) =
        get(&tree, &server.url("/headers"), &[("user-agent", "mine/1")]).expect("granted");
    assert!(head.contains("\r\nuser-agent: mine/1\r\n") && !head.contains("plugtree/"), "{head}");
}

#[test]
fn a_body_past_the_transfer_limit_is_cut_off() {
    let server = Server::start();
    let grants = Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port)));
    let tree = load_with(grants, Limits::default().with_transfer(1 << 20));
    let under = get(&tree, &server.url(&format!("/bytes/{}", 1 << 19)), &[]).expect("under");
    assert_eq!((under.0, under.1), (200, 1 << 19));
    // wasmtime-wasi-http 50 hands a body's error to the guest as text only
    // (`http-error-code` finds no code in it), so the guest prints that.
    assert_eq!(
        get(&tree, &server.url(&format!("/bytes/{}", 4 << 20)), &[]),
        Err("body: HTTP response body size exceeds limit: 1048576 bytes".into())
    );
}

#[test]
fn a_slow_server_is_cut_at_the_call_s_deadline() {
    let server = Server::start();
    let grants = Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port)));
    let limits = Limits::default().with_deadline(Some(Duration::from_millis(300)));
    let tree = load_with(grants, limits);
    // The host stops waiting at the deadline: the guest is answered a
    // timeout, and its next step is past the deadline.
    match try_get(&tree, &server.url("/slow"), &[]) {
        Err(CallError::LimitExceeded { limit: Limit::Deadline, .. }) => {}
        Ok(Err(timeout)) => assert_eq!(timeout, "response: ErrorCode::ConnectionReadTimeout"),
        other => panic!("a deadline, got {other:?}"),
    }
    assert!(
        !server.slow_answered.load(Ordering::SeqCst),
        "the call ended before the server answered"
    );
    assert_eq!(server.connections(), 1);
    // The plugin still answers the next call (a deadline is not a failure).
    assert!(get(&tree, &server.url("/hello"), &[]).is_ok());
}

#[test]
fn strict_mode_refuses_a_plugin_importing_http_without_the_grant() {
    let (_, errors) = PluginTree::builder()
        .wit(guests::wasi_wit())
        .root(FETCH)
        .plugin("fetcher", guests::wasi_guest("wasi-fetch"))
        .grants("fetcher", Grants::none().strict(true).stdout(true).stderr(true))
        .build()
        .expect("the app's WIT is valid");
    assert!(
        errors.iter().any(
            |e| matches!(e, BuildError::UngrantedWasi { plugin, import, grant: Capability::Http }
            if plugin == "fetcher" && import.starts_with("wasi:http/outgoing-handler@0.2."))
        ),
        "{errors:?}"
    );
}

#[test]
fn the_manifest_grants_it_check_shows_it_and_call_uses_it() {
    let server = Server::start();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/http-tests/cli");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("plugtree.toml");
    let text = format!(
        "root = {FETCH:?}\nwit = {:?}\n[[plugins]]\nid = \"fetcher\"\npath = {:?}\n\
         grants = {{ http = [\"http://127.0.0.1:{}\", \"https://*.example.com\"] }}\n",
        guests::wasi_wit(),
        guests::wasi_guest("wasi-fetch"),
        server.port
    );
    std::fs::write(&manifest, text).unwrap();
    let plugtree = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plugtree"))
            .args(args)
            .output()
            .expect("the binary runs");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let m = manifest.to_str().unwrap();
    let (status, text) = plugtree(&["check", "-m", m]);
    assert_eq!(status, Some(0), "{text}");
    let line = format!(
        "    capabilities: http http://127.0.0.1:{}; http https://*.example.com:443",
        server.port
    );
    assert!(text.lines().any(|l| l == line), "{text}");
    let call = format!("{FETCH}.get({:?}, [], none)", server.url("/hello"));
    let (status, text) = plugtree(&["call", "-m", m, &call]);
    assert_eq!(status, Some(0), "{text}");
    assert_eq!(text, "fetcher: ok({status: 200, length: 21, head: \"hello from the server\"})\n");
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_javascript_plugin_keeps_fetch_and_the_grant_holds_for_it() {
    let server = Server::start();
    let guest = polyglot::guest("js-fetch");
    let granted = Grants::none().http(target(&format!("http://127.0.0.1:{}", server.port)));
    let tree = load_guest(guest.clone(), granted, Limits::default());
    let (status, length, head) =
        get(&tree, &server.url("/headers"), &[("x-from", "js")]).expect("granted");
    assert_eq!(status, 200);
    assert_eq!(length, head.len() as u64);
    assert!(
        head.starts_with("get /headers http/1.1\r\n") && head.contains("\r\nx-from: js\r\n"),
        "{head}"
    );
    assert_eq!(server.connections(), 1);
    let denied = load_guest(guest, Grants::none(), Limits::default());
    let error = get(&denied, &server.url("/hello"), &[]).expect_err("denied");
    assert!(error.starts_with("response: "), "{error}");
    assert_eq!(server.connections(), 1, "a denied request dials nothing");
}

/// `openssl s_server` with a fresh self-signed certificate on a free loopback
/// port (Debian's `openssl`, which `.ci/run` installs), killed on drop.
struct TlsServer {
    port: u16,
    child: std::process::Child,
}

impl TlsServer {
    fn start() -> TlsServer {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/http-tests/tls");
        std::fs::create_dir_all(&dir).unwrap();
        let made = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"])
            .args(["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"])
            .current_dir(&dir)
            .output()
            .expect("openssl runs (Debian's `openssl`, installed by .ci/run)");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-cert", "cert.pem", "-key", "key.pem"])
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server starts");
        // Killed on drop from here on, a panic included.
        let server = TlsServer { port, child };
        // Listening once a TLS client could connect.
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("openssl s_server did not listen on {port}");
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn https_checks_the_server_s_certificate() {
    let server = TlsServer::start();
    let grants = Grants::none()
        .http(target(&format!("https://127.0.0.1:{}", server.port)))
        .http(target(&format!("https://localhost:{}", server.port)));
    let tree = load(grants);
    // A self-signed certificate is not among the Mozilla roots: the handshake
    // is made and the certificate refused, by address or by name.
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{}/", server.port);
        assert_eq!(get(&tree, &url, &[]), Err("response: ErrorCode::TlsCertificateError".into()));
    }
}
