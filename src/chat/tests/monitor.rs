//! Watch lists (IRC's MONITOR): answers, and the news of watched names
//! coming and going, from telnet users, clients of requests and members
//! of other nodes alike.

use super::requests::boxes;
use super::*;
use crate::chat::{MAX_WATCHED, Watch, Watched};

fn watch(h: &mut Harness, local: Local, watch: Watch<'_>) -> Taken {
    h.request(local, Request::Watch(watch))
}

/// What `local` was told of its watch list.
fn watched(out: &Taken, local: Local) -> Vec<Watched> {
    let replies = out.replies(local).into_iter();
    replies
        .filter_map(|r| match r {
            Reply::Watched(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn online(names: &[&str]) -> Watched {
    Watched::Online(boxes(names))
}

fn offline(names: &[&str]) -> Watched {
    Watched::Offline(boxes(names))
}

#[test]
fn adding_names_tells_who_is_online_and_who_is_not() {
    let mut h = Harness::plain();
    h.login(1, "Bob");
    h.irc(2, "w");
    let out = watch(&mut h, 2, Watch::Add(vec!["bob", "carol", "*!u@h", "bob"]));
    assert_eq!(
        watched(&out, 2),
        [online(&["Bob"]), offline(&["carol"])],
        "Bob as he spells it; a mask is no name and skipped; once each"
    );
    let out = watch(&mut h, 2, Watch::List);
    assert_eq!(watched(&out, 2), [Watched::List(boxes(&["bob", "carol"]))]);
    let out = watch(&mut h, 2, Watch::Status);
    assert_eq!(watched(&out, 2), [online(&["Bob"]), offline(&["carol"])]);
    let out = watch(&mut h, 2, Watch::Remove(vec!["CAROL"]));
    assert!(out.by_local.is_empty(), "removing is not answered");
    let out = watch(&mut h, 2, Watch::Clear);
    assert!(out.by_local.is_empty(), "clearing is not answered");
    let out = watch(&mut h, 2, Watch::List);
    assert_eq!(watched(&out, 2), [Watched::List(Vec::new())]);
}

#[test]
fn a_telnet_user_logging_in_renaming_and_leaving_is_news_to_watchers() {
    let mut h = Harness::plain();
    h.irc(1, "w");
    h.irc(2, "other");
    watch(&mut h, 1, Watch::Add(vec!["bob", "robert"]));
    let out = h.login(3, "BOB");
    assert_eq!(watched(&out, 1), [online(&["BOB"])]);
    assert!(watched(&out, 2).is_empty(), "only to watchers");
    let out = h.line(3, "/nick bob");
    assert!(watched(&out, 1).is_empty(), "a change of case is no news");
    let out = h.line(3, "/nick robert");
    assert_eq!(watched(&out, 1), [offline(&["bob"]), online(&["robert"])]);
    h.close(3, Farewell::Quit);
    assert_eq!(watched(&h.take(), 1), [offline(&["robert"])]);
}

#[test]
fn a_client_of_requests_in_no_room_is_online_too() {
    let mut h = Harness::plain();
    h.irc(1, "w");
    watch(&mut h, 1, Watch::Add(vec!["qux"]));
    let out = h.irc(2, "baz");
    assert!(watched(&out, 1).is_empty());
    let out = h.request(2, Request::Nick("qux"));
    assert_eq!(watched(&out, 1), [online(&["qux"])]);
    let out = h.request(
        2,
        Request::Join {
            room: "#x",
            key: None,
        },
    );
    assert!(watched(&out, 1).is_empty(), "a join is not a login");
    let out = h.request(2, Request::Nick("QUX"));
    assert!(watched(&out, 1).is_empty());
    let out = h.request(2, Request::Nick("bazbat"));
    assert_eq!(watched(&out, 1), [offline(&["QUX"])]);
}

#[test]
fn a_closed_watcher_is_forgotten() {
    let mut h = Harness::plain();
    h.irc(1, "w");
    watch(&mut h, 1, Watch::Add(vec!["bob"]));
    h.close(1, Farewell::Quit);
    h.take();
    h.irc(1, "w2");
    let out = h.login(2, "bob");
    assert!(
        watched(&out, 1).is_empty(),
        "a new connection at the same handle"
    );
    let out = watch(&mut h, 1, Watch::List);
    assert_eq!(watched(&out, 1), [Watched::List(Vec::new())]);
}

#[test]
fn a_full_list_refuses_the_names_that_do_not_fit() {
    let mut h = Harness::plain();
    h.irc(1, "w");
    let names: Vec<String> = (0..MAX_WATCHED + 2).map(|i| format!("n{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let out = watch(&mut h, 1, Watch::Add(names.clone()));
    let told = watched(&out, 1);
    assert_eq!(told.len(), 2, "{told:?}");
    assert_eq!(told[0], offline(&names[..MAX_WATCHED]));
    let full = Watched::Full {
        max: MAX_WATCHED,
        names: boxes(&names[MAX_WATCHED..]),
    };
    assert_eq!(told[1], full);
}

#[test]
fn members_of_other_nodes_coming_and_going_are_news_too() {
    let mut h = Harness::plain();
    h.irc(1, "w");
    watch(&mut h, 1, Watch::Add(vec!["bob"]));
    let bob = MemberId(7 << 48 | 1);
    let name = "Bob".into();
    assert!(
        h.chat
            .apply_remote(RoomEvent::Online { member: bob, name }, &h.now)
    );
    assert_eq!(watched(&h.take(), 1), [online(&["Bob"])]);
    let left = RoomEvent::Left {
        room: NO_ROOM,
        member: bob,
        name: "Bob".into(),
        why: Farewell::Quit,
        reason: None,
    };
    assert!(h.chat.apply_remote(left, &h.now));
    assert_eq!(watched(&h.take(), 1), [offline(&["Bob"])]);
}

#[test]
fn away_is_news_to_watchers_who_share_no_room() {
    let mut h = Harness::plain();
    h.irc(1, "apart");
    h.irc(2, "near");
    h.irc(3, "bar");
    for w in [1, 2] {
        watch(&mut h, w, Watch::Add(vec!["bar", "apart"]));
    }
    h.request(
        2,
        Request::Join {
            room: "#x",
            key: None,
        },
    );
    h.request(
        3,
        Request::Join {
            room: "#x",
            key: None,
        },
    );
    let out = h.request(3, Request::Away(Some("afk")));
    let away = |text: Option<&str>| Watched::Away {
        name: "bar".into(),
        text: text.map(Into::into),
    };
    assert_eq!(watched(&out, 1), [away(Some("afk"))]);
    assert!(watched(&out, 2).is_empty(), "told by the room instead");
    let out = h.request(3, Request::Away(None));
    assert_eq!(watched(&out, 1), [away(None)]);
    let out = h.request(1, Request::Away(Some("me")));
    assert!(watched(&out, 1).is_empty(), "not of oneself");
    assert_eq!(watched(&out, 2).len(), 1);
}
