//! The store beside the stream: what makes several nodes one chat.
//!
//! | key | holds | written by |
//! | --- | --- | --- |
//! | `linechat:node:<node>` | `1`, expiring after `--node-timeout` | its node's heartbeat |
//! | `linechat:nodes` | the set of node ids seen | every heartbeat (dead ones are removed) |
//! | `linechat:presence:<node>` | hash: member id → `room\nname` (its first room, empty for none); for a member in several rooms also `<id>+` → the others, `\n` between them (nodes before this one skip that field: its key is no id) | its node, on each join, move, part, rename, leave |
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

use super::{Redis, TAG_XADD, Told, limited_warn, wire};
use crate::chat::{Claimed, MemberId, Now, Presence};
use crate::redis::{BytesFrame, Tag};
use bytes::Bytes;
use log::warn;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Every room's topic (hash: room name → topic), kept while the room is
/// empty and across restarts of every node.
pub(super) const TOPICS: &[u8] = b"linechat:topics";

pub(super) const HEARTBEAT: &str = r"
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
pub(super) const TAG_HEARTBEAT: Tag = 8;
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
        members: Vec<MemberId>,
        room: Box<str>,
        ask: crate::chat::HistoryAsk,
    },
    /// The topic kept for a room.
    Topic(Box<str>),
    /// A resume record taken for a member (see `resume.rs`).
    Recall(MemberId),
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
    pub(super) epoch: Option<Bytes>,
    /// The epoch this node sets if Redis has none.
    pub(super) proposal: Bytes,
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

impl Redis {
    /// Queues one command on the commands link; false if it could not be.
    pub(super) fn command(&mut self, tag: Tag, args: &[Bytes], now: Instant) -> bool {
        let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
        self.commands.send(tag, &args, now).is_ok()
    }

    /// Queues a command that waits for its own answer, `waiting` saying
    /// what it was for; false (and forgotten) if it could not be.
    pub(super) fn ask(&mut self, waiting: Waiting, args: &[Bytes], now: Instant) -> bool {
        let tag = self.store.tag(waiting);
        let sent = self.command(tag, args, now);
        if !sent {
            self.store.waiting.remove(&tag);
        }
        sent
    }

    /// An answer on the commands link.
    pub(super) fn store_reply(&mut self, tag: Tag, frame: BytesFrame, now: &Now) {
        match tag {
            TAG_XADD => return self.published(frame, now),
            TAG_HEARTBEAT => return self.beat(frame, now),
            super::retention::TAG_SWEEP => return self.swept(&frame, now),
            _ => {}
        }
        if let BytesFrame::Error(e) = &frame {
            limited_warn!(self, now, "redis: command refused: {e}");
        }
        match self.store.waiting.remove(&tag) {
            None => {}
            Some(Waiting::Claim { member, name }) => {
                let answer = match &frame {
                    BytesFrame::Integer(1) => Claimed::Granted,
                    BytesFrame::Integer(_) => Claimed::Taken,
                    BytesFrame::BulkString(holder) => {
                        // Taken with the password from `holder`: told
                        // before the claimant's join is published.
                        self.displaced(holder, now);
                        Claimed::Granted
                    }
                    _ => Claimed::Unavailable,
                };
                self.told.push(Told::Claimed {
                    member,
                    name,
                    answer,
                });
            }
            Some(Waiting::Reclaim(member)) if frame == BytesFrame::Integer(0) => {
                warn!("redis: a local user's name went to another node during a cut");
                self.told.push(Told::NameLost(member));
            }
            Some(Waiting::Reclaim(_)) => {}
            Some(Waiting::Listing(node)) => {
                let members = parse_listing(&frame);
                self.told.push(Told::Listing { node, members });
            }
            Some(Waiting::RoomEnd(room)) => self.room_end(&room, &frame),
            Some(Waiting::History { members, room, ask }) => {
                let lines = wire::history_lines(&frame);
                let more = super::history::counted(&frame);
                self.answer_history(members, room, lines, more, ask);
                self.history_done(now);
            }
            Some(Waiting::Recall(member)) => self.recalled(member, Some(&frame), now),
            Some(Waiting::Topic(room)) => {
                if let BytesFrame::BulkString(topic) = &frame {
                    let mut clean = String::new();
                    crate::framing::clean(topic, &mut clean);
                    let topic = clean.into();
                    self.told.push(Told::Topic { room, topic });
                }
            }
        }
    }

    /// A command on the commands link that will not be answered.
    pub(super) fn store_lost(&mut self, tag: Tag, now: &Now) {
        if tag == TAG_XADD {
            self.counts.dropped += 1;
        }
        match self.store.waiting.remove(&tag) {
            Some(Waiting::Claim { member, name }) => {
                let answer = Claimed::Unavailable;
                self.told.push(Told::Claimed {
                    member,
                    name,
                    answer,
                });
            }
            Some(Waiting::RoomEnd(room)) => {
                // Asked again once the link is back.
                self.rooms.remove(&room);
                self.rooms_changed = true;
            }
            Some(Waiting::History { members, room, ask }) => {
                self.answer_history(members, room, Vec::new(), 0, ask);
                self.history_done(now);
            }
            Some(Waiting::Recall(member)) => self.recalled(member, None, now),
            // Registration reads the listings and claims the names again.
            Some(Waiting::Reclaim(_) | Waiting::Listing(_) | Waiting::Topic(_)) | None => {}
        }
    }
}

/// A listing (`HGETALL`: member id, `room\nname`, ..., and `<id>+`,
/// the further rooms of a member in several) as presences; malformed
/// entries are skipped (the core checks names and rooms).
fn parse_listing(frame: &BytesFrame) -> Vec<Presence> {
    let BytesFrame::Array(fields) = frame else {
        return Vec::new();
    };
    let pairs = fields.chunks_exact(2).filter_map(|pair| match pair {
        [BytesFrame::BulkString(id), BytesFrame::BulkString(value)] => Some((
            std::str::from_utf8(id).ok()?,
            std::str::from_utf8(value).ok()?,
        )),
        _ => None,
    });
    let (mut listing, mut more) = (Vec::new(), Vec::new());
    for (id, value) in pairs {
        if let Some(id) = id.strip_suffix('+') {
            let Ok(member) = id.parse() else { continue };
            more.push((MemberId(member), value));
            continue;
        }
        let (Ok(member), Some((room, name))) = (id.parse(), value.split_once('\n')) else {
            continue;
        };
        listing.push(Presence {
            member: MemberId(member),
            room: room.into(),
            name: name.into(),
            more: Vec::new(),
        });
    }
    for (member, rooms) in more {
        if let Some(entry) = listing.iter_mut().find(|p| p.member == member) {
            entry.more = rooms.split('\n').map(Into::into).collect();
        }
    }
    listing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_holds_every_room_of_a_member_in_several() {
        let b = |s: &'static str| BytesFrame::BulkString(Bytes::from_static(s.as_bytes()));
        let frame = BytesFrame::Array(vec![
            b("8+"),
            b("#b\n#c"),
            b("8"),
            b("#a\nann"),
            b("9"),
            b("\nzed"),
            b("x+"),
            b("#d"),
        ]);
        let listing = parse_listing(&frame);
        let rooms: Vec<(&str, Vec<&str>)> = (listing.iter())
            .map(|p| (&*p.room, p.more.iter().map(|r| &**r).collect()))
            .collect();
        assert_eq!(rooms, [("#a", vec!["#b", "#c"]), ("", vec![])]);
    }

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
                more: Vec::new(),
            }]
        );
    }
}
