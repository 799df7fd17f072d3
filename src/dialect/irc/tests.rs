use super::*;
use crate::chat::{Reply, naming::NameProblem};
use std::sync::Arc;
use std::time::Duration;

fn at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)
}

fn text(bytes: Bytes) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn timed() -> Style {
    Style {
        time: true,
        ..Style::default()
    }
}

fn turn(name: &str, lines: &[(LineKind, &str)]) -> Arc<Turn> {
    let mut turn = Turn::new(name, at());
    for (kind, line) in lines {
        turn.push(*kind, line);
    }
    Arc::new(turn)
}

#[test]
fn a_turn_is_one_privmsg_per_line_and_an_action_is_ctcp() {
    let said = Message::Said(turn(
        "alice",
        &[(LineKind::Say, "hi all"), (LineKind::Act, "waves")],
    ));
    assert_eq!(
        text(render_shared(
            &said,
            at(),
            Some("#lobby"),
            Style::default(),
            "linechat"
        )),
        ":alice!alice@linechat PRIVMSG #lobby :hi all\r\n\
         :alice!alice@linechat PRIVMSG #lobby :\x01ACTION waves\x01\r\n"
    );
    let tagged = text(render_shared(
        &said,
        at(),
        Some("#lobby"),
        timed(),
        "linechat",
    ));
    assert!(
        tagged.starts_with("@time=2023-11-14T22:13:20.123Z :alice!alice@linechat PRIVMSG"),
        "{tagged}"
    );
}

#[test]
fn long_text_is_cut_into_lines_that_fit() {
    let long = "é".repeat(400);
    let said = Message::Said(turn("bob", &[(LineKind::Say, &long)]));
    let out = text(render_shared(
        &said,
        at(),
        Some("#x"),
        Style::default(),
        "linechat",
    ));
    let lines: Vec<&str> = out.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.len() + 2 <= 512));
    let text_of = |l: &&str| {
        l.split_once(" #x ")
            .unwrap()
            .1
            .trim_start_matches(':')
            .to_owned()
    };
    let joined: String = lines.iter().map(text_of).collect();
    assert_eq!(joined, long);
}

#[test]
fn room_notices_are_irc_commands() {
    let cases = [
        (
            Notice::Joined { name: "a".into() },
            ":a!a@linechat JOIN #r\r\n",
        ),
        (
            Notice::Left {
                name: "a".into(),
                to: Some("#s".into()),
                reason: None,
            },
            ":a!a@linechat PART #r\r\n",
        ),
        (
            Notice::Left {
                name: "a".into(),
                to: None,
                reason: None,
            },
            ":a!a@linechat QUIT Quit\r\n",
        ),
        (
            Notice::Left {
                name: "a".into(),
                to: None,
                reason: Some("gone fishing".into()),
            },
            ":a!a@linechat QUIT :gone fishing\r\n",
        ),
        (
            Notice::Renamed {
                old: "a".into(),
                new: "b".into(),
            },
            ":a!a@linechat NICK b\r\n",
        ),
        (
            Notice::TopicSet {
                by: "a".into(),
                topic: Some("new topic".into()),
            },
            ":a!a@linechat TOPIC #r :new topic\r\n",
        ),
        (
            Notice::Digest {
                joined: 2,
                left: 0,
                secs: 10,
            },
            ":linechat NOTICE #r :2 joined in the last 10 s\r\n",
        ),
    ];
    for (notice, want) in cases {
        let got = text(render_shared(
            &Message::Notice(notice),
            at(),
            Some("#r"),
            Style::default(),
            "linechat",
        ));
        assert_eq!(got, want);
    }
}

#[test]
fn replies_are_numerics_to_the_reader() {
    let me = Recipient {
        server: "linechat",
        nick: "me",
        tagged: false,
        tags: false,
        echo: false,
        asked: "b@d",
        userhost: false,
        multi_prefix: false,
        names_end: true,
        whois: false,
        from_bot: false,
        whox: None,
        markread: None,
    };
    let reply = |r| text(render_to(&Message::Notice(Notice::Reply(r)), at(), &me));
    assert_eq!(
        reply(Reply::NameTaken { name: "bob".into() }),
        ":linechat 433 me bob :Nickname is already in use\r\n"
    );
    assert_eq!(
        reply(Reply::InvalidName {
            why: NameProblem::Characters
        }),
        ":linechat 432 me b@d :Erroneous nickname: use only letters, digits, _ and -\r\n"
    );
    assert_eq!(
        reply(Reply::NoSuchUser { name: "zed".into() }),
        ":linechat 401 me zed :No such nick/channel\r\n"
    );
    let private = Message::Private {
        tags: Default::default(),
        from: "bob".into(),
        kind: LineKind::Say,
        text: "psst".into(),
    };
    assert_eq!(
        text(render_to(&private, at(), &me)),
        ":bob!bob@linechat PRIVMSG me psst\r\n"
    );
    let echo = Message::PrivateEcho {
        tags: Default::default(),
        from: "me".into(),
        kind: LineKind::Say,
        to: "bob".into(),
        text: "hey".into(),
    };
    assert_eq!(text(render_to(&echo, at(), &me)), "", "no echo-message");
    let with_echo = Recipient { echo: true, ..me };
    assert_eq!(
        text(render_to(&echo, at(), &with_echo)),
        ":me!me@linechat PRIVMSG bob hey\r\n"
    );
}

#[test]
fn message_tags_readers_get_msgids_and_tagmsg_and_others_neither() {
    let mut said = Turn::new("alice", at());
    said.push(LineKind::ClientTags, "+draft/reply=1-0");
    said.push(LineKind::Say, "hi");
    said.push(LineKind::Tagmsg, "+typing=active;+x=a\\sb");
    said.id = 0xabc;
    let said = Message::Said(Arc::new(said));
    let tags = Style {
        tags: true,
        ..Style::default()
    };
    let got = text(render_shared(&said, at(), Some("#r"), tags, "linechat"));
    assert_eq!(
        got,
        "@msgid=abc-1;+draft/reply=1-0 :alice!alice@linechat PRIVMSG #r hi\r\n\
         @msgid=abc-2;+typing=active;+x=a\\sb :alice!alice@linechat TAGMSG #r\r\n"
    );
    let plain = text(render_shared(&said, at(), Some("#r"), timed(), "linechat"));
    assert_eq!(
        plain,
        "@time=2023-11-14T22:13:20.123Z :alice!alice@linechat PRIVMSG #r hi\r\n"
    );
}
