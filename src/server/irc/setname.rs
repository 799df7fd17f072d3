//! SETNAME (IRCv3 `setname`): a registered client changes its real name.
//! The edge answers a bad one with `FAIL SETNAME INVALID_REALNAME`; the
//! core keeps the new one (WHO, WHOIS and WHOWAS show it) and tells the
//! change to the client, its channels and its extended-monitor watchers,
//! and the IRC dialect renders
//! `:nick!user@host SETNAME :real name` only for readers with the
//! capability (room lines through their own [`Kind`](crate::dialect::Kind);
//! lines to one reader are filtered here).

use super::super::Server;
use crate::chat::{Message as Shown, Notice, Reply, Request, Watched, valid_real_name};
use crate::irc::cap::Cap;
use crate::irc::render::OwnedMessage;
use crate::irc::session::Session;

/// Whether `message` is a real name's change that `session` did not ask
/// for: it needs `setname` (and `extended-monitor` for a watched user's).
pub(super) fn unwanted(session: &Session, message: &Shown) -> bool {
    match message {
        Shown::Notice(Notice::RealName { .. }) => !session.has(Cap::Setname),
        Shown::Notice(Notice::Reply(Reply::Watched(Watched::RealName { .. }))) => {
            !(session.has(Cap::Setname) && session.has(Cap::ExtendedMonitor))
        }
        _ => false,
    }
}

impl Server {
    /// `SETNAME :real name`: checked here, kept and told by the core.
    pub(super) fn irc_setname(&mut self, key: usize, text: &str) {
        if !valid_real_name(text) {
            let server = self.dialects.irc_server();
            let why = ["SETNAME", "INVALID_REALNAME", "Realname is not valid"];
            return self.irc_send(key, &[OwnedMessage::new(server, "FAIL", &why)]);
        }
        self.irc_request(key, Request::SetName(text));
    }
}
