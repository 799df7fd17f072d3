//! What a local user's line does: the name prompt, chat lines and actions
//! (batched per turn), and each command. Every user-facing text of those
//! paths is here.

use super::command::{self, AtPrompt, Command};
use super::render::Render;
use super::{Chat, Delivery, Farewell, LOBBY, Local, MemberId, NICK_RATE, Now, RoomEvent, State};
use bytes::Bytes;
use std::time::SystemTime;

/// The greeting line sent on connect, before the prompt.
pub const GREETING: &str = "Welcome to linechat!";

/// The prompt, without a line end so the cursor stays after it.
pub const PROMPT: &str = "Enter your name: ";

/// One line per command, shown by `/help`.
pub const HELP: &[&str] = &[
    "Commands (names are case-insensitive):",
    "/who - list who is online and how long they have been idle",
    "/msg NAME TEXT - send TEXT to NAME only",
    "/me TEXT - describe an action: * yourname TEXT",
    "/nick NAME - change your name",
    "/help - this list",
    "/quit - leave",
    "Start a line with // to send a line that begins with /",
];

impl Chat {
    /// A line typed at the name prompt.
    pub(super) fn at_prompt(&mut self, local: Local, member: MemberId, text: &str, now: &Now) {
        let name = match command::parse_name(text) {
            AtPrompt::Quit => return self.close_with(local, Farewell::Quit),
            AtPrompt::Invalid(why) => return self.retry(local, now, &["Invalid name: ", why]),
            AtPrompt::Name(name) if self.room.find(name).is_some() => {
                return self.retry(local, now, &["The name '", name, "' is taken"]);
            }
            AtPrompt::Name(name) => name,
        };
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.state = State::Chatting;
        }
        let joined = RoomEvent::Joined {
            room: LOBBY,
            member,
            name: name.into(),
        };
        self.apply(joined, now);
        let list = self.room.online_list(None);
        self.notice_to(local, now, &["Welcome, ", name, "! ", &list]);
    }

    /// Refuses a name: the reason, then the prompt again.
    fn retry(&mut self, local: Local, now: &Now, why: &[&str]) {
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
        let Some(name) = self.room.name_of(member) else {
            return;
        };
        match command {
            Command::Ignore => {}
            Command::Say(text) => {
                let parts = [name, ": ", text];
                self.render.push_line(&mut self.batch.buf, now.wall, &parts);
                self.batch.count += 1;
                self.batch.from = Some(member);
            }
            Command::Me(text) => {
                let parts = ["* ", name, " ", text];
                self.render.push_line(&mut self.batch.buf, now.wall, &parts);
                self.batch.count += 1;
                self.batch.from = Some(member);
            }
            Command::Msg { to, text } => self.private(local, member, to, text, now),
            Command::Nick(new) => self.nick(local, member, new, now),
            Command::Who => {
                let list = self.room.online_list(Some(now.instant));
                self.notice_to(local, now, &[&list]);
            }
            Command::Help => {
                let mut text = Vec::new();
                for line in HELP {
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

    /// `/msg to text` from `member`.
    fn private(&mut self, local: Local, member: MemberId, to: &str, text: &str, now: &Now) {
        let recipient = match self.room.find(to) {
            None => return self.notice_to(local, now, &["No such user '", to, "'"]),
            Some(id) if id == member => {
                return self.notice_to(local, now, &["You cannot /msg yourself"]);
            }
            Some(id) => id,
        };
        let (Some(from), Some(to_name)) = (self.room.name_of(member), self.room.name_of(recipient))
        else {
            return;
        };
        let line = self.render.line(now.wall, &["[pm] ", from, ": ", text]);
        let echo = self
            .render
            .line(now.wall, &["[pm -> ", to_name, "] ", text]);
        if let Some(to) = self.room.local_of(recipient) {
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
        }
        self.room.touch(member, now.instant);
        self.out.events.push(RoomEvent::Private {
            from: member,
            to: recipient,
            line,
        });
    }

    /// `/nick new` from `member`.
    fn nick(&mut self, local: Local, member: MemberId, new: &str, now: &Now) {
        let Some(old) = self.room.name_of(member) else {
            return;
        };
        if old == new {
            return self.notice_to(local, now, &["You are already ", new]);
        }
        if let Err(why) = command::valid_name(new) {
            return self.notice_to(local, now, &["Invalid name: ", why]);
        }
        if self.room.find(new).is_some_and(|id| id != member) {
            return self.notice_to(local, now, &["The name '", new, "' is taken"]);
        }
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
        let event = RoomEvent::Renamed {
            room: LOBBY,
            member,
            old: old.into(),
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
