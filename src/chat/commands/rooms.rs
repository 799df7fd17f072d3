//! The room commands: `/who`, `/join`, `/rooms`, `/topic`, `/history`.

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::rooms::Full;
use crate::chat::throttle::Spend;
use crate::chat::{Chat, Delivery, HistoryLine, Local, Notice, Now, RoomEvent, command};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "who",
        aliases: &[],
        params: "",
        help: "list who is in this room and how long they have been idle",
        shape: Shape::Nothing,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::who,
    },
    Command {
        name: "join",
        aliases: &[],
        params: "ROOM",
        help: "go to ROOM (#name), making it if it does not exist",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::join,
    },
    Command {
        name: "rooms",
        aliases: &[],
        params: "",
        help: "list the rooms, busiest first",
        shape: Shape::Nothing,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::list_rooms,
    },
    Command {
        name: "topic",
        aliases: &[],
        params: "[TEXT]",
        help: "show this room's topic, or set it (/topic - clears it)",
        shape: Shape::MaybeText,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::topic,
    },
    Command {
        name: "history",
        aliases: &[],
        params: "[N]",
        help: "show the last N lines said in this room (default 20)",
        shape: Shape::MaybeText,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::history,
    },
];

/// Longest topic, in bytes.
pub const MAX_TOPIC: usize = 200;

/// Lines `/history` shows when no count is given.
const HISTORY_DEFAULT: usize = 20;

impl Chat {
    /// `/who`: the room's members, with how long each has been idle.
    fn who(&mut self, by: Caller, _: Args<'_>, now: &Now) {
        let unreachable = self.others_unreachable();
        let list = self
            .room_of(by.member)
            .map(|r| r.members.online_list(Some(now.instant), unreachable));
        self.notice_to(by.local, now, &[&list.unwrap_or_default()]);
    }

    /// `/rooms`: every room, busiest first.
    fn list_rooms(&mut self, by: Caller, _: Args<'_>, now: &Now) {
        let list = self.rooms.listing();
        self.notice_to(by.local, now, &[&list]);
    }

    /// `/join room`.
    fn join(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (local, member) = (by.local, by.member);
        let name = match command::room_name(args.text()) {
            Ok(name) => name,
            Err(why) => return self.notice_to(local, now, &["Invalid room name: ", why]),
        };
        let Some(&from) = self.member_room.get(&member) else {
            return;
        };
        if self.rooms.get(from).is_some_and(|r| *r.name == *name) {
            return self.notice_to(local, now, &["You are already in ", &name]);
        }
        let made = self.rooms.find(&name).is_none();
        if made && self.rooms.len() >= self.rooms.max_rooms() {
            return self.too_many_rooms(local, now);
        }
        if let Err(wait) = self.spend(local, Spend::Move, now) {
            let wait = wait.to_string();
            let parts = ["Too many room changes; try again in ", &wait, "s"];
            return self.notice_to(local, now, &parts);
        }
        if made && let Err(wait) = self.spend(local, Spend::Room, now) {
            let wait = wait.to_string();
            let parts = [
                "Too many rooms made from your address; join one that exists (see /rooms) or try again in ",
                &wait,
                "s",
            ];
            return self.notice_to(local, now, &parts);
        }
        let to = match self.rooms.open(&name) {
            Ok(to) => to,
            Err(Full::TooManyRooms) => return self.too_many_rooms(local, now),
        };
        let Some(user) = self.name_of(member) else {
            return;
        };
        let moved = RoomEvent::Moved {
            from,
            to,
            member,
            name: user.into(),
        };
        self.apply(moved, now);
        self.welcome(local, member, now);
    }

    fn too_many_rooms(&mut self, local: Local, now: &Now) {
        let max = self.rooms.max_rooms().to_string();
        let parts = [
            "Too many rooms (max ",
            &max,
            "); join one that exists, see /rooms",
        ];
        self.notice_to(local, now, &parts);
    }

    /// `/topic [text]`: show, set, or with `-` clear it.
    fn topic(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (local, member) = (by.local, by.member);
        let Some(&room) = self.member_room.get(&member) else {
            return;
        };
        let Some(text) = args.maybe_text() else {
            let shown = match self.rooms.get(room) {
                Some(r) => match &r.topic {
                    Some(topic) => format!("Topic of {}: {topic}", r.name),
                    None => format!("{} has no topic; set one with /topic TEXT", r.name),
                },
                None => return,
            };
            return self.notice_to(local, now, &[&shown]);
        };
        if text.len() > MAX_TOPIC {
            let max = MAX_TOPIC.to_string();
            return self.notice_to(
                local,
                now,
                &["Topic too long (max ", &max, " bytes), not set"],
            );
        }
        if let Err(wait) = self.spend(local, Spend::Topic, now) {
            let wait = wait.to_string();
            let parts = ["Too many topic changes; try again in ", &wait, "s"];
            return self.notice_to(local, now, &parts);
        }
        let topic = (text != "-").then(|| text.into());
        self.apply(
            RoomEvent::Topic {
                room,
                member,
                topic,
            },
            now,
        );
    }

    /// `/history [n]`: the room's last lines, to the asker alone.
    fn history(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (local, member) = (by.local, by.member);
        if self.history_len == 0 {
            return self.notice_to(local, now, &["History is off on this server"]);
        }
        let max = self.history_len;
        let n = match args.maybe_text().map(str::parse::<usize>) {
            None => HISTORY_DEFAULT.min(max),
            Some(Ok(n)) if (1..=max).contains(&n) => n,
            Some(_) => {
                let form = format!("Usage: /history [N], N from 1 to {max}");
                return self.notice_to(local, now, &[&form]);
            }
        };
        if let Err(wait) = self.spend(local, Spend::History(n as u32), now) {
            let wait = wait.to_string();
            let parts = ["Too much history asked for; try again in ", &wait, "s"];
            return self.notice_to(local, now, &parts);
        }
        let Some(room) = self.room_of(member) else {
            return;
        };
        if self.naming {
            // The room's stream holds its history: the reactor reads it.
            let room = room.name.clone();
            let history = Delivery::History {
                member,
                room,
                count: n,
            };
            return self.out.deliveries.push(history);
        }
        // References to the room's own lines: nothing is copied yet.
        let lines: Vec<HistoryLine> = room.history.last(n).cloned().collect();
        let room = room.name.clone();
        self.reply(local, room, lines, now);
    }

    /// Answers `local` with the heading for `room`, then `lines` (each
    /// shown with when it was said), if the reactor finds room for them in
    /// its queue and in the output memory; else with a refusal.
    pub(in crate::chat) fn reply(
        &mut self,
        local: Local,
        room: Box<str>,
        lines: Vec<HistoryLine>,
        now: &Now,
    ) {
        let shown = lines.len();
        self.out.deliveries.push(Delivery::Reply {
            to: local,
            head: Notice::HistoryHead { room, shown },
            lines,
            refused: Notice::HistoryRefused,
            at: now.wall,
        });
    }
}
