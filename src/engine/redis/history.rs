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
use crate::chat::{HistoryAsk, Mark, MemberId, Now};
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::UNIX_EPOCH;

/// Keys: the room's stream; arguments: the lines wanted, the byte
/// budget, the range of entry ids to read (high, low), `fwd` to read it
/// oldest first, and the window of `at` (ms, both ends kept) an entry must
/// be in to count. Reads the range eight entries at a time and returns the
/// entries in the window, newest first (as `XREVRANGE` does), until they
/// hold the lines wanted or pass the budget; always one entry at least.
/// An entry without `at` (an older node's) was said at its id's time.
const SCRIPT: &str = r"
local want, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local hi, lo, fwd = ARGV[3], ARGV[4], ARGV[5] == 'fwd'
local at_lo, at_hi = tonumber(ARGV[6]), tonumber(ARGV[7])
local out, lines, used = {}, 0, 0
local function done()
  if fwd then
    local rev = {}
    for i = #out, 1, -1 do rev[#rev + 1] = out[i] end
    return rev
  end
  return out
end
while true do
  local page
  if fwd then
    page = redis.call('XRANGE', KEYS[1], lo, hi, 'COUNT', 8)
  else
    page = redis.call('XREVRANGE', KEYS[1], hi, lo, 'COUNT', 8)
  end
  for _, e in ipairs(page) do
    local size, count, at = #e[1], 1, nil
    local fields = e[2]
    for i = 1, #fields, 2 do
      size = size + #fields[i] + #fields[i + 1]
      if fields[i] == 'count' then count = tonumber(fields[i + 1]) or 1 end
      if fields[i] == 'at' then at = tonumber(fields[i + 1]) end
    end
    at = at or tonumber((string.gsub(e[1], '-.*', ''))) or 0
    if at >= at_lo and at <= at_hi then
      if #out > 0 and used + size > budget then return done() end
      out[#out + 1] = e
      lines, used = lines + count, used + size
      if lines >= want then return done() end
    end
    if fwd then lo = '(' .. e[1] else hi = '(' .. e[1] end
  end
  if #page < 8 then return done() end
end
";

/// How much later than a line's `at` its entry's id may be (the `XADD`
/// reached Redis after the turn ended, or Redis's clock runs ahead), and
/// so how far past a window's end its entries are read for lines in it.
const ID_SLACK_MS: u64 = 60_000;

/// The script's arguments after the key for `ask`: the lines wanted (a
/// whole turn more when the window has a mark, since the entry at the
/// mark may hold lines the core leaves out), the range of ids, the
/// direction and the window of `at`.
fn window_args(ask: &HistoryAsk) -> [String; 6] {
    let ms = |mark: Mark| {
        let since = mark.time().duration_since(UNIX_EPOCH).unwrap_or_default();
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX / 2)
    };
    let at_lo = ask.after.map_or(0, ms);
    let at_hi = ask.before.map_or(u64::MAX / 2, ms);
    let marked = ask.after.is_some() || ask.before.is_some();
    let want = ask.count + if marked { 64 } else { 0 };
    let hi = match ask.before {
        Some(_) => at_hi.saturating_add(ID_SLACK_MS).to_string(),
        None => "+".into(),
    };
    let lo = match ask.after {
        Some(_) => at_lo.saturating_sub(ID_SLACK_MS).to_string(),
        None => "-".into(),
    };
    let dir = if ask.oldest { "fwd" } else { "rev" };
    [
        want.to_string(),
        hi,
        lo,
        dir.into(),
        at_lo.to_string(),
        at_hi.to_string(),
    ]
}

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

/// One history read: who asked, in which room, which lines.
#[derive(Debug)]
pub(super) struct Request {
    member: MemberId,
    room: Box<str>,
    ask: HistoryAsk,
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
        ask: HistoryAsk,
        now: &Now,
    ) {
        let request = Request { member, room, ask };
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
        let budget = budget(request.ask.count, self.max_line);
        let Request { member, room, ask } = request;
        let [want, hi, lo, dir, at_lo, at_hi] = window_args(&ask);
        let args = [
            Bytes::from_static(b"EVAL"),
            Bytes::from_static(SCRIPT.as_bytes()),
            Bytes::from_static(b"1"),
            room_stream(&room),
            Bytes::from(want),
            Bytes::from(budget.to_string()),
            Bytes::from(hi),
            Bytes::from(lo),
            Bytes::from(dir),
            Bytes::from(at_lo),
            Bytes::from(at_hi),
        ];
        let waiting = Waiting::History {
            member,
            room: room.clone(),
            ask,
        };
        if self.ask(waiting, &args, now.instant) {
            self.history.out += 1;
        } else {
            let lines = Vec::new();
            self.told.push(Told::History {
                member,
                room,
                lines,
                ask,
            });
        }
    }
}
