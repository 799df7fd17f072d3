//! IRC connections in the reactor: the listeners (`--irc-addr`, and
//! `--ircs-addr` over TLS), each framed line parsed and answered, the
//! replies written for the one connection they name, and the keepalive
//! that PINGs a silent client and closes one that does not answer.
//! Admission, flood control, output limits and the memory budget are the
//! same as telnet's: an IRC connection is a `Conn` with the IRC codec.
//!
//! - `register`: CAP, NICK, USER, PASS and AUTHENTICATE until the core
//!   accepts the nick, then the welcome burst.
//! - `commands`: what a registered client's commands ask of the core;
//!   `about`: what it asks about the server (LUSERS, TIME, ...);
//!   `oper`: the server operators' OPER, KILL and WALLOPS;
//!   `monitor`: its watch list (MONITOR);
//!   `setname`: its real name (SETNAME);
//!   `whowas`: who had a nick before;
//!   `moderation`: MODE, KICK and INVITE; `owned`: ROOM and CS (owned rooms);
//!   `user_mode`: MODE of one's own nick (+B, +i).

mod about;
mod chathistory;
mod commands;
mod moderation;
mod monitor;
mod oper;
mod owned;
mod register;
mod setname;
mod silence;
mod tagmsg;
mod user_mode;
mod whowas;

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::{Farewell, Message as Shown, Notice, Reply};
use crate::dialect::irc::{Recipient, render_to};
use crate::framing::Frame;
use crate::irc::cap::{Cap, CapSet};
use crate::irc::session::{HOST, KeepaliveStep, Session};
use crate::irc::{Message, Numeric, OwnedMessage, ParseError};
use bytes::Bytes;
use log::info;
use std::io;
use std::net::SocketAddr;
use std::time::SystemTime;

impl Server {
    /// Serves IRC on an already bound listener: plain (`--irc-addr`), or
    /// over TLS (`--ircs-addr`) with the certificate of
    /// [`serve_tls`](Self::serve_tls), which must be called first. Returns
    /// the listener's address.
    pub fn serve_irc(
        &mut self,
        listener: std::net::TcpListener,
        tls: bool,
    ) -> io::Result<SocketAddr> {
        let slot = if tls {
            Slot::IrcsListener
        } else {
            Slot::IrcListener
        };
        let addr = self.add_listener(listener, slot, tls.then_some("IRC"))?;
        // Not "listening on": tests read the chat listener from that.
        let over = if tls { " over TLS" } else { "" };
        info!("serving IRC{over} at {addr}");
        Ok(addr)
    }

    /// The IRC listeners' addresses, plain first (useful with port 0).
    pub fn irc_addrs(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        let (mut plain, mut tls) = (None, None);
        for (_, slot) in self.slots.iter() {
            match slot {
                Slot::IrcListener(l) => plain = l.local_addr().ok(),
                Slot::IrcsListener(l) => tls = l.local_addr().ok(),
                _ => {}
            }
        }
        (plain, tls)
    }

    /// An IRC connection was taken in: its keepalive starts.
    pub(super) fn irc_opened(&mut self, key: usize, id: u64) {
        if let Some(every) = self.config.keepalive {
            let at = self.now.instant + every;
            self.timers
                .schedule(at, Timer::conn(ConnTimer::Ping, key, id));
        }
    }

    /// The keepalive of the IRC connection at `key` is due: a client silent
    /// for one interval is PINGed, one silent for two is closed.
    pub(super) fn irc_keepalive(&mut self, key: usize) {
        let server = self.dialects.irc_server();
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        let id = conn.id;
        let Some(session) = conn.irc() else { return };
        match session.keepalive() {
            KeepaliveStep::Wait => {}
            KeepaliveStep::Ping => {
                self.irc_send(key, &[OwnedMessage::new(server, "PING", &[server])])
            }
            KeepaliveStep::TimedOut => return self.mark_close(key, Farewell::IdleTimeout),
        }
        self.irc_opened(key, id);
    }

    /// One framed line from the IRC connection at `key`.
    pub(super) fn irc_frame(&mut self, key: usize, frame: Frame, line: &str) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        session.heard();
        let (registered, invalid_utf8) = (session.registered(), session.invalid_utf8);
        if frame == Frame::TooLong {
            return self.irc_numeric(key, Numeric::InputTooLong, &["Input line was too long"]);
        }
        let message = match Message::parse(line.as_bytes()) {
            Ok(message) => message,
            Err(error) => return self.irc_refuse(key, error, line),
        };
        if invalid_utf8 {
            // UTF8ONLY: the line goes on cleaned, and its sender is told;
            // over a WebSocket, whose lines are UTF-8 by its subprotocol
            // (a binary message may not be), it is refused instead.
            let server = self.dialects.irc_server();
            if self.web_line(key) {
                let text = "WebSocket lines must be UTF-8";
                let fail = [message.command, "INVALID_UTF8", text];
                return self.irc_send(key, &[OwnedMessage::new(server, "FAIL", &fail)]);
            }
            let text = "Invalid UTF-8 was replaced with U+FFFD";
            let warn = [message.command, "INVALID_UTF8", text];
            self.irc_send(key, &[OwnedMessage::new(server, "WARN", &warn)]);
        }
        if self.irc_tags_too_long(key, &message) {
            return;
        }
        match registered {
            true => self.irc_command(key, &message),
            false => self.irc_register(key, &message),
        }
    }

    /// Answers a line that does not parse with its numeric (a blank line
    /// is ignored, as the RFC says).
    fn irc_refuse(&mut self, key: usize, error: ParseError, line: &str) {
        let text = match error {
            ParseError::Empty => return,
            ParseError::TagsTooLong | ParseError::BodyTooLong => {
                return self.irc_numeric(key, Numeric::InputTooLong, &["Input line was too long"]);
            }
            ParseError::ForbiddenByte | ParseError::NotUtf8 => "Line holds a forbidden byte",
            ParseError::TooManyParams => "Too many parameters (at most 15)",
            ParseError::BadTags => "Malformed message tags",
            ParseError::NoCommand | ParseError::BadCommand => "Unknown command",
        };
        let word = first_word(line);
        self.irc_numeric(key, Numeric::UnknownCommand, &[&word, text]);
    }

    /// The IRC session of the connection at `key`, if it speaks IRC.
    fn irc_session(&mut self, key: usize) -> Option<&mut Session> {
        match self.slots.get_mut(key) {
            Some(Slot::Client(conn)) if conn.closing.is_none() => conn.irc(),
            _ => None,
        }
    }

    /// Tells the core when the connection's `echo-message` changed.
    pub(super) fn irc_echo_changed(&mut self, key: usize) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let on = session.has(Cap::EchoMessage);
        if on != session.echo_told {
            session.echo_told = on;
            self.core(crate::chat::Input::Echo { local: key, on });
        }
    }

    /// The capabilities offered to the connection at `key`: `sasl` only
    /// where passwords are taken (registered names on, and TLS or
    /// `--allow-plaintext-passwords`); draft/chathistory and batch only
    /// where history is kept (`--history` above 0).
    fn irc_offered(&self, key: usize) -> CapSet {
        let offered = match self.config.history {
            0 => CapSet::all().without(Cap::Chathistory).without(Cap::Batch),
            _ => CapSet::all(),
        };
        let secure = matches!(self.slots.get(key), Some(Slot::Client(c)) if c.secure());
        let passwords = self.accounts.is_some()
            && (secure || self.config.allow_plaintext_passwords || self.tls.is_none());
        match passwords {
            true => offered,
            false => offered.without(Cap::Sasl),
        }
    }

    /// Queues `messages` for the IRC connection at `key` alone.
    fn irc_send(&mut self, key: usize, messages: &[OwnedMessage]) {
        let mut buf = Vec::new();
        for message in messages {
            if message.write(&mut buf).is_err() {
                log::debug!("IRC reply not rendered: {message:?}");
            }
        }
        if !buf.is_empty() {
            self.send(key, Bytes::from(buf));
        }
    }

    /// Sends numeric `numeric` with `params` to the connection at `key`,
    /// addressed to its nick (or `*`).
    fn irc_numeric(&mut self, key: usize, numeric: Numeric, params: &[&str]) {
        let server = self.dialects.irc_server();
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let reply = OwnedMessage::numeric(server, numeric, session.target(), params);
        self.irc_send(key, &[reply]);
    }

    /// What the core shows an IRC connection, seen by the edge first:
    /// returns true if the edge took care of it (nothing else to render).
    pub(super) fn irc_shown(&mut self, key: usize, message: &Shown) -> bool {
        // A bot's private lines carry the `bot` tag (`user_mode.rs`).
        let from = match message {
            Shown::Private { from, .. } | Shown::PrivateEcho { from, .. } => Some(from),
            _ => None,
        };
        let from_bot = from.is_some_and(|from| self.chat.is_bot(from));
        let Some(session) = self.irc_session(key) else {
            return false;
        };
        session.from_bot = from_bot;
        match message {
            _ if monitor::unwanted(session, message) => return true,
            _ if setname::unwanted(session, message) => return true,
            Shown::Notice(Notice::Reply(Reply::NowKnownAs { name, .. })) => {
                session.named(name); // Rendered as NICK from the old nick.
            }
            // A NOTICE is never answered, not even with an error.
            Shown::Notice(Notice::Reply(_)) if session.quiet => return true,
            // USERHOST's nicks are asked as WHO: gathered, not rendered.
            Shown::Notice(Notice::Reply(Reply::Who { entries, .. }))
                if session.userhost.is_some() =>
            {
                let gathered = session.userhost.get_or_insert_default();
                for entry in entries {
                    let here = if entry.away { '-' } else { '+' };
                    let name = &entry.name;
                    let space = if gathered.is_empty() { "" } else { " " };
                    let op = if entry.operator { "*" } else { "" };
                    let word = format!("{space}{name}{op}={here}{name}@{HOST}");
                    gathered.push_str(&word);
                }
                return true;
            }
            _ => {}
        }
        self.irc_registration_shown(key, message)
    }
}

/// `message` for the IRC connection whose session is `session`, from the
/// server called `server`.
pub(super) fn render_for(
    session: &Session,
    message: &Shown,
    at: SystemTime,
    server: &str,
) -> Bytes {
    // draft/read-marker: a JOIN's answer says the room's marker.
    let markread = match message {
        Shown::Notice(Notice::Reply(Reply::Entered { room, .. }))
            if session.has(Cap::ReadMarker) =>
        {
            Some(session.read_markers.get(room))
        }
        _ => None,
    };
    let recipient = Recipient {
        server,
        nick: session.target(),
        tagged: session.has(Cap::ServerTime),
        tags: session.has(Cap::MessageTags),
        echo: session.has(Cap::EchoMessage),
        userhost: session.has(Cap::UserhostInNames),
        multi_prefix: session.has(Cap::MultiPrefix),
        asked: session.asked.as_deref().unwrap_or("*"),
        whois: session.whois,
        from_bot: session.from_bot,
        whox: session.whox.as_deref(),
        markread,
        names_end: !session.names_of_several,
    };
    render_to(message, at, &recipient)
}

/// The first word of an unparsable line, to name it in 421 (cut short,
/// and `*` if there is none).
fn first_word(line: &str) -> String {
    let word: String = line
        .split(' ')
        .find(|w| !w.is_empty() && !w.starts_with('@') && !w.starts_with(':'))
        .unwrap_or("*")
        .chars()
        .filter(|c| !c.is_control())
        .take(32)
        .collect();
    if word.is_empty() { "*".into() } else { word }
}
