//! SASL PLAIN over `AUTHENTICATE` (IRCv3 sasl-3.1), pure: the chunks, the
//! base64 and the `authzid NUL authcid NUL password` split. Checking the
//! password is the accounts worker's job; this module only says whose
//! password to check.

use super::numeric::Numeric;
use super::render::OwnedMessage;

/// `AUTHENTICATE` payloads come in chunks of this many bytes; a shorter
/// chunk (or `+`) ends the response.
pub const CHUNK: usize = 400;

/// The longest response accepted, base64 encoded: four full chunks, far
/// above a 24-character name twice plus the longest password.
pub const MAX_ENCODED: usize = 4 * CHUNK;

/// The mechanisms offered, for RPL_SASLMECHS (908) and `sasl=` in `CAP LS`.
pub const MECHANISMS: &str = "PLAIN";

/// One connection's exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sasl {
    /// The base64 received so far, once `AUTHENTICATE PLAIN` started an
    /// exchange; `None` between exchanges.
    pending: Option<String>,
}

/// The name and password to check.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account (authcid) to log in as.
    pub account: String,
    /// The password, to hand to the accounts worker.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a password, even in a test failure or a log line.
        f.debug_struct("Credentials")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// What one `AUTHENTICATE` leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The mechanism is accepted: send `AUTHENTICATE +`.
    Continue,
    /// A full chunk was stored; more follows. Send nothing.
    More,
    /// The response is complete: check these, then send 900 and 903, or 904.
    Verify(Credentials),
    /// The exchange failed and is over.
    Fail(Failure),
}

/// Why an exchange ended without credentials, each with its numeric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Not PLAIN: 908 with [`MECHANISMS`], then 904.
    UnknownMechanism,
    /// One chunk over [`CHUNK`] bytes: 905.
    ChunkTooLong,
    /// The whole response over [`MAX_ENCODED`]: 904.
    TooLong,
    /// The client sent `*`: 906.
    Aborted,
    /// Not base64, not three NUL-separated UTF-8 fields, an empty account,
    /// or an authzid naming someone else: 904.
    BadResponse,
}

impl Failure {
    /// The numerics that end the exchange, for `nick` (`*` before one).
    pub fn replies(self, server: &str, nick: &str) -> Vec<OwnedMessage> {
        let reply = |numeric, text| OwnedMessage::numeric(server, numeric, nick, &[text]);
        match self {
            Failure::UnknownMechanism => vec![
                OwnedMessage::numeric(
                    server,
                    Numeric::SaslMechs,
                    nick,
                    &[MECHANISMS, "are available SASL mechanisms"],
                ),
                reply(Numeric::SaslFail, "SASL authentication failed"),
            ],
            Failure::ChunkTooLong => vec![reply(Numeric::SaslTooLong, "SASL message too long")],
            Failure::Aborted => vec![reply(Numeric::SaslAborted, "SASL authentication aborted")],
            Failure::TooLong | Failure::BadResponse => {
                vec![reply(Numeric::SaslFail, "SASL authentication failed")]
            }
        }
    }
}

/// The replies to a verified login: 900 with the client's `nick!user@host`
/// and account, then 903.
pub fn logged_in(server: &str, nick: &str, mask: &str, account: &str) -> Vec<OwnedMessage> {
    let text = format!("You are now logged in as {account}");
    vec![
        OwnedMessage::numeric(server, Numeric::LoggedIn, nick, &[mask, account, &text]),
        OwnedMessage::numeric(
            server,
            Numeric::SaslSuccess,
            nick,
            &["SASL authentication successful"],
        ),
    ]
}

/// The reply to a wrong password or unknown account: 904.
pub fn failed(server: &str, nick: &str) -> OwnedMessage {
    OwnedMessage::numeric(
        server,
        Numeric::SaslFail,
        nick,
        &["SASL authentication failed"],
    )
}

impl Sasl {
    /// Whether an exchange is under way (registration waits for it too).
    pub fn in_progress(&self) -> bool {
        self.pending.is_some()
    }

    /// Handles the parameter of one `AUTHENTICATE`.
    pub fn authenticate(&mut self, param: &str) -> Step {
        if param == "*" {
            self.pending = None;
            return Step::Fail(Failure::Aborted);
        }
        let Some(pending) = self.pending.as_mut() else {
            if param.eq_ignore_ascii_case("PLAIN") {
                self.pending = Some(String::new());
                return Step::Continue;
            }
            return Step::Fail(Failure::UnknownMechanism);
        };
        if param.len() > CHUNK {
            self.pending = None;
            return Step::Fail(Failure::ChunkTooLong);
        }
        if param != "+" {
            if pending.len() + param.len() > MAX_ENCODED {
                self.pending = None;
                return Step::Fail(Failure::TooLong);
            }
            pending.push_str(param);
            if param.len() == CHUNK {
                return Step::More;
            }
        }
        let encoded = self.pending.take().unwrap_or_default();
        match decode_base64(&encoded).as_deref().and_then(plain) {
            Some(credentials) => Step::Verify(credentials),
            None => Step::Fail(Failure::BadResponse),
        }
    }
}

/// Splits a PLAIN response. An authzid, if given, must be the account
/// itself (ignoring case): nobody logs in as someone else.
fn plain(response: &[u8]) -> Option<Credentials> {
    let mut fields = response.split(|&b| b == 0);
    let (authzid, authcid, password) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || authcid.is_empty() {
        return None;
    }
    let authzid = std::str::from_utf8(authzid).ok()?;
    let account = std::str::from_utf8(authcid).ok()?;
    if !authzid.is_empty() && !authzid.eq_ignore_ascii_case(account) {
        return None;
    }
    Some(Credentials {
        account: account.to_owned(),
        password: std::str::from_utf8(password).ok()?.to_owned(),
    })
}

/// Standard base64 (RFC 4648, `+/`, `=` padding), strict: the length is a
/// multiple of four and padding only ends the text.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let quads = bytes.len() / 4;
    for (i, quad) in bytes.chunks_exact(4).enumerate() {
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && i + 1 != quads) {
            return None;
        }
        let mut bits = 0u32;
        for &c in &quad[..4 - padding] {
            bits = (bits << 6) | value(c)?;
        }
        bits <<= 6 * padding as u32;
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

#[cfg(test)]
#[path = "sasl_tests.rs"]
mod tests;
