//! Writing: applying what the chat core returns (render each message in
//! its recipients' dialects and queue it for one connection or a whole
//! room, mark closes, count and log room events), and flushing every
//! connection with pending output once per iteration.

use super::later::KeySet;
use super::{Server, Slot};
use crate::chat::{Farewell, HistoryLine, Message, Notice, RoomId};
use crate::conn::Conn;
use crate::dialect::FanOut;
use crate::metrics::Metrics;
use crate::outbound::entry_cost;
use bytes::Bytes;
use log::debug;
use mio::Token;
use std::time::SystemTime;

/// Moves the total memory of all output queues by one queue's change from
/// `before` to `after`. Every change to a queue goes through here, so the
/// total stays exact. Debug builds (the tests) check that; release builds
/// saturate, so a mistake there could never wrap or stop the loop.
pub(super) fn recount(total: &mut usize, before: usize, after: usize) {
    debug_assert!(*total >= before, "output accounting: {total} < {before}");
    *total = total.saturating_sub(before).saturating_add(after);
}

/// A private message is refused once its recipient has more than
/// `--max-outbuf` / this queued.
const PRIVATE_SOFT_LIMIT: usize = 4;

/// A long answer (`/history`) is queued only if it leaves its reader's
/// queue under `--max-outbuf` / this, and all queues together under
/// `--max-output-memory` / this: answers can never push a reader, or the
/// server, to the limit where readers are dropped, and half of each is
/// always left for chat.
const REPLY_SHARE: usize = 2;

/// The output side of the server, borrowed apart from the slab so that a
/// broadcast can walk the room while queueing into connections.
struct Queues<'a> {
    flush: &'a mut KeySet,
    closing: &'a mut KeySet,
    metrics: &'a mut Metrics,
    /// Memory held by every output queue together.
    output_cost: &'a mut usize,
    max_outbuf: usize,
}

/// What is queued: a shared broadcast, or bytes for one connection alone.
enum Payload {
    Shared(Bytes),
    Own(Bytes),
}

impl Server {
    /// `message` in the dialect of the connection at `key` (for IRC,
    /// addressed to it).
    fn render(&self, key: usize, message: &Message, at: SystemTime) -> Option<Bytes> {
        match self.slots.get(key) {
            Some(Slot::Client(conn)) => match conn.irc_ref() {
                Some(session) => Some(super::irc::render_for(
                    session,
                    message,
                    at,
                    self.dialects.irc_server(),
                )),
                None => Some(self.dialects.get(conn.dialect()).render(message, at)),
            },
            _ => None,
        }
    }

    /// Shows `message` to one connection, in its dialect. The IRC edge
    /// sees what is shown to an IRC connection first (a welcome ends its
    /// registration).
    pub(super) fn show(&mut self, key: usize, message: &Message, at: SystemTime) {
        if self.irc_shown(key, message) {
            return;
        }
        if let Some(bytes) = self.render(key, message, at) {
            self.send(key, bytes);
        }
    }

    /// Queues `bytes` for one connection.
    pub(super) fn send(&mut self, key: usize, bytes: Bytes) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
            queue(
                conn,
                key,
                Payload::Own(bytes),
                &mut Queues {
                    flush: &mut self.later.flush,
                    closing: &mut self.later.closing,
                    metrics: &mut self.metrics,
                    output_cost: &mut self.output_cost,
                    max_outbuf: self.config.max_outbuf,
                },
            );
        }
    }

    /// Delivers a private message (`line` to `to`, `echo` to `sender`),
    /// unless its recipient's queue is past [`PRIVATE_SOFT_LIMIT`] of
    /// `--max-outbuf`: then its sender is shown `refused`.
    pub(super) fn send_private(
        &mut self,
        to: usize,
        [line, refused]: [Message; 2],
        echo: Option<Message>,
        sender: usize,
        at: SystemTime,
    ) {
        let soft_limit = self.config.max_outbuf / PRIVATE_SOFT_LIMIT;
        let congested = match self.slots.get(to) {
            Some(Slot::Client(conn)) => conn.queued_cost() > soft_limit,
            _ => return,
        };
        if congested {
            self.metrics.private_refused += 1;
            self.show(sender, &refused, at);
        } else {
            self.metrics.deliveries += 1;
            self.show(to, &line, at);
            if let Some(echo) = echo {
                self.show(sender, &echo, at);
            }
        }
    }

    /// What a long answer to the connection at `key` may still cost (see
    /// [`REPLY_SHARE`]): 0 if it has no room. For `/history` from memory,
    /// and for pricing a read of it from Redis before it is asked for.
    pub(super) fn reply_room(&self, key: usize) -> usize {
        let Some(Slot::Client(conn)) = self.slots.get(key) else {
            return 0;
        };
        let own = (self.config.max_outbuf / REPLY_SHARE).saturating_sub(conn.queued_cost());
        let all = (self.config.max_output_memory / REPLY_SHARE).saturating_sub(self.output_cost);
        own.min(all)
    }

    /// Queues a long answer if [`reply_room`](Self::reply_room) allows all
    /// of it (priced in the asker's dialect before any of it is built or
    /// queued), else its refusal. The lines are rendered into one buffer,
    /// so only answers that fit are ever built.
    pub(super) fn send_reply(
        &mut self,
        key: usize,
        head: Notice,
        lines: &[HistoryLine],
        refused: Notice,
        at: SystemTime,
    ) {
        let Some(Slot::Client(conn)) = self.slots.get(key) else {
            return;
        };
        let dialect = self.dialects.get(conn.dialect());
        let head = dialect.render(&Message::Notice(head), at);
        let cost = head.len() + entry_cost(dialect.history_len(lines));
        if cost > self.reply_room(key) {
            self.metrics.replies_refused += 1;
            return self.show(key, &Message::Notice(refused), at);
        }
        let body = (!lines.is_empty()).then(|| dialect.history(lines));
        self.send(key, head);
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        let mut queues = Queues {
            flush: &mut self.later.flush,
            closing: &mut self.later.closing,
            metrics: &mut self.metrics,
            output_cost: &mut self.output_cost,
            max_outbuf: self.config.max_outbuf,
        };
        if let Some(body) = body {
            // A WebSocket reader's answer is framed for it alone.
            let payload = match conn.websocket() {
                Some(_) => Payload::Own(body),
                None => Payload::Shared(body),
            };
            queue(conn, key, payload, &mut queues);
        }
    }

    /// Delivers a private message from a user of another node, unless its
    /// recipient is not keeping up (as [`send_private`](Self::send_private)
    /// judges): then returns false, and the core is told so that the
    /// sender's node hears of it.
    pub(super) fn send_remote_private(
        &mut self,
        to: usize,
        line: &Message,
        at: SystemTime,
    ) -> bool {
        let soft_limit = self.config.max_outbuf / PRIVATE_SOFT_LIMIT;
        let congested = match self.slots.get(to) {
            Some(Slot::Client(conn)) => conn.queued_cost() > soft_limit,
            _ => return true,
        };
        if congested {
            self.metrics.private_refused += 1;
            return false;
        }
        self.metrics.deliveries += 1;
        self.show(to, line, at);
        true
    }

    /// Queues `message` (holding `lines` chat lines) for every local member
    /// of `room` except `except`, rendered once per dialect among them.
    /// This is the hot path: per recipient it is one refcount increment
    /// and one queue push, and no allocation. A reader who ignores the
    /// sender of a chat line is skipped (see `chat/ignore.rs`): checked
    /// per reader only when someone on this node ignores that sender.
    pub(super) fn broadcast(
        &mut self,
        room: RoomId,
        except: Option<usize>,
        message: &Message,
        at: SystemTime,
        lines: u64,
    ) {
        let mut fan = FanOut::new(message, at, self.chat.room_name(room));
        let mut queues = Queues {
            flush: &mut self.later.flush,
            closing: &mut self.later.closing,
            metrics: &mut self.metrics,
            output_cost: &mut self.output_cost,
            max_outbuf: self.config.max_outbuf,
        };
        let members = self.chat.locals(room);
        // None unless someone on this node ignores the sender of this line.
        let ignoring = self.chat.ignore_filter(message);
        for &key in members {
            if Some(key) == except || ignoring.is_some_and(|f| f.drops(key)) {
                continue;
            }
            if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
                queues.metrics.deliveries += lines;
                let bytes = fan.bytes(&self.dialects, conn.dialect());
                if !bytes.is_empty() {
                    queue(conn, key, Payload::Shared(bytes), &mut queues);
                }
            }
        }
        self.trim_debt += members.len() as u64;
    }

    /// Queues `message` for each of `readers` (the readers of a member in
    /// several rooms, each once), rendered once per dialect among them.
    pub(super) fn tell_members(&mut self, readers: &[usize], message: &Message, at: SystemTime) {
        let mut fan = FanOut::new(message, at, None);
        let mut queues = Queues {
            flush: &mut self.later.flush,
            closing: &mut self.later.closing,
            metrics: &mut self.metrics,
            output_cost: &mut self.output_cost,
            max_outbuf: self.config.max_outbuf,
        };
        for &key in readers {
            if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
                queues.metrics.deliveries += 1;
                let bytes = fan.bytes(&self.dialects, conn.dialect());
                if !bytes.is_empty() {
                    queue(conn, key, Payload::Shared(bytes), &mut queues);
                }
            }
        }
    }

    /// Marks a connection to be closed at the end of this iteration.
    pub(super) fn mark_close(&mut self, key: usize, why: Farewell) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key)
            && conn.closing.is_none()
        {
            conn.closing = Some(why);
            self.later.closing.insert(key);
        }
    }

    /// Flushes every connection with pending output once.
    pub(super) fn flush_all(&mut self) {
        let list = self.later.flush.take();
        for &key in &list {
            let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
                continue;
            };
            if conn.closing.is_some() {
                continue; // Its last words are written by `close`.
            }
            let before = conn.queued_cost();
            let result = conn.flush(self.poll.registry(), Token(key));
            recount(&mut self.output_cost, before, conn.queued_cost());
            match result {
                Ok(written) => {
                    self.metrics.bytes_written += written as u64;
                    if super::web::answer_written(conn) {
                        self.later.closing.insert(key);
                    }
                }
                Err(e) => {
                    debug!("write to {} failed: {e}", conn.peer);
                    conn.closing = Some(Farewell::Error);
                    self.later.closing.insert(key);
                }
            }
        }
        self.later.flush.recycle(list);
    }
}

/// Queues `payload` for `conn` and schedules its flush. A queue whose memory
/// grows past `--max-outbuf` is first written out right away (the reader
/// may be fast, only this iteration busy); if it still holds too much, the
/// reader is marked to be dropped as too slow.
fn queue(conn: &mut Conn, key: usize, payload: Payload, queues: &mut Queues<'_>) {
    if conn.closing.is_some() {
        return;
    }
    let before = conn.queued_cost();
    match payload {
        Payload::Shared(bytes) => conn.queue(bytes),
        Payload::Own(bytes) => conn.queue_rendered(bytes),
    }
    queues.flush.insert(key);
    let mut why = None;
    if conn.queued_cost() > queues.max_outbuf {
        why = match conn.write_queued() {
            Err(_) => Some(Farewell::Error),
            Ok(written) => {
                queues.metrics.bytes_written += written as u64;
                (conn.queued_cost() > queues.max_outbuf).then_some(Farewell::TooSlow)
            }
        };
    }
    recount(queues.output_cost, before, conn.queued_cost());
    if let Some(why) = why {
        conn.closing = Some(why);
        queues.closing.insert(key);
    }
}

impl Server {
    /// Past `--max-output-memory`, drops the readers with the largest
    /// queues until the rest fits: the memory of all queues together is
    /// bounded whatever mix of slow readers the server has.
    pub(super) fn enforce_output_budget(&mut self) {
        if self.output_cost > self.config.max_output_memory {
            let dropped = self.drop_largest_queues(self.config.max_output_memory);
            self.metrics.budget_drops += dropped;
        }
    }

    /// Marks readers to be dropped as too slow, largest queue first, until
    /// the queues left hold at most `down_to` bytes; returns how many.
    pub(super) fn drop_largest_queues(&mut self, down_to: usize) -> u64 {
        let mut largest: Vec<(usize, usize)> = self
            .slots
            .iter()
            .filter_map(|(key, slot)| match slot {
                // Only readers with bytes waiting: an idle one's kept queue
                // slots cost a little but are not what fills memory.
                Slot::Client(conn) if conn.closing.is_none() && conn.queued() > 0 => {
                    Some((conn.queued_cost(), key))
                }
                _ => None,
            })
            .collect();
        largest.sort_unstable_by(|a, b| b.cmp(a));
        let mut held = self.output_cost;
        let mut dropped = 0;
        for (cost, key) in largest {
            if held <= down_to {
                break;
            }
            held -= cost;
            dropped += 1;
            self.mark_close(key, Farewell::TooSlow);
        }
        dropped
    }
}
