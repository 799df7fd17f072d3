//! The once-a-second progress line on stderr.

use std::time::{Duration, Instant};

use super::Engine;

/// Progress-line state.
#[derive(Debug)]
pub(super) struct Progress {
    pub(super) start: Instant,
    pub(super) next: Instant,
    pub(super) last: Instant,
    pub(super) last_received: u64,
    pub(super) last_left: u64,
    pub(super) stage: &'static str,
    pub(super) tty: bool,
}

impl Engine {
    /// Prints the once-a-second progress line to stderr.
    pub(super) fn print_progress(&mut self, now: Instant) {
        let p = &mut self.progress;
        if self.target.quiet || now < p.next {
            return;
        }
        let dt = now.duration_since(p.last).as_secs_f64().max(1e-9);
        let received = self.tally.received;
        let c = self.counts;
        let mut line = format!(
            "{:>6.1}s {} {:<8} clients {} logged in {} failed {} dropped {}",
            now.duration_since(p.start).as_secs_f64(),
            self.target.mode,
            p.stage,
            self.clients.len(),
            c.ready,
            c.failed,
            c.dropped
        );
        if self.leave_after_login {
            let rate = (c.left - p.last_left) as f64 / dt;
            line += &format!(" | cycles {} ({}/s)", c.left, si(rate));
        } else {
            let rate = (received - p.last_received) as f64 / dt;
            line += &format!(
                " | sent {} delivered {} ({}/s)",
                si(self.tally.total_sent() as f64),
                si(received as f64),
                si(rate)
            );
        }
        if !self.roles.is_empty() {
            line += &format!(" | attackers dropped {}", c.attackers_dropped);
        }
        if p.tty {
            eprint!("\r\x1b[K{line}");
        } else {
            eprintln!("{line}");
        }
        p.next = now + Duration::from_secs(1);
        p.last = now;
        p.last_received = received;
        p.last_left = c.left;
    }

    /// Ends the progress line so the summary starts on a fresh one.
    pub fn end_progress(&self) {
        if !self.target.quiet && self.progress.tty {
            eprintln!();
        }
    }
}

/// `v` with a k/M/G suffix, three significant digits.
pub fn si(v: f64) -> String {
    let (v, unit) = match v {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    match v {
        v if unit.is_empty() => format!("{v:.0}"),
        v if v >= 100.0 => format!("{v:.0}{unit}"),
        v if v >= 10.0 => format!("{v:.1}{unit}"),
        v => format!("{v:.2}{unit}"),
    }
}
