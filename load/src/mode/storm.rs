//! Storm: a big idle room while one client at a time joins and leaves,
//! again and again, and the well-behaved pair chats.

use std::io;
use std::time::Instant;

use super::pair::{Pair, pair_result};
use super::{CpuClock, SLACK, finish, target};
use crate::Options;
use crate::engine::Engine;
use crate::procfs;
use crate::report::Report;

/// Connections per second of storm a run budgets source ports for: each
/// cycle leaves a port in TIME_WAIT for a minute.
const STORM_PORTS_PER_SEC: u64 = 4000;

/// Storm: the well-behaved pair and `clients` idle users log in and every
/// join notice drains (the barrier); then for `duration` one client at a
/// time connects, logs in and leaves (closes), again and again, while the
/// pair chats. Reports the pair's latency, the server's CPU over the storm
/// and the cycles per second.
pub fn run(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let n = o.clients;
    let ports = 2 + n + STORM_PORTS_PER_SEC * o.duration.as_secs().max(1);
    let mut e = Engine::new(target(o, "storm", ports))?;
    let mut r = Report {
        mode: "storm",
        clients: n,
        duration_secs: Some(o.duration.as_secs_f64()),
        ..Report::default()
    };

    e.set_stage("login");
    let mut pair = match e.open(2, o.concurrency, deadline)? {
        true => Pair::start(&mut e),
        false => Err("the well-behaved pair did not log in".into()),
    };
    if pair.is_ok() && !e.open(2 + n, o.concurrency, deadline)? {
        pair = Err(format!(
            "only {} of {n} idle users logged in",
            e.counts.logins - 2
        ));
    }
    let mut pair = match pair {
        Ok(p) => p,
        Err(why) => {
            r.problems.push(why);
            return Ok(finish(&e, r, start));
        }
    };
    e.set_stage("barrier");
    if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
        return Ok(finish(&e, r, start));
    }
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("storm");
    e.leave_after_login = true;
    e.churn_line = false;
    let before = e.counts;
    let cpu = CpuClock::start(o.pid);
    let t0 = Instant::now();
    let end = (t0 + o.duration).min(deadline);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        pair.send_due(&mut e);
        let c = e.counts;
        let cycling =
            (c.started - before.started) - (c.left - before.left) - (c.failed - before.failed);
        if cycling == 0 {
            e.start_client();
        }
        e.pump(pair.next.min(end))?;
    }
    (r.gen_cpu, r.server_cpu) = cpu.shares();
    let cycles = e.counts.left - before.left;
    r.logins = Some(cycles);
    r.logins_per_sec = Some(cycles as f64 / t0.elapsed().as_secs_f64().max(1e-9));

    e.set_stage("drain");
    let drain_end = (Instant::now() + o.grace).min(deadline);
    Pair::drain(&mut e, drain_end, || {})?;
    pair_result(&mut e, &mut r);
    r.peak_rss_bytes = o.pid.and_then(procfs::peak_rss);
    Ok(finish(&e, r, start))
}
