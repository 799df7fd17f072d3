//! Hiding what a user types at a password prompt: the codec's offer to
//! stop echoing, withdrawn after, and a notice to clients that never agree.

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::{Message, Notice};

/// How long a client has to answer the offer to hide its typing before it
/// is told that its typing shows: far above a round trip on any usable
/// link, and about as long as a person takes to start typing after a prompt.
pub(super) const TYPING_ANSWER_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Server {
    /// Asks the client to hide what its user types before a password, and
    /// to show it again after, through its codec (telnet: the server offers
    /// to echo, `IAC WILL ECHO`, and echoes nothing).
    ///
    /// The offer goes to every client: telnet on a port other than 23
    /// negotiates nothing until the server does, so a client that has not
    /// spoken telnet yet may well be one. Whether it is shows only in its
    /// answer; one that has not agreed within [`TYPING_ANSWER_WAIT`] (a raw
    /// `nc`, or a telnet that refused) is told that its typing shows.
    pub(super) fn typing(&mut self, key: usize, typing: crate::chat::Typing) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if let crate::chat::Typing::Hide = typing {
            let at = self.now.instant + TYPING_ANSWER_WAIT;
            let answer = Timer::conn(ConnTimer::TypingAnswer, key, conn.id);
            self.timers.schedule(at, answer);
        }
        // The codec knows how its protocol hides typing (telnet: ECHO).
        let bytes = conn.typing(typing);
        if !bytes.is_empty() {
            self.send(key, bytes::Bytes::from_static(bytes));
        }
    }

    /// The [`TYPING_ANSWER_WAIT`] after a password prompt: a client that has
    /// neither agreed to hide its typing nor typed anything yet is told that
    /// its typing shows, over the prompt (a carriage return first), which
    /// then follows again.
    pub(super) fn typing_answer_due(&mut self, key: usize) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if !conn.take_typing_notice() {
            return;
        }
        let dialect = self.dialects.get(conn.dialect());
        let told = Message::Notice(Notice::TypingShows);
        let notice = dialect.render(&told, self.now.wall);
        let prompt = dialect.render(&Message::PasswordPrompt, self.now.wall);
        let bytes = [&b"\r"[..], &notice, &prompt].concat();
        self.send(key, bytes::Bytes::from(bytes));
    }
}
