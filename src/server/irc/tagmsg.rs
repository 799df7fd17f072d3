//! IRCv3 message-tags at the edge: TAGMSG, and the client-only tags of a
//! PRIVMSG or NOTICE to a channel. Both travel as lines of the sender's
//! turn (`LineKind::Tagmsg`, `LineKind::ClientTags`), so they reach other
//! nodes and are rendered once per room like any chat line: only readers
//! with `message-tags` get them, telnet users never. Other tags a client
//! sends (without `+`) are the server's to set: parsed and dropped.

use super::super::Server;
use crate::chat::{LineKind, Request};
use crate::irc::tags::{MAX_CLIENT_TAGS, client_only};
use crate::irc::{Message, Numeric};

impl Server {
    /// Whether the line's tags are over what a client may send: then it
    /// was answered with 417 and goes no further.
    pub(super) fn irc_tags_too_long(&mut self, key: usize, message: &Message) -> bool {
        let raw = message.raw_tags();
        let too_long = !raw.is_empty() && raw.len() + 2 > MAX_CLIENT_TAGS;
        if too_long {
            self.irc_numeric(key, Numeric::InputTooLong, &["Input line was too long"]);
        }
        too_long
    }

    /// TAGMSG to each target of a comma list: its client-only tags, to the
    /// channel's or the nick's readers with `message-tags`. One without
    /// client tags says nothing to anybody and is dropped.
    pub(super) fn irc_tagmsg(&mut self, key: usize, message: &Message) {
        let Some(targets) = message.param(0).filter(|t| !t.is_empty()) else {
            let text = "No recipient given (TAGMSG)";
            return self.irc_numeric(key, Numeric::NoRecipient, &[text]);
        };
        let tags = client_only(message.raw_tags());
        if tags.is_empty() {
            return;
        }
        let (kind, text) = (LineKind::Tagmsg, &*tags);
        for target in targets.split(',').filter(|t| !t.is_empty()) {
            if target.starts_with('#') {
                self.irc_in_room(key, target, |room| Request::Say { room, kind, text });
            } else {
                self.irc_asked(key, target, false);
                self.irc_request(
                    key,
                    Request::Private {
                        to: target,
                        kind,
                        text,
                        tags: "",
                    },
                );
            }
        }
    }

    /// The client-only tags of a PRIVMSG or NOTICE to `channel`, as the
    /// line before the text in the sender's turn. Asked quietly: if the
    /// sender cannot speak there, the text's own request says so, once.
    pub(super) fn irc_client_tags(&mut self, key: usize, channel: &str, tags: &str) {
        if tags.is_empty() {
            return;
        }
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let quiet = std::mem::replace(&mut session.quiet, true);
        let (kind, text) = (LineKind::ClientTags, tags);
        self.irc_in_room(key, channel, |room| Request::Say { room, kind, text });
        if let Some(session) = self.irc_session(key) {
            session.quiet = quiet;
        }
    }
}
