//! Applying a room event: the rooms change, and what local members see is
//! delivered once per room, as a [`Message`] each dialect renders once.
//! Local events and events from other nodes take the same path. Above `--quiet-joins`, joins and leaves are counted
//! into the room's digest instead of being told one by one; so are the
//! moves of a user hopping from room to room (see `throttle.rs`).

use super::name::{Name, key};
use super::rooms::Digest;
use super::throttle::Moves;
use super::{Chat, Delivery, MemberId, Message, Notice, Now, RoomEvent, RoomId, RoomNames, Turn};
use std::sync::Arc;
use std::time::SystemTime;

impl Chat {
    /// Applies a room event: updates the rooms, renders what local members
    /// see, and records the event in the output.
    pub fn apply(&mut self, event: RoomEvent, now: &Now) {
        // Named before the change: a room left by its last member is gone
        // after. A node alone looks only chat lines up by their room's name
        // (the memory engine's history rings); among others, every event
        // is published by its rooms' names. So alone the rest carry empty
        // names, as private messages do, and a login copies no room name.
        let named = self.shared || matches!(event, RoomEvent::Said { .. });
        let names = Some(if named {
            self.room_names(&event)
        } else {
            RoomNames::default()
        });
        if self.effects(&event, now) {
            self.keep_owned(&event);
            self.record(event, names);
        }
    }

    /// Records an applied event in the output, with its rooms' names, for
    /// the engine.
    pub(super) fn record(&mut self, event: RoomEvent, names: Option<RoomNames>) {
        self.out.events.push(event);
        if let Some(names) = names {
            self.out.rooms.push(names);
        }
    }

    /// The names of the rooms `event` names, as they are now.
    pub(super) fn room_names(&self, event: &RoomEvent) -> RoomNames {
        let name = |id: &RoomId| self.rooms.get(*id).map(|r| r.name.clone());
        let (room, to) = match event {
            RoomEvent::Joined { room, .. }
            | RoomEvent::Said { room, .. }
            | RoomEvent::Topic { room, .. }
            | RoomEvent::Renamed { room, .. }
            | RoomEvent::Parted { room, .. }
            | RoomEvent::Left { room, .. } => (name(room), None),
            RoomEvent::Moved { from, to, .. } => (name(from), name(to)),
            RoomEvent::Mode { room, .. } | RoomEvent::Kicked { room, .. } => (name(room), None),
            RoomEvent::Invited { room, .. } => (Some(room.clone()), None),
            RoomEvent::Private { .. }
            | RoomEvent::Unread { .. }
            | RoomEvent::Away { .. }
            | RoomEvent::RealName { .. }
            | RoomEvent::Admin { .. }
            | RoomEvent::Online { .. } => (None, None),
        };
        RoomNames {
            room: room.unwrap_or_default(),
            to: to.unwrap_or_default(),
        }
    }

    /// What applying `event` does to the rooms and local members; false if
    /// its room does not exist (then nothing happened).
    pub(super) fn effects(&mut self, event: &RoomEvent, now: &Now) -> bool {
        match event {
            RoomEvent::Joined {
                room,
                member,
                name,
                back,
            } => {
                let name = self.hold_name(name, *member, now);
                self.roomless.remove(member);
                let hop = (false, *back);
                self.enter(*room, *member, name.clone(), now.instant, hop, now);
                if let Some(text) = self.away.get(member) {
                    // away-notify: the room learns the newcomer is away.
                    let (name, text) = ((*name).into(), Some(text.clone()));
                    let except = self.seats.local(member);
                    let told = Notice::Away { name, text };
                    self.broadcast(*room, except, told.into(), 1, now);
                }
            }
            RoomEvent::Moved {
                from,
                to,
                member,
                name,
            } => self.move_member(*from, *to, *member, name, now),
            RoomEvent::Said { room, member, turn } => return self.said(*room, *member, turn, now),
            RoomEvent::Renamed {
                member, old, new, ..
            } => self.rename_everywhere(*member, old, new, now),
            RoomEvent::Topic {
                room,
                member,
                topic,
            } => {
                let by: Box<str> = self.name_of(*member).unwrap_or("someone").into();
                let Some(r) = self.rooms.get_mut(*room) else {
                    return false;
                };
                r.topic = topic.clone();
                r.topic_set = topic.as_ref().map(|_| (by.clone(), now.wall));
                let topic = topic.clone();
                self.broadcast(*room, None, Notice::TopicSet { by, topic }.into(), 1, now);
            }
            RoomEvent::Left {
                member,
                name,
                reason,
                ..
            } => {
                if self.names.remove(key(&&**name)).is_some() {
                    self.went_offline(name, now);
                }
                self.moved.remove(member);
                self.roomless.remove(member);
                self.away.remove(member);
                self.invites.remove(member);
                self.modes.remove(member);
                self.operator_gone(*member);
                self.leave_everywhere(*member, name, reason.as_deref(), now);
            }
            RoomEvent::Parted {
                room,
                member,
                name,
                reason,
            } => return self.part(*room, *member, name, reason.clone(), now),
            RoomEvent::Away { member, text } => self.away_changed(*member, text.clone(), now),
            RoomEvent::RealName { member, text } => self.real_name_changed(*member, text, now),
            RoomEvent::Admin {
                member,
                name,
                action,
            } => self.admin_effects(*member, name, action, now),
            RoomEvent::Mode {
                room,
                name,
                changes,
                ..
            } => return self.modes_changed(*room, name, changes, now),
            RoomEvent::Kicked {
                room,
                member,
                name,
                target,
                target_name,
                reason,
            } => {
                let (by, whom) = ((*member, &**name), (*target, &**target_name));
                return self.kicked(*room, by, whom, reason.as_deref(), now);
            }
            RoomEvent::Invited {
                room, name, target, ..
            } => self.invited(room, name, *target, now),
            RoomEvent::Online { member, name } => {
                let shared = self.hold_name(name, *member, now);
                self.roomless.insert(*member, shared);
            }
            RoomEvent::Private {
                from,
                to,
                name,
                kind,
                text,
                tags,
                at,
            } => self.deliver_private((*from, *to), name, (*kind, text), tags, *at, now),
            RoomEvent::Unread { reader, sender } => {
                let Some(local) = self.seats.local(sender) else {
                    return false;
                };
                let name = self.name_of(*reader).map(Into::into);
                self.tell(local, now, Notice::NotReading { name });
            }
        }
        true
    }

    /// `member` said `turn` in `room`: its members hear it (the sender too
    /// with echo on); false if the room does not exist. The engine keeps
    /// the history (the memory engine's ring, or the room's stream in
    /// Redis), from the published event.
    fn said(&mut self, room: RoomId, member: MemberId, turn: &Arc<Turn>, now: &Now) -> bool {
        let Some(r) = self.rooms.get_mut(room) else {
            return false;
        };
        r.members.touch(member, now.instant);
        r.said.last_turn = r.said.last_turn.max(turn.id);
        r.said.lines += turn.lines().filter(|(kind, _)| !kind.irc_only()).count() as u64;
        let except = self.echo_except(member);
        let lines = turn.len() as u64;
        self.broadcast(room, except, Message::Said(turn.clone()), lines, now);
        true
    }

    /// `member` goes from one room to another: the old room hears where,
    /// the new one hears of them (or counts them in its digest when they
    /// are hopping from room to room).
    fn move_member(&mut self, from: RoomId, to: RoomId, member: MemberId, name: &str, now: &Now) {
        let last = self
            .room_of(member)
            .and_then(|r| r.members.last_active(member));
        let to_name = self.rooms.get(to).map(|r| r.name.clone());
        let mut moves = self.moved.get(&member).copied();
        let hopping = Moves::hopping(&mut moves, now.instant);
        self.moved.extend(moves.map(|m| (member, m)));
        self.depart(from, member, name, to_name.as_deref(), hopping, now);
        let last = last.unwrap_or(now.instant);
        // The name the server-wide table holds, not a new copy.
        let name = self.shared_name(name);
        self.enter(to, member, name, last, (hopping, false), now);
        self.resume_moved(member, now);
    }

    /// A private message: the sender counts as active, and the recipient,
    /// if local, gets it (through the reactor, which may refuse it for a
    /// recipient who is not reading).
    fn deliver_private(
        &mut self,
        (from, to): (MemberId, MemberId),
        name: &str,
        (kind, text): (super::LineKind, &str),
        tags: &super::PrivateTags,
        at: SystemTime,
        now: &Now,
    ) {
        if let Some(room) = self.seats.room(&from)
            && let Some(r) = self.rooms.get_mut(room)
        {
            r.members.touch(from, now.instant);
        }
        if let Some(local) = self.seats.local(&to)
            && !self.ignores_name(local, name)
        {
            self.out.deliveries.push(Delivery::RemotePrivate {
                to: local,
                line: Message::Private {
                    from: name.into(),
                    kind,
                    text: text.into(),
                    tags: tags.clone(),
                },
                from,
                at,
            });
        }
    }

    /// `member` comes into `room`; the room hears of it (`back`: as a
    /// session resumed), or counts it in the digest (a big room, or a
    /// member `hopping` from room to room).
    fn enter(
        &mut self,
        room: RoomId,
        member: MemberId,
        name: Name,
        last: std::time::Instant,
        (hopping, back): (bool, bool),
        now: &Now,
    ) {
        let local = self.seats.local(&member);
        let quiet_joins = self.quiet_joins;
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        r.members.join(member, name.clone(), local, last);
        self.seats.add_room(member, room);
        self.owned_rank(room, member, &name);
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        if hopping || (quiet_joins > 0 && r.members.len() > quiet_joins) {
            r.digest.joined += 1;
            self.start_digest(room, now);
        } else {
            let name = (*name).into();
            let joined = match back {
                true => Notice::Back { name },
                false => Notice::Joined { name },
            };
            self.broadcast(room, local, joined.into(), 1, now);
        }
    }

    /// `member` goes out of `room`, to the room called `to` if it moves;
    /// the room hears of it (or counts it, as [`enter`](Self::enter) does),
    /// and goes if nothing keeps it.
    fn depart(
        &mut self,
        room: RoomId,
        member: MemberId,
        name: &str,
        to: Option<&str>,
        hopping: bool,
        now: &Now,
    ) {
        let left = Notice::Left {
            name: name.into(),
            to: to.map(Into::into),
            reason: None,
        };
        self.depart_told(room, member, left, hopping, now);
    }

    /// [`depart`](Self::depart), telling the room `told`.
    pub(super) fn depart_told(
        &mut self,
        room: RoomId,
        member: MemberId,
        told: Notice,
        hopping: bool,
        now: &Now,
    ) {
        self.seats.remove_room(&member, room);
        let quiet_joins = self.quiet_joins;
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        let quiet = hopping || (quiet_joins > 0 && r.members.len() > quiet_joins);
        r.members.leave(member);
        if quiet {
            r.digest.left += 1;
            self.start_digest(room, now);
        } else {
            self.broadcast(room, None, told.into(), 1, now);
        }
        self.rooms.remove_if_unused(room);
    }

    /// Digests whose interval is over are told to their rooms.
    pub(super) fn digest_due(&mut self, now: &Now) {
        let secs = self.digest_interval.as_secs();
        let mut told = Vec::new();
        let mut next = None;
        for (id, r) in self.rooms.iter_mut() {
            match r.digest.due {
                Some(due) if due <= now.instant => {
                    told.push((id, std::mem::take(&mut r.digest)));
                }
                Some(due) => next = Some(next.map_or(due, |n: std::time::Instant| n.min(due))),
                None => {}
            }
        }
        if let Some(next) = next {
            self.out.deliveries.push(Delivery::WakeAt(next));
        }
        if told.is_empty() {
            return;
        }
        self.end_turn(now);
        for (room, Digest { joined, left, .. }) in told {
            let digest = Notice::Digest { joined, left, secs };
            self.broadcast(room, None, digest.into(), 1, now);
        }
    }

    /// Starts `room`'s digest interval unless it is running.
    pub(super) fn start_digest(&mut self, room: RoomId, now: &Now) {
        let interval = self.digest_interval;
        if let Some(r) = self.rooms.get_mut(room)
            && r.digest.due.is_none()
        {
            let due = now.instant + interval;
            r.digest.due = Some(due);
            self.out.deliveries.push(Delivery::WakeAt(due));
        }
    }
}
