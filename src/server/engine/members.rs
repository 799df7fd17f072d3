//! What this node tells the store about its own users: names claimed
//! (a login, a `/nick`) and released (a leave), its listing kept in step
//! with their joins, moves and renames, topics they set, and the goodbye of
//! a stopping node. The keys and scripts are described in `store.rs`.

use super::super::Server;
use super::store::{
    CLAIM, RELEASE, TAG_WRITE, TOPICS, Waiting, holder, listed, millis, name_key, node_key,
    presence_key,
};
use crate::chat::{Claimed, Farewell, MemberId, RoomEvent, RoomNames};
use bytes::Bytes;
use log::info;

impl Server {
    /// Sends a claim the core asked for; answers it at once when it cannot
    /// be sent.
    pub(in crate::server) fn claim(
        &mut self,
        member: MemberId,
        name: &str,
        release: Option<&str>,
        verified: bool,
    ) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut().filter(|e| e.linked()) else {
            self.answer_claim(member, Claimed::Unavailable);
            return;
        };
        let tag = engine.store.tag(Waiting::Claim {
            member,
            name: name.into(),
        });
        let mut args = vec![
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(CLAIM.as_bytes()),
            Bytes::from_static(if release.is_some() { b"2" } else { b"1" }),
            name_key(name),
        ];
        args.extend(release.map(name_key));
        args.push(holder(engine.node, member));
        if verified {
            args.push(Bytes::from_static(b"1"));
        }
        if !engine.command(tag, &args, now) {
            engine.store.waiting.remove(&tag);
            self.answer_claim(member, Claimed::Unavailable);
        }
    }

    /// Gives up `member`'s `name` if it still holds it.
    pub(super) fn release(&mut self, member: MemberId, name: &str) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(RELEASE.as_bytes()),
            Bytes::from_static(b"1"),
            name_key(name),
            holder(engine.node, member),
        ];
        engine.command(TAG_WRITE, &args, now);
    }

    /// Keeps this node's listing in step with a local room event, and
    /// gives up the name of a user who left.
    pub(super) fn list(&mut self, event: &RoomEvent, names: &RoomNames) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let presence = presence_key(engine.node);
        let hset = |member: &MemberId, room: &str, name: &str| {
            [
                Bytes::from_static(b"HSET"),
                presence.clone(),
                Bytes::from(member.0.to_string()),
                listed(room, name),
            ]
        };
        match event {
            RoomEvent::Joined { member, name, .. } => {
                engine.command(TAG_WRITE, &hset(member, &names.room, name), now);
                let expire = [
                    Bytes::from_static(b"PEXPIRE"),
                    presence.clone(),
                    millis(engine.store.node_timeout),
                ];
                engine.command(TAG_WRITE, &expire, now);
            }
            RoomEvent::Moved { member, name, .. } => {
                engine.command(TAG_WRITE, &hset(member, &names.to, name), now);
            }
            RoomEvent::Renamed { member, new, .. } => {
                engine.command(TAG_WRITE, &hset(member, &names.room, new), now);
            }
            RoomEvent::Left { member, name, .. } => {
                let hdel = [
                    Bytes::from_static(b"HDEL"),
                    presence.clone(),
                    Bytes::from(member.0.to_string()),
                ];
                engine.command(TAG_WRITE, &hdel, now);
                let (member, name) = (*member, name.clone());
                self.release(member, &name);
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
                engine.command(TAG_WRITE, &args, now);
            }
            RoomEvent::Said { .. } | RoomEvent::Private { .. } | RoomEvent::Unread { .. } => {}
        }
    }

    /// A stopping node (SIGTERM): every local user is announced as left to
    /// the other nodes and their names are freed now, not after
    /// `--node-timeout`; then the node's keys go.
    pub(in crate::server) fn leave_cluster(&mut self) {
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let node = engine.node;
        for (left, names) in self.chat.leaves(Farewell::Shutdown) {
            self.publish(&left, &names);
        }
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.command(
            TAG_WRITE,
            &[Bytes::from_static(b"DEL"), node_key(node)],
            now,
        );
        let srem = [
            Bytes::from_static(b"SREM"),
            Bytes::from_static(b"linechat:nodes"),
            Bytes::from(format!("{node:04x}")),
        ];
        engine.command(TAG_WRITE, &srem, now);
        info!("node {node:04x}: left the other nodes");
    }
}
