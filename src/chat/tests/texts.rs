//! The name prompt, chat lines, commands and their replies.

use super::*;
use crate::chat::commands::tests::help_before;
use std::time::Duration;

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
    assert_eq!(
        super::without_code(&joined.text(1)),
        "*** Welcome, alice! #lobby: 1 online: alice\r\n"
    );
    assert!(
        matches!(&joined.events[..], [RoomEvent::Joined { name, room: RoomId(0), .. }] if &**name == "alice")
    );

    assert_eq!(h.open(2), "Welcome to linechat!\r\nEnter your name: ");
    assert_eq!(
        h.line(2, "ALICE").text(2),
        prompt_again("The name 'ALICE' is taken")
    );
    let bob = h.line(2, "bob");
    assert_eq!(
        super::without_code(&bob.text(2)),
        "*** Welcome, bob! #lobby: 2 online: alice, bob\r\n"
    );
    assert_eq!(bob.text(1), "*** bob has joined\r\n");
}

#[test]
fn quit_at_the_prompt_says_bye_and_closes() {
    let mut h = Harness::plain();
    h.open(1);
    let quit = h.line(1, "/quit");
    assert_eq!(quit.closed, [(1, Farewell::Quit)]);
    let last = h.close(1, Farewell::Quit).unwrap();
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
    assert!(h.chat.out.is_empty(), "lines wait for the end of the turn");
    h.chat.end_turn(&h.now);
    let out = h.take();
    assert_eq!(out.text(2), "alice: hi\r\n* alice waves\r\nalice: /etc\r\n");
    assert_eq!(out.text(1), "");
    assert!(matches!(
        &out.events[..],
        [RoomEvent::Said { turn, .. }] if turn.len() == 3
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
    // Accounts are off: their commands are not listed.
    let help: String = (help_before(false).iter())
        .map(|l| format!("*** {l}\r\n"))
        .collect();
    assert!(!help.contains("/register") && help.contains("/quit"));
    assert_eq!(h.line(1, "/help").text(1), help);
    h.chat.accounts_on();
    let all: String = (help_before(true).iter())
        .map(|l| format!("*** {l}\r\n"))
        .collect();
    assert!(all.contains("/register"));
    assert_eq!(h.line(1, "/help").text(1), all);
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
        let words = h.close(local, why);
        assert_eq!(words.as_deref(), last.map(str::as_bytes), "{why:?}");
        let out = h.take();
        assert_eq!(out.text(1), format!("*** u{i} has left\r\n"));
        assert!(matches!(&out.events[..], [RoomEvent::Left { why: w, .. }] if *w == why));
    }
    assert_eq!(h.close(10, Farewell::Quit), None, "closed once");
}
