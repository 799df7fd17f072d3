//! A member's real name (IRC's SETNAME, the `setname` capability). A
//! client describes itself once (IRC's USER, see `whowas.rs`); a change
//! replaces the real name that WHO, WHOIS and WHOWAS show and is told to
//! the member itself, its rooms and its watchers who share none of them
//! (IRC shows `SETNAME` only to readers with the capability; telnet shows
//! nothing), and to other nodes through a `RealName` event.

use super::commands::Caller;
use super::{Chat, MemberId, Notice, Now, RoomEvent, RoomId};

/// The longest real name, in bytes (IRC's `NAMELEN` in ISUPPORT): a
/// SETNAME over it is refused, so every line naming it stays well within
/// 512 bytes.
pub const MAX_REAL_NAME: usize = 100;

/// Whether `text` may be a real name: not empty, at most
/// [`MAX_REAL_NAME`] bytes, no control characters.
pub fn valid_real_name(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_REAL_NAME && !text.chars().any(char::is_control)
}

impl Chat {
    /// `by` changes its real name to `text` (checked by the edge first,
    /// which answers a bad one; here a bad one is dropped): told to the
    /// other nodes.
    pub(super) fn set_real_name(&mut self, by: Caller, text: &str, now: &Now) {
        if !valid_real_name(text) {
            return;
        }
        self.whowas_real_name(by.member, text);
        let event = RoomEvent::RealName {
            member: by.member,
            text: text.into(),
        };
        self.apply(event, now);
    }

    /// `member` changed its real name to `text`: its rooms' readers are
    /// told once each, the member itself if it is here (IRC's SETNAME
    /// confirms the change), and its watchers who share no room with it.
    pub(super) fn real_name_changed(&mut self, member: MemberId, text: &str, now: &Now) {
        let Some(name) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        let rooms: Vec<RoomId> = self.seats.rooms(&member).collect();
        let own = self.seats.local(&member);
        self.watched_real_name(member, &name, text, now);
        let told = Notice::RealName {
            name,
            text: text.into(),
        };
        if let Some(own) = own {
            self.tell(own, now, told.clone());
        }
        self.tell_rooms(&rooms, own, told.into(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_name_is_short_printable_text() {
        assert!(valid_real_name("Bar Baz"));
        assert!(
            valid_real_name(&"é".repeat(MAX_REAL_NAME / 2)),
            "bytes, not chars"
        );
        assert!(!valid_real_name(&"é".repeat(MAX_REAL_NAME / 2 + 1)));
        assert!(!valid_real_name(""));
        assert!(!valid_real_name("tab\there"));
    }
}
