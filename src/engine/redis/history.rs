//! `/history` with `--redis`: reads of a room's stream, bounded before
//! they are sent. A request of a few bytes must not buy megabytes: each
//! read stops at the lines asked for (entries hold a turn's lines each) and
//! at a byte budget ([`SCRIPT`]), and at most [`IN_FLIGHT`] reads are out
//! at once per node, so the replies on their way from Redis are bounded
//! too. Requests past that wait in a queue of [`QUEUED`]; past the queue
//! the user is told the server is busy. What a user may ask for per minute
//! is the core's budget, spent before the request reaches here.

use super::store::Waiting;
use super::{Redis, Told, room_stream};
use crate::chat::{MemberId, Now};
use bytes::Bytes;
use std::collections::VecDeque;

/// Keys: the room's stream; arguments: the lines wanted and the byte
/// budget. Reads the stream newest first, eight entries at a time, and
/// returns the entries (newest first, as `XREVRANGE` does) until they
/// hold the lines wanted or pass the budget; always one entry at least.
const SCRIPT: &str = r"
local want, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local out, lines, used, before = {}, 0, 0, '+'
while true do
  local page = redis.call('XREVRANGE', KEYS[1], before, '-', 'COUNT', 8)
  for _, e in ipairs(page) do
    local size, count = #e[1], 1
    local fields = e[2]
    for i = 1, #fields, 2 do
      size = size + #fields[i] + #fields[i + 1]
      if fields[i] == 'count' then count = tonumber(fields[i + 1]) or 1 end
    end
    if #out > 0 and used + size > budget then return out end
    out[#out + 1] = e
    lines, used = lines + count, used + size
    if lines >= want then return out end
    before = '(' .. e[1]
  end
  if #page < 8 then return out end
end
";

/// History reads out on the commands link at once, per node.
pub(super) const IN_FLIGHT: usize = 4;

/// History reads waiting for one of those; past this the user is told
/// the server is busy.
pub(super) const QUEUED: usize = 64;

/// Bytes one read of `count` lines may bring: a line of `--max-line` and
/// its name and stamps per line, and a whole turn (64 lines) more, as the
/// oldest entry read may hold lines before the ones shown.
fn budget(count: usize, max_line: usize) -> usize {
    // Twice: entries carry a turn's text and, for one release, its
    // version 1 rendering too (see `wire/v1.rs`).
    2 * (count + 64) * (max_line + 64)
}

/// One `/history` to read: who asked, in which room, how many lines.
#[derive(Debug)]
pub(super) struct Request {
    member: MemberId,
    room: Box<str>,
    count: usize,
}

/// The history reads out and waiting.
#[derive(Debug, Default)]
pub(super) struct Reads {
    /// Reads sent and not yet answered.
    pub(super) out: usize,
    waiting: VecDeque<Request>,
}

impl Redis {
    /// `/history` of `room` for `member`, `count` lines: read now, queued,
    /// or refused as busy.
    pub(in crate::engine) fn read_history(
        &mut self,
        member: MemberId,
        room: Box<str>,
        count: usize,
        now: &Now,
    ) {
        let request = Request {
            member,
            room,
            count,
        };
        let reads = &mut self.history;
        if reads.out < IN_FLIGHT {
            self.send_history(request, now);
        } else if reads.waiting.len() < QUEUED {
            reads.waiting.push_back(request);
        } else {
            self.told.push(Told::HistoryBusy(member));
        }
    }

    /// A history read was answered or lost: waiting ones go out (those
    /// that cannot, the link being down, are answered at once).
    pub(super) fn history_done(&mut self, now: &Now) {
        self.history.out = self.history.out.saturating_sub(1);
        while self.history.out < IN_FLIGHT
            && let Some(next) = self.history.waiting.pop_front()
        {
            self.send_history(next, now);
        }
    }

    fn send_history(&mut self, request: Request, now: &Now) {
        let budget = budget(request.count, self.max_line);
        let Request {
            member,
            room,
            count,
        } = request;
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(SCRIPT.as_bytes()),
            Bytes::from_static(b"1"),
            room_stream(&room),
            Bytes::from(count.to_string()),
            Bytes::from(budget.to_string()),
        ];
        let waiting = Waiting::History {
            member,
            room: room.clone(),
            count,
        };
        if self.ask(waiting, &args, now.instant) {
            self.history.out += 1;
        } else {
            let lines = Vec::new();
            self.told.push(Told::History {
                member,
                room,
                lines,
                count,
            });
        }
    }
}
