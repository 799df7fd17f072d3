//! Abuse: attackers of one shape against the well-behaved pair; what they
//! cost the server (peak RSS, kernel TCP memory) and whether it drops them.

use std::io;
use std::rc::Rc;
use std::time::Instant;

use super::pair::{Pair, pair_result};
use super::{CpuClock, SAMPLE_EVERY, SLACK, finish, target};
use crate::Options;
use crate::engine::{Engine, Role};
use crate::procfs::{self, Peaks};
use crate::report::Report;

/// Text of each private message in the `msg` shape, in bytes: with
/// `/msg <name> ` and CRLF the line stays under linechat's 1024-byte cap.
const MSG_TEXT: usize = 1000;

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
pub fn run(o: &Options) -> io::Result<Report> {
    let start = Instant::now();
    let deadline = start + o.timeout.unwrap_or(o.duration + o.grace + SLACK);
    let shape = o.shape.unwrap_or(Shape::Flood);
    let n = o.clients;
    let senders = if shape == Shape::Msg { o.senders } else { 0 };
    let total = 2 + n + senders;
    let plan = plan(shape, n, o.flooders, senders, &o.prefix);
    let nonreaders = plan.nonreaders;
    let mut e = Engine::new(target(o, "abuse", total))?;
    e.roles = plan.roles;
    let mut r = Report {
        mode: "abuse",
        shape: Some(shape.name()),
        clients: n,
        senders: (senders > 0).then_some(senders),
        nonreaders: Some(nonreaders),
        duration_secs: Some(o.duration.as_secs_f64()),
        tcp_mem_before_bytes: procfs::tcp_memory(),
        ..Report::default()
    };
    let Some(mut pair) = log_in(o, &mut e, &mut r, total, deadline)? else {
        return Ok(finish(&e, r, start));
    };
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
    damage(o, &e, &peaks, nonreaders, &mut r);
    Ok(finish(&e, r, start))
}

/// Logs in the pair, proves they hear each other, then logs in the
/// attackers (`total` clients in all). The pair, or `None` with the
/// problem in the report.
fn log_in(
    o: &Options,
    e: &mut Engine,
    r: &mut Report,
    total: u64,
    deadline: Instant,
) -> io::Result<Option<Pair>> {
    e.set_stage("pair");
    if !e.open(2, o.concurrency, deadline)? {
        r.problems
            .push("the well-behaved pair did not log in".into());
        return Ok(None);
    }
    let pair = match Pair::start(e) {
        Ok(p) => p,
        Err(why) => {
            r.problems.push(why);
            return Ok(None);
        }
    };
    if !e.barrier(deadline)? {
        r.problems.push("the pair did not hear each other".into());
        return Ok(None);
    }
    e.set_stage("login");
    if !e.open(total, o.concurrency, deadline)? {
        r.problems.push(format!(
            "only {} of {} attackers logged in",
            e.counts.logins.saturating_sub(2),
            total - 2
        ));
        return Ok(None);
    }
    Ok(Some(pair))
}

/// What the attack cost the server, into the report: the attackers it
/// disconnected (those we saw closed, and those whose end at the server
/// is no longer established), its memory, whether it survived, and the
/// RSS bar with `--max-outbuf`.
fn damage(o: &Options, e: &Engine, peaks: &Peaks, nonreaders: u64, r: &mut Report) {
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
        let bar = rss_bar(nonreaders, max_outbuf);
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
}

/// The most server memory an abuse run may cost: each never-reader's queue
/// at `--max-outbuf`, a quarter more for allocator and bookkeeping, and
/// 20 MiB for everything else.
pub fn rss_bar(nonreaders: u64, max_outbuf: u64) -> u64 {
    nonreaders * max_outbuf * 5 / 4 + (20 << 20)
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
