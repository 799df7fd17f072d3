//! The protocol spoken to the core directly: connections are plain numbers,
//! the clock is fixed, and every text a user can receive is checked.

use super::*;
use std::time::UNIX_EPOCH;

/// A core and the clock it is told.
struct Harness {
    chat: Chat,
    now: Now,
    /// Connection handle to member id, as the reactor would keep.
    next_id: u64,
}

impl Harness {
    fn new(config: Config) -> Harness {
        Harness {
            chat: Chat::new(&config),
            now: Now {
                instant: Instant::now(),
                wall: UNIX_EPOCH + Duration::from_secs(86_400 + 3723),
            },
            next_id: 100,
        }
    }

    fn plain() -> Harness {
        Harness::new(Config::default())
    }

    /// Takes the output and renders what each local connection received,
    /// resolving room deliveries against the room as it is now (the reactor
    /// applies each call's output before the next call).
    fn take(&mut self) -> Taken {
        let mut out = Output::default();
        self.chat.take_output(&mut out);
        let mut taken = Taken::default();
        for delivery in out.deliveries {
            match delivery {
                Delivery::To(local, bytes) => taken.add(local, &bytes),
                Delivery::Room {
                    except,
                    bytes,
                    room,
                    ..
                } => {
                    for &local in self.chat.locals(room) {
                        if Some(local) != except {
                            taken.add(local, &bytes);
                        }
                    }
                }
                Delivery::Private {
                    to,
                    line,
                    sender,
                    echo,
                    ..
                } => {
                    taken.add(to, &line);
                    taken.add(sender, &echo);
                }
                Delivery::WakeAt(at) => taken.wake.push(at),
                Delivery::Close(local, why) => taken.closed.push((local, why)),
            }
        }
        taken.events = out.events;
        taken
    }

    fn open(&mut self, local: Local) -> String {
        self.next_id += 1;
        self.chat.open(local, MemberId(self.next_id), &self.now);
        self.take().text(local)
    }

    fn line(&mut self, local: Local, text: &str) -> Taken {
        self.chat.line(local, text, &self.now);
        self.chat.end_turn(&self.now);
        self.take()
    }

    /// Opens `local` and logs it in as `name`.
    fn login(&mut self, local: Local, name: &str) -> Taken {
        self.open(local);
        self.line(local, name)
    }
}

#[derive(Debug, Default)]
struct Taken {
    by_local: Vec<(Local, String)>,
    closed: Vec<(Local, Farewell)>,
    wake: Vec<Instant>,
    events: Vec<RoomEvent>,
}

impl Taken {
    fn add(&mut self, local: Local, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        match self.by_local.iter_mut().find(|(l, _)| *l == local) {
            Some((_, all)) => all.push_str(&text),
            None => self.by_local.push((local, text.into_owned())),
        }
    }

    /// Everything `local` received.
    fn text(&self, local: Local) -> String {
        self.by_local
            .iter()
            .find(|(l, _)| *l == local)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }
}

#[test]
fn greeting_prompt_and_name_rules() {
    let mut h = Harness::plain();
    assert_eq!(h.open(1), "Welcome to linechat!\r\nEnter your name: ");
    let prompt_again = |why: &str| format!("*** {why}\r\nEnter your name: ");
    assert_eq!(
        h.line(1, "").text(1),
        prompt_again("Invalid name: use 1 to 24 characters")
    );
    assert_eq!(
        h.line(1, &"x".repeat(25)).text(1),
        prompt_again("Invalid name: use 1 to 24 characters")
    );
    assert_eq!(
        h.line(1, "a b").text(1),
        prompt_again("Invalid name: use only letters, digits, _ and -")
    );
    let joined = h.line(1, "  alice ");
    assert_eq!(joined.text(1), "*** Welcome, alice! 1 online: alice\r\n");
    assert!(
        matches!(&joined.events[..], [RoomEvent::Joined { name, room: LOBBY, .. }] if &**name == "alice")
    );

    assert_eq!(h.open(2), "Welcome to linechat!\r\nEnter your name: ");
    assert_eq!(
        h.line(2, "ALICE").text(2),
        prompt_again("The name 'ALICE' is taken")
    );
    let bob = h.line(2, "bob");
    assert_eq!(bob.text(2), "*** Welcome, bob! 2 online: alice, bob\r\n");
    assert_eq!(bob.text(1), "*** bob has joined\r\n");
}

#[test]
fn quit_at_the_prompt_says_bye_and_closes() {
    let mut h = Harness::plain();
    h.open(1);
    let quit = h.line(1, "/quit");
    assert_eq!(quit.closed, [(1, Farewell::Quit)]);
    let last = h.chat.close(1, Farewell::Quit, &h.now).unwrap();
    assert_eq!(&last[..], b"*** Bye!\r\n");
    assert!(
        h.take().events.is_empty(),
        "nobody hears of a user who never joined"
    );
}

#[test]
fn chat_lines_are_batched_per_turn_and_never_echoed() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    h.chat.line(1, "hi", &h.now);
    h.chat.line(1, "/me waves", &h.now);
    h.chat.line(1, "//etc", &h.now);
    h.chat.line(1, "   ", &h.now);
    assert!(!h.chat.has_output(), "lines wait for the end of the turn");
    h.chat.end_turn(&h.now);
    let out = h.take();
    assert_eq!(out.text(2), "alice: hi\r\n* alice waves\r\nalice: /etc\r\n");
    assert_eq!(out.text(1), "");
    assert!(matches!(
        &out.events[..],
        [RoomEvent::Said { count: 3, .. }]
    ));
}

#[test]
fn a_command_goes_out_after_the_lines_before_it() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    h.chat.line(1, "first", &h.now);
    h.chat.line(1, "/nick al", &h.now);
    h.chat.end_turn(&h.now);
    let out = h.take();
    assert_eq!(
        out.text(2),
        "alice: first\r\n*** alice is now known as al\r\n"
    );
    assert_eq!(out.text(1), "*** You are now known as al\r\n");
}

#[test]
fn private_messages() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.login(3, "carol");
    h.take();
    let pm = h.line(1, "/msg BOB  psst");
    assert_eq!(pm.text(2), "[pm] alice: psst\r\n");
    assert_eq!(pm.text(1), "[pm -> bob] psst\r\n");
    assert_eq!(pm.text(3), "");
    assert_eq!(
        h.line(1, "/msg dave hi").text(1),
        "*** No such user 'dave'\r\n"
    );
    assert_eq!(
        h.line(1, "/msg Alice hi").text(1),
        "*** You cannot /msg yourself\r\n"
    );
    assert_eq!(
        h.line(1, "/msg bob").text(1),
        "*** Usage: /msg NAME TEXT\r\n"
    );
}

#[test]
fn nick_rules() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    assert_eq!(
        h.line(2, "/nick Alice").text(2),
        "*** The name 'Alice' is taken\r\n"
    );
    assert_eq!(
        h.line(2, "/nick a!").text(2),
        "*** Invalid name: use only letters, digits, _ and -\r\n"
    );
    assert_eq!(
        h.line(2, "/nick bob").text(2),
        "*** You are already bob\r\n"
    );
    assert_eq!(h.line(2, "/nick").text(2), "*** Usage: /nick NAME\r\n");
    let renamed = h.line(2, "/nick BOB");
    assert_eq!(renamed.text(2), "*** You are now known as BOB\r\n");
    assert_eq!(renamed.text(1), "*** bob is now known as BOB\r\n");
}

#[test]
fn who_help_me_and_unknown_commands() {
    let mut h = Harness::plain();
    h.login(1, "bob");
    h.login(2, "alice");
    h.take();
    h.now.instant += Duration::from_secs(185);
    h.line(2, "hello");
    assert_eq!(
        h.line(1, "/WHO").text(1),
        "*** 2 online: alice (idle 0s), bob (idle 3m)\r\n"
    );
    let help: String = HELP.iter().map(|l| format!("*** {l}\r\n")).collect();
    assert_eq!(h.line(1, "/help").text(1), help);
    assert_eq!(h.line(1, "/me").text(1), "*** Usage: /me TEXT\r\n");
    assert_eq!(
        h.line(1, "/dance").text(1),
        "*** Unknown command '/dance', try /help\r\n"
    );
}

#[test]
fn long_lines_are_refused_with_the_limit() {
    let mut h = Harness::new(Config {
        max_line: 16,
        ..Config::default()
    });
    h.open(1);
    h.chat.too_long(1, &h.now);
    assert_eq!(
        h.take().text(1),
        "*** Line too long (max 16 bytes), not sent\r\n"
    );
}

#[test]
fn leaving_is_announced_with_the_farewell_to_the_leaver() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.login(2, "bob");
    h.take();
    let cases = [
        (Farewell::Quit, Some("*** Bye!\r\n")),
        (Farewell::TooSlow, Some("*** Disconnected: too slow\r\n")),
        (
            Farewell::IdleTimeout,
            Some("*** Disconnected: idle for too long\r\n"),
        ),
        (Farewell::Eof, None),
        (Farewell::Error, None),
    ];
    for (i, (why, last)) in cases.into_iter().enumerate() {
        let local = 10 + i;
        h.login(local, &format!("u{i}"));
        h.take();
        let words = h.chat.close(local, why, &h.now);
        assert_eq!(words.as_deref(), last.map(str::as_bytes), "{why:?}");
        let out = h.take();
        assert_eq!(out.text(1), format!("*** u{i} has left\r\n"));
        assert!(matches!(&out.events[..], [RoomEvent::Left { why: w, .. }] if *w == why));
    }
    assert_eq!(
        h.chat.close(10, Farewell::Quit, &h.now),
        None,
        "closed once"
    );
}

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
    // At the prompt, untouched: closed, and the notice starts a new line.
    h.chat.login_expired(2, &h.now);
    assert_eq!(h.take().closed, [(2, Farewell::LoginTimeout)]);
    let last = h.chat.close(2, Farewell::LoginTimeout, &h.now).unwrap();
    assert_eq!(&last[..], b"\r\n*** Login timed out\r\n");

    let start = h.now.instant;
    h.now.instant = start + Duration::from_secs(30);
    h.line(1, "still here");
    h.now.instant = start + Duration::from_secs(70);
    assert_eq!(
        h.chat.idle_check(1, &h.now),
        Some(start + Duration::from_secs(90))
    );
    h.line(1, "/who"); // not activity
    h.now.instant = start + Duration::from_secs(90);
    assert_eq!(h.chat.idle_check(1, &h.now), None);
    assert_eq!(h.take().closed, [(1, Farewell::IdleTimeout)]);
}

#[test]
fn a_prompt_after_a_typed_line_needs_no_extra_line_end() {
    let mut h = Harness::plain();
    h.open(1);
    h.line(1, "bad name");
    // The prompt was sent again: pending once more.
    let last = h.chat.close(1, Farewell::LoginTimeout, &h.now).unwrap();
    assert_eq!(&last[..], b"\r\n*** Login timed out\r\n");
    h.open(2);
    h.chat.too_long(2, &h.now);
    h.take();
    let last = h.chat.close(2, Farewell::LoginTimeout, &h.now).unwrap();
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
        &h.chat.refusal(Refusal::Full, &h.now)[..],
        b"*** Server is full, try again later\r\n"
    );
    assert_eq!(
        &h.chat.refusal(Refusal::PerAddress, &h.now)[..],
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
    assert_eq!(
        h.line(1, "alice").text(1),
        "[01:02:03] *** Welcome, alice! 1 online: alice\r\n"
    );
    h.login(2, "bob");
    h.now.wall += Duration::from_secs(1);
    assert_eq!(h.line(2, "hi").text(1), "[01:02:04] bob: hi\r\n");
    assert_eq!(
        &h.chat.refusal(Refusal::Full, &h.now)[..],
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
    assert_eq!(third.text(3), "*** Welcome, c! 3 online: a, b, c\r\n");
    let due = h.now.instant + Duration::from_secs(10);
    assert_eq!(third.wake, [due]);
    h.login(4, "d");
    assert!(h.take().wake.is_empty(), "one wake-up per interval");
    h.chat.close(4, Farewell::Eof, &h.now);
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
    h.chat.close(3, Farewell::Eof, &h.now);
    let out = h.take();
    assert_eq!(out.text(1), "", "the room had 3 when c left");
    h.chat.close(2, Farewell::Eof, &h.now);
    assert_eq!(h.take().text(1), "*** b has left\r\n");
}
