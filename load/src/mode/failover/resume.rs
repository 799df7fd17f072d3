//! Failover with resume (`--resume-via ADDR`): the killed node's users
//! come back through a load balancer and `/resume CODE`.
//!
//! Every victim keeps the code its welcome gave it and notes the measured
//! lines it reads (`resume.rs` at the crate's root). At the kill nothing is
//! dropped on our side: each victim reads what its socket still holds up
//! to the end the kernel gives it when the node dies, as a real client
//! would, and is due to reconnect at once (no reconnect delay) through the
//! balancer, which has to send it to a surviving node; a connection that
//! fails before the server answers is tried again [`RETRY_EVERY`] later.
//! From the welcome on it reads the missed lines and then the live ones.
//!
//! The run is over when every victim is back (or lost) and every survivor
//! has seen each one's `*** NAME is back`; the drain then waits for every
//! resumed victim to have every line sent after what it had read. It fails
//! on any line missed, any victim not back, any `is back` not seen.
//!
//! [`RETRY_EVERY`]: crate::resume::RETRY_EVERY

use std::time::{Duration, Instant};

use crate::Options;
use crate::engine::Engine;
use crate::report::{Failover, Report, Resumed};
use crate::resume::Resumes;

/// Watches for the victims' codes and lines from the first login on.
pub fn watch(o: &Options, e: &mut Engine) {
    let nodes = o.addrs.len() as u32;
    e.resumes = Some(Resumes::new(
        &o.prefix,
        o.clients,
        nodes,
        nodes - 1,
        o.senders as usize,
    ));
}

/// The node is being killed: from now on a victim's closed connection is
/// a drop to resume.
pub fn arm(e: &mut Engine) {
    let sent = e.tally.sent_each();
    let r = resumes(e);
    r.armed = true;
    r.sent_at_kill = sent;
}

/// Starts the reconnects that are due; when the next one is.
pub fn step(e: &mut Engine) -> Option<Instant> {
    let now_us = e.now_us();
    for (number, code) in resumes(e).take_due(now_us) {
        e.start_resume(number, code);
    }
    let next = resumes(e).next_due()?;
    Some(Instant::now() + Duration::from_micros(next.saturating_sub(e.now_us())))
}

/// Whether every victim has come to an end and every survivor has seen
/// each one back.
pub fn over(e: &Engine) -> bool {
    let r = e.resumes.as_ref().expect("set before login");
    r.settled() && r.backs.done()
}

/// Whether every victim is back with every line sent so far.
pub fn complete(e: &Engine) -> bool {
    let r = e.resumes.as_ref().expect("set before login");
    r.complete(&e.tally.sent_each())
}

/// The victims' outcome into `f`, times after the kill at `killed_us`,
/// and its problems into `r`; the time the last of it happened.
pub fn judge(e: &Engine, killed_us: u64, f: &mut Failover, r: &mut Report) -> Option<u64> {
    let resumes = e.resumes.as_ref().expect("set before login");
    let sent = e.tally.sent_each();
    let out = resumes.outcome(&sent, killed_us);
    let secs = |us: u64| us as f64 / 1e6;
    let backs = &resumes.backs;
    let after_kill = |us: u64| secs(us.saturating_sub(killed_us));
    let got = Resumed {
        dropped: out.dropped,
        resumed: out.resumed,
        refused: resumes.refused,
        reconnects: resumes.reconnects,
        missed: out.missed,
        not_shown: out.not_shown,
        missed_before_kill: out.missed_before_kill,
        twice: out.twice,
        back_p50_secs: out.back_us.get(out.back_us.len() / 2).copied().map(secs),
        back_max_secs: out.back_us.last().copied().map(secs),
        replay_p50_secs: (out.replay_us.get(out.replay_us.len() / 2).copied()).map(secs),
        replay_max_secs: out.replay_us.last().copied().map(secs),
        replays: out.replay_us.len() as u64,
        backs_seen: backs.seen_pairs,
        backs_expected: f.victims * f.survivors,
        all_backs_secs: backs.all_us.map(after_kill),
    };
    if got.dropped < f.victims {
        r.problems.push(format!(
            "only {} of {} users of the killed node saw their connection end",
            got.dropped, f.victims
        ));
    }
    if got.resumed < got.dropped {
        r.problems.push(format!(
            "only {} of {} dropped users resumed ({} codes refused, {} reconnects)",
            got.resumed, got.dropped, got.refused, got.reconnects
        ));
    }
    if let Some((number, sender, seq)) = out.example.filter(|_| got.missed > 0) {
        r.problems.push(format!(
            "resumed users missed {} lines in all ({} sent before the kill, {} left out of \
             the replays, capped at the server's --history); e.g. client {number} never read \
             sender {sender}'s line {seq} (of {})",
            got.missed, got.missed_before_kill, got.not_shown, sent[sender]
        ));
    }
    if backs.all_us.is_none() {
        r.problems.push(format!(
            "only {} of {} `is back` notices seen (survivors × victims)",
            got.backs_seen, got.backs_expected
        ));
    }
    let last_back = out.back_us.last().map(|us| us + killed_us);
    f.resume = Some(got);
    last_back.max(backs.all_us)
}

fn resumes(e: &mut Engine) -> &mut Resumes {
    e.resumes.as_mut().expect("set before login")
}
