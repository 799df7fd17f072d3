//! The reader's replies: the stream's last id at start, then entries of
//! other nodes, each decoded (`wire`) and applied to the core.

use super::super::Server;
use super::{STREAM, TAG_FIRST_ID, TAG_LAST_ID, wire};
use crate::redis::{BytesFrame, Tag};
use bytes::Bytes;
use log::info;

impl Server {
    /// A reply on the reader: the stream's last id, or entries to apply.
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
                BytesFrame::Array(entries) => match entries.first() {
                    None => Some(Bytes::from_static(b"0-0")),
                    Some(BytesFrame::Array(entry)) => match entry.first() {
                        Some(BytesFrame::BulkString(id)) => Some(id.clone()),
                        _ => None,
                    },
                    Some(_) => None,
                },
                _ => None,
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
        // `[[stream, [[id, [field, value, ...]], ...]]]`, or nil when the
        // block time passed with nothing new.
        let BytesFrame::Array(streams) = frame else {
            if frame != BytesFrame::Null {
                conn_log!(self, Warn, "redis: unexpected XREAD reply: {frame:?}");
            }
            return;
        };
        for stream in streams {
            let BytesFrame::Array(mut parts) = stream else {
                continue;
            };
            let Some(BytesFrame::Array(entries)) = parts.pop() else {
                continue;
            };
            for entry in entries {
                self.read_entry(entry, node);
            }
        }
    }

    /// One entry of the stream: applied unless it is ours or does not fit.
    fn read_entry(&mut self, entry: BytesFrame, node: u16) {
        let BytesFrame::Array(parts) = entry else {
            return;
        };
        let [BytesFrame::BulkString(id), BytesFrame::Array(fields)] = &parts[..] else {
            conn_log!(
                self,
                Warn,
                "redis: skipped an entry that is not [id, fields]"
            );
            return;
        };
        if let Some(engine) = self.engine.as_mut() {
            engine.last_id = Some(id.clone());
        }
        if let Some((ms, _)) = parse_id(id) {
            let wall = self.now.wall.duration_since(std::time::UNIX_EPOCH);
            let now_ms = wall.map_or(0, |d| d.as_millis() as u64);
            self.redis_counts().lag_ms = now_ms.saturating_sub(ms);
        }
        let chat = &mut self.chat;
        match wire::decode(fields, node, |name| chat.room_named(name)) {
            Ok(None) => {}
            Ok(Some(wire::Entry::Sync(other))) => self.read_listing(other),
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
}

impl Server {
    /// The stream's first entry, asked for when the reader came back: if
    /// it is newer than the last entry read, entries were trimmed unread
    /// (a long cut, or Redis lost its data), so this node registers again,
    /// which reads every other node's listing afresh.
    fn check_gap(&mut self, frame: &BytesFrame) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        engine.check_gap = false;
        let first = match frame {
            BytesFrame::Array(entries) => match entries.first() {
                Some(BytesFrame::Array(entry)) => match entry.first() {
                    Some(BytesFrame::BulkString(id)) => parse_id(id),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
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

/// A stream id `MS-SEQ` as numbers, which order as the ids do.
fn parse_id(id: &[u8]) -> Option<(u64, u64)> {
    let (ms, seq) = std::str::from_utf8(id).ok()?.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn stream_ids_order_by_number() {
        assert_eq!(
            super::parse_id(b"1700000000000-3"),
            Some((1_700_000_000_000, 3))
        );
        assert!(super::parse_id(b"99-0") < super::parse_id(b"100-0"));
        assert_eq!(super::parse_id(b"junk"), None);
    }
}
