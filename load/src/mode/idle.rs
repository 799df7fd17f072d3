//! Idle: many users log in and stay; one broadcast line to all of them is
//! timed, and the servers' memory per user measured.

use std::io;
use std::time::{Duration, Instant};

use super::{CpuClock, SLACK, finish, node_shares, target, total_rss};
use crate::Options;
use crate::engine::Engine;
use crate::report::{Latency, Report};
use crate::tally::Tally;

/// How long the broadcast's reader waits between polls. A poll as soon as
/// the last one is done finds a line or two: thousands of wake-ups, each
/// costing this process and the writing node (the wake-up of a process on
/// the other core) CPU that the nodes' fan-out needs on a small machine. A
/// line waits at most this long longer to be read; its arrival in the
/// socket is stamped by the kernel anyway (see `Engine::stamp_arrivals`).
const READ_BATCH: Duration = Duration::from_millis(1);

/// Idle: `clients` log in and stay; once every join notice has drained
/// (the barrier proves it, whatever the server says of joins: a line each,
/// a periodic digest as linechat's `--quiet-joins` sends in a big room, or
/// nothing), one client broadcasts one line and its delivery to everyone
/// is timed: to when each reader read it, and (plain sockets) to when it
/// arrived in each reader's socket. With `--pid`, the server's RSS is read
/// before the first connect and after the drain.
pub fn run(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(SLACK);
    let n = o.clients;
    let rss_before = total_rss(&o.pids);
    let cpu = CpuClock::start_all(&o.pids);
    let mut e = Engine::new(target(o, "idle", n))?;
    let nodes = o.addrs.len() as u64;
    let mut r = Report {
        mode: "idle",
        clients: n,
        nodes: (nodes > 1).then_some(nodes),
        rss_before_bytes: rss_before,
        ..Report::default()
    };

    e.set_stage("login");
    let all_in = e.open(n, o.concurrency, deadline)?;
    e.stamp_arrivals()?;
    e.set_stage("barrier");
    if !all_in {
        r.problems
            .push(format!("only {} of {n} clients logged in", e.counts.logins));
    } else if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
    } else {
        r.login_secs = Some(start.elapsed().as_secs_f64());
        r.rss_after_bytes = total_rss(&o.pids);
        if let (Some(b), Some(a)) = (rss_before, r.rss_after_bytes) {
            r.rss_per_conn_bytes = Some(a.saturating_sub(b) / n.max(1));
        }

        e.set_stage("broadcast");
        e.tally = Tally::new(n as usize, 1, 0);
        let (sender, number, _) = e.ready_clients()[0];
        if nodes > 1 {
            e.tally
                .set_nodes(&e.receiver_nodes(n as usize), &[e.node_of(number)]);
        }
        e.queue_line(sender, 0, o.pad);
        e.flush(sender);
        let wait_end = (Instant::now() + o.grace).min(deadline);
        while e.tally.received + e.tally.out_of_order < e.tally.expected()
            && Instant::now() < wait_end
        {
            e.pump(wait_end)?;
            // Not at once: the rest of the readers' lines arrive meanwhile.
            std::thread::sleep(READ_BATCH);
        }
        r.sent = e.tally.total_sent();
        r.expected = e.tally.expected();
        r.received = e.tally.received;
        r.out_of_order = e.tally.out_of_order;
        r.latency = Latency::of(&e.tally.latency());
        r.broadcast_p99_us = r.latency.map(|l| l.p99);
        // Only when the kernel stamped every delivery (the stamps start
        // once a global switch it flips in the background is on).
        let arrival = e.tally.arrival();
        if arrival[0].len() == r.received {
            r.arrival = arrival.each_ref().map(Latency::of);
        }
        if nodes == 1 {
            r.arrival[1..].fill(None);
        }
        if nodes > 1 {
            let (same, cross) = e.tally.latency_by_node();
            (r.latency_same, r.latency_cross) = (Latency::of(same), Latency::of(cross));
        }
    }
    (r.gen_cpu, r.server_cpu) = cpu.shares();
    if o.pids.len() > 1 {
        let (wall, _, each) = cpu.each();
        r.node_cpu = node_shares(&each, wall);
    }
    Ok(finish(&e, r, start))
}
