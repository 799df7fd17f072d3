//! Resuming a session (issue 24): a user whose connection dropped comes
//! back under the same name, in the same room, and is shown the lines said
//! there meanwhile.
//!
//! - Each telnet user is given a code at the welcome ([`code`]); the core
//!   keeps only its hash, with the member (`live`).
//! - When the session closes, what it takes to resume it (the name, the
//!   rooms and, per room, the id of the last turn said there: the
//!   position) is handed to the engine as a [`Suspended`] record, by the
//!   code's hash, and (a registered name) by the name, for
//!   `--resume-window`.
//! - `/resume CODE` at the name prompt finds the session: still open here
//!   (then it is closed with `*** You logged in from elsewhere`, and
//!   nothing was missed), or suspended (asked of the engine). The name is
//!   claimed as a password's claim is (taken from any holder, on any
//!   node), the room is entered with `*** alice is back` told to it, the
//!   welcome and a new code are shown, then the lines said after the
//!   position, up to `--history`, under a heading that counts the older
//!   ones not shown.
//! - A registered name that logs in with its password is restored the same
//!   way from the record kept under the name.
//!
//! The position is taken when the connection closes: the room's last turn
//! then. Lines already queued to a connection that drops are counted as
//! delivered; whatever of them the client never read is the doubt
//! (telnet cannot say what it saw).

mod code;
mod flow;
mod mention;
mod replay;
mod since;

pub use code::Code;

use super::MemberId;
use super::member_map::{IdHasher, MemberMap};
use super::rooms::Said;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::num::NonZeroU64;
use std::time::{Duration, SystemTime};

/// Where a suspended session is kept: by its code's hash, or by its
/// registered name (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResumeKey {
    /// A code's hash (see [`Code::hash`]).
    Code(u64),
    /// A registered name, lower-cased.
    Account(Box<str>),
}

impl ResumeKey {
    /// The key's text, for a store keyed by strings (Redis).
    pub fn text(&self) -> String {
        match self {
            ResumeKey::Code(hash) => format!("code:{}", code::hex(*hash)),
            ResumeKey::Account(name) => format!("account:{name}"),
        }
    }
}

/// A session that ended and may be resumed until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspended {
    /// The name it had.
    pub name: Box<str>,
    /// The session it was.
    pub member: MemberId,
    /// Its rooms, first first, each with where its talk stood when the
    /// session closed.
    pub rooms: Vec<Position>,
    /// When it can no longer be resumed.
    pub until: SystemTime,
}

/// Where a session stood in one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The room's name.
    pub room: Box<str>,
    /// Its last turn then (never 0: a room where nothing was said yet
    /// gets an id of that moment), its lines then, and which making of
    /// the room it was (on the record's node).
    pub said: Said,
}

/// Resume counts, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResumeCounts {
    /// Codes given.
    pub codes: u64,
    /// Sessions resumed (with a code, or a registered name's password).
    pub resumed: u64,
    /// `/resume` with a code that is malformed, unknown, expired or used.
    pub failures: u64,
}

/// How long a registered name's record is kept past its window: a login
/// within it is told, per room it was in, how many lines were said since
/// it left (`*** #rust: 37 new lines since you left (/history 37)`).
pub const ACCOUNT_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Most resume codes remembered for open sessions (a bound on `live`,
/// beyond the connection limit itself).
const MAX_LIVE: usize = 1 << 20;

/// The core's resume state.
#[derive(Debug, Default)]
pub(super) struct Resumes {
    /// `--resume-window`; zero is off.
    window: Duration,
    /// Where new codes come from.
    codes: code::CodeSource,
    /// The session of each live code's hash (a local telnet session's;
    /// the session keeps its own hash, see `Client::code`). The hashes are
    /// of codes the server drew, not chosen by clients: a cheap hash will
    /// do.
    by_hash: HashMap<u64, MemberId, BuildHasherDefault<IdHasher>>,
    /// Members whose `/resume` (or registered login) waits for the engine.
    recalling: MemberMap<Recall>,
    /// Members whose resumed name is being claimed, with what they resume.
    restoring: MemberMap<Suspended>,
    /// Lines each resumed member missed in its room, when this node can
    /// tell (the record is its own): the heading counts those not shown.
    missing: MemberMap<u64>,
    /// Registered logins past their window, with the rooms whose count of
    /// lines since they left is still to come, each with the lines this
    /// node counted there, if it can tell.
    since: MemberMap<Vec<(Box<str>, Option<u64>)>>,
    /// `--notify-mentions`: those logins are shown the lines naming them.
    mentions: bool,
    /// Members logged in with a password (their session is kept under the
    /// name too).
    registered: MemberMap<()>,
    /// The counts.
    pub(super) counts: ResumeCounts,
}

impl super::Chat {
    /// Resume counts so far, and the codes of open sessions.
    pub fn resume_counts(&self) -> (ResumeCounts, usize) {
        (self.resume.counts, self.resume.live())
    }
}

/// What a recall waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Recall {
    /// A typed code.
    Code,
    /// A registered name's login, past its password: the name (granted).
    Account(Box<str>),
}

impl Resumes {
    /// Resume state for `--resume-window` and `--notify-mentions`.
    pub(super) fn new(window: Duration, mentions: bool) -> Resumes {
        Resumes {
            window,
            mentions,
            ..Resumes::default()
        }
    }

    /// Whether resuming is on.
    pub(super) fn on(&self) -> bool {
        !self.window.is_zero()
    }

    /// Whether `member` waits for a resume (its lines must wait).
    pub(super) fn busy(&self, member: &MemberId) -> bool {
        self.recalling.contains_key(member) || self.restoring.contains_key(member)
    }

    /// Whether `member`'s claim resumes a session: it takes the name from
    /// any holder, as a password's claim does.
    pub(super) fn restoring(&self, member: &MemberId) -> bool {
        self.restoring.contains_key(member)
    }

    /// A new code for `member`, remembered by hash: the code and its hash
    /// (which the session keeps, to forget it with [`Resumes::forget`]).
    fn give(&mut self, member: MemberId) -> Option<(Code, NonZeroU64)> {
        if self.by_hash.len() >= MAX_LIVE {
            return None;
        }
        let code = self.codes.next()?;
        // A hash of 0 (one in 2^64) is not a code anyone gets.
        let hash = NonZeroU64::new(code.hash())?;
        self.by_hash.insert(hash.get(), member);
        self.counts.codes += 1;
        Some((code, hash))
    }

    /// The code hashed `hash` is no longer live.
    fn forget(&mut self, hash: Option<NonZeroU64>) {
        if let Some(hash) = hash {
            self.by_hash.remove(&hash.get());
        }
    }

    /// Codes of open sessions (for the memory table).
    pub(super) fn live(&self) -> usize {
        self.by_hash.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_remembered_by_hash_until_forgotten() {
        let mut resumes = Resumes::new(Duration::from_secs(60), false);
        let m = MemberId(7);
        let (code, first) = resumes.give(m).unwrap();
        assert_eq!(code.hash(), first.get());
        let (_, second) = resumes.give(m).unwrap();
        assert_ne!(first, second);
        resumes.forget(Some(first));
        assert_eq!(resumes.by_hash.get(&first.get()), None);
        assert_eq!(resumes.by_hash.get(&second.get()), Some(&m));
        resumes.forget(Some(second));
        assert_eq!(resumes.live(), 0);
        assert_eq!(resumes.counts.codes, 2);
    }

    /// What resume state costs per user, before the tables' overhead: an
    /// open session's code is one 16-byte entry (hash to member) and the
    /// session's own 8-byte hash; a kept session (memory engine) is a key and a record, plus
    /// its name and one position per room on the heap.
    #[test]
    fn the_sizes_of_resume_state() {
        use std::mem::size_of;
        assert_eq!(size_of::<(MemberId, u64)>(), 16);
        assert_eq!(size_of::<ResumeKey>(), 16);
        assert_eq!(size_of::<Suspended>(), 64);
        assert_eq!(size_of::<Position>(), 40);
    }

    #[test]
    fn keys_as_text() {
        assert_eq!(ResumeKey::Code(255).text(), "code:00000000000000ff");
        assert_eq!(ResumeKey::Account("bob".into()).text(), "account:bob");
    }
}
