//! Every protocol text the server says, as a value: which notice and its
//! parameters. The words are a dialect's (`src/dialect/telnet/notice.rs`
//! for telnet); the core only picks the notice.

use super::name::Name;
use super::reply::Reply;
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
    /// `name` came back into the room, resuming a session that dropped
    /// (IRC sees a JOIN).
    Back {
        /// Who.
        name: Box<str>,
    },
    /// `name` left the room (for `to`, when they moved).
    Left {
        /// Who.
        name: Box<str>,
        /// The room they went to.
        to: Option<Box<str>>,
        /// What they said going, if they quit with words.
        reason: Option<Box<str>>,
    },
    /// `name` left the room and is still online elsewhere (a client that
    /// speaks in requests parted it), saying `reason`.
    Parted {
        /// Who.
        name: Box<str>,
        /// Why, as they said.
        reason: Option<Box<str>>,
    },
    /// `name`, who shares a room with the reader, is away (`Some`) or back:
    /// for IRC's `away-notify`; telnet shows nothing of it.
    Away {
        /// Who.
        name: Box<str>,
        /// Their away text.
        text: Option<Box<str>>,
    },
    /// `name`, who shares a room with the reader, changed their real name
    /// to `text`: for IRC's `setname`; telnet shows nothing of it.
    RealName {
        /// Who.
        name: Box<str>,
        /// The real name now.
        text: Box<str>,
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
    /// `by` changed the room's settings or members' ranks.
    Modes {
        /// Who.
        by: Box<str>,
        /// What changed, in order.
        changes: Vec<super::modes::ModeChange>,
    },
    /// `by` put `name` out of `room`.
    Kicked {
        /// The room (the kicked reader is told alone, not as the room).
        room: Box<str>,
        /// Who kicked.
        by: Box<str>,
        /// Who was put out.
        name: Box<str>,
        /// Why, as the kicker said.
        reason: Option<Box<str>>,
    },
    /// `by` invites the reader into `room`.
    Invited {
        /// Who.
        by: Box<str>,
        /// The room.
        room: Box<str>,
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

    /// A server operator's action, as one user is told of it.
    Admin(super::AdminNotice),

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
    /// A resumed session's heading: `shown` lines said in `room` while it
    /// was away follow, and `hidden` earlier ones are not shown.
    Missed {
        /// The room.
        room: Box<str>,
        /// Lines shown.
        shown: usize,
        /// Lines missed and not shown (past `--history`).
        hidden: usize,
    },
    /// A registered name logging in past its resume window: `count` lines
    /// were said in `room` since it left, and `/history shown` shows the
    /// last of them (at most `--history`).
    SinceYouLeft {
        /// The room.
        room: Box<str>,
        /// Lines said since.
        count: usize,
        /// How many of them `/history` shows.
        shown: usize,
    },
    /// With `--notify-mentions`, after [`SinceYouLeft`](Notice::SinceYouLeft):
    /// `shown` lines of `room` that named the user follow, and `hidden`
    /// earlier ones are not shown.
    Mentions {
        /// The room.
        room: Box<str>,
        /// Lines shown.
        shown: usize,
        /// Lines that named the user and are not shown (past the cap).
        hidden: usize,
    },
    /// The code that resumes this session after a drop.
    ResumeCode {
        /// The code (shown as typed: `XXXX-XXXX-XXXX`).
        code: super::Code,
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
    /// The members listed (the rest are counted), by name: shared with
    /// the room's own tables, so a welcome copies no names.
    pub shown: Vec<(Name, Status)>,
}

/// What a list of who is in a room says after a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing.
    Plain,
    /// Idle for this long (`/who`).
    Idle(Duration),
    /// Idle for this long, and marked away (`/who`).
    Away(Duration),
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
    /// Those of `shown` that are owned (`/rooms` marks them).
    pub owned: Vec<Box<str>>,
}

impl From<Reply> for Notice {
    fn from(reply: Reply) -> Notice {
        Notice::Reply(reply)
    }
}
