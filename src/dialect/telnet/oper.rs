//! The telnet words about server operators (see `chat/operators.rs`);
//! `*** ` and the line end are added by the caller. PROTOCOL.md quotes
//! these.

use crate::chat::{AdminNotice, OperReply};
use std::fmt::{self, Write};

/// Appends the words of an operator's action, as one user is told of it.
pub(super) fn notice(notice: &AdminNotice, out: &mut String) -> fmt::Result {
    match notice {
        AdminNotice::Killed { by, reason } if reason.is_empty() => {
            write!(out, "You were disconnected by {by}")
        }
        AdminNotice::Killed { by, reason } => {
            write!(out, "You were disconnected by {by}: {reason}")
        }
        AdminNotice::Removed { name, by, reason } if reason.is_empty() => {
            write!(out, "{name} was disconnected by {by}")
        }
        AdminNotice::Removed { name, by, reason } => {
            write!(out, "{name} was disconnected by {by}: {reason}")
        }
        AdminNotice::Announcement { by, text } => write!(out, "Announcement from {by}: {text}"),
        AdminNotice::Wallops { by, text } => write!(out, "To the operators from {by}: {text}"),
    }
}

/// Appends the words of an answer about operators.
pub(super) fn reply(reply: &OperReply, out: &mut String) -> fmt::Result {
    match reply {
        OperReply::Opered => out.write_str("You are a server operator: /kill and /announce"),
        OperReply::Lowered => out.write_str("You are no longer a server operator"),
        OperReply::NoOperHost { name } => write!(out, "'{name}' is not an operator account"),
        OperReply::NeedsOperator { command } => write!(
            out,
            "/{command} is for server operators (accounts named in --admins, logged in with their password)"
        ),
        OperReply::Killed { name } => write!(out, "{name} was disconnected"),
    }
}
