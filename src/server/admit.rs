//! Taking connections in: accept until `WouldBlock`, turn away what the
//! limits do not allow (with the core's one-line refusal), register the
//! rest and let the core greet them.

use super::admission::{Admitted, Pending};
use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::{Input, MemberId, Message, Notice, Refusal};
use crate::conn::Conn;
use crate::dialect::Kind;
use crate::limits::addresses::source;
use crate::sys;
use log::{debug, warn};
use mio::Token;
use mio::net::TcpStream;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

/// What a listener's connections speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Speaks {
    /// Telnet lines (the chat and TLS listeners).
    Telnet,
    /// IRC (the IRC listeners).
    Irc,
    /// HTTP, then IRC over WebSocket (the web listener).
    Web,
}

/// How long the server stops accepting after the process runs out of file
/// descriptors, instead of spinning on a listener that stays readable.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

impl Server {
    /// Accepts until `WouldBlock`. Running out of descriptors pauses accepting
    /// briefly instead of returning to a listener that stays readable.
    pub(super) fn accept_all(&mut self, key: usize) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        loop {
            let (listener, tls, speaks) = match self.slots.get(key) {
                Some(Slot::Listener(listener)) => (listener, false, Speaks::Telnet),
                Some(Slot::TlsListener(listener)) => (listener, true, Speaks::Telnet),
                Some(Slot::IrcListener(listener)) => (listener, false, Speaks::Irc),
                Some(Slot::IrcsListener(listener)) => (listener, true, Speaks::Irc),
                Some(Slot::WebListener(listener)) => (listener, false, Speaks::Web),
                Some(Slot::WebsListener(listener)) => (listener, true, Speaks::Web),
                _ => return,
            };
            match listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer, tls, speaks),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if sys::is_resource_exhaustion(&e) => {
                    conn_log!(self, Warn, "accept failed ({e}); pausing accepts briefly");
                    let at = self.now.instant + ACCEPT_PAUSE;
                    self.timers.schedule(at, Timer::Accept(key));
                    return;
                }
                // The connection died before we took it (ECONNABORTED and the like).
                Err(e) => debug!("accept failed: {e}"),
            }
        }
    }

    /// Takes in one accepted socket (speaking what its listener speaks),
    /// or turns it away with a reason.
    fn admit(&mut self, socket: TcpStream, peer: SocketAddr, tls: bool, speaks: Speaks) {
        self.metrics.accepted += 1;
        let admitted = if self.shed.refusing {
            Err(Refusal::Busy)
        } else {
            self.admission.admit(peer.ip(), self.now.instant)
        };
        let id = match admitted {
            Ok(Admitted { id, evict }) => {
                if let Some(victim) = evict {
                    self.evict_pending(victim, peer);
                }
                id
            }
            Err(why) => return self.turn_away(socket, peer, tls, speaks, why),
        };
        // TCP_NODELAY, keepalive and buffer sizes come from the listener
        // (see `configure_listener`): Linux copies them to accepted sockets.
        let entry = self.slots.vacant_entry();
        let key = entry.key();
        let registry = self.poll.registry();
        let bucket = self.admission.rates().connection_bucket(self.now.instant);
        let session = match (tls, &self.tls) {
            (true, Some(serving)) => {
                match crate::transport::tls::Session::new(serving.config.clone()) {
                    Ok(session) => Some(session),
                    Err(e) => {
                        warn!("cannot start TLS for {peer}: {e}");
                        self.admission.release(peer.ip(), id);
                        return;
                    }
                }
            }
            _ => None,
        };
        let codec = match (speaks, &self.web) {
            (Speaks::Irc, _) => crate::codec::Codec::irc(),
            (Speaks::Web, Some(settings)) => crate::codec::Codec::web(settings.clone()),
            _ => crate::codec::Codec::telnet(),
        };
        let irc = speaks != Speaks::Telnet;
        match Conn::register(
            socket,
            codec,
            session,
            peer,
            id,
            bucket,
            registry,
            Token(key),
        ) {
            Ok(conn) => entry.insert(Slot::Client(conn)),
            Err(e) => {
                warn!("cannot register {peer}: {e}");
                self.admission.release(peer.ip(), id);
                return;
            }
        };
        self.admission.pending_started(peer.ip(), key, id);
        let deadline = self.now.instant + self.config.login_timeout;
        self.timers
            .schedule(deadline, Timer::conn(ConnTimer::Login, key, id));
        self.core(Input::Opened {
            local: key,
            member: MemberId(id),
            address: source(peer.ip()),
            secure: tls,
            protocol: match irc {
                true => crate::chat::Protocol::Requests,
                false => crate::chat::Protocol::Lines,
            },
        });
        if irc {
            self.irc_opened(key, id);
        }
        if speaks == Speaks::Web {
            self.web_opened(key, id);
        }
        debug!("connection from {peer}");
    }
}

impl Server {
    /// Turns an accepted socket away for `why`: counted, logged within the
    /// log limit, and told in one line (a TLS client gets the close alone).
    fn turn_away(
        &mut self,
        socket: TcpStream,
        peer: SocketAddr,
        tls: bool,
        speaks: Speaks,
        why: Refusal,
    ) {
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
            Refusal::Pending => {
                self.metrics.rejected_pending += 1;
                conn_log!(self, Warn, "too many at the prompt, refusing {peer}");
            }
            Refusal::Busy => {
                self.metrics.shed_refused += 1;
                conn_log!(self, Warn, "near the memory budget, refusing {peer}");
            }
            Refusal::TooFast => {
                self.metrics.rejected_rate += 1;
                conn_log!(self, Warn, "{} connects too often, refusing", peer.ip());
            }
        }
        // A TLS client would read a notice in the clear as a bad
        // record: it gets the close alone. An IRC client reads ERROR.
        let refused = Message::Notice(Notice::Refusal(why));
        let notice = match (tls, speaks) {
            (true, _) => bytes::Bytes::new(),
            (false, Speaks::Telnet) => {
                let telnet = self.dialects.get(Kind::Telnet);
                telnet.render(&refused, self.now.wall)
            }
            (false, Speaks::Irc) => crate::dialect::irc::refusal(why),
            (false, Speaks::Web) => {
                self.metrics.web.refused[crate::web::Refusal::Busy.index()] += 1;
                crate::web::request::response_for(crate::web::Refusal::Busy).into()
            }
        };
        refuse(socket, &notice);
    }

    /// Closes a connection at the prompt to make room for `newcomer`, as
    /// if its login had timed out.
    fn evict_pending(&mut self, victim: Pending, newcomer: SocketAddr) {
        let Some(Slot::Client(conn)) = self.slots.get(victim.key) else {
            return;
        };
        if conn.id != victim.id {
            return;
        }
        let peer = conn.peer;
        self.metrics.pending_evicted += 1;
        conn_log!(
            self,
            Warn,
            "too many at the prompt: closing {peer}'s oldest for {newcomer}"
        );
        self.mark_close(victim.key, crate::chat::Farewell::LoginTimeout);
    }
}

/// Writes a one-line refusal to a socket we will not keep, then drops it.
pub(super) fn refuse(socket: TcpStream, text: &[u8]) {
    let _ = (&socket).write(text);
    let _ = socket.shutdown(Shutdown::Write);
}
