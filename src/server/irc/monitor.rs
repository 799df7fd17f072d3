//! MONITOR (IRCv3): a registered client's watch list, asked of the core as
//! [`Request::Watch`]; the core's answers and news come back as
//! `Reply::Watched` and the IRC dialect renders them as 730-734.
//! `MONITOR=`[`MAX_WATCHED`] is in ISUPPORT. With `extended-monitor` and
//! `away-notify`, a watched user's AWAY reaches a watcher who shares no
//! channel with it.

use super::super::Server;
use crate::chat::{MAX_WATCHED, Message as Shown, Notice, Reply, Request, Watch, Watched};
use crate::irc::cap::Cap;
use crate::irc::session::Session;
use crate::irc::{Message, Numeric};

/// The ISUPPORT token that says MONITOR is served, and its limit.
pub(super) fn isupport() -> String {
    format!("MONITOR={MAX_WATCHED}")
}

/// The watch request `MONITOR` with `params` asks for, or the text of its
/// 461 if it asks for none.
fn watch<'a>(params: &[&'a str]) -> Result<Watch<'a>, &'static str> {
    let targets = || -> Result<Vec<&'a str>, &'static str> {
        let list = params.get(1).ok_or("Not enough parameters")?;
        Ok(list.split(',').filter(|t| !t.is_empty()).collect())
    };
    match params.first().copied().unwrap_or("") {
        "+" => Ok(Watch::Add(targets()?)),
        "-" => Ok(Watch::Remove(targets()?)),
        "C" | "c" => Ok(Watch::Clear),
        "L" | "l" => Ok(Watch::List),
        "S" | "s" => Ok(Watch::Status),
        "" => Err("Not enough parameters"),
        _ => Err("Unknown MONITOR subcommand: use +, -, C, L or S"),
    }
}

/// Whether `message` is news of a watched user's AWAY that `session` did
/// not ask for: it needs both `extended-monitor` and `away-notify`.
pub(super) fn unwanted(session: &Session, message: &Shown) -> bool {
    let away = matches!(
        message,
        Shown::Notice(Notice::Reply(Reply::Watched(Watched::Away { .. })))
    );
    away && !(session.has(Cap::ExtendedMonitor) && session.has(Cap::AwayNotify))
}

impl Server {
    /// `MONITOR + nicks`, `- nicks`, `C`, `L` or `S`.
    pub(super) fn irc_monitor(&mut self, key: usize, message: &Message) {
        match watch(message.params()) {
            Ok(watch) => self.irc_request(key, Request::Watch(watch)),
            Err(text) => self.irc_numeric(key, Numeric::NeedMoreParams, &["MONITOR", text]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_subcommand_is_its_request() {
        assert_eq!(watch(&["+", "a,b,,c"]), Ok(Watch::Add(vec!["a", "b", "c"])));
        assert_eq!(watch(&["-", "a"]), Ok(Watch::Remove(vec!["a"])));
        assert_eq!(watch(&["C"]), Ok(Watch::Clear));
        assert_eq!(watch(&["l"]), Ok(Watch::List));
        assert_eq!(watch(&["S", "ignored"]), Ok(Watch::Status));
        assert_eq!(watch(&["+"]), Err("Not enough parameters"));
        assert_eq!(watch(&[]), Err("Not enough parameters"));
        assert!(watch(&["x"]).is_err());
    }
}
