//! The load shapes, one file each. Each drives the [`Engine`] through its
//! stages and turns what it counted into a [`Report`]: fanout, idle and
//! churn measure throughput, latency and logins; abuse and storm what
//! attackers and a join storm cost the server and the well-behaved users
//! (the pair, `pair.rs`); failover what losing a node costs a cluster.
//! What they share is here: the engine's settings, the CPU clock, the
//! Redis samples and the end of a run.

pub mod abuse;
pub mod churn;
pub mod failover;
pub mod fanout;
pub mod idle;
mod pair;
pub mod storm;

use std::time::{Duration, Instant};

use crate::Options;
use crate::engine::{Engine, Target};
use crate::redis_info::Sample;
use crate::report::Report;
use crate::{os, procfs};

/// Default global deadline for idle and churn, whose length depends on the
/// server; fanout's is its duration plus grace plus this.
pub const SLACK: Duration = Duration::from_secs(120);

/// How often abuse samples the server's RSS and the kernel's TCP memory,
/// and the pair's drain looks at the clock.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The engine's fixed settings for this run; `connections` over all the
/// addresses, which each have their own ports.
pub fn target(o: &Options, mode: &'static str, connections: u64) -> Target {
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
        ignore: (if mode == "fanout" { o.ignore } else { 0 }, o.clients),
        quiet: o.quiet,
        mode,
        tls: o.tls.clone(),
        websocket: o.websocket,
        balancer: o.resume_via,
    }
}

/// Measures CPU shares over a span: ours, and the servers' with `--pid`.
pub struct CpuClock {
    wall: Instant,
    own: Duration,
    /// Each server's pid and CPU time at the start.
    servers: Vec<(u32, Option<Duration>)>,
}

impl CpuClock {
    /// Starts measuring the server `pid`, if any.
    pub fn start(pid: Option<u32>) -> CpuClock {
        CpuClock::start_all(pid.as_slice())
    }

    /// Starts measuring every server in `pids`.
    pub fn start_all(pids: &[u32]) -> CpuClock {
        CpuClock {
            wall: Instant::now(),
            own: os::own_cpu(),
            servers: pids
                .iter()
                .map(|&pid| (pid, procfs::process_cpu(pid)))
                .collect(),
        }
    }

    /// (our share, the servers' summed share) of one core since `start`.
    pub fn shares(&self) -> (f64, Option<f64>) {
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
    pub fn each(&self) -> (f64, f64, Vec<Option<f64>>) {
        let wall = self.wall.elapsed().as_secs_f64();
        let own = (os::own_cpu() - self.own).as_secs_f64();
        let servers = self
            .servers
            .iter()
            .map(|&(pid, before)| {
                before
                    .zip(procfs::process_cpu(pid))
                    .map(|(before, after)| after.saturating_sub(before).as_secs_f64())
            })
            .collect();
        (wall, own, servers)
    }
}

/// Each server's CPU share of one core over `wall` seconds, as
/// [`CpuClock::each`] gives them (0 for one that could not be read).
pub fn node_shares(each: &[Option<f64>], wall: f64) -> Vec<f64> {
    each.iter()
        .map(|s| s.unwrap_or(0.0) / wall.max(1e-9))
        .collect()
}

/// A Redis sample for the report, or `None` after saying on stderr why
/// it could not be taken (the run goes on without Redis figures).
pub fn redis_sample(addr: Option<std::net::SocketAddrV4>) -> Option<Sample> {
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
pub fn finish(e: &Engine, mut r: Report, start: Instant) -> Report {
    r.logged_in = e.counts.logins;
    r.failed = e.counts.failed;
    r.dropped = e.counts.dropped;
    r.first_error.clone_from(&e.first_error);
    r.wall_secs = start.elapsed().as_secs_f64();
    e.end_progress();
    r.judge();
    r
}

/// The servers' resident memory summed, if every one could be read.
pub fn total_rss(pids: &[u32]) -> Option<u64> {
    pids.iter()
        .map(|&pid| procfs::process_rss(pid))
        .sum::<Option<u64>>()
        .filter(|_| !pids.is_empty())
}
