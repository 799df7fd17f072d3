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
        codes.ends_with(&["251", "252", "253", "254", "255", "265", "266"]),
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
    assert!(!ls.contains("sasl"), "no accounts, no sasl: {ls}");
    assert!(
        ls.contains("draft/chathistory") && ls.contains("batch") && ls.contains("message-tags"),
        "history is kept: {ls}"
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
/// also one with a space (what fits of it is echoed), and the client may
/// try again.
#[test]
fn taken_and_invalid_nicks_get_433_and_432() {
    let server = server();
    let _telnet = server.login("alice");
    let mut irc = Irc::connect(&server);
    irc.send("USER a 0 * :A");
    irc.send("NICK a.b");
    irc.expect_line(":linechat 432 * a.b :use only letters, digits, _ and -");
    irc.send("NICK :bad name!");
    irc.expect_line(":linechat 432 * bad :use only letters, digits, _ and -");
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

/// Under --idle-timeout, an IRC user in no room who answers every PING
/// but asks nothing is closed once idle, as one in a room is.
#[test]
fn an_idle_client_in_no_room_is_closed() {
    let mut config = unlimited();
    config.idle_timeout = Some(std::time::Duration::from_secs(1));
    let server = TestServer::start_with_irc(config);
    let mut irc = Irc::register(&server, "idler");
    irc.send("PONG linechat");
    irc.skip_until("ERROR :Closing link: idle timeout");
    irc.client.expect_eof();
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
    irc.join("#lobby");
    telnet.expect_line("*** ivy has joined");
    irc.send("QUIT :bye");
    irc.skip_until("ERROR :Closing link: quit");
    irc.client.expect_eof();
    telnet.expect_line("*** ivy has left");
}

/// Channel names that are not rooms get 403, messages without a target
/// or text 411/412, and none of it reaches anyone else.
#[test]
fn bad_channels_and_messages_touch_nobody() {
    let server = server();
    let mut telnet = server.login("tess");
    let mut irc = Irc::register(&server, "uma");
    irc.join("#lobby");
    telnet.expect_line("*** uma has joined");
    let cases = [
        (
            "JOIN lobby",
            ":linechat 403 uma lobby :No such channel: channels start with #",
        ),
        (
            "JOIN #a.b",
            ":linechat 403 uma #a.b :No such channel: use only a-z, 0-9, _ and -",
        ),
        ("PRIVMSG", ":linechat 411 uma :No recipient given (PRIVMSG)"),
        ("PRIVMSG #lobby", ":linechat 412 uma :No text to send"),
        ("PRIVMSG #lobby :", ":linechat 412 uma :No text to send"),
        ("PART", ":linechat 461 uma PART :Not enough parameters"),
        (
            "PRIVMSG #nowhere :hi there",
            ":linechat 403 uma #nowhere :No such channel",
        ),
        (
            "PRIVMSG nobody :hi there",
            ":linechat 401 uma nobody :No such nick/channel",
        ),
        ("PRIVMSG #lobby :\u{202e}evil\x1b[2J", "TELNET"),
    ];
    for (line, want) in cases {
        irc.send(line);
        if want == "TELNET" {
            // Cleaned as telnet input is: the spoofing is gone.
            telnet.expect_line("uma: evil");
        } else {
            irc.expect_line(want);
        }
    }
    irc.client.send_bytes(b"PRIVMSG #lobby :\xffend\r\n");
    telnet.expect_line("uma: \u{fffd}end");
}

/// Two IRC users in a channel: JOIN with NAMES, PRIVMSG, TOPIC, PART.
#[test]
fn two_irc_users_join_talk_set_the_topic_and_part() {
    let server = server();
    let mut a = Irc::register(&server, "ann");
    let mut b = Irc::register(&server, "ben");
    a.send("JOIN #rust");
    a.expect_line(":ann!ann@linechat JOIN #rust");
    a.expect_line(":linechat 353 ann = #rust @ann");
    a.expect_line(":linechat 366 ann #rust :End of /NAMES list");
    b.send("JOIN #Rust,#go");
    b.expect_line(":ben!ben@linechat JOIN #rust");
    let names = b.line();
    assert!(
        names == ":linechat 353 ben = #rust :@ann ben"
            || names == ":linechat 353 ben = #rust :ben @ann",
        "{names}"
    );
    b.expect_line(":linechat 366 ben #rust :End of /NAMES list");
    b.expect_line(":ben!ben@linechat JOIN #go");
    b.skip_until(":linechat 366 ben #go :End of /NAMES list");
    a.expect_line(":ben!ben@linechat JOIN #rust");
    b.send("PRIVMSG #rust :hello there");
    a.expect_line(":ben!ben@linechat PRIVMSG #rust :hello there");
    a.send("TOPIC #rust :all about rust");
    a.expect_line(":ann!ann@linechat TOPIC #rust :all about rust");
    b.expect_line(":ann!ann@linechat TOPIC #rust :all about rust");
    b.send("TOPIC #rust");
    b.expect_line(":linechat 332 ben #rust :all about rust");
    let who_time = b.line();
    assert!(
        who_time.starts_with(":linechat 333 ben #rust ann!ann@linechat "),
        "{who_time}"
    );
    a.send("MODE #rust");
    a.expect_line(":linechat 324 ann #rust +n");
    a.skip_until_prefix(":linechat 329 ann #rust ");
    a.send("MODE #rust b");
    a.expect_line(":linechat 368 ann #rust :End of channel ban list");
    // ann made #rust: its operator; ben is not.
    b.send("MODE #rust +m");
    b.skip_until(":linechat 482 ben #rust :You're not channel operator");
    a.send("MODE ann");
    a.expect_line(":linechat 221 ann +");
    a.send("MODE ben +i");
    a.expect_line(":linechat 502 ann :Cannot change mode for other users");
    a.send("LIST");
    let list = a.skip_until(":linechat 323 ann :End of /LIST");
    assert!(
        list.contains(&":linechat 322 ann #rust 2 :all about rust".to_string()),
        "{list:?}"
    );
    a.send("PART #rust :see you");
    a.expect_line(":ann!ann@linechat PART #rust :see you");
    b.expect_line(":ann!ann@linechat PART #rust :see you");
    a.send("PRIVMSG #rust :still here?");
    a.expect_line(":linechat 404 ann #rust :Cannot send to channel");
    b.send("JOIN 0");
    let parts = [b.line(), b.line()];
    assert!(
        parts.contains(&":ben!ben@linechat PART #rust".to_string()),
        "{parts:?}"
    );
    assert!(
        parts.contains(&":ben!ben@linechat PART #go".to_string()),
        "{parts:?}"
    );
}

/// Telnet and IRC users in one room, both ways, exact bytes.
#[test]
fn irc_and_telnet_users_chat_both_ways() {
    let server = server();
    let mut telnet = server.login("alice");
    let mut irc = Irc::register(&server, "bob");
    irc.join("#lobby");
    telnet.expect_line("*** bob has joined");
    telnet.send("hi there\n");
    irc.expect_line(":alice!alice@linechat PRIVMSG #lobby :hi there");
    telnet.send("/me waves\n");
    irc.expect_line(":alice!alice@linechat PRIVMSG #lobby :\x01ACTION waves\x01");
    irc.send("PRIVMSG #lobby :hello alice");
    telnet.expect_line("bob: hello alice");
    irc.send("PRIVMSG #lobby :\x01ACTION waves back\x01");
    telnet.expect_line("* bob waves back");
    irc.send("PRIVMSG alice :psst alice");
    telnet.expect_line("[pm] bob: psst alice");
    telnet.send("/msg bob hi bob\n");
    telnet.expect_line("[pm -> bob] hi bob");
    irc.expect_line(":alice!alice@linechat PRIVMSG bob :hi bob");
}

/// Renames and quits are seen on both sides.
#[test]
fn nick_changes_and_quits_cross_dialects() {
    let server = server();
    let mut telnet = server.login("carl");
    let mut irc = Irc::register(&server, "dora");
    irc.join("#lobby");
    telnet.expect_line("*** dora has joined");
    irc.send("NICK dee");
    irc.expect_line(":dora!dora@linechat NICK dee");
    telnet.expect_line("*** dora is now known as dee");
    telnet.send("/nick carlos\n");
    telnet.skip_until_prefix("*** You are now known as carlos");
    irc.expect_line(":carl!carl@linechat NICK carlos");
    irc.send("NICK carlos");
    irc.expect_line(":linechat 433 dee carlos :Nickname is already in use");
    telnet.send("/quit\n");
    irc.expect_line(":carlos!carlos@linechat QUIT Quit");
}

/// With echo-message the sender reads its own line, the same bytes as the
/// others; without, it does not.
#[test]
fn echo_message_echoes_the_senders_lines() {
    let server = server();
    let mut plain = Irc::register(&server, "pat");
    let mut echo = Irc::connect(&server);
    echo.send("CAP REQ :echo-message");
    echo.send("NICK eve");
    echo.send("USER e 0 * :Eve");
    echo.expect_line(":linechat CAP * ACK echo-message");
    echo.send("CAP END");
    echo.skip_until_prefix(":linechat 422 eve ");
    echo.nick = "eve".into();
    plain.join("#x");
    echo.join("#x");
    plain.expect_line(":eve!eve@linechat JOIN #x");
    echo.send("PRIVMSG #x :one two");
    echo.expect_line(":eve!eve@linechat PRIVMSG #x :one two");
    plain.expect_line(":eve!eve@linechat PRIVMSG #x :one two");
    plain.send("PRIVMSG #x :three four");
    echo.expect_line(":pat!pat@linechat PRIVMSG #x :three four");
    let after = plain.sync();
    assert!(after.is_empty(), "no echo without the cap: {after:?}");
}

/// `--irc-server-name` names the server in its replies, PONG included.
#[test]
fn the_server_name_is_configurable() {
    let mut config = unlimited();
    config.irc_server_name = "My.Little.Server".into();
    let server = TestServer::start_with_irc(config);
    let mut irc = Irc::connect(&server);
    irc.send("PING x");
    irc.expect_line(":My.Little.Server PONG My.Little.Server x");
    irc.send("NICK zed");
    irc.send("USER z 0 * :Z");
    irc.expect_line(
        ":My.Little.Server 001 zed :Welcome to the linechat IRC network zed!zed@linechat",
    );
}

/// AWAY: 306/305 to the user, AWAY lines only to readers with
/// away-notify, 301 in WHOIS and to a private message's sender.
#[test]
fn away_is_told_to_away_notify_readers_and_in_whois() {
    let server = server();
    let mut telnet = server.login("tina");
    let mut plain = Irc::register(&server, "paul");
    let mut notified = Irc::connect(&server);
    notified.send("CAP REQ :away-notify");
    notified.send("NICK nora");
    notified.send("USER n 0 * :Nora");
    notified.expect_line(":linechat CAP * ACK away-notify");
    notified.send("CAP END");
    notified.skip_until_prefix(":linechat 422 nora ");
    notified.nick = "nora".into();
    for irc in [&mut plain, &mut notified] {
        irc.join("#lobby");
    }
    telnet.expect_line("*** paul has joined");
    telnet.expect_line("*** nora has joined");
    plain.expect_line(":nora!nora@linechat JOIN #lobby");
    plain.send("AWAY :out to lunch");
    plain.expect_line(":linechat 306 paul :You have been marked as being away");
    notified.expect_line(":paul!paul@linechat AWAY :out to lunch");
    notified.send("WHOIS paul");
    let whois = notified.skip_until(":linechat 318 nora paul :End of /WHOIS list");
    assert!(
        whois.contains(&":linechat 301 nora paul :out to lunch".to_string()),
        "{whois:?}"
    );
    notified.send("PRIVMSG paul :are you there");
    notified.expect_line(":linechat 301 nora paul :out to lunch");
    plain.expect_line(":nora!nora@linechat PRIVMSG paul :are you there");
    plain.send("AWAY");
    plain.expect_line(":linechat 305 paul :You are no longer marked as being away");
    notified.expect_line(":paul!paul@linechat AWAY");
    // Neither the telnet user nor the IRC user without the cap saw any of it.
    telnet.send("done here\n");
    plain.expect_line(":tina!tina@linechat PRIVMSG #lobby :done here");
    notified.expect_line(":tina!tina@linechat PRIVMSG #lobby :done here");
}

/// A NOTICE is never answered, not even its errors; CTCP other than
/// ACTION reaches IRC users only; WHOIS shows USER's names.
#[test]
fn notices_are_not_answered_ctcp_passes_to_irc_only_and_whois_shows_user() {
    let server = server();
    let mut telnet = server.login("tara");
    let mut a = Irc::register(&server, "abe");
    let mut b = Irc::register(&server, "bea");
    a.join("#lobby");
    b.join("#lobby");
    a.expect_line(":bea!bea@linechat JOIN #lobby");
    telnet.expect_line("*** abe has joined");
    telnet.expect_line("*** bea has joined");
    a.send("NAMES invalid");
    a.expect_line(":linechat 366 abe invalid :End of /NAMES list");
    a.send("NOTICE #nowhere :lost words");
    a.send("NOTICE nobody :lost words");
    assert_eq!(a.sync(), Vec::<String>::new(), "no reply to a NOTICE");
    a.send("PRIVMSG #lobby \u{1}VERSION\u{1}");
    b.expect_line(":abe!abe@linechat PRIVMSG #lobby \u{1}VERSION\u{1}");
    a.send("PRIVMSG #lobby :after ctcp");
    telnet.expect_line("abe: after ctcp");
    b.expect_line(":abe!abe@linechat PRIVMSG #lobby :after ctcp");
    b.send("WHOIS abe");
    b.expect_line(":linechat 311 bea abe abe linechat * :abe test");
    b.skip_until(":linechat 318 bea abe :End of /WHOIS list");
    b.send("WHO ABE");
    b.expect_line(":linechat 352 bea * abe linechat linechat abe H :0 abe test");
    b.expect_line(":linechat 315 bea ABE :End of /WHO list");
}

/// WHO with a mask lists every user whose nick matches (`*`, `?`, any
/// case; telnet users too), sorted, then 315 with the mask as given.
#[test]
fn who_with_a_mask_lists_every_matching_user() {
    let server = server();
    let _telnet = server.login("Evelyn");
    let _evan = Irc::register(&server, "evan");
    let mut ada = Irc::register(&server, "ada");
    ada.send("WHO eva*");
    ada.expect_line(":linechat 352 ada * evan linechat linechat evan H :0 evan test");
    ada.expect_line(":linechat 315 ada eva* :End of /WHO list");
    ada.send("WHO EV*");
    // Each IRC user with its USER names, a telnet user with its name.
    ada.expect_line(":linechat 352 ada * Evelyn linechat linechat Evelyn H :0 Evelyn");
    ada.expect_line(":linechat 352 ada * evan linechat linechat evan H :0 evan test");
    ada.expect_line(":linechat 315 ada EV* :End of /WHO list");
    ada.send("WHO ?d?");
    ada.expect_line(":linechat 352 ada * ada linechat linechat ada H :0 ada test");
    ada.expect_line(":linechat 315 ada ?d? :End of /WHO list");
    ada.send("WHO zz*");
    ada.expect_line(":linechat 315 ada zz* :End of /WHO list");
}

/// USERHOST: one 302 for up to five nicks, `-` for the away, unknown
/// nicks left out; 461 without a nick.
#[test]
fn userhost_answers_in_one_302_with_away_marks() {
    let server = server();
    let _telnet = server.login("Tom");
    let mut evan = Irc::register(&server, "evan");
    let mut ada = Irc::register(&server, "ada");
    evan.send("AWAY :gone");
    evan.expect_line(":linechat 306 evan :You have been marked as being away");
    ada.send("USERHOST evan nobody TOM ada");
    ada.expect_line(":linechat 302 ada :evan=-evan@linechat Tom=+Tom@linechat ada=+ada@linechat");
    ada.send("USERHOST nobody");
    ada.expect_line(":linechat 302 ada :");
    ada.send("USERHOST");
    ada.expect_line(":linechat 461 ada USERHOST :Not enough parameters");
    ada.send("USERHOST a b c d e evan");
    ada.expect_line(":linechat 302 ada :");
}

/// A registered name logs in over IRC with PASS; without it the nick is
/// refused as registered (433) and the client may try again on the same
/// connection; a wrong password is 464.
#[test]
fn a_registered_nick_needs_its_password_with_pass() {
    let dir = crate::util::TempDir::new("irc-pass");
    let data = dir.join("data");
    let args = [
        "--data-dir",
        data.to_str().unwrap(),
        "--irc-addr",
        "127.0.0.1:0",
    ];
    let (server, addr) = crate::util::spawn_binary(&args);
    let irc_addr = server.irc_addrs.0.expect("an IRC listener");
    let mut telnet = crate::util::Client::connect(addr);
    telnet.login("alice");
    telnet.send("/register pw\n");
    telnet.skip_until_prefix("*** Registered alice");
    telnet.send("/quit\n");
    let mut irc = crate::util::Client::connect(irc_addr);
    irc.send("NICK alice\r\nUSER a 0 * :A\r\n");
    irc.expect_line(":linechat 433 * alice :Nickname is registered: give its password with PASS");
    irc.send("PASS pw\r\nNICK alice\r\n");
    irc.expect_line(
        ":linechat 001 alice :Welcome to the linechat IRC network alice!alice@linechat",
    );
    let mut wrong = crate::util::Client::connect(irc_addr);
    wrong.send("PASS nope\r\nNICK alice\r\nUSER a 0 * :A\r\n");
    wrong.expect_line(":linechat 464 * :Password incorrect");
}
