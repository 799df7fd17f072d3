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

use super::order::{Item, first_id, late, merge, parse_id};
use super::{
    Redis, STREAM, TAG_CATCH_UP, TAG_FIRST_ID, TAG_LAST_ID, TAG_XREAD, Told, catch_up,
    limited_warn, room_stream, wire,
};
use crate::chat::Now;
use crate::redis::{BytesFrame, State, Tag};
use bytes::Bytes;
use log::info;

/// How long one `XREAD` blocks, in ms: short, so a reply (even an empty
/// one) comes back often and a stalled link is noticed by its reply
/// timeout, and so a room a local member just entered is read soon.
const BLOCK_MS: &[u8] = b"200";

/// The largest entry a node writes: [`wire::MAX_FIELD`] in all (a node
/// of the release before wrote one field of that and a few short ones).
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

impl Redis {
    /// Keeps one command out on the reader: the events stream's last id at
    /// first, a check for a gap after a cut, else the next `XREAD`. While
    /// catching up, a page is asked for only when `readers_ready` (the
    /// readers have taken most of the last one: no output queue holds more
    /// than half of `--max-outbuf`) or [`catch_up::PACE_MAX`] has passed
    /// since the last (so one stuck reader slows catching up, but does not
    /// stop it: the pages that follow drop it as too slow).
    pub(super) fn keep_reading(&mut self, now: &Now, readers_ready: &dyn Fn() -> bool) {
        let now = now.instant;
        if self.reading || matches!(self.reader.state(), State::Down { .. }) {
            return;
        }
        let paced =
            !self.catching_up || now >= self.page_asked + catch_up::PACE_MAX || readers_ready();
        let page_bytes = catch_up::page_bytes(self.max_outbuf);
        let sent = match &self.last_id {
            None => self.reader.send(
                TAG_LAST_ID,
                &[b"XREVRANGE", STREAM, b"+", b"-", b"COUNT", b"1"],
                now,
            ),
            Some(_) if self.check_gap => self.reader.send(
                TAG_FIRST_ID,
                &[b"XRANGE", STREAM, b"-", b"+", b"COUNT", b"1"],
                now,
            ),
            Some(_) if self.catching_up && !paced => return,
            Some(id) if self.catching_up => {
                self.page_asked = now;
                let mut streams = vec![(Bytes::from_static(STREAM), id.clone())];
                streams.extend(
                    (self.rooms.iter())
                        .filter_map(|(room, id)| Some((room_stream(room), id.clone()?))),
                );
                let args = catch_up::command(&streams, page_bytes);
                let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
                self.reader.send(TAG_CATCH_UP, &args, now)
            }
            Some(id) => {
                let rooms: Vec<(Bytes, &Bytes)> = (self.rooms.iter())
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
                self.reader.send(TAG_XREAD, &args, now)
            }
        };
        self.reading = sent.is_ok();
    }

    /// Brings the rooms read in line with the rooms local members are in.
    /// A room entered is read from the end of its stream as it is when
    /// Redis runs the `XREVRANGE` asked here, which comes after every entry
    /// this node added before (one link, in order).
    pub(super) fn follow_rooms(&mut self, now: &Now) {
        let wanted = self.local_rooms();
        self.rooms.retain(|room, _| wanted.contains(room));
        let new: Vec<Box<str>> = (wanted.into_iter())
            .filter(|room| !self.rooms.contains_key(room))
            .collect();
        for room in &new {
            self.rooms.insert(room.clone(), None);
        }
        for room in new {
            self.ask_room_end(&room, now);
        }
    }

    /// Where a room's stream ends (`XREVRANGE`'s answer): read it from there.
    pub(super) fn room_end(&mut self, room: &str, frame: &BytesFrame) {
        if let Some(start @ None) = self.rooms.get_mut(room) {
            *start = Some(first_id(frame).unwrap_or(Bytes::from_static(b"0-0")));
        }
    }

    /// A reply on the reader: the stream's last id, a gap check, or entries.
    pub(super) fn read_reply(&mut self, tag: Tag, frame: BytesFrame, now: &Now) {
        self.reading = false;
        match tag {
            TAG_FIRST_ID => self.check_gap(&frame),
            TAG_LAST_ID => self.stream_end(&frame, now),
            TAG_CATCH_UP => self.caught_up(frame, now),
            TAG_XREAD => {
                // `[[stream, [[id, [field, value, ...]], ...]], ...]`, or nil
                // when the block time passed with nothing new.
                let BytesFrame::Array(streams) = frame else {
                    if frame != BytesFrame::Null {
                        limited_warn!(self, now, "redis: unexpected XREAD reply: {frame:?}");
                    }
                    return;
                };
                let count = read_count(self.rooms.len() + 1);
                let (items, full) = merge(streams, count);
                self.catching_up = full && self.catch_up_works;
                for item in items {
                    self.read_entry(item, now);
                }
            }
            _ => {}
        }
    }

    /// The events stream's last id (`XREVRANGE`'s answer): read from there.
    fn stream_end(&mut self, frame: &BytesFrame, now: &Now) {
        let id = match frame {
            BytesFrame::Array(entries) if entries.is_empty() => Some(Bytes::from_static(b"0-0")),
            _ => first_id(frame),
        };
        let Some(id) = id else {
            limited_warn!(self, now, "redis: unexpected XREVRANGE reply: {frame:?}");
            return;
        };
        info!(
            "redis: node {:04x} reading {} after {}",
            self.node,
            String::from_utf8_lossy(STREAM),
            String::from_utf8_lossy(&id)
        );
        self.last_id = Some(id);
    }

    /// A page of catching up: its entries in order, less those of the
    /// millisecond the next page starts in (see the module doc).
    fn caught_up(&mut self, frame: BytesFrame, now: &Now) {
        let why = match &frame {
            BytesFrame::Error(e) => e.to_string(),
            _ => "an unexpected reply".into(),
        };
        let Some(page) = catch_up::page(frame) else {
            // Not the script's answer (an old Redis without `(id` ranges,
            // or scripts refused): read with `XREAD` alone from now on.
            limited_warn!(
                self,
                now,
                "redis: cannot catch up in pages ({why}); reading on without"
            );
            self.catching_up = false;
            self.catch_up_works = false;
            return;
        };
        self.catching_up = page.more;
        let (mut items, _) = merge(page.streams, usize::MAX);
        if let Some(next) = page.next_ms.filter(|_| page.more) {
            let before = items.iter().take_while(|i| i.id.0 < next).count();
            if before > 0 {
                items.truncate(before);
            }
        }
        for item in items {
            self.read_entry(item, now);
        }
    }

    /// One entry: the stream's position moves past it, and it is told to
    /// the core unless it is ours, late, or does not decode.
    fn read_entry(&mut self, item: Item, now: &Now) {
        // Positions only move on: one node's entries put back in its order
        // may apply a stream's entries out of id order.
        let position = if item.stream == STREAM {
            Some(&mut self.last_id)
        } else if let Some(room) = item.stream.strip_prefix(b"linechat:room:")
            && let Ok(room) = std::str::from_utf8(room)
        {
            self.rooms.get_mut(room)
        } else {
            None
        };
        if let Some(at) = position
            && at.as_deref().and_then(parse_id) < Some(item.id)
        {
            *at = Some(item.raw_id.clone());
        }
        let (origin, seq) = item.origin;
        if origin != self.node && seq != 0 {
            let last = self.last_seq.entry(origin).or_default();
            match late(*last, seq, item.id.0) {
                Some(true) => {
                    self.counts.dropped += 1;
                    log::debug!("redis: skipped entry {:?}: late", item.raw_id);
                    return;
                }
                Some(false) => {}
                None => *last = (seq, item.id.0),
            }
        }
        let wall = now.wall.duration_since(std::time::UNIX_EPOCH);
        let now_ms = wall.map_or(0, |d| d.as_millis() as u64);
        self.counts.lag_ms = now_ms.saturating_sub(item.id.0);
        let id = &item.raw_id;
        match wire::decode(&item.fields, self.node, now.wall) {
            Ok(None) => {}
            Ok(Some(wire::Entry::Sync(other))) => self.read_listing(other, now),
            Ok(Some(wire::Entry::Displaced(member))) => self.told.push(Told::Displaced(member)),
            Ok(Some(wire::Entry::Event(event, rooms))) => {
                if let crate::chat::RoomEvent::Said { turn, .. } = &event {
                    self.resume.said(&rooms.room, turn.id);
                }
                self.told.push(Told::Event { event, rooms })
            }
            Err(why) => {
                match why {
                    wire::UNKNOWN_VERSION => self.counts.unknown_version += 1,
                    _ => self.counts.dropped += 1,
                }
                limited_warn!(self, now, "redis: skipped entry {id:?}: {why}");
            }
        }
    }

    /// The stream's first entry, asked for when the reader came back: if
    /// it is newer than the last entry read, entries were trimmed unread
    /// (a long cut, or Redis lost its data), so this node registers again,
    /// which reads every other node's listing afresh.
    fn check_gap(&mut self, frame: &BytesFrame) {
        self.check_gap = false;
        let first = first_id(frame).as_deref().and_then(parse_id);
        let last = self.last_id.as_deref().and_then(parse_id);
        if let (Some(first), Some(last)) = (first, last)
            && first > last
        {
            log::warn!("redis: entries were trimmed from the stream before this node read them");
            self.store.registered = false;
            self.counts.resume_gaps += 1;
        }
    }
}
