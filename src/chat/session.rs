//! What a local user's line does: the name prompt, chat lines and actions
//! (batched per turn), and each command. Every user-facing text of those
//! paths is here.

use super::command::{self, AtPrompt, Command};
use super::render::Render;
use super::rooms::Full;
use super::throttle::Spend;
use super::{
    Ask, Chat, Delivery, Farewell, Local, MemberId, NICK_RATE, Now, RoomEvent, RoomNames, Secret,
    State,
};
use bytes::Bytes;
use std::time::SystemTime;

/// The greeting line sent on connect, before the prompt.
pub const GREETING: &str = "Welcome to linechat!";

/// The prompt, without a line end so the cursor stays after it.
pub const PROMPT: &str = "Enter your name: ";

/// One line per command, shown by `/help`.
pub const HELP: &[&str] = &[
    "Commands (names and rooms are case-insensitive):",
    "/who - list who is in this room and how long they have been idle",
    "/join ROOM - go to ROOM (#name), making it if it does not exist",
    "/rooms - list the rooms, busiest first",
    "/topic [TEXT] - show this room's topic, or set it (/topic - clears it)",
    "/history [N] - show the last N lines said in this room (default 20)",
    "/msg NAME TEXT - send TEXT to NAME only, in any room",
    "/me TEXT - describe an action: * yourname TEXT",
    "/nick NAME - change your name",
    "/register PASSWORD - register your name: logging in as it will ask for the password",
    "/password OLD NEW - change your registered name's password",
    "/unregister PASSWORD - unregister your name",
    "/help - this list",
    "/quit - leave",
    "Start a line with // to send a line that begins with /",
];

/// Whether `line` of [`HELP`] is about an account command.
pub(super) fn is_account_help(line: &str) -> bool {
    ["/register ", "/password ", "/unregister "]
        .iter()
        .any(|command| line.starts_with(command))
}

/// Longest topic, in bytes.
pub const MAX_TOPIC: usize = 200;

/// Lines `/history` shows when no count is given.
const HISTORY_DEFAULT: usize = 20;

/// Told instead of a `/history` answer that does not fit: the asker's
/// output queue, or the output memory of the whole server, is too full.
const HISTORY_REFUSED: &str =
    "History not sent: too much output is waiting; try again shortly, or ask for fewer lines";

impl Chat {
    /// A line typed at the name prompt.
    pub(super) fn at_prompt(&mut self, local: Local, member: MemberId, text: &str, now: &Now) {
        let name = match command::parse_name(text) {
            AtPrompt::Quit => return self.close_with(local, Farewell::Quit),
            AtPrompt::Invalid(why) => return self.retry(local, now, &["Invalid name: ", why]),
            // A held name may be registered: its password takes it back.
            AtPrompt::Name(name)
                if self
                    .claiming
                    .contains_key(name.to_ascii_lowercase().as_str())
                    || (self.find(name).is_some() && !self.accounts()) =>
            {
                return self.retry(local, now, &["The name '", name, "' is taken"]);
            }
            AtPrompt::Name(name) => name,
        };
        if self.naming && !self.linked {
            return self.claim(local, member, name, None, now); // Refused.
        }
        if self.accounts() {
            return self.ask(local, member, name, Ask::Lookup);
        }
        self.take_name(local, member, name, now);
    }

    /// A user at the prompt whose name is theirs joins the default room.
    pub(super) fn enter_chat(&mut self, local: Local, member: MemberId, name: &str, now: &Now) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.state = State::Chatting;
            self.chatting += 1;
        }
        let room = self.rooms.default_room();
        let joined = RoomEvent::Joined {
            room,
            member,
            name: name.into(),
        };
        self.apply(joined, now);
        self.welcome(local, member, now);
    }

    /// The welcome line (name, room, who is there) and the room's topic.
    fn welcome(&mut self, local: Local, member: MemberId, now: &Now) {
        let (Some(name), Some(room)) = (self.name_of(member), self.room_of(member)) else {
            return;
        };
        let list = room.members.online_list(None, self.others_unreachable());
        let mut text = Vec::new();
        let parts = ["*** Welcome, ", name, "! ", &room.name, ": ", &list];
        self.render.push_line(&mut text, now.wall, &parts);
        if let Some(topic) = &room.topic {
            self.render
                .push_line(&mut text, now.wall, &["*** Topic: ", topic]);
        } else if self.naming {
            // The store may keep one for a room this node has just opened.
            let room = room.name.clone();
            self.out.deliveries.push(Delivery::Topic(room));
        }
        self.to(local, Bytes::from(text));
    }

    /// Refuses a name: the reason, then the prompt again.
    pub(super) fn retry(&mut self, local: Local, now: &Now, why: &[&str]) {
        self.notice_to(local, now, why);
        self.to(local, Bytes::from_static(PROMPT.as_bytes()));
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.state = State::AwaitingName {
                prompt_pending: true,
            };
        }
    }

    /// A chatting user's line.
    pub(super) fn command(&mut self, local: Local, member: MemberId, text: &str, now: &Now) {
        let command = command::parse_command(text);
        let batched = matches!(command, Command::Say(_) | Command::Me(_) | Command::Ignore);
        if !batched || self.batch.from.is_some_and(|from| from != member) {
            // Whatever this line causes comes after the lines before it.
            self.end_turn(now);
        }
        match command {
            Command::Ignore => {}
            Command::Say(text) => self.batch_line(member, ["", ": "], text, now),
            Command::Me(text) => self.batch_line(member, ["* ", " "], text, now),
            Command::Msg { to, text } => self.private(local, member, to, text, now),
            Command::Nick(new) => self.nick(local, member, new, now),
            Command::Register(password) => self.register(local, member, password, now),
            Command::Password { old, new } => {
                let ask = Ask::Change(Secret(old.into()), Secret(new.into()));
                self.account_command(local, member, ask, now);
            }
            Command::Unregister(password) => {
                let ask = Ask::Unregister(Secret(password.into()));
                self.account_command(local, member, ask, now);
            }
            Command::Join(room) => self.join(local, member, room, now),
            Command::Rooms => {
                let list = self.rooms.listing();
                self.notice_to(local, now, &[&list]);
            }
            Command::Topic(topic) => self.topic(local, member, topic, now),
            Command::History(count) => self.history(local, member, count, now),
            Command::Who => {
                let unreachable = self.others_unreachable();
                let list = self
                    .room_of(member)
                    .map(|r| r.members.online_list(Some(now.instant), unreachable));
                self.notice_to(local, now, &[&list.unwrap_or_default()]);
            }
            Command::Help => {
                let mut text = Vec::new();
                // The account commands only where accounts are on.
                let shown = HELP.iter().filter(|l| self.accounts || !is_account_help(l));
                for line in shown {
                    self.render.push_line(&mut text, now.wall, &["*** ", line]);
                }
                self.to(local, Bytes::from(text));
            }
            Command::Quit => self.close_with(local, Farewell::Quit),
            Command::Usage(form) => self.notice_to(local, now, &["Usage: ", form]),
            Command::Unknown(verb) => {
                self.notice_to(local, now, &["Unknown command '/", verb, "', try /help"]);
            }
        }
    }

    /// Renders `before` name `after` text (`name: text`, or `* name text`
    /// for an action) into the turn's batch.
    fn batch_line(&mut self, member: MemberId, [before, after]: [&str; 2], text: &str, now: &Now) {
        let name = self
            .member_room
            .get(&member)
            .and_then(|&room| self.rooms.get(room))
            .and_then(|room| room.members.name_of(member));
        let Some(name) = name else {
            return;
        };
        let parts = [before, name, after, text];
        self.render.push_line(&mut self.batch.buf, now.wall, &parts);
        self.batch.count += 1;
        self.batch.from = Some(member);
    }

    /// `/join room` from `member`.
    fn join(&mut self, local: Local, member: MemberId, typed: &str, now: &Now) {
        let name = match command::room_name(typed) {
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

    /// `/topic [text]` from `member`: show, set, or with `-` clear it.
    fn topic(&mut self, local: Local, member: MemberId, text: Option<&str>, now: &Now) {
        let Some(&room) = self.member_room.get(&member) else {
            return;
        };
        let Some(text) = text else {
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

    /// `/history [n]` from `member`: the room's last lines, to them alone.
    fn history(&mut self, local: Local, member: MemberId, count: Option<&str>, now: &Now) {
        if self.history_len == 0 {
            return self.notice_to(local, now, &["History is off on this server"]);
        }
        let max = self.history_len;
        let n = match count.map(str::parse::<usize>) {
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
        let lines: Vec<(SystemTime, Bytes)> = room.history.last(n).cloned().collect();
        let head = self.history_head(&room.name, lines.len(), now);
        self.reply(local, head, lines, now);
    }

    /// `/history`'s heading, for `shown` lines of `room`.
    pub(super) fn history_head(&self, room: &str, shown: usize, now: &Now) -> Bytes {
        let head = if shown == 0 {
            format!("No history in {room}")
        } else {
            format!(
                "Last {shown} line{} of {room}:",
                if shown == 1 { "" } else { "s" },
            )
        };
        self.render.notice(now.wall, &[&head])
    }

    /// Answers `local` with `head` then `lines` (each stamped with when it
    /// was said, unless every line already carries a stamp), if the reactor
    /// finds room for them in its queue and in the output memory; else
    /// with a refusal.
    pub(super) fn reply(
        &mut self,
        local: Local,
        head: Bytes,
        lines: Vec<(SystemTime, Bytes)>,
        now: &Now,
    ) {
        let refused = self.render.notice(now.wall, &[HISTORY_REFUSED]);
        self.out.deliveries.push(Delivery::Reply {
            to: local,
            head,
            lines,
            stamp: !self.render.timestamps,
            refused,
        });
    }

    /// The local user `reader` was not sent a private message from
    /// `sender`, a user of another node, because `reader` is not keeping
    /// up: recorded, so the reactor tells the sender's node.
    pub fn unread(&mut self, reader: MemberId, sender: MemberId) {
        let unread = RoomEvent::Unread { reader, sender };
        let names = self.naming.then(RoomNames::default);
        self.record(unread, names);
    }

    /// `/msg to text` from `member`.
    fn private(&mut self, local: Local, member: MemberId, to: &str, text: &str, now: &Now) {
        let recipient = match self.find(to) {
            None => return self.notice_to(local, now, &["No such user '", to, "'"]),
            Some(id) if id == member => {
                return self.notice_to(local, now, &["You cannot /msg yourself"]);
            }
            Some(id) => id,
        };
        let (Some(from), Some(to_name)) = (self.name_of(member), self.name_of(recipient)) else {
            return;
        };
        let line = self.render.line(now.wall, &["[pm] ", from, ": ", text]);
        let echo = self
            .render
            .line(now.wall, &["[pm -> ", to_name, "] ", text]);
        if let Some(to) = self
            .room_of(recipient)
            .and_then(|r| r.members.local_of(recipient))
        {
            let refused = self.render.notice(
                now.wall,
                &[to_name, " is not reading fast enough; message not sent"],
            );
            self.out.deliveries.push(Delivery::Private {
                to,
                line: line.clone(),
                sender: local,
                echo,
                refused,
            });
        } else {
            // On another node: the event, published, takes it there.
            self.to(local, echo);
        }
        if let Some(&room) = self.member_room.get(&member)
            && let Some(r) = self.rooms.get_mut(room)
        {
            r.members.touch(member, now.instant);
        }
        let private = RoomEvent::Private {
            from: member,
            to: recipient,
            line,
        };
        let names = self.naming.then(RoomNames::default);
        self.record(private, names);
    }

    /// `/nick new` from `member`.
    fn nick(&mut self, local: Local, member: MemberId, new: &str, now: &Now) {
        let Some(old) = self.name_of(member) else {
            return;
        };
        if old == new {
            return self.notice_to(local, now, &["You are already ", new]);
        }
        if let Err(why) = command::valid_name(new) {
            return self.notice_to(local, now, &["Invalid name: ", why]);
        }
        if self.find_or_claimed(new).is_some_and(|id| id != member) {
            return self.notice_to(local, now, &["The name '", new, "' is taken"]);
        }
        let old: Box<str> = old.into();
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut)
            && let Err(next) = client.nicks.try_take(NICK_RATE, now.instant)
        {
            let wait = next
                .saturating_duration_since(now.instant)
                .as_millis()
                .div_ceil(1000);
            let wait = wait.to_string();
            let parts = ["Too many name changes; try again in ", &wait, "s"];
            return self.notice_to(local, now, &parts);
        }
        // A change of case keeps the (lower-cased) name, registered or not.
        if self.naming && !self.linked {
            return self.claim(local, member, new, Some(old), now); // Refused.
        }
        if self.accounts() && !old.eq_ignore_ascii_case(new) {
            return self.ask(local, member, new, Ask::Lookup);
        }
        self.nick_free(local, member, new, now);
    }

    /// `/nick new` once `new` is known to be free here and not registered:
    /// claimed with the other nodes, or taken.
    pub(super) fn nick_free(&mut self, local: Local, member: MemberId, new: &str, now: &Now) {
        let Some(old) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        if self.naming && !old.eq_ignore_ascii_case(new) {
            return self.claim(local, member, new, Some(old), now);
        }
        self.rename(local, member, old, new, now);
    }

    /// `member`, whose new name is theirs, takes it.
    pub(super) fn rename(
        &mut self,
        local: Local,
        member: MemberId,
        old: Box<str>,
        new: &str,
        now: &Now,
    ) {
        let Some(&room) = self.member_room.get(&member) else {
            return;
        };
        let event = RoomEvent::Renamed {
            room,
            member,
            old,
            new: new.into(),
        };
        self.apply(event, now);
        self.notice_to(local, now, &["You are now known as ", new]);
    }
}

/// The greeting line and the prompt as one buffer.
pub(super) fn greeting(render: Render, at: SystemTime) -> Bytes {
    let mut greeting = render.line(at, &[GREETING]).to_vec();
    greeting.extend_from_slice(PROMPT.as_bytes());
    Bytes::from(greeting)
}
