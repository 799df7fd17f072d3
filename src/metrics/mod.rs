//! Counters the server keeps about itself, and their Prometheus text form.
//!
//! Every counter is a plain integer field bumped in place on the hot path:
//! no allocation, no locking (the loop is single-threaded). The text is
//! rendered only when `/metrics` is scraped (`text.rs`).

mod resume;
mod text;
mod web;

pub use web::{ByDialect, WebCounts};

pub use resume::ResumeMetrics;

use std::time::Duration;

/// Upper bounds, in seconds, of the poll-iteration duration histogram.
const ITERATION_BUCKETS: [f64; 10] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05, 0.25,
];

/// Everything `/metrics` reports that the server counts as it goes.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    /// Connections accepted (including those then rejected).
    pub accepted: u64,
    /// Names accepted: users who entered the room.
    pub logins: u64,
    /// Chat lines, actions and private messages received from users.
    pub messages: u64,
    /// Lines queued for a recipient (one broadcast to N users counts N).
    pub deliveries: u64,
    /// Bytes written to chat sockets.
    pub bytes_written: u64,
    /// Readers disconnected for letting their output queue pass `--max-outbuf`.
    pub slow_drops: u64,
    /// Times a connection ran out of flood tokens and was paused.
    pub flood_pauses: u64,
    /// Connections turned away because the server was full.
    pub rejected_full: u64,
    /// Connections turned away by `--max-per-ip`.
    pub rejected_per_ip: u64,
    /// Readers dropped because all output queues together passed
    /// `--max-output-memory` and theirs were the largest.
    pub budget_drops: u64,
    /// Connections refused near the memory budget.
    pub shed_refused: u64,
    /// Readers dropped near the memory budget, largest queue first.
    pub shed_output_drops: u64,
    /// Times a connection holding input stopped being read near the budget.
    pub shed_read_pauses: u64,
    /// Private messages refused because their recipient was not keeping up.
    pub private_refused: u64,
    /// `/history` answers refused because they did not fit in the reader's
    /// queue or in the output memory.
    pub replies_refused: u64,
    /// Connections turned away by `--max-pending`.
    pub rejected_pending: u64,
    /// Connections at the name prompt closed to make room for a newcomer
    /// (the oldest of the address holding the most, `--max-pending`).
    pub pending_evicted: u64,
    /// Connections turned away by `--login-rate`.
    pub rejected_rate: u64,
    /// Connections closed for not picking a name in time.
    pub login_timeouts: u64,
    /// Names registered (`/register`).
    pub registrations: u64,
    /// `/register`s refused: the address registered too many names lately,
    /// or the store keeps `--max-accounts` names.
    pub registrations_refused: u64,
    /// Users closed by `--idle-timeout`.
    pub idle_timeouts: u64,
    /// The web listener's counts.
    pub web: WebCounts,
    /// The Redis engine's counts; `None` without `--redis`, and then none
    /// of its metrics is shown.
    pub redis: Option<RedisCounts>,
    /// Poll iterations per duration bucket (the last one is +Inf).
    iteration_buckets: [u64; ITERATION_BUCKETS.len() + 1],
    /// Total time spent in iterations, for the histogram's `_sum`.
    iteration_seconds: f64,
}

/// What the Redis engine counts (`--redis`).
#[derive(Debug, Default, Clone)]
pub struct RedisCounts {
    /// Room events of local users written to the stream.
    pub published: u64,
    /// Room events of other nodes applied here.
    pub applied: u64,
    /// Room events not published (Redis down, refused or too large) and
    /// entries of other nodes skipped (malformed, or not fitting here).
    pub dropped: u64,
    /// Times a link to Redis went down (each is reconnected).
    pub reconnects: u64,
    /// Times the reader came back to find entries it had not read trimmed
    /// from the stream (then every node's listing is read again).
    pub resume_gaps: u64,
    /// Other nodes seen to stop answering (`--node-timeout`).
    pub nodes_lost: u64,
    /// Entries of other nodes skipped for a wire version this node cannot
    /// read (a newer node's, during a rolling update).
    pub unknown_version: u64,
    /// Whether both links to Redis are connected.
    pub up: bool,
    /// Whether this node's names and listing are registered with the others.
    pub linked: bool,
    /// Age of the last entry read from the stream when it was read, in ms
    /// (from its id, which is Redis's clock).
    pub lag_ms: u64,
}

/// Connection counts that are state, not counters; the server computes them.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Connections at the name prompt.
    pub awaiting_name: usize,
    /// Users in the room.
    pub chatting: usize,
    /// Open `/metrics` connections.
    pub metrics_clients: usize,
    /// Rooms that exist.
    pub rooms: usize,
    /// Memory held by all output queues together, in bytes.
    pub output_memory: usize,
    /// The most `output_memory` has been, as seen after each batch of
    /// deliveries (a long answer is queued within one batch).
    pub output_peak: usize,
    /// `--max-output-memory`.
    pub output_budget: usize,
    /// The memory budget (0 when there is none).
    pub memory_budget: usize,
    /// Memory in use at the last sample (0 without a budget).
    pub memory_used: usize,
    /// Open chat connections by protocol.
    pub by_dialect: ByDialect,
}

impl Metrics {
    /// Records how long one loop iteration took (excluding the wait in poll).
    pub fn observe_iteration(&mut self, took: Duration) {
        let secs = took.as_secs_f64();
        let bucket = ITERATION_BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(ITERATION_BUCKETS.len());
        self.iteration_buckets[bucket] += 1;
        self.iteration_seconds += secs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let mut m = Metrics::default();
        m.observe_iteration(Duration::from_micros(30));
        m.observe_iteration(Duration::from_millis(3));
        m.observe_iteration(Duration::from_secs(1));
        let text = m.render(Gauges {
            by_dialect: ByDialect::default(),
            awaiting_name: 1,
            chatting: 2,
            metrics_clients: 0,
            rooms: 1,
            output_memory: 0,
            output_peak: 0,
            output_budget: 1,
            memory_budget: 0,
            memory_used: 0,
        });
        assert!(text.contains("linechat_poll_iteration_seconds_bucket{le=\"0.00005\"} 1\n"));
        assert!(text.contains("linechat_poll_iteration_seconds_bucket{le=\"0.005\"} 2\n"));
        assert!(text.contains("linechat_poll_iteration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("linechat_poll_iteration_seconds_count 3\n"));
        assert!(text.contains("linechat_connections{state=\"chatting\"} 2\n"));
    }
}
