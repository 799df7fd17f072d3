//! The telnet dialect: lines for `telnet` and `nc`, exactly as
//! docs/PROTOCOL.md shows them. Notices are `*** ` lines, chat is
//! `name: text` or `* name text`, every line ends in CRLF, and with
//! `--timestamps` every line but a prompt starts with `[HH:MM:SS] `.
//!
//! - `line`: the stamp and the line end.
//! - `notice`: the words of every notice; `reply`: of the replies to a
//!   user's own line; `lists`: of who is in a room and of the rooms.
//! - `parse`: reading back lines this dialect rendered (the Redis wire of
//!   version 1 carries them).

mod ignore;
mod line;
mod lists;
mod moderation;
mod notice;
mod oper;
mod owned;
pub mod parse;
mod reply;

pub use line::STAMP_LEN;
pub use reply::{name_problem, room_problem};

use super::Dialect;
use crate::chat::{HistoryLine, LineKind, Message, Notice, Turn};
use bytes::Bytes;
use line::{CRLF_LEN, push_line};
use std::cell::RefCell;
use std::time::SystemTime;

/// The greeting line sent on connect, before the prompt.
const GREETING: &str = "Welcome to linechat!";

/// The name prompt, without a line end so the cursor stays after it.
const PROMPT: &str = "Enter your name: ";

/// The password prompt (no line end either).
const PASSWORD_PROMPT: &str = "Password: ";

/// The greeting and the prompt without a stamp: the same bytes for every
/// connection, shared.
static GREETING_BYTES: &[u8] = b"Welcome to linechat!\r\nEnter your name: ";

/// What starts every notice line.
const NOTICE_MARK: &str = "*** ";

thread_local! {
    /// The words of the notice being rendered, kept from one notice to the
    /// next (the server renders on one thread): a notice costs no
    /// allocation for its words, only its line's.
    static WORDS: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Words kept for the next notice at most (bytes of capacity): a rare long
/// notice does not pin its buffer.
const WORDS_KEPT: usize = 4096;

/// The telnet dialect of one node.
#[derive(Debug, Clone, Copy)]
pub struct Telnet {
    /// Prefix every line (not a prompt) with `[HH:MM:SS] ` (UTC).
    timestamps: bool,
}

impl Telnet {
    /// Telnet with `[HH:MM:SS] ` stamps if `timestamps`.
    pub const fn new(timestamps: bool) -> Telnet {
        Telnet { timestamps }
    }

    /// Appends `*** <words>` as one line, growing `buf` by exactly that
    /// (a message of one notice is then a buffer of its exact size, which
    /// `Bytes` takes without allocating again).
    fn push_notice(&self, buf: &mut Vec<u8>, at: SystemTime, notice: &Notice) {
        WORDS.with_borrow_mut(|words| {
            words.clear();
            notice::words(notice, words);
            let stamp = if self.timestamps { STAMP_LEN } else { 0 };
            buf.reserve_exact(stamp + NOTICE_MARK.len() + words.len() + CRLF_LEN);
            push_line(buf, self.timestamps, at, &[NOTICE_MARK, words]);
            if words.capacity() > WORDS_KEPT {
                *words = String::new();
            }
        });
    }

    /// Appends every line of `turn`, stamped with when it was said if
    /// `stamp`.
    fn push_turn(buf: &mut Vec<u8>, stamp: bool, turn: &Turn) {
        for (kind, text) in turn.lines() {
            push_said(buf, stamp, turn.at, &turn.name, kind, text);
        }
    }
}

/// The words of `notice`, without `*** ` or a line end: what another
/// dialect says where it has no words of its own (IRC's server NOTICEs).
pub fn notice_words(notice: &Notice) -> String {
    let mut words = String::new();
    notice::words(notice, &mut words);
    words
}

/// Appends one chat line: `name: text`, or `* name text` for an action.
fn push_said(
    buf: &mut Vec<u8>,
    stamp: bool,
    at: SystemTime,
    name: &str,
    kind: LineKind,
    text: &str,
) {
    let parts = match kind {
        LineKind::Say | LineKind::Notice => ["", name, ": ", text],
        LineKind::Act => ["* ", name, " ", text],
        // CTCP and TAGMSG are for IRC clients: telnet shows nothing of them.
        LineKind::Ctcp | LineKind::CtcpReply | LineKind::Tagmsg | LineKind::ClientTags => return,
    };
    push_line(buf, stamp, at, &parts);
}

/// The bytes of one chat line without stamp or line end.
fn said_len(name: &str, kind: LineKind, text: &str) -> usize {
    let decoration = match kind {
        LineKind::Say | LineKind::Notice => ": ".len(),
        LineKind::Act => "* ".len() + " ".len(),
        LineKind::Ctcp | LineKind::CtcpReply | LineKind::Tagmsg | LineKind::ClientTags => 0,
    };
    name.len() + decoration + text.len()
}

impl Dialect for Telnet {
    fn render(&self, message: &Message, at: SystemTime) -> Bytes {
        let stamp = self.timestamps;
        let mut buf = Vec::new();
        match message {
            Message::Greeting if !stamp => return Bytes::from_static(GREETING_BYTES),
            Message::Greeting => {
                push_line(&mut buf, stamp, at, &[GREETING]);
                buf.extend_from_slice(PROMPT.as_bytes());
            }
            Message::NamePrompt => return Bytes::from_static(PROMPT.as_bytes()),
            Message::PasswordPrompt => return Bytes::from_static(PASSWORD_PROMPT.as_bytes()),
            Message::LineEnd => return Bytes::from_static(b"\r\n"),
            // For IRC's away-notify and setname only.
            Message::Notice(Notice::Away { .. } | Notice::RealName { .. }) => return Bytes::new(),
            Message::Notice(notice) => self.push_notice(&mut buf, at, notice),
            Message::Notices(notices) => {
                for notice in notices {
                    self.push_notice(&mut buf, at, notice);
                }
            }
            Message::Said(turn) => {
                let per_line = CRLF_LEN + if stamp { STAMP_LEN } else { 0 };
                let decoration = turn.len() * (per_line + turn.name.len() + "* ".len() + " ".len());
                buf.reserve_exact(turn.text_len() + decoration);
                Telnet::push_turn(&mut buf, stamp, turn);
            }
            Message::Private { kind, .. } | Message::PrivateEcho { kind, .. }
                if kind.irc_only() =>
            {
                return Bytes::new();
            }
            Message::Private {
                from,
                kind: LineKind::Act,
                text,
                ..
            } => push_line(&mut buf, stamp, at, &["[pm] * ", from, " ", text]),
            Message::Private { from, text, .. } => {
                push_line(&mut buf, stamp, at, &["[pm] ", from, ": ", text]);
            }
            Message::PrivateEcho {
                from,
                to,
                kind: LineKind::Act,
                text,
                ..
            } => push_line(
                &mut buf,
                stamp,
                at,
                &["[pm -> ", to, "] * ", from, " ", text],
            ),
            Message::PrivateEcho { to, text, .. } => {
                push_line(&mut buf, stamp, at, &["[pm -> ", to, "] ", text]);
            }
        }
        Bytes::from(buf)
    }

    fn history(&self, lines: &[HistoryLine]) -> Bytes {
        let mut buf = Vec::with_capacity(self.history_len(lines));
        for line in lines {
            let (kind, text) = line.line();
            push_said(&mut buf, true, line.turn.at, &line.turn.name, kind, text);
        }
        Bytes::from(buf)
    }

    fn history_len(&self, lines: &[HistoryLine]) -> usize {
        let each = |line: &HistoryLine| match line.line() {
            (kind, _) if kind.irc_only() => 0,
            (kind, text) => STAMP_LEN + said_len(&line.turn.name, kind, text) + CRLF_LEN,
        };
        lines.iter().map(each).sum()
    }
}

#[cfg(test)]
mod tests;
