//! Sessions kept to be resumed (see `chat/resume/`), in this process: the
//! memory engine's store. Each record lives until its `until`; the store
//! is bounded, so closing connections in a loop cannot grow memory: past
//! [`MAX_SUSPENDED`], expired records go first, then the
//! [`EVICT_SHARE`]th of them nearest their end, at once, so that a full
//! store costs one pass per that many records kept, not one per record.

use crate::chat::{ResumeKey, Suspended};
use std::collections::HashMap;
use std::time::SystemTime;

/// Records kept at most. At about 150 bytes each (a name, one room, the
/// key), 100,000 is some 15 MB at worst.
pub const MAX_SUSPENDED: usize = 100_000;

/// A full store makes room for this share of [`MAX_SUSPENDED`] (1/16th).
const EVICT_SHARE: usize = 16;

/// Until when the record under `key` is kept.
fn kept_until(key: &ResumeKey, record: &Suspended) -> SystemTime {
    match key {
        ResumeKey::Code(_) => record.until,
        ResumeKey::Account(_) => record.until + crate::chat::ACCOUNT_KEPT,
    }
}

/// The records, by key.
#[derive(Debug, Default)]
pub struct Suspensions {
    records: HashMap<ResumeKey, Suspended>,
    /// Records dropped to stay within [`MAX_SUSPENDED`] before their end.
    pub dropped: u64,
    /// Records kept since the expired ones were last forgotten.
    kept_since_sweep: usize,
}

/// Expired records are forgotten every this many records kept, or every
/// quarter of the store's size if that is more (and when the store is
/// full): a few visits per record kept, however large the store.
const SWEEP_EVERY: usize = 256;

impl Suspensions {
    /// Keeps `record` under `key`, replacing what was there.
    pub fn keep(&mut self, key: ResumeKey, record: Suspended, now: SystemTime) {
        self.kept_since_sweep += 1;
        if self.kept_since_sweep >= SWEEP_EVERY.max(self.records.len() / 4) {
            self.sweep(now);
        }
        if self.records.len() >= MAX_SUSPENDED && !self.records.contains_key(&key) {
            self.make_room(now);
        }
        self.records.insert(key, record);
    }

    /// Forgets the expired records and, if that frees less than a
    /// [`EVICT_SHARE`]th of the store, the records nearest their end up
    /// to that share (counted as dropped).
    fn make_room(&mut self, now: SystemTime) {
        self.sweep(now);
        let room = MAX_SUSPENDED / EVICT_SHARE;
        let Some(excess) = (self.records.len() + room).checked_sub(MAX_SUSPENDED) else {
            return;
        };
        if excess == 0 {
            return;
        }
        let mut ends: Vec<SystemTime> = self.records.values().map(|r| r.until).collect();
        let (_, last, _) = ends.select_nth_unstable(excess - 1);
        let last = *last;
        let mut left = excess;
        self.records.retain(|_, r| {
            let drop = left > 0 && r.until <= last;
            left -= usize::from(drop);
            !drop
        });
        self.dropped += (excess - left) as u64;
    }

    /// Takes the record under `key`, if it is still good at `now`: a code
    /// resumes once; a registered name's record is kept
    /// [`ACCOUNT_KEPT`](crate::chat::ACCOUNT_KEPT) past its window.
    pub fn take(&mut self, key: &ResumeKey, now: SystemTime) -> Option<Suspended> {
        let record = self.records.remove(key)?;
        (kept_until(key, &record) > now).then_some(record)
    }

    /// Forgets the record under `key` if it is `member`'s.
    pub fn forget(&mut self, key: &ResumeKey, member: crate::chat::MemberId) {
        if self.records.get(key).is_some_and(|r| r.member == member) {
            self.records.remove(key);
        }
    }

    /// Records held (some may have expired and not been swept yet).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Forgets the expired records (now and then, so a quiet server does
    /// not keep them).
    pub fn sweep(&mut self, now: SystemTime) {
        self.kept_since_sweep = 0;
        self.records.retain(|k, r| kept_until(k, r) > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MemberId;
    use std::time::{Duration, UNIX_EPOCH};

    fn record(secs: u64) -> Suspended {
        Suspended {
            name: "a".into(),
            member: MemberId(1),
            rooms: Vec::new(),
            until: UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    #[test]
    fn a_record_is_taken_once_and_not_after_its_end() {
        let mut s = Suspensions::default();
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        s.keep(ResumeKey::Code(1), record(10), at(0));
        s.keep(ResumeKey::Code(2), record(10), at(0));
        assert_eq!(s.take(&ResumeKey::Code(1), at(5)), Some(record(10)));
        assert_eq!(s.take(&ResumeKey::Code(1), at(5)), None, "used");
        assert_eq!(s.take(&ResumeKey::Code(2), at(10)), None, "expired");
        s.keep(ResumeKey::Code(3), record(10), at(0));
        s.sweep(at(11));
        assert_eq!(s.len(), 0);
    }

    /// A full store drops a sixteenth at once, those nearest their end,
    /// and then takes that many records without another pass.
    #[test]
    fn a_full_store_makes_room_for_many_at_once() {
        let mut s = Suspensions::default();
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        let full = MAX_SUSPENDED as u64;
        for n in 0..full {
            s.keep(ResumeKey::Code(n), record(1_000_000 + n), at(0));
        }
        assert_eq!((s.len(), s.dropped), (MAX_SUSPENDED, 0));
        s.keep(ResumeKey::Code(full), record(2_000_000), at(1));
        let room = MAX_SUSPENDED / EVICT_SHARE;
        assert_eq!(s.dropped, room as u64);
        assert_eq!(s.len(), MAX_SUSPENDED - room + 1);
        assert_eq!(s.take(&ResumeKey::Code(0), at(1)), None, "the soonest went");
        let kept = ResumeKey::Code(room as u64);
        assert_eq!(s.take(&kept, at(1)), Some(record(1_000_000 + room as u64)));
        for n in 1..room as u64 {
            s.keep(ResumeKey::Code(full + n), record(2_000_000), at(1));
        }
        assert_eq!(s.dropped, room as u64, "no other pass until full again");
    }
}
