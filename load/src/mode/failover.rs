//! Failover: linechat nodes sharing one Redis, one of them killed while
//! the others' users chat.
//!
//! Client `n` is on node `n mod nodes` (one `--addr` per node); the node
//! at the last address is the victim. Once every client has logged in and
//! seen the readiness barrier, `--senders` clients of the surviving nodes
//! send measured lines at `--rate` for `--duration`; `--kill-after` into
//! that, the victim's process (`--kill-pid`) gets SIGKILL and its clients
//! are dropped on our side at once (without a pump in between, so none of
//! their closes is seen as a failure). From then on:
//!
//! - every survivor's reads are watched for `*** NAME has left` for each
//!   victim (`leaves.rs`): the time of the first, and of the moment the
//!   last survivor had seen every one (before the kill, from the first
//!   login on, any leave of one of our users read by anyone is counted as
//!   early: a node taken for gone while it still ran);
//! - probes log in to the first node with the first and the last victim's
//!   names, one attempt at a time each, again [`PROBE_EVERY`] after each
//!   refusal: the time both are in is when the names are free. A probe
//!   that gets in stays logged in, so its name is never announced as
//!   leaving again while the leaves are still counted.
//!
//! Survivors' lines are tallied at survivors only (the victims' clients
//! read them until the kill, uncounted), so loss and order cover the whole
//! failover. The run fails on loss, reordering, a leave never seen, a name
//! never freed, or a failover still going on when the senders stopped.

use std::io;
use std::time::{Duration, Instant};

use super::{CpuClock, SLACK, finish, node_shares, target};
use crate::Options;
use crate::engine::{Engine, Login, ProbeNews};
use crate::leaves::{self, Leaves};
use crate::os;
use crate::report::{Failover, Latency, Report};
use crate::tally::Tally;

/// Pause between a refused login with a victim's name and the next try.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// Rejects failover runs that cannot work.
pub fn check(o: &Options) -> Result<(), String> {
    let nodes = o.addrs.len() as u64;
    if nodes < 2 {
        return Err("--addr: failover needs two or more nodes".into());
    }
    if o.rate.is_none() {
        return Err("--rate: failover sends at a fixed rate, not max".into());
    }
    if o.login != Login::Name {
        return Err("--no-name, --no-login: failover logs in with names".into());
    }
    let victims = leaves::count_on(o.clients, nodes, nodes - 1);
    let survivors = o.clients - victims;
    if victims == 0 || survivors < 2 {
        return Err(format!(
            "--clients: need users on every node and two on the survivors, so at least {}",
            nodes + 1
        ));
    }
    if o.senders == 0 || o.senders > survivors {
        return Err(format!(
            "--senders: must be 1 to the survivors' users ({survivors})"
        ));
    }
    if survivors.saturating_mul(o.senders) > 100_000_000 {
        return Err("--clients × --senders over 100 million: order tracking would not fit".into());
    }
    if o.kill_after >= o.duration {
        return Err("--kill-after must be below --duration".into());
    }
    Ok(())
}

/// One name being tried until it is free.
#[derive(Debug)]
struct Probe {
    /// The victim's client number: the name is `<prefix><number>`.
    number: u64,
    /// When to try again (`None` while a try is under way or once in).
    next: Option<Instant>,
    /// When it got in, in the engine's µs.
    in_us: Option<u64>,
}

/// The probes of the first and the last victim's names.
#[derive(Debug)]
struct Probes {
    probes: Vec<Probe>,
    /// The first node, where they log in.
    node: u32,
    /// Tries so far.
    attempts: u64,
}

impl Probes {
    /// Probes for the first and last of `victims` users of node
    /// `victim`, due now, logging in at node 0.
    fn new(victims: u64, nodes: u32, victim: u32, now: Instant) -> Probes {
        let first = u64::from(victim);
        let last = first + (victims - 1) * u64::from(nodes);
        let mut numbers = vec![first];
        if last != first {
            numbers.push(last);
        }
        Probes {
            probes: numbers
                .into_iter()
                .map(|number| Probe {
                    number,
                    next: Some(now),
                    in_us: None,
                })
                .collect(),
            node: 0,
            attempts: 0,
        }
    }

    /// Takes the news of ended tries, then starts the tries that are due.
    fn step(&mut self, e: &mut Engine) {
        let now = Instant::now();
        for (number, news) in e.take_probe_news() {
            let Some(p) = self.probes.iter_mut().find(|p| p.number == number) else {
                continue;
            };
            match news {
                ProbeNews::In => p.in_us = Some(e.now_us()),
                ProbeNews::Refused | ProbeNews::Failed => p.next = Some(now + PROBE_EVERY),
            }
        }
        for p in &mut self.probes {
            if p.next.is_some_and(|t| t <= now) {
                p.next = None;
                self.attempts += 1;
                e.start_probe(p.number, self.node);
            }
        }
    }

    /// When the next try is due, if one is waiting.
    fn next(&self) -> Option<Instant> {
        self.probes.iter().filter_map(|p| p.next).min()
    }

    /// When the last name got in, once all have.
    fn all_in_us(&self) -> Option<u64> {
        self.probes
            .iter()
            .map(|p| p.in_us)
            .collect::<Option<Vec<u64>>>()?
            .into_iter()
            .max()
    }
}

/// Runs the failover (see the module documentation).
pub fn run(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let n = o.clients;
    let nodes = o.addrs.len() as u32;
    let victims = leaves::count_on(n, u64::from(nodes), u64::from(nodes - 1));
    let kill_pid = o.kill_pid.expect("checked: failover has --kill-pid");
    let mut e = Engine::new(target(o, "failover", n))?;
    let mut r = Report {
        mode: "failover",
        clients: n,
        senders: Some(o.senders),
        nodes: Some(u64::from(nodes)),
        rate: o.rate,
        duration_secs: Some(o.duration.as_secs_f64()),
        ..Report::default()
    };
    if !crate::procfs::is_alive(kill_pid) {
        r.problems
            .push(format!("--kill-pid {kill_pid}: no such process"));
        return Ok(finish(&e, r, start));
    }
    let Some(senders) = prepare(o, &mut e, &mut r, deadline)? else {
        return Ok(finish(&e, r, start));
    };
    r.login_secs = Some(start.elapsed().as_secs_f64());

    e.set_stage("send");
    let cpu = CpuClock::start_all(&o.pids);
    let killed = send_and_kill(o, &mut e, &senders, victims, deadline)?;
    let (wall, gen_secs, each) = cpu.each();
    r.gen_cpu = gen_secs / wall.max(1e-9);
    r.server_cpu = Some(each.iter().map(|s| s.unwrap_or(0.0)).sum::<f64>() / wall.max(1e-9))
        .filter(|_| !each.is_empty());
    r.node_cpu = node_shares(&each, wall);
    let stopped_us = e.now_us();
    let Some((killed_us, mut probes)) = killed else {
        r.problems.push("the node was never killed".into());
        return Ok(finish(&e, r, start));
    };
    watch(&mut e, &mut probes, deadline)?;

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
    r.latency = Latency::of(&e.tally.latency());
    let survivors = n - victims;
    let mut f = Failover {
        victims,
        survivors,
        kill_after_secs: o.kill_after.as_secs_f64(),
        leaves_expected: victims * survivors,
        ..Failover::default()
    };
    judge(&e, &probes, [killed_us, stopped_us], &mut f, &mut r);
    r.failover = Some(f);
    Ok(finish(&e, r, start))
}

/// Logs everyone in while watching for leave notices (from the start: a
/// leave before the kill means a node was taken for gone while it ran),
/// picks the senders (the first survivors by number), tallies the
/// survivors only and runs the barrier. The senders' keys, or `None` with
/// the problem in the report.
fn prepare(
    o: &Options,
    e: &mut Engine,
    r: &mut Report,
    deadline: Instant,
) -> io::Result<Option<Vec<usize>>> {
    let n = o.clients;
    let nodes = o.addrs.len() as u32;
    let victim = nodes - 1;
    e.leaves = Some(Leaves::new(&o.prefix, n, nodes, victim));
    e.set_stage("login");
    if !e.open(n, o.concurrency, deadline)? {
        r.problems
            .push(format!("only {} of {n} clients logged in", e.counts.logins));
        return Ok(None);
    }
    let mut ready = e.ready_clients();
    ready.sort_unstable_by_key(|&(_, number, _)| number);
    let senders: Vec<usize> = ready
        .iter()
        .filter(|&&(_, number, _)| e.node_of(number) != victim)
        .take(o.senders as usize)
        .map(|&(key, _, _)| key)
        .collect();
    e.untally_node(victim);
    let keys = e.ready_keys().last().map_or(0, |&k| k + 1).max(n as usize);
    e.tally = Tally::with_rooms(&e.receiver_rooms(keys), &vec![0; senders.len()], 0);
    e.set_stage("barrier");
    if !e.barrier(deadline)? {
        r.problems
            .push("not every client saw the readiness barrier".into());
        return Ok(None);
    }
    Ok(Some(senders))
}

/// Sends at the rate for the duration (line k due at t0 + k/rate, from
/// sender k mod S, as in fanout), killing the victim node `--kill-after`
/// in and probing for its users' names from then on. When it was killed
/// (engine clock) and the probes, or `None` if it never was.
fn send_and_kill(
    o: &Options,
    e: &mut Engine,
    senders: &[usize],
    victims: u64,
    deadline: Instant,
) -> io::Result<Option<(u64, Probes)>> {
    let rate = o.rate.expect("checked: failover has a rate");
    let nodes = o.addrs.len() as u32;
    let t0 = Instant::now();
    let end = (t0 + o.duration).min(deadline);
    let kill_at = t0 + o.kill_after;
    let mut killed: Option<(u64, Probes)> = None;
    let mut k: u64 = 0;
    let mut touched = vec![false; senders.len()];
    loop {
        let now = Instant::now();
        if now >= end {
            return Ok(killed);
        }
        let due = ((now - t0).as_secs_f64() * rate) as u64 + 1;
        while k < due {
            let s = (k % senders.len() as u64) as usize;
            e.queue_line(senders[s], s as u32, 0);
            touched[s] = true;
            k += 1;
        }
        for (s, t) in touched.iter_mut().enumerate() {
            if std::mem::take(t) {
                e.flush(senders[s]);
            }
        }
        if killed.is_none() && now >= kill_at {
            os::kill(o.kill_pid.expect("checked: failover has --kill-pid"))?;
            let at = e.now_us();
            e.forget_node(nodes - 1);
            e.leaves.as_mut().expect("set before login").arm();
            killed = Some((at, Probes::new(victims, nodes, nodes - 1, now)));
            e.set_stage("failover");
        }
        let mut wake = (t0 + Duration::from_secs_f64(k as f64 / rate)).min(end);
        match killed.as_mut() {
            None => wake = wake.min(kill_at),
            Some((_, probes)) => {
                probes.step(e);
                wake = probes.next().map_or(wake, |next| wake.min(next));
            }
        }
        e.pump(wake)?;
    }
}

/// The failover may outlast the senders: keeps watching until every leave
/// has been seen and every name is free, or `deadline`.
fn watch(e: &mut Engine, probes: &mut Probes, deadline: Instant) -> io::Result<()> {
    e.set_stage("watch");
    let over = |e: &Engine, p: &Probes| {
        e.leaves.as_ref().is_some_and(Leaves::done) && p.all_in_us().is_some()
    };
    while !over(e, probes) && Instant::now() < deadline {
        probes.step(e);
        let wake = probes.next().unwrap_or(deadline).min(deadline);
        e.pump(wake)?;
    }
    probes.step(e);
    Ok(())
}

/// Fills in the failover's times (after the kill at `killed_us`; the
/// senders stopped at `stopped_us`) and adds its problems to the report.
fn judge(
    e: &Engine,
    probes: &Probes,
    [killed_us, stopped_us]: [u64; 2],
    f: &mut Failover,
    r: &mut Report,
) {
    let after_kill = |us: u64| us.saturating_sub(killed_us) as f64 / 1e6;
    let leaves = e.leaves.as_ref().expect("set at the kill");
    f.first_leave_secs = leaves.first_us.map(after_kill);
    f.all_leaves_secs = leaves.all_us.map(after_kill);
    f.leaves_seen = leaves.seen_pairs;
    f.early_leaves = leaves.early;
    f.names_free_secs = probes.all_in_us().map(after_kill);
    f.probe_logins = probes.attempts;
    if leaves.early > 0 {
        r.problems.push(format!(
            "{} leave notices for our users before the kill: a node was taken for gone while \
             it still ran (late heartbeats?)",
            leaves.early
        ));
    }
    if leaves.all_us.is_none() {
        r.problems.push(format!(
            "only {} of {} leave notices seen (survivors × victims)",
            f.leaves_seen, f.leaves_expected
        ));
    }
    if f.names_free_secs.is_none() {
        r.problems
            .push("a killed user's name was never free again".into());
    }
    let last_us = leaves.all_us.max(probes.all_in_us());
    if last_us.is_some_and(|us| us > stopped_us) {
        r.problems.push(format!(
            "the failover ended {:.1} s after the senders stopped: lengthen --duration",
            (last_us.unwrap_or(0) - stopped_us) as f64 / 1e6
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_and_last_victims_names_are_probed() {
        let now = Instant::now();
        let p = Probes::new(1000, 2, 1, now);
        let numbers: Vec<u64> = p.probes.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [1, 1999]);
        assert_eq!(p.next(), Some(now));
        let p = Probes::new(1, 3, 2, now);
        assert_eq!(p.probes.len(), 1);
        assert_eq!(p.all_in_us(), None);
    }
}
