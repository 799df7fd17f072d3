//! Closing, always late: connections are marked during the iteration and
//! closed after it, so a reused slab key never receives a stale event.
//! Also the shutdown: stop accepting, tell everyone, drain, exit.

use super::{Server, Slot};
use crate::chat::Farewell;
use log::{debug, info};
use std::time::Duration;

/// How long shutdown waits for output to drain before exiting anyway.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

impl Server {
    /// Closes marked slots and flushes pending output, until closing
    /// produces no new work for this iteration.
    pub(super) fn settle(&mut self) {
        loop {
            while !self.closing.is_empty() {
                let list = self.closing.take();
                for &key in &list {
                    self.close(key);
                }
                self.closing.recycle(list);
            }
            self.flush_all();
            self.enforce_output_budget();
            if self.closing.is_empty() {
                return;
            }
        }
    }

    /// Removes one marked slot. A chat connection gets its last words, then
    /// the socket is closed, then the core announces its leaving.
    fn close(&mut self, key: usize) {
        match self.slots.get_mut(key) {
            Some(Slot::Client(conn)) => {
                let why = conn.closing.unwrap_or(Farewell::Error);
                // Whatever it holds is freed below.
                super::output::recount(&mut self.output_cost, conn.queued_cost(), 0);
                let last = self.chat.close(key, why, &self.now);
                if !last.is_empty() && why == Farewell::TooSlow {
                    // It cannot take what it has; keep only a started
                    // line so the notice begins on a line of its own.
                    conn.drop_unstarted();
                }
                let dialect = self.dialects.get(super::output::dialect_of(conn));
                for message in &last {
                    conn.queue_own(&dialect.render(message, self.now.wall));
                }
                conn.finish(&mut self.scratch, self.poll.registry());
                let (peer, id) = (conn.peer, conn.id);
                self.slots.remove(key);
                self.admission.release(peer.ip(), id);
                self.trim_debt += 64;
                match why {
                    Farewell::TooSlow => self.metrics.slow_drops += 1,
                    Farewell::LoginTimeout => self.metrics.login_timeouts += 1,
                    Farewell::IdleTimeout => self.metrics.idle_timeouts += 1,
                    _ => {}
                }
                debug!("{peer} closed ({})", why.describe());
                self.deliver();
            }
            Some(Slot::Metrics(conn)) => {
                let _ = self.poll.registry().deregister(conn.socket_mut());
                self.slots.remove(key);
                self.metrics_peers.remove(key);
            }
            Some(Slot::Listener(_) | Slot::TlsListener(_) | Slot::MetricsListener(_)) => {
                // Deregistered when shutdown began.
                self.slots.remove(key);
            }
            _ => {}
        }
    }

    /// Stops accepting and tells everyone the server is going away.
    pub(super) fn begin_shutdown(&mut self) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        info!("shutting down");
        self.shutdown_deadline = Some(self.now.instant + SHUTDOWN_DRAIN);
        for (key, slot) in self.slots.iter_mut() {
            if let Slot::Listener(l) | Slot::TlsListener(l) | Slot::MetricsListener(l) = slot {
                let _ = self.poll.registry().deregister(l);
                self.closing.insert(key);
            }
        }
        self.chat.shutdown(&self.now);
        self.deliver();
        self.leave_cluster();
    }

    /// Whether every chat connection has written all it was sent, and the
    /// other nodes have been told (with `--redis`).
    pub(super) fn all_output_drained(&self) -> bool {
        self.engine.drained()
            && self.slots.iter().all(|(_, slot)| match slot {
                Slot::Client(conn) => conn.queued() == 0,
                _ => true,
            })
    }

    /// Ends every connection cleanly at exit.
    pub(super) fn close_all(&mut self) {
        for (_, slot) in self.slots.iter_mut() {
            if let Slot::Client(conn) = slot {
                conn.finish(&mut self.scratch, self.poll.registry());
            }
        }
    }
}
