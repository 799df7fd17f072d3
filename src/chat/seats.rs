//! Where each member is: its local connection (for members of this node)
//! and its room (for chatting members, local or not), in one table. One
//! entry of 16 bytes per user instead of one in each of two tables: at
//! 10,000 idle users this is about 280 KB less.

use super::{Local, MemberId, RoomId};
use std::collections::HashMap;

/// No connection, or no room.
const NONE: u32 = u32::MAX;

/// A member's connection and room, `NONE` where it has none.
#[derive(Debug, Clone, Copy)]
struct Seat {
    local: u32,
    room: u32,
}

/// Every member's connection and room.
#[derive(Debug, Default)]
pub(super) struct Seats {
    seats: HashMap<MemberId, Seat>,
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

    /// The room `member` is chatting in.
    pub(super) fn room(&self, member: &MemberId) -> Option<RoomId> {
        let room = self.seats.get(member)?.room;
        (room != NONE).then_some(RoomId(room))
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

    /// `member` is chatting in `room`.
    pub(super) fn set_room(&mut self, member: MemberId, room: RoomId) {
        let seat = self.seats.entry(member).or_insert(Seat {
            local: NONE,
            room: NONE,
        });
        seat.room = room.0;
    }

    /// `member` left its room.
    pub(super) fn clear_room(&mut self, member: &MemberId) {
        if let Some(seat) = self.seats.get_mut(member) {
            seat.room = NONE;
            self.forget_if_empty(member);
        }
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
        seats.set_room(b, RoomId(3));
        assert_eq!((seats.local(&a), seats.room(&a)), (Some(7), None));
        assert_eq!((seats.local(&b), seats.room(&b)), (None, Some(RoomId(3))));
        assert_eq!(seats.locals(), 1);
        seats.set_room(a, RoomId(4));
        seats.clear_local(&a);
        assert_eq!((seats.local(&a), seats.room(&a)), (None, Some(RoomId(4))));
        assert_eq!(seats.locals(), 0);
        seats.clear_room(&a);
        seats.clear_room(&b);
        assert!(seats.seats.is_empty());
        assert_eq!(seats.chatting().count() + seats.local_members().count(), 0);
    }

    #[test]
    fn a_seat_is_16_bytes() {
        assert_eq!(std::mem::size_of::<(MemberId, Seat)>(), 16);
    }
}
