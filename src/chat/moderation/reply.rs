//! The answers to one user's moderation request, as values: refusals and
//! the lists asked for. Each dialect words them (IRC numerics in
//! `src/dialect/irc/moderation.rs`, telnet's words in
//! `src/dialect/telnet/moderation.rs`).

use crate::chat::modes::{Ban, Barred, RoomModes};

/// An answer about a room's rules or ranks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Only an operator of `room` may do that (IRC 482).
    NotOperator {
        /// The room.
        room: Box<str>,
    },
    /// `name` is not in `room` (441).
    NotInThatRoom {
        /// Who.
        name: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// `name` is a server operator, whom a room operator may not kick
    /// (482, with its own text).
    ServerOperator {
        /// Who.
        name: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// `name` is in `room` already (443).
    AlreadyInThatRoom {
        /// Who.
        name: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// `room` turned the user away at the door (471, 473, 474, 475).
    Barred {
        /// The room.
        room: Box<str>,
        /// Why.
        why: Barred,
    },
    /// A room's lines are closed to the user: moderated, members only, or
    /// banned (404).
    CannotSpeak {
        /// The room.
        room: Box<str>,
    },
    /// Not a key a room can have (525).
    InvalidKey {
        /// The room.
        room: Box<str>,
    },
    /// A setting's value is not valid (696).
    InvalidValue {
        /// The room.
        room: Box<str>,
        /// IRC's letter of the setting.
        letter: char,
        /// What was given.
        given: Box<str>,
        /// What it must be.
        must: &'static str,
    },
    /// `room` holds [`MAX_BANS`](crate::chat::modes::MAX_BANS) bans (478).
    BanListFull {
        /// The room.
        room: Box<str>,
        /// The mask not added.
        mask: Box<str>,
    },
    /// A room's settings (324, 329). `modes.key` is shown to members only.
    Modes {
        /// The room.
        room: Box<str>,
        /// Its settings (bans left out).
        modes: RoomModes,
    },
    /// A room's ban list (367, 368).
    Bans {
        /// The room.
        room: Box<str>,
        /// The bans and mutes that hold, with their ends.
        bans: Vec<Ban>,
    },
    /// `name` was invited to `room` (341).
    Inviting {
        /// Who.
        name: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// The rooms the user is invited to (336, 337).
    Invites(Vec<Box<str>>),
    /// Telnet's `/room` with a word it does not know, or no word: the
    /// settings it knows.
    RoomSettings,
}
