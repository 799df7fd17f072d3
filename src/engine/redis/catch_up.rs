//! Catching up: the reader's non-blocking read after a cut or while it is
//! behind, bounded in bytes however many rooms it follows.
//!
//! An `XREAD` bounds its reply by entries per stream (`COUNT`), not bytes,
//! and every stream it names may answer: a node that fell behind in many
//! rooms at once (stopped, starved, or cut off while the others talked)
//! could ask for more than the link's input cap at `COUNT 1`, be dropped,
//! ask again from the same ids and never get anywhere. So while behind,
//! the reader runs [`SCRIPT`] instead: Redis merges the streams' next
//! entries by id (the order the reader applies them in) and stops at a
//! byte budget, so every reply is one page under the cap and the next page
//! starts where it ended. Pages are paced by the readers: the next one is
//! asked for once they have taken most of the last.
//!
//! The reader catches up after its link comes back and after an `XREAD`
//! that filled its `COUNT` on some stream, until a page says nothing is
//! left; then it blocks in `XREAD` again (see `read.rs`).

use crate::redis::BytesFrame;
use bytes::Bytes;
use std::time::Duration;

/// Keys: the streams; arguments: the last id read of each, then the byte
/// budget, then the most entries. Each stream's next entry is looked at
/// (one `XRANGE ... COUNT 1`, so the script holds one entry per stream
/// besides the page), the oldest is taken, until the budget or the count
/// is reached (always one entry at least, so a page always moves on).
///
/// Returns `{more, next, {key, {entry, ...}}, ...}`: whether entries are
/// left, the id of the first one left (or `""`), and the entries taken
/// grouped by stream in `XREAD`'s shape.
pub(super) const SCRIPT: &str = r"
local n = #KEYS
local budget = tonumber(ARGV[n + 1])
local most = tonumber(ARGV[n + 2])
local function head(i, after)
  local e = redis.call('XRANGE', KEYS[i], '(' .. after, '+', 'COUNT', 1)[1]
  if not e then return nil end
  local ms, seq = string.match(e[1], '^(%d+)-(%d+)$')
  return {e, tonumber(ms), tonumber(seq)}
end
local heads = {}
for i = 1, n do heads[i] = head(i, ARGV[i]) end
local out = {0, ''}
local used, count = 0, 0
while true do
  local best = nil
  for i = 1, n do
    local h = heads[i]
    if h and (not best or h[2] < heads[best][2]
        or (h[2] == heads[best][2] and h[3] < heads[best][3])) then
      best = i
    end
  end
  if not best then return out end
  local e = heads[best][1]
  local id = e[1]
  if count >= most then
    out[1], out[2] = 1, id
    return out
  end
  local size = #id
  for _, f in ipairs(e[2]) do size = size + #f end
  if count > 0 and used + size > budget then
    out[1], out[2] = 1, id
    return out
  end
  used = used + size
  count = count + 1
  local last = out[#out]
  if count > 1 and last[1] == KEYS[best] then
    table.insert(last[2], e)
  else
    out[#out + 1] = {KEYS[best], {e}}
  end
  heads[best] = head(best, id)
end
";

/// Bytes of entries one page holds (field bytes, about what its reply is,
/// and what a reader in one room may be sent from it): a quarter of
/// `--max-outbuf`, from 16 KiB to 1 MiB, so a page plus one entry of the
/// largest kind ([`super::wire::MAX_FIELD`]) is far under the link's
/// 16 MiB input cap, and a reader with a queue under half of `--max-outbuf`
/// takes a page without being dropped as too slow.
pub(super) fn page_bytes(max_outbuf: usize) -> usize {
    (max_outbuf / 4).clamp(16 << 10, 1 << 20)
}

/// The longest a page waits for the readers to take the last one.
pub(super) const PACE_MAX: Duration = Duration::from_millis(500);

/// Most entries one page holds, so a page of tiny entries stays short too.
pub(super) const PAGE_ENTRIES: usize = 512;

/// A page of the script's reply.
#[derive(Debug, Default)]
pub(super) struct Page {
    /// Whether entries are left after it.
    pub(super) more: bool,
    /// The millisecond of the first entry left, if any.
    pub(super) next_ms: Option<u64>,
    /// The entries, grouped by stream as in an `XREAD` reply.
    pub(super) streams: Vec<BytesFrame>,
}

/// Reads the script's reply; `None` if it is not of its shape (an error
/// reply, say).
pub(super) fn page(frame: BytesFrame) -> Option<Page> {
    let BytesFrame::Array(parts) = frame else {
        return None;
    };
    let mut parts = parts.into_iter();
    let more = match parts.next()? {
        BytesFrame::Integer(more) => more != 0,
        _ => return None,
    };
    let next_ms = match parts.next()? {
        BytesFrame::BulkString(id) => super::order::parse_id(&id).map(|(ms, _)| ms),
        _ => return None,
    };
    Some(Page {
        more,
        next_ms,
        streams: parts.collect(),
    })
}

/// The arguments of one page's `EVAL`: the streams and the ids to read
/// after, in the same order.
pub(super) fn command(streams: &[(Bytes, Bytes)], page_bytes: usize) -> Vec<Bytes> {
    let mut args = Vec::with_capacity(5 + 2 * streams.len());
    args.push(Bytes::from_static(b"EVAL"));
    args.push(Bytes::from_static(SCRIPT.as_bytes()));
    args.push(Bytes::from(streams.len().to_string()));
    args.extend(streams.iter().map(|(key, _)| key.clone()));
    args.extend(streams.iter().map(|(_, id)| id.clone()));
    args.push(Bytes::from(page_bytes.to_string()));
    args.push(Bytes::from(PAGE_ENTRIES.to_string()));
    args
}
