//! `CASEMAPPING=ascii`: names and channels compare ignoring the case of
//! `A-Z` only.
//!
//! This is linechat's own rule, not a new one. `chat::naming` allows user
//! names of 1 to [`MAX_NAME`] characters from `A-Z a-z 0-9 _ -`, and room
//! names of 1 to [`MAX_ROOM_NAME`] of the same characters after `#`; the
//! core compares both with `to_ascii_lowercase`. None of the characters that
//! `rfc1459` casemapping folds (`[]\~` to `{}|^`) can appear in a linechat
//! name, so `ascii` is exact, and an IRC nick is a linechat name unchanged:
//! an IRC user cannot take a telnet user's name, nor the reverse.
//!
//! Channels differ from rooms in one way: IRC needs the `#` (CHANTYPES=#),
//! while `/join` accepts a room name without it.

use std::borrow::Cow;

use crate::chat::naming::{MAX_NAME, MAX_ROOM_NAME, NameProblem, room_name, valid_name};

/// The longest nick (NICKLEN): linechat's longest name.
pub const NICKLEN: usize = MAX_NAME;

/// The longest channel name with its `#` (CHANNELLEN).
pub const CHANNELLEN: usize = MAX_ROOM_NAME + 1;

/// `text` in its folded form: ASCII upper case to lower, nothing else.
pub fn fold(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether two names or channels are the same under `ascii` casemapping.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Why a nick or channel is refused, with the text for the numeric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// Not a linechat name (432 ERR_ERRONEUSNICKNAME), with the reason in
    /// the IRC dialect's words.
    BadNick(&'static str),
    /// Not `#` and a linechat room name (403 ERR_NOSUCHCHANNEL; 479 is not
    /// in the modern spec).
    BadChannel(&'static str),
}

/// Checks a nick: exactly linechat's name rule (432 on failure).
pub fn nick(nick: &str) -> Result<&str, NameError> {
    valid_name(nick).map(|()| nick).map_err(|why| {
        NameError::BadNick(match why {
            NameProblem::Length => "use 1 to 24 characters",
            NameProblem::Characters => "use only letters, digits, _ and -",
        })
    })
}

/// Checks a channel as typed without making its room name (no
/// allocation: every PRIVMSG to a channel is checked).
pub fn check_channel(channel: &str) -> Result<(), NameError> {
    let bare = channel
        .strip_prefix('#')
        .ok_or(NameError::BadChannel("channels start with #"))?;
    if bare.is_empty() || bare.len() > MAX_ROOM_NAME {
        return Err(NameError::BadChannel("use # and 1 to 32 characters"));
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if !bare.bytes().all(allowed) {
        return Err(NameError::BadChannel("use only a-z, 0-9, _ and -"));
    }
    Ok(())
}

/// A channel as typed, as the room it names: `#Rust` is room `#rust`. The
/// `#` is required, unlike `/join`.
pub fn channel_to_room(channel: &str) -> Result<String, NameError> {
    if !channel.starts_with('#') {
        return Err(NameError::BadChannel("channels start with #"));
    }
    room_name(channel).map_err(|why| {
        NameError::BadChannel(match why {
            NameProblem::Length => "use # and 1 to 32 characters",
            NameProblem::Characters => "use only a-z, 0-9, _ and -",
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checking_a_channel_agrees_with_naming_its_room() {
        for channel in [
            "#Rust",
            "#a-b_9",
            "#",
            "lobby",
            "#a.b",
            "#",
            &"#".repeat(2),
            &format!("#{}", "x".repeat(33)),
            &format!("#{}", "x".repeat(32)),
        ] {
            assert_eq!(
                check_channel(channel),
                channel_to_room(channel).map(drop),
                "{channel}"
            );
        }
    }

    #[test]
    fn folding_is_ascii_only() {
        assert_eq!(fold("Alice-9_"), "alice-9_");
        assert!(matches!(fold("alice"), Cow::Borrowed("alice")));
        // rfc1459 would fold these; ascii does not.
        assert_eq!(fold("[]\\~"), "[]\\~");
        assert_eq!(fold("ÉA"), "Éa");
        assert!(same("ALICE", "alice"));
        assert!(!same("a[", "a{"));
    }

    #[test]
    fn nicks_are_linechat_names() {
        assert_eq!(nick("Al-ice_9"), Ok("Al-ice_9"));
        assert_eq!(nick(&"x".repeat(NICKLEN)).map(str::len), Ok(24));
        assert_eq!(
            nick(&"x".repeat(NICKLEN + 1)),
            Err(NameError::BadNick("use 1 to 24 characters"))
        );
        for bad in ["", "a b", "[bot]", "a|b", "é", "#a", ":a"] {
            assert!(matches!(nick(bad), Err(NameError::BadNick(_))), "{bad}");
        }
    }

    #[test]
    fn channels_are_rooms() {
        assert_eq!(channel_to_room("#Rust").as_deref(), Ok("#rust"));
        assert_eq!(
            channel_to_room(&format!("#{}", "x".repeat(CHANNELLEN - 1))).map(|r| r.len()),
            Ok(CHANNELLEN)
        );
        assert_eq!(
            channel_to_room("lobby"),
            Err(NameError::BadChannel("channels start with #"))
        );
        for bad in ["#", "##a", "#a,b", "#a b", "#é", "&a", "#a\u{7}"] {
            assert!(
                matches!(channel_to_room(bad), Err(NameError::BadChannel(_))),
                "{bad}"
            );
        }
    }
}
