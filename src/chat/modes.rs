//! A room's rules and its members' ranks, as data: which settings are on
//! (topic lock, no outside lines, invite only, moderated, secret), its key,
//! its member limit, its ban masks; and a member's rank in a room
//! (operator, voiced). IRC names them with mode letters (`+t`, `+o`); telnet
//! with words (`/room topic-lock on`, `/op`). Pure: no rooms looked up.
//!
//! Who may change what, and the events that carry a change to every node,
//! are in `moderation.rs`.

use super::MemberId;
pub use super::ban_mask::{ban_length, full_mask, valid_mask, wildcard_matches};
use std::net::IpAddr;
use std::time::SystemTime;

/// Ban masks a room holds at most (IRC's `MAXLIST`).
pub const MAX_BANS: usize = 50;

/// Longest key, in bytes (IRC's `KEYLEN`).
pub const MAX_KEY: usize = 23;

/// Longest ban mask, in bytes.
pub const MAX_MASK: usize = 100;

/// What starts a mute on the ban list (IRC's extban `m:`, EXTBAN=,m): the
/// mask after it may stay but not speak.
pub const MUTE: &str = "m:";

/// A member's rank in one room: operator, voiced, both or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rank(u8);

impl Rank {
    /// Neither.
    pub const NONE: Rank = Rank(0);
    /// May change the room's settings and ranks, kick, ban and invite.
    pub const OPERATOR: Rank = Rank(1);
    /// May speak in a moderated room.
    pub const VOICE: Rank = Rank(2);

    /// Whether every rank of `other` is held.
    pub fn has(self, other: Rank) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// This rank with `other` given (`on`) or taken away.
    pub fn with(self, other: Rank, on: bool) -> Rank {
        match on {
            true => Rank(self.0 | other.0),
            false => Rank(self.0 & !other.0),
        }
    }

    /// IRC's prefixes for the rank, highest first (`@+`, `@`, `+`, ``).
    pub fn prefixes(self) -> &'static str {
        match (self.has(Rank::OPERATOR), self.has(Rank::VOICE)) {
            (true, true) => "@+",
            (true, false) => "@",
            (false, true) => "+",
            (false, false) => "",
        }
    }
}

/// A room setting that is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Only operators set the topic (`+t`).
    TopicLock,
    /// Only members send lines to the room (`+n`).
    NoOutside,
    /// Only the invited enter (`+i`).
    InviteOnly,
    /// Only operators and voiced members speak (`+m`).
    Moderated,
    /// Not listed, and its members not shown, to those outside (`+s`).
    Secret,
    /// Only users holding a registered name (proved by its password)
    /// enter, unless invited (`+R`).
    RegisteredOnly,
}

impl Flag {
    /// Every flag, in the order IRC's 324 lists them.
    pub const ALL: [Flag; 6] = [
        Flag::InviteOnly,
        Flag::Moderated,
        Flag::NoOutside,
        Flag::RegisteredOnly,
        Flag::Secret,
        Flag::TopicLock,
    ];

    /// IRC's letter.
    pub fn letter(self) -> char {
        match self {
            Flag::TopicLock => 't',
            Flag::NoOutside => 'n',
            Flag::InviteOnly => 'i',
            Flag::Moderated => 'm',
            Flag::Secret => 's',
            Flag::RegisteredOnly => 'R',
        }
    }

    /// The flag IRC's `letter` names.
    pub fn from_letter(letter: char) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.letter() == letter)
    }

    /// Telnet's word (`/room WORD on|off`).
    pub fn word(self) -> &'static str {
        match self {
            Flag::TopicLock => "topic-lock",
            Flag::NoOutside => "members-only",
            Flag::InviteOnly => "invite-only",
            Flag::Moderated => "moderated",
            Flag::Secret => "secret",
            Flag::RegisteredOnly => "registered-only",
        }
    }

    /// The flag telnet's `word` names.
    pub fn from_word(word: &str) -> Option<Flag> {
        Flag::ALL
            .into_iter()
            .find(|f| f.word().eq_ignore_ascii_case(word))
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// One change to a room's settings or a member's rank, as applied and as
/// told to every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeChange {
    /// A setting turned on or off.
    Flag {
        /// Which.
        flag: Flag,
        /// On or off.
        on: bool,
    },
    /// The key set (`Some`) or removed.
    Key(Option<Box<str>>),
    /// The member limit set (`Some`) or removed.
    Limit(Option<u32>),
    /// A ban mask added (until a time, or for good) or removed.
    Ban {
        /// `nick!user@host`, with `*` and `?`.
        mask: Box<str>,
        /// Added or removed.
        on: bool,
        /// When an added ban ends by itself (`/ban NAME 10m`).
        until: Option<SystemTime>,
    },
    /// `member` made the room by entering it, so is its first operator:
    /// applied on every node, told to nobody.
    Maker(MemberId),
    /// The room registered to a registered name (`Some`, lower-cased), or
    /// released (`None`): see `owned.rs`.
    Owner(Option<Box<str>>),
    /// A member given or denied a rank.
    Rank {
        /// Who.
        member: MemberId,
        /// Their name, for the telling.
        name: Box<str>,
        /// [`Rank::OPERATOR`] or [`Rank::VOICE`].
        rank: Rank,
        /// Given or taken.
        on: bool,
    },
}

/// Why a room turned someone away at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Barred {
    /// A ban mask matches them (IRC 474).
    Banned,
    /// The room is invite-only and they were not invited (473).
    InviteOnly,
    /// The room has a key and they gave another (475).
    BadKey,
    /// The room holds its limit (471).
    Full,
    /// The room takes registered names only, and theirs is not (477).
    RegisteredOnly,
}

/// One ban (or mute) on a room's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// Its mask (a mute's after [`MUTE`]).
    pub mask: Box<str>,
    /// When it ends by itself, if it does: past then it holds no more
    /// (on every node, by its own clock), and goes at the next change.
    pub until: Option<SystemTime>,
}

impl Ban {
    /// Whether it still holds at `now`.
    pub fn holds(&self, now: SystemTime) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// Who is at a room's door.
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    /// Their name.
    pub name: &'a str,
    /// Where they connect from (a user of this node).
    pub address: Option<IpAddr>,
    /// Whether they were invited.
    pub invited: bool,
    /// Whether they hold a registered name, proved by its password.
    pub registered: bool,
    /// The key they gave.
    pub key: Option<&'a str>,
    /// The time now (bans end).
    pub now: SystemTime,
}

/// A room's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomModes {
    flags: u8,
    /// The key needed to enter, if any.
    pub key: Option<Box<str>>,
    /// The most members, if limited.
    pub limit: Option<u32>,
    /// Bans and mutes, in the order set.
    pub bans: Vec<Ban>,
    /// When the room was made (IRC's 329).
    pub created: SystemTime,
}

impl RoomModes {
    /// A new room's settings: members only (what linechat has always done),
    /// the rest off.
    pub fn new(created: SystemTime) -> RoomModes {
        RoomModes {
            flags: Flag::NoOutside.bit(),
            key: None,
            limit: None,
            bans: Vec::new(),
            created,
        }
    }

    /// Turns `flag` on or off.
    pub fn set(&mut self, flag: Flag, on: bool) {
        self.apply(&ModeChange::Flag { flag, on });
    }

    /// Whether `flag` is on.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags & flag.bit() != 0
    }

    /// The flags that are on, in [`Flag::ALL`]'s order.
    pub fn flags(&self) -> impl Iterator<Item = Flag> + '_ {
        Flag::ALL.into_iter().filter(|&f| self.has(f))
    }

    /// Whether `change` would change anything (a rank change is the
    /// room's members', so always counts).
    pub fn changes(&self, change: &ModeChange) -> bool {
        match change {
            ModeChange::Flag { flag, on } => self.has(*flag) != *on,
            ModeChange::Key(key) => self.key != *key,
            ModeChange::Limit(limit) => self.limit != *limit,
            ModeChange::Ban { mask, on, until } => match self.ban(mask) {
                Some(ban) => !*on || ban.until != *until,
                None => *on,
            },
            ModeChange::Rank { .. } | ModeChange::Maker(_) | ModeChange::Owner(_) => true,
        }
    }

    /// Applies `change` to the settings (a rank change is the room's
    /// members', see `Room::set_rank`).
    pub fn apply(&mut self, change: &ModeChange) {
        match change {
            ModeChange::Flag { flag, on: true } => self.flags |= flag.bit(),
            ModeChange::Flag { flag, on: false } => self.flags &= !flag.bit(),
            ModeChange::Key(key) => self.key = key.clone(),
            ModeChange::Limit(limit) => self.limit = *limit,
            ModeChange::Ban {
                mask,
                on: true,
                until,
            } => {
                let ban = Ban {
                    mask: mask.clone(),
                    until: *until,
                };
                let held = self
                    .bans
                    .iter()
                    .position(|b| b.mask.eq_ignore_ascii_case(mask));
                match held {
                    Some(at) => self.bans[at] = ban,
                    None if self.bans.len() < MAX_BANS => self.bans.push(ban),
                    None => {}
                }
            }
            ModeChange::Ban {
                mask, on: false, ..
            } => {
                self.bans.retain(|b| !b.mask.eq_ignore_ascii_case(mask));
            }
            ModeChange::Rank { .. } | ModeChange::Maker(_) | ModeChange::Owner(_) => {}
        }
    }

    /// The ban on the list with `mask` (ignoring case).
    fn ban(&self, mask: &str) -> Option<&Ban> {
        self.bans.iter().find(|b| b.mask.eq_ignore_ascii_case(mask))
    }

    /// Forgets the bans and mutes that ended before `now`, so they take no
    /// place on the list.
    pub fn forget_ended(&mut self, now: SystemTime) {
        self.bans.retain(|ban| ban.holds(now));
    }

    /// The bans and mutes that hold at `now`.
    pub fn holding(&self, now: SystemTime) -> impl Iterator<Item = &Ban> {
        self.bans.iter().filter(move |b| b.holds(now))
    }

    /// Whether a ban mask matches the user called `name` (connected from
    /// `address`, if known) at `now` (see `ban_mask.rs`).
    pub fn bans(&self, name: &str, address: Option<IpAddr>, now: SystemTime) -> bool {
        self.matches((name, address), false, now)
    }

    /// Whether a mute (a ban mask after [`MUTE`], `m:bob!*@*`) matches the
    /// user called `name` (from `address`) at `now`: they stay in the
    /// room, but nobody hears them.
    pub fn mutes(&self, name: &str, address: Option<IpAddr>, now: SystemTime) -> bool {
        self.matches((name, address), true, now)
    }

    /// Whether a ban (`mutes`: a mute) that holds at `now` matches `name`
    /// from `address`.
    fn matches(
        &self,
        (name, address): (&str, Option<IpAddr>),
        mutes: bool,
        now: SystemTime,
    ) -> bool {
        if self.bans.is_empty() {
            return false;
        }
        let masks = self
            .holding(now)
            .filter_map(|ban| match ban.mask.strip_prefix(MUTE) {
                Some(muted) if mutes => Some(muted),
                None if !mutes => Some(&*ban.mask),
                _ => None,
            });
        masks
            .into_iter()
            .any(|mask| super::ban_mask::matches(mask, name, address))
    }

    /// Whether `visitor` may enter, with `members` in already.
    pub fn admits(&self, visitor: Visitor<'_>, members: usize) -> Result<(), Barred> {
        if self.bans(visitor.name, visitor.address, visitor.now) && !visitor.invited {
            return Err(Barred::Banned);
        }
        if self.has(Flag::InviteOnly) && !visitor.invited {
            return Err(Barred::InviteOnly);
        }
        // An invitation lets a guest in too: an operator chose them.
        if self.has(Flag::RegisteredOnly) && !visitor.registered && !visitor.invited {
            return Err(Barred::RegisteredOnly);
        }
        if let Some(key) = &self.key
            && visitor.key != Some(&**key)
        {
            return Err(Barred::BadKey);
        }
        if self.limit.is_some_and(|limit| members >= limit as usize) {
            return Err(Barred::Full);
        }
        Ok(())
    }
}

/// Whether `key` may be a room's key: 1 to [`MAX_KEY`] printable ASCII
/// bytes, no space or comma (IRC separates keys with commas).
pub fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic() && b != b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor(name: &str) -> Visitor<'_> {
        Visitor {
            name,
            address: None,
            invited: false,
            registered: false,
            key: None,
            now: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn ranks_combine_and_show_their_prefixes_highest_first() {
        let both = Rank::NONE
            .with(Rank::VOICE, true)
            .with(Rank::OPERATOR, true);
        assert_eq!(both.prefixes(), "@+");
        assert!(both.has(Rank::OPERATOR) && both.has(Rank::VOICE));
        assert_eq!(both.with(Rank::OPERATOR, false).prefixes(), "+");
        assert!(!Rank::NONE.has(Rank::NONE));
    }

    #[test]
    fn a_new_room_is_members_only_and_flags_go_on_and_off() {
        let mut modes = RoomModes::new(SystemTime::UNIX_EPOCH);
        assert_eq!(modes.flags().collect::<Vec<_>>(), [Flag::NoOutside]);
        let lock = ModeChange::Flag {
            flag: Flag::TopicLock,
            on: true,
        };
        assert!(modes.changes(&lock));
        modes.apply(&lock);
        assert!(modes.has(Flag::TopicLock) && !modes.changes(&lock));
        assert_eq!(Flag::from_letter('t'), Some(Flag::TopicLock));
        assert_eq!(Flag::from_word("Invite-Only"), Some(Flag::InviteOnly));
    }

    #[test]
    fn the_door_checks_bans_invites_keys_and_the_limit_in_that_order() {
        let mut modes = RoomModes::new(SystemTime::UNIX_EPOCH);
        assert_eq!(modes.admits(visitor("bob"), 5), Ok(()));
        modes.apply(&ModeChange::Limit(Some(2)));
        assert_eq!(modes.admits(visitor("bob"), 2), Err(Barred::Full));
        modes.apply(&ModeChange::Key(Some("sesame".into())));
        assert_eq!(modes.admits(visitor("bob"), 0), Err(Barred::BadKey));
        let keyed = Visitor {
            key: Some("sesame"),
            ..visitor("bob")
        };
        assert_eq!(modes.admits(keyed, 0), Ok(()));
        modes.apply(&ModeChange::Ban {
            mask: "B*!*@*".into(),
            on: true,
            until: None,
        });
        assert_eq!(modes.admits(keyed, 0), Err(Barred::Banned));
        assert_eq!(modes.admits(visitor("alice"), 0), Err(Barred::BadKey));
        modes.apply(&ModeChange::Ban {
            mask: "b*!*@*".into(),
            on: false,
            until: None,
        });
        assert!(modes.bans.is_empty(), "removal ignores case");
    }

    #[test]
    fn a_registered_only_room_takes_proved_names_and_the_invited() {
        let mut modes = RoomModes::new(SystemTime::UNIX_EPOCH);
        modes.set(Flag::RegisteredOnly, true);
        assert_eq!(Flag::from_letter('R'), Some(Flag::RegisteredOnly));
        assert_eq!(
            modes.admits(visitor("guest"), 0),
            Err(Barred::RegisteredOnly)
        );
        let registered = Visitor {
            registered: true,
            ..visitor("alice")
        };
        assert_eq!(modes.admits(registered, 0), Ok(()));
        let invited = Visitor {
            invited: true,
            ..visitor("guest")
        };
        assert_eq!(modes.admits(invited, 0), Ok(()));
    }

    #[test]
    fn a_mute_silences_without_barring() {
        let mut modes = RoomModes::new(SystemTime::UNIX_EPOCH);
        modes.apply(&ModeChange::Ban {
            mask: full_mask("m:bob").into(),
            on: true,
            until: None,
        });
        assert_eq!(&*modes.bans[0].mask, "m:bob!*@*");
        let now = SystemTime::UNIX_EPOCH;
        assert!(modes.mutes("Bob", None, now) && !modes.bans("bob", None, now));
        assert!(!modes.mutes("alice", None, now));
        assert_eq!(modes.admits(visitor("bob"), 0), Ok(()));
    }

    #[test]
    fn a_ban_with_a_length_ends_by_itself() {
        let start = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let mut modes = RoomModes::new(start);
        let length = ban_length("10m").unwrap();
        let ban = ModeChange::Ban {
            mask: "bob!*@*".into(),
            on: true,
            until: Some(start + length),
        };
        assert!(modes.changes(&ban));
        modes.apply(&ban);
        assert!(!modes.changes(&ban), "the same ban again changes nothing");
        assert!(modes.bans("bob", None, start));
        assert!(!modes.bans("bob", None, start + length), "over at its end");
        assert_eq!(modes.holding(start + length).count(), 0);
        let for_good = ModeChange::Ban {
            mask: "BOB!*@*".into(),
            on: true,
            until: None,
        };
        assert!(modes.changes(&for_good), "a new length is a change");
        modes.apply(&for_good);
        assert_eq!(modes.bans.len(), 1);
        assert!(modes.bans("bob", None, start + length));
        assert_eq!(ban_length("30s"), Some(std::time::Duration::from_secs(30)));
        assert_eq!(ban_length("2h"), Some(std::time::Duration::from_secs(7200)));
        for bad in ["", "m", "10", "0m", "-1m", "10x", "400d"] {
            assert_eq!(ban_length(bad), None, "{bad}");
        }
    }

    #[test]
    fn keys_and_masks_are_checked_and_masks_completed() {
        assert!(valid_key("sesame"));
        for bad in ["", "has space", "a,b", &"k".repeat(MAX_KEY + 1)] {
            assert!(!valid_key(bad), "{bad:?}");
        }
        assert!(valid_mask("*!*@*") && !valid_mask("a b"));
        assert_eq!(full_mask("bob"), "bob!*@*");
        assert_eq!(full_mask("*@host"), "*!*@host");
        assert_eq!(full_mask("bob!u"), "bob!u@*");
        assert_eq!(full_mask("a!b@c"), "a!b@c");
    }

    #[test]
    fn masks_match_with_stars_and_question_marks_ignoring_case() {
        assert!(wildcard_matches("*", "coolNick"));
        assert!(wildcard_matches("coolni*", "coolNick"));
        assert!(wildcard_matches("c*l?ick", "coolNick"));
        assert!(wildcard_matches("*NICK", "coolNick"));
        assert!(wildcard_matches("a*b*c", "axxbyyc"));
        assert!(!wildcard_matches("eva*", "shivaram"));
        assert!(!wildcard_matches("c?", "c"));
        assert!(!wildcard_matches("a*b", "ab c"));
        assert!(!wildcard_matches("", "a"));
    }
}
