//! The reader: one `XREAD BLOCK` out at a time over the events stream and
//! the streams of the rooms this node has members in; entries of other
//! nodes are decoded (`wire`) and applied to the core.
//!
//! # Order across streams
//!
//! One reply holds entries of several streams. They are applied in the
//! order of their ids (Redis's clock), with one correction: one node's
//! entries are put back in the order that node numbered them (`seq`), so a
//! line and a `/quit` sent just after it, which land in two streams within
//! the same millisecond, are never applied the wrong way round. A stream
//! that returned a full `COUNT` may have more entries waiting; entries of
//! the other streams newer than its last one wait for the next read, so
//! nothing is applied ahead of what comes before it, and the reader
//! catches up (`catch_up.rs`) before it blocks again. Entries held back
//! at the end of a read never include only part of a millisecond of
//! another stream, so one node's entries of that millisecond arrive in one
//! reply and are put in order there.
//!
//! # Late entries
//!
//! An entry of a node numbered lower than one already applied from it is
//! late: an `XADD` its node gave up on (the link timed out while Redis was
//! stopped) that Redis ran after the node's newer ones, when it resumed.
//! It is skipped, so what readers see keeps its sender's order; its
//! sender's node counted it as not published.

use super::super::{Server, Slot};
use super::{
    STREAM, TAG_CATCH_UP, TAG_FIRST_ID, TAG_LAST_ID, TAG_XREAD, catch_up, room_stream, wire,
};
use crate::redis::{BytesFrame, State, Tag};
use bytes::Bytes;
use log::info;
use std::collections::HashMap;

/// How long one `XREAD` blocks, in ms: short, so a reply (even an empty
/// one) comes back often and a stalled link is noticed by its reply
/// timeout, and so a room a local member just entered is read soon.
const BLOCK_MS: &[u8] = b"200";

/// The largest entry a node writes: one field of [`wire::MAX_FIELD`] and
/// a few short ones.
const ENTRY_MAX: usize = wire::MAX_FIELD + 1024;

/// Bytes an `XREAD` reply is sized for: half the link's 16 MiB input cap.
const XREAD_BYTES: usize = 8 << 20;

/// Most entries one `XREAD` returns per stream: as many of the largest
/// entries as fit in [`XREAD_BYTES`] over all the streams, from 1 to 32.
/// With very many rooms even `COUNT 1` may not fit if every room had a
/// large entry at once; then the link drops that reply and the reader
/// catches up in pages, which always fit.
fn read_count(streams: usize) -> usize {
    (XREAD_BYTES / (streams.max(1) * ENTRY_MAX)).clamp(1, 32)
}

/// One entry of a reply, with where it came from.
struct Item {
    /// The stream's key.
    stream: Bytes,
    id: (u64, u64),
    raw_id: Bytes,
    fields: Vec<BytesFrame>,
    /// The adding node and its number for the entry.
    origin: (u16, u64),
}

impl Server {
    /// Keeps one command out on the reader: the events stream's last id at
    /// first, a check for a gap after a cut, else the next `XREAD`.
    pub(super) fn keep_reading(&mut self) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_ref() else {
            return;
        };
        if engine.reading || matches!(engine.reader.state(), State::Down { .. }) {
            return;
        }
        let paced = !engine.catching_up || self.readers_ready_for_a_page();
        let page_bytes = catch_up::page_bytes(self.config.max_outbuf);
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let sent = match &engine.last_id {
            None => engine.reader.send(
                TAG_LAST_ID,
                &[b"XREVRANGE", STREAM, b"+", b"-", b"COUNT", b"1"],
                now,
            ),
            Some(_) if engine.check_gap => engine.reader.send(
                TAG_FIRST_ID,
                &[b"XRANGE", STREAM, b"-", b"+", b"COUNT", b"1"],
                now,
            ),
            Some(_) if engine.catching_up && !paced => return,
            Some(id) if engine.catching_up => {
                engine.page_asked = now;
                let mut streams = vec![(Bytes::from_static(STREAM), id.clone())];
                streams.extend(
                    (engine.rooms.iter())
                        .filter_map(|(room, id)| Some((room_stream(room), id.clone()?))),
                );
                let args = catch_up::command(&streams, page_bytes);
                let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
                engine.reader.send(TAG_CATCH_UP, &args, now)
            }
            Some(id) => {
                let rooms: Vec<(Bytes, &Bytes)> = (engine.rooms.iter())
                    .filter_map(|(room, id)| Some((room_stream(room), id.as_ref()?)))
                    .collect();
                let count = read_count(rooms.len() + 1).to_string();
                let mut args: Vec<&[u8]> = vec![
                    b"XREAD",
                    b"COUNT",
                    count.as_bytes(),
                    b"BLOCK",
                    BLOCK_MS,
                    b"STREAMS",
                    STREAM,
                ];
                args.extend(rooms.iter().map(|(key, _)| &key[..]));
                args.push(id);
                args.extend(rooms.iter().map(|(_, id)| &id[..]));
                engine.reader.send(TAG_XREAD, &args, now)
            }
        };
        engine.reading = sent.is_ok();
    }

    /// Whether the next page of catching up may be asked for: the readers
    /// have taken most of the last one (no output queue holds more than
    /// half of `--max-outbuf`), or [`catch_up::PACE_MAX`] has passed since
    /// it was asked for (so one stuck reader slows catching up, but does
    /// not stop it: the pages that follow drop it as too slow). A page
    /// never fills a queue that was under half, so a reader that keeps up
    /// is never dropped for what catching up sends it at once.
    fn readers_ready_for_a_page(&self) -> bool {
        let Some(engine) = self.engine.as_ref() else {
            return false;
        };
        let half = self.config.max_outbuf / 2;
        if self.output_cost <= half || self.now.instant >= engine.page_asked + catch_up::PACE_MAX {
            return true;
        }
        (self.slots.iter()).all(|(_, slot)| match slot {
            Slot::Client(conn) => conn.queued_cost() <= half,
            _ => true,
        })
    }

    /// Brings the rooms read in line with the rooms local members are in.
    /// A room entered is read from the end of its stream as it is when
    /// Redis runs the `XREVRANGE` asked here, which comes after every entry
    /// this node added before (one link, in order).
    pub(super) fn follow_rooms(&mut self) {
        let wanted = self.chat.local_rooms();
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.rooms.retain(|room, _| wanted.contains(room));
        let new: Vec<Box<str>> = (wanted.into_iter())
            .filter(|room| !engine.rooms.contains_key(room))
            .collect();
        for room in &new {
            engine.rooms.insert(room.clone(), None);
        }
        for room in new {
            self.ask_room_end(&room);
        }
    }

    /// Where a room's stream ends (`XREVRANGE`'s answer): read it from there.
    pub(super) fn room_end(&mut self, room: &str, frame: &BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        if let Some(start @ None) = engine.rooms.get_mut(room) {
            *start = Some(first_id(frame).unwrap_or(Bytes::from_static(b"0-0")));
        }
    }

    /// A reply on the reader: the stream's last id, a gap check, or entries.
    pub(super) fn read_reply(&mut self, tag: Tag, frame: BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.reading = false;
        let node = engine.node;
        if tag == TAG_FIRST_ID {
            return self.check_gap(&frame);
        }
        if tag == TAG_LAST_ID {
            let id = match &frame {
                BytesFrame::Array(entries) if entries.is_empty() => {
                    Some(Bytes::from_static(b"0-0"))
                }
                _ => first_id(&frame),
            };
            match id {
                Some(id) => {
                    info!(
                        "redis: node {node:04x} reading {} after {}",
                        String::from_utf8_lossy(STREAM),
                        String::from_utf8_lossy(&id)
                    );
                    engine.last_id = Some(id);
                }
                None => conn_log!(self, Warn, "redis: unexpected XREVRANGE reply: {frame:?}"),
            }
            return;
        }
        if tag == TAG_CATCH_UP {
            return self.caught_up(frame);
        }
        if tag != TAG_XREAD {
            return;
        }
        // `[[stream, [[id, [field, value, ...]], ...]], ...]`, or nil when
        // the block time passed with nothing new.
        let BytesFrame::Array(streams) = frame else {
            if frame != BytesFrame::Null {
                conn_log!(self, Warn, "redis: unexpected XREAD reply: {frame:?}");
            }
            return;
        };
        let count = read_count(engine.rooms.len() + 1);
        let (items, full) = merge(streams, count);
        engine.catching_up = full && engine.catch_up_works;
        for item in items {
            self.read_entry(item, node);
        }
    }

    /// A page of catching up: its entries in order, less those of the
    /// millisecond the next page starts in (see the module doc).
    fn caught_up(&mut self, frame: BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let node = engine.node;
        let why = match &frame {
            BytesFrame::Error(e) => e.to_string(),
            _ => "an unexpected reply".into(),
        };
        let Some(page) = catch_up::page(frame) else {
            // Not the script's answer (an old Redis without `(id` ranges,
            // or scripts refused): read with `XREAD` alone from now on.
            conn_log!(
                self,
                Warn,
                "redis: cannot catch up in pages ({why}); reading on without"
            );
            if let Some(engine) = self.engine.as_mut() {
                engine.catching_up = false;
                engine.catch_up_works = false;
            }
            return;
        };
        engine.catching_up = page.more;
        let (mut items, _) = merge(page.streams, usize::MAX);
        if let Some(next) = page.next_ms.filter(|_| page.more) {
            let before = items.iter().take_while(|i| i.id.0 < next).count();
            if before > 0 {
                items.truncate(before);
            }
        }
        for item in items {
            self.read_entry(item, node);
        }
    }

    /// One entry: the stream's position moves past it, and it is applied
    /// unless it is ours or does not fit.
    fn read_entry(&mut self, item: Item, node: u16) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        // Positions only move on: one node's entries put back in its order
        // may apply a stream's entries out of id order.
        let position = if item.stream == STREAM {
            Some(&mut engine.last_id)
        } else if let Some(room) = item.stream.strip_prefix(b"linechat:room:")
            && let Ok(room) = std::str::from_utf8(room)
        {
            engine.rooms.get_mut(room)
        } else {
            None
        };
        if let Some(at) = position
            && at.as_deref().and_then(parse_id) < Some(item.id)
        {
            *at = Some(item.raw_id.clone());
        }
        let (origin, seq) = item.origin;
        if origin != node && seq != 0 {
            let last = engine.last_seq.entry(origin).or_default();
            match late(*last, seq, item.id.0) {
                Some(true) => {
                    self.redis_counts().dropped += 1;
                    log::debug!("redis: skipped entry {:?}: late", item.raw_id);
                    return;
                }
                Some(false) => {}
                None => *last = (seq, item.id.0),
            }
        }
        let wall = self.now.wall.duration_since(std::time::UNIX_EPOCH);
        let now_ms = wall.map_or(0, |d| d.as_millis() as u64);
        self.redis_counts().lag_ms = now_ms.saturating_sub(item.id.0);
        let chat = &mut self.chat;
        let id = &item.raw_id;
        match wire::decode(&item.fields, node, |name| chat.room_named(name)) {
            Ok(None) => {}
            Ok(Some(wire::Entry::Sync(other))) => self.read_listing(other),
            Ok(Some(wire::Entry::Displaced(member))) => {
                self.chat.displace(member, &self.now);
                self.deliver();
            }
            Ok(Some(wire::Entry::Event(event))) => {
                if self.chat.apply_remote(event, &self.now) {
                    self.redis_counts().applied += 1;
                } else {
                    self.redis_counts().dropped += 1;
                    log::debug!("redis: skipped entry {id:?}: does not fit this node");
                }
                self.deliver();
            }
            Err(why) => {
                self.redis_counts().dropped += 1;
                conn_log!(self, Warn, "redis: skipped entry {id:?}: {why}");
            }
        }
    }

    /// The stream's first entry, asked for when the reader came back: if
    /// it is newer than the last entry read, entries were trimmed unread
    /// (a long cut, or Redis lost its data), so this node registers again,
    /// which reads every other node's listing afresh.
    fn check_gap(&mut self, frame: &BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.check_gap = false;
        let first = first_id(frame).as_deref().and_then(parse_id);
        let last = engine.last_id.as_deref().and_then(parse_id);
        if let (Some(first), Some(last)) = (first, last)
            && first > last
        {
            log::warn!("redis: entries were trimmed from the stream before this node read them");
            engine.store.registered = false;
            self.redis_counts().resume_gaps += 1;
        }
    }
}

/// Whether an entry numbered `seq` by its node, added in millisecond `ms`,
/// comes late after `last` (the highest number applied from that node and
/// its millisecond): `None` if it is the newest yet, `Some(true)` if Redis
/// ran it in a later millisecond than a newer entry of its node, which a
/// node's one connection cannot do (it came from a connection the node
/// had given up on), `Some(false)` if it is older but not late (two of the
/// node's entries in one millisecond in two streams, read in two replies).
fn late(last: (u64, u64), seq: u64, ms: u64) -> Option<bool> {
    let (last_seq, last_ms) = last;
    if seq > last_seq {
        return None;
    }
    Some(seq == last_seq || ms > last_ms)
}

/// The entries of one `XREAD` reply in the order to apply them (see the
/// module doc), leaving out those that must wait for the next read, and
/// whether a stream filled its `count` (more may be waiting).
fn merge(streams: Vec<BytesFrame>, count: usize) -> (Vec<Item>, bool) {
    let mut items = Vec::new();
    // The last id of the full stream that ends first.
    let mut horizon: Option<(u64, u64)> = None;
    for stream in streams {
        let BytesFrame::Array(mut parts) = stream else {
            continue;
        };
        let (Some(BytesFrame::Array(entries)), Some(BytesFrame::BulkString(key))) =
            (parts.pop(), parts.pop())
        else {
            continue;
        };
        let full = entries.len() >= count;
        let mut last = None;
        for entry in entries {
            let BytesFrame::Array(parts) = entry else {
                continue;
            };
            let Ok([BytesFrame::BulkString(raw_id), BytesFrame::Array(fields)]) =
                <[BytesFrame; 2]>::try_from(parts)
            else {
                continue;
            };
            let Some(id) = parse_id(&raw_id) else {
                continue;
            };
            last = Some(id);
            let origin = wire::origin(&fields).unwrap_or((0, 0));
            items.push(Item {
                stream: key.clone(),
                id,
                raw_id,
                fields,
                origin,
            });
        }
        if full && let Some(last) = last {
            horizon = Some(horizon.map_or(last, |h| h.min(last)));
        }
    }
    let full = horizon.is_some();
    if let Some(horizon) = horizon {
        // The entries of the horizon's millisecond wait too, so one node's
        // entries of a millisecond are put in order in one reply; unless
        // that leaves nothing.
        if items.iter().any(|item| item.id.0 < horizon.0) {
            items.retain(|item| item.id.0 < horizon.0);
        } else {
            items.retain(|item| item.id <= horizon);
        }
    }
    items.sort_by_key(|item| item.id);
    // Each node's entries back in its own order, in the places they hold.
    let mut places: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        places.entry(item.origin.0).or_default().push(i);
    }
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    for places in places.values().filter(|p| p.len() > 1) {
        let mut group: Vec<Item> = places.iter().filter_map(|&i| slots[i].take()).collect();
        group.sort_by_key(|item| item.origin.1);
        for (&place, item) in places.iter().zip(group) {
            slots[place] = Some(item);
        }
    }
    (slots.into_iter().flatten().collect(), full)
}

/// The id of the first entry of an `XRANGE`/`XREVRANGE` reply.
pub(super) fn first_id(frame: &BytesFrame) -> Option<Bytes> {
    let BytesFrame::Array(entries) = frame else {
        return None;
    };
    let Some(BytesFrame::Array(entry)) = entries.first() else {
        return None;
    };
    match entry.first() {
        Some(BytesFrame::BulkString(id)) => Some(id.clone()),
        _ => None,
    }
}

/// A stream id `MS-SEQ` as numbers, which order as the ids do.
pub(super) fn parse_id(id: &[u8]) -> Option<(u64, u64)> {
    let (ms, seq) = std::str::from_utf8(id).ok()?.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> BytesFrame {
        BytesFrame::BulkString(Bytes::from(s.to_string()))
    }

    fn entry(id: &str, node: u16, seq: u64) -> BytesFrame {
        BytesFrame::Array(vec![
            bulk(id),
            BytesFrame::Array(vec![
                bulk("node"),
                bulk(&node.to_string()),
                bulk("seq"),
                bulk(&seq.to_string()),
            ]),
        ])
    }

    fn stream(key: &str, entries: Vec<BytesFrame>) -> BytesFrame {
        BytesFrame::Array(vec![bulk(key), BytesFrame::Array(entries)])
    }

    fn order(items: &[Item]) -> Vec<(u16, u64)> {
        items.iter().map(|i| i.origin).collect()
    }

    #[test]
    fn stream_ids_order_by_number() {
        assert_eq!(parse_id(b"1700000000000-3"), Some((1_700_000_000_000, 3)));
        assert!(parse_id(b"99-0") < parse_id(b"100-0"));
        assert_eq!(parse_id(b"junk"), None);
    }

    #[test]
    fn one_nodes_entries_keep_its_order_across_streams() {
        // Node 1's line (seq 1, room stream) and its leave (seq 2, events
        // stream) share a millisecond; the events stream comes first in
        // the reply, and id order alone would put the leave first.
        let streams = vec![
            stream(
                "linechat:events",
                vec![entry("5-0", 1, 2), entry("6-0", 2, 1)],
            ),
            stream(
                "linechat:room:#a",
                vec![entry("5-0", 1, 1), entry("7-0", 2, 2)],
            ),
        ];
        let (items, full) = merge(streams, 32);
        assert!(!full);
        assert_eq!(order(&items), vec![(1, 1), (1, 2), (2, 1), (2, 2)]);
    }

    #[test]
    fn entries_past_a_full_stream_wait() {
        let streams = vec![
            stream(
                "linechat:events",
                vec![entry("5-0", 1, 1), entry("6-0", 1, 2)],
            ),
            stream(
                "linechat:room:#a",
                vec![entry("5-1", 2, 1), entry("9-0", 2, 2)],
            ),
        ];
        // With COUNT 2 the events stream may have more after 6-0: the room
        // entry at 9-0 waits for the next read, and so does 6-0, as one of
        // millisecond 6 may come yet (numbered before it by its node).
        let (items, full) = merge(streams, 2);
        assert!(full);
        assert_eq!(order(&items), vec![(1, 1), (2, 1)]);
        // A full stream all in one millisecond still moves on.
        let streams = vec![stream(
            "linechat:room:#a",
            vec![entry("5-0", 2, 1), entry("5-1", 2, 2)],
        )];
        assert_eq!(order(&merge(streams, 2).0), vec![(2, 1), (2, 2)]);
    }

    #[test]
    fn late_entries_are_those_run_after_a_newer_one() {
        assert_eq!(late((0, 0), 7, 100), None, "the first");
        assert_eq!(late((7, 100), 8, 100), None, "the next");
        assert_eq!(late((7, 100), 7, 100), Some(true), "the same again");
        assert_eq!(late((8, 100), 7, 100), Some(false), "a millisecond's tie");
        assert_eq!(late((8, 100), 7, 130), Some(true), "run after 8");
    }
}
