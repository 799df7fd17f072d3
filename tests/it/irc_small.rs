//! The small IRC commands irctest checks, over real sockets with exact
//! bytes: HELP, UTF8ONLY and TARGMAX, ...

use crate::util::irc::Irc;
use crate::util::{TestServer, unlimited};

fn server() -> TestServer {
    TestServer::start_with_irc(unlimited())
}

/// HELP and HELPOP answer a known subject with 704/705/706 in its name,
/// list every topic without one, and refuse an unknown one with 524.
#[test]
fn help_answers_704_705_706_or_524() {
    let server = server();
    let mut irc = Irc::register(&server, "ann");
    irc.send("HELP privmsg");
    irc.expect_line(":linechat 704 ann PRIVMSG :PRIVMSG target[,target...] :text");
    irc.expect_line(
        ":linechat 705 ann PRIVMSG :a line to a room, or to one nick only (as telnet's /msg)",
    );
    irc.expect_line(":linechat 706 ann PRIVMSG :End of /HELP");
    irc.send("HELPOP NOSUCHTOPIC");
    irc.expect_line(":linechat 524 ann NOSUCHTOPIC :No help available on this topic");
    irc.send("HELP");
    irc.expect_line(":linechat 704 ann * :linechat's IRC commands:");
    let topics = irc.skip_until(":linechat 706 ann * :End of /HELP");
    assert!(topics.len() > 10, "{topics:?}");
    assert!(
        topics
            .iter()
            .all(|l| l.starts_with(":linechat 705 ann * :")),
        "{topics:?}"
    );
}

/// UTF8ONLY: a line with bytes that are not UTF-8 goes on with U+FFFD in
/// their place, and its sender is warned; 005 says so, and gives TARGMAX.
#[test]
fn invalid_utf8_is_cleaned_and_warned_as_utf8only_says() {
    let server = server();
    let mut irc = Irc::register(&server, "ann");
    let mut bob = Irc::register(&server, "bob");
    irc.client.send_bytes(b"PRIVMSG bob :hi\xaa there\r\n");
    irc.expect_line(":linechat WARN PRIVMSG INVALID_UTF8 :Invalid UTF-8 was replaced with U+FFFD");
    bob.expect_line(":ann!ann@linechat PRIVMSG bob :hi\u{fffd} there");
    // Valid UTF-8, U+FFFD itself included, is not warned about.
    irc.send("PRIVMSG bob :caf\u{e9} \u{fffd}");
    bob.expect_line(":ann!ann@linechat PRIVMSG bob :caf\u{e9} \u{fffd}");
    let after = irc.sync();
    assert!(after.is_empty(), "{after:?}");
}

/// The welcome's 005 lines advertise UTF8ONLY and TARGMAX.
#[test]
fn isupport_has_utf8only_and_targmax() {
    let server = server();
    let mut irc = Irc::connect(&server);
    irc.send("NICK ann");
    irc.send("USER ann 0 * :Ann");
    let burst = irc.skip_until(":linechat 422 ann :MOTD File is missing");
    let tokens: Vec<&str> = burst
        .iter()
        .filter(|l| l.starts_with(":linechat 005 ann "))
        .flat_map(|l| l.split(' ').skip(3).take_while(|t| !t.starts_with(':')))
        .collect();
    assert!(tokens.contains(&"UTF8ONLY"), "{tokens:?}");
    assert!(
        tokens.contains(&"TARGMAX=JOIN:,NAMES:,NOTICE:,PART:,PRIVMSG:,USERHOST:5,WHOIS:1"),
        "{tokens:?}"
    );
}
