//! Dialects: a client protocol's words and bytes for what the core says.
//!
//! The core hands out values ([`Message`]: chat turns, private messages,
//! prompts, [`Notice`](crate::chat::Notice)s); a [`Dialect`] turns one into
//! the bytes its clients read. Telnet ([`telnet`]) is the only one today;
//! IRC and WebSocket come as folders beside it.
//!
//! A message for a room is rendered once per dialect present in the room
//! ([`FanOut`]), into one shared `Bytes` that every recipient's queue
//! clones: the fan-out costs a refcount per reader, never a rendering.
//! Timestamps are a rendering choice of the node that renders.

pub mod telnet;

use crate::chat::{HistoryLine, Message};
use bytes::Bytes;
use std::time::SystemTime;

/// A client protocol's rendering of the core's messages.
pub trait Dialect {
    /// `message`, said at `at`, as the bytes a client reads.
    fn render(&self, message: &Message, at: SystemTime) -> Bytes;

    /// A `/history` answer's lines, each with the time it was said, as
    /// one buffer.
    fn history(&self, lines: &[HistoryLine]) -> Bytes;

    /// The length [`history`](Self::history) would return, computed
    /// without building it: an answer is priced before it is built.
    fn history_len(&self, lines: &[HistoryLine]) -> usize;
}

/// Which dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Lines for `telnet` and `nc`.
    Telnet,
}

/// How many [`Kind`]s there are.
const KINDS: usize = 1;

/// Every dialect of this node, set up from its configuration.
#[derive(Debug)]
pub struct Dialects {
    telnet: telnet::Telnet,
}

impl Dialects {
    /// The dialects, with `[HH:MM:SS] ` stamps on lines if `timestamps`.
    pub fn new(timestamps: bool) -> Dialects {
        Dialects {
            telnet: telnet::Telnet::new(timestamps),
        }
    }

    /// The dialect of `kind`.
    pub fn get(&self, kind: Kind) -> &dyn Dialect {
        match kind {
            Kind::Telnet => &self.telnet,
        }
    }
}

/// One message on its way to many connections: rendered the first time a
/// recipient of each dialect needs it, then shared by the rest of them.
#[derive(Debug)]
pub struct FanOut<'a> {
    message: &'a Message,
    at: SystemTime,
    rendered: [Option<Bytes>; KINDS],
}

impl<'a> FanOut<'a> {
    /// `message`, said at `at`, not rendered yet.
    pub fn new(message: &'a Message, at: SystemTime) -> FanOut<'a> {
        FanOut {
            message,
            at,
            rendered: Default::default(),
        }
    }

    /// The bytes for a recipient speaking `kind`: a clone of the one
    /// rendering for that dialect (no allocation after the first).
    pub fn bytes(&mut self, dialects: &Dialects, kind: Kind) -> Bytes {
        let slot = &mut self.rendered[kind as usize];
        slot.get_or_insert_with(|| dialects.get(kind).render(self.message, self.at))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Notice;

    #[test]
    fn a_fan_out_renders_once_per_dialect() {
        let dialects = Dialects::new(false);
        let message = Message::Notice(Notice::Joined { name: "x".into() });
        let mut fan = FanOut::new(&message, SystemTime::UNIX_EPOCH);
        let first = fan.bytes(&dialects, Kind::Telnet);
        let second = fan.bytes(&dialects, Kind::Telnet);
        assert_eq!(&first[..], b"*** x has joined\r\n");
        assert_eq!(
            first.as_ptr(),
            second.as_ptr(),
            "shared, not rendered twice"
        );
    }
}
