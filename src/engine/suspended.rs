//! Sessions kept to be resumed (see `chat/resume/`), in this process: the
//! memory engine's store. Each record lives until its `until`; the store
//! is bounded, so closing connections in a loop cannot grow memory: past
//! [`MAX_SUSPENDED`], expired records go first, then the one nearest its
//! end.

use crate::chat::{ResumeKey, Suspended};
use std::collections::HashMap;
use std::time::SystemTime;

/// Records kept at most. At about 150 bytes each (a name, one room, the
/// key), 100,000 is some 15 MB at worst.
pub const MAX_SUSPENDED: usize = 100_000;

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
    /// Records kept so far: every [`SWEEP_EVERY`] the expired ones go.
    kept: u64,
}

/// Expired records are forgotten every this many records kept (and when
/// the store is full), so the work is spread thin.
const SWEEP_EVERY: u64 = 256;

impl Suspensions {
    /// Keeps `record` under `key`, replacing what was there.
    pub fn keep(&mut self, key: ResumeKey, record: Suspended, now: SystemTime) {
        self.kept += 1;
        if self.kept.is_multiple_of(SWEEP_EVERY) {
            self.sweep(now);
        }
        if self.records.len() >= MAX_SUSPENDED && !self.records.contains_key(&key) {
            self.records.retain(|k, r| kept_until(k, r) > now);
            if self.records.len() >= MAX_SUSPENDED
                && let Some(soonest) = (self.records.iter())
                    .min_by_key(|(_, r)| r.until)
                    .map(|(k, _)| k.clone())
            {
                self.records.remove(&soonest);
                self.dropped += 1;
            }
        }
        self.records.insert(key, record);
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
}
