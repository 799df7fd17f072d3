//! The reader's replies: the stream's last id at start, then entries of
//! other nodes, each decoded (`wire`) and applied to the core.

use super::super::Server;
use super::{STREAM, TAG_LAST_ID, wire};
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
        let chat = &mut self.chat;
        match wire::decode(fields, node, |name| chat.room_named(name)) {
            Ok(None) => {}
            Ok(Some(event)) => {
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
