//! How an owned room is kept: loaded from the store, saved after each
//! local change, and its operators given their rank by name on entering.

use super::{OwnedRoom, RoomJob};
use crate::chat::modes::Rank;
use crate::chat::{Chat, Delivery, MemberId, RoomEvent, RoomId};

impl Chat {
    /// A room kept in the store: made (or taken over, if this node holds
    /// it unowned) with its rules; a room this node holds owned already
    /// keeps what it has (the events since were applied to it).
    pub(super) fn load(&mut self, kept: OwnedRoom) {
        let id = match self.rooms.find(&kept.name) {
            Some(id) => id,
            None => match self.rooms.open(&kept.name) {
                Ok(id) => id,
                Err(_) => {
                    log::warn!("owned room {} not loaded: --max-rooms", kept.name);
                    return;
                }
            },
        };
        let Some(r) = self.rooms.get_mut(id) else {
            return;
        };
        if r.owned.is_some() {
            return;
        }
        let ranked: Vec<MemberId> = (r.members.members())
            .filter(|(_, name, _)| kept.owned.ranks(name))
            .map(|(member, _, _)| member)
            .collect();
        for member in ranked {
            r.members.set_rank(member, Rank::OPERATOR, true);
        }
        r.owned = Some(Box::new(kept.owned));
        r.members.modes = kept.modes;
        if r.topic.is_none() {
            r.topic = kept.topic;
        }
    }

    /// After a local event is applied: an owned room whose rules or topic
    /// it changed is saved.
    pub(in crate::chat) fn keep_owned(&mut self, event: &RoomEvent) {
        let room = match event {
            RoomEvent::Mode { room, .. } | RoomEvent::Topic { room, .. } => *room,
            _ => return,
        };
        let Some(r) = self.rooms.get(room) else {
            return;
        };
        let Some(owned) = r.owned.as_deref() else {
            return;
        };
        let kept = OwnedRoom {
            name: r.name.clone(),
            owned: owned.clone(),
            topic: r.topic.clone(),
            modes: r.members.modes.clone(),
        };
        let job = RoomJob::Save(Box::new(kept));
        self.out.deliveries.push(Delivery::OwnedRooms(job));
    }

    /// `member` entered `room` as `name`: in an owned room, its owner and
    /// operators by name are operators again (on every node alike).
    pub(in crate::chat) fn owned_rank(&mut self, room: RoomId, member: MemberId, name: &str) {
        let Some(r) = self.rooms.get_mut(room) else {
            return;
        };
        if r.owned.as_deref().is_some_and(|owned| owned.ranks(name)) {
            r.members.set_rank(member, Rank::OPERATOR, true);
        }
    }

    /// The owned rooms are read again (the link to the other nodes is up:
    /// the store may have been unreachable before).
    pub(in crate::chat) fn reload_owned(&mut self) {
        if self.accounts() {
            self.out
                .deliveries
                .push(Delivery::OwnedRooms(RoomJob::Load));
        }
    }
}
