//! IRC's forms of a room's rules and ranks: a change told to the room is
//! one `MODE` line (`MODE #rust +o-v bob carol`), a kick `KICK`, an invite
//! `INVITE`, and the core's answers are numerics (324/329, 367/368, 341,
//! 336/337, 441, 443, 471-475, 478, 482, 525, 696).

use super::Lines;
use super::lists::Numerics;
use crate::chat::moderation::Answer;
use crate::chat::modes::{Barred, ModeChange, Rank, RoomModes};
use crate::irc::numeric::Numeric;
use std::time::{SystemTime, UNIX_EPOCH};

/// `changes` as IRC's mode string and its parameters (`+o-v`, `bob carol`).
pub fn mode_line(changes: &[ModeChange]) -> (String, Vec<String>) {
    let (mut letters, mut params) = (String::new(), Vec::new());
    let mut sign = None;
    for change in changes {
        let (on, letter, param) = match change {
            // Told to nobody (see `ModeChange::Maker`).
            ModeChange::Maker(_) => continue,
            // IRC has no mode for it: told as a notice (see `owned.rs`).
            ModeChange::Owner(_) => continue,
            ModeChange::Flag { flag, on } => (*on, flag.letter(), None),
            ModeChange::Key(key) => (key.is_some(), 'k', key.as_deref().map(Into::into)),
            ModeChange::Limit(limit) => (limit.is_some(), 'l', limit.map(|l| l.to_string())),
            // IRC's bans have no end: a ban with one shows as a ban.
            ModeChange::Ban { mask, on, .. } => (*on, 'b', Some(mask.to_string())),
            ModeChange::Rank { name, rank, on, .. } => {
                let letter = if *rank == Rank::OPERATOR { 'o' } else { 'v' };
                (*on, letter, Some(name.to_string()))
            }
        };
        if sign != Some(on) {
            letters.push(if on { '+' } else { '-' });
            sign = Some(on);
        }
        letters.push(letter);
        params.extend(param);
    }
    (letters, params)
}

/// A room's mode string for 324: its flags, then `k` and `l` with their
/// values.
fn modes_shown(modes: &RoomModes) -> (String, Vec<String>) {
    let mut letters: String = std::iter::once('+')
        .chain(modes.flags().map(|f| f.letter()))
        .collect();
    let mut params = Vec::new();
    if let Some(key) = &modes.key {
        letters.push('k');
        params.push(key.to_string());
    }
    if let Some(limit) = modes.limit {
        letters.push('l');
        params.push(limit.to_string());
    }
    (letters, params)
}

/// The `MODE` line `by`'s changes are told to `room` as.
pub fn told(lines: &mut Lines<'_>, at: SystemTime, by: &str, room: &str, changes: &[ModeChange]) {
    let (letters, params) = mode_line(changes);
    if !letters.is_empty() {
        let mut all = vec![room, &letters];
        all.extend(params.iter().map(String::as_str));
        lines.line(at, Some(&crate::irc::session::mask(by)), "MODE", &all);
    }
    // IRC has no mode for a room's owner: the room is told in a notice.
    for change in changes {
        let text = match change {
            ModeChange::Owner(Some(owner)) => format!("{by} registered {room} to {owner}"),
            ModeChange::Owner(None) => format!("{by} dropped {room}'s registration"),
            _ => continue,
        };
        let server = lines.server;
        lines.line(at, Some(server), "NOTICE", &[room, &text]);
    }
}

/// The numerics of one answer.
pub(super) fn answer(n: &mut Numerics<'_, '_, '_>, answer: &Answer) {
    match answer {
        Answer::NotOperator { room } => {
            n.send(
                Numeric::ChanOPrivsNeeded,
                &[room, "You're not channel operator"],
            );
        }
        Answer::NotInThatRoom { name, room } => {
            n.send(
                Numeric::UserNotInChannel,
                &[name, room, "They aren't on that channel"],
            );
        }
        Answer::ServerOperator { name, room } => {
            let text = format!("{name} is a server operator: you cannot kick them");
            n.send(Numeric::ChanOPrivsNeeded, &[room, &text]);
        }
        Answer::AlreadyInThatRoom { name, room } => {
            n.send(
                Numeric::UserOnChannel,
                &[name, room, "is already on channel"],
            );
        }
        Answer::Barred { room, why } => {
            let (numeric, text) = match why {
                Barred::Banned => (Numeric::BannedFromChan, "Cannot join channel (+b)"),
                Barred::InviteOnly => (Numeric::InviteOnlyChan, "Cannot join channel (+i)"),
                Barred::BadKey => (Numeric::BadChannelKey, "Cannot join channel (+k)"),
                Barred::Full => (Numeric::ChannelIsFull, "Cannot join channel (+l)"),
                Barred::RegisteredOnly => (
                    Numeric::NeedReggedNick,
                    "Cannot join channel (+R) - you need to be logged into your account",
                ),
            };
            n.send(numeric, &[room, text]);
        }
        Answer::CannotSpeak { room } => {
            n.send(Numeric::CannotSendToChan, &[room, "Cannot send to channel"]);
        }
        Answer::InvalidKey { room } => {
            n.send(Numeric::InvalidKey, &[room, "Key is not well-formed"])
        }
        Answer::InvalidValue {
            room,
            letter,
            given,
            must,
        } => {
            let text = format!("Invalid mode parameter: must be {must}");
            n.send(
                Numeric::InvalidModeParam,
                &[room, &letter.to_string(), given, &text],
            );
        }
        Answer::BanListFull { room, mask } => {
            n.send(
                Numeric::BanListFull,
                &[room, mask, "Channel ban list is full"],
            );
        }
        Answer::Modes { room, modes } => {
            let (letters, params) = modes_shown(modes);
            let mut all = vec![&**room, &letters];
            all.extend(params.iter().map(String::as_str));
            n.send(Numeric::ChannelModeIs, &all);
            let secs = modes
                .created
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            n.send(Numeric::CreationTime, &[room, &secs.to_string()]);
        }
        Answer::Bans { room, bans } => {
            for ban in bans {
                n.send(Numeric::BanList, &[room, &ban.mask]);
            }
            n.send(Numeric::EndOfBanList, &[room, "End of channel ban list"]);
        }
        Answer::Inviting { name, room } => n.send(Numeric::Inviting, &[name, room]),
        Answer::Invites(rooms) => {
            for room in rooms {
                n.send(Numeric::InviteList, &[room]);
            }
            n.send(Numeric::EndOfInviteList, &["End of /INVITE list"]);
        }
        // Telnet's `/room` alone; IRC never asks it.
        Answer::RoomSettings => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MemberId;
    use crate::chat::modes::Flag;

    #[test]
    fn changes_are_one_mode_string_with_signs_grouped() {
        let changes = [
            ModeChange::Flag {
                flag: Flag::TopicLock,
                on: true,
            },
            ModeChange::Rank {
                member: MemberId(1),
                name: "bob".into(),
                rank: Rank::OPERATOR,
                on: true,
            },
            ModeChange::Limit(None),
            ModeChange::Key(None),
            ModeChange::Ban {
                mask: "x!*@*".into(),
                on: false,
                until: None,
            },
        ];
        let (letters, params) = mode_line(&changes);
        assert_eq!(letters, "+to-lkb");
        assert_eq!(params, ["bob", "x!*@*"]);
    }
}
