//! The values that cross the seam between the chat core and the reactor:
//! identities, the time, room events (deliveries are in `delivery.rs`).

use super::message::Turn;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// A user, unique for the server's lifetime. Not a slab key: slab keys are
/// reused, and an event naming a member may one day come from another node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub u64);

/// A room on this node (a slab key of the rooms; a room's name is what
/// other nodes would know it by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoomId(pub u32);

/// The room an event about a member names when the member is in no room
/// (a client of requests, IRC, may be in none): `Renamed` and `Left` are
/// about the member and reach all its rooms; their `room` is only its
/// first, for nodes that know of one room per member.
pub const NO_ROOM: RoomId = RoomId(u32::MAX);

/// The current time, passed into every call: monotonic for timeouts and
/// idle times, wall-clock for timestamps. The core never reads a clock.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// For deadlines and idle times.
    pub instant: Instant,
    /// For `[HH:MM:SS]` stamps.
    pub wall: SystemTime,
}

/// Why a connection is being closed, and what it is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Farewell {
    /// The client sent `/quit`.
    Quit,
    /// The client closed its side.
    Eof,
    /// Reading or writing the socket failed.
    Error,
    /// Its output queue passed `--max-outbuf`.
    TooSlow,
    /// It sat at the name prompt too long.
    LoginTimeout,
    /// It said nothing for `--idle-timeout`.
    IdleTimeout,
    /// It gave a wrong password three times.
    WrongPassword,
    /// Its address gave too many wrong passwords.
    TooManyFailures,
    /// Its node stopped (SIGTERM): said of remote members only.
    Shutdown,
    /// Its node stopped answering (`--node-timeout`): said of remote
    /// members only.
    NodeLost,
    /// Its name went to a user on another node while this node was cut off
    /// from Redis (with `--redis`).
    NameLost,
    /// Its registered name logged in, with its password, from another
    /// connection (on this node or another).
    LoggedInElsewhere,
    /// A server operator disconnected it (`/kill`, IRC `KILL`); it was
    /// told who and why before (so no farewell notice of its own).
    Killed,
    /// An operator kicked it out of the default room (a telnet user has
    /// nowhere else to be).
    Kicked,
}

impl Farewell {
    /// Whether the client is sent a last notice
    /// ([`Notice::Farewell`](super::Notice::Farewell)): not when it closed itself or cannot read.
    pub fn told(self) -> bool {
        !matches!(
            self,
            Farewell::Eof
                | Farewell::Error
                | Farewell::Shutdown
                | Farewell::NodeLost
                | Farewell::Killed
        )
    }

    /// A word or two for the log.
    pub fn describe(self) -> &'static str {
        match self {
            Farewell::Quit => "quit",
            Farewell::Eof => "closed",
            Farewell::Error => "connection error",
            Farewell::TooSlow => "too slow",
            Farewell::LoginTimeout => "login timeout",
            Farewell::IdleTimeout => "idle timeout",
            Farewell::WrongPassword => "wrong password",
            Farewell::TooManyFailures => "too many wrong passwords",
            Farewell::Shutdown => "server stopped",
            Farewell::NodeLost => "server lost",
            Farewell::NameLost => "name lost",
            Farewell::LoggedInElsewhere => "logged in elsewhere",
            Farewell::Killed => "killed",
            Farewell::Kicked => "kicked",
        }
    }
}

/// Why a new connection is turned away before it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `--max-clients` connections are open.
    Full,
    /// `--max-per-ip` connections are open from its address.
    PerAddress,
    /// `--max-pending` connections are at the name prompt.
    Pending,
    /// Its address opened connections faster than `--login-rate`.
    TooFast,
    /// The server is near its memory budget.
    Busy,
}

/// What happened in a room: who, where, what, and (for what was said) the
/// cleaned text and the wall time. No bytes for a socket: applying one
/// updates the rooms and tells local members as [`Message`](super::Message)s, which each
/// dialect renders; the same value is published to other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// `member` entered `room` as `name`.
    Joined {
        /// Where.
        room: RoomId,
        /// Who.
        member: MemberId,
        /// Under which name.
        name: Box<str>,
        /// A session resumed (see `resume/`): the room is told `*** name
        /// is back` rather than a join (IRC still sees a JOIN).
        back: bool,
    },
    /// `member` said one or more chat lines or actions in one turn: one
    /// event, however many lines.
    Said {
        /// Where.
        room: RoomId,
        /// Who (they do not get their own lines back).
        member: MemberId,
        /// Their name, each line's kind and text, and when (shared by the
        /// room's history and every recipient).
        turn: Arc<Turn>,
    },
    /// `member` went from room `from` to room `to`.
    Moved {
        /// The room left.
        from: RoomId,
        /// The room entered.
        to: RoomId,
        /// Who.
        member: MemberId,
        /// Their name.
        name: Box<str>,
    },
    /// `member` set (`Some`) or cleared (`None`) the topic of `room`.
    Topic {
        /// Where.
        room: RoomId,
        /// Who.
        member: MemberId,
        /// The topic now.
        topic: Option<Box<str>>,
    },
    /// `member` left `room` and stays online (a client of requests parted
    /// it); in other rooms or none.
    Parted {
        /// The room left.
        room: RoomId,
        /// Who.
        member: MemberId,
        /// Their name.
        name: Box<str>,
        /// Why, as they said.
        reason: Option<Box<str>>,
    },
    /// `member` logged in as `name` and is in no room yet (a client of
    /// requests, IRC): other nodes learn its name, so private messages and
    /// `WHOIS` reach it before it joins a room.
    Online {
        /// Who.
        member: MemberId,
        /// Their name.
        name: Box<str>,
    },
    /// `member` is marked away (`Some`) or back (`None`).
    Away {
        /// Who.
        member: MemberId,
        /// Their away text.
        text: Option<Box<str>>,
    },
    /// `member` changed their real name (IRC's SETNAME): the readers of its
    /// rooms with `setname` hear it.
    RealName {
        /// Who.
        member: MemberId,
        /// The real name now.
        text: Box<str>,
    },
    /// `member` changed their name: every room they are in hears it, each
    /// reader once.
    Renamed {
        /// Their first room ([`NO_ROOM`] if none).
        room: RoomId,
        /// Who.
        member: MemberId,
        /// The name before.
        old: Box<str>,
        /// The name now.
        new: Box<str>,
    },
    /// `member` is gone: from every room they were in, each reader told
    /// once.
    Left {
        /// Their first room ([`NO_ROOM`] if none).
        room: RoomId,
        /// Who.
        member: MemberId,
        /// The name they had.
        name: Box<str>,
        /// Why they went.
        why: Farewell,
        /// What they said going (a client of requests' `QUIT :reason`).
        reason: Option<Box<str>>,
    },
    /// `member` changed `room`'s settings or its members' ranks (IRC's
    /// `MODE`; telnet's `/op`, `/ban`, `/room ...`).
    Mode {
        /// Where.
        room: RoomId,
        /// Who (the server itself for a room's maker, see `moderation.rs`).
        member: MemberId,
        /// Their name.
        name: Box<str>,
        /// What changed, in order.
        changes: Vec<super::modes::ModeChange>,
    },
    /// `member` put `target` out of `room` (IRC's `KICK`, telnet's
    /// `/kick`).
    Kicked {
        /// Where.
        room: RoomId,
        /// Who kicked.
        member: MemberId,
        /// Their name.
        name: Box<str>,
        /// Who was put out.
        target: MemberId,
        /// Their name.
        target_name: Box<str>,
        /// Why, as the kicker said.
        reason: Option<Box<str>>,
    },
    /// `member` invited `target` into the room called `room` (which the
    /// target's node may not have open).
    Invited {
        /// The room's name (canonical form).
        room: Box<str>,
        /// Who invited.
        member: MemberId,
        /// Their name.
        name: Box<str>,
        /// Who is invited.
        target: MemberId,
    },
    /// A private message from `from` to `to`. Between local users it is
    /// delivered as [`Delivery::Private`](super::Delivery::Private); applied from elsewhere, it goes
    /// to `to` if `to` is local.
    Private {
        /// The sender.
        from: MemberId,
        /// The recipient.
        to: MemberId,
        /// The sender's name.
        name: Box<str>,
        /// Said, acted or a notice.
        kind: super::LineKind,
        /// What was said, cleaned.
        text: Box<str>,
        /// Its msgid and client tags.
        tags: super::PrivateTags,
        /// When.
        at: SystemTime,
    },
    /// A server operator's action (see `operators.rs`): a kill, an
    /// announcement, a wallops. Published to every node.
    Admin {
        /// The operator.
        member: MemberId,
        /// Their name.
        name: Box<str>,
        /// What they did.
        action: super::AdminAction,
    },
    /// `reader` was not reading fast enough to be sent a private message
    /// from `sender`, a user of another node: its node refused it, and this
    /// tells the sender's node, which tells the sender.
    Unread {
        /// The recipient who is behind.
        reader: MemberId,
        /// Who sent the message.
        sender: MemberId,
    },
}

/// A member of another node as that node lists it in the shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// Who.
    pub member: MemberId,
    /// Their first room's name (empty: in none).
    pub room: Box<str>,
    /// Their name.
    pub name: Box<str>,
    /// Their other rooms' names (a client of requests, IRC, may be in
    /// several).
    pub more: Vec<Box<str>>,
}

/// The node a member id was given out by (its top 16 bits).
pub fn node_of(member: MemberId) -> u16 {
    (member.0 >> 48) as u16
}

/// The names of the rooms one room event names, taken when it was applied:
/// by the time the reactor sees the event its room may be gone (the last
/// member left), and another node knows a room only by its name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomNames {
    /// The event's room (`from` for `Moved`); empty for `Private`.
    pub room: Box<str>,
    /// The room entered by a `Moved`; empty otherwise.
    pub to: Box<str>,
}
