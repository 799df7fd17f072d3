//! IRC clients on the IRC listener, over real sockets with exact bytes:
//! registration and CAP, the numerics of bad input, PING/PONG, and IRC
//! users in the same rooms as telnet users.

use crate::util::irc::Irc;
use crate::util::{TestServer, unlimited};

fn server() -> TestServer {
    TestServer::start_with_irc(unlimited())
}

/// NICK and USER give the whole welcome burst, 001 to 422, to the nick.
#[test]
fn registration_sends_001_to_005_lusers_and_422() {
    let server = server();
    let mut irc = Irc::connect(&server);
    irc.send("NICK alice");
    irc.send("USER a 0 * :Alice A");
    irc.expect_line(
        ":linechat 001 alice :Welcome to the linechat IRC network alice!alice@linechat",
    );
    let rest = irc.skip_until(":linechat 422 alice :MOTD File is missing");
    let codes: Vec<&str> = rest.iter().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(codes[..4], ["002", "003", "004", "005"], "{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains(" CASEMAPPING=ascii ")),
        "{rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.contains(" PREFIX=(ov)@+ ")),
        "{rest:?}"
    );
    assert!(
        codes.ends_with(&["251", "252", "253", "254", "255"]),
        "{rest:?}"
    );
}

/// CAP LS holds registration until CAP END; REQ is all or nothing.
#[test]
fn cap_negotiation_holds_registration_until_end() {
    let server = server();
    let mut irc = Irc::connect(&server);
    irc.send("CAP LS 302");
    let ls = irc.line();
    assert!(ls.starts_with(":linechat CAP * LS :"), "{ls}");
    assert!(
        ls.contains("server-time") && ls.contains("echo-message"),
        "{ls}"
    );
    assert!(
        !ls.contains("sasl") && !ls.contains("chathistory"),
        "not offered yet: {ls}"
    );
    irc.send("NICK bob");
    irc.send("USER b 0 * :Bob");
    irc.send("CAP REQ :server-time nosuchcap");
    irc.expect_line(":linechat CAP bob NAK :server-time nosuchcap");
    irc.send("CAP REQ :server-time");
    irc.expect_line(":linechat CAP bob ACK server-time");
    irc.send("CAP END");
    irc.expect_line(":linechat 001 bob :Welcome to the linechat IRC network bob!bob@linechat");
}

/// A nick a telnet user has is taken (433), a bad one is refused (432),
/// and the client may try again.
#[test]
fn taken_and_invalid_nicks_get_433_and_432() {
    let server = server();
    let _telnet = server.login("alice");
    let mut irc = Irc::connect(&server);
    irc.send("USER a 0 * :A");
    irc.send("NICK a.b");
    irc.expect_line(":linechat 432 * a.b :use only letters, digits, _ and -");
    irc.send("NICK ALICE");
    irc.expect_line(":linechat 433 * ALICE :Nickname is already in use");
    irc.send("NICK carol");
    irc.expect_line(
        ":linechat 001 carol :Welcome to the linechat IRC network carol!carol@linechat",
    );
}

/// PING is answered with PONG and its token, before and after registration.
#[test]
fn ping_gets_pong() {
    let server = server();
    let mut irc = Irc::connect(&server);
    irc.send("PING :early one");
    irc.expect_line(":linechat PONG linechat :early one");
    irc.send("PING");
    irc.expect_line(":linechat 409 * :No origin specified");
    let mut irc = Irc::register(&server, "dave");
    irc.send("PING later");
    irc.skip_until(":linechat PONG linechat later");
}

/// A silent client is PINGed after --keepalive and closed if it does not
/// answer within another.
#[test]
fn a_silent_client_is_pinged_then_closed() {
    let mut config = unlimited();
    config.keepalive = Some(std::time::Duration::from_secs(1));
    let server = TestServer::start_with_irc(config);
    let mut irc = Irc::register(&server, "sleepy");
    irc.skip_until(":linechat PING linechat");
    irc.send("PONG linechat");
    irc.skip_until(":linechat PING linechat");
    irc.skip_until("ERROR :Closing link: idle timeout");
    irc.client.expect_eof();
}

/// Every kind of bad input gets its numeric, and the connection goes on.
#[test]
fn bad_input_gets_numerics() {
    let server = server();
    let mut irc = Irc::connect(&server);
    irc.send("JOIN #lobby");
    irc.expect_line(":linechat 451 * :You have not registered");
    let mut irc = Irc::register(&server, "erin");
    irc.sync();
    let cases: [(String, &str); 6] = [
        (
            format!("PRIVMSG #lobby :{}", "x".repeat(600)),
            ":linechat 417 erin :Input line was too long",
        ),
        (
            format!("PRIVMSG #lobby :{}", "x".repeat(9000)),
            ":linechat 417 erin :Input line was too long",
        ),
        (
            "FROBNICATE x".into(),
            ":linechat 421 erin FROBNICATE :Unknown command",
        ),
        (
            "NICK a\0b".into(),
            ":linechat 421 erin NICK :Line holds a forbidden byte",
        ),
        (
            format!("PRIVMSG{}", " a".repeat(16)),
            ":linechat 421 erin PRIVMSG :Too many parameters (at most 15)",
        ),
        (
            "USER x 0 * :y".into(),
            ":linechat 462 erin :You may not reregister",
        ),
    ];
    for (line, want) in cases {
        irc.send(&line);
        irc.expect_line(want);
    }
    irc.send("PING still-here");
    irc.expect_line(":linechat PONG linechat still-here");
}

/// QUIT closes with ERROR, and telnet users see the IRC user leave.
#[test]
fn quit_closes_with_error_and_telnet_sees_it() {
    let server = server();
    let mut telnet = server.login("tom");
    let mut irc = Irc::register(&server, "ivy");
    telnet.expect_line("*** ivy has joined");
    irc.send("QUIT :bye");
    irc.skip_until("ERROR :Closing link: quit");
    irc.client.expect_eof();
    telnet.expect_line("*** ivy has left");
}
