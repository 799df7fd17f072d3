//! The core through the engine seam with the memory engine, no sockets:
//! claims are granted at once, a released name is free again, and a
//! topic is asked of the engine, which keeps none beyond the room.

use super::*;

#[test]
fn a_login_and_a_nick_are_claimed_through_the_memory_engine() {
    let mut h = Harness::plain();
    h.open(1);
    let out = h.line(1, "alice");
    assert!(out.claims.is_empty(), "the engine took the claim");
    assert!(out.text(1).starts_with("*** Welcome, alice! #lobby"));
    assert!(!h.chat.waiting(1), "answered at once");
    let out = h.line(1, "/nick ally");
    assert!(out.text(1).contains("You are now known as ally"));
    // The old name is free again, the new one held.
    h.open(2);
    assert!(h.line(2, "alice").text(2).contains("Welcome, alice!"));
    h.open(3);
    assert!(
        h.line(3, "ALLY")
            .text(3)
            .contains("The name 'ALLY' is taken")
    );
    // A change of case is not a new name: nothing to claim.
    let out = h.line(1, "/nick Ally");
    assert!(out.text(1).contains("You are now known as Ally"));
}

#[test]
fn a_claim_nobody_waits_for_is_released() {
    use crate::engine::{Engine, Told};
    let mut engine = Engine::Memory(Default::default());
    let now = Harness::plain().now;
    engine.claim(MemberId(1), "bob", None, false, &now);
    let mut told = Vec::new();
    engine.take_told(&mut told);
    let granted = Told::Claimed {
        member: MemberId(1),
        name: "bob".into(),
        answer: Claimed::Granted,
    };
    assert_eq!(told, [granted]);
    let mut h = Harness::plain();
    assert!(!h.chat.claimed(MemberId(1), Claimed::Granted, &h.now));
    engine.release(MemberId(1), "bob", &now);
    engine.topic("#lobby".into(), &now);
    assert!(!engine.has_told(), "no topic kept beyond the room's own");
}

#[test]
fn a_topic_is_asked_of_the_engine_and_the_rooms_own_is_shown() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    let out = h.line(1, "/join #quiet");
    assert!(out.reads.is_empty(), "the engine took the topic read");
    h.line(1, "/topic calm");
    h.login(2, "bob");
    let out = h.line(2, "/join #quiet");
    assert!(out.text(2).contains("*** Topic: calm"));
}
