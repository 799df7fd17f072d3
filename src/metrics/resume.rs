//! The resume metrics (issue 24): codes given, sessions resumed, wrong
//! codes, and the sessions kept to be resumed (bounded, see
//! `engine/suspended.rs`). Read from the core and the engine when
//! `/metrics` is scraped; nothing is counted on the hot path.

use super::text::write_metric;
use crate::chat::ResumeCounts;

/// What `/metrics` shows of resuming.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResumeMetrics {
    /// The core's counts.
    pub counts: ResumeCounts,
    /// Open sessions with a code.
    pub live: usize,
    /// Closed sessions kept to be resumed.
    pub kept: usize,
    /// Kept sessions dropped before their end to stay within the bound.
    pub dropped: u64,
}

impl ResumeMetrics {
    /// Appends the Prometheus text of these metrics to `out`.
    pub fn render(&self, out: &mut String) {
        let counters = [
            (
                "resume_codes_total",
                "Resume codes given.",
                self.counts.codes,
            ),
            (
                "resumes_total",
                "Sessions resumed, with a code or a registered name's password.",
                self.counts.resumed,
            ),
            (
                "resume_failures_total",
                "/resume with a malformed, unknown, expired or used code.",
                self.counts.failures,
            ),
            (
                "resume_dropped_total",
                "Kept sessions forgotten before their window ended, to stay within the bound.",
                self.dropped,
            ),
        ];
        for (name, help, value) in counters {
            write_metric(out, name, "counter", help, value);
        }
        let gauges = [
            (
                "resume_live",
                "Open sessions holding a resume code.",
                self.live,
            ),
            (
                "resume_kept",
                "Closed sessions kept to be resumed.",
                self.kept,
            ),
        ];
        for (name, help, value) in gauges {
            write_metric(out, name, "gauge", help, value);
        }
    }
}
