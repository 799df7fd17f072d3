//! "Since you left": a registered name that logs in past its resume
//! window is told, per room it was in, how many lines were said there
//! since it left (`*** #rust: 37 new lines since you left (/history
//! 37)`), and, with `--notify-mentions`, shown the lines among the last
//! `--history` of them that name it (see [`mention`](super::mention)),
//! stamped as `/history` lines are, under a heading of their own.
//!
//! The count is of every line since, as a resume's heading counts them:
//! by the node's own count of the room's lines (the memory engine, whose
//! one node saw them all), or, with `--redis`, in the room's stream (the
//! store counts past the lines it returns). `/history` shows at most
//! `--history` of them.

use super::mention::names;
use super::{Position, Suspended};
use crate::chat::{Chat, Delivery, HistoryAsk, HistoryLine, Local, Mark, MemberId, Notice, Now};

/// Most lines naming the user shown per room: the last ones; the heading
/// counts the earlier ones not shown.
const MAX_MENTIONS: usize = 20;

/// The lines of `seen` (oldest first) that name `name` and were not said
/// under that name: the last [`MAX_MENTIONS`], and how many earlier ones
/// are left out.
fn naming<'a>(seen: &[&'a HistoryLine], name: &str) -> (Vec<&'a HistoryLine>, usize) {
    let named: Vec<&HistoryLine> = (seen.iter().copied())
        .filter(|line| !line.turn.name.eq_ignore_ascii_case(name) && names(line.line().1, name))
        .collect();
    let hidden = named.len().saturating_sub(MAX_MENTIONS);
    (named[hidden..].to_vec(), hidden)
}

impl Chat {
    /// A registered name logs in past its window: per room it was in, the
    /// engine is asked for the lines said there since (the last
    /// `--history`), answered in [`Chat::since_answered`].
    pub(super) fn since_you_left(&mut self, member: MemberId, record: Suspended) {
        if self.history_len == 0 {
            return;
        }
        for p in record.rooms {
            let ask = HistoryAsk {
                after: Some(Mark::Line(p.said.last_turn, u32::MAX)),
                missed: true,
                counted: self.shared,
                ..HistoryAsk::latest(self.history_len)
            };
            let here = self.counted_here(&p);
            let room = p.room;
            let waiting = self.resume.since.entry(member).or_default();
            waiting.push((room.clone(), here));
            (self.out.deliveries).push(Delivery::History { member, room, ask });
        }
    }

    /// Lines said in `p.room` since `p`, as this node counted them: with
    /// the memory engine (one node, the record's), while the room is open.
    fn counted_here(&self, p: &Position) -> Option<u64> {
        if self.shared {
            return None;
        }
        let said = self.rooms.get(self.rooms.find(&p.room)?)?.said;
        Some(match said.serial == p.said.serial {
            true => said.lines.saturating_sub(p.said.lines),
            false => said.lines,
        })
    }

    /// The engine's lines of `room` said since `member` (at `local`) left,
    /// and `more` it counted past them: it is told how many, then, with
    /// `--notify-mentions`, shown those that name it, as one reply priced
    /// before it is built, as `/history` is (`*** History not sent: ...`
    /// if it does not fit).
    pub(super) fn since_answered(
        &mut self,
        (local, member): (Local, MemberId),
        room: &str,
        lines: &[HistoryLine],
        more: usize,
        ask: HistoryAsk,
        now: &Now,
    ) {
        let mut here = None;
        if let Some(waiting) = self.resume.since.get_mut(&member) {
            if let Some(i) = waiting.iter().position(|(r, _)| **r == *room) {
                here = waiting.swap_remove(i).1;
            }
            if waiting.is_empty() {
                self.resume.since.remove(&member);
            }
        }
        let read = (lines.iter())
            .filter(|line| !line.line().0.irc_only() && ask.holds(line))
            .count();
        let count = (read + more).max(here.unwrap_or(0) as usize);
        if count == 0 {
            return;
        }
        let room: Box<str> = room.into();
        let told = Notice::SinceYouLeft {
            room: room.clone(),
            count,
            shown: count.min(self.history_len),
        };
        self.tell(local, now, told);
        let Some(name) = self.name_of(member).filter(|_| self.resume.mentions) else {
            return;
        };
        let (named, hidden) = naming(&ask.pick(lines), name);
        if named.is_empty() {
            return;
        }
        let lines: Vec<HistoryLine> = named.into_iter().cloned().collect();
        let shown = lines.len();
        let head = Notice::Mentions {
            room,
            shown,
            hidden,
        };
        self.history_reply(local, head, lines, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{LineKind, Turn};
    use std::sync::Arc;
    use std::time::UNIX_EPOCH;

    /// One line each, said by `who` with `text`.
    fn said(lines: &[(&str, LineKind, &str)]) -> Vec<HistoryLine> {
        (lines.iter())
            .map(|(who, kind, text)| {
                let mut turn = Turn::new(who, UNIX_EPOCH);
                turn.push(*kind, text);
                let turn = Arc::new(turn);
                HistoryLine { turn, index: 0 }
            })
            .collect()
    }

    fn texts(lines: &[&HistoryLine]) -> Vec<String> {
        lines.iter().map(|l| l.line().1.to_string()).collect()
    }

    #[test]
    fn only_lines_naming_the_user_said_by_others_in_order() {
        let all = said(&[
            ("bob", LineKind::Say, "alice: one"),
            ("bob", LineKind::Say, "malice"),
            ("carol", LineKind::Act, "waves at Alice"),
            ("Alice", LineKind::Say, "alice here"),
            ("bob", LineKind::Say, "hi carol"),
            ("carol", LineKind::Notice, "@alice two"),
        ]);
        let seen: Vec<&HistoryLine> = all.iter().collect();
        let (named, hidden) = naming(&seen, "alice");
        let want = ["alice: one", "waves at Alice", "@alice two"];
        assert_eq!(
            (texts(&named), hidden),
            (want.map(String::from).to_vec(), 0)
        );
    }

    #[test]
    fn past_the_cap_the_last_are_kept_and_the_rest_counted() {
        let texts_said: Vec<String> = (0..MAX_MENTIONS + 3)
            .map(|i| format!("alice {i}"))
            .collect();
        let lines: Vec<(&str, LineKind, &str)> = (texts_said.iter())
            .map(|t| ("bob", LineKind::Say, t.as_str()))
            .collect();
        let all = said(&lines);
        let seen: Vec<&HistoryLine> = all.iter().collect();
        let (named, hidden) = naming(&seen, "alice");
        assert_eq!((named.len(), hidden), (MAX_MENTIONS, 3));
        assert_eq!(texts(&named)[0], "alice 3");
        assert_eq!(
            texts(&named)[MAX_MENTIONS - 1],
            format!("alice {}", MAX_MENTIONS + 2)
        );
    }
}
