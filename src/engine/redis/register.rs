//! Heartbeats and registration (the keys and scripts are in `store.rs`):
//! this node beats every third of `--node-timeout`, registers its names
//! and listing when Redis does not have them, reads the other nodes'
//! listings, and tells the core which nodes are alive.

use super::store::{
    CLAIM, HEARTBEAT, TAG_HEARTBEAT, TAG_WRITE, Waiting, holder, listed, millis, presence_key,
};
use super::{Redis, STREAM, Told, limited_warn, wire};
use crate::chat::{MemberId, Now};
use crate::redis::BytesFrame;
use bytes::Bytes;
use log::{info, warn};

impl Redis {
    /// Sends the heartbeat script.
    pub(super) fn heartbeat(&mut self, now: &Now) {
        let store = &mut self.store;
        store.next_heartbeat = now.instant + store.node_timeout / 3;
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(HEARTBEAT.as_bytes()),
            Bytes::from_static(b"0"),
            Bytes::from(format!("{:04x}", self.node)),
            millis(store.node_timeout),
            store.proposal.clone(),
        ];
        self.store.beating = self.command(TAG_HEARTBEAT, &args, now.instant);
    }

    /// A verified claim took a name from `holder` (`<node>:<member id>`):
    /// if that is another node's member, a `displaced` entry tells every
    /// node (this node's own is displaced by the core).
    pub(super) fn displaced(&mut self, holder: &[u8], now: &Now) {
        let parsed = std::str::from_utf8(holder).ok().and_then(|h| {
            let (node, id) = h.split_once(':')?;
            Some((u16::from_str_radix(node, 16).ok()?, id.parse().ok()?))
        });
        let Some((node, id)) = parsed.filter(|&(node, _)| node != self.node) else {
            return;
        };
        info!("node {node:04x}'s session of a name was taken with its password");
        self.seq += 1;
        let fields = wire::displaced(self.node, self.seq, MemberId(id)).to_vec();
        self.xadd(Bytes::from_static(STREAM), None, fields, now);
    }

    /// The heartbeat's answer: `[epoch, [node, ...], was this node's key there]`.
    pub(super) fn beat(&mut self, frame: BytesFrame, now: &Now) {
        self.store.beating = false;
        let Some((epoch, live, was_alive)) = parse_beat(&frame) else {
            limited_warn!(self, now, "redis: unexpected heartbeat answer: {frame:?}");
            return;
        };
        if self.store.epoch.as_ref().is_some_and(|e| *e != epoch) {
            warn!("redis: the epoch changed: Redis lost its data; registering again");
            self.store.registered = false;
        }
        if self.store.registered && !was_alive {
            warn!(
                "redis: this node's heartbeat lapsed, the others counted it gone; registering again"
            );
            self.store.registered = false;
        }
        if !self.store.registered {
            self.register_node(epoch, &live, now);
        }
        // Nodes not alive have stopped: judged only once the link has been
        // up for a whole `--node-timeout`, so every live node had time to beat.
        let timeout = self.store.node_timeout;
        if (self.store.up_since).is_some_and(|since| now.instant >= since + timeout) {
            self.told.push(Told::Alive(live));
        }
    }

    /// Writes this node's listing and names, tells the others, and reads
    /// theirs (see `store.rs`).
    fn register_node(&mut self, epoch: Bytes, live: &[u16], now: &Now) {
        let at = now.instant;
        let node = self.node;
        let presence = presence_key(node);
        let listing: Vec<(MemberId, Box<str>, Box<str>)> = (self.locals.iter())
            .map(|(m, (room, name))| (*m, room.clone(), name.clone()))
            .collect();
        self.command(
            TAG_WRITE,
            &[Bytes::from_static(b"DEL"), presence.clone()],
            at,
        );
        if !listing.is_empty() {
            let mut hset = vec![Bytes::from_static(b"HSET"), presence.clone()];
            for (member, room, name) in &listing {
                hset.push(Bytes::from(member.0.to_string()));
                hset.push(listed(room, name));
                if let Some(more) = self.more_rooms.get(member) {
                    hset.push(super::members::more_field(member));
                    hset.push(Bytes::from(more.join("\n")));
                }
            }
            self.command(TAG_WRITE, &hset, at);
            let timeout = millis(self.store.node_timeout);
            let expire = [Bytes::from_static(b"PEXPIRE"), presence, timeout];
            self.command(TAG_WRITE, &expire, at);
        }
        for (member, _, name) in &listing {
            let claim = [
                Bytes::from_static(b"EVAL"),
                Bytes::from_static(CLAIM.as_bytes()),
                Bytes::from_static(b"1"),
                super::store::name_key(name),
                holder(node, *member),
            ];
            self.ask(Waiting::Reclaim(*member), &claim, at);
        }
        self.seq += 1;
        let sync = wire::sync(node, self.seq).to_vec();
        self.xadd(Bytes::from_static(STREAM), None, sync, now);
        for &other in live.iter().filter(|&&n| n != node) {
            self.read_listing(other, now);
        }
        self.store.registered = true;
        self.store.epoch = Some(epoch);
        info!(
            "node {node:04x}: registered with Redis ({} local users, {} other nodes)",
            listing.len(),
            live.iter().filter(|&&n| n != node).count()
        );
    }

    /// Reads another node's listing (it registered, or wrote a `sync`).
    pub(super) fn read_listing(&mut self, node: u16, now: &Now) {
        let hgetall = [Bytes::from_static(b"HGETALL"), presence_key(node)];
        self.ask(Waiting::Listing(node), &hgetall, now.instant);
    }
}

/// The heartbeat's answer as the epoch, the live nodes, and whether this
/// node's key was still there.
fn parse_beat(frame: &BytesFrame) -> Option<(Bytes, Vec<u16>, bool)> {
    let BytesFrame::Array(parts) = frame else {
        return None;
    };
    let [
        BytesFrame::BulkString(epoch),
        BytesFrame::Array(nodes),
        BytesFrame::Integer(was),
    ] = &parts[..]
    else {
        return None;
    };
    let live = (nodes.iter())
        .filter_map(|n| match n {
            BytesFrame::BulkString(hex) => std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u16::from_str_radix(h, 16).ok()),
            _ => None,
        })
        .collect();
    Some((epoch.clone(), live, *was == 1))
}
