//! What this node tells the store about its own users: names claimed
//! (a login, a `/nick`) and released (a leave), its listing kept in step
//! with their joins, moves and renames, topics they set, and the goodbye of
//! a stopping node. The keys and scripts are described in `store.rs`.

use super::store::{
    CLAIM, RELEASE, TAG_WRITE, TOPICS, Waiting, holder, listed, millis, name_key, node_key,
    presence_key,
};
use super::{Redis, Told};
use crate::chat::{Claimed, MemberId, Now, RoomEvent, RoomNames};
use bytes::Bytes;
use log::info;

/// The listing's field of a member's further rooms: `<id>+`.
pub(super) fn more_field(member: &MemberId) -> Bytes {
    Bytes::from(format!("{}+", member.0))
}

impl Redis {
    /// Sends a claim the core asked for; answers it at once when it cannot
    /// be sent.
    pub(in crate::engine) fn claim(
        &mut self,
        member: MemberId,
        name: &str,
        release: Option<&str>,
        verified: bool,
        now: &Now,
    ) {
        let mut args = vec![
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(CLAIM.as_bytes()),
            Bytes::from_static(if release.is_some() { b"2" } else { b"1" }),
            name_key(name),
        ];
        args.extend(release.map(name_key));
        args.push(holder(self.node, member));
        if verified {
            args.push(Bytes::from_static(b"1"));
        }
        let name: Box<str> = name.into();
        let waiting = Waiting::Claim {
            member,
            name: name.clone(),
        };
        if !self.linked() || !self.ask(waiting, &args, now.instant) {
            let answer = Claimed::Unavailable;
            self.told.push(Told::Claimed {
                member,
                name,
                answer,
            });
        }
    }

    /// Gives up `member`'s `name` if it still holds it.
    pub(in crate::engine) fn release(&mut self, member: MemberId, name: &str, now: &Now) {
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(RELEASE.as_bytes()),
            Bytes::from_static(b"1"),
            name_key(name),
            holder(self.node, member),
        ];
        self.command(TAG_WRITE, &args, now.instant);
    }

    /// Keeps this node's listing in step with a local room event (in
    /// Redis and in [`Redis::locals`]), and gives up the name of a user
    /// who left.
    pub(super) fn list(&mut self, event: &RoomEvent, names: &RoomNames, now: &Now) {
        let had_more = self.more_rooms.len();
        self.mirror(event, names);
        let at = now.instant;
        let presence = presence_key(self.node);
        match event {
            RoomEvent::Joined { member, .. } | RoomEvent::Online { member, .. } => {
                self.write_listed(*member, at);
                let expire = [
                    Bytes::from_static(b"PEXPIRE"),
                    presence.clone(),
                    millis(self.store.node_timeout),
                ];
                self.command(TAG_WRITE, &expire, at);
            }
            RoomEvent::Moved { member, .. } | RoomEvent::Renamed { member, .. } => {
                self.write_listed(*member, at);
            }
            RoomEvent::Parted { member, .. } => {
                self.write_listed(*member, at);
                if self.more_rooms.len() < had_more {
                    let hdel = [Bytes::from_static(b"HDEL"), presence, more_field(member)];
                    self.command(TAG_WRITE, &hdel, at);
                }
            }
            RoomEvent::Left { member, name, .. } => {
                let mut hdel = vec![
                    Bytes::from_static(b"HDEL"),
                    presence.clone(),
                    Bytes::from(member.0.to_string()),
                ];
                if self.more_rooms.len() < had_more {
                    hdel.push(more_field(member));
                }
                self.command(TAG_WRITE, &hdel, at);
                let (member, name) = (*member, name.clone());
                self.release(member, &name, now);
            }
            RoomEvent::Topic { topic, .. } => {
                let room = Bytes::from(names.room.to_string());
                let args = match topic {
                    Some(topic) => vec![
                        Bytes::from_static(b"HSET"),
                        Bytes::from_static(TOPICS),
                        room,
                        Bytes::from(topic.to_string()),
                    ],
                    None => vec![
                        Bytes::from_static(b"HDEL"),
                        Bytes::from_static(TOPICS),
                        room,
                    ],
                };
                self.command(TAG_WRITE, &args, at);
            }
            RoomEvent::Kicked { target, .. } => {
                // A member of this node kicked here: listed without the room.
                self.write_listed(*target, at);
                if self.more_rooms.len() < had_more {
                    let hdel = [Bytes::from_static(b"HDEL"), presence, more_field(target)];
                    self.command(TAG_WRITE, &hdel, at);
                }
            }
            RoomEvent::Said { .. }
            | RoomEvent::Private { .. }
            | RoomEvent::Unread { .. }
            | RoomEvent::Admin { .. }
            | RoomEvent::Away { .. }
            | RoomEvent::RealName { .. }
            | RoomEvent::Mode { .. }
            | RoomEvent::Invited { .. } => {}
        }
    }

    /// Writes `member`'s listing as [`Redis::locals`] holds it: its first
    /// room and name, and its further rooms if it is in several.
    fn write_listed(&mut self, member: MemberId, at: std::time::Instant) {
        let Some((room, name)) = self.locals.get(&member) else {
            return;
        };
        let mut hset = vec![
            Bytes::from_static(b"HSET"),
            presence_key(self.node),
            Bytes::from(member.0.to_string()),
            listed(room, name),
        ];
        if let Some(more) = self.more_rooms.get(&member) {
            hset.push(more_field(&member));
            hset.push(Bytes::from(more.join("\n")));
        }
        self.command(TAG_WRITE, &hset, at);
    }

    /// Keeps [`Redis::locals`] (and the further rooms of members in
    /// several) in step with a local room event.
    fn mirror(&mut self, event: &RoomEvent, names: &RoomNames) {
        match event {
            RoomEvent::Joined { member, name, .. } => {
                let room = &names.room;
                match self.locals.get_mut(member) {
                    Some((first, _)) if first.is_empty() => *first = room.clone(),
                    Some((first, _)) if first != room => {
                        let more = self.more_rooms.entry(*member).or_default();
                        if !more.contains(room) {
                            more.push(room.clone());
                        }
                    }
                    Some(_) => {}
                    None => drop(self.locals.insert(*member, (room.clone(), name.clone()))),
                }
            }
            RoomEvent::Online { member, name } => {
                self.locals.insert(*member, (Box::default(), name.clone()));
            }
            RoomEvent::Parted { member, .. } | RoomEvent::Kicked { target: member, .. } => {
                let more = self.more_rooms.get_mut(member);
                if let Some((first, _)) = self.locals.get_mut(member) {
                    if *first == names.room {
                        *first = match more {
                            Some(more) if !more.is_empty() => more.remove(0),
                            _ => Box::default(),
                        };
                    } else if let Some(more) = more {
                        more.retain(|r| *r != names.room);
                    }
                }
                if self.more_rooms.get(member).is_some_and(Vec::is_empty) {
                    self.more_rooms.remove(member);
                }
            }
            RoomEvent::Moved { member, name, .. } => {
                self.locals
                    .insert(*member, (names.to.clone(), name.clone()));
            }
            RoomEvent::Renamed { member, new, .. } => {
                if let Some((_, name)) = self.locals.get_mut(member) {
                    *name = new.clone();
                }
            }
            RoomEvent::Left { member, .. } => {
                self.locals.remove(member);
                self.more_rooms.remove(member);
            }
            _ => {}
        }
    }

    /// A stopping node (SIGTERM): every local user is announced as left to
    /// the other nodes (`leaves`) and their names are freed now, not after
    /// `--node-timeout`; then the node's keys go.
    pub(in crate::engine) fn leave_cluster(
        &mut self,
        leaves: &[(RoomEvent, RoomNames)],
        now: &Now,
    ) {
        let node = self.node;
        for (left, names) in leaves {
            self.publish(left, names, now);
        }
        let at = now.instant;
        let del = [Bytes::from_static(b"DEL"), node_key(node)];
        self.command(TAG_WRITE, &del, at);
        let srem = [
            Bytes::from_static(b"SREM"),
            Bytes::from_static(b"linechat:nodes"),
            Bytes::from(format!("{node:04x}")),
        ];
        self.command(TAG_WRITE, &srem, at);
        info!("node {node:04x}: left the other nodes");
    }

    /// The rooms local members are in, by name.
    pub(super) fn local_rooms(&self) -> Vec<Box<str>> {
        let firsts = self
            .locals
            .values()
            .map(|(r, _)| r)
            .filter(|r| !r.is_empty());
        let more = self.more_rooms.values().flatten();
        let mut rooms: Vec<Box<str>> = firsts.chain(more).cloned().collect();
        rooms.sort_unstable();
        rooms.dedup();
        rooms
    }
}
