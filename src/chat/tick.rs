//! Times kept for every member and every connection, in 32 bits: tenths
//! of a second since the process's clock epoch. An `Instant` takes 16
//! bytes, and each member of a room and each connection holds one or two:
//! at 10,000 idle users the difference is some 40 bytes a user. 2^32
//! tenths of a second is over 13 years of uptime.
//!
//! A tick is rounded up, so a deadline kept as a tick is never early, and
//! an idle time read from one is at most a tenth of a second short.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Tenths of a second.
const TENTH: Duration = Duration::from_millis(100);

/// How far before its first use the epoch is set, so that times a little
/// in the past (a caller's `now` taken before the first use) still map
/// exactly.
const BEFORE_FIRST_USE: Duration = Duration::from_secs(3600);

/// The instant tick 0 stands for.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(BEFORE_FIRST_USE).unwrap_or(now)
    })
}

/// An instant, to a tenth of a second (rounded up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tick(u32);

impl Tick {
    /// `instant`, rounded up to the next tenth (the epoch, if before it).
    pub fn at(instant: Instant) -> Tick {
        let since = instant.saturating_duration_since(epoch());
        // Whole seconds, then the part of one rounded up (no 128-bit
        // division: a sender's every line is stamped).
        let part = since.subsec_nanos().div_ceil(TENTH.subsec_nanos());
        let tenths = since.as_secs().saturating_mul(10) + u64::from(part);
        Tick(u32::try_from(tenths).unwrap_or(u32::MAX))
    }

    /// The instant this tick stands for.
    pub fn instant(self) -> Instant {
        epoch() + TENTH * self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_its_instant_rounded_up_to_a_tenth() {
        let now = Instant::now();
        let back = Tick::at(now).instant();
        assert!(back >= now && back - now < TENTH, "{:?}", back - now);
        let later = now + Duration::from_secs(90);
        assert_eq!(Tick::at(later).instant() - back, Duration::from_secs(90));
        assert!(Tick::at(now) < Tick::at(later));
    }

    #[test]
    fn an_instant_before_the_epoch_is_the_epoch() {
        let long_ago = Instant::now().checked_sub(Duration::from_secs(7200));
        if let Some(long_ago) = long_ago {
            assert_eq!(Tick::at(long_ago), Tick(0));
        }
    }
}
