//! Clients of requests (IRC) logging in: no prompts, the same names,
//! claims and passwords as telnet, and a login told once.

use super::requests::join;
use super::*;

#[test]
fn a_client_of_requests_logs_in_silently_into_no_room() {
    let mut h = Harness::plain();
    h.login(1, "alice");
    h.open_as(2, Protocol::Requests);
    assert!(h.take().by_local.is_empty(), "no greeting, no prompt");
    let password = None;
    let out = h.request(
        2,
        Request::Login {
            name: "Alice",
            password,
        },
    );
    assert_eq!(
        out.replies(2),
        [&Reply::NameTaken {
            name: "Alice".into()
        }]
    );
    assert_eq!(
        out.text(2),
        "*** The name 'Alice' is taken\r\n",
        "no prompt"
    );
    let password = None;
    let out = h.request(
        2,
        Request::Login {
            name: "a b",
            password,
        },
    );
    assert!(matches!(out.replies(2)[..], [Reply::InvalidName { .. }]));
    let out = h.irc(3, "carol");
    assert_eq!(
        out.replies(3),
        [&Reply::LoggedIn {
            name: "carol".into()
        }]
    );
    assert_eq!(out.text(1), "", "nobody hears of a login into no room");
    assert_eq!(h.chat.rooms_of(3), Vec::<Box<str>>::new());
    assert_eq!((h.chat.known_users(), h.chat.members()), (2, 2));
    // The names are one namespace both ways.
    h.open(4);
    let out = h.line(4, "CAROL");
    assert!(out.text(4).starts_with("*** The name 'CAROL' is taken"));
}

#[test]
fn a_registered_name_logs_in_with_its_password_and_no_prompt() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    h.open_as(1, Protocol::Requests);
    let alice = MemberId(h.next_id);
    let login = |password: Option<&str>| Request::Login {
        name: "alice",
        password: password.map(|p| Secret(p.into())),
    };
    let out = h.request(1, login(None));
    assert_eq!(out.reads, ["account alice Lookup"]);
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    let needed = Reply::PasswordNeeded {
        name: "alice".into(),
    };
    assert_eq!(out.replies(1), [&needed]);
    h.request(1, login(Some("wrong")));
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    assert_eq!(out.reads, ["account alice Verify(Secret(..))"]);
    assert!(h.chat.waiting(1), "the password is being checked");
    assert!(h.chat.answered(alice, Answer::Verified(false), &h.now));
    let out = h.take();
    assert_eq!(out.replies(1), [&Reply::WrongPassword]);
    assert!(out.by_local.iter().all(|(_, t)| !t.contains("Password:")));
    h.request(1, login(Some("right")));
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    h.take();
    assert!(h.chat.answered(alice, Answer::Verified(true), &h.now));
    let out = h.take();
    assert_eq!(
        out.replies(1),
        [&Reply::LoggedIn {
            name: "alice".into()
        }]
    );
    // Not registered: the password is not needed and not kept.
    h.open_as(2, Protocol::Requests);
    let bob = MemberId(h.next_id);
    let password = Some(Secret("x".into()));
    h.request(
        2,
        Request::Login {
            name: "bob",
            password,
        },
    );
    assert!(h.chat.answered(bob, Answer::Looked(false), &h.now));
    let out = h.take();
    assert_eq!(out.replies(2), [&Reply::LoggedIn { name: "bob".into() }]);
}

#[test]
fn a_password_in_the_clear_is_refused_when_passwords_need_tls() {
    let mut h = Harness::plain();
    h.chat.accounts_on();
    h.chat.passwords_need_tls(6697);
    h.open_as(1, Protocol::Requests);
    let alice = MemberId(h.next_id);
    let password = Some(Secret("pw".into()));
    h.request(
        1,
        Request::Login {
            name: "alice",
            password,
        },
    );
    assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
    let out = h.take();
    assert_eq!(out.replies(1), [&Reply::UseTls { port: 6697 }]);
    assert!(out.reads.is_empty(), "never sent to the worker");
}

#[test]
fn a_login_is_told_once_whatever_the_protocol_and_a_join_is_no_login() {
    let mut h = Harness::plain();
    assert_eq!(h.login(1, "tel").logged_in, [1]);
    assert_eq!(h.irc(2, "a").logged_in, [2]);
    assert_eq!(
        join(&mut h, 2, "#x").logged_in,
        [0; 0],
        "a join is no login"
    );
    assert_eq!(h.line(1, "/join #x").logged_in, [0; 0]);
}
