//! The telnet words about one's ignore list (see `chat/ignore.rs`); `*** `
//! and the line end are added by the caller. PROTOCOL.md quotes these.

use crate::chat::Ignoring;
use std::fmt::{self, Write};

/// Appends the words of an answer about the ignore list.
pub(super) fn answer(answer: &Ignoring, out: &mut String) -> fmt::Result {
    match answer {
        Ignoring::Added(name) => write!(
            out,
            "You ignore {name} now: their lines and private messages no longer reach you"
        ),
        Ignoring::Removed(name) => write!(out, "You no longer ignore {name}"),
        Ignoring::Already(name) => write!(out, "You ignore {name} already"),
        Ignoring::NotIgnored(name) => write!(out, "You do not ignore {name}"),
        Ignoring::List(names) if names.is_empty() => out.write_str("You ignore nobody"),
        Ignoring::List(names) => write!(out, "You ignore: {}", names.join(", ")),
        Ignoring::Full { max, name } => write!(
            out,
            "Your ignore list is full ({max} names): {name} was not added; /unignore someone first"
        ),
        Ignoring::ServerFull(name) => write!(
            out,
            "This server holds too many ignored names: {name} was not added; try again later"
        ),
        Ignoring::Yourself => out.write_str("You cannot ignore yourself"),
        Ignoring::NotAName(given) => write!(out, "'{given}' cannot be anyone's name"),
    }
}
