//! Reads of a room's own keys, asked for by the core or the reader: where
//! a room's stream ends (to read it from there) and its kept topic
//! (`/history` is in `history.rs`). Each answer comes back through
//! `store.rs`, tagged with what it was for.

use super::store::{TOPICS, Waiting};
use super::{Redis, room_stream};
use crate::chat::Now;
use bytes::Bytes;

impl Redis {
    /// Asks where `room`'s stream ends (see `read.rs`).
    pub(super) fn ask_room_end(&mut self, room: &str, now: &Now) {
        let args = [
            Bytes::from_static(b"XREVRANGE"),
            room_stream(room),
            Bytes::from_static(b"+"),
            Bytes::from_static(b"-"),
            Bytes::from_static(b"COUNT"),
            Bytes::from_static(b"1"),
        ];
        if !self.ask(Waiting::RoomEnd(room.into()), &args, now.instant) {
            // The link is down: asked again at a later flush.
            self.rooms.remove(room);
            self.rooms_changed = true;
        }
    }

    /// Asks for the topic kept for `room`, which this node has just opened.
    pub(in crate::engine) fn read_topic(&mut self, room: Box<str>, now: &Now) {
        let args = [
            Bytes::from_static(b"HGET"),
            Bytes::from_static(TOPICS),
            Bytes::from(room.to_string()),
        ];
        self.ask(Waiting::Topic(room), &args, now.instant);
    }
}
