//! Exports `test:files/fetch`: GETs a URL through `wasi:http/outgoing-handler`
//! with the `wasi` crate's bindings, as a Rust guest that fetches does.
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingRequest, RequestOptions, Scheme,
};
use wasi::io::streams::StreamError;

wit_bindgen::generate!({
    path: "../wit/files.wit",
    inline: "package guest:wasi-fetch; world guest { export test:files/fetch; }",
});

use exports::test::files::fetch::Response;

const HEAD: usize = 4096;

struct Guest;

impl exports::test::files::fetch::Guest for Guest {
    fn get(
        url: String,
        headers: Vec<(String, String)>,
        connect_timeout_ms: Option<u64>,
    ) -> Result<Response, String> {
        let (scheme, rest) = url.split_once("://").ok_or("not scheme://authority/path")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let fields = Fields::new();
        for (name, value) in &headers {
            fields.append(name, value.as_bytes()).map_err(|e| format!("header: {e:?}"))?;
        }
        let request = OutgoingRequest::new(fields);
        let scheme = match scheme {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => Scheme::Other(other.to_string()),
        };
        request.set_method(&Method::Get).map_err(|()| "method")?;
        request.set_scheme(Some(&scheme)).map_err(|()| "scheme")?;
        request.set_authority(Some(authority)).map_err(|()| "authority")?;
        request.set_path_with_query(Some(path)).map_err(|()| "path")?;
        let options = connect_timeout_ms.map(|ms| {
            let options = RequestOptions::new();
            let _ = options.set_connect_timeout(Some(ms.saturating_mul(1_000_000)));
            options
        });
        let pending =
            outgoing_handler::handle(request, options).map_err(|e| format!("handle: {e:?}"))?;
        pending.subscribe().block();
        let response = pending
            .get()
            .ok_or("response: not ready after block")?
            .map_err(|()| "response: taken twice")?
            .map_err(|e| format!("response: {e:?}"))?;
        let status = response.status();
        let body = response.consume().map_err(|()| "body: consumed twice")?;
        let (length, head) = read_all(&body)?;
        drop(response);
        IncomingBody::finish(body);
        Ok(Response { status, length, head: String::from_utf8_lossy(&head).into_owned() })
    }
}

/// The body's length and its first bytes.
fn read_all(body: &IncomingBody) -> Result<(u64, Vec<u8>), String> {
    let stream = body.stream().map_err(|()| "body: stream taken twice")?;
    let (mut length, mut head) = (0u64, Vec::new());
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                length += chunk.len() as u64;
                let room = HEAD.saturating_sub(head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..room]);
            }
            Err(StreamError::Closed) => return Ok((length, head)),
            Err(StreamError::LastOperationFailed(e)) => {
                let code: Option<ErrorCode> = wasi::http::types::http_error_code(&e);
                return Err(match code {
                    Some(code) => format!("body: {code:?}"),
                    None => format!("body: {}", e.to_debug_string()),
                });
            }
        }
    }
}

export!(Guest);
