//! The telnet words about server operators (see `chat/operators.rs`);
//! `*** ` and the line end are added by the caller. PROTOCOL.md quotes
//! these.

use crate::chat::modes::MUTE;
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
        AdminNotice::Global {
            by,
            mask,
            until,
            on,
        } => {
            let done = match (mask.strip_prefix(MUTE), on) {
                (Some(muted), true) => format!("muted {muted} on the whole server"),
                (Some(muted), false) => format!("lifted the server-wide mute on {muted}"),
                (None, true) => format!("banned {mask} from the whole server"),
                (None, false) => format!("lifted the server-wide ban on {mask}"),
            };
            match until.filter(|_| *on) {
                Some(until) => write!(
                    out,
                    "{by} {done} until {} UTC",
                    super::moderation::hh_mm(until)
                ),
                None => write!(out, "{by} {done}"),
            }
        }
        AdminNotice::Banned { by: Some(by) } => {
            write!(out, "You are banned from this server by {by}")
        }
        AdminNotice::Banned { by: None } => out.write_str("You are banned from this server"),
        AdminNotice::Muted { by: Some(by) } => write!(
            out,
            "{by} muted you on the whole server: nobody hears your lines or private messages"
        ),
        AdminNotice::Muted { by: None } => {
            out.write_str("You are muted on this server: nobody hears you")
        }
        AdminNotice::Refused(why) => out.write_str(why),
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
