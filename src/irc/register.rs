//! Connection registration before the chat core sees the client: `CAP`,
//! `AUTHENTICATE`, `PASS`, `NICK` and `USER` gathered into one value, pure.
//! It decides only what the protocol decides (461, 431, 432, 451, 462, and
//! when all is in); whether the nick is free (433) and whether a password is
//! right are the core's and the accounts worker's answers.

use super::cap::{Cap, CapContext, CapState};
use super::casemap::{self, NameError};
use super::message::Message;
use super::numeric::Numeric;
use super::render::{self, OwnedMessage};
use super::sasl::{Credentials, Sasl, Step};

/// What a line during registration leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Send these (possibly none) and keep waiting.
    Reply(Vec<OwnedMessage>),
    /// Check these SASL credentials; answer with `sasl::logged_in` or
    /// `sasl::failed`.
    Verify(Credentials),
    /// Not a registration command but allowed before it (`PING`, `PONG`,
    /// `QUIT`): the wiring handles it as usual.
    Pass,
    /// NICK and USER are in and nothing holds registration: claim the nick
    /// (433 if taken), check `password` if given, then send 001-005.
    Ready(Ready),
}

/// What the client registered with.
#[derive(Debug, PartialEq, Eq)]
pub struct Ready {
    /// The nick to claim, as typed.
    pub nick: String,
    /// The USER name (shown as `nick!user@host`).
    pub user: String,
    /// The USER real name.
    pub realname: String,
    /// The PASS password, if one was sent (for a registered name).
    pub password: Option<String>,
}

/// The registration state of one IRC connection.
#[derive(Debug, Default)]
pub struct Registration {
    /// Capability negotiation.
    pub cap: CapState,
    /// The SASL exchange.
    pub sasl: Sasl,
    pass: Option<String>,
    nick: Option<String>,
    user: Option<(String, String)>,
}

impl Registration {
    /// The nick given so far, or `*` for replies.
    pub fn nick(&self) -> &str {
        self.nick.as_deref().unwrap_or("*")
    }

    /// Handles one line before registration ends. `ctx.registered` must be
    /// false; `ctx.nick` is ignored (the nick given so far is used).
    pub fn handle(&mut self, ctx: &CapContext, message: &Message) -> Outcome {
        let nick = self.nick().to_owned();
        let ctx = CapContext {
            nick: &nick,
            ..*ctx
        };
        let reply = |numeric, params: &[&str]| {
            Outcome::Reply(vec![OwnedMessage::numeric(
                ctx.server, numeric, ctx.nick, params,
            )])
        };
        let command = message.command.to_ascii_uppercase();
        let needs = match command.as_str() {
            "USER" => 4,
            "PASS" | "AUTHENTICATE" => 1,
            _ => 0,
        };
        if message.params().len() < needs {
            return reply(
                Numeric::NeedMoreParams,
                &[&command, "Not enough parameters"],
            );
        }
        match command.as_str() {
            "CAP" => {
                // Only END answers nothing, and it may complete registration.
                let replies = self.cap.handle(&ctx, message);
                if !replies.is_empty() {
                    return Outcome::Reply(replies);
                }
            }
            "AUTHENTICATE" => return self.authenticate(&ctx, message.param(0).unwrap_or("")),
            "PASS" => self.pass = message.param(0).map(str::to_owned),
            "NICK" => match message.param(0).map(casemap::nick) {
                None => return reply(Numeric::NoNicknameGiven, &["No nickname given"]),
                Some(Err(NameError::BadNick(why) | NameError::BadChannel(why))) => {
                    let typed = render::as_middle(message.param(0).unwrap_or(""));
                    return reply(Numeric::ErroneousNickname, &[typed, why]);
                }
                Some(Ok(nick)) => self.nick = Some(nick.to_owned()),
            },
            // An empty user name or real name is refused (modern IRC).
            "USER"
                if message.param(0).is_some_and(str::is_empty) || message.param(3) == Some("") =>
            {
                return reply(Numeric::NeedMoreParams, &["USER", "Not enough parameters"]);
            }
            "USER" => {
                let realname = message.param(3).unwrap_or("");
                self.user = message
                    .param(0)
                    .map(|u| (u.to_owned(), realname.to_owned()));
            }
            "PING" | "PONG" | "QUIT" => return Outcome::Pass,
            _ => return reply(Numeric::NotRegistered, &["You have not registered"]),
        }
        self.ready()
    }

    fn authenticate(&mut self, ctx: &CapContext, param: &str) -> Outcome {
        if !self.cap.enabled().contains(Cap::Sasl) {
            let failed = OwnedMessage::numeric(
                ctx.server,
                Numeric::SaslFail,
                ctx.nick,
                &["SASL authentication failed"],
            );
            return Outcome::Reply(vec![failed]);
        }
        match self.sasl.authenticate(param) {
            Step::Continue => {
                Outcome::Reply(vec![OwnedMessage::new(ctx.server, "AUTHENTICATE", &["+"])])
            }
            Step::More => Outcome::Reply(Vec::new()),
            Step::Verify(credentials) => Outcome::Verify(credentials),
            Step::Fail(failure) => Outcome::Reply(failure.replies(ctx.server, ctx.nick)),
        }
    }

    /// `Ready` once NICK and USER are in and neither CAP nor SASL holds
    /// registration back. The state stays: if the core refuses the nick
    /// (433), the client's next NICK makes it `Ready` again with the same
    /// USER; the wiring drops the `Registration` once the core accepts.
    pub fn ready(&self) -> Outcome {
        let (Some(nick), Some((user, realname))) = (&self.nick, &self.user) else {
            return Outcome::Reply(Vec::new());
        };
        if self.cap.holds_registration() || self.sasl.in_progress() {
            return Outcome::Reply(Vec::new());
        }
        Outcome::Ready(Ready {
            nick: nick.clone(),
            user: user.clone(),
            realname: realname.clone(),
            password: self.pass.clone(),
        })
    }
}

/// The reply to a registration command after registration (462).
pub fn already_registered(server: &str, nick: &str) -> OwnedMessage {
    OwnedMessage::numeric(
        server,
        Numeric::AlreadyRegistered,
        nick,
        &["You may not reregister"],
    )
}

#[cfg(test)]
#[path = "register_tests.rs"]
mod tests;
