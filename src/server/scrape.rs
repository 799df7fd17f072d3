//! The `/metrics` endpoint inside the loop: accept up to a small limit,
//! advance each HTTP connection, retire it (late) when it is done.

use super::admit::refuse;
use super::timers::Timer;
use super::{Server, Slot};
use crate::http::{BUSY, Busy, MetricsConn};
use crate::metrics::Gauges;
use mio::{Interest, Token};
use std::io;

impl Server {
    /// SIGUSR1: one log line with what `/metrics` would show of the
    /// server's state, for an operator without a scraper.
    pub(super) fn log_state(&self) {
        let g = self.gauges();
        let m = &self.metrics;
        log::info!(
            "SIGUSR1: {} chatting, {} at the prompt, {} rooms, {} metrics clients; \
             output queued {} of {} bytes; memory {} of {} bytes (0 = no budget); \
             {} accepted, {} logins, {} dropped as too slow",
            g.chatting,
            g.awaiting_name,
            g.rooms,
            g.metrics_clients,
            g.output_memory,
            g.output_budget,
            g.memory_used,
            g.memory_budget,
            m.accepted,
            m.logins,
            m.slow_drops,
        );
    }

    /// Connection counts by state, for `/metrics`.
    fn gauges(&self) -> Gauges {
        let chatting = self.chat.members();
        Gauges {
            awaiting_name: self.admission.clients() - chatting,
            chatting,
            metrics_clients: self.metrics_peers.len(),
            rooms: self.chat.rooms(),
            output_memory: self.output_cost,
            output_peak: self.output_peak,
            output_budget: self.config.max_output_memory,
            memory_budget: self.config.memory_budget.unwrap_or(0),
            memory_used: self.shed.used,
            by_dialect: self.by_dialect(),
        }
    }

    /// Open chat connections by protocol (a web connection counts once
    /// its WebSocket is open).
    fn by_dialect(&self) -> crate::metrics::ByDialect {
        let mut counts = crate::metrics::ByDialect::default();
        for (_, slot) in self.slots.iter() {
            if let Slot::Client(conn) = slot {
                match (conn.irc_ref(), conn.websocket()) {
                    (None, _) => counts.telnet += 1,
                    (Some(_), Some(_)) => counts.websocket += 1,
                    (Some(_), None) if !conn.came_from_web() => counts.irc += 1,
                    (Some(_), None) => {}
                }
            }
        }
        counts
    }

    /// Accepts `/metrics` connections up to their own small limit; past
    /// it, a newcomer takes a slot from a stranger (see [`MetricsPeers`]).
    ///
    /// [`MetricsPeers`]: crate::http::MetricsPeers
    pub(super) fn accept_metrics(&mut self, key: usize) {
        loop {
            let Some(Slot::MetricsListener(listener)) = self.slots.get(key) else {
                return;
            };
            match listener.accept() {
                Ok((mut socket, peer)) => {
                    let allowed = self
                        .config
                        .metrics_allow
                        .iter()
                        .any(|c| c.contains(peer.ip()));
                    let entry = self.slots.vacant_entry();
                    let token = Token(entry.key());
                    let evicted = match self.metrics_peers.admit(token.0, peer.ip(), allowed) {
                        Ok(evicted) => evicted,
                        Err(Busy) => {
                            refuse(socket, BUSY.as_bytes());
                            continue;
                        }
                    };
                    if let Some(key) = evicted {
                        // Closed late like any other; its slot is already given.
                        self.later.closing.insert(key);
                    }
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    if let Err(e) = self.poll.registry().register(&mut socket, token, interest) {
                        log::debug!("cannot register metrics client {peer}: {e}");
                        self.metrics_peers.remove(token.0);
                        continue;
                    }
                    let conn = MetricsConn::new(socket, peer, self.now.instant);
                    let deadline = conn.deadline();
                    self.timers.schedule(deadline, Timer::Metrics(token.0));
                    entry.insert(Slot::Metrics(conn));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// Advances one `/metrics` connection; retires it when it is done.
    pub(super) fn serve_metrics(&mut self, key: usize) {
        if self.later.closing.contains(key) {
            return;
        }
        let gauges = self.gauges();
        let (counts, live) = self.chat.resume_counts();
        let (kept, dropped) = self.engine.suspended();
        let resume = crate::metrics::ResumeMetrics {
            counts,
            live,
            kept,
            dropped,
        };
        let Some(Slot::Metrics(conn)) = self.slots.get_mut(key) else {
            return;
        };
        let metrics = &self.metrics;
        let now = self.now.instant;
        let render = || {
            let mut text = metrics.render(gauges);
            resume.render(&mut text);
            text
        };
        if conn.advance(&mut self.scratch, now, render) {
            self.later.closing.insert(key);
        }
    }
}
