//! Owned rooms in the core: registering after the name is vetted,
//! operators who must be registered names, ranks given back by name, a
//! room kept when empty, saved after each change, dropped by its owner
//! only, and loaded from the store.

use super::*;
use crate::chat::owned::{Owned, OwnedRoom, Purpose, RoomsDone};

/// Logs `name` in at `local` on a core with accounts: the name is not
/// registered (the check is a guest's; owned rooms vet names themselves).
fn login(h: &mut Harness, local: Local, name: &str) -> MemberId {
    h.open(local);
    h.line(local, name);
    let member = MemberId(h.next_id);
    assert!(h.chat.answered(member, Answer::Looked(false), &h.now));
    h.take();
    member
}

/// The worker says whether `name` is registered, for `member` in #den.
fn vetted(h: &mut Harness, member: MemberId, name: &str, purpose: Purpose, ok: bool) -> Taken {
    let done = RoomsDone::Checked {
        member,
        room: "#den".into(),
        name: name.into(),
        purpose,
        registered: Some(ok),
    };
    h.chat.rooms_done(done, &h.now);
    h.take()
}

fn saved(taken: &Taken) -> bool {
    taken.reads.iter().any(|r| r.starts_with("rooms Save("))
}

#[test]
fn a_room_is_owned_kept_when_empty_and_dropped_by_its_owner() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    let alice = login(&mut h, 1, "alice");
    let bob = login(&mut h, 2, "bob");
    login(&mut h, 3, "carol");
    for local in [1, 2, 3] {
        h.line(local, "/join #den");
    }
    let asked = h.line(1, "/room register");
    assert!(
        asked.reads[0].contains("purpose: Owner"),
        "{:?}",
        asked.reads
    );
    let registered = vetted(&mut h, alice, "alice", Purpose::Owner, true);
    assert_eq!(
        registered.text(2),
        "*** alice registered the room to alice\r\n"
    );
    assert!(saved(&registered));
    let asked = h.line(1, "/op carol");
    assert_eq!(asked.text(3), "", "nobody hears of it before the check");
    h.line(2, "/join #lobby");
    let left = vetted(&mut h, bob, "bob", Purpose::Owner, true);
    assert_eq!(
        left.text(2),
        "*** You are not in #den\r\n",
        "bob left before the answer"
    );
    h.line(2, "/join #den");
    // Past the per-user budget of room moves.
    h.now.instant += std::time::Duration::from_secs(120);
    let refused = vetted(&mut h, alice, "carol", Purpose::Operator, false);
    assert_eq!(
        refused.text(1),
        "*** carol is not a registered name: the operators of #den, an owned room, must be\r\n"
    );
    h.line(1, "/op bob");
    let opped = vetted(&mut h, alice, "bob", Purpose::Operator, true);
    assert_eq!(opped.text(3), "*** alice made bob an operator\r\n");
    assert!(saved(&opped));
    for local in [1, 2, 3] {
        h.line(local, "/join #lobby");
    }
    assert_eq!(
        h.line(3, "/rooms").text(3),
        "*** 2 rooms: #lobby (3), #den (0, owned)\r\n"
    );
    h.line(3, "/join #den");
    assert_eq!(
        h.line(3, "/room secret on").text(3),
        "*** Only an operator of #den can do that\r\n",
        "the first in is no maker of an owned room"
    );
    h.line(2, "/join #den");
    assert_eq!(
        h.line(2, "/room secret on").text(3),
        "*** bob turned secret on\r\n"
    );
    h.line(1, "/join #den");
    let spared = "*** alice owns #den: only its owner or a server operator can do that to them\r\n";
    for spare in ["/kick alice", "/deop alice", "/ban a*", "/mute alice"] {
        assert_eq!(h.line(2, spare).text(2), spared, "{spare}");
    }
    assert_eq!(
        h.line(2, "/deop bob").text(3),
        "*** bob took away bob's place as an operator\r\n"
    );
    h.line(1, "/op bob");
    vetted(&mut h, alice, "bob", Purpose::Operator, true);
    assert_eq!(
        h.line(2, "/room drop").text(2),
        "*** Only the owner of #den or a server operator can drop it\r\n"
    );
    h.line(1, "/join #den");
    assert_eq!(
        h.line(1, "/unregister pw").text(1),
        "*** You own #den: /room drop it before you unregister\r\n",
        "a guest who took the name after would own the room"
    );
    let kept = h.line(2, "/unregister pw");
    assert!(kept.reads.is_empty(), "{:?}", kept.reads);
    assert_eq!(
        kept.text(2),
        "*** You are kept as an operator of #den: /deop yourself there (or ask its owner) before you unregister\r\n"
    );
    let dropped = h.line(1, "/room drop");
    assert_eq!(
        dropped.text(3),
        "*** alice dropped the room's registration\r\n"
    );
    assert!(dropped.reads.contains(&"rooms Drop(\"#den\")".to_string()));
    assert!(!saved(&dropped));
    let asked = h.line(1, "/unregister pw");
    assert!(
        asked.reads[0].starts_with("account alice Unregister"),
        "{:?}",
        asked.reads
    );
}

#[test]
fn a_guest_cannot_register_and_the_default_room_is_nobodys() {
    let mut h = Harness::plain();
    assert_eq!(
        super::without_code(&h.login(1, "alice").text(1))
            .lines()
            .count(),
        1,
        "no accounts: logged in at once"
    );
    h.line(1, "/join #den");
    assert_eq!(
        h.line(1, "/room register").text(1),
        "*** Rooms cannot be registered here: this server keeps no registered names\r\n"
    );
    let mut h = Harness::plain();
    h.chat.accounts_on();
    let carol = login(&mut h, 1, "carol");
    assert_eq!(
        h.line(1, "/room register").text(1),
        "*** #lobby is everyone's: it cannot be registered\r\n"
    );
    h.line(1, "/join #den");
    h.line(1, "/room register");
    let refused = vetted(&mut h, carol, "carol", Purpose::Owner, false);
    assert_eq!(
        refused.text(1),
        "*** Only a registered name can own a room: carol is not registered (/register PASSWORD first)\r\n"
    );
    assert_eq!(
        h.line(1, "/room info").text(1),
        "*** #den is not registered; an operator with a registered name may /room register it\r\n"
    );
}

#[test]
fn a_loaded_room_has_its_rules_and_gives_its_operators_their_rank() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    let mut modes = crate::chat::modes::RoomModes::new(UNIX_EPOCH);
    modes.set(crate::chat::modes::Flag::Moderated, true);
    let kept = OwnedRoom {
        name: "#den".into(),
        owned: Owned {
            owner: "alice".into(),
            operators: vec!["bob".into()],
        },
        topic: Some("kept".into()),
        modes,
    };
    h.chat
        .rooms_done(RoomsDone::Loaded(Some(vec![kept])), &h.now);
    login(&mut h, 1, "Bob");
    login(&mut h, 2, "carol");
    h.line(1, "/join #den");
    let joined = h.line(2, "/join #den");
    assert_eq!(
        joined.text(2),
        "*** Welcome, carol! #den: 2 online: Bob, carol\r\n*** Topic: kept\r\n"
    );
    assert_eq!(
        h.line(2, "hello").text(2),
        "*** You cannot speak in #den (moderated, or you are muted or banned)\r\n"
    );
    assert_eq!(
        h.line(1, "/room").text(1),
        "*** #den: moderated, members-only\r\n*** #den is owned by alice; operators kept: bob\r\n"
    );
    assert_eq!(
        h.line(1, "/voice carol").text(2),
        "*** Bob made carol a voice in the room\r\n"
    );
}

/// Registers the room alice (at 1) is in, to her.
fn register_here(h: &mut Harness, alice: MemberId, room: &str) -> Taken {
    // Past the per-user budgets of room moves and rooms made.
    h.now.instant += std::time::Duration::from_secs(120);
    h.line(1, &format!("/join {room}"));
    h.line(1, "/room register");
    let done = RoomsDone::Checked {
        member: alice,
        room: room.into(),
        name: "alice".into(),
        purpose: Purpose::Owner,
        registered: Some(true),
    };
    h.chat.rooms_done(done, &h.now);
    h.take()
}

#[test]
fn owned_rooms_are_bounded_per_name_and_in_all() {
    let mut h = Harness::new(Config::unlimited());
    h.chat.accounts_on();
    let alice = login(&mut h, 1, "alice");
    for i in 0..crate::chat::owned::MAX_OWNED_PER_NAME {
        let room = format!("#r{i}");
        let done = register_here(&mut h, alice, &room);
        assert!(saved(&done), "{room}: {:?} {}", done.reads, done.text(1));
    }
    h.now.instant += std::time::Duration::from_secs(120);
    h.line(1, "/join #more");
    assert_eq!(
        h.line(1, "/room register").text(1),
        "*** You own 10 rooms already; /room drop one first\r\n"
    );
    let mut h = Harness::new(Config {
        max_rooms: 4,
        ..Config::unlimited()
    });
    h.chat.accounts_on();
    let alice = login(&mut h, 1, "alice");
    register_here(&mut h, alice, "#a");
    register_here(&mut h, alice, "#b");
    h.now.instant += std::time::Duration::from_secs(120);
    h.line(1, "/join #c");
    assert_eq!(
        h.line(1, "/room register").text(1),
        "*** This server keeps no more owned rooms; ask its operator\r\n",
        "half of --max-rooms 4 are owned"
    );
}
