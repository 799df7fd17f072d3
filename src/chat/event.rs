//! The values that cross the seam between the chat core and the reactor:
//! identities, the time, room events, deliveries.

use super::Local;
use super::message::{HistoryLine, Message, Turn};
use super::notice::Notice;
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
}

impl Farewell {
    /// Whether the client is sent a last notice
    /// ([`Notice::Farewell`]): not when it closed itself or cannot read.
    pub fn told(self) -> bool {
        !matches!(
            self,
            Farewell::Eof | Farewell::Error | Farewell::Shutdown | Farewell::NodeLost
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
/// updates the rooms and tells local members as [`Message`]s, which each
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
    /// `member` changed their name.
    Renamed {
        /// Where.
        room: RoomId,
        /// Who.
        member: MemberId,
        /// The name before.
        old: Box<str>,
        /// The name now.
        new: Box<str>,
    },
    /// `member` is gone.
    Left {
        /// From where.
        room: RoomId,
        /// Who.
        member: MemberId,
        /// The name they had.
        name: Box<str>,
        /// Why they went.
        why: Farewell,
    },
    /// A private message from `from` to `to`. Between local users it is
    /// delivered as [`Delivery::Private`]; applied from elsewhere, it goes
    /// to `to` if `to` is local.
    Private {
        /// The sender.
        from: MemberId,
        /// The recipient.
        to: MemberId,
        /// The sender's name.
        name: Box<str>,
        /// What was said, cleaned.
        text: Box<str>,
        /// When.
        at: SystemTime,
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

/// What the reactor must show whom (each connection in its dialect), ask
/// elsewhere, or close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// For one local connection.
    To {
        /// Who.
        to: Local,
        /// What.
        message: Message,
        /// When it was said (for a stamp).
        at: SystemTime,
    },
    /// For every local member of `room` except `except`: rendered once per
    /// dialect, shared by every recipient.
    Room {
        /// The room.
        room: RoomId,
        /// Who does not get it (the sender of a chat line).
        except: Option<Local>,
        /// What.
        message: Message,
        /// When it was said.
        at: SystemTime,
        /// Chat lines in it, for counting deliveries.
        lines: u64,
    },
    /// A private message between two local connections. The reactor
    /// delivers `line` to `to` and `echo` to `sender`, unless `to` has so
    /// much output queued that it is not keeping up; then `sender` gets
    /// `refused` instead, so nobody can push another user past
    /// `--max-outbuf` with private messages.
    Private {
        /// The recipient.
        to: Local,
        /// What the recipient sees.
        line: Message,
        /// The sender.
        sender: Local,
        /// What the sender sees when it is delivered.
        echo: Message,
        /// What the sender sees when it is not.
        refused: Notice,
        /// When it was said.
        at: SystemTime,
    },
    /// A long answer for one local connection (`/history`): `head`, then
    /// `lines` (shared with a room's history, not copies), each shown with
    /// the time it was said. The reactor prices the answer in the asker's
    /// dialect before building or queueing any of it: if the reader's
    /// queue or the output memory of the server has no room for it, `to`
    /// gets `refused` instead. So a request of a few bytes cannot make the
    /// server hold megabytes.
    Reply {
        /// Who asked.
        to: Local,
        /// The heading.
        head: Notice,
        /// The answer's lines, oldest first.
        lines: Vec<HistoryLine>,
        /// What `to` sees when it does not fit.
        refused: Notice,
        /// When it was asked (the heading's stamp).
        at: SystemTime,
    },
    /// A private message from `from`, a user of another node, for the local
    /// connection `to`: delivered unless `to` is not keeping up (as with
    /// [`Delivery::Private`]); then the reactor hands in
    /// [`Input::Unread`](super::Input::Unread), which tells the sender's node.
    RemotePrivate {
        /// The recipient.
        to: Local,
        /// What the recipient sees.
        line: Message,
        /// The sender.
        from: MemberId,
        /// When it was said.
        at: SystemTime,
    },
    /// Hand in [`Input::DigestDue`](super::Input::DigestDue) at this time.
    WakeAt(Instant),
    /// Claim `name` for `member` from the engine (granted at once on a node
    /// of its own, asked of the shared store with `--redis`), and with
    /// `release` give up that name once it is claimed; the reactor answers
    /// with [`Input::Claimed`](super::Input::Claimed).
    Claim {
        /// Who claims.
        member: MemberId,
        /// The name wanted.
        name: Box<str>,
        /// The name given up (a `/nick`).
        release: Option<Box<str>>,
        /// The claimant gave the name's password: the name is theirs even
        /// if someone holds it, and the holder's node is told to close the
        /// holder's connection (a session left behind, see
        /// [`Input::Displaced`](super::Input::Displaced)).
        verified: bool,
    },
    /// Ask the engine for the last `count` lines of `room` (the memory
    /// engine's ring, or the room's stream in Redis); the reactor answers
    /// with [`Input::History`](super::Input::History).
    History {
        /// Who asked.
        member: MemberId,
        /// The room's name.
        room: Box<str>,
        /// Lines wanted.
        count: usize,
    },
    /// Ask the engine for the topic kept for `room` (a room without one
    /// that a user has just entered); the reactor answers with
    /// [`Input::Topic`](super::Input::Topic) if it keeps one.
    Topic(Box<str>),
    /// Ask the accounts worker about `name` for `member`; the reactor
    /// answers with [`Input::Answered`](super::Input::Answered).
    Account {
        /// Who asks.
        member: MemberId,
        /// The name.
        name: Box<str>,
        /// What about it.
        ask: Ask,
    },
    /// What `local` types is hidden (a password follows), still hidden
    /// after a line (its Enter showed no line end), or shown again: a
    /// client is asked (in telnet) to stop (or start again) echoing; one
    /// that does not agree, such as a raw `nc`, is told once that its
    /// typing shows.
    Typing(Local, Typing),
    /// Hand in [`Input::LoginExpired`](super::Input::LoginExpired) for
    /// this connection at this time (a password prompt's own deadline).
    Deadline(Local, Instant),
    /// Hand in [`Input::IdleCheck`](super::Input::IdleCheck) for this
    /// connection again at this time: it was not idle for long enough yet.
    IdleAt(Local, Instant),
    /// The connection's lines waited for an answer, which came: serve its
    /// held input again.
    Resume(Local),
    /// Close this connection (late, after the batch); the reactor then
    /// hands in [`Input::Closed`](super::Input::Closed).
    Close(Local, Farewell),
    /// The last words of a connection being closed (the answer to
    /// [`Input::Closed`](super::Input::Closed)): written before its socket
    /// is shut, even though it is closing.
    LastWords(Local, Vec<Message>),
}

/// A password: kept out of every `Debug` output, so no log line can show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Box<str>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What the accounts worker is asked about a name (`--data-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// Is it registered?
    Lookup,
    /// Does this password open it?
    Verify(Secret),
    /// Register it with this password, unless it is registered.
    Register(Secret),
    /// Change its password from the first to the second.
    Change(Secret, Secret),
    /// Unregister it, given its password.
    Unregister(Secret),
}

/// The accounts worker's answer (see [`Delivery::Account`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Whether the name is registered.
    Looked(bool),
    /// Whether the password was right.
    Verified(bool),
    /// Whether the name is now registered (false: it already was).
    Registered(bool),
    /// Whether the password was changed (false: the old one was wrong).
    Changed(bool),
    /// Whether the name was unregistered (false: wrong password).
    Unregistered(bool),
    /// The store failed.
    Failed,
    /// Too many password jobs wait already; not tried.
    Busy,
    /// Not registered: the user's address registered too many names lately.
    TooManyRegistrations,
    /// Not registered: the store keeps `--max-accounts` names already.
    StoreFull,
}

/// See [`Delivery::Typing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// Hide it from now on.
    Hide,
    /// A hidden line was sent; it stays hidden.
    StillHidden,
    /// Show it again.
    Show,
    /// Show it again: the prompt was withdrawn with nothing typed, so the
    /// cursor still sits after it and a line end is due whatever the client.
    Withdrawn,
}

/// The shared store's answer to a [`Delivery::Claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// The name is theirs.
    Granted,
    /// A user somewhere holds it.
    Taken,
    /// The store could not be asked (the link is down).
    Unavailable,
}

/// A member of another node as that node lists it in the shared store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// Who.
    pub member: MemberId,
    /// The room's name.
    pub room: Box<str>,
    /// Their name.
    pub name: Box<str>,
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

/// What the core produced since the reactor last took it.
#[derive(Debug, Default)]
pub struct Output {
    /// In the order they must be applied.
    pub deliveries: Vec<Delivery>,
    /// Every room event applied, for logs and counters.
    pub events: Vec<RoomEvent>,
    /// One entry per entry of `events`: the names of its rooms, for the
    /// engine it is published to.
    pub rooms: Vec<RoomNames>,
}

impl Output {
    /// Whether there is nothing to take.
    pub fn is_empty(&self) -> bool {
        self.deliveries.is_empty() && self.events.is_empty()
    }
}
