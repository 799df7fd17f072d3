//! The watch list's numerics (IRCv3 MONITOR): 730 online (as
//! `nick!user@host`), 731 offline, 732 the list and 733 its end, 734 full;
//! and `extended-monitor`'s AWAY of a watched user.
//! A long list is cut into as many lines as 512 bytes need.

use super::lists::Numerics;
use crate::chat::Watched;
use crate::irc::numeric::Numeric;
use crate::irc::render;
use crate::irc::session::mask;

impl Numerics<'_, '_, '_> {
    /// What the core says of the recipient's watch list.
    pub fn watched(&mut self, watched: &Watched) {
        match watched {
            Watched::Online(names) => {
                let masks: Vec<String> = names.iter().map(|n| mask(n)).collect();
                self.comma_lines(Numeric::MonOnline, masks.iter().map(String::as_str));
            }
            Watched::Offline(names) => {
                self.comma_lines(Numeric::MonOffline, names.iter().map(|n| &**n));
            }
            Watched::List(names) => {
                self.comma_lines(Numeric::MonList, names.iter().map(|n| &**n));
                self.send(Numeric::EndOfMonList, &["End of MONITOR list"]);
            }
            Watched::Away { name, text } => {
                let text: Vec<&str> = text.as_deref().into_iter().collect();
                self.lines.line(self.at, Some(&mask(name)), "AWAY", &text);
            }
            Watched::RealName { name, text } => {
                self.lines
                    .line(self.at, Some(&mask(name)), "SETNAME", &[text]);
            }
            Watched::Full { max, names } => {
                let names: Vec<&str> = names.iter().map(|n| &**n).collect();
                let text = "Monitor list is full";
                self.send(
                    Numeric::MonListFull,
                    &[&max.to_string(), &names.join(","), text],
                );
            }
        }
    }

    /// `numeric` with `items` joined by commas, as many per line as fit.
    fn comma_lines<'i>(&mut self, numeric: Numeric, items: impl Iterator<Item = &'i str>) {
        let code = numeric.code_str();
        let budget = render::text_budget(Some(self.to.server), code, &[self.to.nick]);
        let mut line = String::new();
        for item in items {
            if !line.is_empty() && line.len() + 1 + item.len() > budget {
                self.send(numeric, &[&line]);
                line.clear();
            }
            if !line.is_empty() {
                line.push(',');
            }
            line.push_str(item);
        }
        if !line.is_empty() {
            self.send(numeric, &[&line]);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::chat::{Message, Notice, Reply, Watched};
    use crate::dialect::irc::{Recipient, render_to};
    use std::time::SystemTime;

    fn shown(watched: Watched) -> String {
        let me = Recipient {
            server: "linechat",
            nick: "me",
            tagged: false,
            tags: false,
            echo: false,
            asked: "*",
            userhost: false,
            multi_prefix: false,
            names_end: true,
            whois: false,
            from_bot: false,
            whox: None,
            markread: None,
        };
        let message = Message::Notice(Notice::Reply(Reply::Watched(watched)));
        let at = SystemTime::UNIX_EPOCH;
        String::from_utf8(render_to(&message, at, &me).to_vec()).unwrap()
    }

    fn names(names: &[&str]) -> Vec<Box<str>> {
        names.iter().map(|&n| n.into()).collect()
    }

    #[test]
    fn each_answer_is_its_numeric() {
        assert_eq!(
            shown(Watched::Online(names(&["Bob", "carol"]))),
            ":linechat 730 me Bob!Bob@linechat,carol!carol@linechat\r\n"
        );
        assert_eq!(
            shown(Watched::Offline(names(&["QUX"]))),
            ":linechat 731 me QUX\r\n"
        );
        assert_eq!(
            shown(Watched::List(names(&["a", "b"]))),
            ":linechat 732 me a,b\r\n:linechat 733 me :End of MONITOR list\r\n"
        );
        assert_eq!(
            shown(Watched::List(Vec::new())),
            ":linechat 733 me :End of MONITOR list\r\n",
            "an empty list is its end alone"
        );
        let away = |text: Option<&str>| Watched::Away {
            name: "bar".into(),
            text: text.map(Into::into),
        };
        assert_eq!(
            shown(away(Some("out to lunch"))),
            ":bar!bar@linechat AWAY :out to lunch\r\n"
        );
        assert_eq!(shown(away(None)), ":bar!bar@linechat AWAY\r\n");
        assert_eq!(
            shown(Watched::RealName {
                name: "bar".into(),
                text: "Bar Baz".into()
            }),
            ":bar!bar@linechat SETNAME :Bar Baz\r\n"
        );
        assert_eq!(
            shown(Watched::Full {
                max: 100,
                names: names(&["x", "y"])
            }),
            ":linechat 734 me 100 x,y :Monitor list is full\r\n"
        );
    }

    #[test]
    fn a_long_list_is_cut_into_lines_that_fit() {
        let many: Vec<String> = (0..100).map(|i| format!("someone-{i:03}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let out = shown(Watched::List(names(&many)));
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(lines.len() > 3, "{}", lines.len());
        assert!(lines.iter().all(|l| l.len() + 2 <= 512));
        let listed: Vec<&str> = (lines[..lines.len() - 1].iter())
            .flat_map(|l| l.rsplit(' ').next().unwrap().split(','))
            .collect();
        assert_eq!(listed, many, "every name, in order, once");
    }
}
