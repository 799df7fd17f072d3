//! The result of a run: what each mode fills in, and the verdict. It is
//! shown as a readable summary (`text.rs`) or one flat JSON object
//! (`json.rs`).

mod json;
mod text;

use hdrhistogram::Histogram;

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
    /// With `--resume-via`: the victims coming back.
    pub resume: Option<Resumed>,
}

/// The killed node's users coming back through the balancer and
/// `/resume`; times are seconds after the kill.
#[derive(Debug, Clone, Default)]
pub struct Resumed {
    /// Victims whose connection dropped, and of them back.
    pub dropped: u64,
    pub resumed: u64,
    /// Codes the server refused, and reconnects tried.
    pub refused: u64,
    pub reconnects: u64,
    /// Lines a resumed victim never read, of them those the server said it
    /// left out of the replay, and lines read twice.
    pub missed: u64,
    pub not_shown: u64,
    /// Of the missed lines, those sent before the kill (the dead node had
    /// them, and counted them as delivered).
    pub missed_before_kill: u64,
    pub twice: u64,
    /// Until a resumed victim read its welcome: the median, the last.
    pub back_p50_secs: Option<f64>,
    pub back_max_secs: Option<f64>,
    /// Until the heading of a resumed victim's replay came (the lines it
    /// missed follow it): the median, the last, and how many came.
    pub replay_p50_secs: Option<f64>,
    pub replay_max_secs: Option<f64>,
    pub replays: u64,
    /// (survivor, victim) `is back` notices seen, and expected.
    pub backs_seen: u64,
    pub backs_expected: u64,
    /// Until every survivor had seen every victim back.
    pub all_backs_secs: Option<f64>,
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
    /// Idle, plain sockets: the latency to the time the line arrived in
    /// each reader's socket (the kernel's stamp) rather than the time this
    /// generator read it; all, same node, cross node.
    pub arrival: [Option<Latency>; 3],
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
