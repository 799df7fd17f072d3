//! Telnet's words about owned rooms (`/room register`, `/room drop`,
//! `/room info`, an operator who must be a registered name). IRC shows
//! the same words in a server notice.

use crate::chat::owned::Said;
use std::fmt::Write;

/// The words of one answer about owned rooms.
pub(super) fn said(said: &Said, out: &mut String) -> std::fmt::Result {
    match said {
        Said::NoAccounts => {
            out.write_str("Rooms cannot be registered here: this server keeps no registered names")
        }
        Said::DefaultRoom { room } => write!(out, "{room} is everyone's: it cannot be registered"),
        Said::NotRegistered { name } => write!(
            out,
            "Only a registered name can own a room: {name} is not registered (/register PASSWORD first)"
        ),
        Said::AlreadyOwned { room, owner } => write!(out, "{room} is owned by {owner} already"),
        Said::NotOwned { room } => write!(
            out,
            "{room} is not registered; an operator with a registered name may /room register it"
        ),
        Said::NotOwner { room } => write!(
            out,
            "Only the owner of {room} or a server operator can drop it"
        ),
        Said::OperatorNotRegistered { name, room } => write!(
            out,
            "{name} is not a registered name: the operators of {room}, an owned room, must be"
        ),
        Said::TooManyOperators { room } => write!(
            out,
            "{room} names {} operators already; /deop one first",
            crate::chat::owned::MAX_OPERATORS
        ),
        Said::Info { room, owned: None } => write!(
            out,
            "{room} is not registered; an operator with a registered name may /room register it"
        ),
        Said::Info {
            room,
            owned: Some(owned),
        } if owned.operators.is_empty() => {
            write!(
                out,
                "{room} is owned by {}; no other operators are kept",
                owned.owner
            )
        }
        Said::Info {
            room,
            owned: Some(owned),
        } => write!(
            out,
            "{room} is owned by {}; operators kept: {}",
            owned.owner,
            owned.operators.join(", ")
        ),
        Said::StillKept { room, owner: true } => {
            write!(out, "You own {room}: /room drop it before you unregister")
        }
        Said::StillKept { room, owner: false } => write!(
            out,
            "You are kept as an operator of {room}: /deop yourself there (or ask its owner) before you unregister"
        ),
        Said::OwnerSpared { owner, room } => write!(
            out,
            "{owner} owns {room}: only its owner or a server operator can do that to them"
        ),
        Said::TooManyOwned { per_name: true } => write!(
            out,
            "You own {} rooms already; /room drop one first",
            crate::chat::owned::MAX_OWNED_PER_NAME
        ),
        Said::TooManyOwned { per_name: false } => {
            out.write_str("This server keeps no more owned rooms; ask its operator")
        }
        Said::Unavailable => {
            out.write_str("Registered names cannot be checked right now; try again shortly")
        }
    }
}
