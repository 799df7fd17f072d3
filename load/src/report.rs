//! The result of a run, as a readable summary or one flat JSON object.
//!
//! JSON is written by hand: the object is flat, its keys are fixed, and the
//! only strings (mode, errors) are escaped below.

use std::fmt::Write as _;

use hdrhistogram::Histogram;

use crate::engine::si;
use crate::redis_info::Sample;

/// Delivery latency percentiles, in µs.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Latency {
    /// The percentiles of `h`, or `None` if it holds nothing.
    pub fn of(h: &Histogram<u64>) -> Option<Latency> {
        (!h.is_empty()).then(|| Latency {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
        })
    }
}

/// What the measurement cost the Redis the nodes share (fanout with
/// `--redis`).
#[derive(Debug, Clone, Default)]
pub struct RedisCost {
    /// Length of the measurement window, in seconds.
    pub window_secs: f64,
    /// Calls and CPU time over the measurement window.
    pub window: Sample,
    /// Calls and CPU time from the start of the measurement until the last
    /// line arrived (or the drain gave up): every line sent was published.
    pub run: Sample,
    /// Measured lines sent.
    pub lines: u64,
    /// Writes of one or more measured lines by a sender: about one server
    /// read each, so one sender turn.
    pub writes: u64,
    /// Deliveries of those lines.
    pub deliveries: u64,
}

impl RedisCost {
    /// Redis's CPU share of one core over the window.
    pub fn cpu(&self) -> f64 {
        self.window.cpu_secs / self.window_secs.max(1e-9)
    }

    /// Calls of every command per second of the window.
    pub fn calls_per_sec(&self) -> f64 {
        self.window.total() as f64 / self.window_secs.max(1e-9)
    }

    /// XADD calls per second of the window.
    pub fn xadd_per_sec(&self) -> f64 {
        self.window.calls_of("xadd") as f64 / self.window_secs.max(1e-9)
    }

    /// (all calls, XADD calls) per `n` of something, over the run.
    pub fn per(&self, n: u64) -> (f64, f64) {
        let n = n.max(1) as f64;
        (
            self.run.total() as f64 / n,
            self.run.calls_of("xadd") as f64 / n,
        )
    }
}

/// What a failover run measured; times are seconds after the kill.
#[derive(Debug, Clone, Default)]
pub struct Failover {
    /// Users of the killed node.
    pub victims: u64,
    /// Users of the other nodes.
    pub survivors: u64,
    /// When the node was killed, after the senders started.
    pub kill_after_secs: f64,
    /// Until the first survivor saw a victim leave.
    pub first_leave_secs: Option<f64>,
    /// Until every survivor had seen every victim leave.
    pub all_leaves_secs: Option<f64>,
    /// (survivor, victim) leave notices seen, and expected.
    pub leaves_seen: u64,
    pub leaves_expected: u64,
    /// Leave notices for any of our users read before the kill.
    pub early_leaves: u64,
    /// Until a survivor-side login with a victim's name (the first and
    /// the last victim's both) succeeded.
    pub names_free_secs: Option<f64>,
    /// Login attempts with victims' names.
    pub probe_logins: u64,
}

/// Everything a run measured. Fields that do not apply to a mode stay
/// `None` and are left out of the output.
#[derive(Debug, Default)]
pub struct Report {
    /// `fanout`, `idle`, `churn`, `abuse` or `storm`.
    pub mode: &'static str,
    /// Abuse: the kind of attacker.
    pub shape: Option<&'static str>,
    /// Clients asked for (fanout, idle), concurrent connections (churn),
    /// attackers (abuse) or idle users (storm).
    pub clients: u64,
    /// Fanout: clients that send; abuse (msg): clients sending /msg.
    pub senders: Option<u64>,
    /// Abuse: attackers that never read.
    pub nonreaders: Option<u64>,
    /// Fanout: rooms the clients are spread over (1: no `/join`).
    pub rooms: Option<u64>,
    /// Server addresses (nodes), when more than one.
    pub nodes: Option<u64>,
    /// Fanout: total lines per second, `None` for as fast as the window allows.
    pub rate: Option<f64>,
    /// Fanout at max rate: lines per sender not yet seen by every receiver.
    pub window: Option<u64>,
    /// Fanout: length of the measurement window.
    pub duration_secs: Option<f64>,
    /// Clients that logged in.
    pub logged_in: u64,
    /// From the first connect until every client had seen the barrier.
    pub login_secs: Option<f64>,
    /// Measured lines written.
    pub sent: u64,
    /// Deliveries those lines should have made.
    pub expected: u64,
    /// Deliveries seen (each line once per receiver, in order).
    pub received: u64,
    /// Deliveries that came after a later line of the same sender.
    pub out_of_order: u64,
    /// Fanout: lines (measured or barrier) found in another room than
    /// their sender's.
    pub cross_room: u64,
    /// Fanout: deliveries inside the measurement window per second of it.
    pub deliveries_per_sec: Option<f64>,
    /// Delivery latency of the measured lines.
    pub latency: Option<Latency>,
    /// With several nodes: latency of deliveries from a sender to a
    /// receiver on the same node, and on another node.
    pub latency_same: Option<Latency>,
    pub latency_cross: Option<Latency>,
    /// This generator's CPU time over wall time (1.0 = one core), over the
    /// measurement window in fanout and over the whole run otherwise.
    pub gen_cpu: f64,
    /// With `--pid`: the server's CPU share over the same span (with
    /// several, their sum).
    pub server_cpu: Option<f64>,
    /// With several `--pid`s: each one's CPU share, in order.
    pub node_cpu: Vec<f64>,
    /// Fanout with `--redis`: what the Redis did.
    pub redis: Option<RedisCost>,
    /// Failover: the kill and what followed.
    pub failover: Option<Failover>,
    /// Fanout: this generator's CPU time over the measurement per delivery
    /// in the window, in ns.
    pub gen_ns_per_delivery: Option<f64>,
    /// Fanout with `--pid`: the server's CPU time over the measurement per
    /// delivery in the window, in ns.
    pub server_ns_per_delivery: Option<f64>,
    /// Idle with `--pid`: server RSS growth per logged-in connection.
    pub rss_per_conn_bytes: Option<u64>,
    /// Idle with `--pid`: server RSS before connecting and after login.
    pub rss_before_bytes: Option<u64>,
    pub rss_after_bytes: Option<u64>,
    /// Idle: p99 delivery latency of the one broadcast to everyone.
    pub broadcast_p99_us: Option<u64>,
    /// Churn, storm: completed connect-login-(line-)close cycles.
    pub logins: Option<u64>,
    /// Churn, storm: completed cycles per second.
    pub logins_per_sec: Option<f64>,
    /// Abuse, storm with `--pid`: the server's peak RSS (`VmHWM`) at the end.
    pub peak_rss_bytes: Option<u64>,
    /// Abuse with `--pid`: the highest server RSS sampled every 100 ms.
    pub rss_max_sampled_bytes: Option<u64>,
    /// Abuse with `--max-outbuf`: the most peak RSS may be.
    pub rss_bar_bytes: Option<u64>,
    /// Abuse: the system's kernel TCP memory before the run and at its
    /// highest sample (both ends of every loopback connection count).
    pub tcp_mem_before_bytes: Option<u64>,
    pub tcp_mem_peak_bytes: Option<u64>,
    /// Abuse: attackers the server disconnected.
    pub attackers_dropped: Option<u64>,
    /// Abuse with `--pid`: the server still ran at the end.
    pub server_alive: Option<bool>,
    /// Clients that never logged in (or whose churn cycle failed).
    pub failed: u64,
    /// Logged-in clients the server disconnected.
    pub dropped: u64,
    /// Wall time of the whole run.
    pub wall_secs: f64,
    /// The first thing that went wrong.
    pub first_error: Option<String>,
    /// Why the run does not count as clean; empty if it does.
    pub problems: Vec<String>,
}

impl Report {
    /// Deliveries expected but not seen.
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.received)
    }

    /// Adds the standard problems (failures, drops, loss, reordering) to
    /// any the mode already found.
    pub fn judge(&mut self) {
        if self.failed > 0 {
            self.problems
                .push(format!("{} clients failed", self.failed));
        }
        if self.dropped > 0 {
            self.problems
                .push(format!("{} clients were disconnected", self.dropped));
        }
        if self.lost() > 0 {
            self.problems
                .push(format!("{} deliveries lost", self.lost()));
        }
        if self.out_of_order > 0 {
            self.problems
                .push(format!("{} deliveries out of order", self.out_of_order));
        }
        if self.cross_room > 0 {
            self.problems.push(format!(
                "{} lines delivered in another room than their sender's",
                self.cross_room
            ));
        }
    }

    /// True if nothing went wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The readable summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
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
        for (label, l) in [
            ("latency µs    ", self.latency),
            ("  same node   ", self.latency_same),
            ("  cross node  ", self.latency_cross),
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
            let _ = writeln!(
                s,
                "  names free     {} after the kill ({} login attempts)",
                secs(f.names_free_secs),
                f.probe_logins
            );
            if f.early_leaves > 0 {
                let _ = writeln!(
                    s,
                    "  early leaves   {} notices before the kill",
                    f.early_leaves
                );
            }
        }
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
        s
    }

    /// One flat JSON object on one line.
    pub fn json(&self) -> String {
        let mut o = Obj(String::from("{"));
        o.str("mode", self.mode);
        if let Some(shape) = self.shape {
            o.str("shape", shape);
        }
        o.bool("ok", self.ok());
        o.uint("clients", self.clients);
        o.opt_uint("senders", self.senders);
        o.opt_uint("nonreaders", self.nonreaders);
        o.opt_uint("rooms", self.rooms);
        o.opt_uint("nodes", self.nodes);
        match self.rate {
            Some(r) => o.float("rate", r),
            None if self.mode == "fanout" => o.str("rate", "max"),
            None => {}
        }
        o.opt_uint("window", self.window);
        o.opt_float("duration_secs", self.duration_secs);
        o.uint("logged_in", self.logged_in);
        o.opt_float("login_secs", self.login_secs);
        o.opt_float("deliveries_per_sec", self.deliveries_per_sec);
        o.uint("sent", self.sent);
        o.uint("expected", self.expected);
        o.uint("received", self.received);
        o.uint("lost", self.lost());
        o.uint("out_of_order", self.out_of_order);
        if self.rooms.is_some() {
            o.uint("cross_room", self.cross_room);
        }
        for (prefix, l) in [
            ("", self.latency),
            ("same_node_", self.latency_same),
            ("cross_node_", self.latency_cross),
        ] {
            if let Some(l) = l {
                o.uint(&format!("{prefix}p50_us"), l.p50);
                o.uint(&format!("{prefix}p90_us"), l.p90);
                o.uint(&format!("{prefix}p99_us"), l.p99);
                o.uint(&format!("{prefix}p999_us"), l.p999);
                o.uint(&format!("{prefix}max_us"), l.max);
            }
        }
        if let Some(f) = &self.failover {
            o.uint("victims", f.victims);
            o.uint("survivors", f.survivors);
            o.float("kill_after_secs", f.kill_after_secs);
            o.opt_float("first_leave_secs", f.first_leave_secs);
            o.opt_float("all_leaves_secs", f.all_leaves_secs);
            o.uint("leaves_seen", f.leaves_seen);
            o.uint("leaves_expected", f.leaves_expected);
            o.uint("early_leaves", f.early_leaves);
            o.opt_float("names_free_secs", f.names_free_secs);
            o.uint("probe_logins", f.probe_logins);
        }
        o.float("gen_cpu", self.gen_cpu);
        o.opt_float("server_cpu", self.server_cpu);
        if self.node_cpu.len() > 1 {
            for (i, &c) in self.node_cpu.iter().enumerate() {
                o.float(&format!("server_cpu_node{i}"), c);
            }
        }
        if let Some(r) = &self.redis {
            o.float("redis_cpu", r.cpu());
            o.float("redis_calls_per_sec", r.calls_per_sec());
            o.float("redis_xadd_per_sec", r.xadd_per_sec());
            o.uint("sender_writes", r.writes);
            let (line, line_xadd) = r.per(r.lines);
            let (write, write_xadd) = r.per(r.writes);
            o.float("redis_calls_per_line", line);
            o.float("redis_xadd_per_line", line_xadd);
            o.float("redis_calls_per_write", write);
            o.float("redis_xadd_per_write", write_xadd);
            o.float6("redis_calls_per_delivery", r.per(r.deliveries).0);
            for (name, n) in &r.run.calls {
                o.uint(&format!("redis_calls_{name}"), *n);
            }
        }
        o.opt_float("gen_ns_per_delivery", self.gen_ns_per_delivery);
        o.opt_float("server_ns_per_delivery", self.server_ns_per_delivery);
        o.opt_uint("rss_before_bytes", self.rss_before_bytes);
        o.opt_uint("rss_after_bytes", self.rss_after_bytes);
        o.opt_uint("rss_per_conn_bytes", self.rss_per_conn_bytes);
        o.opt_uint("broadcast_p99_us", self.broadcast_p99_us);
        o.opt_uint("logins", self.logins);
        o.opt_float("logins_per_sec", self.logins_per_sec);
        o.opt_uint("peak_rss_bytes", self.peak_rss_bytes);
        o.opt_uint("rss_max_sampled_bytes", self.rss_max_sampled_bytes);
        o.opt_uint("rss_bar_bytes", self.rss_bar_bytes);
        o.opt_uint("tcp_mem_before_bytes", self.tcp_mem_before_bytes);
        o.opt_uint("tcp_mem_peak_bytes", self.tcp_mem_peak_bytes);
        o.opt_uint("attackers_dropped", self.attackers_dropped);
        if let Some(alive) = self.server_alive {
            o.bool("server_alive", alive);
        }
        o.uint("failed", self.failed);
        o.uint("dropped", self.dropped);
        o.float("wall_secs", self.wall_secs);
        if let Some(e) = &self.first_error {
            o.str("first_error", e);
        }
        if !self.problems.is_empty() {
            o.str("problems", &self.problems.join("; "));
        }
        o.0.push('}');
        o.0
    }
}

/// A JSON object being written.
struct Obj(String);

impl Obj {
    fn key(&mut self, k: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.quoted(k);
        self.0.push(':');
    }
    fn uint(&mut self, k: &str, v: u64) {
        self.key(k);
        let _ = write!(self.0, "{v}");
    }
    fn opt_uint(&mut self, k: &str, v: Option<u64>) {
        if let Some(v) = v {
            self.uint(k, v);
        }
    }
    fn float(&mut self, k: &str, v: f64) {
        self.key(k);
        // JSON has no NaN or infinity.
        let v = if v.is_finite() { v } else { 0.0 };
        let _ = write!(self.0, "{v:.3}");
    }
    /// A float with six decimals, for small ratios.
    fn float6(&mut self, k: &str, v: f64) {
        self.key(k);
        let v = if v.is_finite() { v } else { 0.0 };
        let _ = write!(self.0, "{v:.6}");
    }
    fn opt_float(&mut self, k: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.float(k, v);
        }
    }
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.quoted(v);
    }
    /// `v` as a JSON string.
    fn quoted(&mut self, v: &str) {
        self.0.push('"');
        for ch in v.chars() {
            match ch {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.0, "\\u{:04x}", c as u32);
                }
                c => self.0.push(c),
            }
        }
        self.0.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_flat_and_escaped() {
        let mut r = Report {
            mode: "churn",
            clients: 5,
            logins: Some(10),
            logins_per_sec: Some(f64::NAN),
            first_error: Some("say \"hi\"\n".into()),
            ..Report::default()
        };
        r.problems.push("x".into());
        let j = r.json();
        assert!(
            j.starts_with("{\"mode\":\"churn\",\"ok\":false,\"clients\":5,"),
            "{j}"
        );
        assert!(j.contains("\"logins\":10,\"logins_per_sec\":0.000,"), "{j}");
        assert!(
            j.contains("\"first_error\":\"say \\\"hi\\\"\\u000a\""),
            "{j}"
        );
        assert!(!j.contains("senders"), "{j}");
        assert!(j.ends_with("\"problems\":\"x\"}"), "{j}");
    }

    #[test]
    fn lines_from_another_room_fail_the_run() {
        let mut r = Report {
            mode: "fanout",
            rooms: Some(3),
            cross_room: 2,
            server_ns_per_delivery: Some(21.5),
            ..Report::default()
        };
        r.judge();
        assert!(!r.ok());
        let j = r.json();
        assert!(j.contains("\"rooms\":3,"), "{j}");
        assert!(j.contains("\"cross_room\":2,"), "{j}");
        assert!(j.contains("\"server_ns_per_delivery\":21.500,"), "{j}");
        assert!(r.text().contains("in 3 rooms"));
    }
}
