//! A token bucket: `burst` tokens at most, refilled continuously at `rate`
//! per second. Pure; used for lines per connection and per address,
//! connections per address, name changes, room moves, topics, rooms
//! made and history lines per user or per address.

use std::time::{Duration, Instant};

/// How many tokens a bucket holds and how fast it refills.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_sec: f32,
    /// Most tokens held at once.
    pub burst: f32,
}

impl Rate {
    /// `n` per second, `burst` at once.
    pub fn per_sec(n: u32, burst: u32) -> Rate {
        Rate {
            per_sec: n as f32,
            burst: burst as f32,
        }
    }

    /// `n` per minute, `burst` at once.
    pub fn per_minute(n: u32, burst: u32) -> Rate {
        Rate {
            per_sec: n as f32 / 60.0,
            burst: burst as f32,
        }
    }

    /// `n` per hour, `burst` at once.
    pub fn per_hour(n: u32, burst: u32) -> Rate {
        Rate {
            per_sec: n as f32 / 3600.0,
            burst: burst as f32,
        }
    }
}

/// Tokens left and when they were counted.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f32,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn full(rate: Rate, now: Instant) -> TokenBucket {
        TokenBucket {
            tokens: rate.burst,
            updated: now,
        }
    }

    /// Whether a token may be taken now; if not, when the next one arrives.
    pub fn check(&mut self, rate: Rate, now: Instant) -> Result<(), Instant> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f32();
        self.tokens = (self.tokens + elapsed * rate.per_sec).min(rate.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / rate.per_sec;
            Err(now + Duration::from_secs_f32(wait.min(86_400.0)))
        }
    }

    /// Whether `n` tokens may be taken now (at most a full bucket is asked
    /// for, so a request bigger than the burst waits for a full bucket);
    /// if not, when they will be there.
    pub fn check_n(&mut self, rate: Rate, n: u32, now: Instant) -> Result<(), Instant> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f32();
        self.tokens = (self.tokens + elapsed * rate.per_sec).min(rate.burst);
        self.updated = now;
        let want = (n as f32).min(rate.burst);
        if self.tokens >= want {
            Ok(())
        } else {
            let wait = (want - self.tokens) / rate.per_sec;
            Err(now + Duration::from_secs_f32(wait.min(86_400.0)))
        }
    }

    /// Spends one token (after [`check`](Self::check) allowed it).
    pub fn take(&mut self) {
        self.tokens -= 1.0;
    }

    /// Spends `n` tokens whatever is left: the bucket may go below zero,
    /// and [`check`](Self::check) then waits until it has one again.
    pub fn take_n(&mut self, n: u32) {
        self.tokens -= n as f32;
    }

    /// Checks and, if allowed, takes one token.
    pub fn try_take(&mut self, rate: Rate, now: Instant) -> Result<(), Instant> {
        self.check(rate, now)?;
        self.take();
        Ok(())
    }

    /// Whether the bucket would be full at `now` (nothing to remember).
    pub fn is_full_at(&self, rate: Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f32();
        self.tokens + elapsed * rate.per_sec >= rate.burst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let rate = Rate::per_sec(10, 3);
        let start = Instant::now();
        let mut bucket = TokenBucket::full(rate, start);
        for _ in 0..3 {
            assert!(bucket.try_take(rate, start).is_ok());
        }
        let next = bucket.check(rate, start).unwrap_err();
        let wait = next - start;
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(101));
        assert!(bucket.check(rate, next).is_ok());
        assert!(!bucket.is_full_at(rate, next));
        // Long idleness refills only up to the burst.
        let later = start + Duration::from_secs(60);
        assert!(bucket.is_full_at(rate, later));
        for _ in 0..3 {
            assert!(bucket.try_take(rate, later).is_ok());
        }
        assert!(bucket.check(rate, later).is_err());
    }

    #[test]
    fn several_tokens_at_once() {
        let rate = Rate::per_sec(10, 30);
        let start = Instant::now();
        let mut bucket = TokenBucket::full(rate, start);
        assert!(bucket.check_n(rate, 25, start).is_ok());
        bucket.take_n(25);
        let next = bucket.check_n(rate, 20, start).unwrap_err();
        assert!(((next - start).as_secs_f32() - 1.5).abs() < 0.01);
        // More than the burst waits for a full bucket, not forever.
        let full = bucket.check_n(rate, 1000, start).unwrap_err();
        assert!(((full - start).as_secs_f32() - 2.5).abs() < 0.01);
        assert!(bucket.check_n(rate, 1000, full).is_ok());
    }

    #[test]
    fn per_minute_rates() {
        let rate = Rate::per_minute(6, 1);
        let start = Instant::now();
        let mut bucket = TokenBucket::full(rate, start);
        assert!(bucket.try_take(rate, start).is_ok());
        let next = bucket.check(rate, start).unwrap_err();
        assert!((next - start).as_secs_f32() > 9.9 && (next - start).as_secs_f32() < 10.1);
    }
}
