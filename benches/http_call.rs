//! An HTTP request made by a plugin (the `wasi-fetch` guest, through the
//! `http` grant) against the same request made by the host with a bare
//! `std::net::TcpStream` — the floor: one loopback connection, one request,
//! the whole response read, no HTTP library at all. Both go to the same
//! loopback server (a thread per connection, `connection: close`); each row is
//! timed in every one of the interleaved rounds and kept at its best round.
//!
//! `cargo bench --bench http_call [-- REQUESTS ROUNDS]` (default 400 requests, 9 rounds).

#[path = "../tests/all/guests/mod.rs"]
mod guests;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use plugtree::{Grants, LoadedTree, PluginTree, Socket, Val};

const FETCH: &str = "test:files/fetch";
const BODY: &[u8] = b"hello from the server";

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                BODY.len()
            );
            let mut out = &stream;
            let _ = out.write_all(head.as_bytes()).and_then(|()| out.write_all(BODY));
        });
    }
}

/// The host's own request: connect, send, read to the end.
fn host_get(port: u16) -> usize {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let request = format!(
        "GET /hello HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nuser-agent: bench\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    assert!(response.ends_with(BODY), "a whole response");
    response.len()
}

fn plugin_get(tree: &LoadedTree, url: &str) -> usize {
    let args = [Val::String(url.into()), Val::List(Vec::new()), Val::Option(None)];
    match tree.dispatch(FETCH, "get", &args).expect("dispatch") {
        Socket::ExactlyOne(_, Ok(Some(Val::Result(Ok(Some(_)))))) => 1,
        other => panic!("an answer, got {other:?}"),
    }
}

fn main() {
    let numbers: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let requests = numbers.first().copied().unwrap_or(400);
    let rounds = numbers.get(1).copied().unwrap_or(9);
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || serve(listener));

    let grant = format!("http://127.0.0.1:{port}").parse().expect("a target");
    let (tree, errors) = PluginTree::builder()
        .wit(guests::wasi_wit())
        .root(FETCH)
        .plugin("fetcher", guests::wasi_guest("wasi-fetch"))
        .grants("fetcher", Grants::none().http(grant))
        .build()
        .expect("valid WIT");
    assert!(errors.is_empty(), "{errors:?}");
    let (tree, errors) = tree.load(guests::engine());
    assert!(errors.is_empty(), "{errors:?}");
    let url = format!("http://127.0.0.1:{port}/hello");

    let (mut host, mut plugin) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..requests {
            std::hint::black_box(host_get(port));
        }
        host = host.min(start.elapsed());
        let start = Instant::now();
        for _ in 0..requests {
            std::hint::black_box(plugin_get(&tree, &url));
        }
        plugin = plugin.min(start.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(requests);
    println!("HTTP GET over loopback, {requests} requests, best of {rounds} interleaved rounds");
    println!("{:<44} {:>10} {:>8}", "", "µs/request", "ratio");
    println!("{:<44} {:>10.1} {:>8.2}", "host: std TcpStream, no HTTP library", per(host), 1.0);
    println!(
        "{:<44} {:>10.1} {:>8.2}",
        "plugin: wasi-fetch through the http grant",
        per(plugin),
        per(plugin) / per(host)
    );
}
