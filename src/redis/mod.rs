//! Links to Redis that the reactor's poll loop drives like any other
//! socket: non-blocking, no thread, no second runtime, no blocking call
//! (except resolving a host name once, in [`Link::new`]).
//!
//! RESP is encoded and decoded by the sans-I/O `redis-protocol` crate
//! (`codec.rs` keeps the buffers and the order; it parses nothing itself).
//! `url.rs` reads the URL, `auth.rs` the credentials (URL or environment)
//! that each connection sends with `AUTH`, and `down_log.rs` decides which
//! failures of a link the log is told about.
//! A [`Link`] owns one `mio` TCP socket, its output and input buffers, the
//! commands waiting for replies, and a state: [`State::Connecting`],
//! [`State::Ready`] or [`State::Down`] until a retry time, with exponential
//! backoff (`backoff.rs`). Everything that happens comes out as [`Event`]s:
//! a reply with the caller's [`Tag`], a command lost with its link, the
//! link up or down.
//!
//! # RESP2, not RESP3
//!
//! A connection speaks RESP2 until it sends `HELLO 3`, and in RESP2 every
//! frame Redis sends is the reply to exactly one command, in the order the
//! commands were sent. That is what lets replies be matched to tags with a
//! queue and nothing else. RESP3 adds out-of-band push frames (client-side
//! caching invalidations, pub/sub messages) that would have to be told
//! apart from replies, and changes reply shapes (maps where RESP2 has flat
//! arrays) for nothing a stream reader needs. For the same reason a link
//! must never be put in subscribe mode (`SUBSCRIBE`) or `MONITOR`.
//!
//! # Two links per node
//!
//! Redis runs one client's commands in order, and a client blocked in
//! `XREAD BLOCK` runs nothing else until that returns: every command sent
//! behind it would wait up to the block time. So the engine will use two
//! links, one for commands (`XADD`, presence, names, history) and one that
//! only ever has one blocking `XREAD ... STREAMS ... <last id>` out,
//! reissued from the last id it saw each time it returns. The blocking
//! link's [`LinkConfig::reply_timeout`] must exceed its block time.
//!
//! # How the loop drives a link
//!
//! 1. [`Link::new`] starts connecting; [`Link::register`] puts its socket
//!    in the poll under the caller's token. Each connection first sends
//!    `AUTH` (with credentials), `SELECT` (for a database other than 0)
//!    and `PING`; the link is up once all three are answered, so a Redis
//!    that refuses every command never shows as up.
//! 2. On an event for that token: [`Link::on_ready`].
//! 3. Each iteration, when [`Link::next_deadline`] is due:
//!    [`Link::on_timer`] (connect and reply timeouts, reconnecting, and
//!    events queued by a failed [`Link::send`]).
//! 4. [`Link::send`] only queues; at the end of the iteration
//!    [`Link::flush`] writes everything queued at once, then
//!    [`Link::reregister`] brings the poll in line with what the link wants
//!    now: WRITABLE only while bytes remain, a new socket after a
//!    reconnect (no system call when nothing changed).
//!
//! # Bounds
//!
//! Output is capped ([`LinkConfig::max_output`]): a send that would pass
//! it drops the link, as Redis drops a client past its output buffer limit;
//! the output is never grown for a Redis that is not reading. A reply
//! unanswered for [`LinkConfig::reply_timeout`] drops the link too, and so
//! does an unfinished reply larger than [`LinkConfig::max_input`]. A dropped
//! link reports each command it still owed a reply as [`Event::Lost`] (it
//! may or may not have run), then [`Event::Down`], and reconnects by itself.

mod auth;
mod backoff;
mod codec;
mod down_log;
mod link;
mod url;

pub use auth::{Auth, AuthError, PASSWORD_VAR, USERNAME_VAR, choose as choose_auth};
pub use codec::{Tag, encode_command};
pub use down_log::{DownLog, Line as DownLine};
pub use link::Link;
pub use redis_protocol::resp2::types::BytesFrame;
pub use url::{DEFAULT_PORT, RedisUrl, UrlError, parse as parse_url, redact as redact_url};

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

/// The limits and timings of one link. Plain data.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Most bytes of encoded commands held for Redis; a send past it drops
    /// the link. Default 8 MiB: a few seconds of a busy node's traffic, so
    /// only a Redis that has stopped reading reaches it.
    pub max_output: usize,
    /// Most bytes of one unfinished reply. Default 16 MiB: the engine
    /// bounds its reads with `COUNT`, so a reply this large is a mistake.
    pub max_input: usize,
    /// How long connecting (and `AUTH` and `SELECT`) may take. Default 3 s.
    pub connect_timeout: Duration,
    /// How long the oldest command may wait for its reply before the link
    /// is taken to be stalled and dropped. Default 10 s; a link used for
    /// `XREAD BLOCK` needs more than its block time.
    pub reply_timeout: Duration,
    /// The first wait before reconnecting. Default 100 ms.
    pub backoff_min: Duration,
    /// The longest wait before reconnecting. Default 5 s.
    pub backoff_max: Duration,
}

impl Default for LinkConfig {
    fn default() -> LinkConfig {
        LinkConfig {
            max_output: 8 << 20,
            max_input: 16 << 20,
            connect_timeout: Duration::from_secs(3),
            reply_timeout: Duration::from_secs(10),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }
}

/// Where a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Connecting, or waiting for `AUTH` and `SELECT`: commands sent now
    /// are held and go out once the link is ready.
    Connecting,
    /// Connected; commands go out at the next flush.
    Ready,
    /// No connection; the next attempt is at `retry_at`. Sends are refused.
    Down {
        /// When [`Link::on_timer`] connects again.
        retry_at: Instant,
    },
}

/// What a link reports to the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Connected (authenticated, the database selected): the link is
    /// [`State::Ready`].
    Up,
    /// Redis answered the command sent with `tag`. An error reply
    /// (`-ERR ...`) is a frame like any other: [`BytesFrame::Error`].
    Reply {
        /// The caller's tag for the command.
        tag: Tag,
        /// The reply.
        frame: BytesFrame,
    },
    /// The command sent with `tag` will not be answered: the link went down
    /// first. It may or may not have run.
    Lost {
        /// The caller's tag for the command.
        tag: Tag,
    },
    /// The link is down (after a `Lost` for each command it owed).
    Down {
        /// Why.
        why: Why,
        /// When it tries again.
        retry_at: Instant,
    },
}

/// Why a link went down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The connection could not be made.
    ConnectFailed(io::ErrorKind),
    /// Connecting or `SELECT` took longer than the connect timeout.
    ConnectTimeout,
    /// Redis closed the connection.
    Closed,
    /// Reading or writing failed.
    Io(io::ErrorKind),
    /// Redis sent bytes that are not RESP2.
    Protocol,
    /// Redis sent a frame no command was waiting for (and not an error).
    Unexpected,
    /// Redis answered with an error that no command can get past, given
    /// whole: a refused `AUTH` (`WRONGPASS`), no `AUTH` where one is needed
    /// (`NOAUTH`), protected mode (`DENIED`, sent unasked on connecting),
    /// too many clients, `LOADING`, `READONLY` (a replica), `OOM`, ...
    /// (see [`Why::from_error`]).
    Refused(Box<str>),
    /// `SELECT` was refused (no such database), with Redis's words.
    SelectRefused(Box<str>),
    /// An unfinished reply passed `max_input`.
    InputTooLarge,
    /// A send would have passed `max_output`.
    OutputFull,
    /// The oldest command waited longer than `reply_timeout`.
    ReplyTimeout,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::ConnectFailed(kind) => write!(f, "cannot connect: {kind}"),
            Why::ConnectTimeout => f.write_str("connect timed out"),
            Why::Closed => f.write_str("closed by Redis"),
            Why::Io(kind) => write!(f, "I/O error: {kind}"),
            Why::Protocol => f.write_str("not RESP2"),
            Why::Unexpected => f.write_str("a reply nobody asked for"),
            Why::Refused(error) => write!(f, "Redis replied {error}"),
            Why::SelectRefused(error) => write!(f, "SELECT refused: {error}"),
            Why::InputTooLarge => f.write_str("reply too large"),
            Why::OutputFull => f.write_str("output buffer full: Redis is not reading"),
            Why::ReplyTimeout => f.write_str("no reply in time"),
        }
    }
}

/// Error replies that mean the connection is of no use as it is: every
/// command would get the same answer. The first word of the error, as
/// Redis sends it.
const FATAL_ERRORS: [&str; 9] = [
    "NOAUTH",     // AUTH needed and not (or not yet) given
    "WRONGPASS",  // AUTH refused
    "NOPERM",     // the ACL user may not run a command the engine needs
    "DENIED",     // protected mode: no password and not from loopback
    "LOADING",    // Redis is loading its data set
    "MASTERDOWN", // a replica cut from its master
    "READONLY",   // a replica: writes refused
    "OOM",        // maxmemory reached with a no-eviction policy
    "MISCONF",    // persistence failing: writes refused
];

impl Why {
    /// An error reply as the reason a link goes down, if it is one of
    /// those that no command gets past.
    pub fn from_error(error: &str) -> Option<Why> {
        let code = error.split(' ').next().unwrap_or("");
        FATAL_ERRORS
            .contains(&code)
            .then(|| Why::Refused(error.into()))
    }
}

/// Why [`Link::send`] did not queue a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The link is down; it reconnects by itself.
    Down,
    /// The command has no arguments (Redis would not answer it).
    Empty,
    /// The command alone is larger than `max_output`; the link is unharmed.
    TooLarge,
    /// Queued output would have passed `max_output`: the link was dropped.
    Overflow,
    /// `redis-protocol` could not encode it.
    Encode,
}

/// Why [`Link::new`] failed.
#[derive(Debug)]
pub enum LinkError {
    /// The URL is malformed.
    Url(UrlError),
    /// The host name did not resolve (or to no address).
    Resolve(io::Error),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Url(e) => e.fmt(f),
            LinkError::Resolve(e) => write!(f, "cannot resolve Redis host: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors_are_named_whole_and_others_are_replies() {
        for error in [
            "NOAUTH Authentication required.",
            "WRONGPASS invalid username-password pair or user is disabled.",
            "DENIED Redis is running in protected mode",
            "LOADING Redis is loading the dataset in memory",
            "READONLY You can't write against a read only replica.",
            "OOM command not allowed when used memory > 'maxmemory'.",
        ] {
            let why = Why::from_error(error).expect(error);
            assert_eq!(why.to_string(), format!("Redis replied {error}"));
        }
        for error in ["ERR unknown command", "WRONGTYPE Operation", "OOMX", ""] {
            assert_eq!(Why::from_error(error), None, "{error}");
        }
    }
}
