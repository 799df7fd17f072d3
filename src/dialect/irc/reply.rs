//! What one IRC connection is shown alone: the core's replies to its own
//! requests as numerics, and private messages to its nick. These name
//! their reader, so they are rendered per connection (they are rare: the
//! fan-out of room lines never comes here).

use super::{Lines, shared_notice};
use crate::chat::{Message, Notice, Reply};
use crate::irc::numeric::Numeric;
use crate::irc::session::{SERVER, mask};
use bytes::Bytes;
use std::time::SystemTime;

/// Who reads a message rendered for one connection.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// Its nick, or `*` before it has one.
    pub nick: &'a str,
    /// Whether it has `server-time`.
    pub tagged: bool,
    /// Whether it has `echo-message`: it sees its own private messages.
    pub echo: bool,
    /// The nick or channel its request named, for numerics that repeat
    /// it (432 names the nick refused).
    pub asked: &'a str,
}

/// `message`, said at `at`, for `to` alone.
pub fn render_to(message: &Message, at: SystemTime, to: &Recipient<'_>) -> Bytes {
    let mut buf = Vec::new();
    let mut lines = Lines::new(&mut buf, to.tagged);
    match message {
        Message::Private { from, kind, text } => {
            lines.text(at, Some(&mask(from)), to.nick, *kind, text);
        }
        Message::PrivateEcho {
            from,
            to: them,
            kind,
            text,
        } if to.echo => lines.text(at, Some(&mask(from)), them, *kind, text),
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

/// A numeric from the server to `to`.
fn numeric(
    lines: &mut Lines<'_>,
    at: SystemTime,
    to: &Recipient<'_>,
    numeric: Numeric,
    params: &[&str],
) {
    let mut all = Vec::with_capacity(params.len() + 1);
    all.push(to.nick);
    all.extend_from_slice(params);
    lines.line(at, Some(SERVER), numeric.code_str(), &all);
}

/// A reply to the connection's own request, as its numeric; a reply with
/// no numeric of its own is a NOTICE in telnet's words.
fn reply(lines: &mut Lines<'_>, reply: &Reply, at: SystemTime, to: &Recipient<'_>) {
    use crate::dialect::telnet::{name_problem, room_problem};
    match reply {
        Reply::InvalidName { why } => {
            let text = format!("Erroneous nickname: {}", name_problem(*why));
            numeric(
                lines,
                at,
                to,
                Numeric::ErroneousNickname,
                &[to.asked, &text],
            );
        }
        Reply::NameTaken { name } | Reply::NameRegistered { name } => numeric(
            lines,
            at,
            to,
            Numeric::NicknameInUse,
            &[name, "Nickname is already in use"],
        ),
        Reply::NoSuchUser { name } => {
            numeric(
                lines,
                at,
                to,
                Numeric::NoSuchNick,
                &[name, "No such nick/channel"],
            );
        }
        Reply::InvalidRoomName { why } => {
            let text = format!("No such channel: {}", room_problem(*why));
            numeric(lines, at, to, Numeric::NoSuchChannel, &[to.asked, &text]);
        }
        Reply::TooManyRooms { .. } | Reply::TooManyRoomsMade { .. } => numeric(
            lines,
            at,
            to,
            Numeric::TooManyChannels,
            &[to.asked, "You have joined too many channels"],
        ),
        Reply::WrongPassword
        | Reply::WrongPasswordOrUnregistered { .. }
        | Reply::LockedOut { .. } => {
            numeric(
                lines,
                at,
                to,
                Numeric::PasswdMismatch,
                &["Password incorrect"],
            );
        }
        other => {
            let notice = Notice::Reply(other.clone());
            super::server_notice(lines, &notice, at, to.nick);
        }
    }
}
