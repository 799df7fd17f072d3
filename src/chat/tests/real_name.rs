//! Real names (IRC's SETNAME): who is told of a change, what other nodes
//! are sent and take, and what WHOWAS keeps.

use super::requests::join;
use super::*;
use crate::chat::{MAX_REAL_NAME, Watch, Watched};

/// Makes `local` change its real name to `text`, and returns who was told
/// a `Notice::RealName` (each local once per telling, sorted), the events
/// published, and the watchers told of it.
fn set_name(h: &mut Harness, local: Local, text: &str) -> (Vec<Local>, Vec<RoomEvent>) {
    h.chat.request(local, Request::SetName(text), &h.now);
    h.chat.end_turn(&h.now);
    told(h)
}

/// Who was told a real name's change in the core's output, and the events.
fn told(h: &mut Harness) -> (Vec<Local>, Vec<RoomEvent>) {
    let mut out = Output::default();
    h.chat.take_output(&mut out);
    let is_real_name = |m: &Message| matches!(m, Message::Notice(Notice::RealName { .. }));
    let mut to = Vec::new();
    for delivery in out.deliveries {
        match delivery {
            Delivery::To {
                to: one, message, ..
            } if is_real_name(&message) => to.push(one),
            Delivery::Room {
                room,
                except,
                message,
                ..
            } if is_real_name(&message) => {
                let readers = h.chat.locals(room).iter().copied();
                to.extend(readers.filter(|&l| Some(l) != except));
            }
            Delivery::Members {
                to: all, message, ..
            } if is_real_name(&message) => to.extend(all),
            _ => {}
        }
    }
    to.sort_unstable();
    (to, out.events)
}

#[test]
fn a_real_name_is_told_to_its_rooms_and_itself_each_once() {
    let mut h = Harness::plain();
    for (local, name) in [(1, "bar"), (2, "one"), (3, "both"), (4, "none")] {
        h.irc(local, name);
    }
    for (local, room) in [
        (1, "#a"),
        (1, "#b"),
        (2, "#a"),
        (3, "#a"),
        (3, "#b"),
        (4, "#c"),
    ] {
        join(&mut h, local, room);
    }
    let (to, events) = set_name(&mut h, 1, "Bar Baz");
    assert_eq!(to, [1, 2, 3], "itself, and each reader once");
    assert_eq!(
        events,
        [RoomEvent::RealName {
            member: h.chat.client(1).unwrap().member,
            text: "Bar Baz".into()
        }],
        "published for other nodes"
    );
    let (to, _) = set_name(&mut h, 4, "Alone");
    assert_eq!(to, [4], "in a room of its own: only itself");
}

#[test]
fn a_bad_real_name_is_dropped() {
    let mut h = Harness::plain();
    h.irc(1, "bar");
    let long = "x".repeat(MAX_REAL_NAME + 1);
    for bad in ["", &long, "a\u{7}b"] {
        assert_eq!(set_name(&mut h, 1, bad), (vec![], vec![]), "{bad:?}");
    }
    let longest = "x".repeat(MAX_REAL_NAME);
    assert_eq!(set_name(&mut h, 1, &longest).0, [1]);
}

#[test]
fn a_watcher_sharing_no_room_is_told_as_news() {
    let mut h = Harness::plain();
    h.irc(1, "apart");
    h.irc(2, "near");
    h.irc(3, "bar");
    for w in [1, 2] {
        h.request(w, Request::Watch(Watch::Add(vec!["bar"])));
    }
    join(&mut h, 2, "#x");
    join(&mut h, 3, "#x");
    let out = h.request(3, Request::SetName("New Name"));
    let news = |local| {
        let replies = out.replies(local).into_iter();
        let news = replies.filter(|r| matches!(r, Reply::Watched(Watched::RealName { .. })));
        news.cloned().collect::<Vec<_>>()
    };
    let told = Reply::Watched(Watched::RealName {
        name: "bar".into(),
        text: "New Name".into(),
    });
    assert_eq!(news(1), [told]);
    assert!(news(2).is_empty(), "told by the room instead");
    assert_eq!(out.text(2), "", "telnet words: none (not shown to telnet)");
}

#[test]
fn another_nodes_real_name_reaches_the_rooms_it_shares() {
    let mut h = Harness::plain();
    h.irc(1, "here");
    join(&mut h, 1, "#x");
    let bob = MemberId(7 << 48 | 5);
    let joined = RoomEvent::Joined {
        room: h.chat.room_named("#x").unwrap(),
        member: bob,
        name: "bob".into(),
        back: false,
    };
    assert!(h.chat.apply_remote(joined, &h.now));
    told(&mut h);
    let real = |text: &str| RoomEvent::RealName {
        member: bob,
        text: text.into(),
    };
    assert!(h.chat.apply_remote(real("Bob B"), &h.now));
    assert_eq!(told(&mut h).0, [1]);
    let long = "x".repeat(MAX_REAL_NAME + 1);
    assert!(
        !h.chat.apply_remote(real(&long), &h.now),
        "too long: not taken"
    );
    let stranger = RoomEvent::RealName {
        member: MemberId(7 << 48 | 9),
        text: "Who".into(),
    };
    assert!(!h.chat.apply_remote(stranger, &h.now), "unknown: not taken");
}

#[test]
fn whowas_keeps_the_new_real_name() {
    let mut h = Harness::plain();
    h.irc(1, "bar");
    h.chat.describe(1, "baruser", "Old Name");
    set_name(&mut h, 1, "New Name");
    h.request(1, Request::Nick("baz"));
    let was = h.chat.whowas("bar", 0);
    let described = was.first().and_then(|w| w.described.clone());
    assert_eq!(described, Some(("baruser".into(), "New Name".into())));
}
