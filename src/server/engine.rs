//! The Redis engine (`--redis`): several nodes share the rooms through
//! Redis. Every room event the core applies for a local user is added to a
//! stream: chat lines to the room's own stream (`linechat:room:<room>`),
//! everything else to `linechat:events` (one `XADD` per event; `wire.rs`
//! has the fields). Every entry another node added to a stream this node
//! reads is turned back into a room event and applied with
//! [`Chat::apply_remote`](crate::chat::Chat::apply_remote), which does not
//! record it, so it is never published twice.
//!
//! Two [`Link`]s, as the `redis` module doc explains: one for commands, and
//! one that only ever has one `XREAD BLOCK` out. While a link is down,
//! local chat goes on; events not published are counted as dropped.
//!
//! - `read.rs`: the reader: where it starts, the rooms it follows, the
//!   order it applies a reply's entries in, resuming after a cut.
//! - `catch_up.rs`: the reader's paged reads while it is behind, bounded
//!   in bytes.
//! - `store.rs`: the keys beside the streams: heartbeats, registration,
//!   name claims, listings, the answers of the commands link.
//! - `members.rs`: what this node writes about its own users.
//! - `rooms.rs`: reads of a room's keys (its stream's end, topic).
//! - `history.rs`: `/history` read from a room's stream, bounded.
//! - `retention.rs`: room streams expire after their last line, and are
//!   capped in number.
//! - `wire.rs`: room events as stream entries and back. Pure.

mod catch_up;
mod history;
mod members;
mod read;
mod retention;
mod rooms;
mod store;
mod wire;

use super::{Server, Slot};
use crate::chat::{Claimed, RoomEvent, RoomNames};
use crate::metrics::RedisCounts;
use crate::redis::{
    BytesFrame, DownLine, DownLog, Event, Link, LinkConfig, RedisUrl, State, Tag, Why,
};
use bytes::Bytes;
use log::{info, warn};
use mio::Token;
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
pub(super) enum Role {
    /// `XADD`s.
    Commands,
    /// The blocking `XREAD`.
    Reader,
}

/// The two links and where the reader is in the stream.
#[derive(Debug)]
pub(super) struct Engine {
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
}

impl Engine {
    /// Starts both links to `url` (resolving its host, which may block:
    /// at start-up only).
    pub(super) fn new(
        url: &RedisUrl,
        node: u16,
        config: &crate::config::Config,
        now: Instant,
    ) -> io::Result<Engine> {
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidInput, format!("--redis: {e}"));
        let commands = Link::open(url, LinkConfig::default(), now).map_err(invalid)?;
        let reader = Link::open(url, LinkConfig::default(), now).map_err(invalid)?;
        Ok(Engine {
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
        })
    }

    /// When the links next need [`Link::on_timer`], or the next heartbeat
    /// is due.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let heartbeat = self.can_beat().then_some(self.store.next_heartbeat);
        let page =
            (self.catching_up && !self.reading).then_some(self.page_asked + catch_up::PACE_MAX);
        let sweep = (self.commands.state() == State::Ready).then_some(self.retention.next_sweep);
        [
            self.commands.next_deadline(),
            self.reader.next_deadline(),
            heartbeat,
            page,
            sweep,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Logs a link's failure, if [`DownLog`] says it is due: the first
    /// says whether a working link dropped or Redis cannot be reached,
    /// later ones count the attempts. While the commands link is not
    /// ready, the reader's failures are the same outage and are not told
    /// twice.
    fn log_down(&mut self, role: Role, why: &Why, now: Instant) {
        let link = match role {
            Role::Commands => &self.commands,
            Role::Reader if self.commands.state() != State::Ready => return,
            Role::Reader => &self.reader,
        };
        let (failures, stepped) = (link.failures(), link.backoff_stepped());
        let Some(line) = self.down_logs[role as usize].failed(failures, stepped, now) else {
            return;
        };
        let at = &self.redis_at;
        // Reached, but it refuses us (a password, protected mode, ...).
        let verb = match why {
            Why::Refused(_) | Why::SelectRefused(_) => "use",
            _ => "reach",
        };
        match line {
            DownLine::Dropped => warn!("redis: {role:?} link to {at} down: {why}; retrying"),
            DownLine::Unreachable => warn!("cannot {verb} Redis at {at}: {why}; retrying"),
            DownLine::Still => {
                warn!("still cannot {verb} Redis at {at} after {failures} attempts: {why}")
            }
        }
    }

    fn link(&mut self, role: Role) -> &mut Link {
        match role {
            Role::Commands => &mut self.commands,
            Role::Reader => &mut self.reader,
        }
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
    pub(super) fn drained(&self) -> bool {
        self.commands.state() != State::Ready
            || (self.commands.buffered() == 0 && self.commands.in_flight() == 0)
    }
}

impl Server {
    /// Registers the engine's links in the slab and the poll.
    pub(super) fn start_engine(&mut self, mut engine: Engine) -> io::Result<()> {
        for role in [Role::Commands, Role::Reader] {
            let key = self.slots.insert(Slot::Redis(role));
            engine
                .link(role)
                .register(self.poll.registry(), Token(key))?;
        }
        info!("node {:04x}: sharing rooms through Redis", engine.node);
        self.chat.name_rooms(true);
        self.metrics.redis = Some(RedisCounts::default());
        self.engine = Some(engine);
        Ok(())
    }

    fn redis_counts(&mut self) -> &mut RedisCounts {
        self.metrics.redis.get_or_insert_default()
    }

    /// Readiness of one of the links.
    pub(super) fn redis_ready(&mut self, role: Role, event: &mio::event::Event) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let readable = event.is_readable() || event.is_read_closed() || event.is_error();
        let mut events = std::mem::take(&mut engine.events);
        engine
            .link(role)
            .on_ready(readable, event.is_writable(), self.now.instant, &mut events);
        self.redis_events(role, &mut events);
    }

    /// Timeouts and reconnects of the links that are due, and the
    /// heartbeat.
    pub(super) fn redis_timers(&mut self) {
        if let Some(engine) = self.engine.as_mut()
            && engine.can_beat()
            && engine.store.next_heartbeat <= self.now.instant
            && self.shutdown_deadline.is_none()
        {
            self.heartbeat();
        }
        if let Some(engine) = self.engine.as_ref()
            && engine.commands.state() == State::Ready
        {
            self.sweep_rooms();
        }
        for role in [Role::Commands, Role::Reader] {
            let Some(engine) = self.engine.as_mut() else {
                return;
            };
            let link = engine.link(role);
            if link
                .next_deadline()
                .is_some_and(|at| at <= self.now.instant)
            {
                let mut events = std::mem::take(&mut engine.events);
                let link = engine.link(role);
                if link.state() == State::Ready {
                    // A reply may be waiting unseen: after this process was
                    // stopped (SIGSTOP, a stall), poll can return EINTR with
                    // no events, and the reply timeout would blame Redis.
                    link.on_ready(true, false, self.now.instant, &mut events);
                }
                link.on_timer(self.now.instant, &mut events);
                self.redis_events(role, &mut events);
            }
        }
    }

    /// At the end of the iteration: keeps one read out, writes what was
    /// queued, and brings the poll in line with the links.
    pub(super) fn redis_flush(&mut self) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if engine.rooms_changed {
            engine.rooms_changed = false;
            self.follow_rooms();
        }
        self.keep_reading();
        for role in [Role::Commands, Role::Reader] {
            let Some(engine) = self.engine.as_mut() else {
                return;
            };
            let mut events = std::mem::take(&mut engine.events);
            engine.link(role).flush(self.now.instant, &mut events);
            if let Err(e) = engine.link(role).reregister(self.poll.registry()) {
                conn_log!(self, Warn, "redis: cannot register a link: {e}");
            }
            self.redis_events(role, &mut events);
        }
    }

    /// Handles what a link reported, then gives the vector back.
    fn redis_events(&mut self, role: Role, events: &mut Vec<Event>) {
        for event in events.drain(..) {
            match (event, role) {
                (Event::Up, _) => {
                    if let Some(engine) = self.engine.as_mut() {
                        if engine.down_logs[role as usize].up() {
                            info!("redis: {role:?} link up ({})", engine.redis_at);
                        }
                        match role {
                            Role::Commands => engine.store.up_since = Some(self.now.instant),
                            Role::Reader => {
                                engine.check_gap = engine.last_id.is_some();
                                engine.catching_up = engine.catch_up_works;
                            }
                        }
                    }
                }
                (Event::Down { why, .. }, _) => {
                    self.redis_counts().reconnects += 1;
                    if let Some(engine) = self.engine.as_mut() {
                        engine.log_down(role, &why, self.now.instant);
                        match role {
                            Role::Commands => engine.store.down(),
                            Role::Reader => engine.reading = false,
                        }
                    }
                }
                (Event::Lost { tag }, Role::Commands) => self.store_lost(tag),
                (Event::Lost { .. }, Role::Reader) => {}
                (Event::Reply { tag, frame }, Role::Commands) => self.store_reply(tag, frame),
                (Event::Reply { tag, frame }, Role::Reader) => self.read_reply(tag, frame),
            }
        }
        let (up, linked) = (self.engine.as_ref()).map_or((false, false), |e| (e.up(), e.linked()));
        self.redis_counts().up = up;
        self.redis_counts().linked = linked;
        self.chat.set_linked(linked, &self.now);
        self.deliver();
        if let Some(engine) = self.engine.as_mut() {
            engine.events = std::mem::take(events);
        }
    }

    /// The answer to an `XADD`.
    fn published(&mut self, frame: BytesFrame) {
        if let BytesFrame::Error(e) = frame {
            conn_log!(self, Warn, "redis: XADD refused: {e}");
            self.redis_counts().dropped += 1;
        } else {
            self.redis_counts().published += 1;
        }
    }

    /// Hands the store's answer to a claim to the core; the claimant's
    /// input, held meanwhile, is served again.
    fn answer_claim(&mut self, member: crate::chat::MemberId, answer: Claimed) -> bool {
        let waited = self.chat.claimed(member, answer, &self.now);
        if let Some(local) = self.chat.local_of(member) {
            self.backlog.insert(local);
        }
        self.deliver();
        waited
    }

    /// Publishes one room event of a local user (called from `note`).
    pub(super) fn publish(&mut self, event: &RoomEvent, names: &RoomNames) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if let RoomEvent::Private { to, .. } = event
            && self.chat.local_of(*to).is_some()
        {
            return; // Delivered here; no other node has the recipient.
        }
        if matches!(
            event,
            RoomEvent::Joined { .. } | RoomEvent::Moved { .. } | RoomEvent::Left { .. }
        ) {
            engine.rooms_changed = true;
        }
        let (stream, maxlen) = match event {
            RoomEvent::Said { .. } => (room_stream(&names.room), ROOM_MAXLEN),
            _ => (Bytes::from_static(STREAM), MAXLEN),
        };
        let mut args = vec![
            Bytes::from_static(b"XADD"),
            stream,
            Bytes::from_static(b"MAXLEN"),
            Bytes::from_static(b"~"),
            Bytes::from_static(maxlen),
            Bytes::from_static(b"*"),
        ];
        engine.seq += 1;
        let fits = wire::encode(engine.node, engine.seq, event, names, &mut args);
        let sent = if fits {
            let command: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
            engine
                .commands
                .send(TAG_XADD, &command, self.now.instant)
                .map_err(|e| format!("{e:?}"))
        } else {
            Err("too large".into())
        };
        if let Err(why) = sent {
            self.redis_counts().dropped += 1;
            conn_log!(self, Warn, "redis: event not published ({why})");
        } else if matches!(event, RoomEvent::Said { .. }) {
            self.keep_room(&names.room);
        }
        self.list(event, names);
    }
}
