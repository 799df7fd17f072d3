//! Writing: measured lines, flushing a client's output, attackers'
//! floods, and a connection's end.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, SocketAddrV4};

use mio::net::TcpStream;

use super::client::{End, Phase};
use super::{Engine, ProbeNews};
use crate::tls;
use crate::wire;

/// Writes of a flood pattern per client per visit. A server that reads as
/// fast as we write would otherwise keep one client writing forever; past
/// this the client is revisited after the next poll.
const FLOOD_WRITES: usize = 16;

impl Engine {
    /// Queues one measured line from sender number `sender` (client `key`),
    /// stamped now; [`Engine::flush`] writes it.
    pub fn queue_line(&mut self, key: usize, sender: u32, pad: usize) {
        let now = self.now_us();
        if let Some(c) = self
            .clients
            .get_mut(key)
            .filter(|c| c.phase == Phase::Ready)
        {
            let seq = self.tally.sent(sender);
            c.out.extend_from_slice(&c.say);
            wire::put_data(&mut c.out, sender, seq, now, pad);
        }
    }

    /// Writes lines from sender `sender` (client `key`) until it has
    /// `window` lines not yet seen by every receiver, in one write; returns
    /// how many.
    pub fn fill_window(&mut self, key: usize, sender: u32, window: u64, pad: usize) -> u64 {
        let now = self.now_us();
        let Some(c) = self
            .clients
            .get_mut(key)
            .filter(|c| c.phase == Phase::Ready)
        else {
            return 0;
        };
        let mut lines = 0;
        while self.tally.in_flight(sender) < window {
            let seq = self.tally.sent(sender);
            c.out.extend_from_slice(&c.say);
            wire::put_data(&mut c.out, sender, seq, now, pad);
            lines += 1;
        }
        self.flush(key);
        lines
    }

    /// Turns the flood on: every logged-in attacker with a pattern starts
    /// writing it, and keeps writing whenever its socket has room.
    pub fn start_flood(&mut self) {
        self.flooding = true;
        let keys: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| c.phase == Phase::Ready && c.role.pattern.is_some())
            .map(|(k, _)| k)
            .collect();
        for key in keys {
            self.flush(key);
        }
    }

    /// Turns the flood off; what the sockets hold still reaches the server.
    pub fn stop_flood(&mut self) {
        self.flooding = false;
        self.flood_again.clear();
    }

    /// The local addresses of the logged-in attackers we still hold.
    pub fn live_attackers(&self) -> Vec<SocketAddrV4> {
        self.clients
            .iter()
            .filter(|(_, c)| c.phase == Phase::Ready && c.role.is_attacker())
            .filter_map(|(_, c)| match c.stream.local_addr() {
                Ok(SocketAddr::V4(a)) => Some(a),
                _ => None,
            })
            .collect()
    }

    /// Writes client `key`'s pending output until done or the socket is
    /// full; the WRITABLE edge brings us back for the rest.
    pub fn flush(&mut self, key: usize) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        if c.phase == Phase::Closed {
            return;
        }
        let mut written = 0;
        let mut failure = None;
        // Records the session owes (the handshake above all) go out even
        // with no line to write.
        if let Some(session) = c.tls.as_deref_mut()
            && let Err(e) = tls::push(session, &mut c.stream)
        {
            failure = Some(format!("write: {e}"));
        }
        if let Some(ws) = c.ws.as_deref_mut()
            && let Err(e) = crate::websocket::push(ws, &mut c.stream)
        {
            failure = Some(format!("write: {e}"));
        }
        while failure.is_none() && written < c.out.len() {
            match send(&mut c.stream, (&mut c.tls, &mut c.ws), &c.out[written..]) {
                Ok(0) => {
                    failure = Some("write: wrote nothing".to_string());
                    break;
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failure = Some(format!("write: {e}"));
                    break;
                }
            }
        }
        c.out.drain(..written);
        if failure.is_none()
            && self.flooding
            && c.out.is_empty()
            && c.phase == Phase::Ready
            && let Some(pattern) = &c.role.pattern
        {
            let mut writes = 0;
            loop {
                if writes == FLOOD_WRITES {
                    self.flood_again.push(key);
                    break;
                }
                writes += 1;
                match send(
                    &mut c.stream,
                    (&mut c.tls, &mut c.ws),
                    &pattern[c.pattern_at..],
                ) {
                    Ok(0) => {
                        failure = Some("write: wrote nothing".to_string());
                        break;
                    }
                    Ok(n) => c.pattern_at = (c.pattern_at + n) % pattern.len(),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        failure = Some(format!("write: {e}"));
                        break;
                    }
                }
            }
        }
        if let Some(why) = failure {
            return self.lose(key, End::Failed(why));
        }
        if c.out.is_empty() && c.phase == Phase::Leaving && !c.shut {
            // Over TLS a close_notify first; a full socket keeps it in the
            // session until the WRITABLE edge, and the FIN waits for it.
            if let Some(session) = c.tls.as_deref_mut() {
                session.send_close_notify();
                match tls::push(session, &mut c.stream) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => return self.lose(key, End::Failed(format!("write: {e}"))),
                }
            }
            // Our FIN tells the server we are done; its close, seen as EOF,
            // completes the cycle.
            c.shut = true;
            if let Err(e) = c.stream.shutdown(Shutdown::Write) {
                self.lose(key, End::Failed(format!("shutdown: {e}")));
            }
        }
    }

    /// Client `key`'s connection ended: a completed churn cycle if it was
    /// leaving, otherwise a failure or a drop. Marks it for removal.
    pub(super) fn lose(&mut self, key: usize, end: End) {
        let Some(c) = self
            .clients
            .get_mut(key)
            .filter(|c| c.phase != Phase::Closed)
        else {
            return;
        };
        let phase = c.phase;
        c.phase = Phase::Closed;
        self.to_close.push(key);
        if c.probe {
            if phase != Phase::Ready && !matches!(end, End::Refused) {
                self.probe_news.push((c.number, ProbeNews::Failed));
            }
            return;
        }
        let (number, resuming, shut) = (c.number, c.resume.is_some(), c.shut);
        let attacker = c.role.is_attacker();
        if resuming && phase != Phase::Ready {
            if !matches!(end, End::Refused) {
                self.resumed(number, None);
            }
            return;
        }
        if phase == Phase::Ready && !resuming && self.victim_dropped(number) {
            self.counts.ready -= 1;
            self.counts.forgotten += 1;
            return;
        }
        let why = match end {
            End::Closed if phase == Phase::Leaving && shut => {
                self.counts.left += 1;
                return;
            }
            End::Closed => "server closed the connection".to_string(),
            End::Failed(why) => why,
            End::Refused => return,
        };
        match phase {
            // Back after a resume, then dropped again: outside the totals
            // of logged-in clients, but a failure all the same.
            Phase::Ready if resuming => {
                self.counts.dropped += 1;
                self.note_error(format!("resumed client {number} dropped: {why}"));
            }
            Phase::Ready if attacker => {
                self.counts.ready -= 1;
                self.counts.attackers_dropped += 1;
            }
            Phase::Ready => {
                self.counts.ready -= 1;
                self.counts.dropped += 1;
                self.note_error(format!("client {key} dropped: {why}"));
            }
            _ => self.note_failure(why),
        }
    }

    /// Whether client `number` is a user of the killed node whose first
    /// connection just ended, to be resumed (see `resume.rs`).
    fn victim_dropped(&mut self, number: u64) -> bool {
        let now = self.now_us();
        self.resumes
            .as_mut()
            .is_some_and(|r| r.armed && r.dropped(number, now))
    }
}

/// Writes `data` to a client's socket, through its TLS session or as
/// WebSocket frames if it has one; a plain client's bytes go straight to
/// the socket.
pub(super) fn send(
    stream: &mut TcpStream,
    (session, ws): (
        &mut Option<Box<rustls::ClientConnection>>,
        &mut Option<Box<crate::websocket::Session>>,
    ),
    data: &[u8],
) -> io::Result<usize> {
    if let Some(ws) = ws.as_deref_mut() {
        return crate::websocket::write(ws, stream, data);
    }
    match session.as_deref_mut() {
        None => stream.write(data),
        Some(session) => tls::write(session, stream, data),
    }
}
