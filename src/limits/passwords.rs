//! Every limit on passwords, in one place. Three of them, each against a
//! different attack:
//!
//! - [`Lockouts`]: wrong passwords for one name *from one address* lock
//!   that address (not the owner) out of the name, growing from 30 s to
//!   15 min. The core keeps them; a right password clears them.
//! - [`ADDRESS_FAILURES`]: wrong passwords one address may give over all
//!   names (guessing many names). The reactor's admission keeps a bucket
//!   per address; past it, each wrong password closes its connection.
//! - [`Registrants`]: registrations one address may make
//!   (`--register-rate`), so rotating names cannot fill the store. The
//!   accounts worker keeps them.
//!
//! Pure: the time is passed in.

use crate::bucket::{Rate, TokenBucket};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong passwords one address may give: 10 at once, then one a minute,
/// whatever the names; past that, each wrong password closes its
/// connection. (Each name has its own, growing, lockout: [`Lockouts`].)
pub const ADDRESS_FAILURES: Rate = Rate {
    per_sec: 1.0 / 60.0,
    burst: 10.0,
};

/// Wrong passwords for one name from one address before that address is
/// locked out of it: after the fifth, its logins with the name wait 30 s,
/// and each further failure doubles that, up to 15 minutes. A right
/// password clears the count.
const FREE_FAILURES: u32 = 5;
const FIRST_LOCK: Duration = Duration::from_secs(30);
const LONGEST_LOCK: Duration = Duration::from_secs(15 * 60);

/// (Name, address) pairs whose failures are remembered at most; past it,
/// entries older than an hour are forgotten first (the per-address limit
/// still holds).
const MAX_LOCKOUTS: usize = 10_000;

/// One name's wrong passwords from one address.
#[derive(Debug, Clone, Copy)]
struct Lockout {
    failures: u32,
    last: Instant,
    until: Option<Instant>,
}

/// Wrong passwords per registered name (lower-cased) and address, and
/// until when that address may not try the name.
#[derive(Debug, Default)]
pub struct Lockouts {
    map: HashMap<(Box<str>, IpAddr), Lockout>,
}

impl Lockouts {
    /// Until when `source` may not try `name`, if it is locked out now.
    pub fn locked_until(&self, name: &str, source: IpAddr, now: Instant) -> Option<Instant> {
        let key = (name.to_ascii_lowercase().into_boxed_str(), source);
        self.map.get(&key)?.until.filter(|&until| until >= now)
    }

    /// A right password for `name` from `source`: its failures are forgotten.
    pub fn clear(&mut self, name: &str, source: IpAddr) {
        self.map
            .remove(&(name.to_ascii_lowercase().into_boxed_str(), source));
    }

    /// Counts a wrong password for `name` from `source`, and locks that
    /// address out of the name past the free ones.
    pub fn count_failure(&mut self, name: &str, source: IpAddr, now: Instant) {
        let key = (name.to_ascii_lowercase().into_boxed_str(), source);
        if self.map.len() >= MAX_LOCKOUTS && !self.map.contains_key(&key) {
            let hour_ago = now.checked_sub(Duration::from_secs(3600));
            self.map
                .retain(|_, l| hour_ago.is_none_or(|old| l.last > old));
            if self.map.len() >= MAX_LOCKOUTS {
                return;
            }
        }
        let lockout = self.map.entry(key).or_insert(Lockout {
            failures: 0,
            last: now,
            until: None,
        });
        lockout.failures += 1;
        lockout.last = now;
        if lockout.failures >= FREE_FAILURES {
            let doublings = (lockout.failures - FREE_FAILURES).min(10);
            let lock = (FIRST_LOCK * 2u32.pow(doublings)).min(LONGEST_LOCK);
            lockout.until = Some(now + lock);
        }
    }
}

/// Addresses whose registrations are remembered at most; past it, those
/// with a full budget again are forgotten.
const MAX_REGISTRANTS: usize = 10_000;

/// Registrations left per address (`--register-rate`, 3 by default): that
/// many at once, then that many an hour.
#[derive(Debug)]
pub struct Registrants {
    rate: Rate,
    map: HashMap<IpAddr, TokenBucket>,
}

impl Registrants {
    /// `per_hour` registrations per address; `None` for 0 (no limit).
    pub fn new(per_hour: u32) -> Option<Registrants> {
        (per_hour > 0).then(|| Registrants {
            rate: Rate {
                per_sec: per_hour as f32 / 3600.0,
                burst: per_hour as f32,
            },
            map: HashMap::new(),
        })
    }

    /// Takes one registration for `source`; false if it has none left.
    pub fn try_take(&mut self, source: IpAddr, now: Instant) -> bool {
        let rate = self.rate;
        if self.map.len() >= MAX_REGISTRANTS {
            self.map.retain(|_, b| !b.is_full_at(rate, now));
        }
        let budget = (self.map.entry(source)).or_insert_with(|| TokenBucket::full(rate, now));
        budget.try_take(rate, now).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_locked_out_of_a_name_after_the_free_failures() {
        let (here, there) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let now = Instant::now();
        let mut lockouts = Lockouts::default();
        for _ in 0..FREE_FAILURES - 1 {
            lockouts.count_failure("Alice", here, now);
        }
        assert_eq!(lockouts.locked_until("alice", here, now), None);
        lockouts.count_failure("ALICE", here, now);
        assert_eq!(
            lockouts.locked_until("alice", here, now),
            Some(now + FIRST_LOCK)
        );
        assert_eq!(
            lockouts.locked_until("alice", there, now),
            None,
            "only that address"
        );
        let later = now + FIRST_LOCK + Duration::from_secs(1);
        assert_eq!(lockouts.locked_until("alice", here, later), None);
        lockouts.count_failure("alice", here, now);
        assert_eq!(
            lockouts.locked_until("alice", here, now),
            Some(now + 2 * FIRST_LOCK)
        );
        lockouts.clear("Alice", here);
        assert_eq!(lockouts.locked_until("alice", here, now), None);
    }

    #[test]
    fn registrations_per_address_refill_by_the_hour() {
        let source = [10, 0, 0, 1].into();
        let now = Instant::now();
        assert!(Registrants::new(0).is_none());
        let mut r = Registrants::new(2).unwrap();
        assert!(r.try_take(source, now) && r.try_take(source, now));
        assert!(!r.try_take(source, now));
        assert!(r.try_take([10, 0, 0, 2].into(), now), "another address");
        assert!(r.try_take(source, now + Duration::from_secs(1800)));
    }
}
