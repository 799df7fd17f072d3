//! What server operators do and are told, as values: an action published
//! to every node, what one user is told of it, and the answers to an
//! operator's own requests (see `operators.rs`; each dialect renders them).

use super::MemberId;

/// What a server operator does, as published to every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    /// Disconnect `target`, wherever it is.
    Kill {
        /// Who is put out.
        target: MemberId,
        /// Why, as the operator said (empty: no reason given).
        reason: Box<str>,
    },
    /// A line for every user on every node.
    Announce(Box<str>),
    /// A line for every operator on every node (IRC `WALLOPS`).
    Wallops(Box<str>),
    /// The operator is one now (`true`), or not any more: other nodes show
    /// it in WHO and WHOIS.
    Operator(bool),
    /// A server-wide ban (or, after `m:`, mute) of `mask`, until a time
    /// or for good, or (`on` false) its lifting (see `global_bans.rs`).
    Global {
        /// The mask, completed.
        mask: Box<str>,
        /// When it ends (`None`: for good).
        until: Option<std::time::SystemTime>,
        /// Set, or lifted.
        on: bool,
    },
}

/// An operator's action as one user is told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminNotice {
    /// `by` disconnected the reader.
    Killed {
        /// The operator's name.
        by: Box<str>,
        /// Why (empty: no reason given).
        reason: Box<str>,
    },
    /// `by` disconnected `name`, a member of the reader's rooms.
    Removed {
        /// Who was put out.
        name: Box<str>,
        /// The operator's name.
        by: Box<str>,
        /// Why (empty: no reason given).
        reason: Box<str>,
    },
    /// `by` tells everyone `text`.
    Announcement {
        /// The operator's name.
        by: Box<str>,
        /// What.
        text: Box<str>,
    },
    /// `by` tells the operators `text`.
    Wallops {
        /// The operator's name.
        by: Box<str>,
        /// What.
        text: Box<str>,
    },
    /// `by` set or lifted a server-wide ban or mute (told to operators).
    Global {
        /// The operator's name.
        by: Box<str>,
        /// The mask (a mute's after `m:`).
        mask: Box<str>,
        /// When it ends (`None`: for good).
        until: Option<std::time::SystemTime>,
        /// Set, or lifted.
        on: bool,
    },
    /// The reader is banned from the server (by `by`, just now; `None`:
    /// at the door) and is closed.
    Banned {
        /// The operator's name, for a ban set while connected.
        by: Option<Box<str>>,
    },
    /// `by` muted the reader server-wide: nobody hears them.
    Muted {
        /// The operator's name (`None`: a line of a muted user).
        by: Option<Box<str>>,
    },
    /// A server-wide ban or mute was not set, and why.
    Refused(Box<str>),
}

/// The answers to an operator's own request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperReply {
    /// The connection is a server operator now (IRC 381 and `MODE +o`).
    Opered,
    /// It is not one any more: it asked (IRC `MODE nick -o`), or a SIGHUP
    /// took its account out of `--admins`.
    Lowered,
    /// `OPER` of an account not in `--admins`, or with no accounts at all
    /// (IRC 491).
    NoOperHost {
        /// The account asked for.
        name: Box<str>,
    },
    /// A command for operators from someone who is not one (IRC 481).
    NeedsOperator {
        /// The command, as telnet types it (`kill`).
        command: &'static str,
    },
    /// A kill was sent to the user's node.
    Killed {
        /// Who.
        name: Box<str>,
    },
}
