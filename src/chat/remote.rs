//! Room events from other nodes: checked against what this node knows,
//! then applied like local ones but not recorded, so the reactor does not
//! publish them again. Remote members join rooms with no local connection:
//! `/who`, the welcome list, `/rooms` counts and name checks see them.

use super::{Chat, MemberId, NO_ROOM, Now, RoomEvent, RoomId, RoomNames, naming, valid_real_name};

impl Chat {
    /// [`Chat::apply_remote`] for an event whose rooms are given by name
    /// in `rooms` (its own `RoomId`s mean nothing here): each is resolved
    /// with [`Chat::room_named`] first. False, changing nothing, if a name
    /// does not resolve or the event does not fit.
    pub(super) fn apply_named(
        &mut self,
        mut event: RoomEvent,
        rooms: &RoomNames,
        now: &Now,
    ) -> bool {
        let resolved = match &mut event {
            RoomEvent::Moved { from, to, .. } => {
                let (a, b) = (self.room_named(&rooms.room), self.room_named(&rooms.to));
                if let (Some(a), Some(b)) = (a, b) {
                    (*from, *to) = (a, b);
                    true
                } else {
                    for room in [a, b].into_iter().flatten() {
                        self.rooms.remove_if_unused(room);
                    }
                    false
                }
            }
            RoomEvent::Joined { room, .. }
            | RoomEvent::Said { room, .. }
            | RoomEvent::Topic { room, .. }
            | RoomEvent::Parted { room, .. }
            | RoomEvent::Mode { room, .. }
            | RoomEvent::Kicked { room, .. } => match self.room_named(&rooms.room) {
                Some(id) => {
                    *room = id;
                    true
                }
                None => false,
            },
            // About the member, wherever it is: its first room is only
            // named (none opened for it).
            RoomEvent::Renamed { room, .. } | RoomEvent::Left { room, .. } => {
                *room = self.rooms.find(&rooms.room).unwrap_or(NO_ROOM);
                true
            }
            RoomEvent::Private { .. }
            | RoomEvent::Unread { .. }
            | RoomEvent::Away { .. }
            | RoomEvent::RealName { .. }
            | RoomEvent::Admin { .. }
            | RoomEvent::Online { .. }
            | RoomEvent::Invited { .. } => true,
        };
        resolved && self.apply_remote(event, now)
    }

    /// The room called `name` (canonical form, as another node sent it),
    /// made if it does not exist; `None` if the name is not a valid room
    /// name or `--max-rooms` rooms exist.
    pub(super) fn room_named(&mut self, name: &str) -> Option<RoomId> {
        if naming::room_name(name).ok()? != name {
            return None;
        }
        self.rooms.open(name).ok()
    }

    /// Applies an event from another node exactly as [`Chat::apply`] does,
    /// without recording it in the output's events. Returns false, changing
    /// nothing, when it does not fit what this node knows: a member it has
    /// not seen join (or a local one), a room or name that does not match,
    /// a name that is invalid or taken here, a private message for someone
    /// not on this node.
    pub(super) fn apply_remote(&mut self, event: RoomEvent, now: &Now) -> bool {
        if !self.fits(&event) {
            // A room opened only for this event goes again.
            let rooms = match event {
                RoomEvent::Moved { from, to, .. } => [Some(from), Some(to)],
                RoomEvent::Joined { room, .. }
                | RoomEvent::Said { room, .. }
                | RoomEvent::Topic { room, .. }
                | RoomEvent::Parted { room, .. }
                | RoomEvent::Mode { room, .. }
                | RoomEvent::Kicked { room, .. } => [Some(room), None],
                RoomEvent::Invited { .. }
                | RoomEvent::Renamed { .. }
                | RoomEvent::Left { .. }
                | RoomEvent::Private { .. }
                | RoomEvent::Unread { .. }
                | RoomEvent::Away { .. }
                | RoomEvent::RealName { .. }
                | RoomEvent::Admin { .. }
                | RoomEvent::Online { .. } => [None, None],
            };
            for room in rooms.into_iter().flatten() {
                self.rooms.remove_if_unused(room);
            }
            return false;
        }
        self.effects(&event, now)
    }

    /// Whether a remote `event` is consistent with this node's state.
    fn fits(&self, event: &RoomEvent) -> bool {
        let remote = |member: &MemberId| !self.seats.is_local(member);
        // A remote member is in `room` under `name`.
        let is_in = |member, room: &RoomId, name: Option<&str>| {
            remote(&member)
                && self.seats.in_room(&member, *room)
                && name.is_none_or(|name| self.name_of(member) == Some(name))
        };
        let known_as = |member, name: &str| remote(&member) && self.name_of(member) == Some(name);
        let free = |name: &str, member| {
            naming::valid_name(name).is_ok() && self.find(name).is_none_or(|id| id == member)
        };
        match event {
            RoomEvent::Joined {
                room, member, name, ..
            } => {
                remote(member)
                    && !self.seats.in_room(member, *room)
                    && self.name_of(*member).is_none_or(|known| known == &**name)
                    && free(name, *member)
            }
            RoomEvent::Moved {
                from, member, name, ..
            } => is_in(*member, from, Some(name)),
            RoomEvent::Topic { room, member, .. } => is_in(*member, room, None),
            // A line from outside a room that takes them (`-n` here too).
            RoomEvent::Said { room, member, turn } => {
                is_in(*member, room, None)
                    || (remote(member)
                        && self.name_of(*member).is_some()
                        && self.may_speak(*room, *member, turn.at))
            }
            // The sender's node checked the operator; the member must be
            // known, and a kick's target in the room.
            RoomEvent::Mode { member, .. } => remote(member) && self.name_of(*member).is_some(),
            RoomEvent::Kicked {
                room,
                member,
                target,
                ..
            } => remote(member) && self.seats.in_room(target, *room),
            RoomEvent::Invited { member, target, .. } => {
                remote(member) && self.seats.is_local(target)
            }
            RoomEvent::Parted {
                room, member, name, ..
            } => is_in(*member, room, Some(name)),
            RoomEvent::Renamed {
                member, old, new, ..
            } => known_as(*member, old) && free(new, *member),
            RoomEvent::Left { member, name, .. } => known_as(*member, name),
            RoomEvent::Away { member, .. } => remote(member) && self.name_of(*member).is_some(),
            RoomEvent::RealName { member, text } => {
                remote(member) && self.name_of(*member).is_some() && valid_real_name(text)
            }
            RoomEvent::Online { member, name } => {
                remote(member) && self.name_of(*member).is_none() && free(name, *member)
            }
            RoomEvent::Private { from, to, .. } => remote(from) && self.seats.is_local(to),
            RoomEvent::Unread { reader, sender } => remote(reader) && self.seats.is_local(sender),
            // Its node checked that it came from an operator.
            RoomEvent::Admin { member, .. } => remote(member),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Harness;
    use super::super::{LineKind, MemberId, RoomEvent, Turn};
    use std::sync::Arc;

    #[test]
    fn remote_events_are_applied_unrecorded_and_checked() {
        let mut h = Harness::plain();
        h.login(1, "alice");
        let lobby = h.chat.room_named("#lobby").unwrap();
        let bob = MemberId(7 << 48 | 1);
        let joined = RoomEvent::Joined {
            room: lobby,
            member: bob,
            name: "bob".into(),
            back: false,
        };
        assert!(h.chat.apply_remote(joined.clone(), &h.now));
        let out = h.take();
        assert_eq!(out.text(1), "*** bob has joined\r\n");
        assert!(out.events.is_empty(), "a remote event is not recorded");
        assert!(!h.chat.apply_remote(joined, &h.now), "joins once");
        let said = |member| {
            let mut turn = Turn::new("bob", h.now.wall);
            turn.push(LineKind::Say, "hi");
            let turn = Arc::new(turn);
            RoomEvent::Said {
                room: lobby,
                member,
                turn,
            }
        };
        assert!(!h.chat.apply_remote(said(MemberId(99)), &h.now), "unknown");
        assert!(h.chat.apply_remote(said(bob), &h.now));
        assert_eq!(h.take().text(1), "bob: hi\r\n");
        assert_eq!(h.chat.room_named("#Bad name"), None);
        let x = h.chat.room_named("#x").unwrap();
        let moved_wrongly = RoomEvent::Moved {
            from: x,
            to: lobby,
            member: bob,
            name: "bob".into(),
        };
        assert!(!h.chat.apply_remote(moved_wrongly, &h.now));
        assert_eq!(h.chat.rooms(), 1, "a room opened for a refused event goes");

        // A /msg to a remote user is echoed here and recorded to publish.
        let out = h.line(1, "/msg bob psst");
        assert_eq!(out.text(1), "[pm -> bob] psst\r\n");
        assert!(matches!(&out.events[..], [RoomEvent::Private { to, .. }] if *to == bob));
        let private = RoomEvent::Private {
            tags: Default::default(),
            from: bob,
            to: MemberId(101),
            name: "bob".into(),
            kind: LineKind::Say,
            text: "yo".into(),
            at: h.now.wall,
        };
        assert!(h.chat.apply_remote(private, &h.now));
        assert_eq!(h.take().text(1), "[pm] bob: yo\r\n");
        // bob's node refused alice's message: alice is told.
        let unread = RoomEvent::Unread {
            reader: bob,
            sender: MemberId(101),
        };
        assert!(h.chat.apply_remote(unread.clone(), &h.now));
        assert_eq!(
            h.take().text(1),
            "*** bob is not reading fast enough; message not sent\r\n"
        );
        let misaddressed = RoomEvent::Unread {
            reader: MemberId(101),
            sender: bob,
        };
        assert!(!h.chat.apply_remote(misaddressed, &h.now));
    }
}
