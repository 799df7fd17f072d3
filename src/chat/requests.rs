//! How the core answers each [`Request`] of a client that speaks in
//! requests (IRC). Each action is the function telnet's command table
//! calls too (a name change, a private message, a topic, a room entered
//! through the same budgets); what differs is only how it is asked and
//! that a client of requests may be in several rooms, or none.

use super::commands::Caller;
use super::list_filter::ListFilter;
use super::moderation::Answer;
use super::tick::Tick;
use super::{
    Chat, Delivery, Farewell, Local, MemberId, Now, Reply, Request, RoomEvent, RoomId, State,
    TopicInfo, naming,
};

impl Chat {
    /// One request from `local`. A request before login (but `Login` and
    /// `Quit`) or while a login is checked is ignored (the edge answers
    /// those itself). Any connection may send requests (an edge may log
    /// in through the name prompt and then send requests), but only a
    /// client of [`Protocol::Requests`] starts in no room and is shown
    /// no prompts.
    pub(super) fn request(&mut self, local: Local, request: Request<'_>, now: &Now) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        client.last_request = Tick::at(now.instant);
        let by = Caller {
            local,
            member: client.member,
        };
        match (client.state, request) {
            (_, Request::Quit(reason)) => {
                self.end_turn(now);
                if let Some(reason) = reason.filter(|r| !r.is_empty())
                    && let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut)
                {
                    client.errands.set_quit_reason(reason);
                }
                self.close_with(local, Farewell::Quit);
            }
            (State::AwaitingName { .. }, Request::Login { name, password }) => {
                self.end_turn(now);
                self.login(local, by.member, name, password, now);
            }
            (State::Chatting, request) => self.chatting_request(by, request, now),
            _ => {}
        }
    }

    fn chatting_request(&mut self, by: Caller, request: Request<'_>, now: &Now) {
        if let Request::Say { room, kind, text } = request {
            // Lines join the sender's turn, as telnet's chat lines do.
            return self.say_in(by, room, kind, text, now);
        }
        self.end_turn(now);
        match request {
            Request::Join { room, key } => self.join_also(by, room, key, now),
            Request::Part { room, reason } => self.part_room(by, room, reason, now),
            Request::Private {
                to,
                kind,
                text,
                tags,
            } => self.send_private(by, to, (kind, text), tags, now),
            Request::Nick(name) => self.change_name(by, name, now),
            Request::History { room, ask } => self.history_request(by, room, ask, now),
            Request::Topic { room, text } => self.topic_request(by, room, text, now),
            Request::Names(room) => self.names(by.local, room, now),
            Request::List(conditions) => self.list(by.local, &ListFilter::parse(conditions), now),
            Request::Who(mask) => self.who_is(by.local, mask, now),
            Request::Whois(name) => self.whois(by.local, name, now),
            Request::Away(text) => self.set_away(by, text, now),
            Request::SetName(text) => self.set_real_name(by, text, now),
            Request::Oper { name, password } => self.oper(by, name, password, now),
            Request::Unoper => self.unoper(by, now),
            Request::Kill { name, reason } => self.as_operator(by, "kill", now, |chat| {
                chat.kill(by, name, reason, now);
            }),
            Request::Wallops(text) => self.as_operator(by, "wallops", now, |chat| {
                let action = super::AdminAction::Wallops(text.into());
                chat.admin(by, action, now);
            }),
            Request::Watch(watch) => self.watch(by.local, watch, now),
            Request::Ignore(name) => self.ignore(by.local, name, now),
            Request::Unignore(name) => self.unignore(by.local, name, now),
            Request::Ignores => self.ignore_list(by.local, now),
            Request::Modes(room) => self.modes_of(by, room, now),
            Request::Bans(room) => self.bans_of(by, room, now),
            Request::ChangeModes { room, changes } => self.change_modes(by, room, changes, now),
            Request::Kick {
                room,
                target,
                reason,
            } => self.kick(by, room, target, reason, now),
            Request::Invite { target, room } => self.invite(by, target, room, now),
            Request::Invites => self.invites_of(by, now),
            Request::Own { room, ask } => self.own_request(by, room, ask, now),
            Request::Login { .. } | Request::Say { .. } | Request::Quit(_) => {}
        }
    }

    /// The room `given` names, if it exists and `by` is in it; else what
    /// to tell `by`: `refused` (with the name as given), or that it does
    /// not exist.
    pub(super) fn room_of_member(
        &self,
        by: Caller,
        given: &str,
        refused: fn(Box<str>) -> Reply,
    ) -> Result<RoomId, Reply> {
        let found = naming::room_name(given)
            .ok()
            .and_then(|name| self.rooms.find(&name))
            .filter(|&room| self.rooms.in_use_id(room));
        match found {
            Some(room) if self.seats.in_room(&by.member, room) => Ok(room),
            Some(_) => Err(refused(given.into())),
            None => Err(Reply::NoSuchRoom { room: given.into() }),
        }
    }

    /// A line to `room` from a member in it, into its turn. A notice that
    /// cannot be sent is dropped without a word.
    fn say_in(&mut self, by: Caller, given: &str, kind: super::LineKind, text: &str, now: &Now) {
        let found = naming::room_name(given)
            .ok()
            .and_then(|name| self.rooms.find(&name))
            .filter(|&room| self.rooms.in_use_id(room));
        let refused = match found {
            Some(room) if self.may_speak(room, by.member, now.wall) => {
                if !self.seats.in_room(&by.member, room) {
                    return self.said_from_outside(by, room, kind, text, now);
                }
                self.keep_turn(by.member, room, now);
                return self.batch_line(by.member, room, kind, text, now);
            }
            Some(room) => {
                let room = self.rooms.get(room).map(|r| r.name.clone());
                Reply::CannotSend {
                    room: room.unwrap_or_default(),
                }
            }
            None => Reply::NoSuchRoom { room: given.into() },
        };
        if !kind.is_notice() {
            self.reply_to(by.local, now, refused);
        }
    }

    /// A line to a room that takes lines from outside (`-n`), from a user
    /// not in it: a turn of its own.
    fn said_from_outside(
        &mut self,
        by: Caller,
        room: RoomId,
        kind: super::LineKind,
        text: &str,
        now: &Now,
    ) {
        self.end_turn(now);
        let Some(name) = self.name_of(by.member) else {
            return;
        };
        let mut turn = super::Turn::new(name, now.wall);
        turn.push(kind, text);
        let member = by.member;
        let turn = std::sync::Arc::new(turn);
        self.apply(RoomEvent::Said { room, member, turn }, now);
    }

    /// `by` enters `room` as well as the rooms it is in.
    fn join_also(&mut self, by: Caller, room: &str, key: Option<&str>, now: &Now) {
        let (local, member) = (by.local, by.member);
        let name = match naming::room_name(room) {
            Ok(name) => name,
            Err(why) => return self.reply_to(local, now, Reply::InvalidRoomName { why }),
        };
        if (self.rooms.find(&name)).is_some_and(|id| self.seats.in_room(&member, id)) {
            return; // IRC servers say nothing to a JOIN of a channel one is in.
        }
        let max = self.max_rooms_per_user;
        if self.seats.room_count(&member) >= max {
            let room = name.as_str().into();
            return self.reply_to(local, now, Reply::TooManyRoomsJoined { room, max });
        }
        // The first joins of a session are free (an IRC client joins its
        // channels as it connects); later ones are room moves.
        let free = (self.clients.get_mut(local).and_then(Option::as_mut)).is_some_and(|c| match c
            .free_joins
            .checked_sub(1)
        {
            Some(left) => {
                c.free_joins = left;
                true
            }
            None => false,
        });
        if let Some(id) = self.rooms.find(&name)
            && let Some(why) = self.barred(id, member, key, now)
        {
            let room = name.as_str().into();
            return self.reply_to(local, now, Reply::Moderation(Answer::Barred { room, why }));
        }
        let made = self
            .rooms
            .find(&name)
            .is_none_or(|id| !self.rooms.in_use_id(id));
        let Some(room) = self.open_to_enter(local, &name, !free, now) else {
            return;
        };
        let Some(user) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        let joined = RoomEvent::Joined {
            room,
            member,
            name: user,
            back: false,
        };
        self.apply(joined, now);
        self.invite_used(member, &name);
        if made {
            self.maker_is_operator(room, member);
        }
        let Some(r) = self.rooms.get(room) else {
            return;
        };
        let topic = self.topic_info(room, now);
        if r.topic.is_none() {
            // The engine may keep one (see `welcome`).
            self.out.deliveries.push(Delivery::Topic(r.name.clone()));
        }
        let (room, names) = (r.name.clone(), r.members.names());
        let secret = r.members.modes.has(super::modes::Flag::Secret);
        let entered = Reply::Entered {
            room,
            topic,
            names,
            secret,
        };
        self.reply_to(local, now, entered);
    }

    /// What IRC shows of `room`'s topic (332/333).
    pub(super) fn topic_info(&self, room: RoomId, now: &Now) -> Option<TopicInfo> {
        let r = self.rooms.get(room)?;
        let text = r.topic.clone()?;
        let (by, at) = match &r.topic_set {
            Some((by, at)) => (by.clone(), *at),
            None => ("someone".into(), now.wall),
        };
        Some(TopicInfo { text, by, at })
    }

    /// `by` leaves `room`, staying online.
    fn part_room(&mut self, by: Caller, room: &str, reason: Option<&str>, now: &Now) {
        let not_in = |room| Reply::NotInRoom { room };
        let id = match self.room_of_member(by, room, not_in) {
            Ok(id) => id,
            Err(refused) => return self.reply_to(by.local, now, refused),
        };
        let (Some(name), Some(r)) = (self.name_of(by.member), self.rooms.get(id)) else {
            return;
        };
        let room = r.name.clone();
        let reason: Option<Box<str>> = reason.map(Into::into);
        let parted = RoomEvent::Parted {
            room: id,
            member: by.member,
            name: name.into(),
            reason: reason.clone(),
        };
        self.apply(parted, now);
        self.reply_to(by.local, now, Reply::Parted { room, reason });
    }

    /// `TOPIC #room [text]`: shown, or set (empty clears it) by a member.
    fn topic_request(&mut self, by: Caller, room: &str, text: Option<&str>, now: &Now) {
        let not_in = |room| Reply::NotInRoom { room };
        let id = match self.room_of_member(by, room, not_in) {
            Ok(id) => id,
            Err(refused) => return self.reply_to(by.local, now, refused),
        };
        match text {
            None => {
                let topic = self.topic_info(id, now);
                let room = self
                    .rooms
                    .get(id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                self.reply_to(by.local, now, Reply::TopicIs { room, topic });
            }
            Some(text) => self.set_topic(by, id, (!text.is_empty()).then_some(text), now),
        }
    }

    /// `by` is away with `text`, or back (`None`): told to the other nodes.
    fn set_away(&mut self, by: Caller, text: Option<&str>, now: &Now) {
        let text: Option<Box<str>> = text.filter(|t| !t.is_empty()).map(Into::into);
        let away = text.is_some();
        let event = RoomEvent::Away {
            member: by.member,
            text,
        };
        self.apply(event, now);
        self.reply_to(by.local, now, Reply::Away { away });
    }

    /// Whether `local` is shown its own lines (IRC's `echo-message`).
    pub(super) fn set_echo(&mut self, local: Local, on: bool) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.echo = on;
        }
    }

    /// The name of room `room`, for rendering a delivery to it (IRC names
    /// the channel in every line); `None` once the room is gone (then
    /// nobody local is in it either).
    pub fn room_name(&self, room: RoomId) -> Option<&str> {
        self.rooms.get(room).map(|r| &*r.name)
    }

    /// The rooms `local`'s member is in, first first (IRC's `JOIN 0`
    /// parts each).
    pub fn rooms_of(&self, local: Local) -> Vec<Box<str>> {
        let Some(client) = self.client(local) else {
            return Vec::new();
        };
        self.member_rooms(client.member)
    }

    /// The names of the rooms `member` is in, first first.
    pub(super) fn member_rooms(&self, member: MemberId) -> Vec<Box<str>> {
        let names = self.seats.rooms(&member).filter_map(|r| self.rooms.get(r));
        names.map(|r| r.name.clone()).collect()
    }
}
