//! Taking connections in: accept until `WouldBlock`, turn away what the
//! limits do not allow (with the core's one-line refusal), register the
//! rest and let the core greet them.

use super::timers::TimerKind;
use super::{Server, Slot};
use crate::chat::{MemberId, Refusal};
use crate::conn::Conn;
use crate::sys;
use log::{debug, warn};
use mio::Token;
use mio::net::TcpStream;
use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::time::Duration;

/// How long the server stops accepting after the process runs out of file
/// descriptors, instead of spinning on a listener that stays readable.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Connection counts against their limits.
#[derive(Debug)]
pub(super) struct Admission {
    /// `--max-clients`, resolved.
    max_clients: usize,
    /// `--max-per-ip`; 0 is off.
    max_per_ip: usize,
    /// Chat connections open (at the prompt or chatting).
    clients: usize,
    /// Open connections per source address, kept only with `--max-per-ip`.
    per_ip: HashMap<IpAddr, u32>,
    /// Id for the next connection (its chat member id too).
    next_id: u64,
}

impl Admission {
    pub(super) fn new(max_clients: usize, max_per_ip: usize) -> Admission {
        Admission {
            max_clients,
            max_per_ip,
            clients: 0,
            per_ip: HashMap::new(),
            next_id: 0,
        }
    }

    pub(super) fn max_clients(&self) -> usize {
        self.max_clients
    }

    /// Chat connections open.
    pub(super) fn clients(&self) -> usize {
        self.clients
    }

    /// Counts a connection from `ip` in and returns its id, or says why not.
    fn admit(&mut self, ip: IpAddr) -> Result<u64, Refusal> {
        if self.clients >= self.max_clients {
            return Err(Refusal::Full);
        }
        if self.max_per_ip > 0 {
            let count = self.per_ip.entry(ip).or_insert(0);
            if *count as usize >= self.max_per_ip {
                return Err(Refusal::PerAddress);
            }
            *count += 1;
        }
        self.clients += 1;
        self.next_id += 1;
        Ok(self.next_id)
    }

    /// Counts a connection from `ip` out.
    pub(super) fn release(&mut self, ip: IpAddr) {
        self.clients -= 1;
        if let Some(count) = self.per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }
}

impl Server {
    /// Accepts until `WouldBlock`. Running out of descriptors pauses accepting
    /// briefly instead of returning to a listener that stays readable.
    pub(super) fn accept_all(&mut self) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        loop {
            let Some(Slot::Listener(listener)) = self.slots.get(self.listener_key) else {
                return;
            };
            match listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if sys::is_resource_exhaustion(&e) => {
                    conn_log!(self, Warn, "accept failed ({e}); pausing accepts briefly");
                    let at = self.now.instant + ACCEPT_PAUSE;
                    self.timers
                        .schedule(at, TimerKind::Accept, self.listener_key, 0);
                    return;
                }
                // The connection died before we took it (ECONNABORTED and the like).
                Err(e) => debug!("accept failed: {e}"),
            }
        }
    }

    /// Takes in one accepted socket, or turns it away with a reason.
    fn admit(&mut self, socket: TcpStream, peer: SocketAddr) {
        self.metrics.accepted += 1;
        let id = match self.admission.admit(peer.ip()) {
            Ok(id) => id,
            Err(why) => {
                match why {
                    Refusal::Full => {
                        self.metrics.rejected_full += 1;
                        conn_log!(self, Warn, "server full, refusing {peer}");
                    }
                    Refusal::PerAddress => {
                        self.metrics.rejected_per_ip += 1;
                        conn_log!(
                            self,
                            Warn,
                            "too many connections from {}, refusing",
                            peer.ip()
                        );
                    }
                }
                refuse(socket, &self.chat.refusal(why, &self.now));
                return;
            }
        };
        // The loop already sends one write per peer per iteration; Nagle would
        // only hold those back waiting for ACKs.
        let _ = socket.set_nodelay(true);
        let entry = self.slots.vacant_entry();
        let key = entry.key();
        let registry = self.poll.registry();
        let burst = self.config.burst;
        match Conn::register(
            socket,
            peer,
            id,
            burst,
            self.now.instant,
            registry,
            Token(key),
        ) {
            Ok(conn) => entry.insert(Slot::Client(conn)),
            Err(e) => {
                warn!("cannot register {peer}: {e}");
                self.admission.release(peer.ip());
                return;
            }
        };
        let deadline = self.now.instant + self.config.login_timeout;
        self.timers.schedule(deadline, TimerKind::Login, key, id);
        self.chat.open(key, MemberId(id), &self.now);
        self.deliver();
        debug!("connection from {peer}");
    }
}

/// Writes a one-line refusal to a socket we will not keep, then drops it.
pub(super) fn refuse(socket: TcpStream, text: &[u8]) {
    let _ = (&socket).write(text);
    let _ = socket.shutdown(Shutdown::Write);
}
