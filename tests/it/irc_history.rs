//! IRCv3 beyond registration, over real sockets: message-tags (TAGMSG,
//! client-only tags, msgid, the 417 for too many tags).

use crate::util::irc::Irc;
use crate::util::{Client, TestServer, unlimited};

/// Registers `nick` at `server`'s IRC listener with the capabilities
/// `caps` (space-separated; none if empty), up to the end of the MOTD.
#[track_caller]
fn irc_with_caps(server: &TestServer, nick: &str, caps: &str) -> Irc {
    let mut irc = Irc::connect(server);
    if !caps.is_empty() {
        irc.send(&format!("CAP REQ :{caps}"));
        let ack = irc.skip_until_prefix(":linechat CAP * ACK ");
        assert!(ack.ends_with(caps), "{ack}");
    }
    irc.send(&format!("NICK {nick}"));
    irc.send(&format!("USER {nick} 0 * :{nick}"));
    irc.send("CAP END");
    irc.skip_until_prefix(&format!(":linechat 422 {nick} "));
    irc.nick = nick.into();
    irc
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
    ann.expect_line("@+typing=paused :bob!bob@linechat TAGMSG ann");
    bob.send("@+typing=paused TAGMSG cat");
    bob.send("PRIVMSG cat :psst");
    cat.expect_line(":bob!bob@linechat PRIVMSG cat psst");
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
