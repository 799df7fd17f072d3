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
use crate::chat::{HistoryAsk, HistoryLine, Mark, MemberId, Now};
use crate::redis::BytesFrame;
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::UNIX_EPOCH;

/// Keys: the room's stream; arguments: the lines wanted, the byte
/// budget, the range of entry ids to read (high, low), `fwd` to read it
/// oldest first, the window of `at` (ms, both ends kept) an entry must be
/// in to count, `count` to count the rest, the most entries counted, and
/// the id of the turn the window starts after (if it starts at a line).
/// Reads the range eight entries at a time and returns the entries in the
/// window, newest first (as `XREVRANGE` does), until they hold the lines
/// wanted or pass the budget; always one entry at least. An entry without
/// `at` (an older node's) was said at its id's time. With `count` (newest
/// first only), the lines of the window's older entries not returned
/// follow as one number: counted, not sent, at most [`COUNTED`] entries'
/// worth; those of turns after the start turn (ids compared as decimal
/// text), or, for an entry without `id` or a window starting at a time,
/// said after the window's first millisecond.
const SCRIPT: &str = r"
local want, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local hi, lo, fwd = ARGV[3], ARGV[4], ARGV[5] == 'fwd'
local at_lo, at_hi = tonumber(ARGV[6]), tonumber(ARGV[7])
local out, lines, used = {}, 0, 0
local function fields_of(e)
  local size, count, at, id = #e[1], 1, nil, nil
  local fields = e[2]
  for i = 1, #fields, 2 do
    size = size + #fields[i] + #fields[i + 1]
    if fields[i] == 'count' then count = tonumber(fields[i + 1]) or 1 end
    if fields[i] == 'at' then at = tonumber(fields[i + 1]) end
    if fields[i] == 'id' then id = fields[i + 1] end
  end
  return size, count, at or tonumber((string.gsub(e[1], '-.*', ''))) or 0, id
end
local function after_start(at, id)
  local start = ARGV[10]
  if start == '' or not id then return at > at_lo end
  if #id ~= #start then return #id > #start end
  return id > start
end
local function rest()
  local more, seen = 0, 0
  while seen < tonumber(ARGV[9]) do
    local page = redis.call('XREVRANGE', KEYS[1], hi, lo, 'COUNT', 128)
    for _, e in ipairs(page) do
      local _, count, at, id = fields_of(e)
      if at <= at_hi and after_start(at, id) then more = more + count end
      hi = '(' .. e[1]
    end
    seen = seen + #page
    if #page < 128 then break end
  end
  return more
end
local function done()
  if fwd then
    local rev = {}
    for i = #out, 1, -1 do rev[#rev + 1] = out[i] end
    return rev
  end
  if ARGV[8] == 'count' then out[#out + 1] = rest() end
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
    local size, count, at = fields_of(e)
    if at >= at_lo and at <= at_hi then
      if #out > 0 and used + size > budget then return done() end
      out[#out + 1] = e
      lines, used = lines + count, used + size
    end
    if fwd then lo = '(' .. e[1] else hi = '(' .. e[1] end
    if lines >= want then return done() end
  end
  if #page < 8 then return done() end
end
";

/// About how many entries a counting read ([`HistoryAsk::counted`])
/// counts past those it returns (in pages of 128): Redis reads an entry
/// in about 4-6 µs (measured: 10,000 entries 40-63 ms), so this bounds
/// the time one resume holds Redis to about 5 ms. Past it, the count is
/// of those entries' lines only.
const COUNTED: usize = 1_000;

/// The lines a counting read counted past the entries it returned (its
/// answer's last element); 0 for any other answer.
pub(super) fn counted(frame: &BytesFrame) -> usize {
    match frame {
        BytesFrame::Array(parts) => match parts.last() {
            Some(BytesFrame::Integer(n)) => usize::try_from(*n).unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    }
}

/// How much later than a line's `at` its entry's id may be (the `XADD`
/// reached Redis after the turn ended, or Redis's clock runs ahead), and
/// so how far past a window's end its entries are read for lines in it.
const ID_SLACK_MS: u64 = 60_000;

/// The script's arguments after the key for `ask`: the lines wanted (a
/// whole turn more when the window has a mark, since the entry at the
/// mark may hold lines the core leaves out), the range of ids, the
/// direction, the window of `at`, whether to count the rest, how much of
/// it, and the turn the window starts after.
fn window_args(ask: &HistoryAsk) -> [String; 9] {
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
    let count = if ask.counted { "count" } else { "" };
    let start = match ask.after {
        Some(Mark::Line(id, _)) => id.to_string(),
        _ => String::new(),
    };
    [
        want.to_string(),
        hi,
        lo,
        dir.into(),
        at_lo.to_string(),
        at_hi.to_string(),
        count.into(),
        COUNTED.to_string(),
        start,
    ]
}

/// History reads out on the commands link at once, per node.
pub(super) const IN_FLIGHT: usize = 4;

/// History reads waiting for one of those; past this the user is told
/// the server is busy.
pub(super) const QUEUED: usize = 64;

/// Past [`QUEUED`], reads of the lines a resumed session missed still
/// wait, up to this many in all: a node's death brings all its users back
/// at once (a thousand in the bench's X3), each asking once, and a user
/// told "busy" there would never get those lines (`/history` is not
/// "since I left"). A waiting read is a small request; the lines come at
/// most [`IN_FLIGHT`] reads at a time.
pub(super) const QUEUED_MISSED: usize = 10_000;

/// Bytes one read of `count` lines may bring: a line of `--max-line` and
/// its name and stamps per line, and a whole turn (64 lines) more, as the
/// oldest entry read may hold lines before the ones shown.
fn budget(count: usize, max_line: usize) -> usize {
    // Twice: entries carry a turn's text and, for one release, its
    // version 1 rendering too (see `wire/v1.rs`).
    2 * (count + 64) * (max_line + 64)
}

/// One history read: who asked (one member, or several who asked the
/// very same while it waited), in which room, which lines.
#[derive(Debug)]
pub(super) struct Request {
    members: Vec<MemberId>,
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
        let queue = if ask.missed { QUEUED_MISSED } else { QUEUED };
        let reads = &mut self.history;
        // A node's death brings its users back together, and those of one
        // room missed the same lines: the same read, asked again while the
        // first waits (not yet sent, so it will cover what both asked),
        // is one read answered to both.
        if let Some(same) =
            (reads.waiting.back_mut()).filter(|waiting| waiting.room == room && waiting.ask == ask)
        {
            same.members.push(member);
            return;
        }
        let request = Request {
            members: vec![member],
            room,
            ask,
        };
        if reads.out < IN_FLIGHT {
            self.send_history(request, now);
        } else if reads.waiting.len() < queue {
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
        let Request { members, room, ask } = request;
        let [want, hi, lo, dir, at_lo, at_hi, count, most, start] = window_args(&ask);
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
            Bytes::from(count),
            Bytes::from(most),
            Bytes::from(start),
        ];
        let waiting = Waiting::History {
            members: members.clone(),
            room: room.clone(),
            ask,
        };
        if self.ask(waiting, &args, now.instant) {
            self.history.out += 1;
        } else {
            self.answer_history(members, room, Vec::new(), 0, ask);
        }
    }

    /// A history read's answer, told to each member who asked it.
    pub(super) fn answer_history(
        &mut self,
        members: Vec<MemberId>,
        room: Box<str>,
        lines: Vec<HistoryLine>,
        more: usize,
        ask: HistoryAsk,
    ) {
        let mut members = members.into_iter().peekable();
        while let Some(member) = members.next() {
            let (room, lines) = match members.peek() {
                Some(_) => (room.clone(), lines.clone()),
                None => {
                    return self.told.push(Told::History {
                        member,
                        room,
                        lines,
                        more,
                        ask,
                    });
                }
            };
            self.told.push(Told::History {
                member,
                room,
                lines,
                more,
                ask,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn a_counting_read_says_so_and_its_count_is_the_last_element() {
        let resume = HistoryAsk {
            after: Some(Mark::Line(1, 0)),
            missed: true,
            counted: true,
            ..HistoryAsk::latest(2)
        };
        let [want, .., dir, _, _, count, most, start] = window_args(&resume);
        assert_eq!((want.as_str(), dir.as_str()), ("66", "rev"));
        assert_eq!((count.as_str(), most), ("count", COUNTED.to_string()));
        assert_eq!(start, "1");
        let [.., count, _, start] = window_args(&HistoryAsk::latest(2));
        assert_eq!((count.as_str(), start.as_str()), ("", ""));
        let entry = BytesFrame::Array(vec![BytesFrame::BulkString(Bytes::from_static(b"1-0"))]);
        let answer = BytesFrame::Array(vec![entry.clone(), BytesFrame::Integer(149)]);
        assert_eq!(counted(&answer), 149);
        assert_eq!(counted(&BytesFrame::Array(vec![entry])), 0);
        assert_eq!(
            counted(&BytesFrame::Array(vec![BytesFrame::Integer(-1)])),
            0
        );
        assert_eq!(counted(&BytesFrame::Null), 0);
    }
}
