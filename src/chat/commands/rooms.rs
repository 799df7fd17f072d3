//! The room commands: `/who`, `/join`, `/rooms`, `/topic`, `/history`.

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::rooms::Full;
use crate::chat::throttle::Spend;
use crate::chat::{
    Chat, Delivery, HistoryLine, Local, Notice, Now, Reply, RoomEvent, RoomId, naming,
};

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
        params: "ROOM [KEY]",
        help: "go to ROOM (#name), making it if it does not exist (KEY: a locked room's key)",
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
        let Some(room) = self.room_of(by.member) else {
            return;
        };
        let away = |member| self.away.contains_key(&member);
        let list = room
            .members
            .online_list(Some(now.instant), unreachable, &away);
        self.tell(by.local, now, Notice::Online(list));
    }

    /// `/rooms`: every room, busiest first.
    fn list_rooms(&mut self, by: Caller, _: Args<'_>, now: &Now) {
        // Secret rooms are listed to their members only.
        let list = self
            .rooms
            .listing(|room| !self.hidden_from(room, by.member));
        self.tell(by.local, now, Notice::Rooms(list));
    }

    /// `/join room`.
    fn join(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (local, member) = (by.local, by.member);
        let (room, key) = match args.text().split_once(char::is_whitespace) {
            Some((room, key)) => (room, Some(key.trim())),
            None => (args.text(), None),
        };
        let name = match naming::room_name(room) {
            Ok(name) => name,
            Err(why) => return self.reply_to(local, now, Reply::InvalidRoomName { why }),
        };
        let Some(from) = self.seats.room(&member) else {
            return;
        };
        if self.rooms.get(from).is_some_and(|r| *r.name == *name) {
            let room = name.as_str().into();
            return self.reply_to(local, now, Reply::AlreadyIn { room });
        }
        if let Some(id) = self.rooms.find(&name)
            && let Some(why) = self.barred(id, member, key, now)
        {
            let room = name.as_str().into();
            let refused = crate::chat::moderation::Answer::Barred { room, why };
            return self.reply_to(local, now, Reply::Moderation(refused));
        }
        let made = (self.rooms.find(&name)).is_none_or(|id| !self.rooms.in_use_id(id));
        let Some(to) = self.open_to_enter(local, &name, true, now) else {
            return;
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
        self.invite_used(member, &name);
        if made {
            self.maker_is_operator(to, member);
        }
        self.welcome(local, member, now);
    }

    /// The room called `name` (canonical form) for `local` to enter, made
    /// or woken if need be, once the room move (if `moves`) and the room
    /// made that it costs are spent; `None` (told why) if it may not.
    pub(in crate::chat) fn open_to_enter(
        &mut self,
        local: Local,
        name: &str,
        moves: bool,
        now: &Now,
    ) -> Option<RoomId> {
        let made = self.rooms.find(name).is_none();
        if made && self.rooms.len() >= self.rooms.max_rooms() {
            self.too_many_rooms(local, now);
            return None;
        }
        if moves && let Err(wait) = self.spend(local, Spend::Move, now) {
            self.reply_to(local, now, Reply::TooManyRoomChanges { wait });
            return None;
        }
        if made && let Err(wait) = self.spend(local, Spend::Room, now) {
            self.reply_to(local, now, Reply::TooManyRoomsMade { wait });
            return None;
        }
        match self.rooms.open(name) {
            Ok(room) => Some(room),
            Err(Full::TooManyRooms) => {
                self.too_many_rooms(local, now);
                None
            }
        }
    }

    fn too_many_rooms(&mut self, local: Local, now: &Now) {
        let max = self.rooms.max_rooms();
        self.reply_to(local, now, Reply::TooManyRooms { max });
    }

    /// `/topic [text]`: show, set, or with `-` clear it.
    fn topic(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let Some(room) = self.seats.room(&by.member) else {
            return;
        };
        let Some(text) = args.maybe_text() else {
            let Some(r) = self.rooms.get(room) else {
                return;
            };
            let (room, topic) = (r.name.clone(), r.topic.clone());
            return self.reply_to(by.local, now, Reply::TopicOf { room, topic });
        };
        let topic = (text != "-").then_some(text);
        self.set_topic(by, room, topic, now);
    }

    /// `by` sets the topic of `room` (`None`: clears it): `/topic`, IRC's
    /// `TOPIC`.
    pub(in crate::chat) fn set_topic(
        &mut self,
        by: Caller,
        room: RoomId,
        topic: Option<&str>,
        now: &Now,
    ) {
        let (local, member) = (by.local, by.member);
        if !self.may_set_topic(room, member) {
            let room = self
                .rooms
                .get(room)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            let refused = crate::chat::moderation::Answer::NotOperator { room };
            return self.reply_to(local, now, Reply::Moderation(refused));
        }
        if topic.is_some_and(|text| text.len() > MAX_TOPIC) {
            let max = MAX_TOPIC;
            return self.reply_to(local, now, Reply::TopicTooLong { max });
        }
        if let Err(wait) = self.spend(local, Spend::Topic, now) {
            return self.reply_to(local, now, Reply::TooManyTopicChanges { wait });
        }
        let topic = topic.map(Into::into);
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
            return self.reply_to(local, now, Reply::HistoryOff);
        }
        let max = self.history_len;
        let n = match args.maybe_text().map(str::parse::<usize>) {
            None => HISTORY_DEFAULT.min(max),
            Some(Ok(n)) if (1..=max).contains(&n) => n,
            Some(_) => {
                return self.reply_to(local, now, Reply::HistoryUsage { max });
            }
        };
        if let Err(wait) = self.spend(local, Spend::History(n as u32), now) {
            return self.reply_to(local, now, Reply::TooMuchHistory { wait });
        }
        let Some(room) = self.room_of(member) else {
            return;
        };
        // The engine keeps the history (the memory engine's ring, or the
        // room's stream in Redis) and answers with `stored_history`.
        let history = Delivery::History {
            member,
            room: room.name.clone(),
            ask: crate::chat::HistoryAsk::latest(n),
        };
        self.out.deliveries.push(history);
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
        self.history_reply(local, Notice::HistoryHead { room, shown }, lines, now);
    }

    /// Answers `local` with `head`, then `lines` of history (a `/history`
    /// answer, a resume's missed lines, mentions), if they fit, as
    /// [`Chat::reply`] does; else with the refusal `/history` gets.
    pub(in crate::chat) fn history_reply(
        &mut self,
        local: Local,
        head: Notice,
        lines: Vec<HistoryLine>,
        now: &Now,
    ) {
        self.out.deliveries.push(Delivery::Reply {
            to: local,
            head,
            lines,
            refused: Notice::HistoryRefused,
            at: now.wall,
        });
    }
}
