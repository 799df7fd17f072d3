//! The three load shapes. Each drives the [`Engine`] through its stages and
//! turns what it counted into a [`Report`].

use std::io;
use std::time::{Duration, Instant};

use crate::Options;
use crate::engine::{Engine, Target};
use crate::os;
use crate::report::{Latency, Report};
use crate::tally::Tally;

/// Default global deadline for idle and churn, whose length depends on the
/// server; fanout's is its duration plus grace plus this.
const SLACK: Duration = Duration::from_secs(120);

/// The engine's fixed settings for this run.
fn target(o: &Options, mode: &'static str, connections: u64) -> Target {
    Target {
        addr: o.addr,
        prefix: o.prefix.clone(),
        login: o.login,
        sources: o
            .sources
            .unwrap_or_else(|| os::sources_needed(o.addr, connections)),
        login_timeout: o.login_timeout,
        connect_rate: o.connect_rate,
        quiet: o.quiet,
        mode,
    }
}

/// Measures CPU shares over a span: ours, and the server's with `--pid`.
struct CpuClock {
    wall: Instant,
    own: Duration,
    server: Option<Duration>,
    pid: Option<u32>,
}

impl CpuClock {
    fn start(pid: Option<u32>) -> CpuClock {
        CpuClock {
            wall: Instant::now(),
            own: os::own_cpu(),
            server: pid.and_then(linechat::sys::process_cpu),
            pid,
        }
    }

    /// (our share, server's share) of one core since `start`.
    fn shares(&self) -> (f64, Option<f64>) {
        let wall = self.wall.elapsed().as_secs_f64().max(1e-9);
        let own = (os::own_cpu() - self.own).as_secs_f64() / wall;
        let server = self
            .server
            .zip(self.pid.and_then(linechat::sys::process_cpu))
            .map(|(before, after)| after.saturating_sub(before).as_secs_f64() / wall);
        (own, server)
    }
}

/// Copies the engine's counts into the report, judges it, and ends the
/// progress line.
fn finish(e: &Engine, mut r: Report, start: Instant) -> Report {
    r.logged_in = e.counts.logins;
    r.failed = e.counts.failed;
    r.dropped = e.counts.dropped;
    r.first_error.clone_from(&e.first_error);
    r.wall_secs = start.elapsed().as_secs_f64();
    e.end_progress();
    r.judge();
    r
}

/// Fanout: `clients` log in; `senders` of them write measured lines, either
/// as fast as a per-sender window allows or at a fixed total rate; every
/// client reads and counts for `duration`, then the rest drains.
///
/// The window: a sender may have at most `window` of its own lines not yet
/// seen by every other client. That keeps the load closed-loop without
/// letting a slow receiver fall a megabyte behind and be disconnected.
pub fn fanout(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let n = o.clients;
    let mut e = Engine::new(target(o, "fanout", n))?;
    let mut r = Report {
        mode: "fanout",
        clients: n,
        senders: Some(o.senders),
        rate: o.rate,
        window: o.rate.is_none().then_some(o.window),
        duration_secs: Some(o.duration.as_secs_f64()),
        ..Report::default()
    };

    e.set_stage("login");
    if !e.open(n, o.concurrency, deadline)? {
        r.problems
            .push(format!("only {} of {n} clients logged in", e.counts.logins));
        return Ok(finish(&e, r, start));
    }
    let senders: Vec<usize> = e
        .ready_keys()
        .into_iter()
        .take(o.senders as usize)
        .collect();
    let window = if o.rate.is_none() {
        o.window as usize
    } else {
        0
    };
    e.tally = Tally::new(n as usize, senders.len(), window);
    e.set_stage("barrier");
    if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
        return Ok(finish(&e, r, start));
    }
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("measure");
    let cpu = CpuClock::start(o.pid);
    let t0 = Instant::now();
    let end = (t0 + o.duration).min(deadline);
    e.tally.window_end_us = e.now_us() + o.duration.as_micros() as u64;
    match o.rate {
        None => {
            // Closed loop: fill every window, then refill those that
            // gained room after each batch of events, so each refill is one
            // write of several lines.
            let mut woken: Vec<u32> = (0..senders.len() as u32).collect();
            while Instant::now() < end {
                for s in woken.drain(..) {
                    e.fill_window(senders[s as usize], s, o.window, o.pad);
                }
                e.pump(end)?;
                e.tally.take_woken(&mut woken);
            }
        }
        Some(rate) => {
            // Open loop: line k is due at t0 + k/rate, from sender k mod S.
            // Lines are stamped when written, so a late poll wake-up shows
            // as a burst, not as server latency.
            let mut k: u64 = 0;
            let mut touched = vec![false; senders.len()];
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let due = ((now - t0).as_secs_f64() * rate) as u64 + 1;
                while k < due {
                    let s = (k % senders.len() as u64) as usize;
                    e.queue_line(senders[s], s as u32, o.pad);
                    touched[s] = true;
                    k += 1;
                }
                for (s, t) in touched.iter_mut().enumerate() {
                    if std::mem::take(t) {
                        e.flush(senders[s]);
                    }
                }
                let next = t0 + Duration::from_secs_f64(k as f64 / rate);
                e.pump(next.min(end))?;
            }
        }
    }
    (r.gen_cpu, r.server_cpu) = cpu.shares();

    e.set_stage("drain");
    let drain_end = (Instant::now() + o.grace).min(deadline);
    while e.tally.received + e.tally.out_of_order < e.tally.expected() && Instant::now() < drain_end
    {
        e.pump(drain_end)?;
    }
    r.sent = e.tally.total_sent();
    r.expected = e.tally.expected();
    r.received = e.tally.received;
    r.out_of_order = e.tally.out_of_order;
    r.deliveries_per_sec = Some(e.tally.received_in_window as f64 / o.duration.as_secs_f64());
    r.latency = Latency::of(e.tally.latency());
    Ok(finish(&e, r, start))
}

/// Idle: `clients` log in and stay; once every join notice has drained
/// (the barrier proves it), one client broadcasts one line and its delivery
/// to everyone is timed. With `--pid`, the server's RSS is read before the
/// first connect and after the drain.
pub fn idle(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(SLACK);
    let n = o.clients;
    let rss_before = o.pid.and_then(linechat::sys::process_rss);
    let cpu = CpuClock::start(o.pid);
    let mut e = Engine::new(target(o, "idle", n))?;
    let mut r = Report {
        mode: "idle",
        clients: n,
        rss_before_bytes: rss_before,
        ..Report::default()
    };

    e.set_stage("login");
    let all_in = e.open(n, o.concurrency, deadline)?;
    e.set_stage("barrier");
    if !all_in {
        r.problems
            .push(format!("only {} of {n} clients logged in", e.counts.logins));
    } else if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
    } else {
        r.login_secs = Some(start.elapsed().as_secs_f64());
        r.rss_after_bytes = o.pid.and_then(linechat::sys::process_rss);
        if let (Some(b), Some(a)) = (rss_before, r.rss_after_bytes) {
            r.rss_per_conn_bytes = Some(a.saturating_sub(b) / n.max(1));
        }

        e.set_stage("broadcast");
        e.tally = Tally::new(n as usize, 1, 0);
        let sender = e.ready_keys()[0];
        e.queue_line(sender, 0, o.pad);
        e.flush(sender);
        let wait_end = (Instant::now() + o.grace).min(deadline);
        while e.tally.received + e.tally.out_of_order < e.tally.expected()
            && Instant::now() < wait_end
        {
            e.pump(wait_end)?;
        }
        r.sent = e.tally.total_sent();
        r.expected = e.tally.expected();
        r.received = e.tally.received;
        r.out_of_order = e.tally.out_of_order;
        r.latency = Latency::of(e.tally.latency());
        r.broadcast_p99_us = r.latency.map(|l| l.p99);
    }
    (r.gen_cpu, r.server_cpu) = cpu.shares();
    Ok(finish(&e, r, start))
}

/// Churn: keep `concurrency` clients cycling through connect, log in, say
/// one line, close, until `count` cycles are done. Each cycle ends when the
/// server closes after our close, so a cycle counts only once the server
/// has let go of it.
pub fn churn(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(SLACK);
    let cpu = CpuClock::start(o.pid);
    let mut e = Engine::new(target(o, "churn", o.count))?;
    e.leave_after_login = true;
    let mut r = Report {
        mode: "churn",
        clients: o.concurrency,
        ..Report::default()
    };
    e.set_stage("cycle");
    loop {
        while e.counts.started < o.count && (e.live() as u64) < o.concurrency && e.may_start() {
            e.start_client();
        }
        if e.counts.left + e.counts.failed >= o.count {
            break;
        }
        if Instant::now() >= deadline {
            r.problems.push(format!(
                "deadline passed after {} of {} cycles",
                e.counts.left, o.count
            ));
            break;
        }
        let more = e.counts.started < o.count && (e.live() as u64) < o.concurrency;
        e.pump(e.wake_for_start(more, deadline))?;
    }
    let secs = start.elapsed().as_secs_f64();
    r.logins = Some(e.counts.left);
    r.logins_per_sec = Some(e.counts.left as f64 / secs.max(1e-9));
    (r.gen_cpu, r.server_cpu) = cpu.shares();
    Ok(finish(&e, r, start))
}
