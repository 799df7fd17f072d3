//! The WebSocket opening handshake (RFC 6455 4.2): which upgrade requests
//! are taken, the `101` that takes them, and the subprotocol agreed on.
//!
//! - **Origin.** A browser sends the page's origin with every WebSocket
//!   request and lets any page open one to any host, with the user's
//!   cookies and network position: without a check, a page elsewhere
//!   could chat as the user (cross-site WebSocket hijacking). So a socket
//!   is opened only for the origin of the page this listener serves (the
//!   `Host` the request names, over `http` or `https`) or one listed with
//!   `--web-origin`; any other gets 403. A request with no `Origin` is not
//!   from a browser page (irctest, bots, the load generator), which no
//!   other site can make on a user's behalf, so it is taken.
//! - **Subprotocols** (IRCv3 WebSocket): `binary.ircv3.net` and
//!   `text.ircv3.net`, whichever the client lists first. A client that
//!   offers none gets text messages and no `Sec-WebSocket-Protocol` (the
//!   spec leaves that case to the server; text is what browsers and the
//!   older web IRC clients read). A client that offers only others is
//!   refused (400): it asked for a protocol this server does not speak,
//!   and a browser would fail the socket anyway.

use super::{Mode, Refusal, Settings};

/// Subprotocols spoken, as the client writes them.
const TEXT: &str = "text.ircv3.net";
const BINARY: &str = "binary.ircv3.net";

/// A handshake that succeeded.
#[derive(Debug, PartialEq, Eq)]
pub struct Upgrade {
    /// The `101 Switching Protocols` response.
    pub response: Vec<u8>,
    /// The message type agreed on.
    pub mode: Mode,
}

/// The value of header `name` (the first of that name).
fn header<'a>(headers: &[httparse::Header<'a>], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// Whether a comma-separated header value lists `token` (any case).
fn lists(value: Option<&[u8]>, token: &str) -> bool {
    value.is_some_and(|v| {
        v.split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// Checks an upgrade request's headers and builds the `101`, or says why not.
pub fn upgrade(headers: &[httparse::Header<'_>], settings: &Settings) -> Result<Upgrade, Refusal> {
    if !lists(header(headers, "upgrade"), "websocket")
        || !lists(header(headers, "connection"), "upgrade")
    {
        return Err(Refusal::NotUpgrade);
    }
    if header(headers, "sec-websocket-version").map(<[u8]>::trim_ascii) != Some(b"13") {
        return Err(Refusal::Version);
    }
    let key = header(headers, "sec-websocket-key")
        .map(<[u8]>::trim_ascii)
        .filter(|key| key.len() == 24)
        .ok_or(Refusal::BadRequest)?;
    let host = header(headers, "host").ok_or(Refusal::BadRequest)?;
    if let Some(origin) = header(headers, "origin")
        && !settings.allows(origin, host)
    {
        return Err(Refusal::Origin);
    }
    let offered = header(headers, "sec-websocket-protocol");
    let chosen = choose(offered)?;
    let accept = tungstenite::handshake::derive_accept_key(key);
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n"
    );
    if let Some((name, _)) = chosen {
        response.push_str(&format!("Sec-WebSocket-Protocol: {name}\r\n"));
    }
    response.push_str("\r\n");
    Ok(Upgrade {
        response: response.into_bytes(),
        mode: chosen.map_or(Mode::Text, |(_, mode)| mode),
    })
}

/// The subprotocol to answer with: the first of ours the client lists
/// (all `Sec-WebSocket-Protocol` values count; a browser sends one), none
/// if it lists none, or a refusal if it lists only others.
fn choose(offered: Option<&[u8]>) -> Result<Option<(&'static str, Mode)>, Refusal> {
    let Some(offered) = offered else {
        return Ok(None);
    };
    for name in offered.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        if name.eq_ignore_ascii_case(TEXT.as_bytes()) {
            return Ok(Some((TEXT, Mode::Text)));
        }
        if name.eq_ignore_ascii_case(BINARY.as_bytes()) {
            return Ok(Some((BINARY, Mode::Binary)));
        }
    }
    Err(Refusal::Subprotocol)
}

/// The origin a browser sends for a page at `scheme://host`, lowercased
/// (hosts are case-insensitive, and browsers send them lowercased).
pub fn origin_of(scheme: &str, host: &[u8]) -> Vec<u8> {
    let mut origin = scheme.as_bytes().to_vec();
    origin.extend_from_slice(b"://");
    origin.extend(host.iter().map(u8::to_ascii_lowercase));
    origin
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handshake of a request with `extra` headers.
    fn shake(extra: &[(&str, &str)], settings: &Settings) -> Result<Upgrade, Refusal> {
        // The first header of a name is the one read: `extra` goes first.
        let mut headers = extra.to_vec();
        headers.extend_from_slice(&[
            ("Host", "chat.example:8081"),
            ("Upgrade", "websocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ]);
        let parsed: Vec<httparse::Header<'_>> = headers
            .iter()
            .map(|(name, value)| httparse::Header {
                name,
                value: value.as_bytes(),
            })
            .collect();
        upgrade(&parsed, settings)
    }

    #[test]
    fn the_accept_key_is_rfc_6455s_example_and_no_subprotocol_means_text() {
        let up = shake(&[], &Settings::new(&[])).unwrap();
        let text = String::from_utf8(up.response).unwrap();
        assert!(text.starts_with("HTTP/1.1 101 "), "{text}");
        assert!(text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(!text.contains("Sec-WebSocket-Protocol"));
        assert_eq!(up.mode, Mode::Text);
    }

    #[test]
    fn the_clients_first_choice_of_ours_wins() {
        let s = Settings::new(&[]);
        let proto = |offer| shake(&[("Sec-WebSocket-Protocol", offer)], &s);
        assert_eq!(
            proto("binary.ircv3.net, text.ircv3.net").unwrap().mode,
            Mode::Binary
        );
        assert_eq!(proto("chat, text.ircv3.net").unwrap().mode, Mode::Text);
        assert_eq!(proto("chat, superchat"), Err(Refusal::Subprotocol));
        let text = String::from_utf8(proto("text.ircv3.net").unwrap().response).unwrap();
        assert!(text.contains("Sec-WebSocket-Protocol: text.ircv3.net\r\n"));
    }

    #[test]
    fn only_the_pages_own_origin_or_a_listed_one_may_open_a_socket() {
        let s = Settings::new(&["https://Example.org".to_string()]);
        let from = |origin| shake(&[("Origin", origin)], &s).map(|u| u.mode);
        assert_eq!(from("http://chat.example:8081"), Ok(Mode::Text));
        assert_eq!(from("https://CHAT.example:8081"), Ok(Mode::Text));
        assert_eq!(from("https://example.org"), Ok(Mode::Text));
        assert_eq!(from("http://evil.example"), Err(Refusal::Origin));
        assert_eq!(from("http://chat.example:8082"), Err(Refusal::Origin));
        assert_eq!(from("null"), Err(Refusal::Origin));
    }

    #[test]
    fn missing_or_wrong_upgrade_headers_are_refused() {
        let s = Settings::new(&[]);
        let refused = |extra| shake(extra, &s).err();
        assert_eq!(
            refused(&[("Sec-WebSocket-Version", "8")]),
            Some(Refusal::Version)
        );
        assert_eq!(refused(&[("Upgrade", "h2c")]), Some(Refusal::NotUpgrade));
        assert_eq!(
            refused(&[("Connection", "close")]),
            Some(Refusal::NotUpgrade)
        );
        assert_eq!(
            refused(&[("Sec-WebSocket-Key", "short")]),
            Some(Refusal::BadRequest)
        );
    }
}
