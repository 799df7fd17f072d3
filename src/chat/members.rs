//! A member across its rooms. A telnet user is in one room; a client of
//! requests (IRC) may be in several, or none. What is about the member
//! rather than one room (a new name, a quit) reaches every room it is in,
//! and each reader is told once however many of those rooms they share
//! with it (IRC shows one `NICK` or `QUIT` line). A member in one room is
//! told exactly as before: one room delivery.

use super::name::{Name, key};
use super::{Chat, Delivery, Local, MemberId, Message, Notice, Now, RoomId};
use std::collections::hash_map::Entry;

impl Chat {
    /// Who does not get `member`'s own room lines: its connection, unless
    /// it asked to see them (IRC's `echo-message`, see
    /// [`Input::Echo`](super::Input::Echo)).
    pub(super) fn echo_except(&self, member: MemberId) -> Option<Local> {
        let local = self.seats.local(&member)?;
        let echo = self.client(local).is_some_and(|c| c.echo);
        (!echo).then_some(local)
    }

    /// `member` holds `name` in the server-wide table; returns the name the
    /// table shares (the one already there, or `name` as typed). One
    /// lookup: a login hashes its name (SipHash: clients choose names)
    /// once here, not once to find it and again to insert it. A name new
    /// to the table came online: its watchers are told.
    pub(super) fn hold_name(&mut self, name: &str, member: MemberId, now: &Now) -> Name {
        match self.names.entry(Name::from(name)) {
            Entry::Occupied(mut held) => {
                held.insert(member);
                held.key().clone()
            }
            Entry::Vacant(free) => {
                let held = free.insert_entry(member).key().clone();
                self.note_peaks();
                self.came_online(&held, now);
                held
            }
        }
    }

    /// `member` is called `new` now, in every room it is in (and in none).
    pub(super) fn rename_everywhere(&mut self, member: MemberId, old: &str, new: &str, now: &Now) {
        let new_name = Name::from(new);
        self.names.remove(key(&old));
        self.names.insert(new_name.clone(), member);
        if !old.eq_ignore_ascii_case(new) {
            // A change of case only is no news to watchers.
            self.went_offline(old, now);
            self.came_online(new, now);
        }
        if let Some(name) = self.roomless.get_mut(&member) {
            *name = new_name.clone();
        }
        let rooms: Vec<RoomId> = self.seats.rooms(&member).collect();
        for &room in &rooms {
            if let Some(r) = self.rooms.get_mut(room) {
                r.members.rename(member, new_name.clone());
            }
        }
        let told = Notice::Renamed {
            old: old.into(),
            new: new.into(),
        };
        let except = self.seats.local(&member);
        self.tell_rooms(&rooms, except, told.into(), now);
    }

    /// `member`, called `name`, is gone from every room it was in. Each
    /// room above `--quiet-joins` counts it in its digest instead.
    pub(super) fn leave_everywhere(
        &mut self,
        member: MemberId,
        name: &str,
        reason: Option<&str>,
        now: &Now,
    ) {
        let left = || Notice::Left {
            name: name.into(),
            to: None,
            reason: reason.map(Into::into),
        };
        // In one room (every telnet user): no list of rooms to make.
        if self.seats.room_count(&member) == 1
            && let Some(room) = self.seats.room(&member)
        {
            return self.depart_told(room, member, left(), false, now);
        }
        let rooms: Vec<RoomId> = self.seats.rooms(&member).collect();
        for room in rooms {
            self.seats.remove_room(&member, room);
            let quiet_joins = self.quiet_joins;
            let Some(r) = self.rooms.get_mut(room) else {
                continue;
            };
            if quiet_joins > 0 && r.members.len() > quiet_joins {
                r.members.leave(member);
                r.digest.left += 1;
                self.start_digest(room, now);
            } else {
                r.members.leave(member);
                // Gathered now: the room may go below.
                self.gathered.extend_from_slice(r.members.locals());
            }
            self.rooms.remove_if_unused(room);
        }
        self.tell_gathered(None, left().into(), now);
    }

    /// `member` is away with `text`, or back: its rooms' readers are told
    /// once each (IRC's `away-notify`; telnet shows nothing of it).
    pub(super) fn away_changed(&mut self, member: MemberId, text: Option<Box<str>>, now: &Now) {
        match &text {
            Some(text) => drop(self.away.insert(member, text.clone())),
            None => drop(self.away.remove(&member)),
        }
        let Some(name) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        let rooms: Vec<RoomId> = self.seats.rooms(&member).collect();
        let except = self.seats.local(&member);
        self.watched_away(member, &name, text.as_deref(), now);
        let told = Notice::Away { name, text };
        self.tell_rooms(&rooms, except, told.into(), now);
    }

    /// `member`, called `name`, left `room` and stays online; false if it
    /// was not in it.
    pub(super) fn part(
        &mut self,
        room: RoomId,
        member: MemberId,
        name: &str,
        reason: Option<Box<str>>,
        now: &Now,
    ) -> bool {
        if !self.seats.in_room(&member, room) {
            return false;
        }
        let shared = self.shared_name(name);
        let told = Notice::Parted {
            name: name.into(),
            reason,
        };
        self.depart_told(room, member, told, false, now);
        if self.seats.room_count(&member) == 0 {
            self.roomless.insert(member, shared);
        }
        true
    }

    /// Tells `message` to the local readers of `rooms` but `except`, each
    /// once: one room delivery for one room, else one delivery to the
    /// readers gathered from all of them.
    pub(super) fn tell_rooms(
        &mut self,
        rooms: &[RoomId],
        except: Option<Local>,
        message: Message,
        now: &Now,
    ) {
        if let [room] = rooms[..] {
            return self.broadcast(room, except, message, 1, now);
        }
        for &room in rooms {
            let readers = self.rooms.get(room).map_or(&[][..], |r| r.members.locals());
            self.gathered.extend_from_slice(readers);
        }
        self.tell_gathered(except, message, now);
    }

    /// Tells `message` to the readers gathered so far but `except`, each
    /// once, and empties the gathering.
    fn tell_gathered(&mut self, except: Option<Local>, message: Message, now: &Now) {
        let mut to = std::mem::take(&mut self.gathered);
        to.sort_unstable();
        to.dedup();
        to.retain(|&local| Some(local) != except);
        if !to.is_empty() {
            let at = now.wall;
            self.out
                .deliveries
                .push(Delivery::Members { to, message, at });
        }
    }
}
