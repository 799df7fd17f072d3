use super::*;
use crate::irc::cap::CapSet;

const CTX: CapContext<'static> = CapContext {
    server: "s",
    nick: "ignored",
    registered: false,
    offered: CapSet::NONE,
};

fn ctx() -> CapContext<'static> {
    CapContext {
        offered: CapSet::all(),
        ..CTX
    }
}

fn send(reg: &mut Registration, line: &str) -> Outcome {
    reg.handle(&ctx(), &Message::parse(line.as_bytes()).unwrap())
}

fn lines(outcome: Outcome) -> Vec<String> {
    match outcome {
        Outcome::Reply(messages) => messages
            .iter()
            .map(|m| String::from_utf8(m.to_bytes().unwrap()).unwrap())
            .collect(),
        other => panic!("expected replies, got {other:?}"),
    }
}

fn ready(nick: &str, password: Option<&str>) -> Outcome {
    Outcome::Ready(Ready {
        nick: nick.into(),
        user: "u".into(),
        realname: "Real Name".into(),
        password: password.map(Into::into),
    })
}

#[test]
fn nick_and_user_in_any_order() {
    let mut reg = Registration::default();
    assert!(lines(send(&mut reg, "NICK alice")).is_empty());
    assert_eq!(
        send(&mut reg, "USER u 0 * :Real Name"),
        ready("alice", None)
    );
    let mut reg = Registration::default();
    send(&mut reg, "PASS sesame");
    send(&mut reg, "USER u 0 * :Real Name");
    assert_eq!(send(&mut reg, "NICK Bob"), ready("Bob", Some("sesame")));
    // The core refused Bob (433): the next NICK is ready with the same USER.
    assert_eq!(send(&mut reg, "NICK Bob2"), ready("Bob2", Some("sesame")));
}

#[test]
fn cap_holds_until_end() {
    let mut reg = Registration::default();
    assert_eq!(lines(send(&mut reg, "CAP LS 302")).len(), 1);
    send(&mut reg, "NICK alice");
    assert!(lines(send(&mut reg, "USER u 0 * :Real Name")).is_empty());
    assert_eq!(
        lines(send(&mut reg, "CAP REQ sasl")),
        [":s CAP alice ACK sasl\r\n"]
    );
    assert_eq!(send(&mut reg, "CAP END"), ready("alice", None));
}

#[test]
fn sasl_during_registration() {
    let mut reg = Registration::default();
    assert_eq!(
        lines(send(&mut reg, "AUTHENTICATE PLAIN")),
        [":s 904 * :SASL authentication failed\r\n"]
    );
    send(&mut reg, "CAP REQ sasl");
    assert_eq!(
        lines(send(&mut reg, "AUTHENTICATE PLAIN")),
        [":s AUTHENTICATE +\r\n"]
    );
    let verify = send(&mut reg, "AUTHENTICATE amlsbGVzAGppbGxlcwBzZXNhbWU=");
    assert_eq!(
        verify,
        Outcome::Verify(Credentials {
            account: "jilles".into(),
            password: "sesame".into()
        })
    );
    send(&mut reg, "AUTHENTICATE PLAIN");
    assert_eq!(
        lines(send(&mut reg, "AUTHENTICATE *")),
        [":s 906 * :SASL authentication aborted\r\n"]
    );
}

#[test]
fn errors() {
    let mut reg = Registration::default();
    assert_eq!(
        lines(send(&mut reg, "JOIN #a")),
        [":s 451 * :You have not registered\r\n"]
    );
    assert_eq!(
        lines(send(&mut reg, "NICK")),
        [":s 431 * :No nickname given\r\n"]
    );
    assert_eq!(
        lines(send(&mut reg, "NICK [bot]")),
        [":s 432 * [bot] :use only letters, digits, _ and -\r\n"]
    );
    // A nick with a space is answered too, echoing what fits.
    assert_eq!(
        lines(send(&mut reg, "NICK :bad name!")),
        [":s 432 * bad :use only letters, digits, _ and -\r\n"]
    );
    assert_eq!(
        lines(send(&mut reg, "NICK :: x")),
        [":s 432 * * :use only letters, digits, _ and -\r\n"]
    );
    assert_eq!(
        lines(send(&mut reg, "USER u 0 *")),
        [":s 461 * USER :Not enough parameters\r\n"]
    );
    assert_eq!(
        lines(send(&mut reg, "PASS")),
        [":s 461 * PASS :Not enough parameters\r\n"]
    );
    assert_eq!(send(&mut reg, "PING x"), Outcome::Pass);
    assert_eq!(send(&mut reg, "quit :bye"), Outcome::Pass);
    send(&mut reg, "NICK alice");
    assert_eq!(
        lines(send(&mut reg, "FOO")),
        [":s 451 alice :You have not registered\r\n"]
    );
    assert_eq!(reg.nick(), "alice");
    assert_eq!(
        already_registered("s", "alice").to_bytes().unwrap(),
        b":s 462 alice :You may not reregister\r\n"
    );
}
