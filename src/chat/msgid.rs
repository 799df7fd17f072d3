//! Message ids (IRCv3 `msgid`): one per chat line, the same on every node
//! and in every history answer, so a client can refer to a line it saw
//! (`CHATHISTORY BEFORE #room msgid=...`).
//!
//! A turn gets its id when it ends, on the node of its sender: the time it
//! was said in microseconds, shifted left by [`NODE_BITS`], with the low
//! bits holding the node's id. Ids of one node only grow (a turn in the
//! same microsecond as the last takes the next free id), and two nodes
//! never make the same one unless their ids agree in the low bits. The id
//! travels with the turn (the `id` field of a `said` entry), so every node
//! renders the same msgid for it; the line's index in the turn is the
//! msgid's second part. Because an id is a time, a msgid also says when
//! its line was said, which is how a reference to one is resolved in a
//! room stream ordered by time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Low bits of a turn id that hold the node's id.
pub const NODE_BITS: u32 = 10;

/// The id a turn said at `at` on `node` gets when no other turn of that
/// node has it (also the id of a turn read from an entry without one).
pub fn stamp(at: SystemTime, node: u16) -> u64 {
    let micros = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let micros = u64::try_from(micros).unwrap_or(u64::MAX >> NODE_BITS);
    (micros << NODE_BITS) | (u64::from(node) & ((1 << NODE_BITS) - 1))
}

/// When the turn with id `id` was said (to the microsecond).
pub fn time_of(id: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(id >> NODE_BITS)
}

/// The ids this node gives its turns: each greater than the last.
#[derive(Debug, Default)]
pub struct TurnIds {
    last: u64,
}

impl TurnIds {
    /// The id of a turn said at `at` on `node`.
    pub fn next(&mut self, at: SystemTime, node: u16) -> u64 {
        let id = stamp(at, node).max(self.last.saturating_add(1 << NODE_BITS));
        self.last = id;
        id
    }
}

/// The msgid of line `index` of the turn with id `id`.
pub fn format(id: u64, index: u32) -> String {
    format!("{id:x}-{index}")
}

/// The turn id and line index a msgid names, if it is one of ours.
pub fn parse(msgid: &str) -> Option<(u64, u32)> {
    let (id, index) = msgid.split_once('-')?;
    let id = u64::from_str_radix(id, 16).ok()?;
    Some((id, index.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_msgid_round_trips_and_says_when() {
        let at = UNIX_EPOCH + Duration::from_micros(1_765_000_000_123_456);
        let id = stamp(at, 3);
        assert_eq!(id & 0x3ff, 3);
        assert_eq!(time_of(id), at);
        let text = format(id, 2);
        assert_eq!(parse(&text), Some((id, 2)));
        for bad in ["", "x-1", "12", "12-", "12-x", "-1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_of_a_node_only_grow_and_keep_its_bits() {
        let mut ids = TurnIds::default();
        let at = UNIX_EPOCH + Duration::from_secs(1_000);
        let first = ids.next(at, 5);
        let second = ids.next(at, 5);
        let earlier = ids.next(at - Duration::from_secs(1), 5);
        assert!(first < second && second < earlier);
        assert!([first, second, earlier].iter().all(|id| id & 0x3ff == 5));
        assert_ne!(stamp(at, 5), stamp(at, 6), "nodes differ");
    }
}
