//! The core's answers that are lists or several numerics: a room entered
//! (JOIN, 332/333, 353/366), a topic (332/333 or 331), NAMES, LIST, WHO
//! and WHOIS. Long lists are cut into as many lines as 512 bytes need.

use super::Lines;
use super::reply::Recipient;
use super::whox::WhoxUser;
use crate::chat::{RoomInfo, TopicInfo, WhoEntry, WhoisInfo};
use crate::irc::numeric::Numeric;
use crate::irc::render;
use crate::irc::session::{HOST, mask};
use std::time::{SystemTime, UNIX_EPOCH};

/// Numerics for one recipient.
pub(super) struct Numerics<'l, 'b, 'r> {
    pub lines: &'l mut Lines<'b>,
    pub at: SystemTime,
    pub to: &'r Recipient<'r>,
}

impl Numerics<'_, '_, '_> {
    /// One numeric with `params` after the recipient's nick.
    pub fn send(&mut self, numeric: Numeric, params: &[&str]) {
        let mut all = Vec::with_capacity(params.len() + 1);
        all.push(self.to.nick);
        all.extend_from_slice(params);
        self.lines
            .line(self.at, Some(self.to.server), numeric.code_str(), &all);
    }

    /// The recipient entered `room`: its JOIN, the topic, the names.
    pub fn entered(
        &mut self,
        room: &str,
        topic: Option<&TopicInfo>,
        names: &[Box<str>],
        secret: bool,
    ) {
        let me = mask(self.to.nick);
        self.lines.line(self.at, Some(&me), "JOIN", &[room]);
        if let Some(topic) = topic {
            self.topic(room, Some(topic));
        }
        if let Some(marker) = self.to.markread {
            let server = self.to.server;
            self.lines
                .line(self.at, Some(server), "MARKREAD", &[room, marker]);
        }
        self.names(room, names, secret);
    }

    /// A room with its member's prefixes (`@+#rust`) as this reader takes
    /// it: every prefix with `multi-prefix`, else the highest.
    fn shown_room(&self, room: &str) -> String {
        let bare = room.trim_start_matches(['@', '+']);
        let prefixes = &room[..room.len() - bare.len()];
        match self.to.multi_prefix {
            true => room.into(),
            false => format!("{}{bare}", &prefixes[..prefixes.len().min(1)]),
        }
    }

    /// A name from the core (`@+alice`) as this reader takes it: every
    /// prefix with `multi-prefix`, else the highest; `nick!user@host`
    /// with `userhost-in-names`.
    fn shown(&self, name: &str) -> String {
        let bare = name.trim_start_matches(['@', '+']);
        let prefixes = &name[..name.len() - bare.len()];
        let prefixes = match self.to.multi_prefix {
            true => prefixes,
            false => &prefixes[..prefixes.len().min(1)],
        };
        match self.to.userhost {
            true => format!("{prefixes}{}", mask(bare)),
            false => format!("{prefixes}{bare}"),
        }
    }

    /// 332 and 333, or 331 without a topic.
    pub fn topic(&mut self, room: &str, topic: Option<&TopicInfo>) {
        let Some(topic) = topic else {
            return self.send(Numeric::NoTopic, &[room, "No topic is set"]);
        };
        self.send(Numeric::Topic, &[room, &topic.text]);
        let secs = topic
            .at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.send(
            Numeric::TopicWhoTime,
            &[room, &mask(&topic.by), &secs.to_string()],
        );
    }

    /// 353 lines of as many names as fit (as `nick!user@host` with
    /// `userhost-in-names`), then 366.
    pub fn names(&mut self, room: &str, names: &[Box<str>], secret: bool) {
        let kind = if secret { "@" } else { "=" };
        let budget = render::text_budget(Some(self.to.server), "353", &[self.to.nick, kind, room]);
        let mut line = String::new();
        for name in names {
            let shown = self.shown(name);
            if !line.is_empty() && line.len() + 1 + shown.len() > budget {
                self.send(Numeric::NamReply, &[kind, room, &line]);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&shown);
        }
        if !line.is_empty() {
            self.send(Numeric::NamReply, &[kind, room, &line]);
        }
        if self.to.names_end {
            self.send(Numeric::EndOfNames, &[room, "End of /NAMES list"]);
        }
    }

    /// 321, a 322 per room, 323.
    pub fn list(&mut self, rooms: &[RoomInfo]) {
        self.send(Numeric::ListStart, &["Channel", "Users  Name"]);
        for room in rooms {
            let count = room.members.to_string();
            let topic = room.topic.as_deref().unwrap_or("");
            self.send(Numeric::List, &[&room.name, &count, topic]);
        }
        self.send(Numeric::ListEnd, &["End of /LIST"]);
    }

    /// A 352 per entry, then 315. WHO of a nick names no channel (`*`);
    /// each user's user name and real name are its USER's, when known
    /// (else its nick).
    pub fn who(&mut self, who: &str, entries: &[WhoEntry]) {
        let of_nick = !who.starts_with('#');
        for entry in entries {
            let room = match of_nick {
                true => "*",
                false => entry.room.as_deref().unwrap_or("*"),
            };
            let here = match (entry.away, entry.operator) {
                (false, false) => "H",
                (true, false) => "G",
                (false, true) => "H*",
                (true, true) => "G*",
            };
            // A rank is a channel's: WHO of a nick names none.
            let prefixes = if of_nick { "" } else { entry.rank.prefixes() };
            let prefixes = match self.to.multi_prefix {
                true => prefixes,
                false => &prefixes[..prefixes.len().min(1)],
            };
            // Then `B` for a bot (+B).
            let bot = if entry.bot { "B" } else { "" };
            let here = format!("{here}{prefixes}{bot}");
            let name = &*entry.name;
            let described = entry.described.as_ref();
            let (user, real) = described.map_or((name, name), |d| (&*d.0, &*d.1));
            let server = self.to.server;
            if let Some(spec) = self.to.whox {
                let (channel, host, nick, flags) = (room, HOST, name, &*here);
                let user = WhoxUser {
                    channel,
                    user,
                    host,
                    server,
                    nick,
                    flags,
                    real,
                };
                self.send(Numeric::WhoSpcRpl, &super::whox::params(spec, &user));
                continue;
            }
            let real = format!("0 {real}");
            let params = [room, user, HOST, server, name, &here, &real];
            self.send(Numeric::WhoReply, &params);
        }
        self.send(Numeric::EndOfWho, &[who, "End of /WHO list"]);
    }

    /// 311, 319, 312, 301, 317, then 318.
    /// The user name and real name are USER's, when known (else the nick).
    pub fn whois(&mut self, info: &WhoisInfo) {
        let name = &*info.name;
        let described = info.described.as_ref();
        let (user, real) = described.map_or((name, name), |d| (&*d.0, &*d.1));
        self.send(Numeric::WhoisUser, &[name, user, HOST, "*", real]);
        if !info.rooms.is_empty() {
            let rooms: Vec<String> = info.rooms.iter().map(|r| self.shown_room(r)).collect();
            self.send(Numeric::WhoisChannels, &[name, &rooms.join(" ")]);
        }
        let server = self.to.server;
        self.send(Numeric::WhoisServer, &[name, server, "linechat"]);
        if info.operator {
            self.send(Numeric::WhoisOperator, &[name, "is an IRC operator"]);
        }
        if info.bot {
            self.send(Numeric::WhoisBot, &[name, "is a bot"]);
        }
        if let Some(away) = &info.away {
            self.send(Numeric::Away, &[name, away]);
        }
        if let (Some(idle), Some(signon)) = (info.idle, info.signon) {
            let idle = idle.as_secs().to_string();
            let signon = signon.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let text = "seconds idle, signon time";
            self.send(
                Numeric::WhoisIdle,
                &[name, &idle, &signon.to_string(), text],
            );
        }
        self.send(Numeric::EndOfWhois, &[name, "End of /WHOIS list"]);
    }
}
