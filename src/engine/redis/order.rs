//! The order a reply's entries are applied in (see `read.rs`'s module
//! doc): by id across streams, each node's entries back in the order it
//! numbered them, and entries past a full stream held for the next read.
//! Pure.

use super::wire;
use crate::redis::BytesFrame;
use bytes::Bytes;
use std::collections::HashMap;

/// One entry of a reply, with where it came from.
pub(super) struct Item {
    /// The stream's key.
    pub(super) stream: Bytes,
    pub(super) id: (u64, u64),
    pub(super) raw_id: Bytes,
    pub(super) fields: Vec<BytesFrame>,
    /// The adding node and its number for the entry.
    pub(super) origin: (u16, u64),
}

/// Whether an entry numbered `seq` by its node, added in millisecond `ms`,
/// comes late after `last` (the highest number applied from that node and
/// its millisecond): `None` if it is the newest yet, `Some(true)` if Redis
/// ran it in a later millisecond than a newer entry of its node, which a
/// node's one connection cannot do (it came from a connection the node
/// had given up on), `Some(false)` if it is older but not late (two of the
/// node's entries in one millisecond in two streams, read in two replies).
pub(super) fn late(last: (u64, u64), seq: u64, ms: u64) -> Option<bool> {
    let (last_seq, last_ms) = last;
    if seq > last_seq {
        return None;
    }
    Some(seq == last_seq || ms > last_ms)
}

/// The entries of one `XREAD` reply in the order to apply them (see the
/// module doc), leaving out those that must wait for the next read, and
/// whether a stream filled its `count` (more may be waiting).
pub(super) fn merge(streams: Vec<BytesFrame>, count: usize) -> (Vec<Item>, bool) {
    let mut items = Vec::new();
    // The last id of the full stream that ends first.
    let mut horizon: Option<(u64, u64)> = None;
    for stream in streams {
        let BytesFrame::Array(mut parts) = stream else {
            continue;
        };
        let (Some(BytesFrame::Array(entries)), Some(BytesFrame::BulkString(key))) =
            (parts.pop(), parts.pop())
        else {
            continue;
        };
        let full = entries.len() >= count;
        let mut last = None;
        for entry in entries {
            let BytesFrame::Array(parts) = entry else {
                continue;
            };
            let Ok([BytesFrame::BulkString(raw_id), BytesFrame::Array(fields)]) =
                <[BytesFrame; 2]>::try_from(parts)
            else {
                continue;
            };
            let Some(id) = parse_id(&raw_id) else {
                continue;
            };
            last = Some(id);
            let origin = wire::origin(&fields).unwrap_or((0, 0));
            items.push(Item {
                stream: key.clone(),
                id,
                raw_id,
                fields,
                origin,
            });
        }
        if full && let Some(last) = last {
            horizon = Some(horizon.map_or(last, |h| h.min(last)));
        }
    }
    let full = horizon.is_some();
    if let Some(horizon) = horizon {
        // The entries of the horizon's millisecond wait too, so one node's
        // entries of a millisecond are put in order in one reply; unless
        // that leaves nothing.
        if items.iter().any(|item| item.id.0 < horizon.0) {
            items.retain(|item| item.id.0 < horizon.0);
        } else {
            items.retain(|item| item.id <= horizon);
        }
    }
    items.sort_by_key(|item| item.id);
    // Each node's entries back in its own order, in the places they hold.
    let mut places: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        places.entry(item.origin.0).or_default().push(i);
    }
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    for places in places.values().filter(|p| p.len() > 1) {
        let mut group: Vec<Item> = places.iter().filter_map(|&i| slots[i].take()).collect();
        group.sort_by_key(|item| item.origin.1);
        for (&place, item) in places.iter().zip(group) {
            slots[place] = Some(item);
        }
    }
    (slots.into_iter().flatten().collect(), full)
}

/// The id of the first entry of an `XRANGE`/`XREVRANGE` reply.
pub(super) fn first_id(frame: &BytesFrame) -> Option<Bytes> {
    let BytesFrame::Array(entries) = frame else {
        return None;
    };
    let Some(BytesFrame::Array(entry)) = entries.first() else {
        return None;
    };
    match entry.first() {
        Some(BytesFrame::BulkString(id)) => Some(id.clone()),
        _ => None,
    }
}

/// A stream id `MS-SEQ` as numbers, which order as the ids do.
pub(super) fn parse_id(id: &[u8]) -> Option<(u64, u64)> {
    let (ms, seq) = std::str::from_utf8(id).ok()?.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> BytesFrame {
        BytesFrame::BulkString(Bytes::from(s.to_string()))
    }

    fn entry(id: &str, node: u16, seq: u64) -> BytesFrame {
        BytesFrame::Array(vec![
            bulk(id),
            BytesFrame::Array(vec![
                bulk("node"),
                bulk(&node.to_string()),
                bulk("seq"),
                bulk(&seq.to_string()),
            ]),
        ])
    }

    fn stream(key: &str, entries: Vec<BytesFrame>) -> BytesFrame {
        BytesFrame::Array(vec![bulk(key), BytesFrame::Array(entries)])
    }

    fn order(items: &[Item]) -> Vec<(u16, u64)> {
        items.iter().map(|i| i.origin).collect()
    }

    #[test]
    fn stream_ids_order_by_number() {
        assert_eq!(parse_id(b"1700000000000-3"), Some((1_700_000_000_000, 3)));
        assert!(parse_id(b"99-0") < parse_id(b"100-0"));
        assert_eq!(parse_id(b"junk"), None);
    }

    #[test]
    fn one_nodes_entries_keep_its_order_across_streams() {
        // Node 1's line (seq 1, room stream) and its leave (seq 2, events
        // stream) share a millisecond; the events stream comes first in
        // the reply, and id order alone would put the leave first.
        let streams = vec![
            stream(
                "linechat:events",
                vec![entry("5-0", 1, 2), entry("6-0", 2, 1)],
            ),
            stream(
                "linechat:room:#a",
                vec![entry("5-0", 1, 1), entry("7-0", 2, 2)],
            ),
        ];
        let (items, full) = merge(streams, 32);
        assert!(!full);
        assert_eq!(order(&items), vec![(1, 1), (1, 2), (2, 1), (2, 2)]);
    }

    #[test]
    fn entries_past_a_full_stream_wait() {
        let streams = vec![
            stream(
                "linechat:events",
                vec![entry("5-0", 1, 1), entry("6-0", 1, 2)],
            ),
            stream(
                "linechat:room:#a",
                vec![entry("5-1", 2, 1), entry("9-0", 2, 2)],
            ),
        ];
        // With COUNT 2 the events stream may have more after 6-0: the room
        // entry at 9-0 waits for the next read, and so does 6-0, as one of
        // millisecond 6 may come yet (numbered before it by its node).
        let (items, full) = merge(streams, 2);
        assert!(full);
        assert_eq!(order(&items), vec![(1, 1), (2, 1)]);
        // A full stream all in one millisecond still moves on.
        let streams = vec![stream(
            "linechat:room:#a",
            vec![entry("5-0", 2, 1), entry("5-1", 2, 2)],
        )];
        assert_eq!(order(&merge(streams, 2).0), vec![(2, 1), (2, 2)]);
    }

    #[test]
    fn late_entries_are_those_run_after_a_newer_one() {
        assert_eq!(late((0, 0), 7, 100), None, "the first");
        assert_eq!(late((7, 100), 8, 100), None, "the next");
        assert_eq!(late((7, 100), 7, 100), Some(true), "the same again");
        assert_eq!(late((8, 100), 7, 100), Some(false), "a millisecond's tie");
        assert_eq!(late((8, 100), 7, 130), Some(true), "run after 8");
    }
}
