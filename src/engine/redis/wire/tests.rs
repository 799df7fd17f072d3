//! The wire both ways, its versions, and what it refuses.

use super::decode::UNRESOLVED;
use super::*;
use crate::chat::{AdminAction, LineKind, RoomId, Turn};
use std::sync::Arc;

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
            back: true,
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
        RoomEvent::Said {
            room: RoomId(0),
            member: MemberId(7),
            turn: turn(
                "bob",
                &[
                    (LineKind::Notice, "n"),
                    (LineKind::Ctcp, "VERSION"),
                    (LineKind::CtcpReply, "PING 1"),
                ],
            ),
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
            reason: Some("gone fishing".into()),
        },
        RoomEvent::Private {
            tags: Default::default(),
            from: MemberId(7),
            to: MemberId(9),
            name: "rob".into(),
            kind: LineKind::Act,
            text: "x".into(),
            at: AT,
        },
        RoomEvent::Parted {
            room: RoomId(0),
            member: MemberId(7),
            name: "rob".into(),
            reason: Some("bye".into()),
        },
        RoomEvent::Parted {
            room: RoomId(0),
            member: MemberId(7),
            name: "rob".into(),
            reason: None,
        },
        RoomEvent::Away {
            member: MemberId(7),
            text: Some("lunch".into()),
        },
        RoomEvent::Away {
            member: MemberId(7),
            text: None,
        },
        RoomEvent::RealName {
            member: MemberId(7),
            text: "Rob Roy".into(),
        },
        RoomEvent::Online {
            member: MemberId(7),
            name: "rob".into(),
        },
        RoomEvent::Unread {
            reader: MemberId(7),
            sender: MemberId(9),
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Kill {
                target: MemberId(9),
                reason: "spam".into(),
            },
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Announce("restart at 5".into()),
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Wallops("hi ops".into()),
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Global {
                mask: "*!*@10.0.0.0/8".into(),
                until: Some(
                    std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_765_000_000_123),
                ),
                on: true,
            },
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Global {
                mask: "m:bob!*@*".into(),
                until: None,
                on: false,
            },
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Operator(true),
        },
        RoomEvent::Admin {
            member: MemberId(7),
            name: "rob".into(),
            action: AdminAction::Operator(false),
        },
    ];
    for event in events {
        let names = RoomNames {
            room: "#a".into(),
            to: "#b".into(),
        };
        let mut args = Vec::new();
        assert!(encode((3, 1), &event, &names, AT, &mut args));
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
        | RoomEvent::Parted { room, .. }
        | RoomEvent::Left { room, .. }
        | RoomEvent::Mode { room, .. }
        | RoomEvent::Kicked { room, .. } => *room = UNRESOLVED,
        RoomEvent::Invited { .. }
        | RoomEvent::Private { .. }
        | RoomEvent::Unread { .. }
        | RoomEvent::Away { .. }
        | RoomEvent::RealName { .. }
        | RoomEvent::Admin { .. }
        | RoomEvent::Online { .. } => {}
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
        RoomEvent::Private { .. }
        | RoomEvent::Unread { .. }
        | RoomEvent::Away { .. }
        | RoomEvent::RealName { .. }
        | RoomEvent::Admin { .. }
        | RoomEvent::Online { .. } => ("", ""),
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
    assert_eq!(v1::turn_of(raw, AT).as_ref(), Some(&*expected));
    assert_eq!(v1::turn_of(b"\r\n \r\n", AT), None);
    let others = v1::turn_of(b"bob: a\r\neve: b\r\n*** x\r\n", AT).unwrap();
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

/// An entry as a node of the release before `v` wrote it.
fn v1_said(lines: &'static str) -> Vec<BytesFrame> {
    let b = |s: &'static str| Bytes::from_static(s.as_bytes());
    frames(&[
        b("node"),
        b("1"),
        b("seq"),
        b("5"),
        b("kind"),
        b("said"),
        b("member"),
        b("9"),
        b("room"),
        b("#a"),
        b("lines"),
        b(lines),
        b("count"),
        b("2"),
    ])
}

#[test]
fn an_old_format_entry_is_read_said_now() {
    let now = AT + Duration::from_secs(60);
    let Ok(Some(Entry::Event(RoomEvent::Said { turn, .. }, rooms))) =
        decode(&v1_said("[00:00:01] bob: hi\r\n* bob waves\r\n"), 4, now)
    else {
        panic!("a version 1 entry is read");
    };
    assert_eq!(&*rooms.room, "#a");
    let lines: Vec<_> = turn.lines().collect();
    assert_eq!(lines, [(LineKind::Say, "hi"), (LineKind::Act, "waves")]);
    assert_eq!(
        (&*turn.name, turn.at),
        ("bob", now),
        "the sender's stamp is dropped"
    );
}

#[test]
fn an_unknown_version_is_skipped() {
    let mut fields = v1_said("bob: hi\r\n");
    fields.extend(frames(&[
        Bytes::from_static(b"v"),
        Bytes::from_static(b"3"),
    ]));
    assert_eq!(decode(&fields, 4, AT), Err(UNKNOWN_VERSION));
    let frame = BytesFrame::Array(vec![BytesFrame::Array(vec![
        BytesFrame::BulkString(Bytes::from_static(b"1-0")),
        BytesFrame::Array(fields),
    ])]);
    assert!(history_lines(&frame).is_empty(), "nor shown as history");
}

#[test]
fn a_new_entry_carries_its_time_and_reads_as_an_old_one_too() {
    let said = turn("bob", &[(LineKind::Say, "hi"), (LineKind::Act, "")]);
    let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let mut stamped = Turn::new("bob", at);
    said.lines()
        .for_each(|(kind, text)| stamped.push(kind, text));
    let event = RoomEvent::Said {
        room: RoomId(0),
        member: MemberId(7),
        turn: Arc::new(stamped),
    };
    let names = RoomNames {
        room: "#a".into(),
        to: "".into(),
    };
    let mut args = Vec::new();
    assert!(encode((3, 1), &event, &names, at, &mut args));
    assert_eq!((&args[0][..], &args[1][..]), (&b"v"[..], VERSION));
    let later = at + Duration::from_secs(5);
    let Ok(Some(Entry::Event(RoomEvent::Said { turn, .. }, _))) = decode(&frames(&args), 4, later)
    else {
        panic!("read back");
    };
    assert_eq!(turn.at, at, "said when its sender said it");
    assert_eq!(
        turn.lines().collect::<Vec<_>>(),
        said.lines().collect::<Vec<_>>()
    );
    let earlier = at - Duration::from_secs(5);
    let Ok(Some(Entry::Event(RoomEvent::Said { turn, .. }, _))) =
        decode(&frames(&args), 4, earlier)
    else {
        panic!("read back");
    };
    assert_eq!(turn.at, earlier, "never ahead of the reader's clock");
    // A node of the release before reads the same entry by its old fields.
    let old: Vec<Bytes> = args[2..].to_vec();
    let Ok(Some(Entry::Event(RoomEvent::Said { turn, .. }, _))) = decode(&frames(&old), 4, at)
    else {
        panic!("read as version 1");
    };
    assert_eq!(
        turn.lines().collect::<Vec<_>>(),
        said.lines().collect::<Vec<_>>()
    );
}

#[test]
fn a_new_entry_whose_lines_do_not_match_is_refused() {
    let said = turn("bob", &[(LineKind::Say, "a"), (LineKind::Say, "b")]);
    let event = RoomEvent::Said {
        room: RoomId(0),
        member: MemberId(7),
        turn: said,
    };
    let mut args = Vec::new();
    assert!(encode((3, 1), &event, &RoomNames::default(), AT, &mut args));
    let kinds = args.iter().position(|a| &a[..] == b"kinds").unwrap() + 1;
    args[kinds] = Bytes::from_static(b"s");
    assert_eq!(
        decode(&frames(&args), 4, AT),
        Err("kinds and lines do not match")
    );
    args[kinds] = Bytes::from_static(b"sx");
    let text = args.iter().position(|a| &a[..] == b"text").unwrap() + 1;
    args[text] = Bytes::from_static(b"\x1b[2J\n\x07");
    assert_eq!(decode(&frames(&args), 4, AT), Err("no line to show"));
}
