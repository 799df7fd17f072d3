//! Resume state in Redis (issue 24), so that any node can resume a session
//! of any other, a dead one's too.
//!
//! - A session's record is the hash `linechat:resume:<key>` (`key`: a
//!   code's hash, or a registered name), fields `rec` (name, member,
//!   rooms and positions, as text), `member`, and while the session is
//!   open `node`. An open session's record is written at login and its
//!   time to live (`--resume-window`) is renewed every third of the window
//!   while it stays open; a closed one's is written at the close, with
//!   its positions then, and lives one window. A code is taken (read and
//!   deleted) by one script, so it resumes once.
//! - Positions: each node keeps, per room it hears, the id of the last
//!   turn said there, and writes them at most once a second to
//!   `linechat:positions:<node>` (one hash per node, not per user). A
//!   record still marked open when taken (its node died, or the session is
//!   open) is given its node's positions: at most a second behind what
//!   that node delivered, so at most a second of lines is shown twice.

use super::store::{TAG_WRITE, Waiting, millis};
use super::{Redis, Told};
use crate::chat::rooms::Said;
use crate::chat::{MemberId, Now, Position, ResumeKey, Suspended};
use bytes::Bytes;
use redis_protocol::resp2::types::BytesFrame;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Keys: the record. Arguments: its member, then `rec`, the node (empty
/// for a closed session) and the time to live in ms. Writes the record
/// unless another session's is there (a registered name's record may be
/// a newer login's by then).
const KEEP: &str = r"
local m = redis.call('HGET', KEYS[1], 'member')
if m and m ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'member', ARGV[1], 'rec', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'node', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// Keys: the record. Arguments: a member. Deletes the record if it is
/// that member's (a session ended on purpose).
const FORGET: &str = r"
if redis.call('HGET', KEYS[1], 'member') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Keys: the record. Takes it: `{rec}` for a closed session, `{rec,
/// positions}` for one marked open (its node's positions, flat), nothing
/// if there is none.
const TAKE: &str = r"
local r = redis.call('HMGET', KEYS[1], 'rec', 'node')
if not r[1] then return false end
redis.call('DEL', KEYS[1])
if not r[2] then return {r[1]} end
return {r[1], redis.call('HGETALL', 'linechat:positions:' .. r[2])}
";

/// The resume state of a Redis engine.
#[derive(Debug)]
pub(in crate::engine) struct Resumes {
    /// `--resume-window`.
    window: Duration,
    /// The last turn heard in each room during this loop turn: not yet
    /// written to this node's readers, so not yet a position (a node that
    /// died with it would have its readers skip it).
    staged: HashMap<Box<str>, u64>,
    /// The last turn heard in each room in an earlier loop turn, whose
    /// lines have been written to the readers' sockets (or queued for a
    /// slow one) since: a position at the next [`Redis::resume_timers`].
    settled: HashMap<Box<str>, u64>,
    /// The last turn of each room that this node's readers were given, and
    /// the rooms whose last turn changed since the positions were last
    /// written (only those are written again).
    positions: HashMap<Box<str>, u64>,
    changed: std::collections::HashSet<Box<str>>,
    dirty: bool,
    /// When positions may be written next.
    next_write: Instant,
    /// Records of sessions open here, by key, with their member: renewed
    /// every third of the window.
    open: HashMap<Box<str>, MemberId>,
    /// When the open records are renewed next.
    next_renew: Instant,
}

/// The record's key in Redis.
fn record_key(key: &ResumeKey) -> Bytes {
    Bytes::from(format!("linechat:resume:{}", key.text()))
}

fn ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A record as text: name, member, end (ms), then a line per room: name,
/// last turn, lines, serial, tab-separated.
pub(super) fn encode(record: &Suspended) -> Bytes {
    let mut text = format!("{}\n{}\n{}", record.name, record.member.0, ms(record.until));
    for p in &record.rooms {
        let s = p.said;
        text += &format!("\n{}\t{}\t{}\t{}", p.room, s.last_turn, s.lines, s.serial);
    }
    Bytes::from(text)
}

/// The record `text` encodes; `None` if it is malformed.
pub(super) fn decode(text: &[u8]) -> Option<Suspended> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.split('\n');
    let name = lines.next()?.into();
    let member = MemberId(lines.next()?.parse().ok()?);
    let until = UNIX_EPOCH + Duration::from_millis(lines.next()?.parse().ok()?);
    let rooms = lines
        .map(|line| {
            let mut f = line.split('\t');
            let room = f.next()?.into();
            let mut n = || f.next()?.parse::<u64>().ok();
            let (last_turn, lines, serial) = (n()?, n()?, n()?);
            let said = Said {
                last_turn,
                lines,
                serial,
            };
            Some(Position { room, said })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Suspended {
        name,
        member,
        rooms,
        until,
    })
}

impl Resumes {
    pub(in crate::engine) fn new(window: Duration, now: Instant) -> Resumes {
        Resumes {
            window,
            staged: HashMap::new(),
            settled: HashMap::new(),
            positions: HashMap::new(),
            changed: Default::default(),
            dirty: false,
            next_write: now,
            open: HashMap::new(),
            next_renew: now + window / 3,
        }
    }

    /// A turn `id` was said in `room` (here or heard from another node):
    /// a position once this loop turn's lines are written (see `settled`).
    pub(in crate::engine) fn said(&mut self, room: &str, id: u64) {
        match self.staged.get_mut(room) {
            Some(last) => *last = (*last).max(id),
            None => {
                self.staged.insert(room.into(), id);
            }
        }
    }

    /// The turns heard in an earlier loop turn become positions; those of
    /// this one wait for the next (the loop writes to its readers after
    /// the engine's timers).
    fn settle(&mut self) {
        let settled = std::mem::take(&mut self.settled);
        for (room, id) in settled {
            self.advance(&room, id);
        }
        std::mem::swap(&mut self.settled, &mut self.staged);
    }

    /// `room`'s position is at least `id`.
    fn advance(&mut self, room: &str, id: u64) {
        match self.positions.get_mut(room) {
            Some(last) if *last >= id => return,
            Some(last) => *last = id,
            None => {
                self.positions.insert(room.into(), id);
            }
        }
        if !self.changed.contains(room) {
            self.changed.insert(room.into());
        }
        self.dirty = true;
    }

    /// When [`Redis::resume_timers`] is next due.
    pub(in crate::engine) fn next_deadline(&self) -> Option<Instant> {
        // Turns waiting to become positions are written when a write may
        // be: a loop turn then (or two) moves them on.
        let pending = !self.settled.is_empty() || !self.staged.is_empty();
        let write = (self.dirty || pending).then_some(self.next_write);
        let renew = (!self.open.is_empty()).then_some(self.next_renew);
        write.into_iter().chain(renew).min()
    }
}

impl Redis {
    /// Keeps `record` under `key`: a session open here (`open`), or one
    /// that closed.
    pub(in crate::engine) fn keep_resume(
        &mut self,
        key: ResumeKey,
        record: &Suspended,
        open: bool,
        now: &Now,
    ) {
        let redis_key = record_key(&key);
        let text: Box<str> = String::from_utf8_lossy(&redis_key).into();
        match open {
            true => self.resume.open.insert(text, record.member),
            false => self.resume.open.remove(&text),
        };
        let node = if open {
            self.node.to_string()
        } else {
            String::new()
        };
        // A registered name's closed record outlives the window (see
        // `ACCOUNT_KEPT`).
        let ttl = match (&key, open) {
            (ResumeKey::Account(_), false) => self.resume.window + crate::chat::ACCOUNT_KEPT,
            _ => self.resume.window,
        };
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(KEEP.as_bytes()),
            Bytes::from_static(b"1"),
            redis_key,
            Bytes::from(record.member.0.to_string()),
            encode(record),
            Bytes::from(node),
            millis(ttl),
        ];
        self.command(TAG_WRITE, &args, now.instant);
    }

    /// The session of `member` under `key` ended for good.
    pub(in crate::engine) fn forget_resume(&mut self, key: ResumeKey, member: MemberId, now: &Now) {
        let redis_key = record_key(&key);
        self.resume
            .open
            .remove(&*String::from_utf8_lossy(&redis_key));
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(FORGET.as_bytes()),
            Bytes::from_static(b"1"),
            redis_key,
            Bytes::from(member.0.to_string()),
        ];
        self.command(TAG_WRITE, &args, now.instant);
    }

    /// Takes the record under `key` for `member`: [`Told::Recalled`].
    pub(in crate::engine) fn recall_resume(&mut self, member: MemberId, key: ResumeKey, now: &Now) {
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(TAKE.as_bytes()),
            Bytes::from_static(b"1"),
            record_key(&key),
        ];
        if !self.ask(Waiting::Recall(member), &args, now.instant) {
            self.told.push(Told::Recalled {
                member,
                record: None,
            });
        }
    }

    /// The answer to a take for `member` (`None`: none will come).
    pub(super) fn recalled(&mut self, member: MemberId, frame: Option<&BytesFrame>, now: &Now) {
        let record = frame.and_then(|frame| self.taken(frame, now));
        self.told.push(Told::Recalled { member, record });
    }

    /// The record in a take's answer, with its node's positions if it was
    /// open; good for a window from now if it was.
    fn taken(&self, frame: &BytesFrame, now: &Now) -> Option<Suspended> {
        let BytesFrame::Array(parts) = frame else {
            return None;
        };
        let Some(BytesFrame::BulkString(text)) = parts.first() else {
            return None;
        };
        let mut record = decode(text)?;
        if let Some(BytesFrame::Array(flat)) = parts.get(1) {
            let positions: HashMap<&[u8], u64> = (flat.chunks_exact(2))
                .filter_map(|pair| match pair {
                    [BytesFrame::BulkString(room), BytesFrame::BulkString(id)] => {
                        Some((&room[..], std::str::from_utf8(id).ok()?.parse().ok()?))
                    }
                    _ => None,
                })
                .collect();
            for p in &mut record.rooms {
                if let Some(&id) = positions.get(p.room.as_bytes()) {
                    p.said.last_turn = p.said.last_turn.max(id);
                }
            }
            record.until = now.wall + self.resume.window;
        }
        Some(record)
    }

    /// Writes the positions (at most once a second) and renews the
    /// records of sessions open here (every third of the window).
    pub(in crate::engine) fn resume_timers(&mut self, now: &Now) {
        let at = now.instant;
        self.resume.settle();
        if self.resume.dirty && self.resume.next_write <= at {
            self.resume.dirty = false;
            self.resume.next_write = at + Duration::from_secs(1);
            let key = Bytes::from(format!("linechat:positions:{}", self.node));
            let mut args = vec![Bytes::from_static(b"HSET"), key.clone()];
            for room in self.resume.changed.drain() {
                let id = self.resume.positions.get(&room).copied().unwrap_or(0);
                args.push(Bytes::from(room.into_string()));
                args.push(Bytes::from(id.to_string()));
            }
            self.command(TAG_WRITE, &args, at);
            let ttl = millis(self.resume.window + self.store.node_timeout);
            let expire = [Bytes::from_static(b"PEXPIRE"), key, ttl];
            self.command(TAG_WRITE, &expire, at);
        }
        if !self.resume.open.is_empty() && self.resume.next_renew <= at {
            self.resume.next_renew = at + self.resume.window / 3;
            let ttl = millis(self.resume.window);
            let keys: Vec<Bytes> = (self.resume.open.keys())
                .map(|k| Bytes::from(k.to_string()))
                .collect();
            for key in keys {
                let args = [Bytes::from_static(b"PEXPIRE"), key, ttl.clone()];
                self.command(TAG_WRITE, &args, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A turn heard in a loop turn is a position only at the engine's
    /// timers of a later loop turn: the loop runs the timers (and sends
    /// the positions) before it writes that turn's lines to its readers,
    /// and a node killed in between must not have its readers skip them.
    #[test]
    fn a_turn_heard_is_a_position_one_loop_turn_later() {
        let mut resumes = Resumes::new(Duration::from_secs(600), Instant::now());
        resumes.said("#a", 7);
        resumes.said("#a", 5);
        resumes.settle();
        assert_eq!(resumes.positions.get("#a"), None, "not in this loop turn");
        assert!(resumes.next_deadline().is_some(), "a loop turn to come");
        resumes.said("#a", 9);
        resumes.settle();
        assert_eq!(resumes.positions.get("#a"), Some(&7));
        assert!(resumes.dirty);
        resumes.settle();
        assert_eq!(resumes.positions.get("#a"), Some(&9));
    }

    #[test]
    fn a_record_reads_back() {
        let record = Suspended {
            name: "alice".into(),
            member: MemberId(0x0001_0000_0000_0007),
            rooms: vec![Position {
                room: "#rust".into(),
                said: Said {
                    last_turn: 42,
                    lines: 7,
                    serial: 3,
                },
            }],
            until: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        };
        assert_eq!(decode(&encode(&record)), Some(record));
        assert_eq!(decode(b"alice\nnot a number\n1"), None);
        assert_eq!(decode(b"alice\n7\n1\n#a\t1\t2"), None, "a field short");
    }
}
