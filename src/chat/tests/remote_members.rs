//! Members of other nodes in several rooms, or in none: remote events
//! and listings.

use super::requests::{boxes, join};
use super::*;

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
            back: false,
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
