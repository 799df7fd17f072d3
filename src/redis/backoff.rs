//! How long a link waits before it tries to connect again. Pure.

use std::time::Duration;

/// Exponential backoff: the first retry after `min`, each failure after
/// that doubles the wait up to `max`, and a link that gets back to `Ready`
/// starts again from `min`. So a Redis restart costs about `min` of
/// downtime, while a Redis that stays away is tried only every `max` and
/// the log gets one line per try, not a flood.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    /// Failures since the last reset.
    failures: u32,
    /// The wait of the failure before the last one (zero if none).
    before: Duration,
    /// The wait of the last failure.
    last: Duration,
}

impl Backoff {
    /// A backoff from `min` doubling to `max` (`max` is raised to `min`
    /// if it is smaller).
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            next: min,
            failures: 0,
            before: Duration::ZERO,
            last: Duration::ZERO,
        }
    }

    /// The wait after one more failure, and doubles the one after it.
    pub fn fail(&mut self) -> Duration {
        let wait = self.next;
        self.next = (wait * 2).min(self.max);
        self.failures = self.failures.saturating_add(1);
        self.before = self.last;
        self.last = wait;
        wait
    }

    /// A connection succeeded: the next failure waits `min` again.
    pub fn reset(&mut self) {
        self.next = self.min;
        self.failures = 0;
        self.before = Duration::ZERO;
        self.last = Duration::ZERO;
    }

    /// Failures since the last reset.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether the last failure waits longer than the one before it (the
    /// first always does): false once the waits reached `max`.
    pub fn stepped(&self) -> bool {
        self.failures > 0 && self.last > self.before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn doubles_from_min_to_max() {
        let mut b = Backoff::new(ms(100), ms(5000));
        let waits: Vec<u64> = (0..9).map(|_| b.fail().as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    }

    #[test]
    fn reset_starts_again_from_min() {
        let mut b = Backoff::new(ms(100), ms(5000));
        for _ in 0..5 {
            b.fail();
        }
        b.reset();
        assert_eq!(b.fail(), ms(100));
        assert_eq!(b.fail(), ms(200));
    }

    #[test]
    fn counts_failures_and_steps_until_the_cap() {
        let mut b = Backoff::new(ms(100), ms(500));
        assert!(!b.stepped());
        let steps: Vec<bool> = (0..5).map(|_| (b.fail(), b.stepped()).1).collect();
        assert_eq!(steps, [true, true, true, true, false]);
        assert_eq!(b.failures(), 5);
        b.reset();
        assert_eq!(b.failures(), 0);
        b.fail();
        assert!(b.stepped());
    }

    #[test]
    fn max_below_min_is_min() {
        let mut b = Backoff::new(ms(300), ms(100));
        assert_eq!(b.fail(), ms(300));
        assert_eq!(b.fail(), ms(300));
    }
}
