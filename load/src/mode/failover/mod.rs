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
//!   names, one attempt at a time each, again 50 ms after each refusal
//!   (`probes.rs`): the time both are in is when the names are free. A probe
//!   that gets in stays logged in, so its name is never announced as
//!   leaving again while the leaves are still counted.
//!
//! Survivors' lines are tallied at survivors only (the victims' clients
//! read them until the kill, uncounted), so loss and order cover the whole
//! failover. The run fails on loss, reordering, a leave never seen, a name
//! never freed, or a failover still going on when the senders stopped.
//!
//! With `--resume-via ADDR` the victims are not dropped and no names are
//! probed: they come back through the balancer at ADDR and `/resume`
//! (`resume.rs`); their leaves are counted but not required (linechat
//! announces the old session leaving when the survivor takes its name for
//! the resume, else at --node-timeout), their `is back` and every line
//! they had not read are.

mod probes;
mod resume;

use std::io;
use std::time::{Duration, Instant};

use super::{CpuClock, SLACK, finish, node_shares, target};
use crate::Options;
use crate::engine::{Engine, Login};
use crate::leaves::{self, Leaves};
use crate::os;
use crate::report::{Failover, Latency, Report};
use crate::tally::Tally;
use probes::Probes;

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

/// What follows the kill: probes for the victims' names, or the victims
/// resuming.
#[derive(Debug)]
enum After {
    Probes(Probes),
    Resume,
}

impl After {
    /// Moves it along; when it next wants to be stepped, if at a time.
    fn step(&mut self, e: &mut Engine) -> Option<Instant> {
        match self {
            After::Probes(p) => {
                p.step(e);
                p.next()
            }
            After::Resume => resume::step(e),
        }
    }

    /// Whether the failover is over: every leave seen and every name
    /// free, or every victim back and seen back.
    fn over(&self, e: &Engine) -> bool {
        match self {
            After::Probes(p) => {
                e.leaves.as_ref().is_some_and(Leaves::done) && p.all_in_us().is_some()
            }
            After::Resume => resume::over(e),
        }
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
    if o.resume_via.is_some() {
        resume::watch(o, &mut e);
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
    let Some((killed_us, mut after)) = killed else {
        r.problems.push("the node was never killed".into());
        return Ok(finish(&e, r, start));
    };
    watch(&mut e, &mut after, deadline)?;

    e.set_stage("drain");
    let drain_end = (Instant::now() + o.grace).min(deadline);
    let drained = |e: &Engine| {
        e.tally.received + e.tally.out_of_order >= e.tally.expected()
            && (e.resumes.is_none() || resume::complete(e))
    };
    while !drained(&e) && Instant::now() < drain_end {
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
    judge(&e, &after, [killed_us, stopped_us], &mut f, &mut r);
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
/// in and, from then on, probing for its users' names or resuming them.
/// When it was killed (engine clock) and what followed, or `None` if it
/// never was.
fn send_and_kill(
    o: &Options,
    e: &mut Engine,
    senders: &[usize],
    victims: u64,
    deadline: Instant,
) -> io::Result<Option<(u64, After)>> {
    let rate = o.rate.expect("checked: failover has a rate");
    let nodes = o.addrs.len() as u32;
    let t0 = Instant::now();
    let end = (t0 + o.duration).min(deadline);
    let kill_at = t0 + o.kill_after;
    let mut killed: Option<(u64, After)> = None;
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
            e.leaves.as_mut().expect("set before login").arm();
            let after = if e.resumes.is_some() {
                resume::arm(e);
                After::Resume
            } else {
                e.forget_node(nodes - 1);
                After::Probes(Probes::new(victims, nodes, nodes - 1, now))
            };
            killed = Some((at, after));
            e.set_stage("failover");
        }
        let mut wake = (t0 + Duration::from_secs_f64(k as f64 / rate)).min(end);
        match killed.as_mut() {
            None => wake = wake.min(kill_at),
            Some((_, after)) => wake = after.step(e).map_or(wake, |next| wake.min(next)),
        }
        e.pump(wake)?;
    }
}

/// The failover may outlast the senders: keeps watching until it is over
/// (see [`After::over`]), or `deadline`.
fn watch(e: &mut Engine, after: &mut After, deadline: Instant) -> io::Result<()> {
    e.set_stage("watch");
    while !after.over(e) && Instant::now() < deadline {
        let wake = after.step(e).unwrap_or(deadline).min(deadline);
        e.pump(wake)?;
    }
    after.step(e);
    Ok(())
}

/// Fills in the failover's times (after the kill at `killed_us`; the
/// senders stopped at `stopped_us`) and adds its problems to the report.
fn judge(
    e: &Engine,
    after: &After,
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
    if leaves.early > 0 {
        r.problems.push(format!(
            "{} leave notices for our users before the kill: a node was taken for gone while \
             it still ran (late heartbeats?)",
            leaves.early
        ));
    }
    let last_us = match after {
        After::Resume => resume::judge(e, killed_us, f, r),
        After::Probes(probes) => {
            f.names_free_secs = probes.all_in_us().map(after_kill);
            f.probe_logins = probes.attempts;
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
            leaves.all_us.max(probes.all_in_us())
        }
    };
    if last_us.is_some_and(|us| us > stopped_us) {
        r.problems.push(format!(
            "the failover ended {:.1} s after the senders stopped: lengthen --duration",
            (last_us.unwrap_or(0) - stopped_us) as f64 / 1e6
        ));
    }
}
