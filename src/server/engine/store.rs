//! The store beside the stream: what makes several nodes one chat.
//!
//! | key | holds | written by |
//! | --- | --- | --- |
//! | `linechat:node:<node>` | `1`, expiring after `--node-timeout` | its node's heartbeat |
//! | `linechat:nodes` | the set of node ids seen | every heartbeat (dead ones are removed) |
//! | `linechat:presence:<node>` | hash: member id → `room\nname` | its node, on each join, move, rename, leave |
//! | `linechat:name:<lower-cased name>` | `<node>:<member id>` | the claim script |
//! | `linechat:epoch` | a random value, set when missing | the first heartbeat after Redis starts empty |
//! | `linechat:topics` | hash: room name → topic | the node of the user who set it |
//! | `linechat:room:<room>` | the room's chat lines (a stream; `/history` reads it), expiring `--history-retention` after its last line | the sender's node |
//! | `linechat:room-streams` | sorted set: room → ms of its last line; past `--history-rooms` the oldest streams are deleted | the sender's node, and every node's sweep (`retention.rs`) |
//!
//! Node ids are four hex digits. Three Lua scripts keep each step atomic:
//!
//! - **Heartbeat** (every third of `--node-timeout`): refreshes this
//!   node's key and the expiry of its listing, sets the epoch if Redis has
//!   none, and returns the epoch, the nodes alive, and whether this node's
//!   key was still there: if it had lapsed (the node was stopped, starved
//!   of CPU or cut off for a whole `--node-timeout`), the others have seen
//!   its users leave, so it registers again. A node another one
//!   shows members of that is not alive (and the link has been up for a
//!   whole `--node-timeout`, so it had its chance to beat) is gone: its
//!   members are announced as left.
//! - **Claim**: a name is free if nobody holds it or its holder's node is
//!   not alive; then it is set to the claimant (and, for `/nick`, the old
//!   name is deleted if it is still the claimant's). Redis runs scripts one
//!   at a time, so of two nodes claiming one name exactly one wins. A
//!   login that gave the name's password (`ARGV[2]` is `1`) takes the name
//!   from any holder, and the script returns that holder: the claimant's
//!   node adds a `displaced` entry, so the holder's node (if it is alive)
//!   closes the session left behind and the others forget it.
//! - **Release**: deletes a name only if it is still the releaser's.
//!
//! **Registration.** The first heartbeat after the commands link comes up,
//! and any heartbeat that finds a new epoch (Redis lost its data), writes
//! this node's listing and claims its users' names again (a name taken
//! meanwhile costs its local holder the connection), adds a `sync` entry
//! so the other nodes read the listing, and reads every other node's
//! listing to correct its own view. Until then logins and `/nick` are
//! refused: a name cannot be checked.

use super::super::Server;
use super::{Engine, STREAM, TAG_XADD, wire};
use crate::chat::{Claimed, MemberId, Presence};
use crate::redis::{BytesFrame, Tag};
use bytes::Bytes;
use log::{info, warn};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Every room's topic (hash: room name → topic), kept while the room is
/// empty and across restarts of every node.
pub(super) const TOPICS: &[u8] = b"linechat:topics";

const HEARTBEAT: &str = r"
local me = 'linechat:node:' .. ARGV[1]
local was = redis.call('EXISTS', me)
redis.call('SET', me, '1', 'PX', ARGV[2])
redis.call('PEXPIRE', 'linechat:presence:' .. ARGV[1], ARGV[2])
redis.call('SADD', 'linechat:nodes', ARGV[1])
local epoch = redis.call('GET', 'linechat:epoch')
if not epoch then
  redis.call('SET', 'linechat:epoch', ARGV[3])
  epoch = ARGV[3]
end
local live = {}
for _, n in ipairs(redis.call('SMEMBERS', 'linechat:nodes')) do
  if redis.call('EXISTS', 'linechat:node:' .. n) == 1 then
    live[#live + 1] = n
  else
    redis.call('SREM', 'linechat:nodes', n)
  end
end
return {epoch, live, was}
";

pub(super) const CLAIM: &str = r"
local holder = redis.call('GET', KEYS[1])
local verified = ARGV[2] == '1'
if holder and holder ~= ARGV[1] and not verified then
  local node = string.match(holder, '^(%x+):')
  if node and redis.call('EXISTS', 'linechat:node:' .. node) == 1 then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
if KEYS[2] and redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
end
if verified and holder and holder ~= ARGV[1] then
  return holder
end
return 1
";

pub(super) const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Tags of the commands link with a fixed meaning (`TAG_XADD` is 1).
const TAG_HEARTBEAT: Tag = 8;
/// A write whose answer only matters if it is an error.
pub(super) const TAG_WRITE: Tag = 9;
/// Tags from here on are handed out one per command that waits for its
/// own answer (see [`Waiting`]).
const FIRST_OWN_TAG: Tag = 1 << 20;

/// What a command with its own tag was for.
#[derive(Debug)]
pub(super) enum Waiting {
    /// A login's or `/nick`'s claim.
    Claim { member: MemberId, name: Box<str> },
    /// A local user's name claimed again at registration.
    Reclaim(MemberId),
    /// Another node's listing.
    Listing(u16),
    /// Where a room's stream ends, to read it from there.
    RoomEnd(Box<str>),
    /// `/history` of a room for a member, so many lines.
    History {
        member: MemberId,
        room: Box<str>,
        count: usize,
    },
    /// The topic kept for a room.
    Topic(Box<str>),
}

/// Heartbeat and registration state.
#[derive(Debug)]
pub(super) struct Store {
    pub(super) node_timeout: Duration,
    pub(super) next_heartbeat: Instant,
    /// Whether a heartbeat is out.
    pub(super) beating: bool,
    /// Whether this node's listing and names are in the store since the
    /// commands link last came up.
    pub(super) registered: bool,
    /// The epoch seen at registration.
    epoch: Option<Bytes>,
    /// The epoch this node sets if Redis has none.
    proposal: Bytes,
    /// Since when the commands link has been up.
    pub(super) up_since: Option<Instant>,
    pub(super) waiting: HashMap<Tag, Waiting>,
    next_tag: Tag,
}

impl Store {
    pub(super) fn new(node_timeout: Duration, now: Instant) -> Store {
        let proposal = format!(
            "{:04x}{:04x}",
            crate::sys::random_u16(),
            crate::sys::random_u16()
        );
        Store {
            node_timeout,
            next_heartbeat: now,
            beating: false,
            registered: false,
            epoch: None,
            proposal: Bytes::from(proposal),
            up_since: None,
            waiting: HashMap::new(),
            next_tag: FIRST_OWN_TAG,
        }
    }

    /// The commands link went down: registration is void.
    pub(super) fn down(&mut self) {
        self.registered = false;
        self.beating = false;
        self.up_since = None;
    }

    pub(super) fn tag(&mut self, waiting: Waiting) -> Tag {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.waiting.insert(tag, waiting);
        tag
    }
}

pub(super) fn node_key(node: u16) -> Bytes {
    Bytes::from(format!("linechat:node:{node:04x}"))
}

pub(super) fn presence_key(node: u16) -> Bytes {
    Bytes::from(format!("linechat:presence:{node:04x}"))
}

pub(super) fn name_key(name: &str) -> Bytes {
    Bytes::from(format!("linechat:name:{}", name.to_ascii_lowercase()))
}

/// What a name's key holds while `member` has it.
pub(super) fn holder(node: u16, member: MemberId) -> Bytes {
    Bytes::from(format!("{node:04x}:{}", member.0))
}

/// A member's entry in its node's listing.
pub(super) fn listed(room: &str, name: &str) -> Bytes {
    Bytes::from(format!("{room}\n{name}"))
}

pub(super) fn millis(d: Duration) -> Bytes {
    Bytes::from(d.as_millis().max(1).to_string())
}

impl Engine {
    /// Queues one command on the commands link; false if it could not be.
    pub(super) fn command(&mut self, tag: Tag, args: &[Bytes], now: Instant) -> bool {
        let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        self.commands.send(tag, &args, now).is_ok()
    }
}

impl Server {
    /// Sends the heartbeat script.
    pub(super) fn heartbeat(&mut self) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let store = &mut engine.store;
        store.next_heartbeat = now + store.node_timeout / 3;
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(HEARTBEAT.as_bytes()),
            Bytes::from_static(b"0"),
            Bytes::from(format!("{:04x}", engine.node)),
            millis(store.node_timeout),
            store.proposal.clone(),
        ];
        engine.store.beating = engine.command(TAG_HEARTBEAT, &args, now);
    }

    /// An answer on the commands link.
    pub(super) fn store_reply(&mut self, tag: Tag, frame: BytesFrame) {
        match tag {
            TAG_XADD => return self.published(frame),
            TAG_HEARTBEAT => return self.beat(frame),
            super::retention::TAG_SWEEP => return self.swept(&frame),
            _ => {}
        }
        if let BytesFrame::Error(e) = &frame {
            conn_log!(self, Warn, "redis: command refused: {e}");
        }
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        match engine.store.waiting.remove(&tag) {
            None => {}
            Some(Waiting::Claim { member, name }) => {
                let answer = match &frame {
                    BytesFrame::Integer(1) => Claimed::Granted,
                    BytesFrame::Integer(_) => Claimed::Taken,
                    BytesFrame::BulkString(holder) => {
                        // Taken with the password from `holder`: told
                        // before the claimant's join is published.
                        self.displaced(holder);
                        Claimed::Granted
                    }
                    _ => Claimed::Unavailable,
                };
                if !self.answer_claim(member, answer) && answer == Claimed::Granted {
                    self.release(member, &name); // Its claimant left meanwhile.
                }
            }
            Some(Waiting::Reclaim(member)) if frame == BytesFrame::Integer(0) => {
                warn!("redis: a local user's name went to another node during a cut");
                self.chat.name_lost(member);
                self.deliver();
            }
            Some(Waiting::Reclaim(_)) => {}
            Some(Waiting::Listing(node)) => {
                let listing = parse_listing(&frame);
                self.chat.reconcile(node, &listing, &self.now);
                self.deliver();
            }
            Some(Waiting::RoomEnd(room)) => self.room_end(&room, &frame),
            Some(Waiting::History {
                member,
                room,
                count,
            }) => {
                let lines = wire::history_lines(&frame);
                self.chat
                    .stored_history(member, &room, &lines, count, &self.now);
                self.deliver();
                self.history_done();
            }
            Some(Waiting::Topic(room)) => {
                if let BytesFrame::BulkString(topic) = &frame {
                    let mut clean = String::new();
                    crate::framing::clean(topic, &mut clean);
                    self.chat.stored_topic(&room, &clean, &self.now);
                    self.deliver();
                }
            }
        }
    }

    /// A verified claim took a name from `holder` (`<node>:<member id>`):
    /// if that is another node's member, a `displaced` entry tells every
    /// node (this node's own is displaced by the core).
    fn displaced(&mut self, holder: &[u8]) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let parsed = std::str::from_utf8(holder).ok().and_then(|h| {
            let (node, id) = h.split_once(':')?;
            Some((u16::from_str_radix(node, 16).ok()?, id.parse().ok()?))
        });
        let Some((node, id)) = parsed.filter(|&(node, _)| node != engine.node) else {
            return;
        };
        info!("node {node:04x}'s session of a name was taken with its password");
        let mut xadd = vec![
            Bytes::from_static(b"XADD"),
            Bytes::from_static(STREAM),
            Bytes::from_static(b"*"),
        ];
        engine.seq += 1;
        xadd.extend(wire::displaced(engine.node, engine.seq, MemberId(id)));
        engine.command(TAG_XADD, &xadd, now);
    }

    /// A command on the commands link that will not be answered.
    pub(super) fn store_lost(&mut self, tag: Tag) {
        if tag == TAG_XADD {
            self.redis_counts().dropped += 1;
        }
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        match engine.store.waiting.remove(&tag) {
            Some(Waiting::Claim { member, .. }) => {
                self.answer_claim(member, Claimed::Unavailable);
            }
            Some(Waiting::RoomEnd(room)) => {
                // Asked again once the link is back.
                engine.rooms.remove(&room);
                engine.rooms_changed = true;
            }
            Some(Waiting::History {
                member,
                room,
                count,
            }) => {
                self.chat
                    .stored_history(member, &room, &[], count, &self.now);
                self.deliver();
                self.history_done();
            }
            // Registration reads the listings and claims the names again.
            Some(Waiting::Reclaim(_) | Waiting::Listing(_) | Waiting::Topic(_)) | None => {}
        }
    }

    /// The heartbeat's answer: `[epoch, [node, ...], was this node's key there]`.
    fn beat(&mut self, frame: BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.store.beating = false;
        let parsed = match &frame {
            BytesFrame::Array(parts) => match &parts[..] {
                [
                    BytesFrame::BulkString(epoch),
                    BytesFrame::Array(nodes),
                    BytesFrame::Integer(was),
                ] => {
                    let live: Vec<u16> = (nodes.iter())
                        .filter_map(|n| match n {
                            BytesFrame::BulkString(hex) => std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u16::from_str_radix(h, 16).ok()),
                            _ => None,
                        })
                        .collect();
                    Some((epoch.clone(), live, *was == 1))
                }
                _ => None,
            },
            _ => None,
        };
        let Some((epoch, live, was_alive)) = parsed else {
            conn_log!(self, Warn, "redis: unexpected heartbeat answer: {frame:?}");
            return;
        };
        let store = &engine.store;
        if store.epoch.as_ref().is_some_and(|e| *e != epoch) {
            warn!("redis: the epoch changed: Redis lost its data; registering again");
            engine.store.registered = false;
        }
        if engine.store.registered && !was_alive {
            warn!(
                "redis: this node's heartbeat lapsed, the others counted it gone; registering again"
            );
            engine.store.registered = false;
        }
        if !engine.store.registered {
            self.register(epoch, &live);
        }
        self.judge(&live);
    }

    /// Writes this node's listing and names, tells the others, and reads
    /// theirs (see the module doc).
    fn register(&mut self, epoch: Bytes, live: &[u16]) {
        let now = self.now.instant;
        let listing = self.chat.listing();
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let node = engine.node;
        let presence = presence_key(node);
        engine.command(
            TAG_WRITE,
            &[Bytes::from_static(b"DEL"), presence.clone()],
            now,
        );
        if !listing.is_empty() {
            let mut hset = vec![Bytes::from_static(b"HSET"), presence.clone()];
            for p in &listing {
                hset.push(Bytes::from(p.member.0.to_string()));
                hset.push(listed(&p.room, &p.name));
            }
            engine.command(TAG_WRITE, &hset, now);
            let expire = [
                Bytes::from_static(b"PEXPIRE"),
                presence,
                millis(engine.store.node_timeout),
            ];
            engine.command(TAG_WRITE, &expire, now);
        }
        for p in &listing {
            let tag = engine.store.tag(Waiting::Reclaim(p.member));
            let claim = [
                Bytes::from_static(b"EVAL"),
                Bytes::from_static(CLAIM.as_bytes()),
                Bytes::from_static(b"1"),
                name_key(&p.name),
                holder(node, p.member),
            ];
            engine.command(tag, &claim, now);
        }
        let mut xadd = vec![
            Bytes::from_static(b"XADD"),
            Bytes::from_static(STREAM),
            Bytes::from_static(b"*"),
        ];
        engine.seq += 1;
        xadd.extend(wire::sync(node, engine.seq));
        engine.command(TAG_XADD, &xadd, now);
        for &other in live.iter().filter(|&&n| n != node) {
            let tag = engine.store.tag(Waiting::Listing(other));
            let hgetall = [Bytes::from_static(b"HGETALL"), presence_key(other)];
            engine.command(tag, &hgetall, now);
        }
        engine.store.registered = true;
        engine.store.epoch = Some(epoch);
        info!(
            "node {node:04x}: registered with Redis ({} local users, {} other nodes)",
            listing.len(),
            live.iter().filter(|&&n| n != node).count()
        );
    }

    /// Nodes this node shows members of that are not alive have stopped:
    /// their members leave. Judged only once the link has been up for a
    /// whole `--node-timeout`, so every live node has had time to beat.
    fn judge(&mut self, live: &[u16]) {
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        let timeout = engine.store.node_timeout;
        if engine
            .store
            .up_since
            .is_none_or(|since| self.now.instant < since + timeout)
        {
            return;
        }
        for node in self.chat.remote_nodes() {
            if !live.contains(&node) {
                info!("node {node:04x} stopped answering: its users have left");
                self.redis_counts().nodes_lost += 1;
                self.chat.reconcile(node, &[], &self.now);
                self.deliver();
            }
        }
    }

    /// Another node wrote its listing again (a `sync` entry): read it.
    pub(super) fn read_listing(&mut self, node: u16) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let tag = engine.store.tag(Waiting::Listing(node));
        let hgetall = [Bytes::from_static(b"HGETALL"), presence_key(node)];
        if !engine.command(tag, &hgetall, now) {
            engine.store.waiting.remove(&tag);
        }
    }
}

/// A listing (`HGETALL`: member id, `room\nname`, ...) as presences;
/// malformed entries are skipped (the core checks names and rooms).
fn parse_listing(frame: &BytesFrame) -> Vec<Presence> {
    let BytesFrame::Array(fields) = frame else {
        return Vec::new();
    };
    fields
        .chunks_exact(2)
        .filter_map(|pair| {
            let [BytesFrame::BulkString(id), BytesFrame::BulkString(value)] = pair else {
                return None;
            };
            let member = MemberId(std::str::from_utf8(id).ok()?.parse().ok()?);
            let (room, name) = std::str::from_utf8(value).ok()?.split_once('\n')?;
            Some(Presence {
                member,
                room: room.into(),
                name: name.into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_skips_what_does_not_parse() {
        let b = |s: &'static str| BytesFrame::BulkString(Bytes::from_static(s.as_bytes()));
        let frame = BytesFrame::Array(vec![
            b("7"),
            b("#lobby\nbob"),
            b("x"),
            b("#lobby\neve"),
            b("9"),
            b("no separator"),
            b("11"),
        ]);
        assert_eq!(
            parse_listing(&frame),
            vec![Presence {
                member: MemberId(7),
                room: "#lobby".into(),
                name: "bob".into(),
            }]
        );
    }
}
