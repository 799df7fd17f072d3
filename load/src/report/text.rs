//! The readable summary of a run, section by section.

use std::fmt::Write as _;

use super::Report;
use crate::engine::si;

impl Report {
    /// The readable summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        self.heading(&mut s);
        self.counts(&mut s);
        self.latencies(&mut s);
        self.memory(&mut s);
        self.cpu(&mut s);
        self.outcome(&mut s);
        s
    }

    /// The first line: the mode and the run's shape.
    fn heading(&self, s: &mut String) {
        let _ = write!(s, "{}", self.mode);
        if let Some(shape) = self.shape {
            let _ = write!(s, " {shape}");
        }
        let _ = write!(s, ": {} clients", self.clients);
        if let Some(k) = self.rooms.filter(|&k| k > 1) {
            let _ = write!(s, " in {k} rooms");
        }
        if let Some(n) = self.nodes {
            let _ = write!(s, " over {n} nodes");
        }
        if let Some(n) = self.nonreaders {
            let _ = write!(s, " ({n} never read)");
        }
        if let Some(n) = self.senders {
            let _ = write!(s, ", {n} senders");
        }
        match (self.rate, self.window) {
            (Some(r), _) => {
                let _ = write!(s, ", {} lines/s", si(r));
            }
            (None, Some(w)) => {
                let _ = write!(s, ", max rate (window {w})");
            }
            (None, None) => {}
        }
        if let Some(d) = self.duration_secs {
            let _ = write!(s, ", {d:.1} s");
        }
        s.push('\n');
    }

    /// Logins, rates and the deliveries' counts.
    fn counts(&self, s: &mut String) {
        let _ = writeln!(s, "  logged in      {}", self.logged_in);
        if let Some(t) = self.login_secs {
            let _ = writeln!(s, "  login time     {t:.3} s");
        }
        if let Some(n) = self.logins {
            let _ = writeln!(s, "  cycles         {n}");
        }
        if let Some(r) = self.logins_per_sec {
            let _ = writeln!(s, "  logins/s       {r:.0}");
        }
        if let Some(r) = self.deliveries_per_sec {
            let _ = writeln!(s, "  deliveries/s   {} ({r:.0})", si(r));
        }
        if self.sent > 0 {
            let _ = writeln!(
                s,
                "  deliveries     sent {} lines, expected {}, received {}, lost {}, out of order {}",
                self.sent,
                self.expected,
                self.received,
                self.lost(),
                self.out_of_order
            );
        }
        if self.cross_room > 0 {
            let _ = writeln!(s, "  cross-room     {} lines", self.cross_room);
        }
    }

    /// Latency percentiles (all, same node, cross node; then the same to
    /// arrival in the socket) and the failover's times.
    fn latencies(&self, s: &mut String) {
        for (label, l) in [
            ("latency µs    ", self.latency),
            ("  same node   ", self.latency_same),
            ("  cross node  ", self.latency_cross),
            ("arrival µs    ", self.arrival[0]),
            ("  same node   ", self.arrival[1]),
            ("  cross node  ", self.arrival[2]),
        ] {
            if let Some(l) = l {
                let _ = writeln!(
                    s,
                    "  {label} p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
                    l.p50, l.p90, l.p99, l.p999, l.max
                );
            }
        }
        if let Some(f) = &self.failover {
            let secs = |v: Option<f64>| v.map_or("never".into(), |v| format!("{v:.3} s"));
            let _ = writeln!(
                s,
                "  failover       killed the node of {} users {:.1} s in; {} users elsewhere",
                f.victims, f.kill_after_secs, f.survivors
            );
            let _ = writeln!(
                s,
                "  leaves         first seen {}, seen by everyone {} after the kill ({} of {})",
                secs(f.first_leave_secs),
                secs(f.all_leaves_secs),
                f.leaves_seen,
                f.leaves_expected
            );
            if f.resume.is_none() {
                let _ = writeln!(
                    s,
                    "  names free     {} after the kill ({} login attempts)",
                    secs(f.names_free_secs),
                    f.probe_logins
                );
            }
            if f.early_leaves > 0 {
                let _ = writeln!(
                    s,
                    "  early leaves   {} notices before the kill",
                    f.early_leaves
                );
            }
            if let Some(r) = &f.resume {
                let _ = writeln!(
                    s,
                    "  resumed        {} of {} dropped through the balancer ({} reconnects, {} \
                     codes refused); welcome p50 {}, last {} after the kill",
                    r.resumed,
                    r.dropped,
                    r.reconnects,
                    r.refused,
                    secs(r.back_p50_secs),
                    secs(r.back_max_secs)
                );
                let _ = writeln!(
                    s,
                    "  their lines    {} replays, heading p50 {}, last {} after the kill; {} \
                     missed ({} sent before the kill, {} not shown), {} seen twice; back seen by \
                     everyone {} ({} of {})",
                    r.replays,
                    secs(r.replay_p50_secs),
                    secs(r.replay_max_secs),
                    r.missed,
                    r.missed_before_kill,
                    r.not_shown,
                    r.twice,
                    secs(r.all_backs_secs),
                    r.backs_seen,
                    r.backs_expected
                );
            }
        }
    }

    /// The broadcast, the server's memory, the attackers dropped, whether it runs.
    fn memory(&self, s: &mut String) {
        if let Some(p) = self.broadcast_p99_us {
            let _ = writeln!(s, "  broadcast p99  {p} µs");
        }
        if let (Some(b), Some(a)) = (self.rss_before_bytes, self.rss_after_bytes) {
            let _ = writeln!(
                s,
                "  server RSS     {} KiB before, {} KiB after",
                b / 1024,
                a / 1024
            );
        }
        if let Some(r) = self.rss_per_conn_bytes {
            let _ = writeln!(s, "  RSS/conn       {r} bytes");
        }
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        if let Some(p) = self.peak_rss_bytes {
            let _ = write!(s, "  peak RSS       {:.1} MiB", mib(p));
            if let Some(m) = self.rss_max_sampled_bytes {
                let _ = write!(s, " (sampled max {:.1} MiB)", mib(m));
            }
            if let Some(b) = self.rss_bar_bytes {
                let _ = write!(s, ", bar {:.1} MiB", mib(b));
            }
            s.push('\n');
        }
        if let Some(p) = self.tcp_mem_peak_bytes {
            let _ = write!(s, "  kernel TCP mem peak {:.1} MiB", mib(p));
            if let Some(b) = self.tcp_mem_before_bytes {
                let _ = write!(s, " (before {:.1} MiB)", mib(b));
            }
            s.push('\n');
        }
        if let Some(d) = self.attackers_dropped {
            let _ = writeln!(s, "  attackers disconnected by the server {d}");
        }
        if let Some(alive) = self.server_alive {
            let _ = writeln!(
                s,
                "  server         {}",
                if alive { "running" } else { "DEAD" }
            );
        }
    }

    /// CPU shares, what Redis did, and CPU per delivery.
    fn cpu(&self, s: &mut String) {
        let _ = write!(s, "  CPU            generator {:.0}%", self.gen_cpu * 100.0);
        if let Some(c) = self.server_cpu {
            let _ = write!(s, ", server {:.0}%", c * 100.0);
        }
        if self.node_cpu.len() > 1 {
            let each: Vec<String> = self
                .node_cpu
                .iter()
                .enumerate()
                .map(|(i, c)| format!("node{i} {:.0}%", c * 100.0))
                .collect();
            let _ = write!(s, " ({})", each.join(", "));
        }
        if let Some(r) = &self.redis {
            let _ = write!(s, ", redis {:.0}%", r.cpu() * 100.0);
        }
        let _ = writeln!(s, " (of one core)");
        if let Some(r) = &self.redis {
            let _ = writeln!(
                s,
                "  redis calls/s  {} (XADD {})",
                si(r.calls_per_sec()),
                si(r.xadd_per_sec())
            );
            let (line, line_xadd) = r.per(r.lines);
            let (write, write_xadd) = r.per(r.writes);
            let (delivery, _) = r.per(r.deliveries);
            let _ = writeln!(
                s,
                "  redis calls    per line {line:.3} (XADD {line_xadd:.3}), per sender write \
                 {write:.3} (XADD {write_xadd:.3}; {} writes), per delivery {delivery:.5}",
                r.writes
            );
            let each: Vec<String> = r
                .run
                .calls
                .iter()
                .map(|(name, n)| format!("{name} {n}"))
                .collect();
            let _ = writeln!(s, "  redis commands {}", each.join(", "));
        }
        if let Some(g) = self.gen_ns_per_delivery {
            let _ = write!(s, "  CPU/delivery   generator {g:.1} ns");
            if let Some(c) = self.server_ns_per_delivery {
                let _ = write!(s, ", server {c:.1} ns");
            }
            s.push('\n');
        }
    }

    /// Wall time, failures and the verdict.
    fn outcome(&self, s: &mut String) {
        let _ = writeln!(s, "  wall time      {:.2} s", self.wall_secs);
        if self.failed > 0 || self.dropped > 0 {
            let _ = writeln!(s, "  failed {}, disconnected {}", self.failed, self.dropped);
        }
        if let Some(e) = &self.first_error {
            let _ = writeln!(s, "  first error    {e}");
        }
        if self.ok() {
            let _ = writeln!(s, "  result         ok");
        } else {
            let _ = writeln!(s, "  result         FAILED: {}", self.problems.join("; "));
        }
    }
}
