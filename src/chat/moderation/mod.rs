//! Who may change a room's rules and ranks, and the changes as room
//! events: settings and ranks (`MODE`, `/op`, `/room ...`), kicks and
//! invites (`kick.rs`), and the checks a room makes at its door and on
//! each line. The rules themselves are data in `modes.rs`.
//!
//! A room's maker is its first operator (IRC's custom), then operators
//! name others. A change is checked on the node of the user who asks, then
//! applied as a room event on every node, so every node holds the same
//! settings and ranks for the members it knows of.

mod kick;
mod reply;

pub use reply::Answer;

use super::commands::Caller;
use super::modes::{self, Barred, Flag, ModeChange, Rank, Visitor};
use super::{Chat, MemberId, ModeAsk, Now, Reply, RoomEvent, RoomId, naming};
use std::time::SystemTime;

impl Chat {
    /// Answers `by` with a moderation answer.
    fn answer(&mut self, by: Caller, now: &Now, answer: Answer) {
        self.reply_to(by.local, now, Reply::Moderation(answer));
    }

    /// The room called `given` (any case), if in use; else tells `by` there
    /// is no such room.
    fn room_in_use(&mut self, by: Caller, given: &str, now: &Now) -> Option<RoomId> {
        let found = naming::room_name(given)
            .ok()
            .and_then(|name| self.rooms.find(&name))
            .filter(|&room| self.rooms.in_use_id(room));
        if found.is_none() {
            let room = given.into();
            self.reply_to(by.local, now, Reply::NoSuchRoom { room });
        }
        found
    }

    /// `room`'s name, for answers.
    fn name_of_room(&self, room: RoomId) -> Box<str> {
        self.rooms
            .get(room)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    /// Whether `member` is an operator of `room`.
    pub(super) fn is_room_operator(&self, room: RoomId, member: MemberId) -> bool {
        let rank = self.rooms.get(room).map(|r| r.members.rank_of(member));
        rank.is_some_and(|rank| rank.has(Rank::OPERATOR))
    }

    /// Whether `by` is an operator of `room`; if not, tells them so.
    fn operator_or_told(&mut self, by: Caller, room: RoomId, now: &Now) -> bool {
        if self.is_room_operator(room, by.member) {
            return true;
        }
        let room = self.name_of_room(room);
        self.answer(by, now, Answer::NotOperator { room });
        false
    }

    /// `MODE #room`: its settings; the key only to its members.
    pub(super) fn modes_of(&mut self, by: Caller, room: &str, now: &Now) {
        let Some(id) = self.room_in_use(by, room, now) else {
            return;
        };
        let member = self.seats.in_room(&by.member, id);
        let Some(r) = self.rooms.get(id) else {
            return;
        };
        let mut modes = r.members.modes.clone();
        modes.bans.clear();
        if !member && modes.key.is_some() {
            modes.key = Some("*".into());
        }
        let room = r.name.clone();
        self.answer(by, now, Answer::Modes { room, modes });
    }

    /// `MODE #room +b`: its ban list.
    pub(super) fn bans_of(&mut self, by: Caller, room: &str, now: &Now) {
        let Some(id) = self.room_in_use(by, room, now) else {
            return;
        };
        let Some(r) = self.rooms.get(id) else {
            return;
        };
        let holding = r.members.modes.holding(now.wall).cloned();
        let (room, bans) = (r.name.clone(), holding.collect());
        self.answer(by, now, Answer::Bans { room, bans });
    }

    /// `by` changes `room`'s settings or ranks: each change is checked,
    /// the ones that change something are applied as one event, which the
    /// room (and every node) hears.
    pub(super) fn change_modes(&mut self, by: Caller, room: &str, asks: &[ModeAsk], now: &Now) {
        let Some(id) = self.room_in_use(by, room, now) else {
            return;
        };
        if !self.operator_or_told(by, id, now) {
            return;
        }
        let mut changes: Vec<ModeChange> = Vec::new();
        for ask in asks {
            let Some(change) = self.checked_change(by, id, *ask, now) else {
                continue;
            };
            let modes = self.rooms.get(id).map(|r| &r.members.modes);
            let new = !changes.contains(&change);
            if new && modes.is_some_and(|m| m.changes(&change)) {
                changes.push(change);
            }
        }
        let Some(name) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        if !changes.is_empty() {
            let member = by.member;
            let event = RoomEvent::Mode {
                room: id,
                member,
                name,
                changes,
            };
            self.apply(event, now);
        }
    }

    /// One change asked for, as it would apply; `None` (told why) if it
    /// cannot.
    fn checked_change(
        &mut self,
        by: Caller,
        room: RoomId,
        ask: ModeAsk,
        now: &Now,
    ) -> Option<ModeChange> {
        let name = self.name_of_room(room);
        let refused = match ask {
            ModeAsk::Flag { flag, on } => return Some(ModeChange::Flag { flag, on }),
            ModeAsk::Key(None) => return Some(ModeChange::Key(None)),
            ModeAsk::Key(Some(key)) if modes::valid_key(key) => {
                return Some(ModeChange::Key(Some(key.into())));
            }
            ModeAsk::Key(Some(_)) => Answer::InvalidKey { room: name },
            ModeAsk::Limit(None) => return Some(ModeChange::Limit(None)),
            ModeAsk::Limit(Some(given)) => match given.parse::<u32>() {
                Ok(limit) if limit > 0 => return Some(ModeChange::Limit(Some(limit))),
                _ => Answer::InvalidValue {
                    room: name,
                    letter: 'l',
                    given: given.into(),
                    must: "a number of members above 0",
                },
            },
            ModeAsk::Ban { mask, on, length } => {
                let until = length.map(|length| now.wall + length);
                return self.checked_ban(by, room, mask, (on, until), now);
            }
            ModeAsk::Rank {
                rank,
                on,
                name: who,
            } => {
                let Some(member) = self.find(who) else {
                    let name = who.into();
                    self.reply_to(by.local, now, Reply::NoSuchUser { name });
                    return None;
                };
                let r = self.rooms.get(room)?;
                match r.members.shared_name(member) {
                    Some(shown) if on && self.vetting(by, room, &shown, rank) => return None,
                    Some(shown)
                        if !on
                            && rank == Rank::OPERATOR
                            && self.spares_owner(
                                by,
                                room,
                                |o| o.eq_ignore_ascii_case(&shown),
                                now,
                            ) =>
                    {
                        return None;
                    }
                    Some(shown) => {
                        let name = (*shown).into();
                        return Some(ModeChange::Rank {
                            member,
                            name,
                            rank,
                            on,
                        });
                    }
                    None => Answer::NotInThatRoom {
                        name: who.into(),
                        room: name,
                    },
                }
            }
        };
        self.answer(by, now, refused);
        None
    }

    /// A ban mask to add or remove, completed (`bob` is `bob!*@*`).
    fn checked_ban(
        &mut self,
        by: Caller,
        room: RoomId,
        mask: &str,
        (on, until): (bool, Option<std::time::SystemTime>),
        now: &Now,
    ) -> Option<ModeChange> {
        let mask = modes::full_mask(mask);
        let name = self.name_of_room(room);
        if !modes::valid_mask(&mask) {
            let given = mask.into();
            let must = "a mask of printable characters, up to 100";
            let letter = 'b';
            self.answer(
                by,
                now,
                Answer::InvalidValue {
                    room: name,
                    letter,
                    given,
                    must,
                },
            );
            return None;
        }
        // Ended bans leave the list when this change is applied.
        let held = (self.rooms.get(room)).map_or(0, |r| r.members.modes.holding(now.wall).count());
        let full = held >= modes::MAX_BANS;
        if on && full {
            let mask = mask.into();
            self.answer(by, now, Answer::BanListFull { room: name, mask });
            return None;
        }
        let hits = |owner: &str| {
            let shown = format!("{owner}!{owner}@linechat");
            modes::wildcard_matches(mask.strip_prefix(modes::MUTE).unwrap_or(&mask), &shown)
        };
        if on && self.spares_owner(by, room, hits, now) {
            return None;
        }
        let mask = mask.into();
        Some(ModeChange::Ban { mask, on, until })
    }

    /// Applies a mode event: the room's settings and ranks change, and its
    /// members hear what changed.
    pub(super) fn modes_changed(
        &mut self,
        room: RoomId,
        name: &str,
        changes: &[ModeChange],
        now: &Now,
    ) -> bool {
        let Some(r) = self.rooms.get_mut(room) else {
            return false;
        };
        r.members.modes.forget_ended(now.wall);
        for change in changes {
            match change {
                ModeChange::Rank {
                    member, rank, on, ..
                } => r.members.set_rank(*member, *rank, *on),
                ModeChange::Maker(member) => r.members.set_rank(*member, Rank::OPERATOR, true),
                other => r.members.modes.apply(other),
            }
            super::owned::owned_change(r, change);
        }
        let told: Vec<ModeChange> = (changes.iter())
            .filter(|c| !matches!(c, ModeChange::Maker(_)))
            .cloned()
            .collect();
        if !told.is_empty() {
            let told = super::Notice::Modes {
                by: name.into(),
                changes: told,
            };
            self.broadcast(room, None, told.into(), 1, now);
        }
        true
    }

    /// `member`, who just made `room` by entering it, is its operator: on
    /// this node at once, and on the others by an event no member hears.
    /// The default room has no maker: everyone starts there.
    pub(super) fn maker_is_operator(&mut self, room: RoomId, member: MemberId) {
        if room == self.rooms.default_room() {
            return;
        }
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        r.members.set_rank(member, Rank::OPERATOR, true);
        if self.shared
            && let Some(name) = r.members.shared_name(member)
        {
            let changes = vec![ModeChange::Maker(member)];
            let name = (*name).into();
            let event = RoomEvent::Mode {
                room,
                member,
                name,
                changes,
            };
            let names = Some(self.room_names(&event));
            self.record(event, names);
        }
    }

    /// Whether `member` may enter `room` (which exists) with `key`; if not,
    /// why.
    pub(super) fn barred(
        &self,
        room: RoomId,
        member: MemberId,
        key: Option<&str>,
        now: &Now,
    ) -> Option<Barred> {
        let r = self.rooms.get(room)?;
        let name = self.name_of(member)?;
        let invited = (self.invites.get(&member)).is_some_and(|rooms| rooms.contains(&r.name));
        let visitor = Visitor {
            name,
            address: self.address_of(member),
            invited,
            registered: self.holds_registered(member),
            key,
            now: now.wall,
        };
        r.members.modes.admits(visitor, r.members.len()).err()
    }

    /// Whether `member` may send lines to `room`: a member unless muted, or
    /// the room is moderated (then operators and voiced members) or bans
    /// them (at `now`); an outsider only when the room takes lines from
    /// outside.
    pub(super) fn may_speak(&self, room: RoomId, member: MemberId, now: SystemTime) -> bool {
        let Some(r) = self.rooms.get(room) else {
            return false;
        };
        let modes = &r.members.modes;
        if !self.seats.in_room(&member, room) {
            return !modes.has(Flag::NoOutside);
        }
        let rank = r.members.rank_of(member);
        if modes.has(Flag::Moderated) && !rank.has(Rank::OPERATOR) && !rank.has(Rank::VOICE) {
            return false;
        }
        let (name, address) = (self.name_of(member), self.address_of(member));
        if self.globally_muted(member, now)
            || name.is_some_and(|name| modes.mutes(name, address, now))
        {
            return false;
        }
        rank.has(Rank::OPERATOR)
            || rank.has(Rank::VOICE)
            || name.is_none_or(|name| !modes.bans(name, address, now))
    }

    /// Whether `member` may set `room`'s topic: anyone in it, unless the
    /// topic is locked (then operators).
    pub(super) fn may_set_topic(&self, room: RoomId, member: MemberId) -> bool {
        let locked = (self.rooms.get(room)).is_some_and(|r| r.members.modes.has(Flag::TopicLock));
        !locked || self.is_room_operator(room, member)
    }

    /// Whether `room` is secret and `member` is not in it: then it is not
    /// listed to them, nor shown among a user's rooms.
    pub(super) fn hidden_from(&self, room: RoomId, member: MemberId) -> bool {
        let secret = (self.rooms.get(room)).is_some_and(|r| r.members.modes.has(Flag::Secret));
        secret && !self.seats.in_room(&member, room)
    }
}
