//! One IRC connection's state at the edge, pure: its registration (and the
//! capabilities it keeps negotiating after), the nick the core accepted,
//! a password waiting for the core's prompt, its away text, and the
//! keepalive's PING/PONG state. The server holds one per IRC connection.

use super::cap::{Cap, CapSet};
use super::register::Registration;

/// The server's name when `--irc-server-name` is not given: every reply's
/// prefix.
pub const SERVER: &str = "linechat";

/// The host in every user's `nick!user@host`.
pub const HOST: &str = "linechat";

/// What the keepalive knows of a connection (see [`Session::keepalive`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Keepalive {
    /// A line came since the last check: nothing to do.
    #[default]
    Heard,
    /// Silent for one interval: a PING is due.
    Quiet,
    /// PINGed and still silent: at the next check it is closed.
    Pinged,
}

/// What the keepalive's timer must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepaliveStep {
    /// Nothing: check again after one interval.
    Wait,
    /// Send a PING, then check again.
    Ping,
    /// No answer to the PING: close the connection.
    TimedOut,
}

/// One IRC connection.
#[derive(Debug, Default)]
pub struct Session {
    /// NICK/USER/PASS/CAP/SASL gathered; its `cap` stays the connection's
    /// capabilities after registration.
    pub registration: Registration,
    /// The nick the core accepted: registered once set.
    nick: Option<Box<str>>,
    /// The account SASL logged in (the nick registration ends with).
    pub account: Option<Box<str>>,
    /// A SASL login is with the core: its refusal is 904.
    pub sasl_waiting: bool,
    /// The nick or channel the request being answered named (432 and 403
    /// repeat it).
    pub asked: Option<Box<str>>,
    /// Whether the request being answered is WHOIS (401 is then followed
    /// by 318).
    pub whois: bool,
    /// `AWAY`'s text.
    pub away: Option<Box<str>>,
    keepalive: Keepalive,
    /// USER's user name and real name (WHOIS shows them).
    pub user: Option<(Box<str>, Box<str>)>,
    /// A NOTICE is being handed to the core: its refusals are not answered
    /// (a NOTICE never is).
    pub quiet: bool,
    /// USERHOST's answer being gathered (`nick=+nick@host` words), while
    /// its nicks are asked of the core one by one.
    pub userhost: Option<String>,
    /// NAMES of several channels is being answered: each channel's 353s,
    /// then one 366 naming them all, so the per-channel 366 is held back.
    pub names_of_several: bool,
    /// Whether the core was last told `echo-message` is on.
    pub echo_told: bool,
    /// draft/read-marker's markers (MARKREAD).
    pub read_markers: super::read_marker::ReadMarkers,
    /// A WHO being answered is WHOX: its `%fields[,token]`.
    pub whox: Option<Box<str>>,
    /// The private message being shown is from a bot (+B): it carries the
    /// `bot` tag for a reader with `message-tags`.
    pub from_bot: bool,
    /// The line being handled held bytes that were not UTF-8: they were
    /// cleaned into U+FFFD, and the client is warned (UTF8ONLY).
    pub invalid_utf8: bool,
}

impl Session {
    /// The nick the core accepted, if registration is over.
    pub fn nick(&self) -> Option<&str> {
        self.nick.as_deref()
    }

    /// The nick to address replies to: the accepted one, else `*` (a nick
    /// given but not accepted yet is not the client's).
    pub fn target(&self) -> &str {
        self.nick().unwrap_or("*")
    }

    /// Registration is over: the core accepted `nick` (also a later NICK).
    pub fn named(&mut self, nick: &str) {
        self.nick = Some(nick.into());
    }

    /// Whether registration is over.
    pub fn registered(&self) -> bool {
        self.nick.is_some()
    }

    /// The capabilities enabled.
    pub fn caps(&self) -> CapSet {
        self.registration.cap.enabled()
    }

    /// Whether `cap` is enabled.
    pub fn has(&self, cap: Cap) -> bool {
        self.caps().contains(cap)
    }

    /// A line came from the client: it is alive.
    pub fn heard(&mut self) {
        self.keepalive = Keepalive::Heard;
    }

    /// The keepalive's timer fired (every `--keepalive`): after one silent
    /// interval the client is PINGed; after a second it is closed.
    pub fn keepalive(&mut self) -> KeepaliveStep {
        let (next, step) = match self.keepalive {
            Keepalive::Heard => (Keepalive::Quiet, KeepaliveStep::Wait),
            Keepalive::Quiet => (Keepalive::Pinged, KeepaliveStep::Ping),
            Keepalive::Pinged => (Keepalive::Pinged, KeepaliveStep::TimedOut),
        };
        self.keepalive = next;
        step
    }
}

/// `nick!nick@linechat`: how a user is named in a line's prefix.
pub fn mask(nick: &str) -> String {
    format!("{nick}!{nick}@{HOST}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_client_is_pinged_then_timed_out_and_any_line_resets() {
        let mut session = Session::default();
        assert_eq!(session.keepalive(), KeepaliveStep::Wait);
        assert_eq!(session.keepalive(), KeepaliveStep::Ping);
        session.heard();
        assert_eq!(session.keepalive(), KeepaliveStep::Wait);
        assert_eq!(session.keepalive(), KeepaliveStep::Ping);
        assert_eq!(session.keepalive(), KeepaliveStep::TimedOut);
    }

    #[test]
    fn the_reply_target_follows_registration() {
        let mut session = Session::default();
        assert_eq!(session.target(), "*");
        assert!(!session.registered());
        session.named("alice");
        assert_eq!((session.target(), session.registered()), ("alice", true));
        assert_eq!(mask("alice"), "alice!alice@linechat");
    }
}
