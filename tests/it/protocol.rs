//! The chat protocol end to end: prompt, names, joins and leaves, chat,
//! commands, as exact bytes over real TCP.

use crate::util;

use linechat::Config;
use util::{GREETING, TestServer, unlimited};

/// A new connection gets the greeting and the prompt, with no line end after it.
#[test]
fn greets_and_prompts() {
    let server = TestServer::start_default();
    let mut c = server.connect();
    c.expect(GREETING);
    c.send("alice\n");
    c.expect("*** Welcome, alice! #lobby: 1 online: alice\r\n");
}

/// Bad names are refused with a reason and the prompt again, unlimited times.
#[test]
fn invalid_names_are_refused_with_a_reason() {
    let server = TestServer::start_default();
    let mut c = server.connect();
    c.expect(GREETING);
    c.send("\n");
    c.expect("*** Invalid name: use 1 to 24 characters\r\nEnter your name: ");
    c.send("this-name-is-far-too-long-for-us\n");
    c.expect("*** Invalid name: use 1 to 24 characters\r\nEnter your name: ");
    c.send("no spaces\n");
    c.expect("*** Invalid name: use only letters, digits, _ and -\r\nEnter your name: ");
    c.send("caf\u{e9}\n");
    c.expect("*** Invalid name: use only letters, digits, _ and -\r\nEnter your name: ");
    c.send("Ok_name-24\n");
    c.expect("*** Welcome, Ok_name-24! #lobby: 1 online: Ok_name-24\r\n");
}

/// A name in use is refused, also when it differs only in case.
#[test]
fn taken_names_are_refused_ignoring_case() {
    let server = TestServer::start_default();
    let _alice = server.login("alice");
    let mut c = server.connect();
    c.expect(GREETING);
    c.send("alice\n");
    c.expect("*** The name 'alice' is taken\r\nEnter your name: ");
    c.send("ALICE\n");
    c.expect("*** The name 'ALICE' is taken\r\nEnter your name: ");
    c.send("bob\n");
    c.expect("*** Welcome, bob! #lobby: 2 online: alice, bob\r\n");
}

/// Others hear of a join and a leave; the joiner sees who is online.
#[test]
fn joins_and_leaves_are_announced() {
    let server = TestServer::start_default();
    let mut alice = server.login("alice");
    let mut bob = server.connect();
    bob.expect(GREETING);
    bob.send("bob\n");
    bob.expect("*** Welcome, bob! #lobby: 2 online: alice, bob\r\n");
    alice.expect("*** bob has joined\r\n");
    bob.send("/quit\n");
    bob.expect("*** Bye!\r\n");
    bob.expect_eof();
    alice.expect("*** bob has left\r\n");
    // A connection that just drops is announced too.
    let carol = server.login("carol");
    alice.expect("*** carol has joined\r\n");
    carol.close();
    alice.expect("*** carol has left\r\n");
}

/// Someone still at the prompt sees no chat and is not counted or announced.
#[test]
fn the_prompt_is_outside_the_room() {
    let server = TestServer::start_default();
    let mut alice = server.login("alice");
    let mut lurker = server.connect();
    lurker.expect(GREETING);
    let mut bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    alice.send("secret\n");
    bob.expect("alice: secret\r\n");
    lurker.send("carol\n");
    lurker.expect("*** Welcome, carol! #lobby: 3 online: alice, bob, carol\r\n");
    // The first thing carol sees after logging in is what is said next.
    bob.send("hello carol\n");
    lurker.expect("bob: hello carol\r\n");
}

/// A line reaches everyone else once and never echoes to its sender.
#[test]
fn chat_reaches_all_others_but_not_the_sender() {
    let server = TestServer::start_default();
    let [mut alice, mut bob, mut carol] = server.room(["alice", "bob", "carol"]);

    alice.send("hi all\n");
    bob.expect("alice: hi all\r\n");
    carol.expect("alice: hi all\r\n");
    // If alice had been echoed, her echo would come before bob's line.
    bob.send("hi alice\n");
    alice.expect("bob: hi alice\r\n");
    carol.expect("bob: hi alice\r\n");
}

/// Many lines from several senders each arrive complete and in sender order.
#[test]
fn per_sender_order_is_kept() {
    let server = TestServer::start_default();
    let mut reader = server.login("reader");
    let mut senders: Vec<_> = (0..3)
        .map(|i| {
            let c = server.login(&format!("s{i}"));
            reader.expect(&format!("*** s{i} has joined\r\n"));
            c
        })
        .collect();
    for round in 0..2000 {
        for (i, s) in senders.iter_mut().enumerate() {
            s.send(&format!("msg {i} {round}\n"));
        }
    }
    let mut next = [0u32; 3];
    while next.iter().any(|&n| n < 2000) {
        let line = reader.line();
        let rest = line.strip_prefix('s').expect(&line);
        let (who, text) = rest.split_once(": ").expect(&line);
        let who: usize = who.parse().unwrap();
        assert_eq!(text, format!("msg {who} {}", next[who]), "out of order");
        next[who] += 1;
    }
}

/// LF, CRLF and telnet's CR NUL all end a line.
#[test]
fn lf_crlf_and_cr_nul_end_lines() {
    let server = TestServer::start_default();
    let mut alice = server.login("alice");
    let mut bob = server.connect();
    bob.expect(GREETING);
    bob.send("bob\r\n");
    bob.expect("*** Welcome, bob! #lobby: 2 online: alice, bob\r\n");
    alice.expect("*** bob has joined\r\n");
    bob.send_bytes(b"one\ntwo\r\nthree\r\0four\r");
    bob.send_bytes(b"\nfive\n");
    for text in ["one", "two", "three", "four", "five"] {
        alice.expect_line(&format!("bob: {text}"));
    }
}

/// Empty and blank lines are not broadcast.
#[test]
fn empty_lines_are_ignored() {
    let server = TestServer::start_default();
    let mut alice = server.login("alice");
    let mut bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    bob.send("\n\r\n   \n\x07\nreal\n");
    alice.expect("bob: real\r\n");
}

/// /who lists the room with idle times; /help lists commands; unknown commands say so.
#[test]
fn who_help_and_unknown_commands() {
    let server = TestServer::start_default();
    let mut alice = server.login("alice");
    let mut bob = server.login("Bob");
    alice.expect("*** Bob has joined\r\n");
    alice.send("/who\n");
    alice.expect("*** 2 online: alice (idle 0s), Bob (idle 0s)\r\n");
    alice.send("/HELP\n");
    let first = alice.line();
    assert_eq!(
        first,
        "*** Commands (names and rooms are case-insensitive):"
    );
    let rest = alice.skip_until("*** Start a line with // to send a line that begins with /");
    for cmd in [
        "/who", "/join", "/rooms", "/topic", "/history", "/msg", "/me", "/nick", "/help", "/quit",
    ] {
        assert!(
            rest.iter().any(|l| l.starts_with(&format!("*** {cmd} "))),
            "/help misses {cmd}: {rest:?}"
        );
    }
    alice.send("/dance\n");
    alice.expect("*** Unknown command '/dance', try /help\r\n");
    alice.send("//dance\n");
    bob.expect("alice: /dance\r\n");
}

/// /me, /msg and /nick do what their help says, and only for whom it says.
#[test]
fn me_msg_and_nick() {
    let server = TestServer::start_default();
    let [mut alice, mut bob, mut carol] = server.room(["alice", "bob", "carol"]);

    alice.send("/me waves\n");
    bob.expect("* alice waves\r\n");
    carol.expect("* alice waves\r\n");

    alice.send("/msg BOB psst\n");
    alice.expect("[pm -> bob] psst\r\n");
    bob.expect("[pm] alice: psst\r\n");
    // carol's next line is the one after the private message.
    alice.send("public\n");
    carol.expect("alice: public\r\n");
    bob.expect("alice: public\r\n");

    alice.send("/msg dave hi\n");
    alice.expect("*** No such user 'dave'\r\n");
    alice.send("/msg bob\n");
    alice.expect("*** Usage: /msg NAME TEXT\r\n");
    alice.send("/msg ALICE note to self\n");
    alice.expect("*** You cannot /msg yourself\r\n");
    alice.send("/nick alice\n");
    alice.expect("*** You are already alice\r\n");

    bob.send("/nick Carol\n");
    bob.expect("*** The name 'Carol' is taken\r\n");
    bob.send("/nick robert\n");
    bob.expect("*** You are now known as robert\r\n");
    alice.expect("*** bob is now known as robert\r\n");
    carol.expect("*** bob is now known as robert\r\n");
    bob.send("hi\n");
    alice.expect("robert: hi\r\n");
    // The old name is free again.
    let mut newbob = server.connect();
    newbob.login("bob");
    alice.expect("*** bob has joined\r\n");
}

/// The online list shows at most 20 names, then how many more.
#[test]
fn online_list_is_capped_at_twenty_names() {
    let server = TestServer::start_default();
    let _clients: Vec<_> = (0..22).map(|i| server.login(&format!("u{i:02}"))).collect();
    let mut last = server.connect();
    let welcome = last.login("zz");
    let names: Vec<String> = (0..20).map(|i| format!("u{i:02}")).collect();
    assert_eq!(
        welcome,
        format!(
            "*** Welcome, zz! #lobby: 23 online: {} and 3 more",
            names.join(", ")
        )
    );
}

/// With --timestamps every line starts with [HH:MM:SS].
#[test]
fn timestamps_prefix_every_line() {
    let server = TestServer::start(Config {
        timestamps: true,
        ..unlimited()
    });
    let mut alice = server.connect();
    let greeting = alice.line();
    assert_stamped(&greeting, "Welcome to linechat!");
    alice.expect("Enter your name: ");
    alice.send("alice\n");
    assert_stamped(&alice.line(), "*** Welcome, alice! #lobby: 1 online: alice");
    let mut bob = server.connect();
    bob.line();
    bob.expect("Enter your name: ");
    bob.send("bob\n");
    bob.line();
    assert_stamped(&alice.line(), "*** bob has joined");
    bob.send("hello\n");
    assert_stamped(&alice.line(), "bob: hello");
    alice.send("/who\n");
    assert_stamped(
        &alice.line(),
        "*** 2 online: alice (idle 0s), bob (idle 0s)",
    );
}

/// With --timestamps, the refusals sent before a connection is even kept
/// (server full, too many from one address) are stamped too.
#[test]
fn timestamps_prefix_refusals() {
    let server = TestServer::start(Config {
        timestamps: true,
        max_clients: Some(1),
        ..unlimited()
    });
    let mut alice = server.connect();
    alice.line();
    let mut full = server.connect();
    assert_stamped(&full.line(), "*** Server is full, try again later");
    full.expect_eof();

    let server = TestServer::start(Config {
        timestamps: true,
        max_per_ip: 1,
        ..unlimited()
    });
    let mut alice = server.connect();
    alice.line();
    let mut extra = server.connect();
    assert_stamped(&extra.line(), "*** Too many connections from your address");
    extra.expect_eof();
}

#[track_caller]
fn assert_stamped(line: &str, rest: &str) {
    let (stamp, text) = line.split_at(11);
    let b = stamp.as_bytes();
    assert!(
        b[0] == b'[' && b[3] == b':' && b[6] == b':' && b[9] == b']' && b[10] == b' ',
        "bad stamp in {line:?}"
    );
    assert!(
        stamp[1..9]
            .replace(':', "")
            .bytes()
            .all(|c| c.is_ascii_digit())
    );
    assert_eq!(text, rest);
}
