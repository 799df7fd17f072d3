//! The engine: where names are claimed, where history and topics are
//! kept, and where room events go to and come from other nodes. The
//! reactor always holds one; the core never knows which.
//!
//! - `memory.rs`: one node on its own (`make run`). A claim is granted
//!   at once, each room's history is a ring in memory (topics are the
//!   rooms' own), and there is nobody else to tell.
//! - `redis/`: several nodes sharing the rooms through Redis streams,
//!   with heartbeats, name claims and listings in Redis (`--redis`). All
//!   RESP is built there, and the wire format of its entries (`wire.rs`).
//!
//! Both answer the same requests: publish a local room event, claim and
//! release a name, read a room's history and its kept topic. What they
//! have to say back (answers, events of other nodes, whether this node is
//! linked) comes out as [`Told`] values, which the reactor hands to the
//! core ([`Engine::take_told`]); the memory engine's come out at once.
//!
//! # An enum, not a trait
//!
//! The engines are a closed set inside this crate, chosen once at start-up.
//! An enum costs no allocation and no indirect call on the publishing
//! path (once per sender turn), its `match`es make a third engine answer
//! every request or fail to compile, and the Redis engine's sockets (which
//! the reactor's poll must own) need no object-safe detour.

mod memory;
mod redis;
mod suspended;

pub use memory::Memory;
pub use redis::accounts::RedisAccounts;
pub use redis::{Redis, Role};

use crate::chat::{
    Claimed, HistoryAsk, HistoryLine, MemberId, Now, Presence, ResumeKey, RoomEvent, RoomNames,
    Suspended,
};
use crate::metrics::RedisCounts;
use mio::{Registry, Token};
use std::io;
use std::time::Instant;

/// What an engine tells the core, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// The answer to [`Engine::claim`]. If the core finds nobody waiting
    /// for it any more and it was granted, the name goes back
    /// ([`Engine::release`]).
    Claimed {
        /// Who claimed.
        member: MemberId,
        /// The name.
        name: Box<str>,
        /// Theirs, taken, or not asked.
        answer: Claimed,
    },
    /// The answer to [`Engine::history`]: lines of `room`, oldest first,
    /// each with the turn it was said in; the core shows the last `count`.
    History {
        /// Who asked.
        member: MemberId,
        /// The room's name.
        room: Box<str>,
        /// The lines found.
        lines: Vec<HistoryLine>,
        /// Lines of the window past those, counted, not read (when
        /// [`HistoryAsk::counted`]; otherwise 0).
        more: usize,
        /// The lines asked for.
        ask: HistoryAsk,
    },
    /// The answer to [`Engine::recall`]: the session kept, now forgotten.
    Recalled {
        /// Who resumes.
        member: MemberId,
        /// The session, if one was kept and is still good.
        record: Option<Suspended>,
    },
    /// [`Engine::history`] cannot be served now: too many reads are out.
    HistoryBusy(MemberId),
    /// The answer to [`Engine::topic`], when a topic is kept.
    Topic {
        /// The room's name.
        room: Box<str>,
        /// Its topic.
        topic: Box<str>,
    },
    /// A room event of another node. Its rooms are named in `rooms` (a
    /// [`RoomId`](crate::chat::RoomId) means nothing across nodes; those in
    /// `event` are placeholders the core resolves from the names).
    Event {
        /// What happened.
        event: RoomEvent,
        /// Where, by name.
        rooms: RoomNames,
    },
    /// What `node` lists as its members: the core corrects its view of them.
    Listing {
        /// The node.
        node: u16,
        /// Its members.
        members: Vec<Presence>,
    },
    /// The nodes alive now: members of any other node have left.
    Alive(Vec<u16>),
    /// A local user's name went to someone on another node while this
    /// node was cut off: the user has to go.
    NameLost(MemberId),
    /// Another node took this member's name with its password.
    Displaced(MemberId),
    /// Whether this node is linked with the others (changes only).
    Linked(bool),
}

/// One of the two engines (see the module doc for why an enum).
#[derive(Debug)]
pub enum Engine {
    /// One node on its own.
    Memory(Memory),
    /// Nodes sharing rooms through Redis.
    Redis(Box<Redis>),
}

impl Engine {
    /// The engine `config` asks for: Redis with `--redis` (starting its
    /// links, which resolves the host: may block, at start-up only), else
    /// memory. `node` is this node's id.
    pub fn new(config: &crate::Config, node: u16, now: Instant) -> io::Result<Engine> {
        Ok(match &config.redis {
            Some(url) => Engine::Redis(Box::new(Redis::new(url, node, config, now)?)),
            None => Engine::Memory(Memory::new(config.history, config.max_rooms)),
        })
    }

    /// Whether rooms are shared with other nodes.
    pub fn shared(&self) -> bool {
        matches!(self, Engine::Redis(_))
    }

    /// Publishes one room event of a local user, its rooms named by `names`.
    pub fn publish(&mut self, event: &RoomEvent, names: &RoomNames, now: &Now) {
        match self {
            Engine::Memory(m) => m.publish(event, names),
            Engine::Redis(r) => r.publish(event, names, now),
        }
    }

    /// Claims `name` for `member`, giving up `release` once it has it
    /// (a `/nick`); `verified`: the name's password was given, so the
    /// name is taken from any holder. Answered by [`Told::Claimed`].
    pub fn claim(
        &mut self,
        member: MemberId,
        name: &str,
        release: Option<&str>,
        verified: bool,
        now: &Now,
    ) {
        match self {
            Engine::Memory(m) => m.claim(member, name),
            Engine::Redis(r) => r.claim(member, name, release, verified, now),
        }
    }

    /// Gives up `member`'s `name`, if it still holds it.
    pub fn release(&mut self, member: MemberId, name: &str, now: &Now) {
        match self {
            Engine::Memory(_) => {}
            Engine::Redis(r) => r.release(member, name, now),
        }
    }

    /// The lines of `room` that `ask` wants, for `member`: [`Told::History`]
    /// or [`Told::HistoryBusy`].
    pub fn history(&mut self, member: MemberId, room: Box<str>, ask: HistoryAsk, now: &Now) {
        match self {
            Engine::Memory(m) => m.history(member, room, ask),
            Engine::Redis(r) => r.read_history(member, room, ask, now),
        }
    }

    /// Keeps a session under `key` to be resumed (see `chat/resume/`):
    /// one that closed, for its window, or (`open`) one open here, which
    /// only Redis keeps (so another node can resume it if this one dies;
    /// this node's core knows its own open sessions).
    pub fn suspend(&mut self, key: ResumeKey, record: Suspended, open: bool, now: &Now) {
        match self {
            Engine::Memory(_) if open => {}
            Engine::Memory(m) => m.suspended.keep(key, record, now.wall),
            Engine::Redis(r) => r.keep_resume(key, &record, open, now),
        }
    }

    /// The session of `member` kept under `key` ended on purpose: it is
    /// not to be resumed.
    pub fn forget(&mut self, key: ResumeKey, member: MemberId, now: &Now) {
        match self {
            Engine::Memory(m) => m.suspended.forget(&key, member),
            Engine::Redis(r) => r.forget_resume(key, member, now),
        }
    }

    /// Takes the session kept under `key` for `member`: [`Told::Recalled`].
    pub fn recall(&mut self, member: MemberId, key: ResumeKey, now: &Now) {
        match self {
            Engine::Memory(m) => {
                let record = m.suspended.take(&key, now.wall);
                m.told.push(Told::Recalled { member, record });
            }
            Engine::Redis(r) => r.recall_resume(member, key, now),
        }
    }

    /// Sessions kept to be resumed here, and those dropped early for room
    /// (Redis keeps its own, with their time to live: none counted here).
    pub fn suspended(&self) -> (usize, u64) {
        match self {
            Engine::Memory(m) => (m.suspended.len(), m.suspended.dropped),
            Engine::Redis(_) => (0, 0),
        }
    }

    /// The topic kept for `room`, which this node has just opened:
    /// [`Told::Topic`] if there is one.
    pub fn topic(&mut self, room: Box<str>, now: &Now) {
        match self {
            Engine::Memory(_) => {}
            Engine::Redis(r) => r.read_topic(room, now),
        }
    }

    /// This node is stopping: `leaves` (every local user's) are told to
    /// the other nodes and their names freed now.
    pub fn leave(&mut self, leaves: &[(RoomEvent, RoomNames)], now: &Now) {
        match self {
            Engine::Memory(_) => {}
            Engine::Redis(r) => r.leave_cluster(leaves, now),
        }
    }

    /// Moves what the engine has to tell the core into `out`.
    pub fn take_told(&mut self, out: &mut Vec<Told>) {
        let told = match self {
            Engine::Memory(m) => &mut m.told,
            Engine::Redis(r) => &mut r.told,
        };
        out.append(told);
    }

    /// Whether anything waits in [`take_told`](Self::take_told).
    pub fn has_told(&self) -> bool {
        match self {
            Engine::Memory(m) => !m.told.is_empty(),
            Engine::Redis(r) => !r.told.is_empty(),
        }
    }

    /// The core applied a remote event (`true`) or found it did not fit
    /// this node (`false`); for the counts.
    pub fn applied(&mut self, fitted: bool) {
        if let Engine::Redis(r) = self {
            r.applied(fitted);
        }
    }

    /// The core saw `lost` other nodes' members leave, their nodes gone.
    pub fn nodes_lost(&mut self, lost: u64) {
        if let Engine::Redis(r) = self {
            r.counts.nodes_lost += lost;
        }
    }

    /// The sockets the reactor must poll for this engine.
    pub fn roles(&self) -> &'static [Role] {
        match self {
            Engine::Memory(_) => &[],
            Engine::Redis(_) => &[Role::Commands, Role::Reader],
        }
    }

    /// Registers the socket of `role` under `token`.
    pub fn register(&mut self, role: Role, registry: &Registry, token: Token) -> io::Result<()> {
        match self {
            Engine::Memory(_) => Ok(()),
            Engine::Redis(r) => r.register(role, registry, token),
        }
    }

    /// Readiness of the socket of `role`.
    pub fn ready(&mut self, role: Role, event: &mio::event::Event, now: &Now) {
        if let Engine::Redis(r) = self {
            r.ready(role, event, now);
        }
    }

    /// Timeouts, reconnects and heartbeats that are due (no heartbeat
    /// once `stopping`).
    pub fn timers(&mut self, now: &Now, stopping: bool) {
        if let Engine::Redis(r) = self {
            r.timers(now, stopping);
        }
    }

    /// At the end of an iteration: writes what was queued. `readers_ready`
    /// says whether the local readers have room for more catching up (see
    /// `redis/read.rs`); it is asked only while the engine catches up.
    pub fn flush(&mut self, registry: &Registry, now: &Now, readers_ready: &dyn Fn() -> bool) {
        if let Engine::Redis(r) = self {
            r.flush(registry, now, readers_ready);
        }
    }

    /// When [`timers`](Self::timers) is next due.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self {
            Engine::Memory(_) => None,
            Engine::Redis(r) => r.next_deadline(),
        }
    }

    /// Whether everything sent is written and answered: what a stopping
    /// node waits for.
    pub fn drained(&self) -> bool {
        match self {
            Engine::Memory(_) => true,
            Engine::Redis(r) => r.drained(),
        }
    }

    /// The Redis engine's counts, for `/metrics`.
    pub fn counts(&self) -> Option<RedisCounts> {
        match self {
            Engine::Memory(_) => None,
            Engine::Redis(r) => Some(r.counts.clone()),
        }
    }
}
