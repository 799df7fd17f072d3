//! Requests: what a client that speaks in requests (IRC) asks of the core,
//! as typed values instead of telnet's typed lines. The edge maps its
//! protocol's commands to a [`Request`]; the core answers with the same
//! values as for telnet ([`Reply`](super::Reply), [`Notice`](super::Notice),
//! room deliveries). Each action has one implementation, which telnet's
//! command table and the requests both call.

use super::modes::{Flag, Rank};
use super::{LineKind, Secret};

/// How a connection talks to the core, said when it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Lines typed by a person (telnet): greeted, prompted for a name,
    /// `/commands`; in exactly one room at a time.
    #[default]
    Lines,
    /// Typed requests from a client program (IRC): nothing is sent when it
    /// opens; it logs in with [`Request::Login`], starts in no room, and may
    /// be in up to `--max-rooms-per-user` rooms at once.
    Requests,
}

/// One request of a client that speaks in requests. Room names may be
/// given in any case (`#Rust`); names ignore ASCII case.
#[derive(Debug)]
pub enum Request<'a> {
    /// Log in as `name` (with its password, for a registered name).
    Login {
        /// The name wanted.
        name: &'a str,
        /// Its password, if the client gave one.
        password: Option<Secret>,
    },
    /// Enter a room, making it if it does not exist, with its key if it
    /// has one.
    Join {
        /// The room.
        room: &'a str,
        /// The key given.
        key: Option<&'a str>,
    },
    /// Leave one room, staying online.
    Part {
        /// The room.
        room: &'a str,
        /// Why, shown to the room.
        reason: Option<&'a str>,
    },
    /// A line to a room the user is in.
    Say {
        /// The room.
        room: &'a str,
        /// Said, acted or a notice.
        kind: LineKind,
        /// The text, cleaned.
        text: &'a str,
    },
    /// A line to one user, in any room or none.
    Private {
        /// Their name.
        to: &'a str,
        /// Said, acted or a notice.
        kind: LineKind,
        /// The text, cleaned.
        text: &'a str,
        /// Client-only tags for IRC readers, escaped (empty: none).
        tags: &'a str,
    },
    /// Change one's name.
    Nick(&'a str),
    /// Show a room's topic (`None`), or set it (`Some("")` clears it).
    Topic {
        /// The room.
        room: &'a str,
        /// The new topic.
        text: Option<&'a str>,
    },
    /// Every member of a room.
    Names(&'a str),
    /// Every room in use, or those the conditions keep (see
    /// [`ListFilter`](super::ListFilter)).
    List(&'a str),
    /// Who is in a room (`#room`) or who a user is (a name).
    Who(&'a str),
    /// About one user.
    Whois(&'a str),
    /// Mark oneself away with a text, or back (`None`).
    Away(Option<&'a str>),
    /// Change one's real name (IRC's SETNAME; the edge checks its length).
    SetName(&'a str),
    /// Leave, saying why.
    Quit(Option<&'a str>),
    /// Become a server operator with an `--admins` account's password.
    Oper {
        /// The account.
        name: &'a str,
        /// Its password.
        password: Secret,
    },
    /// A server operator stops being one (IRC `MODE nick -o`).
    Unoper,
    /// A server operator disconnects a user, on any node.
    Kill {
        /// Whom.
        name: &'a str,
        /// Why (may be empty).
        reason: &'a str,
    },
    /// A server operator writes to every operator, on every node.
    Wallops(&'a str),
    /// Change or show one's watch list (IRC's MONITOR).
    Watch(super::Watch<'a>),
    /// Ignore a name (IRC's `SILENCE +mask`).
    Ignore(&'a str),
    /// Stop ignoring a name (IRC's `SILENCE -mask`).
    Unignore(&'a str),
    /// Show one's ignore list (IRC's `SILENCE`).
    Ignores,
    /// Lines of a room's history the user is in (IRC CHATHISTORY).
    History {
        /// The room.
        room: &'a str,
        /// Which lines.
        ask: super::HistoryAsk,
    },
    /// A room's settings (IRC's `MODE #room`).
    Modes(&'a str),
    /// A room's ban list (`MODE #room +b`).
    Bans(&'a str),
    /// Change a room's settings or members' ranks, in order.
    ChangeModes {
        /// The room.
        room: &'a str,
        /// The changes asked for.
        changes: &'a [ModeAsk<'a>],
    },
    /// Put a member out of a room.
    Kick {
        /// The room.
        room: &'a str,
        /// Who.
        target: &'a str,
        /// Why, told to the room.
        reason: Option<&'a str>,
    },
    /// Invite a user into a room.
    Invite {
        /// Who.
        target: &'a str,
        /// The room.
        room: &'a str,
    },
    /// The rooms one is invited to.
    Invites,
    /// Register, drop or ask about an owned room (IRC `ROOM #room
    /// REGISTER`, or `CS REGISTER #room`; see `owned/`).
    Own {
        /// The room.
        room: &'a str,
        /// What.
        ask: super::owned::OwnAsk,
    },
}

/// One change to a room asked for, before the core checks it: values as
/// typed (a name, a number, a mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeAsk<'a> {
    /// A setting on or off.
    Flag {
        /// Which.
        flag: Flag,
        /// On or off.
        on: bool,
    },
    /// Set the key (`Some`) or remove it.
    Key(Option<&'a str>),
    /// Set the member limit (`Some`, a number as typed) or remove it.
    Limit(Option<&'a str>),
    /// Add or remove a ban mask.
    Ban {
        /// The mask as typed (`bob`, `*!*@host`).
        mask: &'a str,
        /// Add or remove.
        on: bool,
        /// How long an added ban holds (`None`: until removed).
        length: Option<std::time::Duration>,
    },
    /// Give or take a member's rank.
    Rank {
        /// [`Rank::OPERATOR`](super::modes::Rank::OPERATOR) or
        /// [`Rank::VOICE`](super::modes::Rank::VOICE).
        rank: Rank,
        /// Give or take.
        on: bool,
        /// Their name.
        name: &'a str,
    },
}
