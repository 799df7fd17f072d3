//! Bad input: over-long lines, control characters, escapes, invalid UTF-8
//! and telnet commands get a clear result and never touch anyone else.

use crate::util;

use linechat::Config;
use util::{TestServer, sync, unlimited};

/// A line over --max-line is refused to its sender alone, and the next line works.
#[test]
fn over_long_line_is_refused_and_dropped() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let mut long = "x".repeat(1025);
    long.push('\n');
    alice.send(&long);
    alice.expect("*** Line too long (max 1024 bytes), not sent\r\n");
    // Exactly the limit is fine.
    alice.send(&format!("{}\n", "y".repeat(1024)));
    bob.expect(&format!("alice: {}\r\n", "y".repeat(1024)));
    // A long line sent in pieces is refused once, and its tail is dropped.
    for _ in 0..10 {
        alice.send(&"z".repeat(500));
    }
    alice.send("tail\nafter\n");
    alice.expect("*** Line too long (max 1024 bytes), not sent\r\n");
    bob.expect("alice: after\r\n");
    // Nobody else heard anything of it.
    sync(&mut bob, "bob", &mut alice);
}

/// --max-line applies as configured.
#[test]
fn max_line_is_configurable() {
    let server = TestServer::start(Config {
        max_line: 10,
        ..unlimited()
    });
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("0123456789\n01234567890\n");
    bob.expect("alice: 0123456789\r\n");
    alice.expect("*** Line too long (max 10 bytes), not sent\r\n");
}

/// A megabyte without a line end costs the sender one notice and nothing else.
#[test]
fn endless_line_is_discarded_without_buffering() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..16 {
        alice.send_bytes(&chunk);
    }
    alice.send("\nstill here\n");
    alice.expect("*** Line too long (max 1024 bytes), not sent\r\n");
    bob.expect("alice: still here\r\n");
}

/// Control characters and ANSI escapes are removed; backspace and DEL erase.
#[test]
fn control_characters_and_escapes_are_cleaned() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send_bytes(b"\x1b[2J\x1b[H\x1b[31mred\x1b[0m text\x07\x00\n");
    bob.expect("alice: red text\r\n");
    alice.send_bytes(b"\x1b]0;pwned\x07title\n");
    bob.expect("alice: title\r\n");
    alice.send_bytes(b"helo\x08lo\tworld\x7f\x7f\x7f\x7f\x7fthere\n");
    bob.expect("alice: hello there\r\n");
    alice.send_bytes("c1\u{9b}31mx\u{85}y\n".as_bytes());
    bob.expect("alice: c1xy\r\n");
    // A line that is nothing but escapes is empty, so it is not sent.
    alice.send_bytes(b"\x1b[2J\x1b[H\n");
    alice.send("next\n");
    bob.expect("alice: next\r\n");
}

/// Nobody can forge a server notice or another user's line.
#[test]
fn lines_cannot_impersonate_the_server() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("*** bob has left\n");
    bob.expect("alice: *** bob has left\r\n");
    alice.send_bytes(b"x\rbob: hi\n");
    // A bare CR ends the line, so this arrives as two lines from alice.
    bob.expect("alice: x\r\nalice: bob: hi\r\n");
}

/// Invalid UTF-8 becomes U+FFFD rather than a disconnect.
#[test]
fn invalid_utf8_is_replaced() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send_bytes(b"caf\xe9 \xc0\xfe ok\n");
    bob.expect("alice: caf\u{fffd} \u{fffd}\u{fffd} ok\r\n");
    alice.send("caf\u{e9}\n");
    bob.expect("alice: caf\u{e9}\r\n");
}

/// Telnet options are refused (DO gets WONT, WILL gets DONT, WONT/DONT get
/// nothing) and commands vanish from the text, even split across writes.
#[test]
fn telnet_commands_are_refused_and_stripped() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    // Ctrl-C in telnet: IAC IP, IAC DO TIMING-MARK.
    alice.send_bytes(b"\xff\xf4\xff\xfd\x06");
    alice.expect_bytes(b"\xff\xfc\x06");
    alice.send_bytes(b"\xff\xfb\x1f"); // WILL NAWS
    alice.expect_bytes(b"\xff\xfe\x1f");
    alice.send_bytes(b"\xff\xfc\x01\xff\xfe\x03"); // WONT ECHO, DONT SGA: no answer
    sync(&mut bob, "bob", &mut alice);

    // A negotiation split between writes; its refusal proves it was seen.
    alice.send_bytes(b"he\xff");
    alice.send_bytes(b"\xfd");
    alice.send_bytes(b"\x18llo");
    alice.expect_bytes(b"\xff\xfc\x18");
    // A subnegotiation split too, and an escaped 0xFF (invalid UTF-8 alone).
    alice.send_bytes(b" wor\xff\xfa\x18");
    alice.send_bytes(b"\x00xterm\xff");
    alice.send_bytes(b"\xf0ld \xff\xff!\r\n");
    bob.expect("alice: hello world \u{fffd}!\r\n");
}

/// Telnet negotiation at the name prompt does not get in the way of logging in.
#[test]
fn telnet_client_can_log_in() {
    let server = TestServer::start_default();
    let mut c = server.connect();
    c.expect(util::GREETING);
    c.send_bytes(b"\xff\xfd\x03\xff\xfb\x18carol\r\n");
    c.expect_bytes(b"\xff\xfc\x03\xff\xfe\x18");
    c.expect("*** Welcome, carol! #lobby: 1 online: carol\r\n");
}

/// Random garbage from one client never hurts the server or the others.
#[test]
fn garbage_does_not_hurt_anyone_else() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let mut garbage = server.login("garbage");
    alice.expect("*** garbage has joined\r\n");
    bob.expect("*** garbage has joined\r\n");
    // A simple xorshift stream covering every byte value.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let writer = std::thread::spawn(move || {
        garbage.send_bytes(&bytes);
        garbage.send("\n/quit\n");
        garbage.read_to_end()
    });
    // alice reads until garbage is gone; every line she gets is clean.
    loop {
        let line = alice.line();
        assert!(!line.chars().any(char::is_control), "control in {line:?}");
        assert!(line.len() <= 1024 + "garbage: ".len(), "too long");
        if line == "*** garbage has left" {
            break;
        }
    }
    let tail = writer.join().unwrap();
    assert!(tail.ends_with(b"*** Bye!\r\n"));
    sync(&mut bob, "bob", &mut alice);
}

/// LINE SEPARATOR, which some clients show as a line break, becomes a space,
/// so a line cannot seem to end and a fake notice start on its own line.
#[test]
fn line_separator_cannot_fake_a_notice() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("hi\u{2028}*** alice has left\n");
    bob.expect("alice: hi *** alice has left\r\n");
    alice.send("a\u{2029}b\n");
    bob.expect("alice: a b\r\n");
}

/// Padding made of spaces that are not ASCII (no-break, ideographic,
/// figure, medium mathematical, braille blank) is cut like ASCII spaces in
/// chat, `/me`, topics and `/history`, so a fake notice cannot be pushed to
/// the start of the next terminal row.
#[test]
fn no_kind_of_blank_pushes_a_fake_notice_to_its_own_row() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let fake = |pad: char| format!("hi{}*** bob has left", pad.to_string().repeat(75));
    let cut = |pad: char| format!("hi{}*** bob has left", pad.to_string().repeat(4));
    alice.send(&format!("{}\n", fake('\u{a0}')));
    bob.expect(&format!("alice: {}\r\n", cut('\u{a0}')));
    alice.send(&format!("{}\n", fake('\u{2007}')));
    bob.expect(&format!("alice: {}\r\n", cut('\u{2007}')));
    alice.send(&format!("/me {}\n", fake('\u{3000}')));
    bob.expect(&format!("* alice {}\r\n", cut('\u{3000}')));
    alice.send(&format!("/topic {}\n", fake('\u{2800}')));
    bob.expect(&format!("*** alice set the topic: {}\r\n", cut('\u{2800}')));
    alice.send(&format!("{}\n", fake('\u{205f}')));
    bob.expect(&format!("alice: {}\r\n", cut('\u{205f}')));
    bob.send("/history 1\n");
    bob.expect("*** Last 1 line of #lobby:\r\n");
    let old = bob.line();
    assert!(
        old.ends_with(&format!("] alice: {}", cut('\u{205f}'))),
        "{old:?}"
    );
}

/// A pile of combining marks on one letter (which draws over the rows
/// around it) is cut to four per character; real diacritics pass.
#[test]
fn combining_marks_are_cut_to_four_per_character() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send(&format!("a{}b\n", "\u{301}\u{316}".repeat(150)));
    bob.expect(&format!("alice: a{}b\r\n", "\u{301}\u{316}".repeat(2)));
    alice.send("Vie\u{323}\u{302}t\n");
    bob.expect("alice: Vie\u{323}\u{302}t\r\n");
}

/// The interlinear annotation characters, with which a client may show
/// part of a line as a small note above another part, are removed.
#[test]
fn interlinear_annotations_are_removed() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("ok\u{fff9}*** bob has left\u{fffa}\u{fffb}\n");
    bob.expect("alice: ok*** bob has left\r\n");
}

/// A line, `/me` or topic that starts with lookalikes of the server's
/// stars (fullwidth, small, operator, heavy, Arabic) reaches others with
/// ASCII stars, after the sender's name, like any text starting `***`.
#[test]
fn lookalike_stars_starting_a_line_become_ascii() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("\u{ff0a}\u{ff0a}\u{ff0a} bob has left\n");
    bob.expect("alice: *** bob has left\r\n");
    alice.send("/me \u{fe61}\u{2217}\u{2731}\u{66d} bob has left\n");
    bob.expect("* alice **** bob has left\r\n");
    alice.send("/topic \u{ff0a}\u{ff0a}\u{ff0a} bob has left\n");
    bob.expect("*** alice set the topic: *** bob has left\r\n");
    // Inside a word, an Arabic star is text.
    alice.send("\u{645}\u{66d}\n");
    bob.expect("alice: \u{645}\u{66d}\r\n");
}

/// Bidi controls and zero-width characters are removed from chat, /me, /msg
/// and names alike; joiners inside an emoji sequence or a word stay.
#[test]
fn bidi_and_invisible_characters_are_removed_everywhere() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("doc\u{202e}txt.exe\u{202c} \u{2066}ok\u{2069}\u{200b}\n");
    bob.expect("alice: doctxt.exe ok\r\n");
    alice.send("/me \u{202e}waves\u{feff}\u{2060}\n");
    bob.expect("* alice waves\r\n");
    alice.send("/msg bob \u{202d}ps\u{200b}st\u{2067}\n");
    alice.expect("[pm -> bob] psst\r\n");
    bob.expect("[pm] alice: psst\r\n");
    let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
    alice.send(&format!(
        "\u{200d}{family}\u{200d} \u{645}\u{6cc}\u{200c}\u{62e}\n"
    ));
    bob.expect(&format!(
        "alice: {family} \u{645}\u{6cc}\u{200c}\u{62e}\r\n"
    ));
    // The name prompt goes through the same cleaning.
    let mut carol = server.connect();
    carol.expect(util::GREETING);
    carol.send("\u{202e}car\u{200b}ol\n");
    let welcome = carol.line();
    assert!(welcome.starts_with("*** Welcome, carol! "), "{welcome:?}");
    bob.expect("*** carol has joined\r\n");
}

/// A line of nothing but bidi controls and zero-width characters is empty
/// once cleaned, so nobody receives it; the next line arrives as usual.
#[test]
fn all_invisible_line_is_ignored() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("\u{202e}\u{200b}\u{200d}\u{2066}\u{feff}\u{2069}\u{200c}\u{2060}\u{ad}\n");
    alice.send("\u{3164}\u{2028}\u{200d} \u{200d}\n");
    alice.send("/me \u{200b}\u{202e}\n");
    alice.expect("*** Usage: /me TEXT\r\n");
    alice.send("next\n");
    bob.expect("alice: next\r\n");
    sync(&mut bob, "bob", &mut alice);
}
