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

/// Most barrier rounds one run makes (see [`Engine::barrier`]); each after
/// the first only proves the copies of the one before are read.
const MAX_ROUNDS: u32 = 8;

/// How long the first round waits before it looks whether its token is
/// spreading.
const FIRST_WAIT: Duration = Duration::from_millis(100);

impl Engine {
    /// Runs the readiness barrier: in each room, the first logged-in client
    /// sends a token line until every other logged-in client of the room
    /// has seen it. Afterwards every client is known to receive chat, and
    /// everything queued for it before (join notices) has been read. Each
    /// room has its own token, so one seen in another room counts in
    /// `cross_room`. True if done before `deadline`.
    ///
    /// A round that had to resend its token (see [`Engine::barrier_round`])
    /// leaves copies on their way to the clients that saw an earlier one:
    /// a line measured now would wait behind them (with 10,000 readers,
    /// tens of milliseconds each). So another round, with a token of its
    /// own, follows until one needed a single copy: one sender's lines
    /// reach each reader in order, so every older copy has then been read.
    /// Before it resends, a round waits twice as long as the one before
    /// took for each copy it sent (its own token waits behind those), so a
    /// slow server is not sent copy after copy.
    pub fn barrier(&mut self, deadline: Instant) -> io::Result<bool> {
        let mut first_wait = FIRST_WAIT;
        for _ in 0..MAX_ROUNDS {
            match self.barrier_round(first_wait, deadline)? {
                None => return Ok(false),
                Some((1, _)) => return Ok(true),
                Some((copies, took)) => first_wait = (took * 2 * copies).max(FIRST_WAIT),
            }
        }
        self.note_error(format!(
            "the barrier needed resending in each of {MAX_ROUNDS} rounds"
        ));
        Ok(false)
    }

    /// One round of the barrier: the copies of its token it sent and how
    /// long it took, or `None` if the deadline passed first. The token is
    /// sent again (first after `first_wait`, then with backoff) only when
    /// no client has seen it since the last look: a
    /// server such as `ncat --chat` may still be accepting some clients
    /// when it is first sent, while a token still spreading through a big
    /// room needs no second copy.
    fn barrier_round(
        &mut self,
        first_wait: Duration,
        deadline: Instant,
    ) -> io::Result<Option<(u32, Duration)>> {
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
            return Ok(None);
        }
        let seed = (u64::from(std::process::id()) << 20) ^ self.now_us() ^ 0x5eed;
        self.barrier = Barrier {
            token: (seed % (u64::MAX / BARRIER_ROOMS)).max(1) * BARRIER_ROOMS,
            running: true,
            senders,
            seen: 0,
        };
        let started = Instant::now();
        let mut backoff = first_wait / 2;
        let mut resend = started;
        let (mut copies, mut seen_before) = (0, 0);
        loop {
            if self.barrier.seen + self.barrier.senders.len() as u64 >= self.counts.ready {
                self.barrier.running = false;
                return Ok(Some((copies, started.elapsed())));
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
                return Ok(None);
            }
            if now >= resend {
                let spreading = copies > 0 && self.barrier.seen > seen_before;
                seen_before = self.barrier.seen;
                if !spreading {
                    for i in 0..self.barrier.senders.len() {
                        let sender = self.barrier.senders[i];
                        if let Some(c) = self.clients.get_mut(sender) {
                            let token = self.barrier.token + u64::from(c.room);
                            c.out.extend_from_slice(&c.say);
                            wire::put_barrier(&mut c.out, token);
                        }
                        self.flush(sender);
                    }
                    copies += 1;
                    backoff = (backoff * 2).min(Duration::from_secs(2).max(first_wait));
                }
                resend = now + backoff;
            }
            self.pump(resend.min(deadline))?;
        }
    }
}
