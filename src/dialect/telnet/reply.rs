//! The words of the replies to one user's own line in the telnet dialect
//! (see [`Reply`]). PROTOCOL.md quotes these.

use crate::chat::Reply;
use crate::chat::naming::NameProblem;
use std::fmt::Write;

/// What is wrong with a user name, in words.
pub fn name_problem(why: NameProblem) -> &'static str {
    match why {
        NameProblem::Length => "use 1 to 24 characters",
        NameProblem::Characters => "use only letters, digits, _ and -",
    }
}

/// What is wrong with a room name, in words.
pub fn room_problem(why: NameProblem) -> &'static str {
    match why {
        NameProblem::Length => "use # and 1 to 32 characters",
        NameProblem::Characters => "use only a-z, 0-9, _ and -",
    }
}

/// Appends the words of `reply` to `out`.
pub(super) fn words(reply: &Reply, out: &mut String) {
    // Writing to a `String` cannot fail.
    let _ = match reply {
        Reply::InvalidName { why } => write!(out, "Invalid name: {}", name_problem(*why)),
        Reply::NameTaken { name } => write!(out, "The name '{name}' is taken"),
        Reply::AlreadyNamed { name } => write!(out, "You are already {name}"),
        Reply::Oper(reply) => super::oper::reply(reply, out),
        Reply::Ignoring(answer) => super::ignore::answer(answer, out),
        Reply::TooManyNameChanges { wait } => {
            write!(out, "Too many name changes; try again in {wait}s")
        }
        Reply::NowKnownAs { name, .. } => write!(out, "You are now known as {name}"),
        Reply::UnknownCommand { verb } => write!(out, "Unknown command '/{verb}', try /help"),
        Reply::Usage { form } => write!(out, "Usage: {form}"),
        Reply::NoSuchUser { name } => write!(out, "No such user '{name}'"),
        Reply::MessageToSelf => out.write_str("You cannot /msg yourself"),
        Reply::InvalidRoomName { why } => write!(out, "Invalid room name: {}", room_problem(*why)),
        Reply::AlreadyIn { room } => write!(out, "You are already in {room}"),
        Reply::TooManyRoomChanges { wait } => {
            write!(out, "Too many room changes; try again in {wait}s")
        }
        Reply::TooManyRoomsMade { wait } => write!(
            out,
            "Too many rooms made from your address; join one that exists (see /rooms) or try again in {wait}s"
        ),
        Reply::TooManyRooms { max } => {
            write!(
                out,
                "Too many rooms (max {max}); join one that exists, see /rooms"
            )
        }
        Reply::TopicOf {
            room,
            topic: Some(topic),
        } => write!(out, "Topic of {room}: {topic}"),
        Reply::TopicOf { room, topic: None } => {
            write!(out, "{room} has no topic; set one with /topic TEXT")
        }
        Reply::TopicTooLong { max } => write!(out, "Topic too long (max {max} bytes), not set"),
        Reply::TooManyTopicChanges { wait } => {
            write!(out, "Too many topic changes; try again in {wait}s")
        }
        Reply::HistoryOff => out.write_str("History is off on this server"),
        Reply::HistoryUsage { max } => write!(out, "Usage: /history [N], N from 1 to {max}"),
        Reply::TooMuchHistory { wait } => {
            write!(out, "Too much history asked for; try again in {wait}s")
        }
        Reply::AccountsOff => out.write_str("Accounts are off on this server"),
        Reply::AccountsUnavailable => {
            out.write_str("Accounts are unavailable right now, try again later")
        }
        Reply::PasswordsBusy => {
            out.write_str("The server is busy checking passwords, try again in a moment")
        }
        Reply::UseTls { port } => write!(out, "Use the TLS port ({port}) for passwords"),
        Reply::NameRegistered { name } => write!(out, "The name '{name}' is registered"),
        Reply::Registered { name } => write!(
            out,
            "Registered {name}: logging in as {name} now asks for this password"
        ),
        Reply::AlreadyRegistered { name } => write!(out, "{name} is already registered"),
        Reply::PasswordChanged { name } => write!(out, "Password of {name} changed"),
        Reply::Unregistered { name } => write!(out, "{name} is no longer registered"),
        Reply::WrongPasswordOrUnregistered { name } => {
            write!(out, "Wrong password, or {name} is not registered")
        }
        Reply::TooManyRegistrations => {
            out.write_str("Too many names registered from your address; try again later")
        }
        Reply::StoreFull => {
            out.write_str("This server keeps no more registered names; ask its operator")
        }
        Reply::WrongPassword => out.write_str("Wrong password, try again"),
        Reply::ResumeUnknown => out.write_str("Unknown, expired or used resume code"),
        Reply::ResumeOff => out.write_str("Resuming is off on this server"),
        Reply::ResumeLocked { wait } => write!(
            out,
            "Too many wrong resume codes from your address; try again in {wait} s"
        ),
        Reply::LockedOut { name, wait } => write!(
            out,
            "Too many wrong passwords for {name} from your address; try again in {wait} s"
        ),
        Reply::LoggedInWithPassword { name } => {
            write!(out, "{name} logged in with its password from elsewhere")
        }
        Reply::IsAway { name, text } => write!(out, "{name} is away: {text}"),
        Reply::Moderation(answer) => super::moderation::answer(answer, out),
        Reply::Owned(said) => super::owned::said(said, out),
        // The rest answer requests, which telnet users do not send; their
        // words are for logs and tests.
        other => requests(other, out),
    };
}

/// The words of the replies to requests (IRC's), which telnet never asks.
fn requests(reply: &Reply, out: &mut String) -> std::fmt::Result {
    let join = |names: &[Box<str>]| names.join(", ");
    match reply {
        Reply::LoggedIn { name } => write!(out, "Logged in as {name}"),
        Reply::PasswordNeeded { name } => write!(out, "The name '{name}' needs its password"),
        Reply::Entered { room, names, .. } => write!(out, "{room}: {}", join(names)),
        Reply::Parted { room, .. } => write!(out, "You left {room}"),
        Reply::NotInRoom { room } => write!(out, "You are not in {room}"),
        Reply::NoSuchRoom { room } => write!(out, "No such room {room}"),
        Reply::CannotSend { room } => write!(out, "You cannot send to {room}"),
        Reply::TooManyRoomsJoined { max, .. } => write!(out, "You are in {max} rooms already"),
        Reply::TopicIs { room, topic: None } => write!(out, "{room} has no topic"),
        Reply::TopicIs {
            room,
            topic: Some(t),
        } => write!(out, "Topic of {room}: {} (set by {})", t.text, t.by),
        Reply::Names { room, names, .. } => write!(out, "{room}: {}", join(names)),
        Reply::List(rooms) => {
            let each = rooms.iter().map(|r| format!("{} ({})", r.name, r.members));
            write!(out, "{}", each.collect::<Vec<_>>().join(", "))
        }
        Reply::Who { mask, entries } => {
            let names: Vec<Box<str>> = entries.iter().map(|e| e.name.clone()).collect();
            write!(out, "{mask}: {}", join(&names))
        }
        Reply::Whois(who) => write!(out, "{} is in {}", who.name, join(&who.rooms)),
        Reply::Away { away: true } => out.write_str("You are marked away"),
        Reply::Away { away: false } => out.write_str("You are no longer marked away"),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(reply: Reply) -> String {
        let mut out = String::new();
        words(&reply, &mut out);
        out
    }

    #[test]
    fn replies_name_what_they_are_about() {
        let name: Box<str> = "bob".into();
        assert_eq!(
            said(Reply::NameTaken { name: name.clone() }),
            "The name 'bob' is taken"
        );
        assert_eq!(
            said(Reply::Registered { name }),
            "Registered bob: logging in as bob now asks for this password"
        );
        assert_eq!(
            said(Reply::TopicOf {
                room: "#a".into(),
                topic: None
            }),
            "#a has no topic; set one with /topic TEXT"
        );
        assert_eq!(
            said(Reply::TooManyRoomChanges { wait: 7 }),
            "Too many room changes; try again in 7s"
        );
        assert_eq!(
            said(Reply::LockedOut {
                name: "bob".into(),
                wait: 30
            }),
            "Too many wrong passwords for bob from your address; try again in 30 s"
        );
    }
}
