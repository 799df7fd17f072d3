//! A registered IRC client's commands, each mapped to what it asks of the
//! core; what linechat does not support is 421.

use super::super::Server;
use crate::irc::register::already_registered;
use crate::irc::session::SERVER;
use crate::irc::{Message, Numeric};

impl Server {
    /// One command from a registered client.
    pub(super) fn irc_command(&mut self, key: usize, message: &Message) {
        let command = message.command.to_ascii_uppercase();
        match command.as_str() {
            "PING" | "PONG" | "QUIT" => self.irc_anytime(key, message),
            "CAP" => self.irc_cap(key, message),
            "USER" | "PASS" => {
                let Some(session) = self.irc_session(key) else {
                    return;
                };
                let reply = already_registered(SERVER, session.target());
                self.irc_send(key, &[reply]);
            }
            _ => self.irc_numeric(
                key,
                Numeric::UnknownCommand,
                &[message.command, "Unknown command"],
            ),
        }
    }

    /// CAP after registration: LS, LIST, REQ (no END to wait for).
    fn irc_cap(&mut self, key: usize, message: &Message) {
        let offered = self.irc_offered();
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let nick = session.target().to_owned();
        let ctx = crate::irc::cap::CapContext {
            server: SERVER,
            nick: &nick,
            registered: true,
            offered,
        };
        let replies = session.registration.cap.handle(&ctx, message);
        self.irc_send(key, &replies);
    }
}
