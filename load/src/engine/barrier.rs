//! The readiness barrier: proof that every client receives chat and has
//! read everything queued for it before.

use std::io;
use std::time::{Duration, Instant};

use super::Engine;
use super::client::Phase;
use crate::wire;

/// The current readiness barrier: one sender per room, each sending the
/// run's token plus its room number.
#[derive(Debug, Default)]
pub(super) struct Barrier {
    /// Unique to this run, a multiple of [`BARRIER_ROOMS`] (0: none yet).
    pub(super) token: u64,
    /// Still waiting for clients to see it.
    pub(super) running: bool,
    /// The clients that send it, one per room with members; they never
    /// receive their own line.
    pub(super) senders: Vec<usize>,
    /// Clients other than the senders that have seen their room's token.
    pub(super) seen: u64,
}

/// Room numbers a barrier token leaves room for: the token of room `r` is
/// the run's token plus `r`.
pub(super) const BARRIER_ROOMS: u64 = 1 << 24;

impl Engine {
    /// Runs the readiness barrier: in each room, the first logged-in client
    /// sends a token line until every other logged-in client of the room
    /// has seen it, resending with backoff because a server such as `ncat
    /// --chat` may still be accepting some clients when it is first sent.
    /// Afterwards every client is known to receive chat, and everything
    /// queued for it before (join notices) has been read. Each room has its
    /// own token, so one seen in another room counts in `cross_room`. True
    /// if done before `deadline`.
    pub fn barrier(&mut self, deadline: Instant) -> io::Result<bool> {
        let mut senders: Vec<Option<usize>> = vec![None; self.target.rooms.max(1) as usize];
        for (key, c) in self.clients.iter_mut() {
            c.seen_barrier = false;
            if c.phase == Phase::Ready {
                // A sender is done from the start: it never hears itself.
                let first = &mut senders[c.room as usize];
                if first.is_none() {
                    *first = Some(key);
                    c.seen_barrier = true;
                }
            }
        }
        let senders: Vec<usize> = senders.into_iter().flatten().collect();
        if senders.is_empty() {
            return Ok(false);
        }
        let seed = (u64::from(std::process::id()) << 20) ^ self.now_us() ^ 0x5eed;
        self.barrier = Barrier {
            token: (seed % (u64::MAX / BARRIER_ROOMS)).max(1) * BARRIER_ROOMS,
            running: true,
            senders,
            seen: 0,
        };
        let mut backoff = Duration::from_millis(100);
        let mut resend = Instant::now();
        loop {
            if self.barrier.seen + self.barrier.senders.len() as u64 >= self.counts.ready {
                self.barrier.running = false;
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                self.note_error(format!(
                    "deadline passed at the barrier: {} of {} clients saw it",
                    self.barrier.seen,
                    self.counts
                        .ready
                        .saturating_sub(self.barrier.senders.len() as u64)
                ));
                return Ok(false);
            }
            if now >= resend {
                for i in 0..self.barrier.senders.len() {
                    let sender = self.barrier.senders[i];
                    if let Some(c) = self.clients.get_mut(sender) {
                        let token = self.barrier.token + u64::from(c.room);
                        wire::put_barrier(&mut c.out, token);
                    }
                    self.flush(sender);
                }
                resend = now + backoff;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            self.pump(resend.min(deadline))?;
        }
    }
}
