//! Clients of requests (IRC) beside telnet users: logging in, several
//! rooms per member, what reaches whom once, the lists and away.

use super::*;

fn boxes(names: &[&str]) -> Vec<Box<str>> {
    names.iter().map(|&n| n.into()).collect()
}

fn join(h: &mut Harness, local: Local, room: &str) -> Taken {
    h.request(local, Request::Join(room))
}

fn say(h: &mut Harness, local: Local, room: &str, text: &str) -> Taken {
    let kind = LineKind::Say;
    h.request(local, Request::Say { room, kind, text })
}

#[test]
fn a_client_of_requests_logs_in_silently_into_no_room() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.open_as(2, Protocol::Requests);
    assert!(h.take().by_local.is_empty(), "no greeting, no prompt");
    let password = None;
    let out = h.request(
        2,
        Request::Login {
            name: "Alice",
            password,
        },
    );
    assert_eq!(
        out.replies(2),
        [&Reply::NameTaken {
            name: "Alice".into()
        }]
    );
    assert_eq!(
        out.text(2),
        "*** The name 'Alice' is taken\r\n",
        "no prompt"
    );
    let password = None;
    let out = h.request(
        2,
        Request::Login {
            name: "a b",
            password,
        },
    );
    assert!(matches!(out.replies(2)[..], [Reply::InvalidName { .. }]));
    let out = h.irc(3, "carol");
    assert_eq!(
        out.replies(3),
        [&Reply::LoggedIn {
            name: "carol".into()
        }]
    );
    assert_eq!(out.text(1), "", "nobody hears of a login into no room");
    assert_eq!(h.chat.rooms_of(3), Vec::<Box<str>>::new());
    assert_eq!((h.chat.known_users(), h.chat.members()), (2, 2));
    // The names are one namespace both ways.
    h.open(4);
    let out = h.line(4, "CAROL");
    assert!(out.text(4).starts_with("*** The name 'CAROL' is taken"));
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

fn say_req<'a>(room: &'a str, text: &'a str) -> Request<'a> {
    let kind = LineKind::Say;
    Request::Say { room, kind, text }
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
    assert_eq!(info.rooms, boxes(&["#lobby", "#x", "#y"]));
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
fn topics_names_lists_and_who() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    join(&mut h, 2, "#x");
    let text = Some("about x");
    let out = h.request(2, Request::Topic { room: "#x", text });
    assert_eq!(
        out.text(2),
        "*** a set the topic: about x\r\n",
        "the setter hears it too"
    );
    let out = h.request(
        2,
        Request::Topic {
            room: "#x",
            text: None,
        },
    );
    let topic = TopicInfo {
        text: "about x".into(),
        by: "a".into(),
        at: h.now.wall,
    };
    let is = Reply::TopicIs {
        room: "#x".into(),
        topic: Some(topic),
    };
    assert_eq!(out.replies(2), [&is]);
    let out = h.request(
        2,
        Request::Topic {
            room: "#lobby",
            text: Some(""),
        },
    );
    assert!(out.text(1).contains("cleared the topic"), "{}", out.text(1));
    let out = h.request(2, Request::Names("#LOBBY"));
    let names = Reply::Names {
        room: "#lobby".into(),
        names: vec!["a".into(), "tel".into()],
    };
    assert_eq!(out.replies(2), [&names]);
    let out = h.request(2, Request::List);
    let [Reply::List(rooms)] = &out.replies(2)[..] else {
        panic!();
    };
    let listed: Vec<_> = rooms.iter().map(|r| (&*r.name, r.members)).collect();
    assert_eq!(listed, [("#lobby", 2), ("#x", 1)]);
    let mut alone = Harness::plain();
    alone.irc(1, "solo");
    let out = alone.request(1, Request::List);
    assert_eq!(
        out.replies(1),
        [&Reply::List(Vec::new())],
        "an empty room is no channel"
    );
    assert_eq!(rooms[1].topic.as_deref(), Some("about x"));
    h.request(2, Request::Away(Some("lunch")));
    let out = h.request(2, Request::Who("#lobby"));
    let [Reply::Who { entries, .. }] = &out.replies(2)[..] else {
        panic!();
    };
    let who: Vec<_> = entries.iter().map(|e| (&*e.name, e.away)).collect();
    assert_eq!(who, [("a", true), ("tel", false)]);
    let out = h.request(2, Request::Who("TEL"));
    let [Reply::Who { entries, .. }] = &out.replies(2)[..] else {
        panic!();
    };
    assert_eq!(entries[0].room.as_deref(), Some("#lobby"));
    let out = h.request(2, Request::Whois("nobody"));
    assert_eq!(
        out.replies(2),
        [&Reply::NoSuchUser {
            name: "nobody".into()
        }]
    );
}

#[test]
fn away_is_shown_in_whois_to_senders_and_in_telnets_who() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    assert!(
        h.line(1, "/who")
            .text(1)
            .contains("a (idle 0s), tel (idle 0s)")
    );
    let out = h.request(2, Request::Away(Some("lunch")));
    assert_eq!(out.replies(2), [&Reply::Away { away: true }]);
    assert!(matches!(&out.events[..], [RoomEvent::Away { .. }]));
    assert_eq!(
        h.line(1, "/who").text(1),
        "*** 2 online: a (idle 0s, away), tel (idle 0s)\r\n"
    );
    let out = h.line(1, "/msg a hi");
    assert_eq!(out.text(1), "[pm -> a] hi\r\n*** a is away: lunch\r\n");
    let out = h.request(2, Request::Whois("tel"));
    let [Reply::Whois(info)] = &out.replies(2)[..] else {
        panic!();
    };
    assert_eq!((info.away.as_deref(), info.idle.is_some()), (None, true));
    let out = h.request(2, Request::Away(None));
    assert_eq!(out.replies(2), [&Reply::Away { away: false }]);
    assert!(h.line(1, "/who").text(1).contains("a (idle 0s), tel"));
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
fn a_remote_member_in_several_rooms_is_seen_in_each_and_leaves_once() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    let lobby = h.chat.room_named("#lobby").unwrap();
    let x = h.chat.room_named("#x").unwrap();
    h.irc(2, "a");
    join(&mut h, 2, "#x");
    join(&mut h, 2, "#lobby");
    let bob = MemberId(7 << 48 | 1);
    for room in [lobby, x] {
        let name = "bob".into();
        let joined = RoomEvent::Joined {
            room,
            member: bob,
            name,
        };
        assert!(h.chat.apply_remote(joined, &h.now));
    }
    let out = h.take();
    assert_eq!(out.text(2), "*** bob has joined\r\n*** bob has joined\r\n");
    let left = RoomEvent::Left {
        room: lobby,
        member: bob,
        name: "bob".into(),
        why: Farewell::Quit,
        reason: None,
    };
    assert!(h.chat.apply_remote(left, &h.now));
    let out = h.take();
    assert_eq!(out.text(2), "*** bob has left\r\n", "once");
    assert_eq!(out.text(1), "*** bob has left\r\n");
}

#[test]
fn a_registered_name_logs_in_with_its_password_and_no_prompt() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    h.open_as(1, Protocol::Requests);
    let alice = MemberId(h.next_id);
    let login = |password: Option<&str>| Request::Login {
        name: "alice",
        password: password.map(|p| Secret(p.into())),
    };
    let out = h.request(1, login(None));
    assert_eq!(out.reads, ["account alice Lookup"]);
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    let needed = Reply::PasswordNeeded {
        name: "alice".into(),
    };
    assert_eq!(out.replies(1), [&needed]);
    h.request(1, login(Some("wrong")));
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    assert_eq!(out.reads, ["account alice Verify(Secret(..))"]);
    assert!(h.chat.waiting(1), "the password is being checked");
    assert!(h.chat.answered(alice, Answer::Verified(false), &h.now));
    let out = h.take();
    assert_eq!(out.replies(1), [&Reply::WrongPassword]);
    assert!(out.by_local.iter().all(|(_, t)| !t.contains("Password:")));
    h.request(1, login(Some("right")));
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    h.take();
    assert!(h.chat.answered(alice, Answer::Verified(true), &h.now));
    let out = h.take();
    assert_eq!(
        out.replies(1),
        [&Reply::LoggedIn {
            name: "alice".into()
        }]
    );
    // Not registered: the password is not needed and not kept.
    h.open_as(2, Protocol::Requests);
    let bob = MemberId(h.next_id);
    let password = Some(Secret("x".into()));
    h.request(
        2,
        Request::Login {
            name: "bob",
            password,
        },
    );
    assert!(h.chat.answered(bob, Answer::Looked(false), &h.now));
    let out = h.take();
    assert_eq!(out.replies(2), [&Reply::LoggedIn { name: "bob".into() }]);
}

#[test]
fn a_password_in_the_clear_is_refused_when_passwords_need_tls() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    h.chat.passwords_need_tls(6697);
    h.open_as(1, Protocol::Requests);
    let alice = MemberId(h.next_id);
    let password = Some(Secret("pw".into()));
    h.request(
        1,
        Request::Login {
            name: "alice",
            password,
        },
    );
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    assert_eq!(out.replies(1), [&Reply::UseTls { port: 6697 }]);
    assert!(out.reads.is_empty(), "never sent to the worker");
}

#[test]
fn a_listing_shows_a_remote_member_in_each_of_its_rooms() {
    let mut h = Harness::plain();
    h.irc(1, "a");
    for room in ["#lobby", "#x", "#y"] {
        join(&mut h, 1, room);
    }
    let bob = MemberId(9 << 48 | 1);
    let listed = |room: &str, more: &[&str]| Presence {
        member: bob,
        room: room.into(),
        name: "bob".into(),
        more: boxes(more),
    };
    h.chat.reconcile(9, &[listed("#lobby", &["#x"])], &h.now);
    let out = h.take();
    assert_eq!(out.text(1), "*** bob has joined\r\n".repeat(2));
    h.chat.reconcile(9, &[listed("#y", &["#x"])], &h.now);
    let out = h.take();
    assert_eq!(out.text(1), "*** bob has left\r\n*** bob has joined\r\n");
    let whois = h.request(1, Request::Whois("bob"));
    let [Reply::Whois(info)] = &whois.replies(1)[..] else {
        panic!();
    };
    let mut rooms = info.rooms.clone();
    rooms.sort();
    assert_eq!((rooms, info.idle), (boxes(&["#x", "#y"]), None));
    h.chat.reconcile(9, &[], &h.now);
    assert_eq!(
        h.take().text(1),
        "*** bob has left\r\n",
        "once, from two rooms"
    );
    assert_eq!(h.chat.rooms(), 3, "#lobby, #x, #y stay for a; none more");
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
    assert_eq!(later, Some(h.now.instant + Duration::from_secs(40)));
    h.irc(3, "roomless");
    let later = h.chat.idle_check(3, &h.now);
    assert_eq!(
        later,
        Some(h.now.instant + Duration::from_secs(60)),
        "looked at again"
    );
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
fn going_away_is_told_to_the_rooms_for_away_notify_and_shown_to_no_telnet_user() {
    let mut h = Harness::plain();
    h.login(1, "tel");
    h.irc(2, "a");
    join(&mut h, 2, "#lobby");
    let mut out = Output::default();
    let away = Request::Away(Some("lunch"));
    h.chat.handle(
        Input::Request {
            local: 2,
            request: away,
        },
        &h.now,
        &mut out,
    );
    let told = Message::Notice(Notice::Away {
        name: "a".into(),
        text: Some("lunch".into()),
    });
    let room = h.chat.room_named("#lobby").unwrap();
    assert!(
        out.deliveries.iter().any(|d| matches!(d,
            Delivery::Room { room: r, except: Some(2), message, .. } if *r == room && *message == told)),
        "{:?}",
        out.deliveries
    );
    let telnet = Dialects::new(false);
    assert!(
        telnet
            .get(Kind::Telnet)
            .render(&told, h.now.wall)
            .is_empty()
    );
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

#[test]
fn a_login_is_told_once_whatever_the_protocol_and_a_join_is_no_login() {
    let mut h = Harness::plain();
    assert_eq!(h.login(1, "tel").logged_in, [1]);
    assert_eq!(h.irc(2, "a").logged_in, [2]);
    assert_eq!(
        join(&mut h, 2, "#x").logged_in,
        [0; 0],
        "a join is no login"
    );
    assert_eq!(h.line(1, "/join #x").logged_in, [0; 0]);
}

#[test]
fn an_irc_user_in_no_room_is_known_to_the_other_nodes() {
    let mut h = Harness::plain();
    let out = h.irc(1, "a");
    let online = RoomEvent::Online {
        member: MemberId(h.next_id),
        name: "a".into(),
    };
    assert_eq!(out.events, [online], "published");
    h.login(2, "tel");
    let bob = MemberId(9 << 48 | 1);
    let name = "bob".into();
    assert!(
        h.chat
            .apply_remote(RoomEvent::Online { member: bob, name }, &h.now)
    );
    let out = h.line(2, "/msg BOB hi");
    assert_eq!(out.text(2), "[pm -> bob] hi\r\n");
    assert!(matches!(&out.events[..], [RoomEvent::Private { to, .. }] if *to == bob));
    assert!(h.line(2, "/nick bob").text(2).contains("is taken"));
    let name = "bob".into();
    let again = RoomEvent::Online { member: bob, name };
    assert!(!h.chat.apply_remote(again, &h.now), "known already");
    // Listed in no room: still known; gone from the listing: forgotten.
    let listed = Presence {
        member: bob,
        room: "".into(),
        name: "bob".into(),
        more: Vec::new(),
    };
    h.chat.reconcile(9, &[listed], &h.now);
    assert_eq!(h.chat.known_users(), 3);
    h.chat.reconcile(9, &[], &h.now);
    assert_eq!(h.chat.known_users(), 2);
    assert!(h.line(2, "/msg bob x").text(2).contains("No such user"));
}
