//! The user modes a client may set on itself (IRC's `MODE nick +B`, `+i`):
//! bot (`+B`, shown in WHO and WHOIS) and invisible (`+i`: a WHO mask
//! skips the user unless the asker shares a room with it). Kept by the
//! node the user is on, so other nodes do not know them.

use super::member_map::MemberMap;
use super::{Chat, Local, MemberId};

/// One user's modes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UserModes {
    /// `+B`: the user says it is a bot.
    pub bot: bool,
    /// `+i`: WHO masks skip it (but not WHO of its exact name).
    pub invisible: bool,
}

/// The modes of the local members that set any (few: a sparse table).
pub(super) type ModeTable = MemberMap<UserModes>;

impl Chat {
    /// The modes of the client at `local`.
    pub fn user_modes(&self, local: Local) -> UserModes {
        let member = self.client(local).map(|c| c.member);
        member.map_or_else(UserModes::default, |m| self.user_modes_of(m))
    }

    /// Sets the modes of the client at `local` (logged in).
    pub fn set_user_modes(&mut self, local: Local, modes: UserModes) {
        let Some(member) = self.client(local).map(|c| c.member) else {
            return;
        };
        match modes == UserModes::default() {
            true => drop(self.modes.remove(&member)),
            false => drop(self.modes.insert(member, modes)),
        }
    }

    /// Whether the user called `name` set bot mode (known of this node's
    /// users): its private lines carry the `bot` tag.
    pub fn is_bot(&self, name: &str) -> bool {
        self.find(name).is_some_and(|m| self.user_modes_of(m).bot)
    }

    /// Users this node knows to be invisible (LUSERS 251).
    pub fn invisible_users(&self) -> usize {
        self.modes.values().filter(|m| m.invisible).count()
    }

    /// `member`'s modes (none for other nodes' users).
    pub(super) fn user_modes_of(&self, member: MemberId) -> UserModes {
        self.modes.get(&member).copied().unwrap_or_default()
    }

    /// Whether a WHO mask by `asker` skips `member`: invisible, not the
    /// asker, and in no room with it.
    pub(super) fn invisible_to(&self, member: MemberId, asker: Option<MemberId>) -> bool {
        if !self.user_modes_of(member).invisible || asker == Some(member) {
            return false;
        }
        let Some(asker) = asker else { return true };
        !self
            .seats
            .rooms(&member)
            .any(|room| self.seats.rooms(&asker).any(|r| r == room))
    }
}
