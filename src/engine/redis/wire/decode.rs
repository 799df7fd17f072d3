//! An entry of another node read back into a room event (either version),
//! and a room stream's entries into history lines.

use super::{Entry, Fields, MAX_FIELD, MAX_FIELDS, farewell, v1};
use crate::chat::{
    AdminAction, HistoryLine, LineKind, MemberId, RoomEvent, RoomId, RoomNames, Turn,
};
use crate::framing::clean;
use crate::redis::BytesFrame;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Turns one entry's fields back into a room event. `now` is this node's
/// clock: a version 1 entry was said when it is read; a version 2 one at
/// its `at`, unless that is ahead of `now` (a sender's clock running
/// fast). `Ok(None)` is an entry of this node (`own`). The error says why
/// the entry is skipped ([`UNKNOWN_VERSION`](super::UNKNOWN_VERSION) for a newer wire).
pub(in crate::engine) fn decode(
    fields: &[BytesFrame],
    own: u16,
    now: SystemTime,
) -> Result<Option<Entry>, &'static str> {
    if fields.len() > MAX_FIELDS || !fields.len().is_multiple_of(2) {
        return Err("wrong number of fields");
    }
    let too_long = |f: &BytesFrame| matches!(f, BytesFrame::BulkString(b) if b.len() > MAX_FIELD);
    if fields.iter().any(too_long) {
        return Err("a field is too long");
    }
    let f = Fields(fields);
    let version = f.version()?;
    let at = match version {
        2 => f.at().map_or(now, |at| at.min(now)),
        _ => now,
    };
    let node = u16::try_from(f.number("node")?).map_err(|_| "bad node id")?;
    if node == own {
        return Ok(None);
    }
    if f.text("kind")? == "sync" {
        return Ok(Some(Entry::Sync(node)));
    }
    let member = MemberId(f.number("member")?);
    let kind = f.text("kind")?;
    if kind == "displaced" {
        return Ok(Some(Entry::Displaced(member)));
    }
    let mut rooms = RoomNames::default();
    let mut in_room = |field: &str| -> Result<RoomId, &'static str> {
        let name = f.text(field)?.into();
        match field {
            "to" => rooms.to = name,
            _ => rooms.room = name,
        }
        Ok(UNRESOLVED)
    };
    let boxed = |field: &str| f.text(field).map(Box::<str>::from);
    let event = match kind {
        "joined" => RoomEvent::Joined {
            room: in_room("room")?,
            member,
            name: boxed("name")?,
            back: f.text("back").is_ok_and(|b| b == "1"),
        },
        "moved" => RoomEvent::Moved {
            from: in_room("room")?,
            to: in_room("to")?,
            member,
            name: boxed("name")?,
        },
        "said" => {
            let turn = match version {
                2 => turn_from(&f, at)?,
                _ => {
                    let raw = f.bytes("lines").ok_or("a field is missing")?;
                    v1::turn_of(raw, at).ok_or("no line to show")?
                }
            };
            RoomEvent::Said {
                room: in_room("room")?,
                member,
                turn: Arc::new(turn),
            }
        }
        "topic" => RoomEvent::Topic {
            room: in_room("room")?,
            member,
            topic: match f.bytes("topic") {
                None => None,
                Some(raw) => {
                    let mut topic = String::new();
                    clean(raw, &mut topic);
                    Some(topic.into())
                }
            },
        },
        "renamed" => RoomEvent::Renamed {
            room: in_room("room")?,
            member,
            old: boxed("old")?,
            new: boxed("new")?,
        },
        "left" => RoomEvent::Left {
            room: in_room("room")?,
            member,
            name: boxed("name")?,
            why: farewell(f.text("why")?),
            reason: cleaned(&f, "reason"),
        },
        "private" => {
            let (name, text) = match version {
                2 => private_from(&f)?,
                _ => v1::private_of(f.bytes("line").ok_or("a field is missing")?)?,
            };
            let kind = match f.bytes("how").map(|k| &k[..]) {
                Some(b"a") => LineKind::Act,
                Some(b"n") => LineKind::Notice,
                Some(b"c") => LineKind::Ctcp,
                Some(b"r") => LineKind::CtcpReply,
                Some(b"t") => LineKind::Tagmsg,
                _ => LineKind::Say,
            };
            let client = (f.text("tags").ok()).filter(|raw| valid_tags(raw));
            let tags = crate::chat::PrivateTags {
                id: (f.number("id")).unwrap_or_else(|_| crate::chat::msgid::stamp(at, node)),
                client: client.unwrap_or_default().into(),
            };
            RoomEvent::Private {
                from: member,
                to: MemberId(f.number("to")?),
                name,
                kind,
                text,
                tags,
                at,
            }
        }
        "parted" => RoomEvent::Parted {
            room: in_room("room")?,
            member,
            name: boxed("name")?,
            reason: cleaned(&f, "reason"),
        },
        "online" => RoomEvent::Online {
            member,
            name: boxed("name")?,
        },
        "away" => RoomEvent::Away {
            member,
            text: cleaned(&f, "text"),
        },
        "realname" => RoomEvent::RealName {
            member,
            text: cleaned(&f, "text").ok_or("realname without text")?,
        },
        "admin" => admin_from(&f, member)?,
        "mode" => RoomEvent::Mode {
            room: in_room("room")?,
            member,
            name: boxed("name")?,
            changes: super::modes::decode(f.text("modes")?)?,
        },
        "kicked" => RoomEvent::Kicked {
            room: in_room("room")?,
            member,
            name: boxed("name")?,
            target: MemberId(f.number("to")?),
            target_name: boxed("target")?,
            reason: cleaned(&f, "reason"),
        },
        "invited" => RoomEvent::Invited {
            room: {
                let room = boxed("room")?;
                rooms.room = room.clone();
                room
            },
            member,
            name: boxed("name")?,
            target: MemberId(f.number("to")?),
        },
        "unread" => RoomEvent::Unread {
            reader: member,
            sender: MemberId(f.number("to")?),
        },
        _ => return Err("unknown kind"),
    };
    Ok(Some(Entry::Event(event, rooms)))
}

/// The field `name`, cleaned, if present.
fn cleaned(f: &Fields<'_>, name: &str) -> Option<Box<str>> {
    let mut text = String::new();
    clean(f.bytes(name)?, &mut text);
    Some(text.into())
}

/// An `admin` entry: a server operator's kill, announcement or wallops.
fn admin_from(f: &Fields<'_>, member: MemberId) -> Result<RoomEvent, &'static str> {
    let mut name = String::new();
    clean(f.bytes("name").ok_or("a field is missing")?, &mut name);
    crate::chat::naming::valid_name(&name).map_err(|_| "not a valid name")?;
    let text = cleaned(f, "text").unwrap_or_default();
    let action = match f.text("act")? {
        "kill" => AdminAction::Kill {
            target: MemberId(f.number("to")?),
            reason: text,
        },
        "announce" => AdminAction::Announce(text),
        "wallops" => AdminAction::Wallops(text),
        "raised" => AdminAction::Operator(true),
        "lowered" => AdminAction::Operator(false),
        act @ ("gban" | "gunban") => {
            let mask = crate::chat::modes::full_mask(&text);
            if !crate::chat::modes::valid_mask(&mask) {
                return Err("not a valid mask");
            }
            let until = f.number("until").ok();
            AdminAction::Global {
                mask: mask.into(),
                until: until.map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms)),
                on: act == "gban",
            }
        }
        _ => return Err("unknown admin action"),
    };
    let name = name.into();
    Ok(RoomEvent::Admin {
        member,
        name,
        action,
    })
}

/// A version 2 `private` entry's sender name and text, cleaned.
fn private_from(f: &Fields<'_>) -> Result<(Box<str>, Box<str>), &'static str> {
    let (mut name, mut text) = (String::new(), String::new());
    clean(f.bytes("name").ok_or("a field is missing")?, &mut name);
    crate::chat::naming::valid_name(&name).map_err(|_| "not a valid name")?;
    clean(f.bytes("text").ok_or("a field is missing")?, &mut text);
    Ok((name.into(), text.into()))
}

/// The room of a decoded event until the core resolves its name.
pub(in crate::engine) const UNRESOLVED: RoomId = RoomId(u32::MAX);

/// A version 2 `said` entry's turn, said at `at`: each line cleaned as
/// any from the bus; `None` if the kinds and lines do not match or no
/// line is left.
fn turn_from(f: &Fields<'_>, at: SystemTime) -> Result<Turn, &'static str> {
    let mut name = String::new();
    clean(f.bytes("name").ok_or("a field is missing")?, &mut name);
    crate::chat::naming::valid_name(&name).map_err(|_| "not a valid name")?;
    let kinds = f.bytes("kinds").ok_or("a field is missing")?;
    let text = f.bytes("text").ok_or("a field is missing")?;
    let lines = text.split(|&b| b == b'\n');
    if lines.clone().count() != kinds.len() {
        return Err("kinds and lines do not match");
    }
    let mut turn = Turn::new(&name, at);
    let mut line = String::new();
    for (kind, raw) in kinds.iter().zip(lines) {
        line.clear();
        clean(raw, &mut line);
        match kind {
            b's' if !line.trim().is_empty() => turn.push(LineKind::Say, &line),
            b'a' => turn.push(LineKind::Act, &line),
            b'n' if !line.trim().is_empty() => turn.push(LineKind::Notice, &line),
            b'c' if !line.trim().is_empty() => turn.push(LineKind::Ctcp, &line),
            b'r' if !line.trim().is_empty() => turn.push(LineKind::CtcpReply, &line),
            b't' if valid_tags(&line) => turn.push(LineKind::Tagmsg, &line),
            b'g' if valid_tags(&line) => turn.push(LineKind::ClientTags, &line),
            _ => {}
        }
    }
    if turn.is_empty() {
        return Err("no line to show");
    }
    // The sender's node gave the turn its id; an entry without one (an
    // older node's) gets the id it would have had.
    let node = (f.number("node").ok()).map_or(0, |n| n as u16);
    turn.id = (f.number("id")).unwrap_or_else(|_| crate::chat::msgid::stamp(at, node));
    Ok(turn)
}

/// Whether a TAGMSG's (or a line's) client tags can be written as read.
fn valid_tags(raw: &str) -> bool {
    !raw.is_empty() && !raw.contains(' ') && crate::irc::tags::valid_section(raw)
}

/// The chat lines of a room stream's entries (an `XREVRANGE` reply,
/// newest first), oldest first, each said at the time of its entry's id.
/// Lines are cleaned as any from the bus; other kinds are skipped.
pub(in crate::engine) fn history_lines(frame: &BytesFrame) -> Vec<HistoryLine> {
    let BytesFrame::Array(entries) = frame else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for entry in entries.iter().rev() {
        let BytesFrame::Array(parts) = entry else {
            continue;
        };
        let [BytesFrame::BulkString(id), BytesFrame::Array(fields)] = &parts[..] else {
            continue;
        };
        let f = Fields(fields);
        let ms = std::str::from_utf8(id)
            .ok()
            .and_then(|id| id.split_once('-')?.0.parse().ok())
            .unwrap_or(0);
        let at = UNIX_EPOCH + Duration::from_millis(ms);
        let turn = match f.version() {
            Ok(2) => turn_from(&f, f.at().unwrap_or(at)).ok(),
            Ok(_) => f.bytes("lines").and_then(|raw| v1::turn_of(raw, at)),
            Err(_) => None,
        };
        let Some(turn) = turn else {
            continue;
        };
        let turn = Arc::new(turn);
        for index in 0..turn.len() as u32 {
            let turn = turn.clone();
            lines.push(HistoryLine { turn, index });
        }
    }
    lines
}
