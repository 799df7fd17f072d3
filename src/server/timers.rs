//! Deadlines: login and idle timeouts, flood-control refills, the accept
//! pause and `/metrics` deadlines, in one heap. Timers are checked lazily:
//! when one fires, the connection it names is looked up by key and matched
//! by id, so a timer of a closed connection does nothing.

use super::{Server, Slot};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TimerKind {
    /// Close the connection if it is still at the name prompt.
    Login,
    /// Close the user if they have been silent for `--idle-timeout`.
    Idle,
    /// The connection's flood bucket has a token again.
    Refill,
    /// The client closed while flood control held its input; close it now.
    Hangup,
    /// Try accepting again after running out of descriptors.
    Accept,
    /// A `/metrics` connection's deadline.
    Metrics,
    /// The room's digest of joins and leaves is due.
    Digest,
    /// Measure the memory in use against the budget.
    Memory,
    /// A password prompt's offer to hide typing is due an answer.
    TypingAnswer,
}

/// Something to do at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Timer {
    at: Instant,
    kind: TimerKind,
    key: usize,
    id: u64,
}

/// Every pending timer, soonest first.
#[derive(Debug, Default)]
pub(super) struct Timers {
    heap: BinaryHeap<Reverse<Timer>>,
}

impl Timers {
    /// Asks for `kind` on the slot `key` (holding connection `id`) at `at`.
    pub(super) fn schedule(&mut self, at: Instant, kind: TimerKind, key: usize, id: u64) {
        self.heap.push(Reverse(Timer { at, kind, key, id }));
    }

    /// The next timer due at `now`, removed.
    fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        let Reverse(next) = self.heap.peek()?;
        if next.at > now {
            return None;
        }
        self.heap.pop().map(|Reverse(t)| t)
    }

    /// When the soonest timer is due.
    pub(super) fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(t)| t.at)
    }
}

impl Server {
    /// Fires every timer that is due.
    pub(super) fn fire_timers(&mut self) {
        while let Some(timer) = self.timers.pop_due(self.now.instant) {
            match timer.kind {
                TimerKind::Accept => {
                    self.accept_all(timer.key);
                    continue;
                }
                TimerKind::Memory => {
                    self.check_memory();
                    continue;
                }
                TimerKind::Digest => {
                    self.chat.digest_due(&self.now);
                    self.deliver();
                    continue;
                }
                TimerKind::Metrics => {
                    // A later metrics connection on the same key has a later
                    // deadline, which `serve_metrics` checks.
                    self.serve_metrics(timer.key);
                    continue;
                }
                _ => {}
            }
            let Some(Slot::Client(conn)) = self.slots.get_mut(timer.key) else {
                continue;
            };
            if conn.id != timer.id || conn.closing.is_some() {
                continue; // A timer for a connection that is gone.
            }
            match timer.kind {
                TimerKind::Login => {
                    self.chat.login_expired(timer.key, &self.now);
                    self.deliver();
                }
                TimerKind::Idle => {
                    if let Some(at) = self.chat.idle_check(timer.key, &self.now) {
                        self.timers
                            .schedule(at, TimerKind::Idle, timer.key, timer.id);
                    }
                    self.deliver();
                }
                TimerKind::TypingAnswer => self.typing_answer_due(timer.key),
                TimerKind::Hangup => {
                    use crate::chat::Farewell;
                    self.mark_close(timer.key, Farewell::Eof);
                }
                TimerKind::Refill if conn.paused => {
                    conn.paused = false;
                    if self.shutdown_deadline.is_none() {
                        self.serve_input(timer.key);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timers_come_due_in_order() {
        let start = Instant::now();
        let mut timers = Timers::default();
        timers.schedule(start + Duration::from_secs(2), TimerKind::Idle, 1, 1);
        timers.schedule(start + Duration::from_secs(1), TimerKind::Login, 2, 2);
        assert_eq!(timers.next_at(), Some(start + Duration::from_secs(1)));
        assert!(timers.pop_due(start).is_none());
        let first = timers.pop_due(start + Duration::from_secs(5)).unwrap();
        assert_eq!((first.kind, first.key), (TimerKind::Login, 2));
        let second = timers.pop_due(start + Duration::from_secs(5)).unwrap();
        assert_eq!((second.kind, second.key), (TimerKind::Idle, 1));
        assert!(timers.pop_due(start + Duration::from_secs(5)).is_none());
        assert_eq!(timers.next_at(), None);
    }
}
