//! Where each member is: its local connection (for members of this node)
//! and its rooms (for chatting members, local or not), in one table. One
//! entry of 16 bytes per user instead of one in each of two tables: at
//! 10,000 idle users this is about 280 KB less. The entry holds a member's
//! first room; the few members in several rooms (clients of requests,
//! IRC) have the others in a side table, so a telnet user pays nothing
//! for them.

use super::member_map::MemberMap;
use super::{Local, MemberId, RoomId};

/// No connection, or no room.
const NONE: u32 = u32::MAX;

/// A member's connection and room, `NONE` where it has none.
#[derive(Debug, Clone, Copy)]
struct Seat {
    local: u32,
    room: u32,
}

/// Every member's connection and rooms.
#[derive(Debug, Default)]
pub(super) struct Seats {
    seats: MemberMap<Seat>,
    /// The rooms after the first of members in several.
    more: MemberMap<Vec<RoomId>>,
    /// Members with a local connection.
    locals: usize,
}

impl Seats {
    /// The local connection of `member`, if it is on this node.
    pub(super) fn local(&self, member: &MemberId) -> Option<Local> {
        let local = self.seats.get(member)?.local;
        (local != NONE).then_some(local as Local)
    }

    /// Whether `member` is on this node.
    pub(super) fn is_local(&self, member: &MemberId) -> bool {
        self.local(member).is_some()
    }

    /// The room `member` is chatting in (its first, if in several).
    pub(super) fn room(&self, member: &MemberId) -> Option<RoomId> {
        let room = self.seats.get(member)?.room;
        (room != NONE).then_some(RoomId(room))
    }

    /// Every room `member` is in, its first first.
    pub(super) fn rooms(&self, member: &MemberId) -> impl Iterator<Item = RoomId> + '_ {
        let more = self.more.get(member).map_or(&[][..], Vec::as_slice);
        self.room(member).into_iter().chain(more.iter().copied())
    }

    /// How many rooms `member` is in.
    pub(super) fn room_count(&self, member: &MemberId) -> usize {
        let more = self.more.get(member).map_or(0, Vec::len);
        usize::from(self.room(member).is_some()) + more
    }

    /// Whether `member` is in `room`.
    pub(super) fn in_room(&self, member: &MemberId, room: RoomId) -> bool {
        self.rooms(member).any(|r| r == room)
    }

    /// Members with a local connection.
    pub(super) fn locals(&self) -> usize {
        self.locals
    }

    /// Every local member.
    pub(super) fn local_members(&self) -> impl Iterator<Item = MemberId> + '_ {
        (self.seats.iter())
            .filter(|(_, seat)| seat.local != NONE)
            .map(|(&member, _)| member)
    }

    /// Every member in a room.
    pub(super) fn chatting(&self) -> impl Iterator<Item = MemberId> + '_ {
        (self.seats.iter())
            .filter(|(_, seat)| seat.room != NONE)
            .map(|(&member, _)| member)
    }

    /// `member` is on this node, at connection `local` (a slab key: far
    /// below 2^32, as connections are limited by descriptors).
    pub(super) fn set_local(&mut self, member: MemberId, local: Local) {
        let local = u32::try_from(local).unwrap_or(NONE - 1);
        let seat = self.seats.entry(member).or_insert(Seat {
            local: NONE,
            room: NONE,
        });
        if seat.local == NONE {
            self.locals += 1;
        }
        seat.local = local;
    }

    /// `member`'s connection closed.
    pub(super) fn clear_local(&mut self, member: &MemberId) {
        if let Some(seat) = self.seats.get_mut(member)
            && seat.local != NONE
        {
            seat.local = NONE;
            self.locals -= 1;
            self.forget_if_empty(member);
        }
    }

    /// `member` is in `room` too (its first room, if it was in none).
    pub(super) fn add_room(&mut self, member: MemberId, room: RoomId) {
        let seat = self.seats.entry(member).or_insert(Seat {
            local: NONE,
            room: NONE,
        });
        if seat.room == NONE {
            seat.room = room.0;
        } else if seat.room != room.0 {
            let more = self.more.entry(member).or_default();
            if !more.contains(&room) {
                more.push(room);
            }
        }
    }

    /// `member` left `room`; its next room, if any, becomes its first.
    pub(super) fn remove_room(&mut self, member: &MemberId, room: RoomId) {
        let Some(seat) = self.seats.get_mut(member) else {
            return;
        };
        let more = self.more.get_mut(member);
        if seat.room == room.0 {
            seat.room = match more {
                Some(more) if !more.is_empty() => more.remove(0).0,
                _ => NONE,
            };
        } else if let Some(more) = more {
            more.retain(|&r| r != room);
        }
        if self.more.get(member).is_some_and(Vec::is_empty) {
            self.more.remove(member);
        }
        self.forget_if_empty(member);
    }

    fn forget_if_empty(&mut self, member: &MemberId) {
        if self
            .seats
            .get(member)
            .is_some_and(|s| s.local == NONE && s.room == NONE)
        {
            self.seats.remove(member);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_is_kept_while_it_has_a_connection_or_a_room() {
        let mut seats = Seats::default();
        let (a, b) = (MemberId(1), MemberId(2));
        seats.set_local(a, 7);
        seats.add_room(b, RoomId(3));
        assert_eq!((seats.local(&a), seats.room(&a)), (Some(7), None));
        assert_eq!((seats.local(&b), seats.room(&b)), (None, Some(RoomId(3))));
        assert_eq!(seats.locals(), 1);
        seats.add_room(a, RoomId(4));
        seats.clear_local(&a);
        assert_eq!((seats.local(&a), seats.room(&a)), (None, Some(RoomId(4))));
        assert_eq!(seats.locals(), 0);
        seats.remove_room(&a, RoomId(4));
        seats.remove_room(&b, RoomId(3));
        assert!(seats.seats.is_empty());
        assert_eq!(seats.chatting().count() + seats.local_members().count(), 0);
    }

    #[test]
    fn a_member_may_be_in_several_rooms_the_first_in_its_seat() {
        let mut seats = Seats::default();
        let a = MemberId(1);
        seats.set_local(a, 2);
        for room in [5, 6, 7, 6] {
            seats.add_room(a, RoomId(room));
        }
        let rooms = |s: &Seats| s.rooms(&a).map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(rooms(&seats), [5, 6, 7]);
        assert_eq!(seats.room_count(&a), 3);
        assert!(seats.in_room(&a, RoomId(7)) && !seats.in_room(&a, RoomId(8)));
        seats.remove_room(&a, RoomId(5));
        assert_eq!(seats.room(&a), Some(RoomId(6)), "the next room is first");
        seats.remove_room(&a, RoomId(7));
        assert_eq!(rooms(&seats), [6]);
        assert!(seats.more.is_empty(), "no side entry for one room");
        seats.remove_room(&a, RoomId(6));
        assert_eq!((seats.room_count(&a), seats.local(&a)), (0, Some(2)));
    }

    #[test]
    fn a_seat_is_16_bytes() {
        assert_eq!(std::mem::size_of::<(MemberId, Seat)>(), 16);
    }
}
