//! Leaving, timeouts, shutdown, timestamps, throttles and digests.

use super::*;
use std::time::Duration;

#[test]
fn timeouts() {
    let mut h = Harness::new(Config {
        idle_timeout: Some(Duration::from_secs(60)),
        ..Config::default()
    });
    h.login(1, "alice");
    h.open(2);
    // Logged in: the login deadline does nothing.
    h.chat.login_expired(1, &h.now);
    assert!(h.take().closed.is_empty());
    // Before its deadline (a password prompt's timer), nothing happens.
    h.chat.login_expired(2, &h.now);
    assert!(h.take().closed.is_empty());
    // At the prompt, untouched: closed, and the notice starts a new line.
    h.now.instant += Duration::from_secs(60);
    h.chat.login_expired(2, &h.now);
    assert_eq!(h.take().closed, [(2, Farewell::LoginTimeout)]);
    let last = h.close(2, Farewell::LoginTimeout).unwrap();
    assert_eq!(&last[..], b"\r\n*** Login timed out\r\n");

    let start = h.now.instant;
    h.now.instant = start + Duration::from_secs(30);
    h.line(1, "still here");
    h.now.instant = start + Duration::from_secs(70);
    let due = h.chat.idle_check(1, &h.now);
    assert_within_a_tenth(due, start + Duration::from_secs(90));
    h.line(1, "/who"); // not activity
    // The timer fires when it was asked to.
    h.now.instant = due.unwrap_or(h.now.instant);
    assert_eq!(h.chat.idle_check(1, &h.now), None);
    assert_eq!(h.take().closed, [(1, Farewell::IdleTimeout)]);
}

#[test]
fn a_prompt_after_a_typed_line_needs_no_extra_line_end() {
    let mut h = Harness::plain();
    h.open(1);
    h.line(1, "bad name");
    // The prompt was sent again: pending once more.
    let last = h.close(1, Farewell::LoginTimeout).unwrap();
    assert_eq!(&last[..], b"\r\n*** Login timed out\r\n");
    h.open(2);
    h.chat.too_long(2, &h.now);
    h.take();
    let last = h.close(2, Farewell::LoginTimeout).unwrap();
    assert_eq!(&last[..], b"*** Login timed out\r\n");
}

#[test]
fn shutdown_tells_everyone_and_refusals_are_notices() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.open(2);
    h.chat.shutdown(&h.now);
    let out = h.take();
    assert_eq!(out.text(1), "*** Server shutting down\r\n");
    assert_eq!(out.text(2), "\r\n*** Server shutting down\r\n");
    assert_eq!(
        &h.refusal(Refusal::Full)[..],
        b"*** Server is full, try again later\r\n"
    );
    assert_eq!(
        &h.refusal(Refusal::PerAddress)[..],
        b"*** Too many connections from your address\r\n"
    );
}

#[test]
fn timestamps_stamp_every_line_but_the_prompt() {
    let mut h = Harness::new(Config {
        timestamps: true,
        ..Config::default()
    });
    assert_eq!(
        h.open(1),
        "[01:02:03] Welcome to linechat!\r\nEnter your name: "
    );
    let welcome = h.line(1, "alice").text(1);
    assert!(
        welcome.contains("\r\n[01:02:03] *** Resume code: "),
        "{welcome:?}"
    );
    assert_eq!(
        super::without_code(&welcome),
        "[01:02:03] *** Welcome, alice! #lobby: 1 online: alice\r\n"
    );
    h.login(2, "bob");
    h.now.wall += Duration::from_secs(1);
    assert_eq!(h.line(2, "hi").text(1), "[01:02:04] bob: hi\r\n");
    assert_eq!(
        &h.refusal(Refusal::Full)[..],
        b"[01:02:04] *** Server is full, try again later\r\n"
    );
}

#[test]
fn name_changes_are_throttled() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    for name in ["b1", "b2", "b3"] {
        assert!(!h.line(2, &format!("/nick {name}")).text(1).is_empty());
    }
    let refused = h.line(2, "/nick b4");
    assert_eq!(
        refused.text(2),
        "*** Too many name changes; try again in 20s\r\n"
    );
    assert_eq!(refused.text(1), "", "nobody else hears of it");
    h.now.instant += Duration::from_secs(20);
    assert_eq!(
        h.line(2, "/nick b4").text(1),
        "*** b3 is now known as b4\r\n"
    );
}

#[test]
fn big_rooms_hear_joins_and_leaves_as_a_digest() {
    let mut h = Harness::new(Config {
        quiet_joins: 2,
        ..Config::default()
    });
    h.login(1, "a");
    h.login(2, "b");
    h.take();
    // The third member makes the room bigger than 2: no notice, a digest.
    let third = h.login(3, "c");
    assert_eq!(third.text(1), "");
    assert_eq!(
        super::without_code(&third.text(3)),
        "*** Welcome, c! #lobby: 3 online: a, b, c\r\n"
    );
    let due = h.now.instant + Duration::from_secs(10);
    assert_eq!(third.wake, [due]);
    h.login(4, "d");
    assert!(h.take().wake.is_empty(), "one wake-up per interval");
    h.close(4, Farewell::Eof);
    h.take();
    h.chat.digest_due(&h.now);
    assert_eq!(
        h.take().wake,
        [due],
        "not yet: asks again for the same time"
    );
    h.now.instant = due;
    h.chat.digest_due(&h.now);
    let digest = h.take();
    assert_eq!(digest.text(1), "*** 2 joined, 1 left in the last 10 s\r\n");
    assert_eq!(digest.text(3), "*** 2 joined, 1 left in the last 10 s\r\n");
    h.chat.digest_due(&h.now);
    assert!(h.take().by_local.is_empty(), "nothing more to tell");
    // Back at the threshold, leaves are told one by one again.
    h.close(3, Farewell::Eof);
    let out = h.take();
    assert_eq!(out.text(1), "", "the room had 3 when c left");
    h.close(2, Farewell::Eof);
    assert_eq!(h.take().text(1), "*** b has left\r\n");
}
