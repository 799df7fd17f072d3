//! Churn: connect, log in, say one line, close, over and over.

use std::io;
use std::time::Instant;

use super::{CpuClock, SLACK, finish, target};
use crate::Options;
use crate::engine::Engine;
use crate::report::Report;

/// Churn: keep `concurrency` clients cycling through connect, log in, say
/// one line, close, until `count` cycles are done. Each cycle ends when the
/// server closes after our close, so a cycle counts only once the server
/// has let go of it.
pub fn run(o: &Options) -> io::Result<Report> {
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
