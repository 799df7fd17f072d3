//! What the core asks of the reactor: deliveries (a message for one
//! connection or a room, a question for the accounts worker or the engine,
//! a timer, a close), the answers that come back, and the output of one
//! call.

use super::message::{HistoryLine, Message};
use super::notice::Notice;
use super::{Farewell, Local, MemberId, RoomEvent, RoomId, RoomNames};
use std::time::{Instant, SystemTime};

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
    /// The same message for each of `to`: the local readers of every room
    /// of a member in several rooms, each once, for what is about the
    /// member rather than one room (a new name, a quit). Rendered once per
    /// dialect, like [`Delivery::Room`]. A member in one room is told with
    /// [`Delivery::Room`], as ever.
    Members {
        /// The readers, each once.
        to: Vec<Local>,
        /// What.
        message: Message,
        /// When it happened.
        at: SystemTime,
    },
    /// A private message between two local connections. The reactor
    /// delivers `line` to `to` and `echo` (if any) to `sender`, unless `to` has so
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
        /// What the sender sees when it is delivered (nothing for a client
        /// of requests without echo on).
        echo: Option<Message>,
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
    /// `local` (member `member`) is past its login, whatever its protocol:
    /// the reactor's login bookkeeping (the count of logins, the idle
    /// timer, the connection no longer pending admission) goes here, not
    /// on a `Joined` (a client of requests logs in into no room, and each
    /// of its joins is a `Joined`).
    LoggedIn(Local, MemberId),
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
        /// Which lines.
        ask: super::HistoryAsk,
    },
    /// A CHATHISTORY answer for one local IRC connection: `lines` of
    /// `room` (shared with its history, not copies), oldest first, each
    /// with the time it was said, as one batch. Priced before it is built,
    /// as [`Delivery::Reply`] is; `to` gets nothing but an empty batch
    /// when it does not fit.
    HistoryBatch {
        /// Who asked.
        to: Local,
        /// The room's name.
        room: Box<str>,
        /// The lines, oldest first.
        lines: Vec<HistoryLine>,
    },
    /// Keep `record` for the engine's `--resume-window` under `key`
    /// (replacing one kept there): a session that closed, to be resumed;
    /// or (`open`) one that opened, for another node to resume should
    /// this one die (kept by Redis only).
    Suspend {
        /// By its code's hash, or its registered name.
        key: super::ResumeKey,
        /// What resuming it restores.
        record: super::Suspended,
        /// Whether the session is open.
        open: bool,
    },
    /// `member`'s session kept under `key` ended on purpose: forget it.
    Forget {
        /// By its code's hash, or its registered name.
        key: super::ResumeKey,
        /// Whose.
        member: MemberId,
    },
    /// Take (find and forget) the session kept under `key` for `member`;
    /// the reactor answers with [`Input::Recalled`](super::Input::Recalled).
    Recall {
        /// Who resumes.
        member: MemberId,
        /// By a code's hash, or a registered name.
        key: super::ResumeKey,
    },
    /// Ask the engine for the topic kept for `room` (a room without one
    /// that a user has just entered); the reactor answers with
    /// [`Input::Topic`](super::Input::Topic) if it keeps one.
    Topic(Box<str>),
    /// Hand the accounts worker a job about owned rooms; the reactor
    /// answers with [`Input::OwnedRooms`](super::Input::OwnedRooms) if it
    /// has one.
    OwnedRooms(super::owned::RoomJob),
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
    /// The ignore list kept with the account (see `ignore.rs`).
    LoadIgnores,
    /// Keep this ignore list (one name a line) with the account.
    SaveIgnores(Box<str>),
    /// Keep these server-wide bans and mutes (one a line; see
    /// `global_bans.rs`).
    SaveServerBans(Box<str>),
}

/// The accounts worker's answer (see [`Delivery::Account`]).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The ignore list kept with the account, one name a line (empty:
    /// none, or the store failed).
    IgnoreList(Box<str>),
    /// The ignore list, or the server-wide bans, were kept (or the store
    /// failed, which is logged).
    IgnoresKept,
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
