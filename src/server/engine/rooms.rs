//! Reads of a room's own keys, asked for by the core or the reader: where
//! a room's stream ends (to read it from there) and its kept topic
//! (`/history` is in `history.rs`). Each answer comes back through `store.rs`, tagged
//! with what it was for.

use super::super::Server;
use super::room_stream;
use super::store::{TOPICS, Waiting};
use bytes::Bytes;

impl Server {
    /// Asks where `room`'s stream ends (see `read.rs`).
    pub(super) fn ask_room_end(&mut self, room: &str) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let tag = engine.store.tag(Waiting::RoomEnd(room.into()));
        let args = [
            Bytes::from_static(b"XREVRANGE"),
            room_stream(room),
            Bytes::from_static(b"+"),
            Bytes::from_static(b"-"),
            Bytes::from_static(b"COUNT"),
            Bytes::from_static(b"1"),
        ];
        if !engine.command(tag, &args, now) {
            // The link is down: asked again at a later flush.
            engine.store.waiting.remove(&tag);
            engine.rooms.remove(room);
            engine.rooms_changed = true;
        }
    }

    /// Asks for the topic kept for `room`, which this node has just opened.
    pub(in crate::server) fn read_topic(&mut self, room: Box<str>) {
        let now = self.now.instant;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let args = [
            Bytes::from_static(b"HGET"),
            Bytes::from_static(TOPICS),
            Bytes::from(room.to_string()),
        ];
        let tag = engine.store.tag(Waiting::Topic(room));
        if !engine.command(tag, &args, now) {
            engine.store.waiting.remove(&tag);
        }
    }
}
