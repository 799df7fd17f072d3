//! Telnet's words for a room's rules and ranks: the changes a room is told
//! (`*** alice made bob an operator`), kicks, invites, and the answers to
//! `/op`, `/kick`, `/ban`, `/room ...` and the rest.

use crate::chat::moderation::Answer;
use crate::chat::modes::{Barred, Flag, MUTE, ModeChange, Rank};
use std::fmt::Write;

/// `by`'s changes to the room, in one line.
pub(super) fn changes(by: &str, changes: &[ModeChange], out: &mut String) -> std::fmt::Result {
    let told = changes
        .iter()
        .filter(|c| !matches!(c, ModeChange::Maker(_)));
    let each: Vec<String> = told.map(change).collect();
    write!(out, "{by} {}", each.join(", "))
}

/// One change, as `by` did it.
fn change(change: &ModeChange) -> String {
    let on_off = |on: bool| if on { "on" } else { "off" };
    match change {
        ModeChange::Flag { flag, on } => format!("turned {} {}", flag.word(), on_off(*on)),
        ModeChange::Key(Some(_)) => "set a key for the room".into(),
        ModeChange::Key(None) => "removed the room's key".into(),
        ModeChange::Limit(Some(limit)) => format!("limited the room to {limit} members"),
        ModeChange::Limit(None) => "removed the room's member limit".into(),
        ModeChange::Ban { mask, on, until } => {
            let done = match (mask.strip_prefix(MUTE), on) {
                (Some(muted), true) => format!("muted {muted}"),
                (Some(muted), false) => format!("lifted the mute on {muted}"),
                (None, true) => format!("banned {mask}"),
                (None, false) => format!("lifted the ban on {mask}"),
            };
            match until.filter(|_| *on) {
                Some(until) => format!("{done} until {} UTC", hh_mm(until)),
                None => done,
            }
        }
        ModeChange::Maker(_) => String::new(),
        ModeChange::Owner(Some(owner)) => format!("registered the room to {owner}"),
        ModeChange::Owner(None) => "dropped the room's registration".into(),
        ModeChange::Rank { name, rank, on, .. } => {
            let what = if *rank == Rank::OPERATOR {
                "an operator"
            } else {
                "a voice in the room"
            };
            match on {
                true => format!("made {name} {what}"),
                false => format!("took away {name}'s place as {what}"),
            }
        }
    }
}

/// `HH:MM` of `at`, in UTC.
pub(super) fn hh_mm(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 86_400;
    format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
}

/// The words of one moderation answer.
pub(super) fn answer(answer: &Answer, out: &mut String) -> std::fmt::Result {
    match answer {
        Answer::NotOperator { room } => {
            write!(out, "Only an operator of {room} can do that")
        }
        Answer::NotInThatRoom { name, room } => write!(out, "{name} is not in {room}"),
        Answer::ServerOperator { name, room } => write!(
            out,
            "{name} is a server operator: only a server operator can kick them from {room}"
        ),
        Answer::AlreadyInThatRoom { name, room } => write!(out, "{name} is in {room} already"),
        Answer::Barred { room, why } => {
            let why = match why {
                Barred::Banned => "you are banned from it",
                Barred::InviteOnly => "it is invite-only (ask a member for /invite)",
                Barred::BadKey => "it needs its key (/join ROOM KEY)",
                Barred::Full => "it is full",
                Barred::RegisteredOnly => {
                    "it takes registered names only (log in with your name's password)"
                }
            };
            write!(out, "You cannot join {room}: {why}")
        }
        Answer::CannotSpeak { room } => {
            write!(
                out,
                "You cannot speak in {room} (moderated, or you are muted or banned)"
            )
        }
        Answer::InvalidKey { room } => write!(
            out,
            "Not a key for {room}: 1 to 23 characters, no spaces or commas"
        ),
        Answer::InvalidValue {
            room, given, must, ..
        } => write!(out, "Not a setting for {room}: '{given}' must be {must}"),
        Answer::BanListFull { room, mask } => {
            write!(out, "{room} holds all the bans it can; {mask} not banned")
        }
        Answer::Modes { room, modes } => {
            let on: Vec<&str> = modes.flags().map(Flag::word).collect();
            write!(
                out,
                "{room}: {}",
                if on.is_empty() {
                    "no settings on".into()
                } else {
                    on.join(", ")
                }
            )?;
            if let Some(limit) = modes.limit {
                write!(out, ", at most {limit} members")?;
            }
            if modes.key.is_some() {
                out.write_str(", a key")?;
            }
            Ok(())
        }
        Answer::Bans { room, bans } if bans.is_empty() => {
            write!(out, "Nobody is banned from {room}")
        }
        Answer::Bans { room, bans } => {
            let each = bans.iter().map(|ban| match ban.until {
                Some(until) => format!("{} (until {} UTC)", ban.mask, hh_mm(until)),
                None => ban.mask.to_string(),
            });
            write!(
                out,
                "Banned from {room}: {}",
                each.collect::<Vec<_>>().join(", ")
            )
        }
        Answer::Inviting { name, room } => write!(out, "Invited {name} to {room}"),
        Answer::Invites(rooms) if rooms.is_empty() => out.write_str("You have no invites"),
        Answer::Invites(rooms) => write!(out, "You are invited to {}", rooms.join(", ")),
        Answer::RoomSettings => {
            let words: Vec<&str> = Flag::ALL.iter().map(|f| f.word()).collect();
            write!(
                out,
                "Usage: /room SETTING on|off, /room key KEY|off, /room limit N|off; settings: {}",
                words.join(", ")
            )
        }
    }
}
