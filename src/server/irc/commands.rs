//! A registered IRC client's commands, each mapped to one typed request of
//! the core ([`crate::chat::Request`]), whose answer the IRC dialect
//! renders; what the edge answers alone (PING, CAP, MODE, LUSERS, MOTD)
//! and what linechat does not support (421) is answered here. The
//! parameter checks come first, as ergo's command table does them: 461
//! for a missing parameter, 411/412 for a message without target or text.

use super::super::Server;
use crate::chat::{Input, LineKind, Request};
use crate::irc::casemap::{self, NameError};
use crate::irc::ctcp::{self, Text};
use crate::irc::register::already_registered;
use crate::irc::{Message, Numeric};
use std::borrow::Cow;

/// The parameters each command needs at least (461 otherwise).
fn needs(command: &str) -> usize {
    match command {
        "JOIN" | "PART" | "TOPIC" | "MODE" | "USERHOST" | "WHOWAS" | "SETNAME" => 1,
        "CHATHISTORY" => 4,
        "KICK" => 2,
        _ => 0,
    }
}

impl Server {
    /// One command from a registered client.
    pub(super) fn irc_command(&mut self, key: usize, message: &Message) {
        let server = self.dialects.irc_server();
        // Commands are short: upper-cased on the stack, not allocated.
        let mut upper = [0u8; 16];
        let len = message.command.len().min(upper.len());
        upper[..len].copy_from_slice(&message.command.as_bytes()[..len]);
        upper.make_ascii_uppercase();
        let command = std::str::from_utf8(&upper[..len]).unwrap_or("");
        if message.params().len() < needs(command) {
            let text = "Not enough parameters";
            return self.irc_numeric(key, Numeric::NeedMoreParams, &[command, text]);
        }
        let p = |i| message.param(i).unwrap_or("");
        match command {
            "PING" | "PONG" => self.irc_anytime(key, message),
            "QUIT" => self.irc_request(key, Request::Quit(message.param(0))),
            "CAP" => self.irc_cap(key, message),
            "USER" | "PASS" => {
                let reply = already_registered(server, &self.irc_nick(key));
                self.irc_send(key, &[reply]);
            }
            "PRIVMSG" | "NOTICE" => self.irc_message(key, command == "NOTICE", message),
            "TAGMSG" => self.irc_tagmsg(key, message),
            "CHATHISTORY" => self.irc_chathistory(key, message),
            "JOIN" => self.irc_join(key, p(0), message.param(1)),
            "PART" => self.irc_part(key, p(0), message.param(1)),
            "NICK" if p(0).is_empty() => {
                self.irc_numeric(key, Numeric::NoNicknameGiven, &["No nickname given"]);
            }
            "WHOIS" if p(0).is_empty() => {
                self.irc_numeric(key, Numeric::NoNicknameGiven, &["No nickname given"]);
            }
            "NICK" => self.irc_nick_change(key, p(0)),
            "TOPIC" => {
                let text = message.param(1);
                self.irc_in_room(key, p(0), |room| Request::Topic { room, text });
            }
            "NAMES" if p(0).is_empty() => {
                self.irc_numeric(key, Numeric::EndOfNames, &["*", "End of /NAMES list"]);
            }
            "NAMES" => self.irc_names(key, p(0)),
            // `LIST [#a,#b] [conditions]`: both narrow the list alike.
            "LIST" => self.irc_request(key, Request::List(&message.params().join(","))),
            "WHO" if p(0).is_empty() => {
                self.irc_numeric(key, Numeric::EndOfWho, &["*", "End of /WHO list"]);
            }
            "WHO" => {
                self.irc_asked(key, p(0), false);
                // WHOX: `WHO mask %fields[,token]` is answered with 354s.
                let whox = message.param(1).filter(|f| f.starts_with('%'));
                if let Some(session) = self.irc_session(key) {
                    session.whox = whox.map(Into::into);
                }
                self.irc_request(key, Request::Who(p(0)));
                if let Some(session) = self.irc_session(key) {
                    session.whox = None;
                }
            }
            "WHOIS" => {
                // `WHOIS server nick` names the nick last.
                let nick = message.params().last().copied().unwrap_or("");
                self.irc_asked(key, nick, true);
                self.irc_request(key, Request::Whois(nick));
                self.irc_asked(key, nick, false);
            }
            "USERHOST" => self.irc_userhost(key, message.params()),
            "WHOWAS" => self.irc_whowas(key, p(0), message.param(1)),
            "MARKREAD" => {
                let server = self.dialects.irc_server();
                if let Some(session) = self.irc_session(key) {
                    let answer = session.read_markers.markread(server, message.params());
                    self.irc_send(key, &[answer]);
                }
            }
            "AWAY" => self.irc_request(
                key,
                Request::Away(message.param(0).filter(|t| !t.is_empty())),
            ),
            "MODE" => self.irc_mode(key, message),
            "MONITOR" => self.irc_monitor(key, message),
            "SILENCE" => self.irc_silence(key, message),
            "SETNAME" => self.irc_setname(key, p(0)),
            "KICK" => self.irc_kick(key, message),
            "INVITE" => self.irc_invite(key, message),
            "ROOM" | "CS" | "CHANSERV" => self.irc_own(key, command, message),
            _ if self.irc_about(key, command, message.param(0)) => {}
            _ if self.irc_oper(key, command, message) => {}
            _ => {
                let text = "Unknown command";
                self.irc_numeric(key, Numeric::UnknownCommand, &[message.command, text]);
            }
        }
    }

    /// PART of a comma list, with one reason for all.
    fn irc_part(&mut self, key: usize, channels: &str, reason: Option<&str>) {
        let reason = reason.filter(|r| !r.is_empty());
        for channel in channels.split(',').filter(|c| !c.is_empty()) {
            self.irc_in_room(key, channel, |room| Request::Part { room, reason });
        }
    }

    /// NICK after registration: 432 here, the rest is the core's.
    fn irc_nick_change(&mut self, key: usize, typed: &str) {
        match casemap::nick(typed) {
            Ok(nick) => {
                self.irc_asked(key, nick, false);
                self.irc_request(key, Request::Nick(nick));
            }
            Err(NameError::BadNick(why) | NameError::BadChannel(why)) => {
                let typed = crate::irc::render::as_middle(typed);
                self.irc_numeric(key, Numeric::ErroneousNickname, &[typed, why]);
            }
        }
    }

    /// NAMES of a comma list; a name that is no room is just the end of an
    /// empty list. Several channels end with one 366 naming them all.
    fn irc_names(&mut self, key: usize, channels: &str) {
        let several = channels.split(',').filter(|c| !c.is_empty()).count() > 1;
        if let Some(session) = self.irc_session(key) {
            session.names_of_several = several;
        }
        let end = "End of /NAMES list";
        for channel in channels.split(',').filter(|c| !c.is_empty()) {
            match casemap::check_channel(channel) {
                Ok(()) => self.irc_in_room(key, channel, Request::Names),
                Err(_) if several => {}
                Err(_) => self.irc_numeric(key, Numeric::EndOfNames, &[channel, end]),
            }
        }
        if several {
            if let Some(session) = self.irc_session(key) {
                session.names_of_several = false;
            }
            self.irc_numeric(key, Numeric::EndOfNames, &[channels, end]);
        }
    }

    /// USERHOST of up to five nicks: each is asked of the core as `WHO
    /// nick`, whose answer [`Server::irc_shown`] gathers into one 302
    /// (unknown nicks, and masks, are left out).
    fn irc_userhost(&mut self, key: usize, nicks: &[&str]) {
        if let Some(session) = self.irc_session(key) {
            session.userhost = Some(String::new());
        }
        for &nick in nicks.iter().take(5) {
            if !nick.is_empty() && !nick.contains(['*', '?', '#']) {
                self.irc_request(key, Request::Who(nick));
            }
        }
        let found = self.irc_session(key).and_then(|s| s.userhost.take());
        self.irc_numeric(key, Numeric::UserHost, &[&found.unwrap_or_default()]);
    }

    /// Hands one request of the connection at `key` to the core.
    pub(super) fn irc_request(&mut self, key: usize, request: Request<'_>) {
        self.core(Input::Request {
            local: key,
            request,
        });
    }

    /// Remembers what the request being made names, for the numerics of
    /// its answer.
    pub(super) fn irc_asked(&mut self, key: usize, asked: &str, whois: bool) {
        if let Some(session) = self.irc_session(key) {
            session.asked = Some(asked.into());
            session.whois = whois;
        }
    }

    /// The connection's nick (or `*`), owned.
    pub(super) fn irc_nick(&mut self, key: usize) -> String {
        self.irc_session(key).map_or("*", |s| s.target()).to_owned()
    }

    /// A request about one channel, after checking its name (403).
    pub(super) fn irc_in_room<'r>(
        &mut self,
        key: usize,
        channel: &'r str,
        request: impl FnOnce(&'r str) -> Request<'r>,
    ) {
        match casemap::check_channel(channel) {
            Ok(()) => {
                // A reply may name the channel (403 for a bad room name).
                if self.irc_session(key).and_then(|s| s.asked.as_deref()) != Some(channel) {
                    self.irc_asked(key, channel, false);
                }
                self.irc_request(key, request(channel));
            }
            Err(NameError::BadChannel(why) | NameError::BadNick(why)) => {
                let text = format!("No such channel: {why}");
                self.irc_error(key, Numeric::NoSuchChannel, &[channel, &text]);
            }
        }
    }

    /// An error numeric, unless the command was a NOTICE (never answered).
    fn irc_error(&mut self, key: usize, numeric: Numeric, params: &[&str]) {
        if self.irc_session(key).is_some_and(|s| !s.quiet) {
            self.irc_numeric(key, numeric, params);
        }
    }

    /// JOIN of a comma list, with a comma list of keys in the same order;
    /// `JOIN 0` parts every room.
    fn irc_join(&mut self, key: usize, channels: &str, keys: Option<&str>) {
        if channels == "0" {
            for room in self.chat.rooms_of(key) {
                self.irc_request(
                    key,
                    Request::Part {
                        room: &room,
                        reason: None,
                    },
                );
            }
            return;
        }
        let mut keys = keys.unwrap_or("").split(',');
        for channel in channels.split(',').filter(|c| !c.is_empty()) {
            let given = keys.next().filter(|k| !k.is_empty());
            self.irc_in_room(key, channel, |room| Request::Join { room, key: given });
        }
    }

    /// PRIVMSG or NOTICE to each target of a comma list: a channel is a
    /// line to that room, a nick a private message. CTCP ACTION is a `/me`;
    /// other CTCP is not passed on (telnet users cannot read it).
    fn irc_message(&mut self, key: usize, notice: bool, message: &Message) {
        if let Some(session) = self.irc_session(key) {
            session.quiet = notice;
        }
        self.irc_message_to_each(key, notice, message);
        if let Some(session) = self.irc_session(key) {
            session.quiet = false;
        }
    }

    /// See [`irc_message`](Self::irc_message); a NOTICE's refusals are not
    /// answered.
    fn irc_message_to_each(&mut self, key: usize, notice: bool, message: &Message) {
        let command = if notice { "NOTICE" } else { "PRIVMSG" };
        let (Some(targets), text) = (message.param(0), message.param(1)) else {
            let text = format!("No recipient given ({command})");
            return self.irc_error(key, Numeric::NoRecipient, &[&text]);
        };
        let text = text.unwrap_or("");
        let (kind, text) = match ctcp::classify(text) {
            Text::Plain(text) if notice => (LineKind::Notice, text),
            Text::Plain(text) => (LineKind::Say, text),
            Text::Action(text) => (LineKind::Act, text),
            // Other CTCP goes to IRC readers only (the core's kinds).
            Text::Other(..) => {
                let inner = text.trim_start_matches('\u{1}').trim_end_matches('\u{1}');
                let kind = if notice {
                    LineKind::CtcpReply
                } else {
                    LineKind::Ctcp
                };
                (kind, inner)
            }
        };
        if text.is_empty() {
            return self.irc_error(key, Numeric::NoTextToSend, &["No text to send"]);
        }
        // Stray `\x01`s go no further than the edge.
        let text: Cow<'_, str> = match text.contains('\u{1}') {
            true => text.replace('\u{1}', "").into(),
            false => text.into(),
        };
        // Client-only tags go with the line (a bot's line to a channel
        // carries the server's `bot` tag with them; a private one is told
        // its sender is a bot by the core).
        let client = crate::irc::tags::client_only(message.raw_tags());
        let mut tags = client.clone();
        if self.chat.user_modes(key).bot {
            // A bot's line carries the server's `bot` tag too.
            tags.insert_str(0, if tags.is_empty() { "bot" } else { "bot;" });
        }
        for target in targets.split(',').filter(|t| !t.is_empty()) {
            if target.starts_with('#') {
                self.irc_client_tags(key, target, &tags);
                let text = &*text;
                self.irc_in_room(key, target, |room| Request::Say { room, kind, text });
            } else {
                self.irc_asked(key, target, false);
                self.irc_request(
                    key,
                    Request::Private {
                        to: target,
                        kind,
                        text: &text,
                        tags: &client,
                    },
                );
            }
        }
    }

    /// CAP after registration: LS, LIST, REQ (no END to wait for).
    fn irc_cap(&mut self, key: usize, message: &Message) {
        let server = self.dialects.irc_server();
        let offered = self.irc_offered(key);
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let nick = session.target().to_owned();
        let ctx = crate::irc::cap::CapContext {
            server,
            nick: &nick,
            registered: true,
            offered,
        };
        let replies = session.registration.cap.handle(&ctx, message);
        self.irc_send(key, &replies);
        self.irc_echo_changed(key);
    }
}
