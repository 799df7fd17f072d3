//! WHOWAS: who had a nick before, from the core's ring of names this
//! node's users gave up ([`crate::chat::Chat::whowas`]): 314 and 312 per
//! past holder, newest first, then 369; 406 (and 369) when nobody had it.

use super::super::Server;
use crate::irc::Numeric;
use crate::irc::session::HOST;

impl Server {
    /// `WHOWAS nick[,nick...] [count]`: a count that is missing, not a
    /// number or not positive means every entry.
    pub(super) fn irc_whowas(&mut self, key: usize, nicks: &str, count: Option<&str>) {
        let count = count.and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
        let count = usize::try_from(count).unwrap_or(0);
        let server = self.dialects.irc_server();
        for nick in nicks.split(',').filter(|n| !n.is_empty()) {
            let found = self.chat.whowas(nick, count);
            if found.is_empty() {
                let text = "There was no such nickname";
                self.irc_numeric(key, Numeric::WasNoSuchNick, &[nick, text]);
            }
            for was in found {
                let name = &*was.name;
                let (user, real) = match &was.described {
                    Some((user, real)) => (&**user, &**real),
                    None => (name, name),
                };
                self.irc_numeric(key, Numeric::WhoWasUser, &[name, user, HOST, "*", real]);
                let when = crate::irc::server_time::format(was.at);
                self.irc_numeric(key, Numeric::WhoisServer, &[name, server, &when]);
            }
            self.irc_numeric(key, Numeric::EndOfWhoWas, &[nick, "End of WHOWAS"]);
        }
    }
}
