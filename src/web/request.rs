//! The web listener's HTTP/1.1: one request per connection, read with
//! `httparse` within [`MAX_REQUEST`] bytes (and the request deadline the
//! server keeps), routed, and answered with a response that closes the
//! connection, or with the WebSocket upgrade. Pure: bytes in, an
//! [`Answer`] out.
//!
//! - `GET /` (or `HEAD`): the page, with its security headers
//!   ([`super::page`]);
//! - `GET /healthz`: `200 ok`;
//! - `GET /ws` (or `GET /`) with `Upgrade`: the WebSocket handshake
//!   ([`super::handshake`]);
//! - another path: 404; another method: 405; not HTTP, or too large: 400
//!   or 431.

use super::handshake::{self, Upgrade};
use super::{Refusal, Settings};

/// The largest request head taken (request line and headers): a browser's
/// upgrade request is well under 2 KB even with cookies for the host.
pub const MAX_REQUEST: usize = crate::http::MAX_REQUEST;

/// Headers taken in a request; more is a 431.
const MAX_HEADERS: usize = 32;

/// What a request head gets.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The head has not all arrived.
    Partial,
    /// The page (`body`: with the page after the head, else `HEAD`).
    Page {
        /// Send the body (GET), or the head alone (HEAD).
        body: bool,
    },
    /// `200 ok`.
    Health {
        /// Send the body.
        body: bool,
    },
    /// The WebSocket handshake succeeded: `response` is the 101, and the
    /// frames start after `head` bytes.
    Upgrade {
        /// The 101 response.
        response: Vec<u8>,
        /// The head's length.
        head: usize,
        /// The message type agreed on.
        mode: super::Mode,
    },
    /// Refused: `response` says why and closes.
    Refused {
        /// Why, for the metrics.
        why: Refusal,
        /// The response.
        response: Vec<u8>,
    },
}

/// Reads the request head in `bytes` (what has arrived so far).
pub fn answer(bytes: &[u8], settings: &Settings) -> Answer {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head = match request.parse(bytes) {
        Ok(httparse::Status::Partial) if bytes.len() > MAX_REQUEST => {
            return refused(Refusal::TooLarge);
        }
        Ok(httparse::Status::Partial) => return Answer::Partial,
        Ok(httparse::Status::Complete(head)) => head,
        Err(httparse::Error::TooManyHeaders) => return refused(Refusal::TooLarge),
        Err(_) => return refused(Refusal::BadRequest),
    };
    if head > MAX_REQUEST {
        return refused(Refusal::TooLarge);
    }
    let path = request.path.unwrap_or("");
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let body = match request.method {
        Some("GET") => true,
        Some("HEAD") => false,
        _ => return refused(Refusal::Method),
    };
    // `/` with `Upgrade` is the socket too: irctest and some web IRC
    // clients are given the bare URL.
    let upgrading = request
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("upgrade"));
    match path {
        "/" | "/ws" if upgrading && body => match handshake::upgrade(request.headers, settings) {
            Ok(Upgrade { response, mode }) => Answer::Upgrade {
                response,
                head,
                mode,
            },
            Err(why) => refused(why),
        },
        "/" | "/index.html" => Answer::Page { body },
        "/healthz" => Answer::Health { body },
        "/ws" if body => refused(Refusal::NotUpgrade),
        "/ws" => refused(Refusal::Method),
        _ => refused(Refusal::NotFound),
    }
}

/// The answer refusing a request for `why`.
pub fn refused(why: Refusal) -> Answer {
    Answer::Refused {
        why,
        response: response_for(why),
    }
}

/// The response that refuses a request for `why` and closes.
pub fn response_for(why: Refusal) -> Vec<u8> {
    let (status, extra) = match why {
        Refusal::BadRequest | Refusal::Subprotocol => ("400 Bad Request", ""),
        Refusal::Origin => ("403 Forbidden", ""),
        Refusal::NotFound => ("404 Not Found", ""),
        Refusal::Method => ("405 Method Not Allowed", "Allow: GET, HEAD\r\n"),
        Refusal::NotUpgrade => ("426 Upgrade Required", "Upgrade: websocket\r\n"),
        Refusal::Version => ("426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n"),
        Refusal::TooLarge => ("431 Request Header Fields Too Large", ""),
        Refusal::Busy => ("503 Service Unavailable", ""),
    };
    let body = why.explain();
    format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The head of `200 ok` (and its body if `body`).
pub fn health(body: bool) -> Vec<u8> {
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
        Content-Length: 2\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
        Connection: close\r\n\r\n"
        .to_vec();
    if body {
        response.extend_from_slice(b"ok");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::new(&[])
    }

    fn status(answer: &Answer) -> String {
        match answer {
            Answer::Refused { response, .. } => String::from_utf8_lossy(&response[..12]).into(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn routes_by_method_and_path() {
        let s = settings();
        let get = |path: &str| {
            answer(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
                &s,
            )
        };
        assert_eq!(get("/"), Answer::Page { body: true });
        assert_eq!(get("/?x=1"), Answer::Page { body: true });
        assert_eq!(get("/healthz"), Answer::Health { body: true });
        assert_eq!(status(&get("/nope")), "HTTP/1.1 404");
        assert_eq!(status(&get("/ws")), "HTTP/1.1 426");
        let post = answer(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", &s);
        assert_eq!(status(&post), "HTTP/1.1 405");
        let head = answer(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", &s);
        assert_eq!(head, Answer::Page { body: false });
    }

    #[test]
    fn partial_heads_wait_and_garbage_or_huge_ones_are_refused() {
        let s = settings();
        assert_eq!(answer(b"GET / HTTP/1.1\r\nHo", &s), Answer::Partial);
        assert_eq!(
            status(&answer(b"\x16\x03\x01 hello\r\n\r\n", &s)),
            "HTTP/1.1 400"
        );
        let huge = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_REQUEST));
        assert_eq!(status(&answer(huge.as_bytes(), &s)), "HTTP/1.1 431");
        let many: String = (0..40).map(|i| format!("X{i}: y\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(status(&answer(many.as_bytes(), &s)), "HTTP/1.1 431");
    }
}
