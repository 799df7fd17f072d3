//! A local room event as the fields of one stream entry (version 2, with
//! version 1's copy of the text for one release: see the module doc).

use super::{MAX_FIELD, VERSION, v1};
use crate::chat::{AdminAction, LineKind, RoomEvent, RoomNames, Turn};
use bytes::Bytes;
use std::time::{SystemTime, UNIX_EPOCH};

/// Ms since 1970 of `at`, as a field.
fn millis(at: SystemTime) -> Bytes {
    let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    Bytes::from(ms.to_string())
}

/// Appends the fields of `event` (named by `names`, published at `now`)
/// to `args`; false if the entry would hold more than [`MAX_FIELD`]
/// bytes. `seq` is this node's number for the entry.
pub(in crate::engine) fn encode(
    (node, seq): (u16, u64),
    event: &RoomEvent,
    names: &RoomNames,
    now: SystemTime,
    args: &mut Vec<Bytes>,
) -> bool {
    let text = |s: &str| Bytes::copy_from_slice(s.as_bytes());
    let number = |n: u64| Bytes::from(n.to_string());
    let (kind, member) = match event {
        RoomEvent::Joined { member, .. } => ("joined", member),
        RoomEvent::Moved { member, .. } => ("moved", member),
        RoomEvent::Said { member, .. } => ("said", member),
        RoomEvent::Topic { member, .. } => ("topic", member),
        RoomEvent::Renamed { member, .. } => ("renamed", member),
        RoomEvent::Left { member, .. } => ("left", member),
        RoomEvent::Parted { member, .. } => ("parted", member),
        RoomEvent::Away { member, .. } => ("away", member),
        RoomEvent::RealName { member, .. } => ("realname", member),
        RoomEvent::Online { member, .. } => ("online", member),
        RoomEvent::Private { from, .. } => ("private", from),
        RoomEvent::Unread { reader, .. } => ("unread", reader),
        RoomEvent::Admin { member, .. } => ("admin", member),
        RoomEvent::Mode { member, .. } => ("mode", member),
        RoomEvent::Kicked { member, .. } => ("kicked", member),
        RoomEvent::Invited { member, .. } => ("invited", member),
    };
    let at = match event {
        RoomEvent::Said { turn, .. } => turn.at,
        RoomEvent::Private { at, .. } => *at,
        _ => now,
    };
    let mut push = |name: &'static str, value: Bytes| {
        args.push(Bytes::from_static(name.as_bytes()));
        args.push(value);
    };
    push("v", Bytes::from_static(VERSION));
    push("node", number(u64::from(node)));
    push("seq", number(seq));
    push("kind", Bytes::from_static(kind.as_bytes()));
    push("member", number(member.0));
    push("at", millis(at));
    if !matches!(
        event,
        RoomEvent::Private { .. }
            | RoomEvent::Unread { .. }
            | RoomEvent::Away { .. }
            | RoomEvent::RealName { .. }
            | RoomEvent::Admin { .. }
            | RoomEvent::Online { .. }
    ) {
        push("room", text(&names.room));
    }
    match event {
        RoomEvent::Joined { name, back, .. } => {
            push("name", text(name));
            if *back {
                // Nodes that do not know the field show a join.
                push("back", Bytes::from_static(b"1"));
            }
        }
        RoomEvent::Moved { name, .. } => {
            push("to", text(&names.to));
            push("name", text(name));
        }
        RoomEvent::Said { turn, .. } => {
            let (kinds, lines) = flatten(turn);
            push("name", text(&turn.name));
            push("kinds", Bytes::from(kinds));
            push("text", Bytes::from(lines));
            // The lines a history read counts: not TAGMSG, client tags or CTCP.
            let history = turn.lines().filter(|(kind, _)| !kind.irc_only()).count();
            push("count", number(history as u64));
            push("id", number(turn.id));
            push("lines", v1::said_lines(turn));
        }
        RoomEvent::Topic { topic, .. } => {
            if let Some(topic) = topic {
                push("topic", text(topic));
            }
        }
        RoomEvent::Renamed { old, new, .. } => {
            push("old", text(old));
            push("new", text(new));
        }
        RoomEvent::Left {
            name, why, reason, ..
        } => {
            push("name", text(name));
            push("why", Bytes::from_static(why.describe().as_bytes()));
            if let Some(reason) = reason {
                push("reason", text(reason));
            }
        }
        RoomEvent::Parted { name, reason, .. } => {
            push("name", text(name));
            if let Some(reason) = reason {
                push("reason", text(reason));
            }
        }
        RoomEvent::Online { name, .. } => push("name", text(name)),
        RoomEvent::RealName { text: real, .. } => push("text", text(real)),
        RoomEvent::Away { text: away, .. } => {
            if let Some(away) = away {
                push("text", text(away));
            }
        }
        RoomEvent::Private {
            to,
            name,
            kind,
            text: t,
            tags,
            ..
        } => {
            push("to", number(to.0));
            push("name", text(name));
            push("text", text(t));
            push("id", number(tags.id));
            if !tags.client.is_empty() {
                push("tags", text(&tags.client));
            }
            // Absent: said (what nodes before this one write and read).
            if *kind != LineKind::Say {
                push("how", Bytes::from_static(letter(*kind).as_bytes()));
            }
            push("line", v1::private_line(name, t, at));
        }
        RoomEvent::Unread { sender, .. } => push("to", number(sender.0)),
        RoomEvent::Admin { name, action, .. } => {
            push("name", text(name));
            let (act, said) = match action {
                AdminAction::Kill { target, reason } => {
                    push("to", number(target.0));
                    ("kill", reason)
                }
                AdminAction::Announce(said) => ("announce", said),
                AdminAction::Wallops(said) => ("wallops", said),
                AdminAction::Operator(true) => ("raised", &Box::default()),
                AdminAction::Operator(false) => ("lowered", &Box::default()),
                AdminAction::Global { mask, until, on } => {
                    if let Some(until) = until {
                        push("until", millis(*until));
                    }
                    (if *on { "gban" } else { "gunban" }, mask)
                }
            };
            push("act", Bytes::from_static(act.as_bytes()));
            push("text", text(said));
        }
        RoomEvent::Mode { name, changes, .. } => {
            push("name", text(name));
            push("modes", Bytes::from(super::modes::encode(changes)));
        }
        RoomEvent::Kicked {
            name,
            target,
            target_name,
            reason,
            ..
        } => {
            push("name", text(name));
            push("to", number(target.0));
            push("target", text(target_name));
            if let Some(reason) = reason {
                push("reason", text(reason));
            }
        }
        RoomEvent::Invited { name, target, .. } => {
            push("name", text(name));
            push("to", number(target.0));
        }
    }
    args.iter().map(Bytes::len).sum::<usize>() <= MAX_FIELD
}

/// A turn's kinds (one letter per line) and its lines' text, `\n` between.
fn flatten(turn: &Turn) -> (String, String) {
    let (mut kinds, mut text) = (String::new(), String::new());
    for (i, (kind, line)) in turn.lines().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(line);
        kinds.push_str(letter(kind));
    }
    (kinds, text)
}

/// A line kind's letter: `s` said, `a` an action, `n` a notice (which
/// nodes before this one skip).
fn letter(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Say => "s",
        LineKind::Act => "a",
        LineKind::Notice => "n",
        LineKind::Ctcp => "c",
        LineKind::CtcpReply => "r",
        LineKind::Tagmsg => "t",
        LineKind::ClientTags => "g",
    }
}
