//! The IRC dialect: what the core says, as IRC lines. A chat line is
//! `:alice!alice@linechat PRIVMSG #lobby :text` (a `/me` is CTCP ACTION),
//! a join `JOIN #lobby`, a rename `NICK`, a topic `TOPIC`; what has no
//! IRC command of its own is a server NOTICE in telnet's words.
//!
//! Room messages are rendered once per room and per kind ([`super::Kind`]:
//! with or without the `time` tag of `server-time`), as telnet's are, and
//! shared by every reader: nothing in them depends on who reads them.
//! Replies to one connection (numerics, a private message to its nick)
//! are rendered for that connection alone: see `reply`.
//!
//! - `lines`: the writer of lines, with the optional `time` tag and long
//!   text cut to fit 512 bytes.
//! - `monitor`: the watch list's numerics (MONITOR, 730-734).
//! - `reply`: one connection's messages (numerics and private messages);
//!   `lists`: the replies that are lists (NAMES, LIST, WHO, WHOIS, JOIN).

mod batch;
mod ignore;
mod lines;
mod lists;
mod moderation;
mod monitor;
mod oper;
mod reply;
mod whox;

pub use batch::{history_batch, history_batch_len};
pub use lines::Lines;
pub use reply::{Recipient, render_to};

use crate::chat::{Farewell, LineKind, Message, Notice, Refusal, Turn};
use crate::irc::session::mask;
use bytes::Bytes;
use std::borrow::Cow;
use std::time::SystemTime;

/// What an IRC reader's capabilities change in the lines of a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// The `time` tag on every line (`server-time`).
    pub time: bool,
    /// AWAY lines of the room's members (`away-notify`).
    pub away: bool,
    /// SETNAME lines of the room's members (`setname`).
    pub setname: bool,
    /// `msgid` on chat lines, and TAGMSG with its client tags
    /// (`message-tags`).
    pub tags: bool,
}

/// `message`, said at `at` in `room` (none for a message about a member,
/// not a room: a rename, a quit), for every IRC reader of one `style`.
/// `server` is the server's name.
pub fn render_shared(
    message: &Message,
    at: SystemTime,
    room: Option<&str>,
    style: Style,
    server: &str,
) -> Bytes {
    let mut buf = Vec::new();
    let mut lines = Lines::new(&mut buf, style.time, server);
    let target = room.unwrap_or("*");
    match message {
        Message::Said(turn) => said(&mut lines, turn, target, style.tags),
        Message::Notice(notice) => shared_notice(&mut lines, notice, at, target),
        Message::Notices(notices) => {
            for notice in notices {
                shared_notice(&mut lines, notice, at, target);
            }
        }
        // Prompts are telnet's; privates go to one connection.
        _ => {}
    }
    Bytes::from(buf)
}

/// IRC as a [`Dialect`](super::Dialect): messages that name no room and no
/// reader (a history answer's lines name `*` as their target).
#[derive(Debug, Clone, Copy)]
pub struct Shared {
    /// Whether lines carry the `time` tag.
    pub tagged: bool,
    /// The server's name.
    pub server: &'static str,
}

impl super::Dialect for Shared {
    fn render(&self, message: &Message, at: SystemTime) -> Bytes {
        let style = Style {
            time: self.tagged,
            ..Style::default()
        };
        render_shared(message, at, None, style, self.server)
    }

    fn history(&self, lines: &[crate::chat::HistoryLine]) -> Bytes {
        let mut buf = Vec::with_capacity(self.history_len(lines));
        let mut out = Lines::new(&mut buf, true, self.server);
        for line in lines {
            let (kind, text) = line.line();
            let from = mask(&line.turn.name);
            out.text(line.turn.at, Some(&from), "*", kind, text);
        }
        Bytes::from(buf)
    }

    fn history_len(&self, lines: &[crate::chat::HistoryLine]) -> usize {
        // An upper bound is enough to price an answer: each line's text,
        // with room for the tag, prefix and command of every 512 bytes.
        lines.iter().map(|l| l.line().1.len() * 2 + 600).sum()
    }
}

/// Every line of a chat turn, each stamped with when it was said; with
/// `tags`, each with its msgid and its client tags, and the turn's
/// TAGMSGs (which readers without `message-tags` do not get at all).
pub(crate) fn said(lines: &mut Lines<'_>, turn: &Turn, target: &str, tags: bool) {
    let from = mask(&turn.name);
    let mut client = "";
    for (index, (kind, text)) in turn.lines().enumerate() {
        let msgid = tags.then(|| crate::chat::msgid::format(turn.id, index as u32));
        let msgid = msgid.as_deref();
        match kind {
            LineKind::ClientTags => client = text,
            LineKind::Tagmsg if !tags => {}
            LineKind::Tagmsg => tagmsg(lines, turn.at, msgid, &from, target, text),
            _ if !tags => lines.text(turn.at, Some(&from), target, kind, text),
            _ => {
                let extra = tag_list(msgid, std::mem::take(&mut client));
                let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, &**v)).collect();
                lines.text_tagged(turn.at, &extra, Some(&from), target, kind, text);
            }
        }
    }
}

/// `msgid` (if any), then the client tags `raw` unescaped.
fn tag_list<'a>(msgid: Option<&'a str>, raw: &'a str) -> Vec<(&'a str, Cow<'a, str>)> {
    let msgid = msgid.map(|id| ("msgid", Cow::Borrowed(id)));
    let client =
        (crate::irc::tags::iter(raw)).map(|(key, value)| (key, crate::irc::tags::unescape(value)));
    msgid.into_iter().chain(client).collect()
}

/// A TAGMSG from `from` (a mask) to `target`, carrying the client tags
/// `raw` (escaped as on the wire), after `msgid` if it has one.
pub(crate) fn tagmsg(
    lines: &mut Lines<'_>,
    at: SystemTime,
    msgid: Option<&str>,
    from: &str,
    target: &str,
    raw: &str,
) {
    let extra = tag_list(msgid, raw);
    let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, &**v)).collect();
    lines.tagged_line(at, &extra, Some(from), "TAGMSG", &[target]);
}

/// A notice told to a room (or to a member's peers).
fn shared_notice(lines: &mut Lines<'_>, notice: &Notice, at: SystemTime, target: &str) {
    match notice {
        Notice::Joined { name } | Notice::Back { name } => {
            lines.line(at, Some(&mask(name)), "JOIN", &[target])
        }
        Notice::Left {
            name, to: Some(_), ..
        } => lines.line(at, Some(&mask(name)), "PART", &[target]),
        Notice::Left {
            name,
            to: None,
            reason,
        } => {
            let reason = reason.as_deref().unwrap_or("Quit");
            lines.line(at, Some(&mask(name)), "QUIT", &[reason]);
        }
        Notice::Parted { name, reason } => {
            let mut params = vec![target];
            params.extend(reason.as_deref());
            lines.line(at, Some(&mask(name)), "PART", &params);
        }
        Notice::Renamed { old, new } => lines.line(at, Some(&mask(old)), "NICK", &[new]),
        // For readers with away-notify only (see `Kind`).
        Notice::Away { name, text } => {
            let text: Vec<&str> = text.as_deref().into_iter().collect();
            lines.line(at, Some(&mask(name)), "AWAY", &text);
        }
        // For readers with setname only (see `Kind`).
        Notice::RealName { name, text } => lines.line(at, Some(&mask(name)), "SETNAME", &[text]),
        Notice::Modes { by, changes } => moderation::told(lines, at, by, target, changes),
        Notice::Kicked {
            room,
            by,
            name,
            reason,
        } => {
            // Without a reason, the kicker's nick (as most servers do).
            let reason = reason.as_deref().unwrap_or(by);
            lines.line(at, Some(&mask(by)), "KICK", &[room, name, reason]);
        }
        // Told to the invited reader alone (`target` is its nick).
        Notice::Invited { by, room } => lines.line(at, Some(&mask(by)), "INVITE", &[target, room]),
        Notice::TopicSet { by, topic } => {
            let topic = topic.as_deref().unwrap_or("");
            lines.line(at, Some(&mask(by)), "TOPIC", &[target, topic]);
        }
        Notice::Admin(notice) => oper::notice(lines, notice, at, target),
        other => server_notice(lines, other, at, target),
    }
}

/// A notice with no IRC command of its own: a NOTICE from the server in
/// telnet's words.
fn server_notice(lines: &mut Lines<'_>, notice: &Notice, at: SystemTime, target: &str) {
    let words = crate::dialect::telnet::notice_words(notice);
    let server = lines.server;
    lines.text(at, Some(server), target, LineKind::Notice, &words);
}

/// The `ERROR` line a closing IRC connection gets, if its close is told.
pub fn farewell(why: Farewell) -> Option<Bytes> {
    if !why.told() && why != Farewell::Shutdown {
        return None;
    }
    Some(error(&format!("Closing link: {}", why.describe())))
}

/// The `ERROR` line of a connection turned away for `why`.
pub fn refusal(why: Refusal) -> Bytes {
    let words = crate::dialect::telnet::notice_words(&Notice::Refusal(why));
    error(&format!("Closing link: {words}"))
}

/// `ERROR :text`.
fn error(text: &str) -> Bytes {
    let mut buf = Vec::new();
    Lines::new(&mut buf, false, "").line(SystemTime::UNIX_EPOCH, None, "ERROR", &[text]);
    Bytes::from(buf)
}

#[cfg(test)]
mod tests;
