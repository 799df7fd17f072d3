//! Per-connection log lines are capped, so a flood of bad connections
//! cannot flood the log: past the cap they are counted and summarised.

use log::warn;
use std::time::{Duration, Instant};

/// Per-connection log lines allowed per second before they are summarised.
const LOG_LINES_PER_SEC: u32 = 50;

/// Summarises per-connection log lines beyond [`LOG_LINES_PER_SEC`].
#[derive(Debug)]
pub(crate) struct LogLimit {
    window: Instant,
    lines: u32,
    suppressed: u64,
}

impl LogLimit {
    pub(crate) fn new(now: Instant) -> LogLimit {
        LogLimit {
            window: now,
            lines: 0,
            suppressed: 0,
        }
    }

    /// Whether one more line may be logged now.
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window) >= Duration::from_secs(1) {
            if self.suppressed > 0 {
                warn!(
                    "{} more connection log lines suppressed in the last second",
                    self.suppressed
                );
            }
            self.window = now;
            self.lines = 0;
            self.suppressed = 0;
        }
        self.lines += 1;
        let allowed = self.lines <= LOG_LINES_PER_SEC;
        if !allowed {
            self.suppressed += 1;
        }
        allowed
    }
}
