//! Which failures of a link get a line in the log. Pure.
//!
//! A Redis that stays away must not fill the log, and one that is back
//! must be seen to be back. So: the first failure at once; then one line
//! per backoff step while the waits grow (0.1, 0.2, 0.4 ... 5 s by
//! default: a handful of lines in the first seconds); then, with the waits
//! at their longest, one line a [`QUIET`] period, each with the count of
//! attempts so far.

use std::time::{Duration, Instant};

/// How often a link that keeps failing at the longest wait is logged.
pub const QUIET: Duration = Duration::from_secs(60);

/// When a link's failures were last logged.
#[derive(Debug, Clone)]
pub struct DownLog {
    /// `None` until the first line of the current outage.
    last_line: Option<Instant>,
    /// Whether the link was up before the current outage.
    was_up: bool,
    /// Whether the next up is told: the first, and the first after each
    /// failure told. A link that is up and dropped again and again (a
    /// Redis that refuses writes) is told up no more often than down.
    tell_up: bool,
}

impl Default for DownLog {
    fn default() -> DownLog {
        DownLog {
            last_line: None,
            was_up: false,
            tell_up: true,
        }
    }
}

/// The kind of line a failure gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The first failure of a link that was up: it dropped.
    Dropped,
    /// The first failure of a link that was never up.
    Unreachable,
    /// A later failure of the same outage.
    Still,
}

impl DownLog {
    /// A new failure at `now`: the `failures`-th in a row (see
    /// [`Link::failures`](super::Link::failures); the first starts an
    /// outage), `stepped` if its wait grew (see
    /// [`Link::backoff_stepped`](super::Link::backoff_stepped)). Returns
    /// the line it gets, if any, and counts that line as written.
    pub fn failed(&mut self, failures: u32, stepped: bool, now: Instant) -> Option<Line> {
        let line = match self.last_line {
            _ if failures <= 1 && self.was_up => Line::Dropped,
            _ if failures <= 1 => Line::Unreachable,
            None => Line::Still,
            Some(at) if stepped || now.saturating_duration_since(at) >= QUIET => Line::Still,
            Some(_) => return None,
        };
        self.last_line = Some(now);
        self.was_up = false;
        self.tell_up = true;
        Some(line)
    }

    /// The link is up. Returns whether that gets a line.
    pub fn up(&mut self) -> bool {
        self.was_up = true;
        std::mem::take(&mut self.tell_up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::backoff::Backoff;

    /// With the default backoff (0.1 s to 5 s), an hour of failures gets
    /// the first line, one per step up to 5 s, then one a minute.
    #[test]
    fn steps_then_one_a_minute() {
        let start = Instant::now();
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        let mut log = DownLog::default();
        let mut now = start;
        let mut logged = Vec::new();
        while now < start + Duration::from_secs(3600) {
            let wait = backoff.fail();
            if log
                .failed(backoff.failures(), backoff.stepped(), now)
                .is_some()
            {
                logged.push((backoff.failures(), now - start));
            }
            now += wait;
        }
        let counts: Vec<u32> = logged.iter().map(|&(n, _)| n).collect();
        assert_eq!(&counts[..7], [1, 2, 3, 4, 5, 6, 7], "one per step");
        // 0.1 + 0.2 + ... + 3.2 s = 6.3 s before the 7th; then 5 s apart.
        let after_steps = &logged[7..];
        for pair in after_steps.windows(2) {
            let gap = pair[1].1 - pair[0].1;
            assert!(
                gap >= QUIET && gap < QUIET + Duration::from_secs(5),
                "{gap:?}"
            );
        }
        assert!(
            (58..=61).contains(&after_steps.len()),
            "{}",
            after_steps.len()
        );
    }

    #[test]
    fn only_a_count_started_again_starts_a_new_outage() {
        let now = Instant::now();
        let mut log = DownLog::default();
        assert_eq!(log.failed(1, true, now), Some(Line::Unreachable));
        assert_eq!(log.failed(2, false, now + Duration::from_secs(5)), None);
        assert_eq!(
            log.failed(3, true, now + Duration::from_secs(6)),
            Some(Line::Still)
        );
        // Up (told, after a failure told), then dropped at once: the same
        // outage goes on, and the next up is not told.
        assert!(log.up());
        assert_eq!(log.failed(4, false, now + Duration::from_secs(7)), None);
        assert!(!log.up());
        // Up long enough that the link's count started again.
        assert_eq!(
            log.failed(1, false, now + Duration::from_secs(8)),
            Some(Line::Dropped)
        );
    }
}
