//! `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` into its parts. Pure: no
//! name is resolved here.

use super::auth::Auth;
use std::borrow::Cow;
use std::fmt;

/// The port Redis listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 6379;

/// Where a Redis server is and which database to use on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    /// A host name or an IP address (IPv6 without its brackets).
    pub host: String,
    /// The TCP port; [`DEFAULT_PORT`] when the URL has none.
    pub port: u16,
    /// The logical database, selected with `SELECT` on every new
    /// connection when it is not 0 (a new connection starts on 0).
    pub db: u32,
    /// Sent with `AUTH` on every new connection, before `SELECT`.
    pub auth: Option<Auth>,
}

impl RedisUrl {
    /// `HOST:PORT` (`[V6]:PORT`), for the log: never the credentials.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Why a URL was refused. Each names the part that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// It does not start with `redis://` (`rediss://`, TLS, is not supported).
    Scheme,
    /// Its `...@` is not `[USER]:PASSWORD` with a password, or a `%` in it
    /// is not followed by two hex digits, or decodes to no UTF-8.
    Credentials,
    /// The host is empty or malformed (an IPv6 address needs brackets).
    Host,
    /// The port is not a number from 1 to 65535.
    Port,
    /// The database is not a decimal number.
    Db,
    /// Something follows the database (a query or another path segment).
    Trailing,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::Scheme => "a Redis URL starts with redis://",
            UrlError::Credentials => {
                "credentials in a Redis URL are [USER]:PASSWORD@, percent-encoded"
            }
            UrlError::Host => "bad host in Redis URL",
            UrlError::Port => "bad port in Redis URL (1-65535)",
            UrlError::Db => "bad database number in Redis URL",
            UrlError::Trailing => "unexpected text after the database in Redis URL",
        })
    }
}

impl std::error::Error for UrlError {}

/// The URL with its password masked (`redis://app:***@host:6379/0`), so it
/// can be logged.
impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("redis://")?;
        if let Some(auth) = &self.auth {
            write!(f, "{}:***@", auth.username.as_deref().unwrap_or(""))?;
        }
        write!(f, "{}/{}", self.host_port(), self.db)
    }
}

/// `url` with whatever is between `://` and the last `@` of its authority
/// replaced by `***`: for naming a URL that did not parse in an error.
pub fn redact(url: &str) -> Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(url);
    };
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => Cow::Owned(format!("{}***{}", &url[..start], &url[start + at..])),
        None => Cow::Borrowed(url),
    }
}

impl std::str::FromStr for RedisUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<RedisUrl, UrlError> {
        parse(s)
    }
}

/// Parses `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. HOST is a name, an
/// IPv4 address or a bracketed IPv6 address; the scheme is matched without
/// regard to case. USER and PASSWORD are percent-decoded (a `/`, `%`, `?`
/// or `#` in them must be written `%2F`, `%25`, `%3F`, `%23`); a
/// password alone is written `:PASSWORD@`, as in `redis-cli -u`.
pub fn parse(url: &str) -> Result<RedisUrl, UrlError> {
    let scheme = "redis://";
    if url.len() < scheme.len() || !url[..scheme.len()].eq_ignore_ascii_case(scheme) {
        return Err(UrlError::Scheme);
    }
    let rest = &url[scheme.len()..];
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (auth, authority) = match authority.rfind('@') {
        Some(at) => (Some(credentials(&authority[..at])?), &authority[at + 1..]),
        None => (None, authority),
    };
    let (host, port) = split_host_port(authority)?;
    let db = match path {
        None | Some("") => 0,
        Some(p) if p.contains(['/', '?', '#']) => return Err(UrlError::Trailing),
        Some(p) => parse_digits(p).ok_or(UrlError::Db)?,
    };
    Ok(RedisUrl {
        host: host.to_owned(),
        port,
        db,
        auth,
    })
}

/// `[USER]:PASSWORD`, percent-decoded; the password may not be empty.
fn credentials(userinfo: &str) -> Result<Auth, UrlError> {
    let (user, password) = userinfo.split_once(':').ok_or(UrlError::Credentials)?;
    let password = percent_decode(password).ok_or(UrlError::Credentials)?;
    if password.is_empty() {
        return Err(UrlError::Credentials);
    }
    let username = match percent_decode(user).ok_or(UrlError::Credentials)? {
        user if user.is_empty() => None,
        user => Some(user),
    };
    Ok(Auth { username, password })
}

/// `%XX` into the byte it stands for; `None` for a bad escape or bytes
/// that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT`.
fn split_host_port(authority: &str) -> Result<(&str, u16), UrlError> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let end = bracketed.find(']').ok_or(UrlError::Host)?;
        let host = &bracketed[..end];
        if !host.contains(':') {
            return Err(UrlError::Host);
        }
        match &bracketed[end + 1..] {
            "" => (host, None),
            after => (host, Some(after.strip_prefix(':').ok_or(UrlError::Host)?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':');
    if host.is_empty() || !host.chars().all(valid) {
        return Err(UrlError::Host);
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => parse_digits(p)
            .and_then(|n| u16::try_from(n).ok())
            .filter(|&n| n != 0)
            .ok_or(UrlError::Port)?,
    };
    Ok((host, port))
}

/// Plain decimal digits only (`str::parse` would also take a `+`).
fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(host: &str, port: u16, db: u32) -> RedisUrl {
        RedisUrl {
            host: host.to_owned(),
            port,
            db,
            auth: None,
        }
    }

    #[test]
    fn host_port_and_database() {
        assert_eq!(
            parse("redis://127.0.0.1:6380"),
            Ok(url("127.0.0.1", 6380, 0))
        );
        assert_eq!(
            parse("redis://localhost:7000/3"),
            Ok(url("localhost", 7000, 3))
        );
        assert_eq!(
            parse("redis://cache.internal"),
            Ok(url("cache.internal", 6379, 0))
        );
        assert_eq!(parse("redis://h:1/"), Ok(url("h", 1, 0)));
        assert_eq!(parse("REDIS://h/15"), Ok(url("h", 6379, 15)));
    }

    #[test]
    fn bracketed_ipv6() {
        assert_eq!(parse("redis://[::1]:6390/2"), Ok(url("::1", 6390, 2)));
        assert_eq!(parse("redis://[fe80::1]"), Ok(url("fe80::1", 6379, 0)));
        assert_eq!(parse("redis://[::1]x"), Err(UrlError::Host));
        assert_eq!(parse("redis://[::1"), Err(UrlError::Host));
        assert_eq!(parse("redis://[localhost]:1"), Err(UrlError::Host));
    }

    #[test]
    fn refusals_name_the_bad_part() {
        assert_eq!(parse("rediss://h:1"), Err(UrlError::Scheme));
        assert_eq!(parse("http://h:1"), Err(UrlError::Scheme));
        assert_eq!(parse("h:6379"), Err(UrlError::Scheme));
        assert_eq!(parse("redis://"), Err(UrlError::Host));
        assert_eq!(parse("redis://:6379"), Err(UrlError::Host));
        assert_eq!(parse("redis://h h:1"), Err(UrlError::Host));
        assert_eq!(parse("redis://h:"), Err(UrlError::Port));
        assert_eq!(parse("redis://h:0"), Err(UrlError::Port));
        assert_eq!(parse("redis://h:65536"), Err(UrlError::Port));
        assert_eq!(parse("redis://h:+1"), Err(UrlError::Port));
        assert_eq!(parse("redis://h:1:2"), Err(UrlError::Port));
        assert_eq!(parse("redis://h:1/x"), Err(UrlError::Db));
        assert_eq!(parse("redis://h:1/-1"), Err(UrlError::Db));
        assert_eq!(parse("redis://h:1/99999999999"), Err(UrlError::Db));
        assert_eq!(parse("redis://h:1/2/3"), Err(UrlError::Trailing));
        assert_eq!(parse("redis://h:1/2?x=1"), Err(UrlError::Trailing));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "redis://h:1/2",
            "redis://[::1]:6379/0",
            "redis://10.0.0.1:7000/9",
        ] {
            let parsed = parse(s).unwrap();
            assert_eq!(parsed.to_string(), s);
            assert_eq!(parsed.to_string().parse(), Ok(parsed));
        }
    }

    #[test]
    fn credentials_are_decoded_and_never_displayed() {
        let with = |user: Option<&str>, pass: &str| {
            let mut u = url("h", 1, 2);
            u.auth = Some(Auth {
                username: user.map(str::to_owned),
                password: pass.to_owned(),
            });
            u
        };
        assert_eq!(parse("redis://:secret@h:1/2"), Ok(with(None, "secret")));
        assert_eq!(
            parse("redis://app:s%2Fe%40c%25@h:1/2"),
            Ok(with(Some("app"), "s/e@c%"))
        );
        assert_eq!(parse("redis://app:a@b@h:1/2"), Ok(with(Some("app"), "a@b")));
        for bad in [
            "redis://secret@h:1",
            "redis://app:@h:1",
            "redis://:%zz@h:1",
            "redis://:%4@h:1",
            "redis://:%ff@h:1",
        ] {
            assert_eq!(parse(bad), Err(UrlError::Credentials), "{bad}");
        }
        let shown = parse("redis://app:hunter2@h:1/2").unwrap().to_string();
        assert_eq!(shown, "redis://app:***@h:1/2");
        let shown = parse("redis://:hunter2@[::1]:1/2").unwrap().to_string();
        assert_eq!(shown, "redis://:***@[::1]:1/2");
    }

    #[test]
    fn redact_hides_whatever_precedes_the_at() {
        assert_eq!(redact("redis://:pw@h:1/x"), "redis://***@h:1/x");
        assert_eq!(redact("redis://u:p@w@h"), "redis://***@h");
        assert_eq!(redact("redis://h:1/a@b"), "redis://h:1/a@b");
        assert_eq!(redact("nonsense"), "nonsense");
    }
}
