//! Publishing: a local room event as one `XADD` (chat lines to the room's
//! own stream, the rest to the events stream), and the answers.

use super::{MAXLEN, ROOM_MAXLEN, Redis, STREAM, TAG_XADD, limited_warn, room_stream, wire};
use crate::chat::{Now, RoomEvent, RoomNames};
use crate::redis::BytesFrame;
use bytes::Bytes;

impl Redis {
    /// The answer to an `XADD`.
    pub(super) fn published(&mut self, frame: BytesFrame, now: &Now) {
        if let BytesFrame::Error(e) = frame {
            limited_warn!(self, now, "redis: XADD refused: {e}");
            self.counts.dropped += 1;
        } else {
            self.counts.published += 1;
        }
    }

    /// Counts a remote event the core applied or found not to fit.
    pub(in crate::engine) fn applied(&mut self, fitted: bool) {
        match fitted {
            true => self.counts.applied += 1,
            false => {
                self.counts.dropped += 1;
                log::debug!("redis: skipped an entry: does not fit this node");
            }
        }
    }

    /// Queues one `XADD` of `fields` to `stream`, trimmed to about
    /// `maxlen` entries (none: untrimmed); false if it could not be.
    pub(super) fn xadd(
        &mut self,
        stream: Bytes,
        maxlen: Option<&'static [u8]>,
        fields: Vec<Bytes>,
        now: &Now,
    ) -> bool {
        let mut args = vec![Bytes::from_static(b"XADD"), stream];
        if let Some(maxlen) = maxlen {
            args.extend([b"MAXLEN" as &[u8], b"~", maxlen].map(Bytes::from_static));
        }
        args.push(Bytes::from_static(b"*"));
        args.extend(fields);
        self.command(TAG_XADD, &args, now.instant)
    }

    /// Publishes one room event of a local user.
    pub(in crate::engine) fn publish(&mut self, event: &RoomEvent, names: &RoomNames, now: &Now) {
        if let RoomEvent::Said { turn, .. } = event {
            self.resume.said(&names.room, turn.id);
        }
        if let RoomEvent::Private { to, .. } = event
            && self.locals.contains_key(to)
        {
            return; // Delivered here; no other node has the recipient.
        }
        if matches!(
            event,
            RoomEvent::Joined { .. }
                | RoomEvent::Moved { .. }
                | RoomEvent::Left { .. }
                | RoomEvent::Parted { .. }
        ) {
            self.rooms_changed = true;
        }
        let (stream, maxlen) = match event {
            RoomEvent::Said { .. } => (room_stream(&names.room), ROOM_MAXLEN),
            _ => (Bytes::from_static(STREAM), MAXLEN),
        };
        self.seq += 1;
        let mut fields = Vec::new();
        let sent = if !wire::encode((self.node, self.seq), event, names, now.wall, &mut fields) {
            Err("too large")
        } else if !self.xadd(stream, Some(maxlen), fields, now) {
            Err("link down")
        } else {
            Ok(())
        };
        if let Err(why) = sent {
            self.counts.dropped += 1;
            limited_warn!(self, now, "redis: event not published ({why})");
        } else if matches!(event, RoomEvent::Said { .. }) {
            self.keep_room(&names.room, now);
        }
        self.list(event, names, now);
    }
}
