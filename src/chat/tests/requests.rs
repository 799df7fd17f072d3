//! Clients of requests (IRC) beside telnet users: several rooms per
//! member, what reaches whom once, parts, echo, CTCP, budgets. Logins are
//! in `logins.rs`, the lists and away in `lists.rs`, members of other
//! nodes in `remote_members.rs`.

use super::*;

pub(super) fn boxes(names: &[&str]) -> Vec<Box<str>> {
    names.iter().map(|&n| n.into()).collect()
}

pub(super) fn join(h: &mut Harness, local: Local, room: &str) -> Taken {
    h.request(local, Request::Join { room, key: None })
}

pub(super) fn say(h: &mut Harness, local: Local, room: &str, text: &str) -> Taken {
    let kind = LineKind::Say;
    h.request(local, Request::Say { room, kind, text })
}

#[test]
fn a_member_joins_several_rooms_and_speaks_in_each() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.line(2, "/join #rust");
    h.irc(3, "carol");
    let out = join(&mut h, 3, "#Lobby");
    let names: Vec<Box<str>> = vec!["alice".into(), "carol".into()];
    let entered = Reply::Entered {
        room: "#lobby".into(),
        topic: None,
        names,
        secret: false,
    };
    assert_eq!(out.replies(3), [&entered]);
    assert_eq!(out.text(1), "*** carol has joined\r\n");
    let out = join(&mut h, 3, "#rust");
    assert_eq!(
        (out.text(1), out.text(2)),
        ("".into(), "*** carol has joined\r\n".into())
    );
    assert!(
        join(&mut h, 3, "#rust").by_local.is_empty(),
        "in it already"
    );
    assert_eq!(h.chat.rooms_of(3), boxes(&["#lobby", "#rust"]));
    let out = say(&mut h, 3, "#rust", "hi rust");
    assert_eq!(
        (out.text(1), out.text(2)),
        ("".into(), "carol: hi rust\r\n".into())
    );
    assert_eq!(out.text(3), "", "no echo without echo on");
    let out = say(&mut h, 3, "#LOBBY", "hi lobby");
    assert_eq!(
        (out.text(1), out.text(2)),
        ("carol: hi lobby\r\n".into(), "".into())
    );
    // Lines to two rooms in one turn are two events, in order.
    h.chat.request(3, say_req("#rust", "one"), &h.now);
    h.chat.request(3, say_req("#lobby", "two"), &h.now);
    h.chat.request(3, say_req("#lobby", "three"), &h.now);
    h.chat.end_turn(&h.now);
    let out = h.take();
    assert_eq!(out.text(2), "carol: one\r\n");
    assert_eq!(out.text(1), "carol: two\r\ncarol: three\r\n");
    assert_eq!(out.events.len(), 2, "one Said per room");
    // Telnet's bob answers in his one room, as ever.
    assert_eq!(h.line(2, "hey").text(3), "bob: hey\r\n");
    let out = say(&mut h, 3, "#nowhere", "x");
    assert_eq!(
        out.replies(3),
        [&Reply::NoSuchRoom {
            room: "#nowhere".into()
        }]
    );
    h.line(2, "/join #other");
    let out = say(&mut h, 2 + 1, "#other", "x");
    assert_eq!(
        out.replies(3),
        [&Reply::CannotSend {
            room: "#other".into()
        }]
    );
}

#[test]
fn a_rename_and_a_quit_reach_each_reader_once() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    for (local, name) in [(2, "a"), (3, "b")] {
        h.irc(local, name);
        join(&mut h, local, "#lobby");
        join(&mut h, local, "#x");
        join(&mut h, local, "#y");
    }
    let out = h.request(2, Request::Nick("A2"));
    let renamed = "*** a is now known as A2\r\n";
    assert_eq!(out.text(3), renamed, "once, though in three rooms with a");
    assert_eq!(out.text(1), renamed);
    let now_known = Reply::NowKnownAs {
        old: "a".into(),
        name: "A2".into(),
    };
    assert_eq!(out.replies(2), [&now_known]);
    assert!(
        !out.text(2).contains("now known as A2\r\n*** a"),
        "{}",
        out.text(2)
    );
    let out = h.request(3, Request::Whois("a2"));
    let [Reply::Whois(info)] = &out.replies(3)[..] else {
        panic!("{:?}", out.replies(3));
    };
    assert_eq!(&*info.name, "A2");
    // bob made #x and #y: their first operator.
    assert_eq!(info.rooms, boxes(&["#lobby", "@#x", "@#y"]));
    let out = h.request(2, Request::Quit(Some("bye")));
    assert_eq!(out.closed, [(2, Farewell::Quit)]);
    h.close(2, Farewell::Quit);
    let out = h.take();
    assert_eq!(out.text(3), "*** A2 has left\r\n", "once");
    let b_rooms: Vec<Box<str>> = h.chat.rooms_of(3);
    assert_eq!(b_rooms.len(), 3);
    assert_eq!(h.chat.rooms(), 3, "b keeps #x and #y");
}

#[test]
fn a_quit_from_several_rooms_is_one_line_for_each_reader() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    for (local, name) in [(2, "a"), (3, "b")] {
        h.irc(local, name);
        join(&mut h, local, "#lobby");
        join(&mut h, local, "#x");
    }
    let mut out = Output::default();
    h.request(2, Request::Quit(Some("off")));
    let why = Farewell::Quit;
    h.chat
        .handle(Input::Closed { local: 2, why }, &h.now, &mut out);
    let readers: Vec<_> = out
        .deliveries
        .iter()
        .filter_map(|d| match d {
            Delivery::Members { to, message, .. } => Some((to.clone(), message.clone())),
            _ => None,
        })
        .collect();
    let left = Message::Notice(Notice::Left {
        name: "a".into(),
        to: None,
        reason: Some("off".into()),
    });
    assert_eq!(readers, [(vec![1, 3], left)], "{:?}", out.deliveries);
    assert!(
        matches!(&out.events[..], [RoomEvent::Left { .. }]),
        "one event"
    );
}

#[test]
fn parting_leaves_one_room_and_stays_online() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    let reason = Some("later");
    let out = h.request(
        2,
        Request::Part {
            room: "#lobby",
            reason,
        },
    );
    assert_eq!(out.text(1), "*** a has left\r\n");
    let parted = Reply::Parted {
        room: "#lobby".into(),
        reason: Some("later".into()),
    };
    assert_eq!(out.replies(2), [&parted]);
    assert!(matches!(&out.events[..], [RoomEvent::Parted { .. }]));
    let out = h.request(
        2,
        Request::Part {
            room: "#lobby",
            reason: None,
        },
    );
    assert_eq!(
        out.replies(2),
        [&Reply::NotInRoom {
            room: "#lobby".into()
        }]
    );
    // Online in no room: reachable by name, and its name is still its own.
    let out = h.line(1, "/msg a psst");
    assert_eq!(out.text(2), "[pm] tel: psst\r\n");
    assert!(h.line(1, "/nick A").text(1).contains("is taken"));
    let out = h.request(2, Request::Nick("a2"));
    assert_eq!(out.text(1), "", "nobody shares a room with it");
    assert!(matches!(out.replies(2)[..], [Reply::NowKnownAs { .. }]));
    h.close(2, Farewell::Quit);
    assert!(h.line(1, "/nick a2").text(1).contains("now known as a2"));
}

#[test]
fn echo_shows_a_sender_its_own_lines() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    let kind = LineKind::Act;
    let private = |text| Request::Private {
        tags: "",
        to: "tel",
        kind,
        text,
    };
    let out = h.request(2, private("waves"));
    assert_eq!(out.text(1), "[pm] * a waves\r\n");
    assert_eq!(out.text(2), "", "no echo");
    h.chat.handle(
        Input::Echo { local: 2, on: true },
        &h.now,
        &mut Output::default(),
    );
    let out = say(&mut h, 2, "#lobby", "hi");
    assert_eq!(
        (out.text(1), out.text(2)),
        ("a: hi\r\n".into(), "a: hi\r\n".into())
    );
    let out = h.request(2, private("again"));
    assert_eq!(out.text(2), "[pm -> tel] * a again\r\n");
    // Telnet never sees its own room lines, and always its privates.
    assert_eq!(h.line(1, "yo").text(1), "");
    assert_eq!(h.line(1, "/msg a x").text(1), "[pm -> a] x\r\n");
}

#[test]
fn a_member_is_in_at_most_max_rooms_per_user() {
    let mut h = Harness::new(Config {
        max_rooms_per_user: 2,
        ..Config::default()
    });
    h.irc(1, "a");
    join(&mut h, 1, "#a");
    join(&mut h, 1, "#b");
    let out = join(&mut h, 1, "#c");
    let refused = Reply::TooManyRoomsJoined {
        room: "#c".into(),
        max: 2,
    };
    assert_eq!(out.replies(1), [&refused]);
    assert_eq!(h.chat.rooms(), 3, "#lobby, #a, #b");
}

#[test]
fn a_member_in_several_rooms_is_idle_only_if_idle_in_all() {
    let mut h = Harness::new(Config {
        idle_timeout: Some(Duration::from_secs(60)),
        ..Config::default()
    });
    h.irc(1, "a");
    join(&mut h, 1, "#lobby");
    join(&mut h, 1, "#x");
    h.now.instant += Duration::from_secs(50);
    say(&mut h, 1, "#x", "still here");
    h.now.instant += Duration::from_secs(20);
    let later = h.chat.idle_check(1, &h.now);
    assert_within_a_tenth(later, h.now.instant + Duration::from_secs(40));
    h.irc(3, "roomless");
    let later = h.chat.idle_check(3, &h.now);
    assert_within_a_tenth(later, h.now.instant + Duration::from_secs(60));
    // Shut down at the login prompt: no prompt was shown, so no line end.
    h.open_as(2, Protocol::Requests);
    h.chat.shutdown(&h.now);
    let out = h.take();
    assert!(out.text(2).starts_with("*** "), "{:?}", out.text(2));
}

#[test]
fn ctcp_is_for_irc_users_only_and_not_history() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    say(&mut h, 2, "#lobby", "one");
    let kind = LineKind::Ctcp;
    let out = h.request(
        2,
        Request::Say {
            room: "#lobby",
            kind,
            text: "VERSION",
        },
    );
    assert_eq!(out.text(1), "", "telnet shows no CTCP");
    assert_eq!(out.events.len(), 1, "it crosses to other nodes' IRC users");
    let private = Request::Private {
        tags: "",
        to: "tel",
        kind,
        text: "PING 1",
    };
    assert_eq!(h.request(2, private).text(1), "");
    let out = h.line(1, "/history 5");
    assert!(
        out.text(1).starts_with("*** Last 1 line of #lobby:"),
        "{}",
        out.text(1)
    );
    assert!(out.text(1).ends_with(" a: one\r\n"), "{}", out.text(1));
}

#[test]
fn an_irc_client_joins_its_channels_at_once_then_spends_room_moves() {
    let mut h = Harness::new(Config {
        max_rooms_per_user: 8,
        ..Config::default()
    });
    h.irc(1, "a");
    for n in 0..8 {
        let out = join(&mut h, 1, &format!("#r{n}"));
        assert!(
            matches!(out.replies(1)[..], [Reply::Entered { .. }]),
            "join {n}"
        );
    }
    for n in 0..8 {
        let (room, reason) = (format!("#r{n}"), None);
        h.request(
            1,
            Request::Part {
                room: &room,
                reason,
            },
        );
    }
    // Now joins are moves: 5 at once, as telnet's /join.
    let refused = (0..8).filter(|n| {
        let out = join(&mut h, 1, &format!("#s{n}"));
        matches!(out.replies(1)[..], [Reply::TooManyRoomChanges { .. }])
    });
    assert_eq!(refused.count(), 3);
}

fn say_req<'a>(room: &'a str, text: &'a str) -> Request<'a> {
    let kind = LineKind::Say;
    Request::Say { room, kind, text }
}

#[test]
fn a_notice_is_never_answered_and_a_nick_to_ones_own_is_ignored() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    let kind = LineKind::Notice;
    let to_room = Request::Say {
        room: "#nowhere",
        kind,
        text: "x",
    };
    assert!(
        h.request(2, to_room).replies(2).is_empty(),
        "no 403 for a NOTICE"
    );
    let to_nick = Request::Private {
        tags: "",
        to: "nobody",
        kind,
        text: "x",
    };
    assert!(
        h.request(2, to_nick).replies(2).is_empty(),
        "no 401 for a NOTICE"
    );
    let to_self = Request::Private {
        tags: "",
        to: "A",
        kind,
        text: "x",
    };
    let out = h.request(2, to_self);
    assert!(out.by_local.is_empty(), "nothing for one to oneself");
    h.request(1 + 1, Request::Away(Some("out")));
    h.irc(3, "b");
    let to_away = Request::Private {
        tags: "",
        to: "a",
        kind,
        text: "x",
    };
    assert!(
        h.request(3, to_away).replies(3).is_empty(),
        "no 301 for a NOTICE"
    );
    let kind = LineKind::Say;
    let said = Request::Say {
        room: "#nowhere",
        kind,
        text: "x",
    };
    let refused = Reply::NoSuchRoom {
        room: "#nowhere".into(),
    };
    assert_eq!(h.request(2, said).replies(2), [&refused]);
    assert!(
        h.request(2, Request::Nick("a")).by_local.is_empty(),
        "IRC says nothing"
    );
    assert!(
        h.line(1, "/nick tel")
            .text(1)
            .contains("You are already tel")
    );
}
