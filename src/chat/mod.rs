//! The chat core: everything linechat says and decides, with no sockets.
//!
//! The reactor tells the core what happened on a connection — it opened, a
//! line arrived, a line was too long, its turn ended, it closed, a timer
//! fired, an answer came — as one [`Input`] handed to [`Chat::handle`] with
//! the current time. The core answers with values in the [`Output`]:
//!
//! - [`Delivery`]: a [`Message`] for one local connection or for every
//!   local member of a room but one, or "close this connection";
//! - [`RoomEvent`]: what happened in a room (`Joined`, `Said`, `Renamed`,
//!   `Left`, `Private`), carrying a [`RoomId`] and [`MemberId`]s, never a
//!   connection handle.
//!
//! Neither holds bytes for a socket: a message is data (a chat [`Turn`], a
//! [`Notice`] and its parameters), and each connection's dialect
//! ([`crate::dialect`]) renders it, once per dialect per room.
//!
//! A user's line becomes a room event, and the core applies the event
//! ([`Chat::apply`]) to the room and produces its deliveries. An event that
//! comes from another node is applied the same way.
//!
//! The children:
//! - [`naming`]: the form of user and room names. Pure.
//! - [`commands`]: the command table: each `/command`'s arguments, help
//!   line, role and handler, one file per family; `/help` is made from it.
//! - [`room`]: who is in a room, their names, who is local.
//! - [`rooms`]: every room: name, topic, members, digest.
//! - `message` and `notice`: what a connection is shown, as values.
//! - `msgid`: a chat line's id, the same on every node (IRC's `msgid`);
//!   `history`: which lines of a room a history request wants.
//! - `input`: the one entry, [`Chat::handle`], and what it takes.
//! - `request` and `requests`: what a client that speaks in requests (IRC)
//!   asks, as values, and how the core answers each.
//! - `reply`: the answers to one user's own line or request.
//! - `event` and `delivery`: the values that cross the seam (ids, time,
//!   room events; deliveries and the output of a call).
//! - `client`: one local connection's state; `connection`: its life:
//!   opened, lines, turns, deadlines, closed.
//! - `session`: a session's way in: greeting, name prompt, welcome.
//! - `apply`: applying a room event, and the digest of joins in big rooms.
//! - `remote`: checking and applying an event from another node.
//! - `accounts`: with `--data-dir`, registered names: the password prompt,
//!   `/register`, and `/nick` kept off registered names.
//! - `owned`: rooms registered to a name, kept across restarts.
//! - `operators`: server operators (`--admins`, read by `admins`): OPER,
//!   kills, announcements, WALLOPS; `admin`: their values.
//! - `shared`: names claimed from the engine (both modes), history and
//!   topics it answers with; with `--redis`, the link to the other nodes.
//! - `listing`: with `--redis`, a node's members reconciled from its
//!   listing.
//! - `members`: a member across its rooms (renames and quits told once
//!   per reader).
//! - `ban_mask`: ban masks, by name, address or network (CIDR);
//!   `global_bans`: server-wide bans and mutes (`/gban`, `/gmute`).
//! - `monitor`: watch lists (IRC's MONITOR): told when a watched name
//!   comes online or goes offline, on any node.
//! - `throttle`: where the core spends the budgets per user and per
//!   address on what costs everyone else (renames, room moves, topics,
//!   rooms made, `/history` lines), kept in [`crate::limits::commands`].
//! - `whowas`: the names this node's users gave up, in a bounded ring.
//! - `peaks`: the most users seen at once (LUSERS).
//! - `list_filter`: what LIST may be narrowed to (masks, member counts).
//! - `user_modes`: the modes a user sets on itself (bot, invisible).
//! - `ignore`: ignore lists (`/ignore`, IRC's SILENCE), kept with an account.
//! - `resume`: resume codes, a closed session kept for `--resume-window`,
//!   `/resume` and the lines missed meanwhile.

mod accounts;
mod admin;
mod admins;
mod apply;
mod ban_mask;
mod client;
pub mod commands;
mod connection;
use connection::Batch;
mod delivery;
mod errands;
mod event;
mod global_bans;
mod history;
mod ignore;
mod input;
mod list_filter;
mod listing;
mod member_map;
mod members;
mod message;
pub mod moderation;
pub mod modes;
mod monitor;
pub mod msgid;
mod name;
pub mod naming;
mod notice;
mod operators;
pub mod owned;
mod peaks;
mod queries;
mod real_name;
mod remote;
mod reply;
mod request;
mod requests;
mod resume;
pub mod room;
pub mod rooms;
mod seats;
mod session;
mod shared;
mod throttle;
mod tick;
mod user_modes;
mod whowas;

pub use admin::{AdminAction, AdminNotice, OperReply};
pub use admins::{MAX_ADMINS, parse_admins};
pub use delivery::{Answer, Ask, Claimed, Delivery, Output, Secret, Typing};
pub use event::{
    Farewell, MemberId, NO_ROOM, Now, Presence, Refusal, RoomEvent, RoomId, RoomNames, node_of,
};
pub use history::{HistoryAsk, Mark};
pub use ignore::{Filter as IgnoreFilter, Ignoring, MAX_IGNORED, mask_name};
pub use input::Input;
pub use list_filter::ListFilter;
pub use message::{HistoryLine, LineKind, Message, PrivateTags, Turn};
pub use monitor::{MAX_WATCHED, Watch, Watched};
pub use name::Name;
pub use notice::{Notice, Online, RoomList, Status};
pub use peaks::Peaks;
pub use real_name::{MAX_REAL_NAME, valid_real_name};
pub use reply::{Reply, RoomInfo, TopicInfo, WhoEntry, WhoisInfo};
pub use request::{ModeAsk, Protocol, Request};
pub use resume::{ACCOUNT_KEPT, Code, Position, ResumeCounts, ResumeKey, Suspended};
pub use user_modes::UserModes;
pub use whowas::{WHOWAS_LEN, Was};

#[cfg(test)]
mod tests;

use crate::config::Config;
use client::{Client, State};
use member_map::MemberMap;
use rooms::Rooms;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The reactor's handle for a connection on this node (its slab key). The
/// core only hands it back in deliveries; room events never carry it.
pub type Local = usize;

/// The chat: local connections, the room, and the output not yet taken.
#[derive(Debug)]
pub struct Chat {
    /// Local connections by handle (handles are dense slab keys).
    clients: Vec<Option<Client>>,
    /// The handle of each local member and the room of each chatting
    /// member.
    seats: seats::Seats,
    /// Every room.
    rooms: Rooms,
    /// Every chatting user's name (ignoring case), server-wide: names are
    /// unique across rooms, and `/msg` reaches any room.
    names: HashMap<name::Name, MemberId>,
    /// The names of chatting members in no room (clients of requests, IRC,
    /// start in none): the name of a member in a room is its room's.
    roomless: MemberMap<name::Name>,
    /// The away texts of members marked away (few: a sparse table).
    away: MemberMap<Box<str>>,
    /// Who watches which names (IRC's MONITOR), see `monitor.rs`.
    watches: monitor::Watches,
    /// `--max-rooms-per-user`: rooms a client of requests may be in.
    max_rooms_per_user: usize,
    /// Names local users are claiming in the shared store: taken for
    /// local logins, not for other nodes' events.
    claiming: HashMap<name::Name, MemberId>,
    /// With `--redis`: whether this node is linked with the others, so
    /// names can be claimed. Always true on a node of its own.
    linked: bool,
    /// Whether this node has been linked at least once since it started,
    /// so a refusal says "not linked yet" rather than "lost its link".
    ever_linked: bool,
    /// Local connections past the name prompt.
    chatting: usize,
    /// `--history`: lines kept per room.
    history_len: usize,
    /// `--max-line`, named in the too-long notice.
    max_line: usize,
    /// `--idle-timeout`.
    idle_timeout: Option<Duration>,
    /// `--login-timeout`.
    login_timeout: Duration,
    /// `--password-timeout`.
    password_timeout: Duration,
    batch: Batch,
    /// Readers gathered from several rooms, to be told once each (see
    /// `members.rs`); empty between calls.
    gathered: Vec<Local>,
    /// `--quiet-joins`; 0 is never.
    quiet_joins: usize,
    /// How often the digest is told.
    digest_interval: Duration,
    /// Whether other nodes share the rooms (`--redis`): the shutdown
    /// notice says to reconnect, and users elsewhere can be unreachable.
    shared: bool,
    /// Whether names can be registered (`--data-dir`).
    accounts: bool,
    /// With a TLS listener and without `--allow-plaintext-passwords`: its
    /// port, named to users who would send a password in the clear.
    tls_port: Option<u16>,
    /// Wrong passwords per registered name (lower-cased) and address, and
    /// until when that address may not try the name (see `accounts.rs`).
    lockouts: crate::limits::passwords::Lockouts,
    /// Budgets per source address (see `throttle.rs`).
    addresses: throttle::Addresses,
    /// Each chatting user's recent room moves, for folding hops into the
    /// digest (see `throttle.rs`).
    moved: MemberMap<throttle::Moves>,
    /// `--admins` and the server operators (see `operators.rs`).
    operators: operators::Operators,
    /// Names this node's users gave up (see `whowas.rs`).
    whowas: whowas::Whowas,
    /// The most users seen at once (see `peaks.rs`).
    peaks: Peaks,
    /// The rooms each local member is invited to (by name), until they
    /// enter them or leave (see `moderation/`).
    invites: MemberMap<Vec<Box<str>>>,
    /// The user modes local members set (see `user_modes.rs`).
    modes: user_modes::ModeTable,
    /// Whom each local user ignores (see `ignore.rs`).
    ignores: ignore::Ignores,
    /// Resume codes and sessions being resumed (see `resume/`).
    resume: resume::Resumes,
    /// Server-wide bans and mutes (see `global_bans.rs`).
    global: global_bans::GlobalBans,
    out: Output,
}

impl Chat {
    /// An empty room with the texts and limits of `config`.
    pub fn new(config: &Config) -> Chat {
        Chat {
            clients: Vec::new(),
            seats: seats::Seats::default(),
            rooms: Rooms::new(&config.default_room, config.max_rooms),
            names: HashMap::new(),
            roomless: MemberMap::default(),
            away: MemberMap::default(),
            watches: monitor::Watches::default(),
            max_rooms_per_user: config.max_rooms_per_user.max(1),
            claiming: HashMap::new(),
            linked: true,
            ever_linked: false,
            chatting: 0,
            history_len: config.history,
            max_line: config.max_line,
            idle_timeout: config.idle_timeout,
            login_timeout: config.login_timeout,
            password_timeout: config.password_timeout,
            batch: Batch::default(),
            gathered: Vec::new(),
            quiet_joins: config.quiet_joins,
            digest_interval: config.digest_interval,
            shared: false,
            accounts: false,
            tls_port: None,
            lockouts: Default::default(),
            addresses: throttle::Addresses::new(config),
            moved: MemberMap::default(),
            operators: operators::Operators::default(),
            whowas: whowas::Whowas::default(),
            peaks: Peaks::default(),
            invites: MemberMap::default(),
            modes: Default::default(),
            ignores: Default::default(),
            resume: resume::Resumes::new(config.resume_window, config.notify_mentions),
            global: Default::default(),
            out: Output::default(),
        }
    }

    /// Swaps the output produced so far with `out` (which should be empty),
    /// so both sides keep reusing their vectors' allocations.
    fn take_output(&mut self, out: &mut Output) {
        std::mem::swap(&mut self.out, out);
    }

    /// Whether other nodes share the rooms (`--redis`): then this node is
    /// not linked with them until its engine says so.
    pub fn share_rooms(&mut self, on: bool) {
        self.shared = on;
        self.linked = !on;
    }

    /// Local connections of the members of `room`: the fan-out list.
    pub fn locals(&self, room: RoomId) -> &[Local] {
        self.rooms.get(room).map_or(&[], |r| r.members.locals())
    }

    /// The local connection of `member`, if it is on this node.
    pub fn local_of(&self, member: MemberId) -> Option<Local> {
        self.seats.local(&member)
    }

    /// Whether `local` is past the name and password prompts (chatting, or
    /// put out and about to close): its login deadline means nothing now.
    pub fn logged_in(&self, local: Local) -> bool {
        let client = self.clients.get(local).and_then(Option::as_ref);
        client.is_some_and(|c| matches!(c.state, State::Chatting | State::Leaving))
    }

    /// Local users chatting (past the name prompt), in every room. Users
    /// of other nodes are not counted.
    pub fn members(&self) -> usize {
        self.chatting
    }

    /// Rooms that exist.
    pub fn rooms(&self) -> usize {
        self.rooms.len()
    }

    fn client(&self, local: Local) -> Option<&Client> {
        self.clients.get(local)?.as_ref()
    }

    fn client_mut(&mut self, local: Local) -> Option<&mut Client> {
        self.clients.get_mut(local)?.as_mut()
    }

    /// The room `member` is chatting in.
    pub(super) fn room_of(&self, member: MemberId) -> Option<&rooms::RoomState> {
        self.rooms.get(self.seats.room(&member)?)
    }

    /// The name of chatting user `member` (in a room or in none).
    pub(super) fn name_of(&self, member: MemberId) -> Option<&str> {
        match self.room_of(member) {
            Some(room) => room.members.name_of(member),
            None => self.roomless.get(&member).map(|name| &**name),
        }
    }

    /// The first room of `member`, or [`NO_ROOM`] for a member in none:
    /// the room an event about the member (a rename, a quit) names.
    pub(super) fn first_room(&self, member: MemberId) -> RoomId {
        self.seats.room(&member).unwrap_or(NO_ROOM)
    }

    /// The chatting user called `name` (ignoring ASCII case), in any room.
    pub(super) fn find(&self, name: &str) -> Option<MemberId> {
        self.names.get(name::key(&name)).copied()
    }

    pub(super) fn close_with(&mut self, local: Local, why: Farewell) {
        self.out.deliveries.push(Delivery::Close(local, why));
    }

    /// Shows `message` to one local connection.
    pub(super) fn to(&mut self, local: Local, message: Message, now: &Now) {
        let at = now.wall;
        self.out.deliveries.push(Delivery::To {
            to: local,
            message,
            at,
        });
    }

    /// Tells one local connection a notice.
    pub(super) fn tell(&mut self, local: Local, now: &Now, notice: Notice) {
        self.to(local, Message::Notice(notice), now);
    }

    /// Answers one local connection's own line.
    pub(super) fn reply_to(&mut self, local: Local, now: &Now, reply: Reply) {
        self.tell(local, now, Notice::Reply(reply));
    }

    /// Shows `message` (holding `lines` chat lines) to every local member
    /// of `room` but `except`.
    pub(super) fn broadcast(
        &mut self,
        room: RoomId,
        except: Option<Local>,
        message: Message,
        lines: u64,
        now: &Now,
    ) {
        self.out.deliveries.push(Delivery::Room {
            room,
            except,
            message,
            at: now.wall,
            lines,
        });
    }
}
