//! The small IRC commands irctest checks, over real sockets with exact
//! bytes: HELP, UTF8ONLY and TARGMAX, WHOWAS, LUSERS, LIST conditions,
//! user modes +B and +i, the bot tag, WHOX, draft/read-marker.

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

/// WHOWAS: a nick given up by renaming or quitting is remembered with its
/// USER names, newest first; a count limits the answer; an unknown nick
/// is 406, and every answer ends with 369.
#[test]
fn whowas_remembers_renamed_and_quit_nicks() {
    let server = server();
    let mut ann = Irc::register(&server, "ann");
    let mut bob = Irc::connect(&server);
    bob.send("NICK bob");
    bob.send("USER bobby 0 * :Bob B");
    bob.skip_until_prefix(":linechat 422 bob ");
    bob.send("NICK rob");
    bob.expect_line(":bob!bob@linechat NICK rob");
    bob.send("QUIT :bye");
    bob.skip_until_prefix("ERROR ");
    bob.client.expect_eof();
    let mut carl = Irc::register(&server, "carl");
    carl.send("NICK Bob");
    carl.expect_line(":carl!carl@linechat NICK Bob");
    ann.sync();
    ann.send("WHOWAS carl");
    ann.expect_line(":linechat 314 ann carl carl linechat * :carl test");
    ann.skip_until_prefix(":linechat 312 ann carl linechat 20");
    ann.expect_line(":linechat 369 ann carl :End of WHOWAS");
    ann.send("WHOWAS BOB");
    ann.expect_line(":linechat 314 ann bob bobby linechat * :Bob B");
    let when = ann.line();
    assert!(
        when.starts_with(":linechat 312 ann bob linechat 20"),
        "{when}"
    );
    ann.expect_line(":linechat 369 ann BOB :End of WHOWAS");
    ann.send("WHOWAS rob 1");
    ann.expect_line(":linechat 314 ann rob bobby linechat * :Bob B");
    ann.skip_until_prefix(":linechat 312 ann rob linechat 20");
    ann.expect_line(":linechat 369 ann rob :End of WHOWAS");
    ann.send("WHOWAS nobody");
    ann.expect_line(":linechat 406 ann nobody :There was no such nickname");
    ann.expect_line(":linechat 369 ann nobody :End of WHOWAS");
    ann.send("WHOWAS");
    ann.expect_line(":linechat 461 ann WHOWAS :Not enough parameters");
}

/// LUSERS counts the users now (251, 255, 265, 266) and keeps the most
/// there were at once (265, 266), past a quit.
#[test]
fn lusers_counts_users_and_keeps_the_maximum() {
    let server = server();
    let mut ann = Irc::register(&server, "ann");
    let lusers = |irc: &mut Irc| {
        irc.send("LUSERS");
        let mut lines = irc.skip_until_prefix(&format!(":linechat 251 {} ", irc.nick));
        lines.push('\n');
        for _ in 0..6 {
            lines.push_str(&irc.line());
            lines.push('\n');
        }
        lines
    };
    let one = lusers(&mut ann);
    assert!(one.contains("There are 1 users and 0 invisible"), "{one}");
    assert!(one.contains(" 255 ann :I have 1 clients"), "{one}");
    assert!(
        one.contains(" 265 ann :Current local users 1, max 1\n"),
        "{one}"
    );
    assert!(
        one.contains(" 266 ann :Current global users 1, max 1\n"),
        "{one}"
    );
    let mut bob = Irc::register(&server, "bob");
    let two = lusers(&mut bob);
    assert!(
        two.contains(" 265 bob :Current local users 2, max 2\n"),
        "{two}"
    );
    assert!(
        two.contains(" 266 bob :Current global users 2, max 2\n"),
        "{two}"
    );
    bob.send("QUIT");
    bob.skip_until_prefix("ERROR ");
    bob.client.expect_eof();
    ann.sync();
    let after = lusers(&mut ann);
    assert!(
        after.contains("There are 1 users and 0 invisible"),
        "{after}"
    );
    assert!(
        after.contains(" 265 ann :Current local users 1, max 2\n"),
        "{after}"
    );
    assert!(
        after.contains(" 266 ann :Current global users 1, max 2\n"),
        "{after}"
    );
}

/// LIST narrows to rooms matching masks, not matching `!masks`, and with
/// more (`>n`) or fewer (`<n`) members; 005 says ELIST=MNU.
#[test]
fn list_takes_masks_and_member_counts() {
    let server = server();
    let mut ann = Irc::register(&server, "ann");
    ann.join("#chan1");
    ann.join("#chan2");
    let mut bob = Irc::register(&server, "bob");
    bob.join("#chan2");
    let mut list = |conditions: &str| {
        bob.send(&format!("LIST {conditions}"));
        bob.expect_line(":linechat 321 bob Channel :Users  Name");
        let rooms = bob.skip_until(":linechat 323 bob :End of /LIST");
        let names: Vec<String> = rooms
            .iter()
            .map(|l| l.split(' ').nth(3).unwrap_or("").to_owned())
            .collect();
        names.join(" ")
    };
    assert_eq!(list(""), "#chan2 #chan1");
    assert_eq!(list("*an1"), "#chan1");
    assert_eq!(list("!*an1"), "#chan2");
    assert_eq!(list("#C*N2"), "#chan2");
    assert_eq!(list(">1"), "#chan2");
    assert_eq!(list("<2"), "#chan1");
    assert_eq!(list("#chan1 <100"), "#chan1");
    assert_eq!(list("<1"), "");
}

/// MODE nick +B marks a bot (echoed, 221, WHOIS 335, WHO flag B); +i
/// hides a user from WHO masks of users who share no room with it, not
/// from WHO of its nick; LUSERS counts it as invisible.
#[test]
fn user_modes_bot_and_invisible() {
    let server = server();
    let mut bot = Irc::register(&server, "robo");
    bot.send("MODE robo +B");
    bot.expect_line(":robo!robo@linechat MODE robo +B");
    bot.send("MODE robo");
    bot.expect_line(":linechat 221 robo +B");
    bot.send("MODE robo +Bx");
    bot.expect_line(":linechat 501 robo :Unknown MODE flag");
    let mut ann = Irc::register(&server, "ann");
    ann.send("MODE robo -B");
    ann.expect_line(":linechat 502 ann :Cannot change mode for other users");
    ann.send("WHOIS robo");
    let whois = ann.skip_until(":linechat 318 ann robo :End of /WHOIS list");
    assert!(
        whois.contains(&":linechat 335 ann robo :is a bot".to_owned()),
        "{whois:?}"
    );
    ann.send("WHO robo");
    ann.expect_line(":linechat 352 ann * robo linechat linechat robo HB :0 robo test");
    ann.skip_until_prefix(":linechat 315 ann robo ");
    bot.send("MODE robo +i-B");
    bot.expect_line(":robo!robo@linechat MODE robo +i-B");
    ann.send("WHO r*");
    ann.expect_line(":linechat 315 ann r* :End of /WHO list");
    ann.send("WHO robo");
    ann.expect_line(":linechat 352 ann * robo linechat linechat robo H :0 robo test");
    ann.skip_until_prefix(":linechat 315 ann robo ");
    ann.send("LUSERS");
    ann.expect_line(":linechat 251 ann :There are 1 users and 1 invisible on 1 servers");
    ann.skip_until_prefix(":linechat 266 ann ");
    bot.join("#room");
    ann.join("#room");
    ann.send("WHO r*");
    ann.expect_line(":linechat 352 ann * robo linechat linechat robo H :0 robo test");
    ann.skip_until_prefix(":linechat 315 ann r* ");
}

/// A bot's (+B) lines carry the `bot` tag to readers with message-tags,
/// to a nick and to a channel; readers without it get the plain line.
#[test]
fn a_bots_lines_carry_the_bot_tag_for_message_tags_readers() {
    let server = server();
    let mut bot = Irc::register(&server, "robo");
    bot.send("MODE robo +B");
    bot.expect_line(":robo!robo@linechat MODE robo +B");
    let mut ann = Irc::connect(&server);
    ann.send("CAP REQ :message-tags");
    ann.send("NICK ann");
    ann.send("USER ann 0 * :Ann");
    ann.expect_line(":linechat CAP * ACK message-tags");
    ann.send("CAP END");
    ann.skip_until_prefix(":linechat 422 ann ");
    ann.nick = "ann".into();
    let mut bob = Irc::register(&server, "bob");
    bot.send("PRIVMSG ann beep");
    let private = ann.line();
    assert!(
        private.starts_with("@bot;msgid=")
            && private.ends_with(" :robo!robo@linechat PRIVMSG ann beep"),
        "{private}"
    );
    bot.send("PRIVMSG bob boop");
    bob.expect_line(":robo!robo@linechat PRIVMSG bob boop");
    bot.join("#room");
    ann.join("#room");
    bob.join("#room");
    bot.sync();
    ann.sync();
    bot.send("PRIVMSG #room :hello");
    let tagged = ann.line();
    assert!(
        tagged.starts_with("@msgid=")
            && tagged.contains(";bot :robo!robo@linechat PRIVMSG #room hello"),
        "{tagged}"
    );
    bob.skip_until(":robo!robo@linechat PRIVMSG #room hello");
}

/// WHO of a channel shows each IRC member's USER names (the core keeps
/// them), a telnet member's name as both.
#[test]
fn who_of_a_channel_shows_user_names() {
    let server = server();
    let mut ann = Irc::connect(&server);
    ann.send("NICK ann");
    ann.send("USER annie 0 * :Ann Real");
    ann.skip_until_prefix(":linechat 422 ann ");
    ann.nick = "ann".into();
    ann.join("#room");
    let mut telnet = server.login("tom");
    telnet.send("/join #room\r\n");
    ann.skip_until(":tom!tom@linechat JOIN #room");
    ann.send("WHO #room");
    let lines = ann.skip_until(":linechat 315 ann #room :End of /WHO list");
    assert!(
        lines.contains(
            &":linechat 352 ann #room annie linechat linechat ann H@ :0 Ann Real".to_owned()
        ),
        "{lines:?}"
    );
    assert!(
        lines.contains(&":linechat 352 ann #room tom linechat linechat tom H :0 tom".to_owned()),
        "{lines:?}"
    );
}

/// WHOX: `WHO mask %fields,token` answers one 354 per user with the
/// fields asked for, in WHOX's order, then 315; 005 says WHOX.
#[test]
fn whox_answers_354_with_the_fields_asked_for() {
    let server = server();
    let mut ann = Irc::connect(&server);
    ann.send("NICK ann");
    ann.send("USER annie 0 * :Ann Real");
    let burst = ann.skip_until(":linechat 422 ann :MOTD File is missing");
    assert!(burst.iter().any(|l| l.contains(" WHOX ")), "{burst:?}");
    ann.nick = "ann".into();
    ann.join("#room");
    let mut bob = Irc::register(&server, "bob");
    bob.send("WHO ann %tcuihsnfdlaor,42");
    bob.expect_line(
        ":linechat 354 bob 42 * annie 255.255.255.255 linechat linechat ann H 0 0 0 n/a :Ann Real",
    );
    bob.expect_line(":linechat 315 bob ann :End of /WHO list");
    bob.send("WHO #room %nf");
    bob.expect_line(":linechat 354 bob ann H@");
    bob.expect_line(":linechat 315 bob #room :End of /WHO list");
    bob.send("WHO #room");
    bob.expect_line(":linechat 352 bob #room annie linechat linechat ann H@ :0 Ann Real");
}

/// draft/read-marker: MARKREAD sets (forward only) and reads a target's
/// marker; a JOIN says the room's marker before the names; bad input is
/// FAIL.
#[test]
fn markread_keeps_read_markers_for_the_connection() {
    let server = server();
    let mut ann = Irc::connect(&server);
    ann.send("CAP REQ :draft/read-marker");
    ann.send("NICK ann");
    ann.send("USER ann 0 * :Ann");
    ann.expect_line(":linechat CAP * ACK draft/read-marker");
    ann.send("CAP END");
    ann.skip_until_prefix(":linechat 422 ann ");
    ann.send("JOIN #room");
    ann.expect_line(":ann!ann@linechat JOIN #room");
    ann.expect_line(":linechat MARKREAD #room *");
    ann.skip_until_prefix(":linechat 366 ann #room ");
    let new = "timestamp=2024-06-01T12:00:00.000Z";
    let old = "timestamp=2024-01-01T00:00:00.000Z";
    ann.send(&format!("MARKREAD #room {new}"));
    ann.expect_line(&format!(":linechat MARKREAD #room {new}"));
    ann.send(&format!("MARKREAD #ROOM {old}"));
    ann.expect_line(&format!(":linechat MARKREAD #ROOM {new}"));
    ann.send("PART #room");
    ann.skip_until_prefix(":ann!ann@linechat PART #room");
    ann.send("JOIN #room");
    ann.expect_line(":ann!ann@linechat JOIN #room");
    ann.expect_line(&format!(":linechat MARKREAD #room {new}"));
    ann.skip_until_prefix(":linechat 366 ann #room ");
    ann.send("MARKREAD #room *");
    ann.expect_line(
        ":linechat FAIL MARKREAD INVALID_PARAMS :Give timestamp=YYYY-MM-DDThh:mm:ss.sssZ",
    );
    ann.send("MARKREAD");
    ann.expect_line(":linechat FAIL MARKREAD NEED_MORE_PARAMS :MARKREAD needs a target");
    // Without the cap, a JOIN says nothing of markers.
    let mut bob = Irc::register(&server, "bob");
    bob.send("JOIN #room");
    bob.expect_line(":bob!bob@linechat JOIN #room");
    let next = bob.line();
    assert!(next.starts_with(":linechat 353 bob "), "{next}");
}
