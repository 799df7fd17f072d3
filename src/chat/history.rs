//! Which lines of a room's history a request wants: `/history`'s last
//! lines, or IRC CHATHISTORY's window between two points (a time, or a
//! line by its msgid). The engines read the room's lines (the memory
//! engine's ring, or the room's Redis stream, roughly windowed by time);
//! the core picks the exact lines here, so both engines answer alike.

use super::commands::Caller;
use super::throttle::Spend;
use super::{Chat, Delivery, HistoryLine, Now, Reply, msgid};
use std::time::SystemTime;

/// A point in a room's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A time (CHATHISTORY's `timestamp=`).
    At(SystemTime),
    /// A line, by its turn's id and its index (CHATHISTORY's `msgid=`).
    Line(u64, u32),
}

impl Mark {
    /// When it is, to the microsecond (a line's is its turn's id's).
    pub fn time(self) -> SystemTime {
        match self {
            Mark::At(at) => at,
            Mark::Line(id, _) => msgid::time_of(id),
        }
    }

    /// Whether `line` comes before this point (never the line itself).
    fn after_line(self, line: &HistoryLine) -> bool {
        match self {
            Mark::At(at) => line.turn.at < at,
            Mark::Line(id, index) => (line.turn.id, line.index) < (id, index),
        }
    }

    /// Whether `line` comes after this point.
    fn before_line(self, line: &HistoryLine) -> bool {
        match self {
            Mark::At(at) => line.turn.at > at,
            Mark::Line(id, index) => (line.turn.id, line.index) > (id, index),
        }
    }
}

/// A history request: how many lines, from which window of the room's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryAsk {
    /// Lines wanted, at most.
    pub count: usize,
    /// Only lines after this point.
    pub after: Option<Mark>,
    /// Only lines before this point.
    pub before: Option<Mark>,
    /// The first `count` lines of the window (CHATHISTORY AFTER), rather
    /// than the last.
    pub oldest: bool,
    /// Answered as one batch naming the room (IRC CHATHISTORY) rather
    /// than under a heading (`/history`).
    pub batch: bool,
    /// The lines a resumed session missed (see `resume/`): under their
    /// own heading, which counts those past `count`.
    pub missed: bool,
    /// Also count the lines of the window past those returned, without
    /// reading them: a resume on another node than the one the session
    /// left, whose heading counts the lines not shown (`--redis` only; the
    /// memory engine has one node, which counts them itself).
    pub counted: bool,
}

impl HistoryAsk {
    /// The last `count` lines (`/history n`).
    pub fn latest(count: usize) -> HistoryAsk {
        HistoryAsk {
            count,
            after: None,
            before: None,
            oldest: false,
            batch: false,
            missed: false,
            counted: false,
        }
    }

    /// Whether `line` is inside the window.
    pub fn holds(&self, line: &HistoryLine) -> bool {
        self.after.is_none_or(|mark| mark.before_line(line))
            && self.before.is_none_or(|mark| mark.after_line(line))
    }

    /// The lines of `lines` (oldest first) this request shows: those in
    /// the window that are not for IRC users only, the first or last
    /// `count` of them, oldest first.
    pub fn pick<'a>(&self, lines: &'a [HistoryLine]) -> Vec<&'a HistoryLine> {
        let shown: Vec<&HistoryLine> = (lines.iter())
            .filter(|line| !line.line().0.irc_only() && self.holds(line))
            .collect();
        match self.oldest {
            true => shown.into_iter().take(self.count).collect(),
            false => shown[shown.len().saturating_sub(self.count)..].to_vec(),
        }
    }
}

impl Chat {
    /// Lines of `room` for `by`, who must be in it: asked of the engine
    /// with the same budget as `/history` (at most `--history` lines),
    /// answered by [`Chat::stored_history`].
    pub(super) fn history_request(&mut self, by: Caller, room: &str, ask: HistoryAsk, now: &Now) {
        if self.history_len == 0 {
            return self.reply_to(by.local, now, Reply::HistoryOff);
        }
        let not_in = |room| Reply::NotInRoom { room };
        let room = match self.room_of_member(by, room, not_in) {
            Ok(id) => self.room_name(id).map(Box::<str>::from),
            Err(refused) => return self.reply_to(by.local, now, refused),
        };
        let count = ask.count.clamp(1, self.history_len);
        if let Err(wait) = self.spend(by.local, Spend::History(count as u32), now) {
            return self.reply_to(by.local, now, Reply::TooMuchHistory { wait });
        }
        if let Some(room) = room {
            let ask = HistoryAsk { count, ..ask };
            let member = by.member;
            self.out
                .deliveries
                .push(Delivery::History { member, room, ask });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{LineKind, Turn};
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    /// Lines said at 1..=n seconds, one turn each, the id of a node 0.
    fn lines(n: u64) -> Vec<HistoryLine> {
        let mut ids = msgid::TurnIds::default();
        (1..=n)
            .map(|s| {
                let mut turn = Turn::new("a", UNIX_EPOCH + Duration::from_secs(s));
                turn.push(LineKind::Say, &s.to_string());
                turn.id = ids.next(turn.at, 0);
                HistoryLine {
                    turn: Arc::new(turn),
                    index: 0,
                }
            })
            .collect()
    }

    fn texts(picked: Vec<&HistoryLine>) -> Vec<String> {
        picked.iter().map(|l| l.line().1.to_string()).collect()
    }

    #[test]
    fn windows_by_time_and_by_line() {
        let all = lines(6);
        let at = |s| Mark::At(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(texts(HistoryAsk::latest(2).pick(&all)), ["5", "6"]);
        let before = HistoryAsk {
            before: Some(at(4)),
            ..HistoryAsk::latest(2)
        };
        assert_eq!(texts(before.pick(&all)), ["2", "3"], "the mark is left out");
        let after = HistoryAsk {
            after: Some(Mark::Line(all[1].turn.id, 0)),
            oldest: true,
            ..HistoryAsk::latest(3)
        };
        assert_eq!(texts(after.pick(&all)), ["3", "4", "5"]);
        let between = HistoryAsk {
            after: Some(at(1)),
            before: Some(at(6)),
            ..HistoryAsk::latest(10)
        };
        assert_eq!(texts(between.pick(&all)), ["2", "3", "4", "5"]);
    }

    #[test]
    fn lines_for_irc_users_only_are_not_history() {
        let mut turn = Turn::new("a", UNIX_EPOCH);
        turn.push(LineKind::Tagmsg, "+typing=active");
        turn.push(LineKind::Say, "hi");
        let turn = Arc::new(turn);
        let all: Vec<HistoryLine> = (0..2)
            .map(|index| HistoryLine {
                turn: turn.clone(),
                index,
            })
            .collect();
        assert_eq!(texts(HistoryAsk::latest(5).pick(&all)), ["hi"]);
    }
}
