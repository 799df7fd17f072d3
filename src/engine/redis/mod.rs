//! The Redis engine (`--redis`): several nodes share the rooms through
//! Redis. Every room event the core applies for a local user is added to a
//! stream: chat lines to the room's own stream (`linechat:room:<room>`),
//! everything else to `linechat:events` (one `XADD` per event; `wire.rs`
//! has the fields). Every entry another node added to a stream this node
//! reads is turned back into a room event and told to the core
//! ([`Told::Event`]), which applies it without recording it, so it is never
//! published twice. Everything else the core hears from here is a
//! [`Told`] too; nothing in this folder calls the core.
//!
//! Two [`Link`]s, as the `redis` module doc explains: one for commands, and
//! one that only ever has one `XREAD BLOCK` out. While a link is down,
//! local chat goes on; events not published are counted as dropped.
//!
//! - `read.rs`: the reader: where it starts, the rooms it follows,
//!   resuming after a cut; `order.rs`: the order a reply's entries are
//!   told in. Pure.
//! - `catch_up.rs`: the reader's paged reads while it is behind, bounded
//!   in bytes.
//! - `store.rs`: the keys beside the streams: heartbeats, registration,
//!   name claims, listings, the answers of the commands link;
//!   `register.rs`: the heartbeat and registration.
//! - `members.rs`: what this node writes about its own users.
//! - `rooms.rs`: reads of a room's keys (its stream's end, topic).
//! - `history.rs`: `/history` read from a room's stream, bounded.
//! - `retention.rs`: room streams expire after their last line, and are
//!   capped in number.
//! - `wire.rs`: room events as stream entries and back. Pure.
//! - `resume.rs`: resume records (`linechat:resume:<key>`) and each
//!   node's positions (`linechat:positions:<node>`), see `chat/resume/`.
//! - `owned.rs`: owned rooms (the hash `linechat:rooms`), for the
//!   accounts worker's own connection.

pub mod accounts;
mod catch_up;
mod history;
mod links;
mod members;
mod order;
mod owned;
mod publish;
mod read;
mod register;
mod resume;
mod retention;
mod rooms;
mod store;
mod wire;

use super::Told;
use crate::chat::MemberId;
use crate::metrics::RedisCounts;
use crate::redis::{DownLog, Event, Link, LinkConfig, RedisUrl, State, Tag};
use crate::server::LogLimit;
use bytes::Bytes;
use std::collections::HashMap;
use std::io;
use std::time::Instant;

/// The stream of everything but chat lines (joins, moves, renames,
/// leaves, topics, private messages, syncs): every node reads it all.
const STREAM: &[u8] = b"linechat:events";

/// Each room's chat lines are in a stream of its own, `linechat:room:`
/// and its name: a node reads only the rooms it has members in, and
/// `/history` reads it back.
fn room_stream(room: &str) -> Bytes {
    Bytes::from(format!("linechat:room:{room}"))
}

/// Entries the events stream keeps, roughly (`MAXLEN ~`): Redis trims
/// whole nodes of its radix tree, which is cheap, so it may keep a few more.
const MAXLEN: &[u8] = b"100000";

/// Entries (sender turns) each room's stream keeps, roughly: the room's
/// history, and what a node cut off for a while can still catch up on.
const ROOM_MAXLEN: &[u8] = b"10000";

/// What each command is sent with: a reply says which one it answers.
const TAG_XADD: Tag = 1;
const TAG_LAST_ID: Tag = 2;
const TAG_XREAD: Tag = 3;
const TAG_FIRST_ID: Tag = 4;
const TAG_CATCH_UP: Tag = 5;

/// Which link a slab slot stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `XADD`s.
    Commands,
    /// The blocking `XREAD`.
    Reader,
}

/// The two links and where the reader is in the stream.
#[derive(Debug)]
pub struct Redis {
    /// This node's id, in every entry it adds and in its member ids.
    node: u16,
    commands: Link,
    reader: Link,
    /// The id of the last entry read; `None` until the first `XREVRANGE`
    /// answered.
    last_id: Option<Bytes>,
    /// Whether a command is out on the reader.
    reading: bool,
    /// Whether the reader came back after a cut and must check that the
    /// stream still holds its last id before reading on.
    check_gap: bool,
    /// Whether the reader may be behind (it came back after a cut, or a
    /// read filled its `COUNT`): it reads in pages (`catch_up.rs`) until
    /// one says nothing is left.
    catching_up: bool,
    /// Whether Redis runs the catching-up script (false once it refused).
    catch_up_works: bool,
    /// When the last page of catching up was asked for.
    page_asked: Instant,
    /// The highest number of an entry applied from each other node, and
    /// the millisecond of its id: to tell late entries (see `read.rs`).
    last_seq: HashMap<u16, (u64, u64)>,
    /// The rooms whose streams are read (those with a local member), each
    /// with the id of the last entry read; `None` until Redis said where
    /// the stream ends when the first local member went in.
    rooms: HashMap<Box<str>, Option<Bytes>>,
    /// Whether local members may have entered or left rooms since the read
    /// rooms were last brought in line.
    rooms_changed: bool,
    /// The number of the last entry this node added. It starts at the
    /// wall clock in microseconds, so a node started again under the same
    /// id (one in 65,536) numbers on above its last life and its entries
    /// are not taken for late ones (see `read.rs`).
    seq: u64,
    /// How long room streams are kept, and how many: see `retention.rs`.
    retention: retention::Retention,
    /// `/history` reads out and waiting: see `history.rs`.
    history: history::Reads,
    /// Heartbeats, registration, claims: see `store.rs`.
    store: store::Store,
    /// `HOST:PORT` of Redis, for the log.
    redis_at: String,
    /// Which failures of each link are logged: [`Role::Commands`] first.
    down_logs: [DownLog; 2],
    /// Events of a link, reused.
    events: Vec<Event>,
    /// This node's chatting users as published (member → room, name):
    /// its listing, and the rooms whose streams it reads.
    locals: HashMap<MemberId, (Box<str>, Box<str>)>,
    /// The further rooms of local members in several (clients of
    /// requests, IRC), by name; listed as `<id>+`.
    more_rooms: HashMap<MemberId, Vec<Box<str>>>,
    /// What is to be told to the core (see [`Engine::take_told`](super::Engine::take_told)).
    pub(super) told: Vec<Told>,
    /// Resume records and positions in Redis (see `resume.rs`).
    pub(in crate::engine) resume: resume::Resumes,
    /// Whether the core was last told this node is linked.
    linked_told: bool,
    /// What `/metrics` shows of the engine.
    pub(super) counts: RedisCounts,
    /// Caps the engine's warnings about single entries and commands.
    log_limit: LogLimit,
    /// `--max-outbuf`: pages of catching up are sized by it.
    max_outbuf: usize,
    /// `--max-line`: history reads are budgeted by it.
    max_line: usize,
}

/// Logs a warning about one entry or command, subject to the engine's
/// log limit, so a flood of bad entries cannot flood the log.
macro_rules! limited_warn {
    ($engine:expr, $now:expr, $($arg:tt)+) => {
        if log::log_enabled!(log::Level::Warn) && $engine.log_limit.allow($now.instant) {
            log::warn!($($arg)+);
        }
    };
}
use limited_warn;

impl Redis {
    /// Starts both links to `url` (resolving its host, which may block:
    /// at start-up only).
    pub(crate) fn new(
        url: &RedisUrl,
        node: u16,
        config: &crate::config::Config,
        now: Instant,
    ) -> io::Result<Redis> {
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidInput, format!("--redis: {e}"));
        let commands = Link::open(url, LinkConfig::default(), now).map_err(invalid)?;
        let reader = Link::open(url, LinkConfig::default(), now).map_err(invalid)?;
        Ok(Redis {
            node,
            commands,
            reader,
            last_id: None,
            reading: false,
            check_gap: false,
            catching_up: false,
            catch_up_works: true,
            page_asked: now,
            last_seq: HashMap::new(),
            rooms: HashMap::new(),
            rooms_changed: false,
            seq: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros() as u64),
            history: history::Reads::default(),
            retention: retention::Retention::new(config, now),
            store: store::Store::new(config.node_timeout, now),
            redis_at: url.host_port(),
            down_logs: Default::default(),
            events: Vec::new(),
            locals: HashMap::new(),
            more_rooms: HashMap::new(),
            told: Vec::new(),
            resume: resume::Resumes::new(config.resume_window, now),
            linked_told: false,
            counts: RedisCounts::default(),
            log_limit: LogLimit::new(now),
            max_outbuf: config.max_outbuf,
            max_line: config.max_line,
        })
    }

    /// When the links next need [`Link::on_timer`], or the next heartbeat
    /// is due.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let heartbeat = self.can_beat().then_some(self.store.next_heartbeat);
        let page =
            (self.catching_up && !self.reading).then_some(self.page_asked + catch_up::PACE_MAX);
        let ready = self.commands.state() == State::Ready;
        let sweep = ready.then_some(self.retention.next_sweep);
        // Only with the link up, as `timers` runs them: positions waiting
        // to be written while it is down must not spin the loop.
        let resume = ready.then(|| self.resume.next_deadline()).flatten();
        [
            self.commands.next_deadline(),
            self.reader.next_deadline(),
            heartbeat,
            page,
            sweep,
            resume,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether both links are connected and the reader knows where it is.
    fn up(&self) -> bool {
        self.commands.state() == State::Ready
            && self.reader.state() == State::Ready
            && self.last_id.is_some()
    }

    /// Whether this node is linked with the others: up, and its names and
    /// listing are in the store.
    fn linked(&self) -> bool {
        self.up() && self.store.registered
    }

    /// Whether a heartbeat can go out: registration needs the reader to
    /// know where the stream ends first, so a node's snapshot of the others
    /// is never older than the point it reads from.
    fn can_beat(&self) -> bool {
        self.commands.state() == State::Ready && self.last_id.is_some() && !self.store.beating
    }

    /// Whether every command for Redis is written and answered (or the
    /// link is down): what a stopping node waits for.
    pub(crate) fn drained(&self) -> bool {
        self.commands.state() != State::Ready
            || (self.commands.buffered() == 0 && self.commands.in_flight() == 0)
    }
}
