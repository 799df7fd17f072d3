//! With `--redis`, another node's members as that node lists them in the
//! store: what this node shows of them is corrected to the listing. This
//! is how a node that started late learns who is there, how a node that
//! was cut off is seen again, and (with an empty listing) how a node that
//! died is seen to leave. A member may be listed in several rooms.

use super::{Chat, MemberId, Now, Presence, RoomEvent, RoomId, node_of};

impl Chat {
    /// Corrects what this node shows of `node`'s members to `listing`,
    /// that node's own list: who is missing has left, who is new has
    /// joined, who moved, parted or was renamed is moved, parted or
    /// renamed. Entries that do not fit (a name held by someone else
    /// here) are skipped.
    pub(super) fn reconcile(&mut self, node: u16, listing: &[Presence], now: &Now) {
        let theirs = |m: &MemberId| node_of(*m) == node && !self.seats.is_local(m);
        let shown = (self.seats.chatting()).chain(self.roomless.keys().copied());
        let gone: Vec<MemberId> = shown
            .filter(|m| theirs(m) && !listing.iter().any(|p| p.member == *m))
            .collect();
        for member in gone {
            self.evict(member, now);
        }
        for entry in listing {
            if node_of(entry.member) == node && !self.seats.is_local(&entry.member) {
                self.reconcile_one(entry, now);
            }
        }
    }

    /// One listed member of another node, shown as listed.
    fn reconcile_one(&mut self, entry: &Presence, now: &Now) {
        let member = entry.member;
        let names = std::iter::once(&entry.room).chain(&entry.more);
        let listed: Vec<RoomId> = (names.filter(|n| !n.is_empty()))
            .filter_map(|name| self.room_named(name))
            .collect();
        let now_in: Vec<RoomId> = self.seats.rooms(&member).collect();
        let Some(name) = self.name_of(member).map(Box::<str>::from) else {
            if listed.is_empty() {
                let name = entry.name.clone();
                self.apply_remote(RoomEvent::Online { member, name }, now);
            }
            for &room in &listed {
                let name = entry.name.clone();
                let back = false;
                self.apply_remote(
                    RoomEvent::Joined {
                        room,
                        member,
                        name,
                        back,
                    },
                    now,
                );
            }
            return;
        };
        if let ([from], [to]) = (&now_in[..], &listed[..])
            && from != to
        {
            let name = name.clone();
            let (from, to) = (*from, *to);
            self.apply_remote(
                RoomEvent::Moved {
                    from,
                    to,
                    member,
                    name,
                },
                now,
            );
        } else {
            for &room in now_in.iter().filter(|r| !listed.contains(r)) {
                let (name, reason) = (name.clone(), None);
                let parted = RoomEvent::Parted {
                    room,
                    member,
                    name,
                    reason,
                };
                self.apply_remote(parted, now);
            }
            for &room in listed.iter().filter(|r| !now_in.contains(r)) {
                let name = name.clone();
                let back = false;
                self.apply_remote(
                    RoomEvent::Joined {
                        room,
                        member,
                        name,
                        back,
                    },
                    now,
                );
            }
        }
        for room in listed {
            self.rooms.remove_if_unused(room);
        }
        if *name != *entry.name {
            let renamed = RoomEvent::Renamed {
                room: self.first_room(member),
                member,
                old: name,
                new: entry.name.clone(),
            };
            self.apply_remote(renamed, now);
        }
    }
}
