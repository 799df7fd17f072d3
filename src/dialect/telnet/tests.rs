//! The telnet dialect's bytes: a message in, the exact bytes out, as
//! docs/PROTOCOL.md shows them.

use super::*;
use crate::chat::{Farewell, Refusal};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// 01:02:03 UTC on the second day.
fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(86_400 + 3723)
}

fn plain(message: Message) -> String {
    rendered(Telnet::new(false), message)
}

fn stamped(message: Message) -> String {
    rendered(Telnet::new(true), message)
}

fn rendered(telnet: Telnet, message: Message) -> String {
    String::from_utf8(telnet.render(&message, at()).to_vec()).unwrap()
}

fn turn(name: &str, lines: &[(LineKind, &str)]) -> Arc<Turn> {
    let mut turn = Turn::new(name, at());
    lines.iter().for_each(|(kind, text)| turn.push(*kind, text));
    Arc::new(turn)
}

#[test]
fn a_turn_is_its_lines_back_to_back() {
    let said = turn("bob", &[(LineKind::Say, "hi"), (LineKind::Act, "waves")]);
    assert_eq!(
        plain(Message::Said(said.clone())),
        "bob: hi\r\n* bob waves\r\n"
    );
    assert_eq!(
        stamped(Message::Said(said)),
        "[01:02:03] bob: hi\r\n[01:02:03] * bob waves\r\n"
    );
}

#[test]
fn prompts_carry_no_line_end_and_no_stamp() {
    assert_eq!(
        plain(Message::Greeting),
        "Welcome to linechat!\r\nEnter your name: "
    );
    assert_eq!(
        stamped(Message::Greeting),
        "[01:02:03] Welcome to linechat!\r\nEnter your name: "
    );
    assert_eq!(stamped(Message::NamePrompt), "Enter your name: ");
    assert_eq!(stamped(Message::PasswordPrompt), "Password: ");
    assert_eq!(stamped(Message::LineEnd), "\r\n");
}

#[test]
fn notices_are_star_lines() {
    let joined = Notice::Joined { name: "bob".into() };
    assert_eq!(plain(joined.clone().into()), "*** bob has joined\r\n");
    assert_eq!(stamped(joined.into()), "[01:02:03] *** bob has joined\r\n");
    let bye = Notice::Farewell(Farewell::Quit);
    assert_eq!(plain(bye.into()), "*** Bye!\r\n");
    let full = Notice::Refusal(Refusal::Full);
    assert_eq!(
        plain(full.into()),
        "*** Server is full, try again later\r\n"
    );
    let help = Message::Notices(vec![
        Notice::Help("/who - x".into()),
        Notice::Help("/quit - y".into()),
    ]);
    assert_eq!(plain(help), "*** /who - x\r\n*** /quit - y\r\n");
    let long = Notice::LineTooLong { max: 1024 };
    assert_eq!(
        plain(long.into()),
        "*** Line too long (max 1024 bytes), not sent\r\n"
    );
    let behind = Notice::NotReading { name: None };
    assert_eq!(
        plain(behind.into()),
        "*** The recipient is not reading fast enough; message not sent\r\n"
    );
}

#[test]
fn private_messages_name_the_other_side() {
    let line = Message::Private {
        tags: Default::default(),
        from: "alice".into(),
        kind: LineKind::Say,
        text: "psst".into(),
    };
    assert_eq!(plain(line), "[pm] alice: psst\r\n");
    let echo = Message::PrivateEcho {
        tags: Default::default(),
        from: "alice".into(),
        to: "bob".into(),
        kind: LineKind::Say,
        text: "psst".into(),
    };
    assert_eq!(stamped(echo), "[01:02:03] [pm -> bob] psst\r\n");
    let act = Message::Private {
        tags: Default::default(),
        from: "alice".into(),
        kind: LineKind::Act,
        text: "waves".into(),
    };
    assert_eq!(plain(act), "[pm] * alice waves\r\n");
}

#[test]
fn history_lines_carry_when_they_were_said_and_are_priced_exactly() {
    let earlier = turn("bob", &[(LineKind::Say, "one"), (LineKind::Act, "two")]);
    let lines: Vec<HistoryLine> = (0..2)
        .map(|index| HistoryLine {
            turn: earlier.clone(),
            index,
        })
        .collect();
    for telnet in [Telnet::new(false), Telnet::new(true)] {
        let answer = telnet.history(&lines);
        assert_eq!(
            &answer[..],
            b"[01:02:03] bob: one\r\n[01:02:03] * bob two\r\n"
        );
        assert_eq!(telnet.history_len(&lines), answer.len());
        assert_eq!(
            telnet.history_len(&lines[1..]),
            telnet.history(&lines[1..]).len()
        );
    }
}

#[test]
fn what_is_rendered_reads_back() {
    let said = turn("bob", &[(LineKind::Say, "a: b"), (LineKind::Act, "c")]);
    let bytes = Telnet::new(true).render(&Message::Said(said.clone()), at());
    let text = std::str::from_utf8(&bytes).unwrap();
    let back: Vec<_> = text.lines().map(|l| parse::said(l).unwrap()).collect();
    assert_eq!(
        back,
        [("bob", LineKind::Say, "a: b"), ("bob", LineKind::Act, "c")]
    );
}
