//! What a client asks about the server itself, answered at the edge:
//! LUSERS, MOTD (there is none), TIME, VERSION, INFO and HELP.

use super::super::Server;
use crate::irc::Numeric;
use crate::irc::help::help;
use crate::irc::welcome::{Counts, lusers};

impl Server {
    /// Answers `command` (with its first parameter, `subject`) if it is one
    /// of these; returns whether it was.
    pub(super) fn irc_about(&mut self, key: usize, command: &str, subject: Option<&str>) -> bool {
        let server = self.dialects.irc_server();
        match command {
            "LUSERS" => {
                let lines = lusers(server, &self.irc_nick(key), self.irc_counts());
                self.irc_send(key, &lines);
            }
            "HELP" | "HELPOP" => {
                let lines = help(server, &self.irc_nick(key), subject);
                self.irc_send(key, &lines);
            }
            "MOTD" => self.irc_numeric(key, Numeric::NoMotd, &["MOTD File is missing"]),
            "TIME" => {
                let now = crate::irc::server_time::format(self.now.wall);
                self.irc_numeric(key, Numeric::Time, &[server, &now]);
            }
            "VERSION" => {
                let version = concat!("linechat-", env!("CARGO_PKG_VERSION"));
                self.irc_numeric(
                    key,
                    Numeric::Version,
                    &[version, server, "IRC edge of linechat"],
                );
            }
            "INFO" => {
                let text = "linechat: one chat for telnet and IRC clients";
                self.irc_numeric(key, Numeric::Info, &[text]);
                self.irc_numeric(key, Numeric::EndOfInfo, &["End of /INFO list"]);
            }
            _ => return false,
        }
        true
    }

    /// The counts LUSERS reports (also in the welcome burst).
    pub(super) fn irc_counts(&self) -> Counts {
        let peaks = self.chat.peaks();
        Counts {
            users: self.chat.members(),
            max_users: peaks.local,
            known: self.chat.known_users(),
            max_known: peaks.known,
            invisible: self.chat.invisible_users(),
            rooms: self.chat.rooms(),
            unregistered: self.admission.clients().saturating_sub(self.chat.members()),
            operators: self.chat.operators_online(),
        }
    }
}
