//! Kicks and invites: an operator puts a member out of a room (`KICK`,
//! `/kick`), and a member invites a user in (`INVITE`, `/invite`), which
//! lets them past an invite-only room's door (and a ban's).

use super::Answer;
use crate::chat::commands::Caller;
use crate::chat::modes::Flag;
use crate::chat::{Chat, Farewell, MemberId, Notice, Now, Protocol, Reply, RoomEvent, RoomId};

/// Rooms a user may be invited to at once; the oldest invite goes first.
const MAX_INVITES: usize = 20;

impl Chat {
    /// `by` puts the member called `target` out of `room`; a server
    /// operator only another server operator may put out.
    pub(in crate::chat) fn kick(
        &mut self,
        by: Caller,
        room: &str,
        target: &str,
        reason: Option<&str>,
        now: &Now,
    ) {
        let Some(id) = self.room_in_use(by, room, now) else {
            return;
        };
        let room = self.name_of_room(id);
        if !self.seats.in_room(&by.member, id) {
            return self.reply_to(by.local, now, Reply::NotInRoom { room });
        }
        if !self.operator_or_told(by, id, now) {
            return;
        }
        let found = self.find(target).filter(|m| self.seats.in_room(m, id));
        let Some(kicked) = found else {
            let name = target.into();
            return self.answer(by, now, Answer::NotInThatRoom { name, room });
        };
        let (Some(_), Some(target_name)) = (self.name_of(by.member), self.name_of(kicked)) else {
            return;
        };
        if self.is_operator(kicked) && !self.is_operator(by.member) {
            let name = target_name.into();
            return self.answer(by, now, Answer::ServerOperator { name, room });
        }
        let target_name: Box<str> = target_name.into();
        if self.spares_owner(
            by,
            id,
            |owner| owner.eq_ignore_ascii_case(&target_name),
            now,
        ) {
            return;
        }
        let Some(name) = self.name_of(by.member) else {
            return;
        };
        let event = RoomEvent::Kicked {
            room: id,
            member: by.member,
            name: name.into(),
            target: kicked,
            target_name,
            reason: reason.filter(|r| !r.is_empty()).map(Into::into),
        };
        self.apply(event, now);
    }

    /// Applies a kick: the room hears it (the kicked member too), then the
    /// member is out. A telnet user, who is always in one room, goes to
    /// the default room, or is closed if kicked from it.
    pub(in crate::chat) fn kicked(
        &mut self,
        room: RoomId,
        (kicker, by): (MemberId, &str),
        (target, name): (MemberId, &str),
        reason: Option<&str>,
        now: &Now,
    ) -> bool {
        if !self.seats.in_room(&target, room) {
            return false;
        }
        let shared = self.shared_name(name);
        let told = Notice::Kicked {
            room: self
                .rooms
                .get(room)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            by: by.into(),
            name: name.into(),
            reason: reason.map(Into::into),
        };
        // The room's readers are found when the reactor delivers, by then
        // without the kicked member: a local one is told on their own.
        if let Some(local) = self.seats.local(&target) {
            self.tell(local, now, told.clone());
        }
        self.broadcast(room, None, told.into(), 1, now);
        self.seats.remove_room(&target, room);
        if let Some(r) = self.rooms.get_mut(room) {
            r.members.leave(target);
        }
        self.rooms.remove_if_unused(room);
        if self.seats.room_count(&target) == 0 {
            self.roomless.insert(target, shared);
        }
        if self.seats.is_local(&target) && !self.seats.is_local(&kicker) {
            // This node lists its own members in the shared store: a part
            // keeps that listing true (other nodes, where the kick is
            // applied already, find the member out and skip it).
            let parted = RoomEvent::Parted {
                room,
                member: target,
                name: name.into(),
                reason: None,
            };
            let names = self.shared.then(|| self.room_names(&parted));
            self.record(parted, names);
        }
        let local = self.seats.local(&target);
        let lines = local.and_then(|l| self.client(l)).map(|c| c.protocol) == Some(Protocol::Lines);
        if let Some(local) = local.filter(|_| lines) {
            self.send_home(local, target, room, now);
        }
        true
    }

    /// A telnet user kicked out of `from` enters the default room, or is
    /// closed if `from` was it.
    fn send_home(&mut self, local: usize, member: MemberId, from: RoomId, now: &Now) {
        let home = self.rooms.default_room();
        if from == home {
            return self.close_with(local, Farewell::Kicked);
        }
        let Some(name) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        let joined = RoomEvent::Joined {
            room: home,
            member,
            name,
            back: false,
        };
        // Applied after the kick, so other nodes hear the kick first.
        self.apply(joined, now);
        self.welcome(local, member, now);
    }

    /// `by` invites the user called `target` into `room`.
    pub(in crate::chat) fn invite(&mut self, by: Caller, target: &str, room: &str, now: &Now) {
        let Some(invited) = self.find(target) else {
            let name = target.into();
            return self.reply_to(by.local, now, Reply::NoSuchUser { name });
        };
        let Some(id) = self.room_in_use(by, room, now) else {
            return;
        };
        let room = self.name_of_room(id);
        if !self.seats.in_room(&by.member, id) {
            return self.reply_to(by.local, now, Reply::NotInRoom { room });
        }
        let invite_only =
            (self.rooms.get(id)).is_some_and(|r| r.members.modes.has(Flag::InviteOnly));
        if invite_only && !self.operator_or_told(by, id, now) {
            return;
        }
        let (Some(name), Some(shown)) = (self.name_of(by.member), self.name_of(invited)) else {
            return;
        };
        let shown: Box<str> = shown.into();
        if self.seats.in_room(&invited, id) {
            return self.answer(by, now, Answer::AlreadyInThatRoom { name: shown, room });
        }
        let event = RoomEvent::Invited {
            room: room.clone(),
            member: by.member,
            name: name.into(),
            target: invited,
        };
        self.apply(event, now);
        self.answer(by, now, Answer::Inviting { name: shown, room });
    }

    /// Applies an invite: a local invited user is told, and may enter.
    pub(in crate::chat) fn invited(&mut self, room: &str, by: &str, target: MemberId, now: &Now) {
        let Some(local) = self.seats.local(&target) else {
            return;
        };
        let rooms = self.invites.entry(target).or_default();
        if !rooms.iter().any(|r| **r == *room) {
            if rooms.len() >= MAX_INVITES {
                rooms.remove(0);
            }
            rooms.push(room.into());
        }
        let told = Notice::Invited {
            by: by.into(),
            room: room.into(),
        };
        self.tell(local, now, told);
    }

    /// `INVITE` alone: the rooms `by` is invited to.
    pub(in crate::chat) fn invites_of(&mut self, by: Caller, now: &Now) {
        let rooms = self.invites.get(&by.member).cloned().unwrap_or_default();
        self.answer(by, now, Answer::Invites(rooms));
    }

    /// `member` entered the room called `room`: its invite is used up.
    pub(in crate::chat) fn invite_used(&mut self, member: MemberId, room: &str) {
        if let Some(rooms) = self.invites.get_mut(&member) {
            rooms.retain(|r| **r != *room);
            if rooms.is_empty() {
                self.invites.remove(&member);
            }
        }
    }
}
