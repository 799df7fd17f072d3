//! Server operators in IRC (see `chat/operators.rs`): `OPER`'s 381 and
//! `MODE +o`, 491 and 481 refusals, `WALLOPS` from the operator's mask,
//! and the `ERROR` a killed client reads before its link is closed.

use super::Lines;
use super::lists::Numerics;
use crate::chat::{AdminNotice, Notice, OperReply, Reply};
use crate::irc::numeric::Numeric;
use crate::irc::session::mask;
use std::time::SystemTime;

/// An answer about operators to one connection.
pub(super) fn reply(n: &mut Numerics<'_, '_, '_>, reply: &OperReply) {
    let nick = n.to.nick;
    match reply {
        OperReply::Opered => {
            n.send(Numeric::YoureOper, &["You are now an IRC operator"]);
            n.lines.line(n.at, Some(nick), "MODE", &[nick, "+o"]);
        }
        OperReply::Lowered => n.lines.line(n.at, Some(nick), "MODE", &[nick, "-o"]),
        OperReply::NoOperHost { .. } => {
            n.send(Numeric::NoOperHost, &["No operator account of that name"]);
        }
        OperReply::NeedsOperator { .. } => {
            n.send(
                Numeric::NoPrivileges,
                &["Permission Denied- You're not an IRC operator"],
            );
        }
        OperReply::Killed { .. } => {
            let notice = Notice::Reply(Reply::Oper(reply.clone()));
            super::server_notice(n.lines, &notice, n.at, nick);
        }
    }
}

/// An operator's action, as one IRC reader is told of it.
pub(super) fn notice(lines: &mut Lines<'_>, notice: &AdminNotice, at: SystemTime, target: &str) {
    match notice {
        AdminNotice::Killed { by, reason } => {
            let server = lines.server;
            let text = match reason.is_empty() {
                true => format!("Closing Link: {server} (Killed ({by}))"),
                false => format!("Closing Link: {server} (Killed ({by} ({reason})))"),
            };
            lines.line(at, None, "ERROR", &[&text]);
        }
        AdminNotice::Wallops { by, text } => {
            lines.line(at, Some(&mask(by)), "WALLOPS", &[text]);
        }
        // The room reads the QUIT, with the reason.
        AdminNotice::Removed { .. } => {}
        AdminNotice::Announcement { .. }
        | AdminNotice::Global { .. }
        | AdminNotice::Banned { .. }
        | AdminNotice::Muted { .. }
        | AdminNotice::Refused(_) => {
            let notice = Notice::Admin(notice.clone());
            super::server_notice(lines, &notice, at, target);
        }
    }
}
