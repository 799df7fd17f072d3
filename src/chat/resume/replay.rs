//! The lines a resumed session missed: asked of the engine after the
//! welcome, shown under a heading that counts those past `--history`.

use crate::chat::{Chat, Delivery, HistoryAsk, HistoryLine, Local, Mark, MemberId, Notice, Now};

impl Chat {
    /// `local`, just welcomed: for a session resumed, the lines said in
    /// its room since its position.
    pub(in crate::chat) fn welcomed(&mut self, local: Local, member: MemberId, now: &Now) {
        let Some(record) = self.resume.restoring.remove(&member) else {
            return;
        };
        self.resume.counts.resumed += 1;
        let Some(room) = self.room_of(member) else {
            return;
        };
        let (name, now_said) = (room.name.clone(), room.said);
        let Some(then) = record.rooms.iter().find(|p| p.room == name).map(|p| p.said) else {
            return;
        };
        let (position, last) = (then.last_turn, now_said.last_turn);
        // Lines said since, counted here if the record is this node's.
        let missing = (crate::chat::node_of(record.member) == crate::chat::node_of(member)).then(
            || match then.serial == now_said.serial {
                true => now_said.lines.saturating_sub(then.lines),
                false => now_said.lines,
            },
        );
        if self.history_len == 0 || position == 0 {
            return;
        }
        if (position >= last && last != 0) || missing == Some(0) {
            let nothing = Notice::Missed {
                room: name,
                shown: 0,
                hidden: 0,
            };
            return self.tell(local, now, nothing);
        }
        // Up to the room's last turn now: later lines come live.
        let before = match last {
            0 => Mark::At(now.wall),
            last => Mark::Line(last, u32::MAX),
        };
        let ask = HistoryAsk {
            after: Some(Mark::Line(position, u32::MAX)),
            before: Some(before),
            missed: true,
            counted: missing.is_none(),
            ..HistoryAsk::latest(self.history_len)
        };
        let room = name;
        self.resume.missing.extend(missing.map(|n| (member, n)));
        (self.out.deliveries).push(Delivery::History { member, room, ask });
    }

    /// The engine's lines for a resumed session's room (`ask.missed`),
    /// and `more` it counted past them: the last `--history` under a
    /// heading that counts the rest. (Or, for a registered name past its
    /// window, see `since.rs`.)
    pub(in crate::chat) fn missed(
        &mut self,
        local: Local,
        room: &str,
        lines: &[HistoryLine],
        more: usize,
        ask: HistoryAsk,
        now: &Now,
    ) {
        let member = self.client(local).map(|c| c.member);
        if let Some(m) = member
            && self.resume.since.contains_key(&m)
        {
            return self.since_answered((local, m), room, lines, more, ask, now);
        }
        let all = (lines.iter())
            .filter(|line| !line.line().0.irc_only() && ask.holds(line))
            .count()
            + more;
        let lines: Vec<HistoryLine> = ask.pick(lines).into_iter().cloned().collect();
        let missing = member.and_then(|m| self.resume.missing.remove(&m));
        let all = all.max(missing.unwrap_or(0) as usize);
        let (shown, hidden) = (lines.len(), all.saturating_sub(lines.len()));
        let room = room.into();
        let head = Notice::Missed {
            room,
            shown,
            hidden,
        };
        self.history_reply(local, head, lines, now);
    }
}
