//! Web connections in the reactor (`--web-addr`): the listener, the
//! request deadline, what a web connection's codec reports (the page
//! served, a request refused, a WebSocket opened, ended or failed), and
//! the counts `/metrics` shows. A web connection is otherwise an IRC
//! connection: see [`crate::web`] and the `irc` module.

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::Farewell;
use crate::metrics::Metrics;
use crate::web::{End, Event, Settings};
use log::info;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a web connection may take to send its request head, and to
/// read a page or refusal: a browser does both at once (never longer than
/// `--login-timeout`). An open WebSocket is an IRC connection, under the
/// login and idle timeouts.
pub(super) const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

impl Server {
    /// Serves the page, `/healthz` and IRC over WebSocket at `/ws` on an
    /// already bound listener (`--web-addr`), or over TLS (`--webs-addr`)
    /// with the certificate of [`serve_tls`](Self::serve_tls), which must
    /// be called first; for the page's own origin and those of
    /// `--web-origin`. Returns the listener's address.
    pub fn serve_web(
        &mut self,
        listener: std::net::TcpListener,
        tls: bool,
    ) -> io::Result<SocketAddr> {
        let (slot, scheme): (fn(_) -> Slot, _) = match tls {
            true => (Slot::WebsListener, "https"),
            false => (Slot::WebListener, "http"),
        };
        let addr = self.add_listener(listener, slot, tls.then_some("the web page"))?;
        self.web = Some(Arc::new(Settings::new(&self.config.web_origins)));
        // Not "listening on": tests read the chat listener from that.
        let over = if tls { " over TLS" } else { "" };
        info!("serving the web page and WebSocket{over} at {scheme}://{addr}/");
        Ok(addr)
    }

    /// The web listener's address, if there is one (useful with port 0).
    pub fn web_addr(&self) -> Option<SocketAddr> {
        self.slots.iter().find_map(|(_, slot)| match slot {
            Slot::WebListener(l) => l.local_addr().ok(),
            _ => None,
        })
    }

    /// The web listener over TLS's address, if there is one.
    pub fn webs_addr(&self) -> Option<SocketAddr> {
        self.slots.iter().find_map(|(_, slot)| match slot {
            Slot::WebsListener(l) => l.local_addr().ok(),
            _ => None,
        })
    }

    /// A web connection was taken in: its request deadline starts.
    pub(super) fn web_opened(&mut self, key: usize, id: u64) {
        let at = self.now.instant + REQUEST_DEADLINE.min(self.config.login_timeout);
        let timer = Timer::conn(ConnTimer::WebRequest, key, id);
        self.timers.schedule(at, timer);
    }

    /// The request deadline of the web connection at `key`: closed unless
    /// it became a WebSocket.
    pub(super) fn web_request_due(&mut self, key: usize) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if conn.web().is_some_and(|web| web.mode().is_none()) {
            self.mark_close(key, Farewell::LoginTimeout);
        }
    }

    /// Whether the connection at `key` reads its lines over a WebSocket.
    pub(super) fn web_line(&self, key: usize) -> bool {
        matches!(self.slots.get(key), Some(Slot::Client(conn)) if conn.websocket().is_some())
    }

    /// Whether the web connection at `key` reads no more: it was answered
    /// (what it sends now is left in the kernel until it is closed), or
    /// its WebSocket ended (a close frame, or a broken rule), and then it
    /// is marked to close.
    pub(super) fn web_done_reading(&mut self, key: usize) -> bool {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return false;
        };
        let Some(web) = conn.web() else {
            return false;
        };
        if web.answered_only() {
            return true;
        }
        let Some(end) = web.ended() else {
            return false;
        };
        let why = match end {
            End::Closed => Farewell::Eof,
            End::Failed(fault) => {
                self.metrics.web.faults[fault as usize] += 1;
                conn_log!(
                    self,
                    Debug,
                    "{}: WebSocket {}, closing",
                    conn.peer,
                    fault.name()
                );
                Farewell::Error
            }
        };
        self.mark_close(key, why);
        true
    }
}

/// Whether `conn` is a web connection whose answer (the page, `/healthz`
/// or a refusal) is now all written: if so it is marked to close.
pub(super) fn answer_written(conn: &mut crate::conn::Conn) -> bool {
    let done = conn.queued() == 0 && conn.web().is_some_and(|web| web.answered_only());
    if done {
        conn.closing = Some(Farewell::Eof);
    }
    done
}

/// Counts what a web connection's read brought about.
pub(super) fn count(metrics: &mut Metrics, event: Event) {
    match event {
        Event::Served => metrics.web.served += 1,
        Event::Upgraded => metrics.web.upgraded += 1,
        Event::Refused(why) => metrics.web.refused[why.index()] += 1,
    }
}
