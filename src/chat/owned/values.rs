//! The values about owned rooms that cross the seam: the accounts
//! worker's jobs and answers, and what a user is told.

use super::Owned;
use super::OwnedRoom;
use crate::chat::MemberId;

/// What a user asks about an owned room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnAsk {
    /// `/room register`.
    Register,
    /// `/room drop`.
    Drop,
    /// `/room info`.
    Info,
}

impl OwnAsk {
    /// The ask a word names (`register`, `drop`, `info`, any case).
    pub fn from_word(word: &str) -> Option<OwnAsk> {
        match word.to_ascii_lowercase().as_str() {
            "register" => Some(OwnAsk::Register),
            "drop" => Some(OwnAsk::Drop),
            "info" => Some(OwnAsk::Info),
            _ => None,
        }
    }
}

/// What the accounts worker is asked about owned rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomJob {
    /// Every owned room kept.
    Load,
    /// Keep this room as it is now.
    Save(Box<OwnedRoom>),
    /// Forget the room of this name.
    Drop(Box<str>),
    /// Whether `name` is registered, for `member` who wants it to be
    /// `room`'s owner or an operator of it.
    Check {
        /// Who asks.
        member: MemberId,
        /// The room.
        room: Box<str>,
        /// The name to vet.
        name: Box<str>,
        /// What for.
        purpose: Purpose,
    },
}

/// Why a name is vetted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// To own the room (the asker's own name).
    Owner,
    /// To be named an operator.
    Operator,
}

/// The accounts worker's answer about owned rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomsDone {
    /// The rooms kept (`None`: the store failed).
    Loaded(Option<Vec<OwnedRoom>>),
    /// A [`RoomJob::Check`]'s answer (`None`: the store failed).
    Checked {
        /// Who asked.
        member: MemberId,
        /// The room.
        room: Box<str>,
        /// The name vetted.
        name: Box<str>,
        /// What for.
        purpose: Purpose,
        /// Whether it is registered.
        registered: Option<bool>,
    },
}

/// What a user is told about owned rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// The server keeps no registered names, so no room can be owned.
    NoAccounts,
    /// The default room is everyone's.
    DefaultRoom {
        /// Its name.
        room: Box<str>,
    },
    /// `name` is not registered, so cannot own a room.
    NotRegistered {
        /// The name.
        name: Box<str>,
    },
    /// `room` has an owner already.
    AlreadyOwned {
        /// The room.
        room: Box<str>,
        /// Its owner.
        owner: Box<str>,
    },
    /// `room` has no owner.
    NotOwned {
        /// The room.
        room: Box<str>,
    },
    /// Only the owner or a server operator may drop `room`.
    NotOwner {
        /// The room.
        room: Box<str>,
    },
    /// An owned room's operators must be registered names.
    OperatorNotRegistered {
        /// Who was to be named.
        name: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// The owned room names [`MAX_OPERATORS`] already.
    TooManyOperators {
        /// The room.
        room: Box<str>,
    },
    /// `/room info`: who owns the room and its operators by name.
    Info {
        /// The room.
        room: Box<str>,
        /// Its owner and operators, if it is owned.
        owned: Option<Owned>,
    },
    /// The user's name owns `room`, or is kept as its operator
    /// (`owner`: false), so it may not be unregistered yet: a guest who
    /// took the name would hold the room.
    StillKept {
        /// The room.
        room: Box<str>,
        /// Whether the name owns it.
        owner: bool,
    },
    /// `owner` owns `room`: another operator may not kick, ban, mute or
    /// deop them.
    OwnerSpared {
        /// The owner.
        owner: Box<str>,
        /// The room.
        room: Box<str>,
    },
    /// No more rooms may be owned: by this name
    /// ([`MAX_OWNED_PER_NAME`](super::MAX_OWNED_PER_NAME)), or on this
    /// server (half of `--max-rooms`).
    TooManyOwned {
        /// Whether the name's own limit is reached.
        per_name: bool,
    },
    /// The store could not be asked.
    Unavailable,
}
