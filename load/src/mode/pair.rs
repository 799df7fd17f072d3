//! The well-behaved pair of the abuse and storm runs: two users who chat
//! with each other throughout, and whose every line must arrive in order.

use std::io;
use std::time::{Duration, Instant};

use super::SAMPLE_EVERY;
use crate::engine::Engine;
use crate::report::{Latency, Report};
use crate::tally::Tally;

/// How often each user of the well-behaved pair sends a line.
pub const PAIR_EVERY: Duration = Duration::from_millis(100);

/// Two well-behaved users, clients 0 and 1 (and senders 0 and 1 of the
/// tally), who chat with each other: each sends a measured line every
/// [`PAIR_EVERY`], the other half a period later, and both read everything.
#[derive(Debug)]
pub struct Pair {
    /// When the next line is due.
    pub next: Instant,
    turn: u32,
}

impl Pair {
    /// The pair, once both are logged in with keys 0 and 1 (the first two
    /// clients of an engine keep the first two slab keys), with a tally
    /// for their lines.
    pub fn start(e: &mut Engine) -> Result<Pair, String> {
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
    pub fn send_due(&mut self, e: &mut Engine) {
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
    pub fn drain(e: &mut Engine, end: Instant, mut each: impl FnMut()) -> io::Result<()> {
        while e.tally.received + e.tally.out_of_order < e.tally.expected() && Instant::now() < end {
            each();
            e.pump(end.min(Instant::now() + SAMPLE_EVERY))?;
        }
        Ok(())
    }
}

/// Copies the pair's counts and latency into the report.
pub fn pair_result(e: &mut Engine, r: &mut Report) {
    r.sent = e.tally.total_sent();
    r.expected = e.tally.expected();
    r.received = e.tally.received;
    r.out_of_order = e.tally.out_of_order;
    r.latency = Latency::of(&e.tally.latency());
}
