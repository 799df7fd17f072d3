//! SILENCE, IRC's face of the ignore list (see `chat/ignore.rs`): a change
//! is echoed as `SILENCE +nick!*@*` from the user's own mask, the list is
//! 271 per name and 272, a full list 511. What has no numeric (a name
//! ignored already, not ignored, oneself, a mask that is no nick) is a
//! server NOTICE with telnet's words.

use super::lists::Numerics;
use crate::chat::{Ignoring, Notice, Reply};
use crate::irc::numeric::Numeric;
use crate::irc::session::mask;

/// An answer about the ignore list to one connection.
pub(super) fn answer(n: &mut Numerics<'_, '_, '_>, answer: &Ignoring) {
    let nick = n.to.nick;
    let silenced = |name: &str| format!("{name}!*@*");
    match answer {
        Ignoring::Added(name) => {
            let me = mask(nick);
            let change = format!("+{}", silenced(name));
            n.lines.line(n.at, Some(&me), "SILENCE", &[&change]);
        }
        Ignoring::Removed(name) => {
            let me = mask(nick);
            let change = format!("-{}", silenced(name));
            n.lines.line(n.at, Some(&me), "SILENCE", &[&change]);
        }
        Ignoring::List(names) => {
            for name in names {
                n.send(Numeric::SileList, &[&silenced(name)]);
            }
            n.send(Numeric::EndOfSileList, &["End of Silence List"]);
        }
        Ignoring::Full { name, .. } => {
            let text = "Your silence list is full";
            n.send(Numeric::SileListFull, &[&silenced(name), text]);
        }
        Ignoring::ServerFull(name) => {
            let text = "The server's silence lists are full";
            n.send(Numeric::SileListFull, &[&silenced(name), text]);
        }
        other => {
            let notice = Notice::Reply(Reply::Ignoring(other.clone()));
            super::server_notice(n.lines, &notice, n.at, nick);
        }
    }
}
