//! The Prometheus text exposition of [`Metrics`] and [`Gauges`]: one
//! `# HELP`, `# TYPE` and value per metric, built when `/metrics` is scraped.

use super::{Gauges, ITERATION_BUCKETS, Metrics};
use std::fmt::Write as _;

/// One metric without labels, `linechat_NAME`: its `# HELP`, its `# TYPE`
/// (`counter` or `gauge`) and its value.
pub(super) fn write_metric(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    value: impl std::fmt::Display,
) {
    let _ = writeln!(
        out,
        "# HELP linechat_{name} {help}\n# TYPE linechat_{name} {kind}\nlinechat_{name} {value}"
    );
}

impl Metrics {
    /// The Prometheus text exposition (version 0.0.4) of every metric.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        render_gauges(&mut out, gauges);
        self.web.render(gauges.by_dialect, &mut out);
        for (name, help, value) in self.counters() {
            write_metric(&mut out, name, "counter", help, value);
        }
        if let Some(redis) = &self.redis {
            let counters = [
                (
                    "published",
                    "Room events of local users written to Redis.",
                    redis.published,
                ),
                (
                    "applied",
                    "Room events of other nodes applied here.",
                    redis.applied,
                ),
                (
                    "dropped",
                    "Room events not published and entries of other nodes skipped.",
                    redis.dropped,
                ),
                (
                    "reconnects",
                    "Times a link to Redis went down and was reconnected.",
                    redis.reconnects,
                ),
                (
                    "resume_gaps",
                    "Times the reader resumed past entries already trimmed from the stream.",
                    redis.resume_gaps,
                ),
                (
                    "nodes_lost",
                    "Other nodes seen to stop their heartbeat.",
                    redis.nodes_lost,
                ),
                (
                    "unknown_version",
                    "Entries of other nodes skipped for a wire version this node cannot read.",
                    redis.unknown_version,
                ),
            ];
            for (name, help, value) in counters {
                let _ = writeln!(
                    out,
                    "# HELP linechat_redis_{name}_total {help}\n# TYPE linechat_redis_{name}_total counter\nlinechat_redis_{name}_total {value}"
                );
            }
            let _ = writeln!(
                out,
                "# HELP linechat_redis_up Whether both links to Redis are connected.\n# TYPE linechat_redis_up gauge\nlinechat_redis_up {}",
                u8::from(redis.up)
            );
            let _ = writeln!(
                out,
                "# HELP linechat_redis_linked Whether this node is registered with the others.\n# TYPE linechat_redis_linked gauge\nlinechat_redis_linked {}\n# HELP linechat_redis_lag_seconds Age of the last stream entry read when it was read.\n# TYPE linechat_redis_lag_seconds gauge\nlinechat_redis_lag_seconds {:.3}",
                u8::from(redis.linked),
                redis.lag_ms as f64 / 1000.0
            );
        }
        self.render_histogram(&mut out);
        out
    }

    /// Every counter: its name without prefix, its help, its value.
    fn counters(&self) -> [(&'static str, &'static str, u64); 22] {
        [
            ("accepted_total", "Connections accepted.", self.accepted),
            (
                "logins_total",
                "Users who picked a name and joined.",
                self.logins,
            ),
            (
                "messages_total",
                "Chat lines, actions and private messages received.",
                self.messages,
            ),
            (
                "deliveries_total",
                "Lines queued for a recipient.",
                self.deliveries,
            ),
            (
                "bytes_written_total",
                "Bytes written to chat sockets.",
                self.bytes_written,
            ),
            (
                "slow_consumer_drops_total",
                "Readers dropped for a full output queue.",
                self.slow_drops,
            ),
            (
                "flood_pauses_total",
                "Times a connection was paused by flood control.",
                self.flood_pauses,
            ),
            (
                "rejected_full_total",
                "Connections refused because the server was full.",
                self.rejected_full,
            ),
            (
                "rejected_per_ip_total",
                "Connections refused by the per-address limit.",
                self.rejected_per_ip,
            ),
            (
                "output_budget_drops_total",
                "Readers dropped because all output queues together passed the output memory budget.",
                self.budget_drops,
            ),
            (
                "shed_refused_total",
                "Connections refused near the memory budget.",
                self.shed_refused,
            ),
            (
                "shed_output_drops_total",
                "Readers dropped near the memory budget, largest output queue first.",
                self.shed_output_drops,
            ),
            (
                "shed_read_pauses_total",
                "Times a connection holding input stopped being read near the memory budget.",
                self.shed_read_pauses,
            ),
            (
                "private_refused_total",
                "Private messages refused because the recipient was not keeping up.",
                self.private_refused,
            ),
            (
                "history_refused_total",
                "/history answers refused because the reader's queue or the output memory had no room.",
                self.replies_refused,
            ),
            (
                "rejected_pending_total",
                "Connections refused because too many were at the name prompt.",
                self.rejected_pending,
            ),
            (
                "pending_evicted_total",
                "Connections at the name prompt closed to make room for a newcomer from a less busy address.",
                self.pending_evicted,
            ),
            (
                "rejected_rate_total",
                "Connections refused because their address connected too often.",
                self.rejected_rate,
            ),
            (
                "login_timeouts_total",
                "Connections closed at the name prompt by the login timeout.",
                self.login_timeouts,
            ),
            (
                "idle_timeouts_total",
                "Users closed by the idle timeout.",
                self.idle_timeouts,
            ),
            (
                "registrations_total",
                "Names registered with /register.",
                self.registrations,
            ),
            (
                "registrations_refused_total",
                "/register refused: too many from the address lately, or --max-accounts names kept.",
                self.registrations_refused,
            ),
        ]
    }

    /// The poll-iteration histogram.
    fn render_histogram(&self, out: &mut String) {
        let name = "linechat_poll_iteration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time spent handling one poll iteration's events.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (le, count) in ITERATION_BUCKETS.iter().zip(self.iteration_buckets) {
            cumulative += count;
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        cumulative += self.iteration_buckets[ITERATION_BUCKETS.len()];
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "{name}_sum {}", self.iteration_seconds);
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

/// The connection gauges.
fn render_gauges(out: &mut String, gauges: Gauges) {
    let gauge = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(
            out,
            "# HELP linechat_{name} {help}\n# TYPE linechat_{name} gauge"
        );
    };
    gauge(out, "connections", "Open chat connections by state.");
    let _ = writeln!(
        out,
        "linechat_connections{{state=\"awaiting_name\"}} {}",
        gauges.awaiting_name
    );
    let _ = writeln!(
        out,
        "linechat_connections{{state=\"chatting\"}} {}",
        gauges.chatting
    );
    gauge(out, "metrics_connections", "Open /metrics connections.");
    let _ = writeln!(
        out,
        "linechat_metrics_connections {}",
        gauges.metrics_clients
    );
    gauge(out, "rooms", "Rooms that exist.");
    let _ = writeln!(out, "linechat_rooms {}", gauges.rooms);
    gauge(
        out,
        "output_memory_bytes",
        "Memory held by all output queues together.",
    );
    let _ = writeln!(out, "linechat_output_memory_bytes {}", gauges.output_memory);
    gauge(
        out,
        "output_memory_peak_bytes",
        "The most output_memory_bytes has been since the start.",
    );
    let _ = writeln!(
        out,
        "linechat_output_memory_peak_bytes {}",
        gauges.output_peak
    );
    gauge(
        out,
        "output_memory_budget_bytes",
        "The limit on output_memory_bytes (--max-output-memory).",
    );
    let _ = writeln!(
        out,
        "linechat_output_memory_budget_bytes {}",
        gauges.output_budget
    );
    gauge(
        out,
        "memory_budget_bytes",
        "The process's memory budget; 0 is none.",
    );
    let _ = writeln!(out, "linechat_memory_budget_bytes {}", gauges.memory_budget);
    gauge(
        out,
        "memory_used_bytes",
        "Memory in use at the last sample: the cgroup's charge, or resident memory (with a budget).",
    );
    let _ = writeln!(out, "linechat_memory_used_bytes {}", gauges.memory_used);
}
