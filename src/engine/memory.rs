//! The memory engine: one node on its own. Nobody else holds names, so a
//! claim is granted at once (the core has already checked the name against
//! its own users); there is no other node to publish to or hear from.
//! Each room's history is a ring of its last `--history` lines, by the
//! room's name, fed by the chat turns published to it.

use super::Told;
use crate::chat::{Claimed, HistoryAsk, HistoryLine, MemberId, RoomEvent, RoomNames, Turn};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// The engine of a node on its own: the rooms' history rings, and its
/// answers, waiting to be told.
#[derive(Debug, Default)]
pub struct Memory {
    pub(super) told: Vec<Told>,
    /// Closed sessions kept to be resumed (see `chat/resume/`).
    pub(super) suspended: super::suspended::Suspensions,
    /// Each room's ring, by name, with the number of the turn last added
    /// (to find the ring written to longest ago).
    rings: HashMap<Box<str>, (History, u64)>,
    /// Turns added so far.
    turns: u64,
    /// `--history`: lines kept per room.
    history_len: usize,
    /// Rings kept at most (`--max-rooms`, at least one): past it, the
    /// ring written to longest ago goes, so rooms that come and go cannot
    /// grow memory without bound.
    max_rings: usize,
}

impl Memory {
    /// An engine keeping `history_len` lines for up to `max_rooms` rooms.
    pub fn new(history_len: usize, max_rooms: usize) -> Memory {
        Memory {
            history_len,
            max_rings: max_rooms.max(1),
            ..Memory::default()
        }
    }

    /// A local room event: a chat turn goes into its room's ring.
    pub(super) fn publish(&mut self, event: &RoomEvent, names: &RoomNames) {
        let RoomEvent::Said { turn, .. } = event else {
            return;
        };
        if self.history_len == 0 {
            return;
        }
        self.turns += 1;
        if let Some((ring, last)) = self.rings.get_mut(&names.room) {
            ring.push(turn, self.history_len);
            *last = self.turns;
            return;
        }
        if self.rings.len() >= self.max_rings
            && let Some(oldest) = (self.rings.iter())
                .min_by_key(|(_, (_, last))| *last)
                .map(|(room, _)| room.clone())
        {
            self.rings.remove(&oldest);
        }
        let mut ring = History::default();
        ring.push(turn, self.history_len);
        self.rings.insert(names.room.clone(), (ring, self.turns));
    }

    /// A claim: granted.
    pub(super) fn claim(&mut self, member: MemberId, name: &str) {
        self.told.push(Told::Claimed {
            member,
            name: name.into(),
            answer: Claimed::Granted,
        });
    }

    /// A history read: the lines of the room's ring in the window `ask`
    /// names (the core picks the `count` it shows), shared with the ring
    /// (no copy of any line).
    pub(super) fn history(&mut self, member: MemberId, room: Box<str>, ask: HistoryAsk) {
        let lines = match self.rings.get(&room) {
            Some((ring, _)) if ask.after.is_none() && ask.before.is_none() => {
                ring.last(ask.count).cloned().collect()
            }
            Some((ring, _)) => ring
                .lines
                .iter()
                .filter(|l| ask.holds(l))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        // One node: the core counts the lines past the ring itself.
        self.told.push(Told::History {
            member,
            room,
            lines,
            more: 0,
            ask,
        });
    }
}

/// A ring of the last lines said in a room, each a reference to the turn
/// it was said in (no copy), which holds the time it was said.
#[derive(Debug, Default)]
struct History {
    lines: VecDeque<HistoryLine>,
}

impl History {
    /// Adds every line of `turn` that is history (not TAGMSG, client
    /// tags or CTCP, which a flood of typing notices would otherwise push
    /// the room's lines out with), keeping at most `cap` lines in all.
    fn push(&mut self, turn: &Arc<Turn>, cap: usize) {
        if cap == 0 {
            return;
        }
        for (index, (kind, _)) in turn.lines().enumerate() {
            if kind.irc_only() {
                continue;
            }
            let turn = turn.clone();
            let index = index as u32;
            self.lines.push_back(HistoryLine { turn, index });
        }
        while self.lines.len() > cap {
            self.lines.pop_front();
        }
    }

    /// The last `n` lines, oldest first.
    fn last(&self, n: usize) -> impl Iterator<Item = &HistoryLine> {
        self.lines.iter().skip(self.lines.len().saturating_sub(n))
    }

    /// Lines held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lines.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::LineKind;
    use std::time::UNIX_EPOCH;

    #[test]
    fn history_keeps_the_last_lines() {
        let turn = |name: &str, texts: &[&str]| {
            let mut turn = Turn::new(name, UNIX_EPOCH);
            texts.iter().for_each(|t| turn.push(LineKind::Say, t));
            Arc::new(turn)
        };
        let mut h = History::default();
        h.push(&turn("a", &["1", "2"]), 3);
        h.push(&turn("b", &["3", "4"]), 3);
        let said = |n| -> Vec<(String, String)> {
            h.last(n)
                .map(|l| (l.turn.name.to_string(), l.line().1.to_string()))
                .collect()
        };
        let pair = |n: &str, t: &str| (n.to_string(), t.to_string());
        assert_eq!(said(10), [pair("a", "2"), pair("b", "3"), pair("b", "4")]);
        assert_eq!(said(1), [pair("b", "4")]);
        h.push(&turn("c", &["5"]), 0);
        assert_eq!(h.len(), 3, "a cap of 0 keeps nothing new");
        let mut typing = Turn::new("d", UNIX_EPOCH);
        typing.push(LineKind::Tagmsg, "+typing=active");
        h.push(&Arc::new(typing), 3);
        let oldest = h.last(3).next().map(|l| l.line().1.to_string());
        assert_eq!(oldest.as_deref(), Some("2"), "a TAGMSG pushes no line out");
    }

    #[test]
    fn rings_are_kept_for_the_rooms_written_to_last() {
        let mut memory = Memory::new(10, 2);
        let said = |room: &str| {
            let mut turn = Turn::new("a", UNIX_EPOCH);
            turn.push(LineKind::Say, room);
            let event = RoomEvent::Said {
                room: crate::chat::RoomId(0),
                member: MemberId(1),
                turn: Arc::new(turn),
            };
            let names = RoomNames {
                room: room.into(),
                to: "".into(),
            };
            (event, names)
        };
        for room in ["#a", "#b", "#a", "#c"] {
            let (event, names) = said(room);
            memory.publish(&event, &names);
        }
        let shown = |memory: &mut Memory, room: &str| {
            memory.history(MemberId(1), room.into(), HistoryAsk::latest(5));
            match memory.told.pop() {
                Some(Told::History { lines, .. }) => lines.len(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(shown(&mut memory, "#a"), 2);
        assert_eq!(shown(&mut memory, "#b"), 0, "written to longest ago: gone");
        assert_eq!(shown(&mut memory, "#c"), 1);
    }
}
