//! Rooms: moving between them, listing, topics, history, lifecycle.

use super::*;
use std::time::Duration;

#[test]
fn join_moves_between_rooms_and_names_them() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    let moved = h.line(1, "/join #Rust");
    assert_eq!(moved.text(2), "*** alice has left for #rust\r\n");
    assert_eq!(
        moved.text(1),
        "*** Welcome, alice! #rust: 1 online: alice\r\n"
    );
    assert!(matches!(&moved.events[..], [RoomEvent::Moved { .. }]));
    assert_eq!(
        h.line(1, "/join RUST").text(1),
        "*** You are already in #rust\r\n"
    );
    let back = h.line(2, "/join rust");
    assert_eq!(back.text(1), "*** bob has joined\r\n");
    assert_eq!(
        back.text(2),
        "*** Welcome, bob! #rust: 2 online: alice, bob\r\n"
    );
    assert_eq!(
        h.line(1, "/join #no.way").text(1),
        "*** Invalid room name: use only a-z, 0-9, _ and -\r\n"
    );
    assert_eq!(
        h.line(1, "/join #").text(1),
        "*** Invalid room name: use # and 1 to 32 characters\r\n"
    );
    assert_eq!(
        h.line(1, "/join").text(1),
        "*** Usage: /join ROOM [KEY]\r\n"
    );
}

#[test]
fn rooms_are_isolated_but_private_messages_cross() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.login(3, "carol");
    h.line(1, "/join #a");
    h.line(2, "/join #a");
    h.take();
    let said = h.line(1, "only for a");
    assert_eq!(said.text(2), "alice: only for a\r\n");
    assert_eq!(said.text(3), "", "carol is in #lobby");
    assert_eq!(
        h.line(3, "/who").text(3),
        "*** 1 online: carol (idle 0s)\r\n"
    );
    let pm = h.line(3, "/msg alice hello from the lobby");
    assert_eq!(pm.text(1), "[pm] carol: hello from the lobby\r\n");
    assert_eq!(
        h.line(3, "/nick ALICE").text(3),
        "*** The name 'ALICE' is taken\r\n"
    );
}

#[test]
fn rooms_are_listed_busiest_first_and_go_when_empty() {
    let mut h = Harness::plain();
    h.login(1, "a");
    h.login(2, "b");
    h.login(3, "c");
    h.line(1, "/join x");
    h.line(2, "/join x");
    h.line(3, "/join y");
    assert_eq!(
        h.line(1, "/rooms").text(1),
        "*** 3 rooms: #x (2), #y (1), #lobby (0)\r\n"
    );
    h.line(3, "/join lobby");
    assert_eq!(h.chat.rooms(), 2, "#y went when c left it");
    h.line(3, "/join z");
    h.line(3, "/topic stays");
    h.line(3, "/join lobby");
    assert_eq!(
        h.line(1, "/rooms").text(1),
        "*** 2 rooms: #x (2), #lobby (1)\r\n",
        "an empty room is not listed, even with a topic"
    );
    assert_eq!(
        h.line(3, "/join z").text(3),
        "*** Welcome, c! #z: 1 online: c\r\n*** Topic: stays\r\n",
        "its topic was kept"
    );
}

#[test]
fn too_many_rooms() {
    let mut h = Harness::new(Config {
        max_rooms: 2,
        ..Config::default()
    });
    h.login(1, "a");
    h.line(1, "/join one");
    h.login(2, "b");
    assert_eq!(
        h.line(2, "/join two").text(2),
        "*** Too many rooms (max 2); join one that exists, see /rooms\r\n"
    );
    assert_eq!(
        h.line(2, "/join one").text(2),
        "*** Welcome, b! #one: 2 online: a, b\r\n"
    );
}

#[test]
fn topics_are_shown_set_and_cleared() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    assert_eq!(
        h.line(1, "/topic").text(1),
        "*** #lobby has no topic; set one with /topic TEXT\r\n"
    );
    let set = h.line(1, "/topic Rust and more");
    assert_eq!(set.text(1), "*** alice set the topic: Rust and more\r\n");
    assert_eq!(set.text(2), "*** alice set the topic: Rust and more\r\n");
    assert_eq!(
        h.line(2, "/topic").text(2),
        "*** Topic of #lobby: Rust and more\r\n"
    );
    h.line(2, "/join side");
    assert_eq!(
        h.line(2, "/join lobby").text(2),
        "*** Welcome, bob! #lobby: 2 online: alice, bob\r\n*** Topic: Rust and more\r\n"
    );
    let long = "t".repeat(201);
    assert_eq!(
        h.line(1, &format!("/topic {long}")).text(1),
        "*** Topic too long (max 200 bytes), not set\r\n"
    );
    assert_eq!(
        h.line(1, "/topic -").text(2),
        "*** alice cleared the topic\r\n"
    );
}

#[test]
fn history_is_the_requesters_alone_in_order_and_bounded() {
    let mut h = Harness::new(Config {
        history: 3,
        ..Config::default()
    });
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    assert_eq!(
        h.line(2, "/history").text(2),
        "*** No history in #lobby\r\n"
    );
    h.chat.line(1, "one", &h.now);
    h.chat.line(1, "/me two", &h.now);
    h.chat.end_turn(&h.now);
    h.now.wall += Duration::from_secs(1);
    h.line(1, "three");
    h.line(1, "four");
    let shown = h.line(2, "/history");
    assert_eq!(
        shown.text(2),
        "*** Last 3 lines of #lobby:\r\n[01:02:03] * alice two\r\n[01:02:04] alice: three\r\n[01:02:04] alice: four\r\n"
    );
    assert_eq!(shown.text(1), "", "only the requester sees it");
    assert_eq!(
        h.line(2, "/history 1").text(2),
        "*** Last 1 line of #lobby:\r\n[01:02:04] alice: four\r\n"
    );
    for bad in ["0", "4", "x", "-1"] {
        assert_eq!(
            h.line(2, &format!("/history {bad}")).text(2),
            "*** Usage: /history [N], N from 1 to 3\r\n"
        );
    }
    h.line(2, "/join other");
    assert_eq!(
        h.line(2, "/history").text(2),
        "*** No history in #other\r\n"
    );
    let mut off = Harness::new(Config {
        history: 0,
        ..Config::default()
    });
    off.login(1, "a");
    assert_eq!(
        off.line(1, "/history").text(1),
        "*** History is off on this server\r\n"
    );
}

#[test]
fn a_default_room_of_your_choice() {
    let mut h = Harness::new(Config {
        default_room: "#welcome".into(),
        ..Config::default()
    });
    h.open(1);
    assert_eq!(
        super::without_code(&h.line(1, "a").text(1)),
        "*** Welcome, a! #welcome: 1 online: a\r\n"
    );
}
