//! The words of every notice in the telnet dialect (`*** ` and the line
//! end are added by the caller). PROTOCOL.md quotes these.

use crate::chat::{Farewell, Notice, Refusal};
use std::fmt::Write;

/// Appends the words of `notice` to `out`.
pub(super) fn words(notice: &Notice, out: &mut String) {
    // Writing to a `String` cannot fail.
    let _ = match notice {
        // A login's own notices, without the formatting machinery.
        Notice::Joined { name } => out.write_str(name).and(out.write_str(" has joined")),
        Notice::Back { name } => out.write_str(name).and(out.write_str(" is back")),
        Notice::Left { name, to: None, .. } => out.write_str(name).and(out.write_str(" has left")),
        Notice::Left {
            name, to: Some(to), ..
        } => write!(out, "{name} has left for {to}"),
        Notice::Parted { name, .. } => write!(out, "{name} has left"),
        // Not shown in telnet (see `Telnet::render`).
        Notice::Away { .. } | Notice::RealName { .. } => Ok(()),
        Notice::Renamed { old, new } => write!(out, "{old} is now known as {new}"),
        Notice::TopicSet {
            by,
            topic: Some(topic),
        } => write!(out, "{by} set the topic: {topic}"),
        Notice::TopicSet { by, topic: None } => write!(out, "{by} cleared the topic"),
        Notice::Topic { topic } => write!(out, "Topic: {topic}"),
        Notice::Modes { by, changes } => super::moderation::changes(by, changes, out),
        Notice::Kicked {
            by,
            name,
            reason: Some(reason),
            ..
        } => write!(out, "{name} was kicked by {by}: {reason}"),
        Notice::Kicked { by, name, .. } => write!(out, "{name} was kicked by {by}"),
        Notice::Invited { by, room } => {
            write!(out, "{by} invites you to {room} (type /join {room})")
        }
        Notice::Digest { joined, left, secs } => {
            let _ = match (joined, left) {
                (joined, 0) => write!(out, "{joined} joined"),
                (0, left) => write!(out, "{left} left"),
                (joined, left) => write!(out, "{joined} joined, {left} left"),
            };
            write!(out, " in the last {secs} s")
        }
        Notice::Link { up: true } => {
            out.write_str("The link to the other servers is back: the rooms are whole again")
        }
        Notice::Link { up: false } => out.write_str(
            "The link to the other servers is down: until it is back you only chat with users on this server",
        ),
        Notice::Unlinked { ever_linked: true } => out.write_str(
            "This server has lost its link to the others; names cannot be checked, try again in a moment",
        ),
        Notice::Unlinked { ever_linked: false } => out.write_str(
            "This server is not linked to the others yet; names cannot be checked, try again in a moment",
        ),
        Notice::Admin(notice) => super::oper::notice(notice, out),
        Notice::Farewell(why) => out.write_str(farewell(*why)),
        Notice::Refusal(why) => out.write_str(refusal(*why)),
        Notice::ShuttingDown { reconnect: true } => {
            out.write_str("Server shutting down, reconnect to continue")
        }
        Notice::ShuttingDown { reconnect: false } => out.write_str("Server shutting down"),
        Notice::LineTooLong { max } => write!(out, "Line too long (max {max} bytes), not sent"),
        Notice::NotReading { name } => write!(
            out,
            "{} is not reading fast enough; message not sent",
            name.as_deref().unwrap_or("The recipient")
        ),
        Notice::HistoryHead { room, shown: 0 } => write!(out, "No history in {room}"),
        Notice::HistoryHead { room, shown: 1 } => write!(out, "Last 1 line of {room}:"),
        Notice::HistoryHead { room, shown } => write!(out, "Last {shown} lines of {room}:"),
        Notice::Missed { room, shown: 0, .. } => {
            write!(out, "Nothing was said in {room} while you were away")
        }
        Notice::Missed { room, shown, hidden } => {
            let s = if *shown == 1 { "" } else { "s" };
            let _ = write!(out, "Missed in {room} while you were away, {shown} line{s}");
            match hidden {
                0 => out.write_str(":"),
                h => write!(out, " (and {h} earlier lines not shown):"),
            }
        }
        Notice::SinceYouLeft { room, count, shown } => {
            let s = if *count == 1 { "" } else { "s" };
            write!(out, "{room}: {count} new line{s} since you left (/history {shown})")
        }
        Notice::Mentions { room, shown, hidden } => {
            let s = if *shown == 1 { "" } else { "s" };
            let _ = write!(out, "{room}: {shown} line{s} named you while you were away");
            match hidden {
                0 => out.write_str(":"),
                h => write!(out, " (and {h} earlier not shown):"),
            }
        }
        Notice::ResumeCode { code } => {
            out.push_str("Resume code: ");
            let _ = code.write_to(out);
            out.push_str(" (type /resume ");
            let _ = code.write_to(out);
            out.write_str(" after reconnecting)")
        }
        Notice::HistoryRefused => out.write_str(
            "History not sent: too much output is waiting; try again shortly, or ask for fewer lines",
        ),
        Notice::HistoryBusy => {
            out.write_str("The server is busy reading history; try /history again in a moment")
        }
        Notice::TypingShows => {
            out.write_str("Your client shows what you type: mind who can see your screen")
        }
        Notice::Help(line) => out.write_str(line),
        Notice::Reply(reply) => {
            super::reply::words(reply, out);
            Ok(())
        }
        Notice::Welcome { name, room, online } => {
            for part in ["Welcome, ", name, "! ", room, ": "] {
                out.push_str(part);
            }
            super::lists::online(online, out);
            Ok(())
        }
        Notice::Online(list) => {
            super::lists::online(list, out);
            Ok(())
        }
        Notice::Rooms(list) => {
            super::lists::rooms(list, out);
            Ok(())
        }
    };
}

/// A closed connection's last words; empty for a close that says nothing
/// (the core sends no notice for those, see [`Farewell::told`]).
fn farewell(why: Farewell) -> &'static str {
    match why {
        Farewell::Quit => "Bye!",
        Farewell::TooSlow => "Disconnected: too slow",
        Farewell::LoginTimeout => "Login timed out",
        Farewell::IdleTimeout => "Disconnected: idle for too long",
        Farewell::WrongPassword => "Wrong password three times, disconnecting",
        Farewell::TooManyFailures => "Too many wrong passwords from your address, try again later",
        Farewell::NameLost => {
            "Your name was taken on another server while this one was cut off; reconnect to pick a name"
        }
        Farewell::LoggedInElsewhere => "You logged in from elsewhere",
        Farewell::Kicked => "You were kicked out of the default room",
        Farewell::Eof
        | Farewell::Error
        | Farewell::Shutdown
        | Farewell::NodeLost
        | Farewell::Killed => "",
    }
}

/// The one line a connection turned away reads.
fn refusal(why: Refusal) -> &'static str {
    match why {
        Refusal::Full => "Server is full, try again later",
        Refusal::PerAddress => "Too many connections from your address",
        Refusal::Pending => "Too many connections waiting to log in, try again later",
        Refusal::TooFast => "Connecting too often from your address, try again later",
        Refusal::Busy => "Server is busy, try again later",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(notice: Notice) -> String {
        let mut out = String::new();
        words(&notice, &mut out);
        out
    }

    #[test]
    fn room_notices() {
        let name: Box<str> = "bob".into();
        assert_eq!(
            said(Notice::Joined { name: name.clone() }),
            "bob has joined"
        );
        let left = |to: Option<&str>| Notice::Left {
            name: name.clone(),
            to: to.map(Into::into),
            reason: None,
        };
        assert_eq!(said(left(None)), "bob has left");
        assert_eq!(said(left(Some("#b"))), "bob has left for #b");
        let renamed = Notice::Renamed {
            old: name.clone(),
            new: "rob".into(),
        };
        assert_eq!(said(renamed), "bob is now known as rob");
        let topic = |topic: Option<&str>| Notice::TopicSet {
            by: name.clone(),
            topic: topic.map(Into::into),
        };
        assert_eq!(said(topic(Some("t"))), "bob set the topic: t");
        assert_eq!(said(topic(None)), "bob cleared the topic");
        let digest = |joined, left| {
            said(Notice::Digest {
                joined,
                left,
                secs: 30,
            })
        };
        assert_eq!(digest(3, 0), "3 joined in the last 30 s");
        assert_eq!(digest(0, 2), "2 left in the last 30 s");
        assert_eq!(digest(3, 2), "3 joined, 2 left in the last 30 s");
        assert_eq!(digest(0, 0), "0 joined in the last 30 s");
    }

    #[test]
    fn history_heads_count_lines() {
        let head = |shown| {
            said(Notice::HistoryHead {
                room: "#a".into(),
                shown,
            })
        };
        assert_eq!(head(0), "No history in #a");
        assert_eq!(head(1), "Last 1 line of #a:");
        assert_eq!(head(2), "Last 2 lines of #a:");
        let since = |count, shown| {
            said(Notice::SinceYouLeft {
                room: "#a".into(),
                count,
                shown,
            })
        };
        assert_eq!(since(1, 1), "#a: 1 new line since you left (/history 1)");
        assert_eq!(
            since(150, 2),
            "#a: 150 new lines since you left (/history 2)"
        );
        let named = |shown, hidden| {
            said(Notice::Mentions {
                room: "#a".into(),
                shown,
                hidden,
            })
        };
        assert_eq!(named(1, 0), "#a: 1 line named you while you were away:");
        assert_eq!(
            named(20, 3),
            "#a: 20 lines named you while you were away (and 3 earlier not shown):"
        );
    }

    #[test]
    fn farewells_that_say_nothing_are_not_told() {
        for why in [
            Farewell::Quit,
            Farewell::Eof,
            Farewell::Error,
            Farewell::TooSlow,
            Farewell::LoginTimeout,
            Farewell::IdleTimeout,
            Farewell::WrongPassword,
            Farewell::TooManyFailures,
            Farewell::Shutdown,
            Farewell::NodeLost,
            Farewell::NameLost,
            Farewell::LoggedInElsewhere,
        ] {
            assert_eq!(why.told(), !farewell(why).is_empty(), "{why:?}");
        }
        assert_eq!(farewell(Farewell::Quit), "Bye!");
    }
}
