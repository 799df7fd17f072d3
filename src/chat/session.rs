//! A session's way in: the greeting, the name prompt, and entering the
//! chat with the welcome. What a chatting user's line does is the command
//! table's (`commands/`).

use super::commands::{self, Caller};
use super::{
    Ask, Chat, Delivery, Local, MemberId, Message, Notice, Now, Protocol, Reply, RoomEvent, Secret,
    State, naming,
};

impl Chat {
    /// A line typed at the name prompt.
    pub(super) fn at_prompt(&mut self, local: Local, member: MemberId, text: &str, now: &Now) {
        if let Some(command) = commands::at_prompt(text) {
            return self.prompt_command(command, Caller { local, member }, now);
        }
        if self.resume_typed(local, member, text, now) {
            return;
        }
        // Spaces around the name are ignored.
        self.login(local, member, text.trim(), None, now);
    }

    /// `local` asks to log in as `name` (typed at the prompt, or a
    /// [`Request::Login`](super::Request::Login) with the name's password).
    pub(super) fn login(
        &mut self,
        local: Local,
        member: MemberId,
        name: &str,
        password: Option<Secret>,
        now: &Now,
    ) {
        if let Err(why) = naming::valid_name(name) {
            return self.retry(local, now, Reply::InvalidName { why });
        }
        if self.globally_banned(local, name, now) {
            return;
        }
        // A held name may be registered: its password takes it back.
        if self.claiming.contains_key(super::name::key(&name))
            || (self.find(name).is_some() && !self.accounts())
        {
            let name = name.into();
            return self.retry(local, now, Reply::NameTaken { name });
        }
        if !self.linked {
            return self.claim(local, member, name, None, now); // Refused.
        }
        if self.accounts() {
            if let Some(password) = password
                && let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut)
            {
                client.errands.set_password(password);
            }
            return self.ask(local, member, name, Ask::Lookup);
        }
        self.take_name(local, member, name, now);
    }

    /// A user at the prompt whose name is theirs joins the default room
    /// (a client of requests joins none: it is told it is logged in).
    pub(super) fn enter_chat(&mut self, local: Local, member: MemberId, name: &str, now: &Now) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        client.state = State::Chatting;
        self.chatting += 1;
        let requests = client.protocol == Protocol::Requests;
        self.note_peaks();
        self.out.deliveries.push(Delivery::LoggedIn(local, member));
        if requests {
            let name: Box<str> = name.into();
            let online = RoomEvent::Online {
                member,
                name: name.clone(),
            };
            self.apply(online, now);
            return self.reply_to(local, now, Reply::LoggedIn { name });
        }
        // A session resumed goes back to its room (see `resume/`).
        let room = (self.resume_room(member, now)).unwrap_or_else(|| self.rooms.default_room());
        let joined = RoomEvent::Joined {
            room,
            member,
            name: name.into(),
            back: self.coming_back(&member),
        };
        self.apply(joined, now);
        let code = self.give_code(local, member, now);
        self.welcome_with(local, member, code, now);
        self.welcomed(local, member, now);
    }

    /// The welcome line (name, room, who is there) and the room's topic.
    pub(super) fn welcome(&mut self, local: Local, member: MemberId, now: &Now) {
        self.welcome_with(local, member, None, now);
    }

    /// The welcome line, then `code` (a login's resume code, see
    /// `resume/`), then the room's topic.
    fn welcome_with(&mut self, local: Local, member: MemberId, code: Option<Notice>, now: &Now) {
        let (Some(name), Some(room)) = (self.name_of(member), self.room_of(member)) else {
            return;
        };
        let online = room
            .members
            .online_list(None, self.others_unreachable(), &|_| false);
        let welcome = Notice::Welcome {
            name: name.into(),
            room: room.name.clone(),
            online,
        };
        let told = if let Some(topic) = &room.topic {
            let topic = Notice::Topic {
                topic: topic.clone(),
            };
            Message::Notices(
                [Some(welcome), code, Some(topic)]
                    .into_iter()
                    .flatten()
                    .collect(),
            )
        } else if let Some(code) = code {
            let room = room.name.clone();
            self.out.deliveries.push(Delivery::Topic(room));
            Message::Notices(vec![welcome, code])
        } else {
            // The engine may keep one for a room this node has just opened
            // (Redis keeps topics past every node; memory has none but the
            // room's own).
            let room = room.name.clone();
            self.out.deliveries.push(Delivery::Topic(room));
            // One notice: no list to allocate (rendered as a list of one).
            Message::Notice(welcome)
        };
        self.to(local, told, now);
    }

    /// Refuses a name: the reason, then the prompt again.
    pub(super) fn retry(&mut self, local: Local, now: &Now, why: Reply) {
        self.reply_to(local, now, why);
        self.prompt_again(local, now);
    }

    /// The name prompt again, after a notice (a client of requests is
    /// shown no prompt: it sends another login).
    pub(super) fn prompt_again(&mut self, local: Local, now: &Now) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        let prompt = client.protocol == Protocol::Lines;
        client.state = State::AwaitingName {
            prompt_pending: prompt,
        };
        if prompt {
            self.to(local, Message::NamePrompt, now);
        }
    }
}
