//! Owned rooms from IRC: `ROOM #room REGISTER|DROP|INFO`, and the same as
//! services clients know it, `CS REGISTER|DROP|INFO #room` (`CHANSERV`
//! too), each the core's `Request::Own` (telnet's `/room register`).

use super::super::Server;
use crate::chat::Request;
use crate::chat::owned::OwnAsk;
use crate::irc::{Message, Numeric};

impl Server {
    /// `ROOM`, `CS` or `CHANSERV` (`command`, upper case).
    pub(super) fn irc_own(&mut self, key: usize, command: &str, message: &Message) {
        let (room, word) = match command {
            "ROOM" => (message.param(0), message.param(1)),
            _ => (message.param(1), message.param(0)),
        };
        let (Some(room), Some(word)) = (room, word) else {
            let text = "Not enough parameters";
            return self.irc_numeric(key, Numeric::NeedMoreParams, &[command, text]);
        };
        match OwnAsk::from_word(word) {
            Some(ask) => self.irc_in_room(key, room, |room| Request::Own { room, ask }),
            None => {
                let text = format!("{command}: REGISTER, DROP or INFO, and a channel");
                self.irc_numeric(key, Numeric::UnknownCommand, &[command, &text]);
            }
        }
    }
}
