//! Every protocol text the server says, as a value: which notice and its
//! parameters. The words are a dialect's (`src/dialect/telnet/notice.rs`
//! for telnet); the core only picks the notice.

use super::naming::NameProblem;
use super::{Farewell, Refusal};
use std::time::Duration;

/// A server notice (`*** ...` in telnet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    // Room notices, told to a room.
    /// `name` came into the room.
    Joined {
        /// Who.
        name: Box<str>,
    },
    /// `name` left the room (for `to`, when they moved).
    Left {
        /// Who.
        name: Box<str>,
        /// The room they went to.
        to: Option<Box<str>>,
    },
    /// `old` is called `new` now.
    Renamed {
        /// The name before.
        old: Box<str>,
        /// The name now.
        new: Box<str>,
    },
    /// `by` set the topic (`None`: cleared it).
    TopicSet {
        /// Who.
        by: Box<str>,
        /// The topic now.
        topic: Option<Box<str>>,
    },
    /// A room's topic, on entering it.
    Topic {
        /// The topic.
        topic: Box<str>,
    },
    /// Joins and leaves in a big room, counted over `secs` seconds.
    Digest {
        /// Joins counted.
        joined: u32,
        /// Leaves counted.
        left: u32,
        /// The digest interval.
        secs: u64,
    },

    // The link between nodes (with `--redis`).
    /// The link to the other nodes is back (`true`) or down.
    Link {
        /// Whether it is up.
        up: bool,
    },
    /// A name cannot be checked with the other nodes: the node was linked
    /// once and lost it (`ever_linked`), or never was.
    Unlinked {
        /// Whether the node was ever linked.
        ever_linked: bool,
    },

    // The end of a connection.
    /// A connection's last words (see [`Farewell`]).
    Farewell(Farewell),
    /// A connection turned away (see [`Refusal`]).
    Refusal(Refusal),
    /// The server is stopping; with `reconnect`, other nodes remain.
    ShuttingDown {
        /// Whether reconnecting (to another node) continues the chat.
        reconnect: bool,
    },

    // Talk.
    /// A line over `--max-line` bytes was dropped.
    LineTooLong {
        /// `--max-line`.
        max: usize,
    },
    /// A private message to `name` was not sent: they read too slowly
    /// (`None`: a recipient this node no longer knows).
    NotReading {
        /// The recipient.
        name: Option<Box<str>>,
    },
    /// `/history`'s heading: `shown` lines of `room` follow.
    HistoryHead {
        /// The room.
        room: Box<str>,
        /// Lines shown.
        shown: usize,
    },
    /// A `/history` answer did not fit in the output budgets.
    HistoryRefused,
    /// Too many `/history` reads from the store are out already.
    HistoryBusy,
    /// The client cannot hide what its user types (before a password).
    TypingShows,

    /// One line of `/help`, as the command table words it.
    Help(Box<str>),

    /// A reply to one user's line (a name, a command): see [`Reply`].
    Reply(Reply),

    /// Entering a room: the user's name, the room and who is there.
    Welcome {
        /// The user's name.
        name: Box<str>,
        /// The room entered.
        room: Box<str>,
        /// Who is in it.
        online: Online,
    },
    /// `/who`: who is in the user's room.
    Online(Online),
    /// `/rooms`: the rooms, busiest first.
    Rooms(RoomList),
}

/// Who is in a room: how many, and the first of them by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Online {
    /// Members in all.
    pub count: usize,
    /// The members listed (the rest are counted), by name.
    pub shown: Vec<(Box<str>, Status)>,
}

/// What a list of who is in a room says after a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing.
    Plain,
    /// Idle for this long (`/who`).
    Idle(Duration),
    /// On another node while the link is down.
    Unreachable,
}

/// The rooms: how many, and the busiest of them with their member counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomList {
    /// Rooms listed in all.
    pub total: usize,
    /// The busiest rooms and how many are in each.
    pub shown: Vec<(Box<str>, usize)>,
}

/// The answer to one user's own line: a name given, a command's refusal
/// or outcome. Times to wait are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    // Names.
    /// The name is not valid.
    InvalidName {
        /// What is wrong with it.
        why: NameProblem,
    },
    /// Someone has the name.
    NameTaken {
        /// The name.
        name: Box<str>,
    },
    /// `/nick` to the name the user already has.
    AlreadyNamed {
        /// The name.
        name: Box<str>,
    },
    /// Too many `/nick`s lately.
    TooManyNameChanges {
        /// Seconds to wait.
        wait: u64,
    },
    /// A `/nick` took.
    NowKnownAs {
        /// The new name.
        name: Box<str>,
    },

    // Commands.
    /// An unknown `/verb`.
    UnknownCommand {
        /// The verb typed.
        verb: Box<str>,
    },
    /// A command's arguments did not fit; `form` is how it is typed.
    Usage {
        /// `/join ROOM` and the like.
        form: Box<str>,
    },
    /// `/msg` to a name nobody has.
    NoSuchUser {
        /// The name.
        name: Box<str>,
    },
    /// `/msg` to oneself.
    MessageToSelf,

    // Rooms.
    /// The room name is not valid.
    InvalidRoomName {
        /// What is wrong with it.
        why: NameProblem,
    },
    /// `/join` to the room the user is in.
    AlreadyIn {
        /// The room.
        room: Box<str>,
    },
    /// Too many room moves lately.
    TooManyRoomChanges {
        /// Seconds to wait.
        wait: u64,
    },
    /// Too many rooms made from the user's address lately.
    TooManyRoomsMade {
        /// Seconds to wait.
        wait: u64,
    },
    /// `--max-rooms` rooms exist.
    TooManyRooms {
        /// `--max-rooms`.
        max: usize,
    },
    /// `/topic` alone: the room's topic, or that it has none.
    TopicOf {
        /// The room.
        room: Box<str>,
        /// Its topic.
        topic: Option<Box<str>>,
    },
    /// A topic over `max` bytes.
    TopicTooLong {
        /// The longest topic.
        max: usize,
    },
    /// Too many topic changes lately.
    TooManyTopicChanges {
        /// Seconds to wait.
        wait: u64,
    },
    /// `--history 0`.
    HistoryOff,
    /// `/history N` with N out of range.
    HistoryUsage {
        /// `--history`.
        max: usize,
    },
    /// Too many `/history` lines asked for lately.
    TooMuchHistory {
        /// Seconds to wait.
        wait: u64,
    },

    // Registered names (`--data-dir` or `--redis`).
    /// Registered names are off.
    AccountsOff,
    /// The accounts store failed.
    AccountsUnavailable,
    /// Too many password checks wait already.
    PasswordsBusy,
    /// Passwords are taken only over TLS, on `port`.
    UseTls {
        /// The TLS port.
        port: u16,
    },
    /// `/nick` to a registered name.
    NameRegistered {
        /// The name.
        name: Box<str>,
    },
    /// `/register` took.
    Registered {
        /// The name.
        name: Box<str>,
    },
    /// `/register` of a registered name.
    AlreadyRegistered {
        /// The name.
        name: Box<str>,
    },
    /// `/password` took.
    PasswordChanged {
        /// The name.
        name: Box<str>,
    },
    /// `/unregister` took.
    Unregistered {
        /// The name.
        name: Box<str>,
    },
    /// `/password` or `/unregister` with a wrong password.
    WrongPasswordOrUnregistered {
        /// The name.
        name: Box<str>,
    },
    /// Too many names registered from the user's address lately.
    TooManyRegistrations,
    /// The store holds `--max-accounts` names.
    StoreFull,
    /// A wrong password at the prompt; it is asked again.
    WrongPassword,
    /// This address gave too many wrong passwords for `name`.
    LockedOut {
        /// The name (lower-cased, as registered).
        name: Box<str>,
        /// Seconds to wait.
        wait: u64,
    },
    /// Someone else gave `name`'s password: this prompt is withdrawn.
    LoggedInWithPassword {
        /// The name (lower-cased, as registered).
        name: Box<str>,
    },
}

impl From<Reply> for Notice {
    fn from(reply: Reply) -> Notice {
        Notice::Reply(reply)
    }
}
