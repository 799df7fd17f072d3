//! A run as one flat JSON object on one line. Written by hand: the object
//! is flat, its keys are fixed, and the only strings (mode, errors) are
//! escaped here.

use std::fmt::Write as _;

use super::Report;

impl Report {
    /// One flat JSON object on one line.
    pub fn json(&self) -> String {
        let mut o = Obj(String::from("{"));
        self.json_counts(&mut o);
        self.json_latencies(&mut o);
        self.json_costs(&mut o);
        self.json_memory(&mut o);
        o.0.push('}');
        o.0
    }

    /// The run's shape, logins and the deliveries' counts.
    fn json_counts(&self, o: &mut Obj) {
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
    }

    /// Latency percentiles (all, same node, cross node; then the same to
    /// arrival in the socket) and the failover's times.
    fn json_latencies(&self, o: &mut Obj) {
        for (prefix, l) in [
            ("", self.latency),
            ("same_node_", self.latency_same),
            ("cross_node_", self.latency_cross),
            ("arrival_", self.arrival[0]),
            ("same_node_arrival_", self.arrival[1]),
            ("cross_node_arrival_", self.arrival[2]),
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
            if let Some(r) = &f.resume {
                o.uint("resume_dropped", r.dropped);
                o.uint("resumed", r.resumed);
                o.uint("resume_refused", r.refused);
                o.uint("reconnects", r.reconnects);
                o.uint("resume_missed", r.missed);
                o.uint("resume_not_shown", r.not_shown);
                o.uint("resume_missed_before_kill", r.missed_before_kill);
                o.uint("resume_twice", r.twice);
                o.opt_float("back_p50_secs", r.back_p50_secs);
                o.opt_float("back_max_secs", r.back_max_secs);
                o.opt_float("replay_p50_secs", r.replay_p50_secs);
                o.opt_float("replay_max_secs", r.replay_max_secs);
                o.uint("replays", r.replays);
                o.uint("backs_seen", r.backs_seen);
                o.uint("backs_expected", r.backs_expected);
                o.opt_float("all_backs_secs", r.all_backs_secs);
            }
        }
    }

    /// CPU shares, what Redis did, and CPU per delivery.
    fn json_costs(&self, o: &mut Obj) {
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
    }

    /// Memory, logins, the attack's figures, failures and the verdict.
    fn json_memory(&self, o: &mut Obj) {
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
