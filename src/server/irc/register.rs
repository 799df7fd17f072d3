//! Registration of an IRC connection: CAP, NICK, USER, PASS and
//! AUTHENTICATE gathered by [`crate::irc::register::Registration`] until
//! the client is ready, then one [`Request::Login`] of the core, which
//! answers as it answers any login: a taken name is 433 (the client may
//! try another), a registered one needs its password (PASS, or SASL PLAIN,
//! whose login is asked for as soon as its credentials are in); once the
//! core says `LoggedIn` and nothing holds registration, the welcome burst.

use super::super::Server;
use crate::chat::{Farewell, Message as Shown, Notice, Reply, Request, Secret};
use crate::irc::register::{Outcome, Ready};
use crate::irc::sasl::{self, Credentials};
use crate::irc::session::mask;
use crate::irc::welcome::burst;
use crate::irc::{Message, Numeric, OwnedMessage, isupport::Isupport};

impl Server {
    /// One line before registration is over.
    pub(super) fn irc_register(&mut self, key: usize, message: &Message) {
        let server = self.dialects.irc_server();
        let offered = self.irc_offered(key);
        let Some(session) = self.irc_session(key) else {
            return;
        };
        // The registration machine uses the nick it gathered itself.
        let ctx = crate::irc::cap::CapContext {
            server,
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
            Outcome::Verify(credentials) => self.irc_sasl(key, credentials),
        }
    }

    /// Commands allowed before and after registration: PING, PONG, QUIT.
    pub(super) fn irc_anytime(&mut self, key: usize, message: &Message) {
        let server = self.dialects.irc_server();
        if message.is("PING") {
            match message.param(0) {
                Some(token) => {
                    let pong = OwnedMessage::new(server, "PONG", &[server, token]);
                    self.irc_send(key, &[pong]);
                }
                None => self.irc_numeric(key, Numeric::NoOrigin, &["No origin specified"]),
            }
        } else if message.is("QUIT") {
            self.mark_close(key, Farewell::Quit);
        }
        // PONG: the line itself told the keepalive the client is there.
    }

    /// SASL PLAIN's credentials are in: the core logs the account in now
    /// (its answer is 900/903 or 904), before registration ends.
    fn irc_sasl(&mut self, key: usize, credentials: Credentials) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        if session.account.is_some() {
            return self.irc_numeric(
                key,
                Numeric::SaslAlready,
                &["You have already authenticated"],
            );
        }
        session.sasl_waiting = true;
        session.asked = Some(credentials.account.as_str().into());
        let password = Some(Secret(credentials.password.into()));
        let name = &credentials.account;
        self.irc_request(key, Request::Login { name, password });
    }

    /// NICK and USER are in and nothing holds registration: the core is
    /// asked for the nick (with PASS's password), unless SASL logged the
    /// client in already, which ends registration at once.
    fn irc_login(&mut self, key: usize, ready: Ready) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        if let Some(account) = session.account.clone() {
            session.user = Some((ready.user.as_str().into(), ready.realname.as_str().into()));
            return self.irc_welcome(key, &account);
        }
        if session.sasl_waiting {
            return; // Its answer looks at registration again.
        }
        session.asked = Some(ready.nick.as_str().into());
        session.user = Some((ready.user.as_str().into(), ready.realname.as_str().into()));
        let password = ready.password.map(|p| Secret(p.into()));
        let name = &ready.nick;
        self.irc_request(key, Request::Login { name, password });
    }

    /// What the core shows a connection registering: its login's answer.
    /// Returns true if it was taken care of here.
    pub(super) fn irc_registration_shown(&mut self, key: usize, message: &Shown) -> bool {
        let server = self.dialects.irc_server();
        let Some(session) = self.irc_session(key) else {
            return false;
        };
        if session.registered() {
            return false;
        }
        let sasl = session.sasl_waiting;
        let target = session.target().to_owned();
        match message {
            Shown::Notice(Notice::Reply(Reply::LoggedIn { name })) if sasl => {
                session.sasl_waiting = false;
                session.account = Some(name.clone());
                let lines = sasl::logged_in(server, &target, &mask(name), name);
                self.irc_send(key, &lines);
                // Registration may have been waiting for SASL alone.
                let ready = self.irc_session(key).map(|s| s.registration.ready());
                if let Some(Outcome::Ready(ready)) = ready {
                    self.irc_login(key, ready);
                }
                true
            }
            Shown::Notice(Notice::Reply(Reply::LoggedIn { name })) => {
                self.irc_welcome(key, name);
                true
            }
            // Any refusal of a SASL login is 904.
            Shown::Notice(Notice::Reply(_)) | Shown::Notice(Notice::Unlinked { .. }) if sasl => {
                session.sasl_waiting = false;
                self.irc_send(key, &[sasl::failed(server, &target)]);
                // A client may go on without SASL.
                let ready = self.irc_session(key).map(|s| s.registration.ready());
                if let Some(Outcome::Ready(ready)) = ready {
                    self.irc_login(key, ready);
                }
                true
            }
            // A node that cannot check names now (not linked to the others
            // yet, or cut off): the nick is temporarily unavailable, a
            // numeric a client acts on (RFC 2812), in the notice's words.
            Shown::Notice(notice @ Notice::Unlinked { .. }) => {
                let asked = session.asked.clone().unwrap_or_default();
                let asked = crate::irc::render::as_middle(&asked).to_owned();
                let words = crate::dialect::telnet::notice_words(notice);
                let line = OwnedMessage::numeric(
                    server,
                    Numeric::UnavailResource,
                    &target,
                    &[&asked, &words],
                );
                self.irc_send(key, &[line]);
                true
            }
            _ => false,
        }
    }

    /// The core logged the client in as `name`: 001-005, LUSERS and MOTD.
    fn irc_welcome(&mut self, key: usize, name: &str) {
        let server = self.dialects.irc_server();
        let Some(session) = self.irc_session(key) else {
            return;
        };
        session.named(name);
        // The core keeps USER's names for WHOWAS.
        if let Some((user, real)) = session.user.clone() {
            self.chat.describe(key, &user, &real);
        }
        let isupport = Isupport {
            network: "linechat".into(),
            topiclen: crate::chat::commands::MAX_TOPIC,
            chanlimit: self.config.max_rooms_per_user,
            // MONITOR's and SILENCE's limits; draft/chathistory's most lines per request
            // (the room's kept), where history is kept.
            extra: [super::monitor::isupport(), super::silence::isupport()]
                .into_iter()
                .chain(
                    (self.config.history > 0)
                        .then(|| format!("CHATHISTORY={}", self.config.history)),
                )
                .collect(),
        };
        let counts = self.irc_counts();
        let lines = burst(server, name, &isupport, counts);
        self.irc_send(key, &lines);
    }
}
