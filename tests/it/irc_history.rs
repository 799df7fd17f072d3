//! IRCv3 beyond registration, over real sockets: message-tags (TAGMSG,
//! client-only tags, msgid, the 417 for too many tags) and
//! draft/chathistory on both engines.

use crate::irc_rooms::irc_node;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, TestServer, unlimited};
use std::net::SocketAddr;

/// [`Irc::register_at`] at `server`'s IRC listener.
#[track_caller]
fn irc_with_caps(server: &TestServer, nick: &str, caps: &str) -> Irc {
    Irc::register_at(server.irc_addr.expect("IRC"), nick, caps)
}

/// The `msgid` tag of a tagged line.
#[track_caller]
fn msgid_of(line: &str) -> String {
    let tags = line
        .strip_prefix('@')
        .and_then(|l| l.split_once(' '))
        .map(|(t, _)| t);
    let tags = tags.unwrap_or_else(|| panic!("no tags: {line}"));
    let id = tags.split(';').find_map(|t| t.strip_prefix("msgid="));
    id.unwrap_or_else(|| panic!("no msgid: {line}")).to_string()
}

/// The line with its `msgid` value replaced by `X`.
fn without_msgid(line: &str) -> String {
    line.replace(&msgid_of(line), "X")
}

/// A TAGMSG reaches the channel's readers with message-tags (the sender
/// too, with echo-message), with a msgid and only its client tags; IRC
/// users without the capability and telnet users get nothing of it. A
/// PRIVMSG's client tags go with it to those readers only.
#[test]
fn tagmsg_and_client_tags_reach_message_tags_readers_only() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ann = irc_with_caps(&server, "ann", "message-tags echo-message");
    let mut bob = irc_with_caps(&server, "bob", "message-tags");
    let mut cat = irc_with_caps(&server, "cat", "");
    let mut tom = server.login("tom");
    tom.send("/join #t\n");
    tom.skip_until_prefix("*** Welcome, tom! #t");
    for irc in [&mut ann, &mut bob, &mut cat] {
        irc.join("#t");
    }
    tom.skip_until("*** cat has joined");
    ann.skip_until_prefix(":cat!cat@linechat JOIN #t");
    bob.skip_until_prefix(":cat!cat@linechat JOIN #t");

    ann.send("@+typing=active;server=1 TAGMSG #t");
    let echo = ann.line();
    let tagmsg = "@msgid=X;+typing=active :ann!ann@linechat TAGMSG #t";
    assert_eq!(without_msgid(&echo), tagmsg);
    let relayed = bob.line();
    assert_eq!(relayed, echo, "the same line, the same msgid");

    ann.send("@+draft/reply=1-0 PRIVMSG #t :hi all");
    let echo = ann.line();
    assert_eq!(
        without_msgid(&echo),
        "@msgid=X;+draft/reply=1-0 :ann!ann@linechat PRIVMSG #t :hi all"
    );
    assert_eq!(bob.line(), echo);
    assert_ne!(msgid_of(&echo), msgid_of(&relayed), "one msgid per line");
    // Nothing of the TAGMSG came first for them.
    cat.expect_line(":ann!ann@linechat PRIVMSG #t :hi all");
    tom.expect_line("ann: hi all");

    // To a nick: only a reader with message-tags gets it.
    bob.send("@+typing=paused TAGMSG ann");
    let tagmsg = ann.line();
    assert_eq!(
        without_msgid(&tagmsg),
        "@msgid=X;+typing=paused :bob!bob@linechat TAGMSG ann"
    );
    bob.send("@+typing=paused TAGMSG cat");
    bob.send("PRIVMSG cat :psst");
    cat.expect_line(":bob!bob@linechat PRIVMSG cat psst");
}

/// A private message has a msgid and carries its client tags, for a
/// reader with message-tags (its echo the same); others get neither.
#[test]
fn a_private_message_has_a_msgid_and_its_client_tags() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ann = irc_with_caps(&server, "ann", "message-tags echo-message");
    let mut bob = irc_with_caps(&server, "bob", "");
    bob.send("PRIVMSG ann :hey");
    let got = ann.line();
    assert_eq!(
        without_msgid(&got),
        "@msgid=X :bob!bob@linechat PRIVMSG ann hey"
    );
    let reply = format!("@+draft/reply={};x=1 PRIVMSG bob :hey you", msgid_of(&got));
    ann.send(&reply);
    let echo = ann.line();
    let want = format!(
        "@msgid=X;+draft/reply={} :ann!ann@linechat PRIVMSG bob :hey you",
        msgid_of(&got)
    );
    assert_eq!(without_msgid(&echo), want);
    assert_ne!(msgid_of(&echo), msgid_of(&got));
    bob.expect_line(":ann!ann@linechat PRIVMSG bob :hey you");
}

/// A client's tags are capped at 4096 bytes with the `@` and the space:
/// the line past it is refused with 417 and goes nowhere.
#[test]
fn too_many_tags_is_417() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ann = irc_with_caps(&server, "ann", "message-tags");
    let mut bob = irc_with_caps(&server, "bob", "message-tags");
    ann.join("#t");
    bob.join("#t");
    ann.skip_until_prefix(":bob!bob@linechat JOIN #t");
    let at_limit = format!("@+a={} TAGMSG #t", "x".repeat(4096 - 5));
    ann.send(&at_limit);
    let line = bob.line();
    assert!(
        line.contains(&format!(";+a={} ", "x".repeat(4091))),
        "{line}"
    );
    let over = format!("@+a={} TAGMSG #t", "x".repeat(4096 - 4));
    ann.send(&over);
    ann.expect_line(":linechat 417 ann :Input line was too long");
    ann.send("PRIVMSG #t :after");
    let line = bob.line();
    assert!(
        line.ends_with(":ann!ann@linechat PRIVMSG #t after"),
        "{line}"
    );
}

/// Telnet users keep their bytes: a telnet line reaches a message-tags
/// reader with a msgid.
#[test]
fn a_telnet_line_has_a_msgid_for_message_tags_readers() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ann = irc_with_caps(&server, "ann", "message-tags");
    let mut tom: Client = server.login("tom");
    tom.send("/join #t\n");
    tom.skip_until_prefix("*** Welcome, tom! #t");
    ann.join("#t");
    tom.send("hello\n");
    let line = ann.line();
    assert_eq!(
        without_msgid(&line),
        "@msgid=X :tom!tom@linechat PRIVMSG #t hello"
    );
}

/// The capabilities a CHATHISTORY client asks for.
const HISTORY_CAPS: &str = "batch draft/chathistory echo-message message-tags server-time";

/// The line without its `batch` tag.
fn unbatched(line: &str) -> String {
    let Some((tags, rest)) = line.strip_prefix('@').and_then(|l| l.split_once(' ')) else {
        return line.to_string();
    };
    let tags: Vec<&str> = tags
        .split(';')
        .filter(|t| !t.starts_with("batch="))
        .collect();
    format!("@{} {rest}", tags.join(";"))
}

/// Sends `request` and reads its batch: the lines inside it, without
/// their `batch` tag (each checked to carry it).
#[track_caller]
fn batch(irc: &mut Irc, request: &str, room: &str) -> Vec<String> {
    irc.send(request);
    let start = irc.line();
    let (_, opened) = start.split_once(" BATCH +").expect("a batch");
    let id = opened
        .strip_suffix(&format!(" chathistory {room}"))
        .expect(&start);
    let mut inside = Vec::new();
    loop {
        let line = irc.line();
        if line.ends_with(&format!(" BATCH -{id}")) {
            return inside;
        }
        assert!(line.contains(&format!("batch={id}")), "{line}");
        inside.push(unbatched(&line));
    }
}

/// ann says five lines in #h (and a TAGMSG, which is not history), then
/// asks for some of them back: LATEST, BEFORE (by msgid and by time) and
/// AFTER answer with the lines as first sent (time and msgid included); a
/// channel she is not in, and AROUND, are refused with FAIL.
fn chathistory_scenario(addr: SocketAddr) {
    let mut ann = Irc::register_at(addr, "ann", HISTORY_CAPS);
    ann.send("JOIN #h");
    while !ann.line().contains(" 366 ann #h ") {}
    let mut said = Vec::new();
    for n in 1..=5 {
        ann.send(&format!("PRIVMSG #h :line {n}"));
        let echo = ann.line();
        assert!(echo.ends_with(&format!("PRIVMSG #h :line {n}")), "{echo}");
        said.push(echo);
    }
    // A typing notice is no history: it takes no line's place.
    ann.send("@+typing=active TAGMSG #h");
    let echo = ann.line();
    assert!(echo.ends_with(" :ann!ann@linechat TAGMSG #h"), "{echo}");
    let latest = batch(&mut ann, "CHATHISTORY LATEST #h * 3", "#h");
    assert_eq!(latest, said[2..]);
    let before = format!("CHATHISTORY BEFORE #h msgid={} 2", msgid_of(&said[3]));
    assert_eq!(batch(&mut ann, &before, "#h"), said[1..3]);
    let far = "CHATHISTORY BEFORE #h timestamp=2100-01-01T00:00:00.000Z 2";
    assert_eq!(batch(&mut ann, far, "#h"), said[3..]);
    let after = format!("CHATHISTORY AFTER #h msgid={} 2", msgid_of(&said[0]));
    assert_eq!(batch(&mut ann, &after, "#h"), said[1..3]);

    ann.send("CHATHISTORY LATEST #elsewhere * 10");
    let fail = ann.line();
    let want = ":linechat FAIL CHATHISTORY INVALID_TARGET LATEST #elsewhere :Messages could not be retrieved";
    assert!(fail.ends_with(want), "{fail}");
    ann.send("CHATHISTORY AROUND #h * 10");
    let fail = ann.line();
    let want = ":linechat FAIL CHATHISTORY INVALID_PARAMS AROUND #h :Not supported";
    assert!(fail.ends_with(want), "{fail}");
}

/// CHATHISTORY from the memory engine's ring.
#[test]
fn chathistory_from_the_ring() {
    let server = TestServer::start_with_irc(unlimited());
    chathistory_scenario(server.irc_addr.unwrap());
}

/// CHATHISTORY from the room's Redis stream.
#[test]
fn chathistory_from_the_redis_stream() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (_node, irc) = irc_node(&redis.url(0));
    chathistory_scenario(irc);
}
