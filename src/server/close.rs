//! Closing, always late: connections are marked during the iteration and
//! closed after it, so a reused slab key never receives a stale event.
//! Also the shutdown: stop accepting, tell everyone, drain, exit.

use super::{Server, Slot};
use crate::chat::{Farewell, Input};
use log::{debug, info};
use std::time::Duration;

/// How long shutdown waits for output to drain before exiting anyway.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

impl Server {
    /// Closes marked slots and flushes pending output, until closing
    /// produces no new work for this iteration.
    pub(super) fn settle(&mut self) {
        loop {
            while !self.later.closing.is_empty() {
                let list = self.later.closing.take();
                for &key in &list {
                    self.close(key);
                }
                self.later.closing.recycle(list);
            }
            self.flush_all();
            self.enforce_output_budget();
            if self.later.closing.is_empty() {
                return;
            }
        }
    }

    /// Removes one marked slot. The core announces a chat connection's
    /// leaving and gives its last words, then the socket is closed.
    fn close(&mut self, key: usize) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
            let why = conn.closing.unwrap_or(Farewell::Error);
            conn.closing = Some(why);
            // Whatever it holds is freed below.
            super::output::recount(&mut self.output_cost, conn.queued_cost(), 0);
            self.core(Input::Closed { local: key, why });
        }
        match self.slots.get_mut(key) {
            Some(Slot::Client(conn)) => {
                let why = conn.closing.unwrap_or(Farewell::Error);
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
            }
            Some(Slot::Metrics(conn)) => {
                let _ = self.poll.registry().deregister(conn.socket_mut());
                self.slots.remove(key);
                self.metrics_peers.remove(key);
            }
            Some(
                Slot::Listener(_)
                | Slot::TlsListener(_)
                | Slot::IrcListener(_)
                | Slot::IrcsListener(_)
                | Slot::WebListener(_)
                | Slot::WebsListener(_)
                | Slot::MetricsListener(_),
            ) => {
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
            if let Slot::Listener(l)
            | Slot::TlsListener(l)
            | Slot::IrcListener(l)
            | Slot::IrcsListener(l)
            | Slot::WebListener(l)
            | Slot::WebsListener(l)
            | Slot::MetricsListener(l) = slot
            {
                let _ = self.poll.registry().deregister(l);
                self.later.closing.insert(key);
            }
        }
        self.core(Input::Shutdown);
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
