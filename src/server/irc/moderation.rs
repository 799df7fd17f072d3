//! A registered IRC client's channel moderation: `MODE` of a channel or of
//! its own nick, `KICK` and `INVITE`, each mapped to the core's typed
//! requests (`Request::Modes`, `ChangeModes`, `Kick`, `Invite`).

use super::super::Server;
use crate::chat::Request;
use crate::irc::casemap;
use crate::irc::modes::{self, Asked, UnknownMode};
use crate::irc::{Message, Numeric};

impl Server {
    /// MODE of a channel (its modes, its ban list, or changes), or of the
    /// client's own nick: 221 (`+o` for a server operator), `-o` steps
    /// down, other user modes are 501.
    pub(super) fn irc_mode(&mut self, key: usize, message: &Message) {
        let target = message.param(0).unwrap_or("");
        if target.starts_with('#') {
            return self.irc_channel_mode(key, target, message);
        }
        let modes = message.param(1).unwrap_or("");
        let nick = self.irc_nick(key);
        if self.chat_knows(target) && !casemap::same(target, &nick) {
            let text = "Cannot change mode for other users";
            self.irc_numeric(key, Numeric::UsersDontMatch, &[text]);
        } else if !casemap::same(target, &nick) {
            self.irc_numeric(key, Numeric::NoSuchNick, &[target, "No such nick/channel"]);
        } else {
            // One's own modes: `user_mode.rs`.
            self.irc_user_mode(key, &nick, modes);
        }
    }

    /// Whether the core knows a user called `nick` (any node).
    fn chat_knows(&self, nick: &str) -> bool {
        self.chat.knows(nick)
    }

    fn irc_channel_mode(&mut self, key: usize, channel: &str, message: &Message) {
        let Some(modes) = message.param(1) else {
            return self.irc_in_room(key, channel, Request::Modes);
        };
        let params = message.params().get(2..).unwrap_or(&[]);
        match modes::parse(modes, params) {
            Ok(Asked::Bans) => self.irc_in_room(key, channel, Request::Bans),
            Ok(Asked::Changes(changes)) if changes.is_empty() => {}
            Ok(Asked::Changes(changes)) => {
                self.irc_in_room(key, channel, |room| Request::ChangeModes {
                    room,
                    changes: &changes,
                })
            }
            Err(UnknownMode(letter)) => {
                let text = "is unknown mode char to me";
                self.irc_numeric(key, Numeric::UnknownMode, &[&letter.to_string(), text]);
            }
        }
    }

    /// KICK #channel nick[,nick] [:reason].
    pub(super) fn irc_kick(&mut self, key: usize, message: &Message) {
        let (channel, targets) = (message.param(0).unwrap_or(""), message.param(1));
        let reason = message.param(2).filter(|r| !r.is_empty());
        let Some(targets) = targets else {
            let text = "Not enough parameters";
            return self.irc_numeric(key, Numeric::NeedMoreParams, &["KICK", text]);
        };
        for target in targets.split(',').filter(|t| !t.is_empty()) {
            self.irc_in_room(key, channel, |room| Request::Kick {
                room,
                target,
                reason,
            });
        }
    }

    /// INVITE nick #channel; INVITE alone lists one's invites.
    pub(super) fn irc_invite(&mut self, key: usize, message: &Message) {
        match (message.param(0), message.param(1)) {
            (None, _) => self.irc_request(key, Request::Invites),
            (Some(target), Some(channel)) => {
                self.irc_asked(key, target, false);
                self.irc_request(
                    key,
                    Request::Invite {
                        target,
                        room: channel,
                    },
                );
            }
            (Some(_), None) => {
                let text = "Not enough parameters";
                self.irc_numeric(key, Numeric::NeedMoreParams, &["INVITE", text]);
            }
        }
    }
}
