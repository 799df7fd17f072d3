//! How long Redis keeps a room's lines, and for how many rooms. Without
//! this every room ever talked in kept its stream for ever (up to 10,000
//! entries each), after every user had left.
//!
//! - **Retention** (`--history-retention`, 7 days): a node that adds a
//!   line to a room's stream pushes its expiry back to that long from now
//!   (at most once per tenth of it per room, so a busy room costs one
//!   `PEXPIRE` now and then, not one per line). A room nobody talks in is
//!   deleted by Redis itself, whether or not any node is running.
//! - **Cap** (`--history-rooms`, 10,000): the same writes note the room in
//!   the sorted set `linechat:room-streams` (room → last write, ms), and
//!   every minute (and a second after a node first writes to a room) a
//!   script deletes the streams written to longest ago past the cap, and
//!   forgets rooms whose streams have expired.

use super::store::{TAG_WRITE, millis};
use super::{Redis, limited_warn, room_stream};
use crate::chat::Now;
use crate::config::Config;
use crate::redis::BytesFrame;
use bytes::Bytes;
use log::info;
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Every room with a stream, by the time of its last line (ms).
const INDEX: &[u8] = b"linechat:room-streams";

/// Keys: the index; arguments: now (ms), the retention (ms), the cap.
const SWEEP: &str = r"
local old = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', old)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over <= 0 then return 0 end
for _, room in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do
  redis.call('DEL', 'linechat:room:' .. room)
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
return over
";

/// How often the sweep runs at least.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// How soon the sweep runs after this node first writes to a room.
const SWEEP_SOON: Duration = Duration::from_secs(1);

/// The tag of the sweep's answer.
pub(super) const TAG_SWEEP: crate::redis::Tag = 6;

/// Retention and cap, and when this node last pushed back each room's
/// expiry.
#[derive(Debug)]
pub(super) struct Retention {
    keep: Duration,
    most: usize,
    /// Rooms this node wrote to lately, with when it last pushed back
    /// their expiry; emptied of old ones at each sweep.
    refreshed: HashMap<Box<str>, Instant>,
    pub(super) next_sweep: Instant,
}

impl Retention {
    pub(super) fn new(config: &Config, now: Instant) -> Retention {
        Retention {
            keep: config.history_retention,
            most: config.history_rooms,
            refreshed: HashMap::new(),
            next_sweep: now + SWEEP_EVERY,
        }
    }

    /// How long a room's expiry stays as it was set before a line pushes it
    /// back again: a tenth of the retention, at most a minute.
    fn refresh_every(&self) -> Duration {
        (self.keep / 10).min(SWEEP_EVERY)
    }
}

fn now_ms() -> Bytes {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Bytes::from(ms.to_string())
}

impl Redis {
    /// A line was just added to `room`'s stream (the `XADD` is queued):
    /// pushes back its expiry and notes it in the index, if not lately.
    pub(super) fn keep_room(&mut self, room: &str, now: &Now) {
        let now = now.instant;
        let retention = &mut self.retention;
        let every = retention.refresh_every();
        match retention.refreshed.get_mut(room) {
            Some(at) if now < *at + every => return,
            Some(at) => *at = now,
            None => {
                retention.refreshed.insert(room.into(), now);
                retention.next_sweep = retention.next_sweep.min(now + SWEEP_SOON);
            }
        }
        let keep = millis(retention.keep);
        let expire = [Bytes::from_static(b"PEXPIRE"), room_stream(room), keep];
        self.command(TAG_WRITE, &expire, now);
        let note = [
            Bytes::from_static(b"ZADD"),
            Bytes::from_static(INDEX),
            now_ms(),
            Bytes::copy_from_slice(room.as_bytes()),
        ];
        self.command(TAG_WRITE, &note, now);
    }

    /// Runs the sweep when it is due (see the module doc).
    pub(super) fn sweep_rooms(&mut self, now: &Now) {
        let now = now.instant;
        let retention = &mut self.retention;
        if now < retention.next_sweep {
            return;
        }
        retention.next_sweep = now + SWEEP_EVERY;
        let every = retention.refresh_every();
        retention.refreshed.retain(|_, at| now < *at + every);
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(SWEEP.as_bytes()),
            Bytes::from_static(b"1"),
            Bytes::from_static(INDEX),
            now_ms(),
            millis(retention.keep),
            Bytes::from(retention.most.to_string()),
        ];
        self.command(TAG_SWEEP, &args, now);
    }

    /// The sweep's answer: how many streams it deleted past the cap.
    pub(super) fn swept(&mut self, frame: &BytesFrame, now: &Now) {
        match frame {
            BytesFrame::Integer(0) => {}
            BytesFrame::Integer(n) => info!("redis: deleted {n} room streams past --history-rooms"),
            _ => limited_warn!(self, now, "redis: sweeping room streams failed: {frame:?}"),
        }
    }
}
