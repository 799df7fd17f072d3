//! The load shapes. Each drives the [`Engine`] through its stages and
//! turns what it counted into a [`Report`]: fanout, idle and churn measure
//! throughput, latency and logins; abuse and storm measure what attackers
//! and a join storm cost the server and the well-behaved users.

use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::Options;
use crate::engine::{Engine, Role, Target};
use crate::os;
use crate::procfs::{self, Peaks};
use crate::redis_info::Sample;
use crate::report::{Latency, RedisCost, Report};
use crate::tally::Tally;

/// Default global deadline for idle and churn, whose length depends on the
/// server; fanout's is its duration plus grace plus this.
pub(crate) const SLACK: Duration = Duration::from_secs(120);

/// The engine's fixed settings for this run; `connections` over all the
/// addresses, which each have their own ports.
pub(crate) fn target(o: &Options, mode: &'static str, connections: u64) -> Target {
    let per_addr = connections.div_ceil(o.addrs.len().max(1) as u64);
    Target {
        addrs: o.addrs.clone(),
        prefix: o.prefix.clone(),
        login: o.login,
        sources: o.sources.unwrap_or_else(|| {
            // Source addresses are spread over 127.0.0.x only if every
            // server is on loopback.
            let any_remote = o.addrs.iter().find(|a| !a.ip().is_loopback());
            os::sources_needed(*any_remote.unwrap_or(&o.addrs[0]), per_addr)
        }),
        login_timeout: o.login_timeout,
        connect_rate: o.connect_rate,
        rooms: if mode == "fanout" { o.rooms } else { 1 },
        quiet: o.quiet,
        mode,
        tls: o.tls.clone(),
    }
}

/// Measures CPU shares over a span: ours, and the servers' with `--pid`.
pub(crate) struct CpuClock {
    wall: Instant,
    own: Duration,
    /// Each server's pid and CPU time at the start.
    servers: Vec<(u32, Option<Duration>)>,
}

impl CpuClock {
    /// Starts measuring the server `pid`, if any.
    fn start(pid: Option<u32>) -> CpuClock {
        CpuClock::start_all(pid.as_slice())
    }

    /// Starts measuring every server in `pids`.
    pub(crate) fn start_all(pids: &[u32]) -> CpuClock {
        CpuClock {
            wall: Instant::now(),
            own: os::own_cpu(),
            servers: pids
                .iter()
                .map(|&pid| (pid, linechat::sys::process_cpu(pid)))
                .collect(),
        }
    }

    /// (our share, the servers' summed share) of one core since `start`.
    fn shares(&self) -> (f64, Option<f64>) {
        let (wall, own, server) = self.seconds();
        let wall = wall.max(1e-9);
        (own / wall, server.map(|s| s / wall))
    }

    /// Seconds since `start`: (wall, our CPU, the servers' CPU summed).
    fn seconds(&self) -> (f64, f64, Option<f64>) {
        let (wall, own, each) = self.each();
        let server = each.iter().copied().sum::<Option<f64>>();
        (wall, own, server.filter(|_| !each.is_empty()))
    }

    /// Seconds since `start`: (wall, our CPU, each server's CPU, in the
    /// order given; `None` for one whose /proc entry could not be read).
    pub(crate) fn each(&self) -> (f64, f64, Vec<Option<f64>>) {
        let wall = self.wall.elapsed().as_secs_f64();
        let own = (os::own_cpu() - self.own).as_secs_f64();
        let servers = self
            .servers
            .iter()
            .map(|&(pid, before)| {
                before
                    .zip(linechat::sys::process_cpu(pid))
                    .map(|(before, after)| after.saturating_sub(before).as_secs_f64())
            })
            .collect();
        (wall, own, servers)
    }
}

/// Each server's CPU share of one core over `wall` seconds, as
/// [`CpuClock::each`] gives them (0 for one that could not be read).
pub(crate) fn node_shares(each: &[Option<f64>], wall: f64) -> Vec<f64> {
    each.iter()
        .map(|s| s.unwrap_or(0.0) / wall.max(1e-9))
        .collect()
}

/// A Redis sample for the report, or `None` after saying on stderr why
/// it could not be taken (the run goes on without Redis figures).
fn redis_sample(addr: Option<std::net::SocketAddrV4>) -> Option<Sample> {
    let addr = addr?;
    match Sample::take(addr) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("linechat-load: Redis at {addr}: INFO failed: {e}");
            None
        }
    }
}

/// Copies the engine's counts into the report, judges it, and ends the
/// progress line.
pub(crate) fn finish(e: &Engine, mut r: Report, start: Instant) -> Report {
    r.logged_in = e.counts.logins;
    r.failed = e.counts.failed;
    r.dropped = e.counts.dropped;
    r.first_error.clone_from(&e.first_error);
    r.wall_secs = start.elapsed().as_secs_f64();
    e.end_progress();
    r.judge();
    r
}

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
pub fn fanout(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let n = o.clients;
    let mut e = Engine::new(target(o, "fanout", n))?;
    let nodes = o.addrs.len() as u64;
    let mut r = Report {
        mode: "fanout",
        clients: n,
        senders: Some(o.senders),
        rooms: Some(u64::from(o.rooms)),
        nodes: (nodes > 1).then_some(nodes),
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
    // The first clients by number: client n is in room n mod rooms.
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
    if nodes > 1 {
        e.tally.set_nodes(&e.receiver_nodes(keys), &sender_nodes);
    }
    e.set_stage("barrier");
    if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
        return Ok(finish(&e, r, start));
    }
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("measure");
    let redis_start = redis_sample(o.redis);
    let cpu = CpuClock::start_all(&o.pids);
    let t0 = Instant::now();
    let end = (t0 + o.duration).min(deadline);
    e.tally.window_end_us = e.now_us() + o.duration.as_micros() as u64;
    // Writes of one or more measured lines, each about one sender turn at
    // the server.
    let mut writes: u64 = 0;
    match o.rate {
        None => {
            // Closed loop: fill every window, then refill those that
            // gained room after each batch of events, so each refill is one
            // write of several lines.
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
                        writes += 1;
                    }
                }
                let next = t0 + Duration::from_secs_f64(k as f64 / rate);
                e.pump(next.min(end))?;
            }
        }
    }
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
    r.sent = e.tally.total_sent();
    r.expected = e.tally.expected();
    r.received = e.tally.received;
    r.out_of_order = e.tally.out_of_order;
    r.cross_room = e.tally.cross_room + e.cross_room;
    if let (Some(start), Some(window_end), Some(end)) = (redis_start, redis_window_end, redis_end) {
        r.redis = Some(RedisCost {
            window_secs: wall,
            window: window_end.since(&start),
            run: end.since(&start),
            lines: r.sent,
            writes,
            deliveries: r.received,
        });
    }
    let in_window = e.tally.received_in_window;
    r.deliveries_per_sec = Some(in_window as f64 / o.duration.as_secs_f64());
    if in_window > 0 {
        let ns = |secs: f64| secs * 1e9 / in_window as f64;
        r.gen_ns_per_delivery = Some(ns(gen_secs));
        r.server_ns_per_delivery = server_secs.map(ns);
    }
    r.latency = Latency::of(&e.tally.latency());
    if nodes > 1 {
        let (same, cross) = e.tally.latency_by_node();
        (r.latency_same, r.latency_cross) = (Latency::of(same), Latency::of(cross));
    }
    Ok(finish(&e, r, start))
}

/// Idle: `clients` log in and stay; once every join notice has drained
/// (the barrier proves it, whatever the server says of joins: a line each,
/// a periodic digest as linechat's `--quiet-joins` sends in a big room, or
/// nothing), one client broadcasts one line and its delivery to everyone
/// is timed. With `--pid`, the server's RSS is read before the
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
        r.latency = Latency::of(&e.tally.latency());
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

/// Text of each private message in the `msg` shape, in bytes: with
/// `/msg <name> ` and CRLF the line stays under linechat's 1024-byte cap.
const MSG_TEXT: usize = 1000;

/// How often each user of the well-behaved pair sends a line.
const PAIR_EVERY: Duration = Duration::from_millis(100);

/// How often the server's RSS and the kernel's TCP memory are sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// Connections per second of storm a run budgets source ports for: each
/// cycle leaves a port in TIME_WAIT for a minute.
const STORM_PORTS_PER_SEC: u64 = 4000;

/// The kind of attacker an abuse run logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every attacker sends `x\n` as fast as the server takes it and never
    /// reads.
    Flood,
    /// `--flooders` attackers flood as above; the rest log in and never read.
    Mixed,
    /// The attackers log in and never read; `--senders` more clients, which
    /// read, send them `/msg <attacker> <1000 bytes>` round-robin, as fast
    /// as the server takes it.
    Msg,
    /// Every attacker sends telnet option requests (`IAC DO <opt>`) as
    /// fast as the server takes them and never reads the refusals.
    Telnet,
}

impl Shape {
    /// The shape named `s` on the command line.
    pub fn parse(s: &str) -> Option<Shape> {
        match s {
            "flood" => Some(Shape::Flood),
            "mixed" => Some(Shape::Mixed),
            "msg" => Some(Shape::Msg),
            "telnet" => Some(Shape::Telnet),
            _ => None,
        }
    }

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Flood => "flood",
            Shape::Mixed => "mixed",
            Shape::Msg => "msg",
            Shape::Telnet => "telnet",
        }
    }

    /// Attackers when `--clients` is not given.
    pub fn default_clients(self) -> u64 {
        match self {
            Shape::Flood | Shape::Mixed => 1000,
            Shape::Msg => 100,
            Shape::Telnet => 30,
        }
    }
}

/// The roles of an abuse run, by client number, and how many never read.
#[derive(Debug)]
struct Plan {
    roles: Vec<Role>,
    nonreaders: u64,
}

/// Clients 0 and 1 are the well-behaved pair (default roles); attackers are
/// numbered from 2: `clients` of `shape`, of which the first `flooders`
/// flood in `mixed`, then in `msg` the `senders`.
fn plan(shape: Shape, clients: u64, flooders: u64, senders: u64, prefix: &str) -> Plan {
    let mut roles = vec![Role::default(), Role::default()];
    let mute = |pattern: Option<&Rc<[u8]>>| Role {
        mute: true,
        pattern: pattern.cloned(),
    };
    match shape {
        Shape::Flood | Shape::Mixed => {
            let x: Rc<[u8]> = b"x\n".repeat(2048).into();
            let flooders = if shape == Shape::Flood {
                clients
            } else {
                flooders
            };
            roles.extend((0..clients).map(|i| mute((i < flooders).then_some(&x))));
        }
        Shape::Telnet => {
            // IAC DO <opt>, cycling over the first 40 options, none of
            // them IAC itself.
            let iac: Rc<[u8]> = (0..1024u32)
                .flat_map(|i| [255, 253, (i % 40) as u8])
                .collect::<Vec<u8>>()
                .into();
            roles.extend((0..clients).map(|_| mute(Some(&iac))));
        }
        Shape::Msg => {
            roles.extend((0..clients).map(|_| mute(None)));
            let victims = 2..2 + clients;
            roles.extend((0..senders).map(|s| Role {
                mute: false,
                pattern: Some(msg_pattern(prefix, victims.clone(), s * clients / senders).into()),
            }));
        }
    }
    let nonreaders = roles.iter().filter(|r| r.mute).count() as u64;
    Plan { roles, nonreaders }
}

/// One `/msg <prefix><n> <MSG_TEXT bytes>` line to each client numbered
/// in `victims`, starting with the `first`-th of them.
fn msg_pattern(prefix: &str, victims: std::ops::Range<u64>, first: u64) -> Vec<u8> {
    let count = victims.end - victims.start;
    let mut out = Vec::new();
    for j in 0..count {
        out.extend_from_slice(b"/msg ");
        out.extend_from_slice(prefix.as_bytes());
        crate::wire::put_u64(&mut out, victims.start + (first + j) % count);
        out.push(b' ');
        out.resize(out.len() + MSG_TEXT, b'm');
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Two well-behaved users, clients 0 and 1 (and senders 0 and 1 of the
/// tally), who chat with each other: each sends a measured line every
/// [`PAIR_EVERY`], the other half a period later, and both read everything.
#[derive(Debug)]
struct Pair {
    next: Instant,
    turn: u32,
}

impl Pair {
    /// The pair, once both are logged in with keys 0 and 1 (the first two
    /// clients of an engine keep the first two slab keys), with a tally
    /// for their lines.
    fn start(e: &mut Engine) -> Result<Pair, String> {
        if e.ready_keys().get(..2) != Some(&[0, 1][..]) {
            return Err("the well-behaved pair did not log in".into());
        }
        e.tally = Tally::new(2, 2, 0);
        Ok(Pair {
            next: Instant::now(),
            turn: 0,
        })
    }

    /// Sends the lines that are due. After a stall it starts afresh rather
    /// than sending a burst, which flood control would pace.
    fn send_due(&mut self, e: &mut Engine) {
        let now = Instant::now();
        if now > self.next + PAIR_EVERY {
            self.next = now;
        }
        while self.next <= now {
            let key = self.turn as usize;
            e.queue_line(key, self.turn, 0);
            e.flush(key);
            self.turn ^= 1;
            self.next += PAIR_EVERY / 2;
        }
    }

    /// Waits until every line of the pair has arrived, at most until `end`.
    fn drain(e: &mut Engine, end: Instant, mut each: impl FnMut()) -> io::Result<()> {
        while e.tally.received + e.tally.out_of_order < e.tally.expected() && Instant::now() < end {
            each();
            e.pump(end.min(Instant::now() + SAMPLE_EVERY))?;
        }
        Ok(())
    }
}

/// Copies the pair's counts and latency into the report.
fn pair_result(e: &mut Engine, r: &mut Report) {
    r.sent = e.tally.total_sent();
    r.expected = e.tally.expected();
    r.received = e.tally.received;
    r.out_of_order = e.tally.out_of_order;
    r.latency = Latency::of(&e.tally.latency());
}

/// Abuse: the well-behaved pair logs in and proves it hears chat, then
/// `clients` attackers of `--shape` (and, for `msg`, `--senders` senders)
/// log in; for `duration` the attackers attack while the pair chats. The
/// server's RSS and the kernel's TCP memory are sampled throughout; at the
/// end come the server's peak RSS (`VmHWM`), whether it still runs, and
/// how many attackers it has disconnected: those we saw closed, and those
/// whose end at the server is no longer established (a never-reader hears
/// of no close). The run fails if the pair missed or reordered a line, the
/// server died, or with `--max-outbuf` the peak RSS broke the bar of
/// 1.25 × never-readers × max-outbuf + 20 MiB.
pub fn abuse(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let shape = o.shape.unwrap_or(Shape::Flood);
    let n = o.clients;
    let senders = if shape == Shape::Msg { o.senders } else { 0 };
    let total = 2 + n + senders;
    let plan = plan(shape, n, o.flooders, senders, &o.prefix);
    let mut e = Engine::new(target(o, "abuse", total))?;
    e.roles = plan.roles;
    let mut r = Report {
        mode: "abuse",
        shape: Some(shape.name()),
        clients: n,
        senders: (senders > 0).then_some(senders),
        nonreaders: Some(plan.nonreaders),
        duration_secs: Some(o.duration.as_secs_f64()),
        tcp_mem_before_bytes: procfs::tcp_memory(),
        ..Report::default()
    };

    e.set_stage("pair");
    if !e.open(2, o.concurrency, deadline)? {
        r.problems
            .push("the well-behaved pair did not log in".into());
        return Ok(finish(&e, r, start));
    }
    let mut pair = match Pair::start(&mut e) {
        Ok(p) => p,
        Err(why) => {
            r.problems.push(why);
            return Ok(finish(&e, r, start));
        }
    };
    if !e.barrier(deadline)? {
        r.problems.push("the pair did not hear each other".into());
        return Ok(finish(&e, r, start));
    }
    e.set_stage("login");
    if !e.open(total, o.concurrency, deadline)? {
        r.problems.push(format!(
            "only {} of {} attackers logged in",
            e.counts.logins.saturating_sub(2),
            total - 2
        ));
        return Ok(finish(&e, r, start));
    }
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("attack");
    let mut peaks = Peaks::default();
    let mut next_sample = Instant::now();
    let cpu = CpuClock::start(o.pid);
    e.start_flood();
    let end = (Instant::now() + o.duration).min(deadline);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        if now >= next_sample {
            peaks.sample(o.pid);
            next_sample = now + SAMPLE_EVERY;
        }
        pair.send_due(&mut e);
        e.pump(pair.next.min(next_sample).min(end))?;
    }
    (r.gen_cpu, r.server_cpu) = cpu.shares();
    e.stop_flood();

    e.set_stage("drain");
    let drain_end = (Instant::now() + o.grace).min(deadline);
    Pair::drain(&mut e, drain_end, || peaks.sample(o.pid))?;
    peaks.sample(o.pid);
    pair_result(&mut e, &mut r);

    let live = e.live_attackers();
    let held: std::collections::HashSet<_> = o
        .addrs
        .iter()
        .flat_map(|&a| procfs::server_peers(a).unwrap_or_default())
        .collect();
    let closed_at_server = live.iter().filter(|a| !held.contains(a)).count() as u64;
    r.attackers_dropped = Some(e.counts.attackers_dropped + closed_at_server);
    r.rss_max_sampled_bytes = peaks.rss;
    r.tcp_mem_peak_bytes = peaks.tcp;
    if let Some(pid) = o.pid {
        r.peak_rss_bytes = procfs::peak_rss(pid);
        let alive = procfs::is_alive(pid);
        r.server_alive = Some(alive);
        if !alive {
            r.problems.push("the server died".into());
        }
    }
    if let Some(max_outbuf) = o.max_outbuf {
        let bar = rss_bar(plan.nonreaders, max_outbuf);
        r.rss_bar_bytes = Some(bar);
        if let Some(peak) = r.peak_rss_bytes.or(r.rss_max_sampled_bytes)
            && peak > bar
        {
            r.problems.push(format!(
                "peak RSS {} MiB over the bar of {} MiB",
                peak >> 20,
                bar >> 20
            ));
        }
    }
    Ok(finish(&e, r, start))
}

/// The most server memory an abuse run may cost: each never-reader's queue
/// at `--max-outbuf`, a quarter more for allocator and bookkeeping, and
/// 20 MiB for everything else.
pub fn rss_bar(nonreaders: u64, max_outbuf: u64) -> u64 {
    nonreaders * max_outbuf * 5 / 4 + (20 << 20)
}

/// Storm: the well-behaved pair and `clients` idle users log in and every
/// join notice drains (the barrier); then for `duration` one client at a
/// time connects, logs in and leaves (closes), again and again, while the
/// pair chats. Reports the pair's latency, the server's CPU over the storm
/// and the cycles per second.
pub fn storm(o: &Options) -> io::Result<Report> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_round_trip_their_names() {
        for s in [Shape::Flood, Shape::Mixed, Shape::Msg, Shape::Telnet] {
            assert_eq!(Shape::parse(s.name()), Some(s));
        }
        assert_eq!(Shape::parse("Flood"), None);
    }

    #[test]
    fn plans_put_the_pair_first_and_count_the_never_readers() {
        let p = plan(Shape::Mixed, 10, 3, 0, "u");
        assert_eq!((p.roles.len(), p.nonreaders), (12, 10));
        assert!(!p.roles[0].is_attacker() && !p.roles[1].is_attacker());
        let flooding = p.roles.iter().filter(|r| r.pattern.is_some()).count();
        assert_eq!(flooding, 3);
        assert!(p.roles[2].pattern.is_some() && p.roles[5].pattern.is_none());

        let p = plan(Shape::Telnet, 4, 0, 0, "u");
        let iac = p.roles[2].pattern.as_deref().unwrap();
        assert_eq!(iac.len() % 3, 0);
        assert!(iac.chunks(3).all(|c| c[..2] == [255, 253] && c[2] != 255));

        let p = plan(Shape::Msg, 4, 0, 2, "v");
        assert_eq!((p.roles.len(), p.nonreaders), (8, 4));
        assert!(p.roles[6].is_attacker() && !p.roles[6].mute);
    }

    #[test]
    fn msg_senders_go_round_robin_from_their_own_victim() {
        let lines = |first| {
            let text = msg_pattern("v", 2..5, first);
            text.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| {
                    assert!(l.len() < 1024 && l.ends_with(b"\r"), "{}", l.len());
                    String::from_utf8_lossy(&l[..8]).into_owned()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(0), ["/msg v2 ", "/msg v3 ", "/msg v4 "]);
        assert_eq!(lines(2), ["/msg v4 ", "/msg v2 ", "/msg v3 "]);
    }

    #[test]
    fn the_bar_is_a_quarter_over_the_queues_plus_20_mib() {
        assert_eq!(rss_bar(1000, 262_144), 1000 * 327_680 + 20 * 1024 * 1024);
        assert_eq!(rss_bar(0, 262_144), 20 << 20);
    }
}
