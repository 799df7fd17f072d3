//! Fanout: many clients, some of them senders, every line counted at every
//! other client of its sender's room.

use std::io;
use std::time::{Duration, Instant};

use super::{CpuClock, SLACK, finish, node_shares, redis_sample, target};
use crate::Options;
use crate::engine::Engine;
use crate::redis_info::Sample;
use crate::report::{Latency, RedisCost, Report};
use crate::tally::Tally;

/// Fanout: `clients` log in (with `rooms` > 1, each then joins room
/// `n mod rooms`); `senders` of them (the first by number, so spread
/// evenly over the rooms) write measured lines, either as fast as a
/// per-sender window allows or at a fixed total rate; every client reads
/// and counts for `duration`, then the rest drains. A line is expected at
/// every other client of its sender's room; one found in another room
/// fails the run.
///
/// The window: a sender may have at most `window` of its own lines not yet
/// seen by every other client of its room. That keeps the load closed-loop
/// without letting a slow receiver fall a megabyte behind and be
/// disconnected.
pub fn run(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let mut e = Engine::new(target(o, "fanout", o.clients))?;
    let nodes = o.addrs.len() as u64;
    let mut r = Report {
        mode: "fanout",
        clients: o.clients,
        senders: Some(o.senders),
        rooms: Some(u64::from(o.rooms)),
        nodes: (nodes > 1).then_some(nodes),
        rate: o.rate,
        window: o.rate.is_none().then_some(o.window),
        duration_secs: Some(o.duration.as_secs_f64()),
        ..Report::default()
    };
    let Some(senders) = prepare(o, &mut e, &mut r, deadline)? else {
        return Ok(finish(&e, r, start));
    };
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("measure");
    let redis_start = redis_sample(o.redis);
    let cpu = CpuClock::start_all(&o.pids);
    let end = (Instant::now() + o.duration).min(deadline);
    e.tally.window_end_us = e.now_us() + o.duration.as_micros() as u64;
    // Writes of one or more measured lines, each about one sender turn at
    // the server.
    let writes = match o.rate {
        None => closed_loop(o, &mut e, &senders, end)?,
        Some(rate) => open_loop(o, &mut e, &senders, rate, end)?,
    };
    let (wall, gen_secs, each) = cpu.each();
    let redis_window_end = redis_sample(o.redis);
    let server_secs = each
        .iter()
        .copied()
        .sum::<Option<f64>>()
        .filter(|_| !each.is_empty());
    r.gen_cpu = gen_secs / wall.max(1e-9);
    r.server_cpu = server_secs.map(|s| s / wall.max(1e-9));
    r.node_cpu = node_shares(&each, wall);

    e.set_stage("drain");
    let drain_end = (Instant::now() + o.grace).min(deadline);
    while e.tally.received + e.tally.out_of_order < e.tally.expected() && Instant::now() < drain_end
    {
        e.pump(drain_end)?;
    }
    let redis_end = redis_sample(o.redis);
    count(o, &mut e, &mut r, (gen_secs, server_secs));
    if let (Some(start), Some(window_end), Some(end)) = (redis_start, redis_window_end, redis_end) {
        r.redis = Some(redis_cost(wall, [start, window_end, end], writes, &r));
    }
    Ok(finish(&e, r, start))
}

/// Logs everyone in, picks the senders (the first clients by number:
/// client n is in room n mod rooms), sets up the tally and runs the
/// barrier. The senders' keys, or `None` with the problem in the report.
fn prepare(
    o: &Options,
    e: &mut Engine,
    r: &mut Report,
    deadline: Instant,
) -> io::Result<Option<Vec<usize>>> {
    let n = o.clients;
    e.set_stage("login");
    if !e.open(n, o.concurrency, deadline)? {
        r.problems
            .push(format!("only {} of {n} clients logged in", e.counts.logins));
        return Ok(None);
    }
    let mut ready = e.ready_clients();
    ready.sort_unstable_by_key(|&(_, number, _)| number);
    ready.truncate(o.senders as usize);
    let senders: Vec<usize> = ready.iter().map(|&(key, _, _)| key).collect();
    let sender_rooms: Vec<u32> = ready.iter().map(|&(_, _, room)| room).collect();
    let sender_nodes: Vec<u32> = ready
        .iter()
        .map(|&(_, number, _)| e.node_of(number))
        .collect();
    let window = if o.rate.is_none() {
        o.window as usize
    } else {
        0
    };
    let keys = e.ready_keys().last().map_or(0, |&k| k + 1).max(n as usize);
    e.tally = Tally::with_rooms(&e.receiver_rooms(keys), &sender_rooms, window);
    // Senders are the clients by number (`--ignore` needs all to send).
    e.tally.ignored_by(|s| crate::ignore::ignorers(s, o.ignore));
    if o.addrs.len() > 1 {
        e.tally.set_nodes(&e.receiver_nodes(keys), &sender_nodes);
    }
    e.set_stage("barrier");
    if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
        return Ok(None);
    }
    Ok(Some(senders))
}

/// Closed loop until `end`: fill every window, then refill those that
/// gained room after each batch of events, so each refill is one write of
/// several lines. Returns the writes.
fn closed_loop(o: &Options, e: &mut Engine, senders: &[usize], end: Instant) -> io::Result<u64> {
    let mut writes = 0;
    let mut woken: Vec<u32> = (0..senders.len() as u32).collect();
    while Instant::now() < end {
        for s in woken.drain(..) {
            if e.fill_window(senders[s as usize], s, o.window, o.pad) > 0 {
                writes += 1;
            }
        }
        e.pump(end)?;
        e.tally.take_woken(&mut woken);
    }
    Ok(writes)
}

/// Open loop until `end`: line k is due at t0 + k/rate, from sender k mod
/// S. Lines are stamped when written, so a late poll wake-up shows as a
/// burst, not as server latency. Returns the writes.
fn open_loop(
    o: &Options,
    e: &mut Engine,
    senders: &[usize],
    rate: f64,
    end: Instant,
) -> io::Result<u64> {
    let t0 = Instant::now();
    let (mut k, mut writes) = (0u64, 0);
    let mut touched = vec![false; senders.len()];
    loop {
        let now = Instant::now();
        if now >= end {
            return Ok(writes);
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
                writes += 1;
            }
        }
        let next = t0 + Duration::from_secs_f64(k as f64 / rate);
        e.pump(next.min(end))?;
    }
}

/// Copies the tally's counts, rates and latencies into the report; `cpu`
/// is ours and the servers' CPU seconds over the measurement.
fn count(o: &Options, e: &mut Engine, r: &mut Report, cpu: (f64, Option<f64>)) {
    r.sent = e.tally.total_sent();
    r.expected = e.tally.expected();
    r.received = e.tally.received;
    r.out_of_order = e.tally.out_of_order;
    r.cross_room = e.tally.cross_room + e.cross_room;
    // With --ignore, more than expected means lines reached readers who
    // ignore their sender (a server without ignore lists).
    if o.ignore > 0 && r.received > r.expected {
        let extra = r.received - r.expected;
        r.problems.push(format!(
            "{extra} deliveries more than expected: the ignore lists did not hold"
        ));
    }
    let in_window = e.tally.received_in_window;
    r.deliveries_per_sec = Some(in_window as f64 / o.duration.as_secs_f64());
    if in_window > 0 {
        let ns = |secs: f64| secs * 1e9 / in_window as f64;
        r.gen_ns_per_delivery = Some(ns(cpu.0));
        r.server_ns_per_delivery = cpu.1.map(ns);
    }
    r.latency = Latency::of(&e.tally.latency());
    if o.addrs.len() > 1 {
        let (same, cross) = e.tally.latency_by_node();
        (r.latency_same, r.latency_cross) = (Latency::of(same), Latency::of(cross));
    }
}

/// What the run cost Redis, from its samples at the start, the end of the
/// measurement and the last arrival.
fn redis_cost(
    wall: f64,
    [start, window_end, end]: [Sample; 3],
    writes: u64,
    r: &Report,
) -> RedisCost {
    RedisCost {
        window_secs: wall,
        window: window_end.since(&start),
        run: end.since(&start),
        lines: r.sent,
        writes,
        deliveries: r.received,
    }
}
