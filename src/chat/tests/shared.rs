use super::*;

/// A core that shares its rooms (`--redis`) and is linked.
fn shared() -> Harness {
    let mut h = Harness::plain();
    h.engine = None;
    h.chat.share_rooms(true);
    h.chat.set_linked(true, &h.now);
    h
}

/// The member id `Harness::open` gave the connection opened last.
fn last_member(h: &Harness) -> MemberId {
    MemberId(h.next_id)
}

#[test]
fn a_login_waits_for_its_claim() {
    let mut h = shared();
    h.open(1);
    let out = h.line(1, "alice");
    assert_eq!(out.text(1), "", "nothing until the store answers");
    let alice = last_member(&h);
    assert_eq!(out.claims, vec![(alice, "alice".into(), None)]);
    assert!(h.chat.waiting(1));
    h.open(2);
    let out = h.line(2, "ALICE");
    assert!(
        out.text(2).contains("The name 'ALICE' is taken"),
        "reserved"
    );
    assert!(h.chat.claimed(alice, Claimed::Granted, &h.now));
    let out = h.take();
    assert!(out.text(1).starts_with("*** Welcome, alice! #lobby"));
    assert!(!h.chat.waiting(1));
    assert!(
        !h.chat.claimed(alice, Claimed::Granted, &h.now),
        "answered once"
    );

    h.open(3);
    h.line(3, "bob");
    let bob = last_member(&h);
    assert!(h.chat.claimed(bob, Claimed::Taken, &h.now));
    let out = h.take();
    assert_eq!(
        out.text(3),
        "*** The name 'bob' is taken\r\nEnter your name: "
    );
    h.line(3, "bob");
    assert!(h.chat.claimed(bob, Claimed::Unavailable, &h.now));
    assert!(h.take().text(3).contains("lost its link to the others"));
}

#[test]
fn a_claimant_that_left_is_not_let_in() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    let alice = last_member(&h);
    h.close(1, Farewell::Eof);
    h.take();
    assert!(!h.chat.claimed(alice, Claimed::Granted, &h.now));
    h.open(2);
    let out = h.line(2, "alice");
    assert_eq!(out.claims.len(), 1, "the reservation went with it");
}

#[test]
fn nick_claims_the_new_name_and_releases_the_old() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    let alice = last_member(&h);
    h.chat.claimed(alice, Claimed::Granted, &h.now);
    h.take();
    let out = h.line(1, "/nick Alicia");
    assert_eq!(
        out.claims,
        vec![(alice, "Alicia".into(), Some("alice".into()))]
    );
    h.chat.claimed(alice, Claimed::Granted, &h.now);
    assert_eq!(h.take().text(1), "*** You are now known as Alicia\r\n");
    let out = h.line(1, "/nick ALICIA");
    assert!(out.claims.is_empty(), "a change of case keeps the claim");
    assert_eq!(out.text(1), "*** You are now known as ALICIA\r\n");
}

#[test]
fn unlinked_refuses_names_and_tells_everyone_once() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    h.chat.claimed(last_member(&h), Claimed::Granted, &h.now);
    h.take();
    h.chat.set_linked(false, &h.now);
    h.chat.set_linked(false, &h.now);
    let out = h.take();
    assert_eq!(
        out.text(1)
            .matches("link to the other servers is down")
            .count(),
        1
    );
    let out = h.line(1, "/nick bob");
    assert!(out.claims.is_empty());
    assert!(out.text(1).contains("names cannot be checked"));
    h.open(2);
    let out = h.line(2, "carol");
    assert!(out.claims.is_empty());
    assert!(out.text(2).ends_with("Enter your name: "));
    let out = h.line(1, "still here");
    assert!(
        out.events
            .iter()
            .any(|e| matches!(e, RoomEvent::Said { .. }))
    );
    h.chat.set_linked(true, &h.now);
    assert!(h.take().text(1).contains("is back"));
}

#[test]
fn a_listing_corrects_the_view_of_its_node() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    h.chat.claimed(last_member(&h), Claimed::Granted, &h.now);
    h.take();
    let node = 7;
    let id = |n| MemberId((node as u64) << 48 | n);
    let entry = |n, room: &str, name: &str| Presence {
        member: id(n),
        room: room.into(),
        name: name.into(),
        more: Vec::new(),
    };
    h.chat.reconcile(
        node,
        &[entry(1, "#lobby", "bob"), entry(2, "#x", "eve")],
        &h.now,
    );
    assert_eq!(h.take().text(1), "*** bob has joined\r\n");
    assert_eq!(h.chat.remote_nodes(), vec![node]);
    // bob renamed and moved, eve left, dan came: told as it happened.
    h.chat.reconcile(
        node,
        &[
            entry(1, "#lobby", "rob"),
            entry(3, "#lobby", "dan"),
            entry(4, "#lobby", "alice"),
        ],
        &h.now,
    );
    let out = h.take().text(1);
    assert!(out.contains("*** bob is now known as rob\r\n"), "{out}");
    assert!(out.contains("*** dan has joined\r\n"), "{out}");
    assert!(
        !out.contains("alice has joined"),
        "a name held here is skipped"
    );
    assert_eq!(h.chat.rooms(), 1, "#x went with eve");
    // The node is gone: everyone of it leaves.
    h.chat.reconcile(node, &[], &h.now);
    let out = h.take().text(1);
    assert!(
        out.contains("rob has left") && out.contains("dan has left"),
        "{out}"
    );
    assert!(h.chat.remote_nodes().is_empty());
}

#[test]
fn a_granted_name_evicts_a_leftover_holder() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    h.chat.claimed(last_member(&h), Claimed::Granted, &h.now);
    h.open(2);
    h.line(2, "bob");
    let bob = last_member(&h);
    // While the claim is out, another node's listing shows a bob: the
    // store, not this node, decides who has the name.
    let ghost = Presence {
        member: MemberId(9 << 48 | 1),
        room: "#lobby".into(),
        name: "bob".into(),
        more: Vec::new(),
    };
    h.chat.reconcile(9, &[ghost], &h.now);
    assert_eq!(h.take().text(1), "*** bob has joined\r\n");
    h.chat.claimed(bob, Claimed::Granted, &h.now);
    let out = h.take();
    assert!(
        out.text(1)
            .contains("*** bob has left\r\n*** bob has joined")
    );
    assert!(
        out.text(2).starts_with("*** Welcome, bob!"),
        "{:?}",
        out.text(2)
    );
}

#[test]
fn history_and_topics_come_from_the_store() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    h.chat.claimed(last_member(&h), Claimed::Granted, &h.now);
    let out = h.take();
    assert_eq!(
        out.reads,
        vec!["topic #lobby"],
        "a room without a topic here"
    );
    h.chat.stored_topic("#lobby", "kept", &h.now);
    assert_eq!(h.take().text(1), "*** Topic: kept\r\n");
    h.chat.stored_topic("#lobby", "late", &h.now);
    assert_eq!(h.take().text(1), "", "a topic set here is not replaced");
    let out = h.line(1, "/history 5");
    assert_eq!(out.reads, vec!["#lobby 5"]);
    let at = UNIX_EPOCH + Duration::from_secs(3600);
    let mut turn = Turn::new("bob", at);
    turn.push(LineKind::Say, "1");
    turn.push(LineKind::Say, "2");
    let turn = std::sync::Arc::new(turn);
    let lines: Vec<HistoryLine> = (0..2)
        .map(|index| HistoryLine {
            turn: turn.clone(),
            index,
        })
        .collect();
    h.chat.stored_history(
        last_member(&h),
        "#lobby",
        &lines,
        0,
        crate::chat::HistoryAsk::latest(1),
        &h.now,
    );
    assert_eq!(
        h.take().text(1),
        "*** Last 1 line of #lobby:\r\n[01:00:00] bob: 2\r\n"
    );
}

#[test]
fn a_node_never_linked_says_not_yet_not_lost() {
    let mut h = Harness::plain();
    h.engine = None;
    h.chat.share_rooms(true);
    h.open(1);
    let out = h.line(1, "alice");
    assert!(out.claims.is_empty());
    assert_eq!(
        out.text(1),
        "*** This server is not linked to the others yet; names cannot be checked, \
         try again in a moment\r\nEnter your name: "
    );
    // Linked once, then cut: now it was lost.
    h.chat.set_linked(true, &h.now);
    h.chat.set_linked(false, &h.now);
    h.take();
    let out = h.line(1, "alice");
    assert!(
        out.text(1)
            .contains("This server has lost its link to the others"),
        "{}",
        out.text(1)
    );
}

#[test]
fn who_and_the_welcome_mark_remote_users_unreachable_while_unlinked() {
    let mut h = shared();
    h.open(1);
    h.line(1, "alice");
    let alice = last_member(&h);
    h.chat.claimed(alice, Claimed::Granted, &h.now);
    let bob = Presence {
        member: MemberId(9 << 48 | 1),
        room: "#lobby".into(),
        name: "bob".into(),
        more: Vec::new(),
    };
    let eve = Presence {
        member: MemberId(9 << 48 | 2),
        room: "#side".into(),
        name: "eve".into(),
        more: Vec::new(),
    };
    h.chat.reconcile(9, &[bob, eve], &h.now);
    h.take();
    let out = h.line(1, "/who");
    assert_eq!(
        out.text(1),
        "*** 2 online: alice (idle 0s), bob (idle 0s)\r\n"
    );

    h.chat.set_linked(false, &h.now);
    h.take();
    let out = h.line(1, "/who");
    assert_eq!(
        out.text(1),
        "*** 2 online: alice (idle 0s), bob (unreachable)\r\n"
    );
    let out = h.line(1, "/join #side");
    assert!(
        out.text(1)
            .contains("*** Welcome, alice! #side: 2 online: alice, eve (unreachable)\r\n"),
        "{}",
        out.text(1)
    );

    h.chat.set_linked(true, &h.now);
    h.take();
    let out = h.line(1, "/who");
    assert_eq!(
        out.text(1),
        "*** 2 online: alice (idle 0s), eve (idle 0s)\r\n"
    );
}
