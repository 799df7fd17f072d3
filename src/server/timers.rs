//! Deadlines: login and idle timeouts, flood-control refills, the accept
//! pause and `/metrics` deadlines, in one heap. Timers are checked lazily:
//! when one fires, the connection it names is looked up by key and matched
//! by id, so a timer of a closed connection does nothing.

use super::{Server, Slot};
use crate::chat::{Farewell, Input};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// What a timer is for. Each kind carries exactly what it needs, so no
/// timer holds a key that means nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Timer {
    /// Something due for one chat connection: it names the slot and the
    /// connection's id, so a timer that outlives its connection (whose slot
    /// may hold another by then) does nothing.
    Conn {
        /// What is due.
        kind: ConnTimer,
        /// The slot (32 bits: a login timer waits for every new
        /// connection, so at 10,000 users this is 80 KB less).
        key: u32,
        /// The connection's id.
        id: u64,
    },
    /// Try accepting on this listener again after running out of
    /// descriptors.
    Accept(usize),
    /// The deadline of the `/metrics` connection in this slot.
    Metrics(usize),
    /// The rooms' digests of joins and leaves are due.
    Digest,
    /// Measure the memory in use against the budget.
    Memory,
}

/// What is due for one chat connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ConnTimer {
    /// Close the connection if it is still at the name prompt.
    Login,
    /// Close the user if they have been silent for `--idle-timeout`.
    Idle,
    /// The connection's flood bucket has a token again.
    Refill,
    /// The client closed while flood control held its input; close it now.
    Hangup,
    /// A password prompt's offer to hide typing is due an answer.
    TypingAnswer,
    /// An IRC connection's keepalive: PING it if silent, close it if it
    /// did not answer the last PING.
    Ping,
    /// A web connection's request deadline: close it if it has not sent
    /// its request, or not read the answer, by then.
    WebRequest,
}

impl Timer {
    /// A timer of the connection `id` in slot `key`.
    pub(super) fn conn(kind: ConnTimer, key: usize, id: u64) -> Timer {
        // A slot key past 32 bits (never: that many descriptors) would name
        // no slot, and the timer would do nothing.
        let key = u32::try_from(key).unwrap_or(u32::MAX);
        Timer::Conn { kind, key, id }
    }
}

/// A timer and when it is due (soonest first, by `at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    at: Instant,
    timer: Timer,
}

/// Every pending timer, soonest first.
#[derive(Debug, Default)]
pub(super) struct Timers {
    heap: BinaryHeap<Reverse<Due>>,
    /// Logins since the heap was last swept: about that many login timers
    /// wait for nothing (a heap cannot drop one entry cheaply).
    logins: usize,
}

impl Timers {
    /// Asks for `timer` at `at`.
    pub(super) fn schedule(&mut self, at: Instant, timer: Timer) {
        self.heap.push(Reverse(Due { at, timer }));
    }

    /// A connection logged in: its login timer is stale. When stale timers
    /// may outnumber the others, the heap drops every timer `stale` says is,
    /// and gives back its spare room (at 10,000 idle users the login
    /// timers were 320 KB). The sweep costs at most twice the logins since
    /// the last one.
    pub(super) fn logged_in(&mut self, stale: impl FnMut(&Timer) -> bool) {
        self.logins += 1;
        if self.logins * 2 <= self.heap.len() {
            return;
        }
        self.logins = 0;
        let mut stale = stale;
        self.heap.retain(|Reverse(due)| !stale(&due.timer));
        if self.heap.capacity() > 2 * self.heap.len() + 16 {
            self.heap.shrink_to(2 * self.heap.len() + 16);
        }
    }

    /// The next timer due at `now`, removed.
    fn pop_due(&mut self, now: Instant) -> Option<Timer> {
        let Reverse(next) = self.heap.peek()?;
        if next.at > now {
            return None;
        }
        self.heap.pop().map(|Reverse(due)| due.timer)
    }

    /// When the soonest timer is due.
    pub(super) fn next_at(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(due)| due.at)
    }
}

impl Server {
    /// Fires every timer that is due.
    pub(super) fn fire_timers(&mut self) {
        while let Some(timer) = self.timers.pop_due(self.now.instant) {
            match timer {
                Timer::Accept(listener) => self.accept_all(listener),
                Timer::Memory => self.check_memory(),
                Timer::Digest => {
                    self.core(Input::DigestDue);
                }
                // A later metrics connection on the same key has a later
                // deadline, which `serve_metrics` checks.
                Timer::Metrics(key) => self.serve_metrics(key),
                Timer::Conn { kind, key, id } => self.conn_timer_due(kind, key as usize, id),
            }
        }
    }

    /// A local user logged in: its login timer waits for nothing now.
    pub(super) fn forget_login_timer(&mut self) {
        let mut timers = std::mem::take(&mut self.timers);
        timers.logged_in(|timer| self.stale(timer));
        self.timers = timers;
    }

    /// Whether `timer` would do nothing if it fired: a timer of a
    /// connection that is gone, or a login timer of one that logged in.
    pub(super) fn stale(&self, timer: &Timer) -> bool {
        let Timer::Conn { kind, key, id } = *timer else {
            return false;
        };
        let key = key as usize;
        match self.slots.get(key) {
            Some(Slot::Client(conn)) if conn.id == id => {
                kind == ConnTimer::Login && self.chat.logged_in(key)
            }
            _ => true,
        }
    }

    /// A connection's timer is due: nothing happens if the connection it
    /// was set for is gone or closing.
    fn conn_timer_due(&mut self, kind: ConnTimer, key: usize, id: u64) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if conn.id != id || conn.closing.is_some() {
            return;
        }
        match kind {
            ConnTimer::Login => {
                self.core(Input::LoginExpired(key));
            }
            ConnTimer::Idle => {
                self.core(Input::IdleCheck(key));
            }
            ConnTimer::TypingAnswer => self.typing_answer_due(key),
            ConnTimer::Ping => self.irc_keepalive(key),
            ConnTimer::WebRequest => self.web_request_due(key),
            ConnTimer::Hangup => self.mark_close(key, Farewell::Eof),
            ConnTimer::Refill if conn.paused => {
                conn.paused = false;
                if self.shutdown_deadline.is_none() {
                    self.serve_input(key);
                }
            }
            ConnTimer::Refill => {}
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
        let idle = Timer::conn(ConnTimer::Idle, 1, 1);
        timers.schedule(start + Duration::from_secs(2), idle);
        timers.schedule(start + Duration::from_secs(1), Timer::Digest);
        timers.schedule(start + Duration::from_secs(3), Timer::Accept(0));
        assert_eq!(timers.next_at(), Some(start + Duration::from_secs(1)));
        assert!(timers.pop_due(start).is_none());
        let later = start + Duration::from_secs(2);
        assert_eq!(timers.pop_due(later), Some(Timer::Digest));
        assert_eq!(timers.pop_due(later), Some(idle));
        assert!(timers.pop_due(later).is_none());
        assert_eq!(timers.next_at(), Some(start + Duration::from_secs(3)));
    }

    #[test]
    fn a_pending_timer_is_32_bytes() {
        // One login timer waits per new connection: at 10,000 idle users
        // each byte here is 10 KB.
        assert!(
            std::mem::size_of::<Due>() <= 32,
            "{}",
            std::mem::size_of::<Due>()
        );
    }

    #[test]
    fn logins_sweep_the_stale_timers_and_keep_the_others() {
        let start = Instant::now();
        let mut timers = Timers::default();
        let login = |key| Timer::conn(ConnTimer::Login, key, key as u64);
        for key in 0..100 {
            timers.schedule(start + Duration::from_secs(60), login(key));
        }
        timers.schedule(start + Duration::from_secs(1), Timer::Digest);
        // Keys below 90 logged in: their timers are stale.
        let stale = |timer: &Timer| matches!(*timer, Timer::Conn { key, .. } if key < 90);
        for _ in 0..50 {
            timers.logged_in(stale);
            assert_eq!(timers.heap.len(), 101, "no sweep before half are stale");
        }
        timers.logged_in(stale);
        assert_eq!(timers.heap.len(), 11);
        assert!(timers.heap.capacity() < 101);
        assert_eq!(
            timers.pop_due(start + Duration::from_secs(1)),
            Some(Timer::Digest)
        );
        let mut left: Vec<Timer> =
            std::iter::from_fn(|| timers.pop_due(start + Duration::from_secs(60))).collect();
        left.sort();
        assert_eq!(left, (90..100).map(login).collect::<Vec<_>>());
    }
}
