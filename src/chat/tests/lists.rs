//! What clients of requests (IRC) ask about rooms and users (topics,
//! NAMES, LIST, WHO, WHOIS) and being away, beside telnet users.

use super::requests::join;
use super::*;

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
        secret: false,
    };
    assert_eq!(out.replies(2), [&names]);
    let out = h.request(2, Request::List(""));
    let [Reply::List(rooms)] = &out.replies(2)[..] else {
        panic!();
    };
    let listed: Vec<_> = rooms.iter().map(|r| (&*r.name, r.members)).collect();
    assert_eq!(listed, [("#lobby", 2), ("#x", 1)]);
    let mut alone = Harness::plain();
    alone.irc(1, "solo");
    let out = alone.request(1, Request::List(""));
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
    // A mask matches any user's name, any case, sorted.
    let out = h.request(2, Request::Who("*"));
    let [Reply::Who { entries, .. }] = &out.replies(2)[..] else {
        panic!();
    };
    let who: Vec<_> = entries.iter().map(|e| (&*e.name, e.away)).collect();
    assert_eq!(who, [("a", true), ("tel", false)]);
    let out = h.request(2, Request::Who("T?L*"));
    let [Reply::Who { entries, .. }] = &out.replies(2)[..] else {
        panic!();
    };
    let who: Vec<_> = entries.iter().map(|e| &*e.name).collect();
    assert_eq!(who, ["tel"]);
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
fn a_member_away_who_joins_is_told_away_to_the_room() {
    let mut h = Harness::plain();
    h.irc(1, "a");
    join(&mut h, 1, "#x");
    h.irc(2, "b");
    h.request(2, Request::Away(Some("out")));
    let mut out = Output::default();
    let joining = Input::Request {
        local: 2,
        request: Request::Join {
            room: "#x",
            key: None,
        },
    };
    h.chat.handle(joining, &h.now, &mut out);
    let away = Message::Notice(Notice::Away {
        name: "b".into(),
        text: Some("out".into()),
    });
    let told = out.deliveries.iter().position(
        |d| matches!(d, Delivery::Room { except: Some(2), message, .. } if *message == away),
    );
    let joined = out.deliveries.iter().position(|d| {
        matches!(
            d,
            Delivery::Room {
                message: Message::Notice(Notice::Joined { .. }),
                ..
            }
        )
    });
    assert!(
        told.is_some() && joined < told,
        "after the join: {:?}",
        out.deliveries
    );
}
