//! HELP (and its alias HELPOP): one topic per IRC command linechat serves,
//! as 704 (start), 705 (text) and 706 (end), or 524 for an unknown topic
//! (modern.ircdocs.horse). Pure: a table and its rendering. Telnet's
//! `/help` comes from its own command table (`chat::commands`); where an
//! IRC command is the same action as a telnet command, its text here says
//! so.

use super::numeric::Numeric;
use super::render::OwnedMessage;

/// One topic: the command, how it is typed, and what it does.
struct Topic {
    name: &'static str,
    usage: &'static str,
    text: &'static str,
}

/// Every topic, in the order `HELP` with no subject lists them. A plain
/// table: one row per command the IRC edge answers.
const TOPICS: &[Topic] = &[
    Topic {
        name: "AWAY",
        usage: "AWAY [:text]",
        text: "mark yourself away with text, or back without (301/305/306)",
    },
    Topic {
        name: "CAP",
        usage: "CAP LS|REQ|LIST|END",
        text: "negotiate IRCv3 capabilities",
    },
    Topic {
        name: "HELP",
        usage: "HELP [subject]",
        text: "this help; HELPOP is the same",
    },
    Topic {
        name: "INFO",
        usage: "INFO",
        text: "what this server is",
    },
    Topic {
        name: "JOIN",
        usage: "JOIN #room[,#room...] | JOIN 0",
        text: "enter rooms (made on demand, as telnet's /join), or part them all",
    },
    Topic {
        name: "LIST",
        usage: "LIST [mask|!mask|<n|>n]",
        text: "the rooms in use, with their members and topics",
    },
    Topic {
        name: "LUSERS",
        usage: "LUSERS",
        text: "how many users, connections and rooms there are",
    },
    Topic {
        name: "MODE",
        usage: "MODE target [modes]",
        text: "a room's or your own modes",
    },
    Topic {
        name: "MONITOR",
        usage: "MONITOR +|- nick[,nick...] | MONITOR C|L|S",
        text: "watch nicks: told when they come online (730) or go (731); clear, list, status",
    },
    Topic {
        name: "MOTD",
        usage: "MOTD",
        text: "the message of the day (there is none)",
    },
    Topic {
        name: "NAMES",
        usage: "NAMES #room[,#room...]",
        text: "who is in a room",
    },
    Topic {
        name: "NICK",
        usage: "NICK name",
        text: "change your name (as telnet's /nick)",
    },
    Topic {
        name: "NOTICE",
        usage: "NOTICE target :text",
        text: "a line to a room or a nick that is never answered",
    },
    Topic {
        name: "PART",
        usage: "PART #room[,#room...] [:reason]",
        text: "leave rooms, staying online",
    },
    Topic {
        name: "PING",
        usage: "PING token",
        text: "the server answers PONG token",
    },
    Topic {
        name: "PRIVMSG",
        usage: "PRIVMSG target[,target...] :text",
        text: "a line to a room, or to one nick only (as telnet's /msg)",
    },
    Topic {
        name: "QUIT",
        usage: "QUIT [:reason]",
        text: "leave (as telnet's /quit)",
    },
    Topic {
        name: "SETNAME",
        usage: "SETNAME :real name",
        text: "change your real name (at most 100 bytes), shown with the setname capability",
    },
    Topic {
        name: "TIME",
        usage: "TIME",
        text: "the server's time",
    },
    Topic {
        name: "TOPIC",
        usage: "TOPIC #room [:text]",
        text: "show a room's topic, or set it (an empty text clears it)",
    },
    Topic {
        name: "USERHOST",
        usage: "USERHOST nick [nick...]",
        text: "up to five nicks' user@host and whether they are away",
    },
    Topic {
        name: "VERSION",
        usage: "VERSION",
        text: "the server's version",
    },
    Topic {
        name: "WHO",
        usage: "WHO #room|nick|mask",
        text: "who is in a room, or whose nick matches a mask (* and ?)",
    },
    Topic {
        name: "WHOIS",
        usage: "WHOIS nick",
        text: "a user's rooms, idle time and away text",
    },
    Topic {
        name: "WHOWAS",
        usage: "WHOWAS nick [count]",
        text: "who recently had a nick on this node",
    },
];

/// The reply to `HELP subject` for `nick`: the topic's lines between 704
/// and 706, each naming the subject; with no subject, the list of topics;
/// an unknown subject is 524.
pub fn help(server: &str, nick: &str, subject: Option<&str>) -> Vec<OwnedMessage> {
    let n = |numeric, params: &[&str]| OwnedMessage::numeric(server, numeric, nick, params);
    let Some(subject) = subject.filter(|s| !s.is_empty()) else {
        let mut lines = vec![n(Numeric::HelpStart, &["*", "linechat's IRC commands:"])];
        for topic in TOPICS {
            let line = format!("{} - {}", topic.usage, topic.text);
            lines.push(n(Numeric::HelpTxt, &["*", &line]));
        }
        lines.push(n(Numeric::EndOfHelp, &["*", "End of /HELP"]));
        return lines;
    };
    match TOPICS.iter().find(|t| t.name.eq_ignore_ascii_case(subject)) {
        Some(topic) => vec![
            n(Numeric::HelpStart, &[topic.name, topic.usage]),
            n(Numeric::HelpTxt, &[topic.name, topic.text]),
            n(Numeric::EndOfHelp, &[topic.name, "End of /HELP"]),
        ],
        None => vec![n(
            Numeric::HelpNotFound,
            &[subject, "No help available on this topic"],
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(lines: &[OwnedMessage]) -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8(l.to_bytes().unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn a_known_subject_is_704_705_706_in_its_own_name() {
        let lines = wire(&help("srv", "ann", Some("privmsg")));
        assert_eq!(
            lines,
            [
                ":srv 704 ann PRIVMSG :PRIVMSG target[,target...] :text\r\n",
                ":srv 705 ann PRIVMSG :a line to a room, or to one nick only (as telnet's /msg)\r\n",
                ":srv 706 ann PRIVMSG :End of /HELP\r\n",
            ]
        );
    }

    #[test]
    fn no_subject_lists_every_topic_and_an_unknown_one_is_524() {
        let lines = help("srv", "ann", None);
        assert_eq!(lines.len(), TOPICS.len() + 2);
        assert_eq!(&*lines[0].command, "704");
        assert!(
            lines[1..lines.len() - 1]
                .iter()
                .all(|l| &*l.command == "705")
        );
        assert_eq!(&*lines.last().unwrap().command, "706");
        assert_eq!(
            wire(&help("srv", "ann", Some("NOPE"))),
            [":srv 524 ann NOPE :No help available on this topic\r\n"]
        );
    }

    #[test]
    fn topics_are_sorted_and_unique() {
        assert!(TOPICS.windows(2).all(|w| w[0].name < w[1].name));
    }
}
