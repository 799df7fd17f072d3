//! What one IRC connection is shown alone: the core's replies to its own
//! requests as numerics, and private messages to its nick. These name
//! their reader, so they are rendered per connection (they are rare: the
//! fan-out of room lines never comes here).

use super::lists::Numerics;
use super::{Lines, shared_notice};
use crate::chat::{LineKind, Message, Notice, PrivateTags, Reply};
use crate::irc::numeric::Numeric;
use crate::irc::session::mask;
use bytes::Bytes;
use std::time::SystemTime;

/// Who reads a message rendered for one connection.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The server's name (`--irc-server-name`).
    pub server: &'a str,
    /// Its nick, or `*` before it has one.
    pub nick: &'a str,
    /// Whether it has `server-time`.
    pub tagged: bool,
    /// Whether it has `message-tags` (it gets TAGMSG).
    pub tags: bool,
    /// Whether it has `echo-message`: it sees its own private messages.
    pub echo: bool,
    /// Whether it has `userhost-in-names`.
    pub userhost: bool,
    /// Whether it has `multi-prefix`: every rank's prefix (`@+`), not the
    /// highest alone.
    pub multi_prefix: bool,
    /// The nick or channel its request named, for numerics that repeat
    /// it (432 names the nick refused).
    pub asked: &'a str,
    /// Whether a NAMES answer ends with its 366 (not when the answers
    /// of several channels share one).
    pub names_end: bool,
    /// Whether the request was WHOIS (a 401 is followed by 318).
    pub whois: bool,
    /// The private message is from a bot: with `tags`, it carries `bot`.
    pub from_bot: bool,
    /// A WHOX request's `%fields[,token]`: WHO is answered with 354.
    pub whox: Option<&'a str>,
    /// The read marker of the room being entered (draft/read-marker):
    /// MARKREAD comes before the names.
    pub markread: Option<&'a str>,
}

/// `message`, said at `at`, for `to` alone.
pub fn render_to(message: &Message, at: SystemTime, to: &Recipient<'_>) -> Bytes {
    let mut buf = Vec::new();
    let mut lines = Lines::new(&mut buf, to.tagged, to.server);
    match message {
        Message::Private {
            from,
            kind,
            text,
            tags,
        } => private(&mut lines, at, (from, to.nick), (*kind, text, tags), to),
        Message::PrivateEcho {
            from,
            to: them,
            kind,
            text,
            tags,
        } if to.echo => private(&mut lines, at, (from, them), (*kind, text, tags), to),
        Message::Notice(Notice::Reply(reply)) => self::reply(&mut lines, reply, at, to),
        Message::Notice(notice) => shared_notice(&mut lines, notice, at, to.nick),
        Message::Notices(notices) => {
            for notice in notices {
                shared_notice(&mut lines, notice, at, to.nick);
            }
        }
        // Prompts and greetings are telnet's; room lines are shared.
        _ => {}
    }
    Bytes::from(buf)
}

/// A private line from `from` to `target`; a TAGMSG only for a reader
/// with `message-tags`, who also gets the line's msgid, its client tags
/// and the `bot` tag of a bot's line.
fn private(
    lines: &mut Lines<'_>,
    at: SystemTime,
    (from, target): (&str, &str),
    (kind, text, tags): (LineKind, &str, &PrivateTags),
    to: &Recipient<'_>,
) {
    let from = mask(from);
    if !to.tags {
        return lines.text(at, Some(&from), target, kind, text);
    }
    let msgid = (tags.id != 0).then(|| crate::chat::msgid::format(tags.id, 0));
    if kind == LineKind::Tagmsg {
        return super::tagmsg(lines, at, msgid.as_deref(), &from, target, text);
    }
    let mut extra = super::tag_list(msgid.as_deref(), &tags.client);
    if to.from_bot {
        extra.insert(0, ("bot", "".into()));
    }
    let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, &**v)).collect();
    lines.text_tagged(at, &extra, Some(&from), target, kind, text);
}

/// A reply to the connection's own request, as its numerics; a reply
/// with no numeric of its own is a NOTICE in telnet's words.
fn reply(lines: &mut Lines<'_>, reply: &Reply, at: SystemTime, to: &Recipient<'_>) {
    use crate::dialect::telnet::{name_problem, room_problem};
    let mut n = Numerics { lines, at, to };
    match reply {
        Reply::InvalidName { why } => {
            let text = format!("Erroneous nickname: {}", name_problem(*why));
            let asked = crate::irc::render::as_middle(to.asked);
            n.send(Numeric::ErroneousNickname, &[asked, &text]);
        }
        Reply::NameTaken { name } => {
            n.send(
                Numeric::NicknameInUse,
                &[name, "Nickname is already in use"],
            );
        }
        Reply::NameRegistered { name } | Reply::PasswordNeeded { name } => n.send(
            Numeric::NicknameInUse,
            &[name, "Nickname is registered: give its password with PASS"],
        ),
        Reply::NowKnownAs { old, name } => n.lines.line(at, Some(&mask(old)), "NICK", &[name]),
        Reply::NoSuchUser { name } => {
            n.send(Numeric::NoSuchNick, &[name, "No such nick/channel"]);
            if to.whois {
                n.send(Numeric::EndOfWhois, &[name, "End of /WHOIS list"]);
            }
        }
        Reply::InvalidRoomName { why } => {
            let text = format!("No such channel: {}", room_problem(*why));
            n.send(Numeric::NoSuchChannel, &[to.asked, &text]);
        }
        Reply::NoSuchRoom { room } => n.send(Numeric::NoSuchChannel, &[room, "No such channel"]),
        Reply::NotInRoom { room } => {
            n.send(Numeric::NotOnChannel, &[room, "You're not on that channel"]);
        }
        Reply::CannotSend { room } => {
            n.send(Numeric::CannotSendToChan, &[room, "Cannot send to channel"]);
        }
        Reply::TooManyRoomsJoined { room, .. } => {
            n.send(
                Numeric::TooManyChannels,
                &[room, "You have joined too many channels"],
            );
        }
        Reply::TooManyRooms { .. } | Reply::TooManyRoomsMade { .. } => {
            let text = "Cannot make another channel now: join one that exists";
            n.send(Numeric::TooManyChannels, &[to.asked, text]);
        }
        Reply::AlreadyIn { .. } => {}
        Reply::Entered {
            room,
            topic,
            names,
            secret,
        } => n.entered(room, topic.as_ref(), names, *secret),
        Reply::Parted { room, reason } => {
            let me = mask(to.nick);
            match reason {
                Some(reason) => n.lines.line(at, Some(&me), "PART", &[room, reason]),
                None => n.lines.line(at, Some(&me), "PART", &[room]),
            }
        }
        Reply::TopicIs { room, topic } => n.topic(room, topic.as_ref()),
        Reply::Names {
            room,
            names,
            secret,
        } => n.names(room, names, *secret),
        Reply::Moderation(answer) => super::moderation::answer(&mut n, answer),
        Reply::List(rooms) => n.list(rooms),
        Reply::Who { mask, entries } => n.who(mask, entries),
        Reply::Whois(info) => n.whois(info),
        Reply::Away { away: true } => {
            n.send(Numeric::NowAway, &["You have been marked as being away"]);
        }
        Reply::Away { away: false } => {
            n.send(Numeric::UnAway, &["You are no longer marked as being away"]);
        }
        Reply::IsAway { name, text } => n.send(Numeric::Away, &[name, text]),
        Reply::Oper(reply) => super::oper::reply(&mut n, reply),
        Reply::Watched(watched) => n.watched(watched),
        Reply::Ignoring(answer) => super::ignore::answer(&mut n, answer),
        Reply::WrongPassword
        | Reply::WrongPasswordOrUnregistered { .. }
        | Reply::LockedOut { .. } => n.send(Numeric::PasswdMismatch, &["Password incorrect"]),
        other => {
            let notice = Notice::Reply(other.clone());
            super::server_notice(n.lines, &notice, at, to.nick);
        }
    }
}
