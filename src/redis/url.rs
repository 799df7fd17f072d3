//! `redis://HOST:PORT[/DB]` into its parts. Pure: no name is resolved here.

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
}

/// Why a URL was refused. Each names the part that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// It does not start with `redis://` (`rediss://`, TLS, is not supported).
    Scheme,
    /// It has `user:password@`; `AUTH` is not supported yet, and a password
    /// silently ignored would be worse than a refusal.
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
            UrlError::Credentials => "credentials in a Redis URL are not supported",
            UrlError::Host => "bad host in Redis URL",
            UrlError::Port => "bad port in Redis URL (1-65535)",
            UrlError::Db => "bad database number in Redis URL",
            UrlError::Trailing => "unexpected text after the database in Redis URL",
        })
    }
}

impl std::error::Error for UrlError {}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "redis://[{}]:{}/{}", self.host, self.port, self.db)
        } else {
            write!(f, "redis://{}:{}/{}", self.host, self.port, self.db)
        }
    }
}

impl std::str::FromStr for RedisUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<RedisUrl, UrlError> {
        parse(s)
    }
}

/// Parses `redis://HOST[:PORT][/DB]`. HOST is a name, an IPv4 address or
/// a bracketed IPv6 address; the scheme is matched without regard to case.
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
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
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
    })
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
        assert_eq!(parse("redis://:secret@h:1"), Err(UrlError::Credentials));
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
}
