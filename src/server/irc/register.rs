//! Registration of an IRC connection: CAP, NICK, USER, PASS and
//! AUTHENTICATE gathered by [`crate::irc::register::Registration`] until
//! the client is ready, then the nick is claimed from the core, which
//! answers as it answers any login (a taken name is 433, and the client
//! may try another); once it is accepted, the welcome burst.

use super::super::{Server, Slot};
use crate::chat::{Farewell, Input, Message as Shown, Notice, Online};
use crate::irc::register::{Outcome, Ready};
use crate::irc::session::{SERVER, mask};
use crate::irc::welcome::{Counts, burst};
use crate::irc::{Message, Numeric, OwnedMessage, isupport::Isupport, sasl};

impl Server {
    /// One line before registration is over.
    pub(super) fn irc_register(&mut self, key: usize, message: &Message) {
        let offered = self.irc_offered();
        let Some(session) = self.irc_session(key) else {
            return;
        };
        // The registration machine uses the nick it gathered itself.
        let ctx = crate::irc::cap::CapContext {
            server: SERVER,
            nick: "*",
            registered: false,
            offered,
        };
        let outcome = session.registration.handle(&ctx, message);
        match outcome {
            Outcome::Reply(replies) => {
                self.irc_send(key, &replies);
                self.irc_echo_changed(key);
            }
            Outcome::Pass => self.irc_anytime(key, message),
            Outcome::Ready(ready) => self.irc_login(key, ready),
            // SASL is not offered yet: its cap cannot be enabled.
            Outcome::Verify(_) => {
                let failed = sasl::failed(SERVER, &ctx_nick(self, key));
                self.irc_send(key, &[failed]);
            }
        }
    }

    /// Commands allowed before and after registration: PING, PONG, QUIT.
    pub(super) fn irc_anytime(&mut self, key: usize, message: &Message) {
        if message.is("PING") {
            match message.param(0) {
                Some(token) => {
                    let pong = OwnedMessage::new(SERVER, "PONG", &[SERVER, token]);
                    self.irc_send(key, &[pong]);
                }
                None => self.irc_numeric(key, Numeric::NoOrigin, &["No origin specified"]),
            }
        } else if message.is("QUIT") {
            self.mark_close(key, Farewell::Quit);
        }
        // PONG: the line itself told the keepalive the client is there.
    }

    /// NICK and USER are in: the core is asked for the nick, as telnet's
    /// name prompt asks it.
    fn irc_login(&mut self, key: usize, ready: Ready) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        session.claiming = Some(ready.nick.as_str().into());
        session.asked = Some(ready.nick.as_str().into());
        session.password = ready.password;
        self.core(Input::Line {
            local: key,
            text: &ready.nick,
        });
    }

    /// What the core shows a connection registering: its welcome ends
    /// registration. Returns true if it was taken care of here.
    pub(super) fn irc_registration_shown(&mut self, key: usize, message: &Shown) -> bool {
        match message {
            Shown::Notice(Notice::Welcome { name, room, online }) => {
                self.irc_welcome(key, name, room, online, None);
                true
            }
            Shown::Notices(told) => {
                let Some(Notice::Welcome { name, room, online }) = told.first() else {
                    return false;
                };
                let topic = told.iter().find_map(|n| match n {
                    Notice::Topic { topic } => Some(&**topic),
                    _ => None,
                });
                self.irc_welcome(key, name, room, online, topic);
                true
            }
            Shown::PasswordPrompt => {
                // A registered name: until the core takes a password with
                // the login, an IRC client cannot give one.
                let text = "This nick is registered: its password cannot be given over IRC yet";
                self.irc_numeric(key, Numeric::PasswdMismatch, &[text]);
                self.mark_close(key, Farewell::WrongPassword);
                true
            }
            _ => false,
        }
    }

    /// The core accepted the nick: 001-005, LUSERS and MOTD, then the room
    /// the core put the user in, as a JOIN with its names.
    fn irc_welcome(
        &mut self,
        key: usize,
        name: &str,
        room: &str,
        online: &Online,
        topic: Option<&str>,
    ) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        session.named(name);
        let isupport = Isupport {
            network: SERVER.into(),
            topiclen: crate::chat::commands::MAX_TOPIC,
            chanlimit: self.config.max_rooms_per_user,
            extra: Vec::new(),
        };
        let counts = Counts {
            users: self.chat.members(),
            rooms: self.chat.rooms(),
        };
        let mut lines = burst(name, &isupport, counts);
        lines.push(OwnedMessage::new(&mask(name), "JOIN", &[room]));
        if let Some(topic) = topic {
            lines.push(OwnedMessage::numeric(
                SERVER,
                Numeric::Topic,
                name,
                &[room, topic],
            ));
        }
        let names: Vec<&str> = online.shown.iter().map(|(n, _)| &**n).collect();
        let names = names.join(" ");
        lines.push(OwnedMessage::numeric(
            SERVER,
            Numeric::NamReply,
            name,
            &["=", room, &names],
        ));
        lines.push(OwnedMessage::numeric(
            SERVER,
            Numeric::EndOfNames,
            name,
            &[room, "End of /NAMES list"],
        ));
        self.irc_send(key, &lines);
    }
}

/// The nick replies go to, for the connection at `key`.
fn ctx_nick(server: &Server, key: usize) -> String {
    match server.slots.get(key) {
        Some(Slot::Client(conn)) => conn.irc_ref().map_or("*", |s| s.target()).to_owned(),
        _ => "*".to_owned(),
    }
}
