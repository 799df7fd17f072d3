//! Room events as stream entries, and back. Pure: no link, no socket.
//!
//! Every entry is `node <id> seq <n> kind <kind> member <id>` (`seq`
//! numbers a node's entries, so a reader can keep one node's entries in
//! order across streams) and then, by kind (rooms go by name, since a `RoomId` means nothing on
//! another node; ids and counts are decimal):
//!
//! | kind | fields |
//! | --- | --- |
//! | `joined` | `room`, `name` |
//! | `moved` | `room` (left), `to` (entered), `name` |
//! | `said` | `room`, `lines` (as the telnet dialect renders them without stamps, CRLF-ended), `count` (in the room's own stream) |
//! | `topic` | `room`, `topic` (absent: cleared) |
//! | `renamed` | `room`, `old`, `new` |
//! | `left` | `room`, `name`, `why` |
//! | `private` | `to` (member id), `line` (as the recipient sees it in telnet, without a stamp) |
//! | `unread` | `to` (member id of the sender of a private message `member` was too far behind to be sent) |
//!
//! An entry `node <id> kind sync` (no member) says that node has just
//! written its listing of members again (see `store.rs`): the others read
//! it and correct their view of that node's members.
//!
//! An entry `node <id> kind displaced member <id>` says that node took the
//! member's name with its password (a registered user logged in again):
//! the member's own node closes it, the others forget it.
//!
//! A `said` or `private` entry carries telnet lines: they are read back
//! into a [`Turn`] or a private message's name and text (a stamp a sender
//! put in front is dropped), so every node renders them with its own
//! dialects and clock.

use crate::chat::{Farewell, HistoryLine, MemberId, Message, RoomEvent, RoomId, RoomNames, Turn};
use crate::dialect::Dialect;
use crate::dialect::telnet::{Telnet, parse};
use crate::framing::clean;
use crate::redis::BytesFrame;
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The rendering this wire carries: telnet lines without stamps.
const WIRE_TELNET: Telnet = Telnet::new(false);

/// The longest field accepted from the stream or written to it. A `Said`
/// holds one sender's turn: at most 64 lines of `--max-line` (1024 by
/// default) each, about 68 KiB; anything larger is a mistake or an attack.
pub(super) const MAX_FIELD: usize = 256 * 1024;

/// Most fields (names and values) in one entry we read.
const MAX_FIELDS: usize = 32;

/// Appends the fields of `event` (named by `names`) to `args`; false if
/// it has nothing to publish or a field is over [`MAX_FIELD`]. `seq` is
/// this node's number for the entry.
pub(super) fn encode(
    node: u16,
    seq: u64,
    event: &RoomEvent,
    names: &RoomNames,
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
        RoomEvent::Private { from, .. } => ("private", from),
        RoomEvent::Unread { reader, .. } => ("unread", reader),
    };
    let mut push = |name: &'static str, value: Bytes| {
        args.push(Bytes::from_static(name.as_bytes()));
        args.push(value);
    };
    push("node", number(u64::from(node)));
    push("seq", number(seq));
    push("kind", Bytes::from_static(kind.as_bytes()));
    push("member", number(member.0));
    if !matches!(event, RoomEvent::Private { .. } | RoomEvent::Unread { .. }) {
        push("room", text(&names.room));
    }
    match event {
        RoomEvent::Joined { name, .. } => push("name", text(name)),
        RoomEvent::Moved { name, .. } => {
            push("to", text(&names.to));
            push("name", text(name));
        }
        RoomEvent::Said { turn, .. } => {
            let said = Message::Said(turn.clone());
            push("lines", WIRE_TELNET.render(&said, turn.at));
            push("count", number(turn.len() as u64));
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
        RoomEvent::Left { name, why, .. } => {
            push("name", text(name));
            push("why", Bytes::from_static(why.describe().as_bytes()));
        }
        RoomEvent::Private {
            to, name, text, at, ..
        } => {
            push("to", number(to.0));
            let line = Message::Private {
                from: name.clone(),
                text: text.clone(),
            };
            push("line", WIRE_TELNET.render(&line, *at));
        }
        RoomEvent::Unread { sender, .. } => push("to", number(sender.0)),
    }
    args.iter().all(|a| a.len() <= MAX_FIELD)
}

/// One entry's fields, looked up by name.
struct Fields<'a>(&'a [BytesFrame]);

impl Fields<'_> {
    fn bytes(&self, name: &str) -> Option<&Bytes> {
        self.0.chunks_exact(2).find_map(|pair| match pair {
            [BytesFrame::BulkString(k), BytesFrame::BulkString(v)] if k == name.as_bytes() => {
                Some(v)
            }
            _ => None,
        })
    }

    fn text(&self, name: &str) -> Result<&str, &'static str> {
        let bytes = self.bytes(name).ok_or("a field is missing")?;
        std::str::from_utf8(bytes).map_err(|_| "a field is not UTF-8")
    }

    fn number(&self, name: &str) -> Result<u64, &'static str> {
        self.text(name)?
            .parse()
            .map_err(|_| "a number is malformed")
    }
}

/// One entry of the stream, read back.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Entry {
    /// A room event of another node, its rooms by name (its `RoomId`s
    /// are placeholders the core resolves from the names).
    Event(RoomEvent, RoomNames),
    /// Another node wrote its listing again.
    Sync(u16),
    /// Another node took this member's name with its password.
    Displaced(MemberId),
}

/// The fields of a `displaced` entry: `node` took `member`'s name.
pub(super) fn displaced(node: u16, seq: u64, member: MemberId) -> [Bytes; 8] {
    [
        Bytes::from_static(b"node"),
        Bytes::from(node.to_string()),
        Bytes::from_static(b"seq"),
        Bytes::from(seq.to_string()),
        Bytes::from_static(b"kind"),
        Bytes::from_static(b"displaced"),
        Bytes::from_static(b"member"),
        Bytes::from(member.0.to_string()),
    ]
}

/// The fields of a `sync` entry for `node`.
pub(super) fn sync(node: u16, seq: u64) -> [Bytes; 6] {
    [
        Bytes::from_static(b"node"),
        Bytes::from(node.to_string()),
        Bytes::from_static(b"seq"),
        Bytes::from(seq.to_string()),
        Bytes::from_static(b"kind"),
        Bytes::from_static(b"sync"),
    ]
}

/// The chat lines of a room stream's entries (an `XREVRANGE` reply,
/// newest first), oldest first, each said at the time of its entry's id.
/// Lines are cleaned as any from the bus; other kinds are skipped.
pub(super) fn history_lines(frame: &BytesFrame) -> Vec<HistoryLine> {
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
        let Some(turn) = f.bytes("lines").and_then(|raw| turn_of(raw, at)) else {
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

/// The node and number of an entry, if it has them.
pub(super) fn origin(fields: &[BytesFrame]) -> Option<(u16, u64)> {
    let f = Fields(fields);
    let node = u16::try_from(f.number("node").ok()?).ok()?;
    Some((node, f.number("seq").unwrap_or(0)))
}

/// Rendered lines from another node, cleaned as lines from a socket are:
/// each line between CRLFs goes through [`clean`], empty ones are
/// dropped.
fn clean_lines(raw: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    for part in raw.split(|&b| b == b'\n') {
        let part = part.strip_suffix(b"\r").unwrap_or(part);
        let mut line = String::new();
        clean(part, &mut line);
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// A `said` entry's lines read back into a turn said at `at`: its first
/// chat line names the sender; a line of anyone else, or no chat line at
/// all, is dropped. `None` if no line is left.
fn turn_of(raw: &[u8], at: SystemTime) -> Option<Turn> {
    let mut turn: Option<Turn> = None;
    for line in clean_lines(raw) {
        let Some((name, kind, text)) = parse::said(&line) else {
            continue;
        };
        let turn = turn.get_or_insert_with(|| Turn::new(name, at));
        if *turn.name == *name {
            turn.push(kind, text);
        }
    }
    turn
}

/// Turns one entry's fields back into a room event, said at `at` (the
/// time it is read: this node's clock). `Ok(None)` is an entry of this
/// node (`own`). The error says why the entry is skipped.
pub(super) fn decode(
    fields: &[BytesFrame],
    own: u16,
    at: SystemTime,
) -> Result<Option<Entry>, &'static str> {
    if fields.len() > MAX_FIELDS || !fields.len().is_multiple_of(2) {
        return Err("wrong number of fields");
    }
    let too_long = |f: &BytesFrame| matches!(f, BytesFrame::BulkString(b) if b.len() > MAX_FIELD);
    if fields.iter().any(too_long) {
        return Err("a field is too long");
    }
    let f = Fields(fields);
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
        },
        "moved" => RoomEvent::Moved {
            from: in_room("room")?,
            to: in_room("to")?,
            member,
            name: boxed("name")?,
        },
        "said" => {
            let raw = f.bytes("lines").ok_or("a field is missing")?;
            let turn = turn_of(raw, at).ok_or("no line to show")?;
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
        },
        "private" => {
            let lines = clean_lines(f.bytes("line").ok_or("a field is missing")?);
            let [line] = &lines[..] else {
                return Err("not one line");
            };
            let (name, text) = parse::private(line).ok_or("not a private message")?;
            RoomEvent::Private {
                from: member,
                to: MemberId(f.number("to")?),
                name: name.into(),
                text: text.into(),
                at,
            }
        }
        "unread" => RoomEvent::Unread {
            reader: member,
            sender: MemberId(f.number("to")?),
        },
        _ => return Err("unknown kind"),
    };
    Ok(Some(Entry::Event(event, rooms)))
}

/// The room of a decoded event until the core resolves its name.
const UNRESOLVED: RoomId = RoomId(u32::MAX);

/// The farewell `describe` gave; an unknown word is a plain close.
fn farewell(word: &str) -> Farewell {
    use Farewell::*;
    [
        Quit,
        Eof,
        Error,
        TooSlow,
        LoginTimeout,
        IdleTimeout,
        Shutdown,
        NodeLost,
        NameLost,
        LoggedInElsewhere,
    ]
    .into_iter()
    .find(|f| f.describe() == word)
    .unwrap_or(Eof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::LineKind;

    fn frames(args: &[Bytes]) -> Vec<BytesFrame> {
        args.iter().cloned().map(BytesFrame::BulkString).collect()
    }

    /// When entries are read in these tests.
    const AT: SystemTime = UNIX_EPOCH;

    fn turn(name: &str, lines: &[(LineKind, &str)]) -> Arc<Turn> {
        let mut turn = Turn::new(name, AT);
        lines.iter().for_each(|(kind, text)| turn.push(*kind, text));
        Arc::new(turn)
    }

    #[test]
    fn every_kind_goes_there_and_back() {
        let events = [
            RoomEvent::Joined {
                room: RoomId(0),
                member: MemberId(7),
                name: "bob".into(),
            },
            RoomEvent::Moved {
                from: RoomId(0),
                to: RoomId(1),
                member: MemberId(7),
                name: "bob".into(),
            },
            RoomEvent::Said {
                room: RoomId(0),
                member: MemberId(7),
                turn: turn("bob", &[(LineKind::Say, "hi"), (LineKind::Act, "waves")]),
            },
            RoomEvent::Topic {
                room: RoomId(0),
                member: MemberId(7),
                topic: None,
            },
            RoomEvent::Topic {
                room: RoomId(0),
                member: MemberId(7),
                topic: Some("t".into()),
            },
            RoomEvent::Renamed {
                room: RoomId(0),
                member: MemberId(7),
                old: "bob".into(),
                new: "rob".into(),
            },
            RoomEvent::Left {
                room: RoomId(0),
                member: MemberId(7),
                name: "rob".into(),
                why: Farewell::Quit,
            },
            RoomEvent::Private {
                from: MemberId(7),
                to: MemberId(9),
                name: "rob".into(),
                text: "x".into(),
                at: AT,
            },
            RoomEvent::Unread {
                reader: MemberId(7),
                sender: MemberId(9),
            },
        ];
        for event in events {
            let names = RoomNames {
                room: "#a".into(),
                to: "#b".into(),
            };
            let mut args = Vec::new();
            assert!(encode(3, 1, &event, &names, &mut args));
            let back = decode(&frames(&args), 4, AT).unwrap().unwrap();
            assert_eq!(back, Entry::Event(unresolved(event), told_names(&back)));
            assert_eq!(
                decode(&frames(&args), 3, AT),
                Ok(None),
                "own entries are skipped"
            );
        }
    }

    /// `event` with its rooms as decoding leaves them, for the core to resolve.
    fn unresolved(mut event: RoomEvent) -> RoomEvent {
        match &mut event {
            RoomEvent::Moved { from, to, .. } => (*from, *to) = (UNRESOLVED, UNRESOLVED),
            RoomEvent::Joined { room, .. }
            | RoomEvent::Said { room, .. }
            | RoomEvent::Topic { room, .. }
            | RoomEvent::Renamed { room, .. }
            | RoomEvent::Left { room, .. } => *room = UNRESOLVED,
            RoomEvent::Private { .. } | RoomEvent::Unread { .. } => {}
        }
        event
    }

    /// The room names a decoded event should carry: `#a`, and `#b` entered.
    fn told_names(entry: &Entry) -> RoomNames {
        let Entry::Event(event, _) = entry else {
            return RoomNames::default();
        };
        let (room, to) = match event {
            RoomEvent::Moved { .. } => ("#a", "#b"),
            RoomEvent::Private { .. } | RoomEvent::Unread { .. } => ("", ""),
            _ => ("#a", ""),
        };
        RoomNames {
            room: room.into(),
            to: to.into(),
        }
    }

    #[test]
    fn a_sync_names_its_node() {
        assert_eq!(
            decode(&frames(&sync(5, 1)), 4, AT),
            Ok(Some(Entry::Sync(5)))
        );
        assert_eq!(decode(&frames(&sync(4, 1)), 4, AT), Ok(None));
        assert_eq!(origin(&frames(&sync(5, 9))), Some((5, 9)));
    }

    #[test]
    fn lines_from_the_bus_are_cleaned() {
        let raw = b"bob: a\x1b[2Jb\r\n\r\n[01:02:03] bob: \x07c\r\n* bob d\r\n";
        let expected = turn(
            "bob",
            &[
                (LineKind::Say, "ab"),
                (LineKind::Say, "c"),
                (LineKind::Act, "d"),
            ],
        );
        assert_eq!(turn_of(raw, AT).as_ref(), Some(&*expected));
        assert_eq!(turn_of(b"\r\n \r\n", AT), None);
        let others = turn_of(b"bob: a\r\neve: b\r\n*** x\r\n", AT).unwrap();
        assert_eq!(others.len(), 1, "one sender's lines only");
    }

    #[test]
    fn malformed_entries_are_refused() {
        let b = |s: &'static str| Bytes::from_static(s.as_bytes());
        let cases: [(&[Bytes], &str); 5] = [
            (&[b("node")], "wrong number of fields"),
            (
                &[b("node"), b("x"), b("kind"), b("said")],
                "a number is malformed",
            ),
            (
                &[
                    b("node"),
                    b("1"),
                    b("member"),
                    b("2"),
                    b("kind"),
                    b("shout"),
                ],
                "unknown kind",
            ),
            (
                &[
                    b("node"),
                    b("1"),
                    b("member"),
                    b("2"),
                    b("kind"),
                    b("joined"),
                ],
                "a field is missing",
            ),
            (&[b("node"), b("70000"), b("member"), b("2")], "bad node id"),
        ];
        for (args, why) in cases {
            assert_eq!(decode(&frames(args), 0, AT), Err(why));
        }
        let long = Bytes::from(vec![b'a'; MAX_FIELD + 1]);
        assert_eq!(
            decode(&frames(&[b("node"), long]), 0, AT),
            Err("a field is too long")
        );
    }
}
