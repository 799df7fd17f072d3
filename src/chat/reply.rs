//! The answers to one user's own line or request, as values: a name
//! given, a command's refusal or outcome, and the lists clients that speak
//! in requests (IRC) ask for. The words are each dialect's.

use super::naming::NameProblem;
use std::time::{Duration, SystemTime};

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
        /// The name before (IRC's `NICK` line names it; telnet does not).
        old: Box<str>,
        /// The new name.
        name: Box<str>,
    },

    /// About server operators (see `operators.rs`).
    Oper(super::OperReply),

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
    /// `/resume` with a code that is malformed, unknown, expired or used.
    ResumeUnknown,
    /// `/resume` on a server with `--resume-window 0`.
    ResumeOff,
    /// This address gave too many wrong resume codes.
    ResumeLocked {
        /// Seconds to wait.
        wait: u64,
    },
    /// Someone else gave `name`'s password: this prompt is withdrawn.
    LoggedInWithPassword {
        /// The name (lower-cased, as registered).
        name: Box<str>,
    },

    // Requests of clients that speak in requests (IRC), see `request.rs`.
    /// A [`Request::Login`](super::Request::Login) took: the client is
    /// chatting under `name`, in no room yet.
    LoggedIn {
        /// The name, as given.
        name: Box<str>,
    },
    /// A registered name was asked for without its password.
    PasswordNeeded {
        /// The name.
        name: Box<str>,
    },
    /// A [`Request::Join`](super::Request::Join) took: what the joiner is
    /// shown of the room (IRC: the `JOIN` echo, 332/333, 353/366).
    Entered {
        /// The room (canonical form).
        room: Box<str>,
        /// Its topic, if it has one.
        topic: Option<TopicInfo>,
        /// Every member's name after their rank's prefixes, sorted
        /// ignoring case (the joiner too).
        names: Vec<Box<str>>,
        /// Whether the room is secret (IRC's `@` in 353).
        secret: bool,
    },
    /// A [`Request::Part`](super::Request::Part) took.
    Parted {
        /// The room left.
        room: Box<str>,
        /// The reason given.
        reason: Option<Box<str>>,
    },
    /// The user is not in `room` (IRC 442).
    NotInRoom {
        /// The room.
        room: Box<str>,
    },
    /// No room is called `room` (IRC 403).
    NoSuchRoom {
        /// The room, as given.
        room: Box<str>,
    },
    /// A line to a room the user is not in (IRC 404).
    CannotSend {
        /// The room, as given.
        room: Box<str>,
    },
    /// The user is in `--max-rooms-per-user` rooms already (IRC 405).
    TooManyRoomsJoined {
        /// The room asked for.
        room: Box<str>,
        /// `--max-rooms-per-user`.
        max: usize,
    },
    /// A room's topic, with who set it and when (IRC 332/333, or 331).
    TopicIs {
        /// The room.
        room: Box<str>,
        /// The topic, if any.
        topic: Option<TopicInfo>,
    },
    /// Every member of a room (IRC 353/366); empty for a room that does
    /// not exist.
    Names {
        /// The room, canonical form (as given if it does not exist).
        room: Box<str>,
        /// The names after their rank's prefixes, sorted ignoring case.
        names: Vec<Box<str>>,
        /// Whether the room is secret (IRC's `@` in 353).
        secret: bool,
    },
    /// Every room in use (IRC 321/322/323), busiest first.
    List(Vec<RoomInfo>),
    /// Who matches `mask`: a room's members, or one user (IRC 352/315).
    Who {
        /// The mask as given.
        mask: Box<str>,
        /// Who matched.
        entries: Vec<WhoEntry>,
    },
    /// About one user (IRC 311/312/317/319/301/318).
    Whois(WhoisInfo),
    /// The user is marked away now (`true`, IRC 306) or back (305).
    Away {
        /// Whether away.
        away: bool,
    },
    /// A private message went to a user who is away (IRC 301).
    IsAway {
        /// The recipient.
        name: Box<str>,
        /// Their away text.
        text: Box<str>,
    },
    /// About the user's watch list: an answer, or a watched name that came
    /// or went (IRC 730-734; see `monitor.rs`).
    Watched(super::Watched),
    /// About a room's rules or ranks (see `moderation/reply.rs`).
    Moderation(super::moderation::Answer),
    /// About the user's ignore list (see `ignore.rs`).
    Ignoring(super::Ignoring),
    /// About owned rooms (see `owned.rs`).
    Owned(super::owned::Said),
}

/// A room's topic and who set it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// The topic.
    pub text: Box<str>,
    /// Who set it (their name then; `someone` when not known, as for a
    /// topic kept by the store).
    pub by: Box<str>,
    /// When it was set (when this node learnt it, for a kept topic).
    pub at: SystemTime,
}

/// One room of a [`Reply::List`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    /// The room's name (canonical form).
    pub name: Box<str>,
    /// How many are in it.
    pub members: usize,
    /// Its topic, if any.
    pub topic: Option<Box<str>>,
}

/// One line of a [`Reply::Who`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoEntry {
    /// The room it was found in (a room mask), or one of the user's rooms
    /// (a name mask), if any.
    pub room: Option<Box<str>>,
    /// The user's name.
    pub name: Box<str>,
    /// Whether they are away.
    pub away: bool,
    /// Whether they are a server operator (known of this node's users).
    pub operator: bool,
    /// Their rank in `room`.
    pub rank: super::modes::Rank,
    /// Whether they set bot mode (`+B`; known of this node's users).
    pub bot: bool,
    /// The user name and real name its client gave (IRC's USER; known of
    /// this node's users), if any; boxed, as most users have none.
    pub described: Option<Box<(Box<str>, Box<str>)>>,
}

/// What [`Reply::Whois`] says about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoisInfo {
    /// Their name.
    pub name: Box<str>,
    /// Their rooms (canonical form), each after the prefixes of their rank
    /// in it (`@#rust`), in no particular order; secret rooms only to
    /// those who share them.
    pub rooms: Vec<Box<str>>,
    /// How long since they last sent something (`None`: a user of another
    /// node, whose idle time this node does not know).
    pub idle: Option<Duration>,
    /// When they logged in (`None`: a user of another node).
    pub signon: Option<SystemTime>,
    /// Their away text, if away.
    pub away: Option<Box<str>>,
    /// Whether they are on this node and came over TLS.
    pub secure: bool,
    /// Whether they are a server operator (known of this node's users).
    pub operator: bool,
    /// Whether they set bot mode (`+B`; known of this node's users).
    pub bot: bool,
    /// The user name and real name its client gave (IRC's USER; known of
    /// this node's users), if any; boxed, as most users have none.
    pub described: Option<Box<(Box<str>, Box<str>)>>,
}
