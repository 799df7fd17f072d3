//! Owned rooms: a room registered to a registered name (`/room register`)
//! keeps its rules and its operators after everyone leaves, and across
//! restarts, until its owner (or a server operator) drops it
//! (`/room drop`).
//!
//! - **Who.** The owner and the operators of an owned room are registered
//!   names, kept lower-cased. Holding a registered name proves its
//!   password (nobody else may take it), so "is this name registered?",
//!   asked of the accounts worker, is how a user is vetted: the one who
//!   registers the room, and whoever is named an operator (on any node).
//! - **Ranks.** Whoever enters an owned room under its owner's name or an
//!   operator's is its operator, on every node, with no event: each node
//!   gives the rank itself. Nobody else is given one by entering (the
//!   maker's rank of a new room never applies: an owned room is never
//!   new).
//! - **Kept.** The room's name, owner, operators, topic, settings, key,
//!   limit and bans, as an [`OwnedRoom`], saved by the node whose user made
//!   the change (every node applies the same change) through the accounts
//!   worker: in the `--data-dir` file, or in Redis with `--redis`, beside
//!   the registered names. Loaded when the worker starts and again each
//!   time the link to the other nodes comes up.
//! - **Told.** Registering and dropping are mode changes
//!   ([`ModeChange::Owner`]): every node applies them, the room hears them.
//!
//! `kept.rs` holds what is kept, `keeping.rs` how (loaded, saved, ranks
//! given back), `values.rs` the worker's jobs and answers and the texts.

mod keeping;
mod kept;
mod values;

pub(super) use kept::owned_change;
pub use kept::{MAX_OPERATORS, MAX_OWNED_PER_NAME, Owned, OwnedRoom};
pub use values::{OwnAsk, Purpose, RoomJob, RoomsDone, Said};

use super::commands::Caller;
use super::moderation::Answer;
use super::modes::{ModeChange, Rank};
use super::{Chat, Delivery, MemberId, Now, Reply, RoomEvent, RoomId};

impl Chat {
    /// Tells `by` about owned rooms.
    fn tell_owned(&mut self, by: Caller, now: &Now, said: Said) {
        self.reply_to(by.local, now, Reply::Owned(said));
    }

    /// `room`, with its name and its owned part.
    fn owned_room(&self, room: RoomId) -> Option<(RoomId, Box<str>, Option<Owned>)> {
        let r = self.rooms.get(room)?;
        Some((room, r.name.clone(), r.owned.as_deref().cloned()))
    }

    /// `/room register|drop|info` in the caller's room (telnet's, or the
    /// first of a client of requests).
    pub(super) fn own_here(&mut self, by: Caller, ask: OwnAsk, now: &Now) {
        if let Some(room) = self.seats.room(&by.member) {
            self.own(by, room, ask, now);
        }
    }

    /// IRC's `ROOM #room REGISTER|DROP|INFO`: in a room the caller is in.
    pub(super) fn own_request(&mut self, by: Caller, given: &str, ask: OwnAsk, now: &Now) {
        let found = super::naming::room_name(given)
            .ok()
            .and_then(|name| self.rooms.find(&name));
        match found {
            Some(room) if self.seats.in_room(&by.member, room) => self.own(by, room, ask, now),
            Some(_) => self.reply_to(by.local, now, Reply::NotInRoom { room: given.into() }),
            None => self.reply_to(by.local, now, Reply::NoSuchRoom { room: given.into() }),
        }
    }

    /// Registers, drops or tells about `room`.
    fn own(&mut self, by: Caller, room: RoomId, ask: OwnAsk, now: &Now) {
        match ask {
            OwnAsk::Register => self.room_register(by, room, now),
            OwnAsk::Drop => self.room_drop(by, room, now),
            OwnAsk::Info => self.room_info(by, room, now),
        }
    }

    /// `/room register`: an operator of the room with a registered name
    /// asks to own it; the name is vetted first.
    fn room_register(&mut self, by: Caller, room: RoomId, now: &Now) {
        let Some((room, name, owned)) = self.owned_room(room) else {
            return;
        };
        if !self.accounts() {
            return self.tell_owned(by, now, Said::NoAccounts);
        }
        if room == self.rooms.default_room() {
            return self.tell_owned(by, now, Said::DefaultRoom { room: name });
        }
        if let Some(owned) = owned {
            let owner = owned.owner;
            return self.tell_owned(by, now, Said::AlreadyOwned { room: name, owner });
        }
        if !self.is_room_operator(room, by.member) {
            let refused = Answer::NotOperator { room: name };
            return self.reply_to(by.local, now, Reply::Moderation(refused));
        }
        let Some(user) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        if let Some(full) = self.owned_full(&user) {
            return self.tell_owned(by, now, full);
        }
        self.check(by.member, name, user, Purpose::Owner);
    }

    /// Why `owner` may own no more rooms, if so: [`MAX_OWNED_PER_NAME`]
    /// of theirs, or half of `--max-rooms` owned in all (owned rooms never
    /// go, so they must leave room for the rest).
    fn owned_full(&self, owner: &str) -> Option<Said> {
        let owners = self.rooms.iter().filter_map(|r| r.owned.as_deref());
        let (mine, all) = owners.fold((0, 0), |(mine, all), o| {
            (
                mine + usize::from(o.owner.eq_ignore_ascii_case(owner)),
                all + 1,
            )
        });
        if mine >= MAX_OWNED_PER_NAME {
            return Some(Said::TooManyOwned { per_name: true });
        }
        (all >= self.rooms.max_rooms() / 2).then_some(Said::TooManyOwned { per_name: false })
    }

    /// Asks the worker whether `name` is registered.
    fn check(&mut self, member: MemberId, room: Box<str>, name: Box<str>, purpose: Purpose) {
        let job = RoomJob::Check {
            member,
            room,
            name,
            purpose,
        };
        self.out.deliveries.push(Delivery::OwnedRooms(job));
    }

    /// `/room drop`: the owner, or a server operator, releases the room.
    fn room_drop(&mut self, by: Caller, room: RoomId, now: &Now) {
        let Some((room, name, owned)) = self.owned_room(room) else {
            return;
        };
        let Some(owned) = owned else {
            return self.tell_owned(by, now, Said::NotOwned { room: name });
        };
        let Some(user) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        if !owned.owner.eq_ignore_ascii_case(&user) && !self.is_operator(by.member) {
            return self.tell_owned(by, now, Said::NotOwner { room: name });
        }
        log::info!("{user} dropped {name} (owned by {})", owned.owner);
        let changes = vec![ModeChange::Owner(None)];
        self.apply(mode_event(room, by.member, user, changes), now);
        let job = RoomJob::Drop(name);
        self.out.deliveries.push(Delivery::OwnedRooms(job));
        self.rooms.remove_if_unused(room);
    }

    /// `/room info`: who owns the caller's room.
    fn room_info(&mut self, by: Caller, room: RoomId, now: &Now) {
        if let Some((_, room, owned)) = self.owned_room(room) {
            self.tell_owned(by, now, Said::Info { room, owned });
        }
    }

    /// `/room` in an owned room: who owns it, after its settings.
    pub(super) fn room_owner(&mut self, by: Caller, now: &Now) {
        let here = self.seats.room(&by.member);
        if let Some((_, room, owned @ Some(_))) = here.and_then(|r| self.owned_room(r)) {
            self.tell_owned(by, now, Said::Info { room, owned });
        }
    }

    /// Whether the caller's name owns an owned room or is kept as one's
    /// operator: then it may not be unregistered (told why), or a guest
    /// who took the name after would hold the room.
    pub(super) fn keeps_caller(&mut self, by: Caller, now: &Now) -> bool {
        let Some(name) = self.name_of(by.member) else {
            return false;
        };
        let kept = self.rooms.iter().find_map(|r| {
            let owned = r.owned.as_deref()?;
            let owner = owned.owner.eq_ignore_ascii_case(name);
            owned.ranks(name).then(|| (r.name.clone(), owner))
        });
        let Some((room, owner)) = kept else {
            return false;
        };
        self.tell_owned(by, now, Said::StillKept { room, owner });
        true
    }

    /// Whether what `by` does in `room` would hit its owner (`hits` says,
    /// given the owner's name) and `by` is neither the owner nor a server
    /// operator: then it is refused, told why.
    pub(super) fn spares_owner(
        &mut self,
        by: Caller,
        room: RoomId,
        hits: impl Fn(&str) -> bool,
        now: &Now,
    ) -> bool {
        let Some(r) = self.rooms.get(room) else {
            return false;
        };
        let Some(owner) = r.owned.as_deref().map(|o| o.owner.clone()) else {
            return false;
        };
        let is_owner = self
            .name_of(by.member)
            .is_some_and(|n| n.eq_ignore_ascii_case(&owner));
        if !hits(&owner) || is_owner || self.is_operator(by.member) {
            return false;
        }
        let room = r.name.clone();
        self.tell_owned(by, now, Said::OwnerSpared { owner, room });
        true
    }

    /// Whether naming `name` an operator of `room` must wait for the name
    /// to be vetted (an owned room's operators are registered names): if
    /// so, the worker is asked, and its answer names them.
    pub(super) fn vetting(&mut self, by: Caller, room: RoomId, name: &str, rank: Rank) -> bool {
        let Some(r) = self.rooms.get(room) else {
            return false;
        };
        let Some(owned) = r.owned.as_deref() else {
            return false;
        };
        if rank != Rank::OPERATOR || owned.ranks(name) {
            return false;
        }
        let room = r.name.clone();
        self.check(by.member, room, name.into(), Purpose::Operator);
        true
    }

    /// The worker's answer about owned rooms.
    pub(super) fn rooms_done(&mut self, done: RoomsDone, now: &Now) {
        match done {
            RoomsDone::Loaded(Some(rooms)) => rooms.into_iter().for_each(|r| self.load(r)),
            // The worker said why (and the link's coming up reads again).
            RoomsDone::Loaded(None) => {}
            RoomsDone::Checked {
                member,
                room,
                name,
                purpose,
                registered,
            } => self.checked(member, &room, name, purpose, registered, now),
        }
    }

    /// A name vetted for `member`: the room is registered to it, or it is
    /// named an operator, if `member` may still do that.
    fn checked(
        &mut self,
        member: MemberId,
        room: &str,
        name: Box<str>,
        purpose: Purpose,
        registered: Option<bool>,
        now: &Now,
    ) {
        let Some(local) = self.seats.local(&member) else {
            return;
        };
        let by = Caller { local, member };
        let Some(id) = self
            .rooms
            .find(room)
            .filter(|&id| self.seats.in_room(&member, id))
        else {
            // They left the room while the name was checked.
            return self.reply_to(local, now, Reply::NotInRoom { room: room.into() });
        };
        let owned = (self.rooms.get(id)).and_then(|r| r.owned.as_deref().cloned());
        let said = match (registered, purpose) {
            (None, _) => Said::Unavailable,
            (Some(false), Purpose::Owner) => Said::NotRegistered { name },
            (Some(false), Purpose::Operator) => Said::OperatorNotRegistered {
                name,
                room: room.into(),
            },
            _ if !self.is_room_operator(id, member) => {
                let refused = Answer::NotOperator { room: room.into() };
                return self.reply_to(local, now, Reply::Moderation(refused));
            }
            (Some(true), Purpose::Owner) => match owned {
                Some(owned) => Said::AlreadyOwned {
                    room: room.into(),
                    owner: owned.owner,
                },
                None => match self.owned_full(&name) {
                    Some(full) => full,
                    None => return self.register_to(by, id, &name, now),
                },
            },
            (Some(true), Purpose::Operator) => match owned {
                Some(owned) if owned.operators.len() >= MAX_OPERATORS => {
                    Said::TooManyOperators { room: room.into() }
                }
                _ => return self.name_vetted(by, id, &name, now),
            },
        };
        self.tell_owned(by, now, said);
    }

    /// The room becomes `owner`'s (a vetted name): every node hears it.
    fn register_to(&mut self, by: Caller, room: RoomId, owner: &str, now: &Now) {
        let Some(user) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        let owner: Box<str> = owner.to_ascii_lowercase().into();
        log::info!(
            "{user} registered {}",
            self.rooms.get(room).map_or("?", |r| &r.name)
        );
        let changes = vec![ModeChange::Owner(Some(owner))];
        self.apply(mode_event(room, by.member, user, changes), now);
    }

    /// Names `name` (vetted) an operator of `room`, if it is still there.
    fn name_vetted(&mut self, by: Caller, room: RoomId, name: &str, now: &Now) {
        let Some(r) = self.rooms.get(room) else {
            return;
        };
        let Some(target) = r.members.find(name) else {
            let refused = Answer::NotInThatRoom {
                name: name.into(),
                room: r.name.clone(),
            };
            return self.reply_to(by.local, now, Reply::Moderation(refused));
        };
        let Some(shown) = r.members.shared_name(target) else {
            return;
        };
        let Some(user) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        let change = ModeChange::Rank {
            member: target,
            name: (*shown).into(),
            rank: Rank::OPERATOR,
            on: true,
        };
        self.apply(mode_event(room, by.member, user, vec![change]), now);
    }
}

/// A mode event of `member`'s in `room`.
fn mode_event(
    room: RoomId,
    member: MemberId,
    name: Box<str>,
    changes: Vec<ModeChange>,
) -> RoomEvent {
    RoomEvent::Mode {
        room,
        member,
        name,
        changes,
    }
}
