//! The socket side of a [`Link`]: connecting, the poll registration, and
//! reading and writing on readiness.

use super::{Link, Phase, READ_CHUNK, SHRINK_ABOVE};
use crate::redis::codec::{Waiter, encode_command};
use crate::redis::{BytesFrame, Event, Why};
use bytes::{Buf, BytesMut};
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io::{self, Write};
use std::time::Instant;

impl Link {
    /// The interest the link's socket needs now: READABLE and WRITABLE
    /// while connecting (writable is how a finished connect is told),
    /// WRITABLE after that only while output remains; `None` when down.
    pub fn wanted_interest(&self) -> Option<Interest> {
        self.socket.as_ref()?;
        match self.phase {
            Phase::Connecting { .. } => Some(Interest::READABLE | Interest::WRITABLE),
            _ if !self.output.is_empty() => Some(Interest::READABLE | Interest::WRITABLE),
            _ => Some(Interest::READABLE),
        }
    }

    /// Registers the link under `token`: now if it has a socket, and every
    /// later socket through [`Link::reregister`].
    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        self.token = Some(token);
        self.reregister(registry)
    }

    /// Whether [`Link::reregister`] has anything to do.
    pub fn needs_reregister(&self) -> bool {
        self.retired.is_some()
            || (self.token.is_some() && self.registered != self.wanted_interest())
    }

    /// Brings the poll in line with the link: deregisters a dropped socket,
    /// registers a new one, changes the interest if it changed. No system
    /// call when nothing did. After an error the next call tries again; a
    /// link that never gets registered is dropped by its timeouts.
    pub fn reregister(&mut self, registry: &Registry) -> io::Result<()> {
        if let Some(mut old) = self.retired.take() {
            let _ = registry.deregister(&mut old);
        }
        let want = self.wanted_interest();
        let (Some(token), Some(socket), Some(want)) = (self.token, self.socket.as_mut(), want)
        else {
            return Ok(());
        };
        match self.registered {
            None => registry.register(socket, token, want)?,
            Some(have) if have != want => registry.reregister(socket, token, want)?,
            Some(_) => return Ok(()),
        }
        self.registered = Some(want);
        Ok(())
    }

    /// Takes the link out of the poll for good (at shutdown).
    pub fn deregister(&mut self, registry: &Registry) {
        for socket in [self.retired.as_mut(), self.socket.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = registry.deregister(socket);
        }
        self.retired = None;
        self.registered = None;
        self.token = None;
    }

    /// Handles readiness of the link's socket. Pass `readable` for
    /// readable, read-closed or error events, `writable` for writable ones
    /// (mio's events may be spurious; both are harmless then). Replies are
    /// read until the socket has no more, and output is written.
    pub fn on_ready(&mut self, readable: bool, writable: bool, now: Instant, out: &mut Vec<Event>) {
        if self.socket.is_some() {
            if let Phase::Connecting { .. } = self.phase {
                match self.check_connected() {
                    Ok(true) => self.connected(now),
                    Ok(false) => {}
                    Err(e) => self.go_down(Why::ConnectFailed(e.kind()), now),
                }
            }
            if readable {
                self.read(now);
            }
            if writable || readable {
                self.write(now);
            }
        }
        out.append(&mut self.events);
    }

    /// Writes queued output until it is gone or the socket would block
    /// (called once per loop iteration for a link that was sent commands).
    pub fn flush(&mut self, now: Instant, out: &mut Vec<Event>) {
        self.write(now);
        out.append(&mut self.events);
    }

    pub(super) fn start_connect(&mut self, now: Instant) {
        match TcpStream::connect(self.addr) {
            Ok(socket) => {
                self.socket = Some(socket);
                self.registered = None;
                let deadline = now + self.config.connect_timeout;
                self.phase = Phase::Connecting { deadline };
                // Neither can fail: a few arguments, and all the room there is.
                if let Some(auth) = &self.auth {
                    let _ = encode_command(&mut self.output, &auth.command(), usize::MAX);
                    self.pipeline.push(Waiter::Auth, now);
                    self.handshake += 1;
                }
                if self.db != 0 {
                    let db = self.db.to_string();
                    let _ =
                        encode_command(&mut self.output, &[b"SELECT", db.as_bytes()], usize::MAX);
                    self.pipeline.push(Waiter::Select, now);
                    self.handshake += 1;
                }
                let _ = encode_command(&mut self.output, &[b"PING"], usize::MAX);
                self.pipeline.push(Waiter::Ping, now);
                self.handshake += 1;
            }
            Err(e) => self.go_down(Why::ConnectFailed(e.kind()), now),
        }
    }

    /// Whether the connect finished: `Ok(false)` if it is still going (a
    /// spurious event), the error if it failed (mio's documented check).
    fn check_connected(&self) -> io::Result<bool> {
        let Some(socket) = &self.socket else {
            return Ok(false);
        };
        if let Some(e) = socket.take_error()? {
            return Err(e);
        }
        match socket.peer_addr() {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn connected(&mut self, now: Instant) {
        if let Some(socket) = &self.socket {
            // The loop already coalesces an iteration's commands into one
            // write; Nagle would only delay it.
            let _ = socket.set_nodelay(true);
        }
        match self.phase {
            Phase::Connecting { deadline } if self.handshake > 0 => {
                self.phase = Phase::Handshake { deadline }
            }
            _ => self.become_ready(now),
        }
    }

    fn become_ready(&mut self, now: Instant) {
        self.phase = Phase::Ready;
        self.ready_since = Some(now);
        self.output.extend_from_slice(&self.held);
        self.held = BytesMut::new();
        self.push(Event::Up, now);
    }

    /// Reads until the socket would block, handing out each whole reply.
    fn read(&mut self, now: Instant) {
        while let Some(socket) = self.socket.as_mut() {
            match self.input.read_from(socket, READ_CHUNK) {
                Ok(0) => {
                    self.decode(true, now);
                    if self.socket.is_some() {
                        self.go_down(Why::Closed, now);
                    }
                }
                Ok(_) => {
                    self.last_input = now;
                    self.decode(false, now);
                    if self.input.buffered() > self.config.max_input {
                        self.decode(true, now);
                        if self.socket.is_some() && self.input.buffered() > self.config.max_input {
                            self.go_down(Why::InputTooLarge, now);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.decode(true, now);
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.go_down(Why::Io(e.kind()), now),
            }
        }
    }

    /// Turns whole frames in the input into events for their waiters.
    fn decode(&mut self, drained: bool, now: Instant) {
        while self.socket.is_some() {
            let frame = match self.input.next_frame(drained) {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(_) => return self.go_down(Why::Protocol, now),
            };
            let error = match &frame {
                BytesFrame::Error(e) => Some(e.to_string()),
                _ => None,
            };
            // An error no command gets past takes the link down, named.
            if let Some(why) = error.as_deref().and_then(Why::from_error) {
                if let Some(Waiter::Caller(tag)) = self.pipeline.answer() {
                    self.push(Event::Lost { tag }, now);
                }
                return self.go_down(why, now);
            }
            match (self.pipeline.answer(), error) {
                (Some(Waiter::Caller(tag)), _) => self.push(Event::Reply { tag, frame }, now),
                (Some(Waiter::Auth | Waiter::Select | Waiter::Ping), None) if is_ok(&frame) => {
                    self.handshake = self.handshake.saturating_sub(1);
                    if self.handshake == 0 {
                        self.become_ready(now);
                    }
                }
                (Some(Waiter::Auth | Waiter::Ping), error) => {
                    let error = error.unwrap_or_else(|| format!("{frame:?}"));
                    self.go_down(Why::Refused(error.into()), now);
                }
                (Some(Waiter::Select), error) => {
                    let error = error.unwrap_or_else(|| format!("{frame:?}"));
                    self.go_down(Why::SelectRefused(error.into()), now);
                }
                // Sent unasked, as Redis does on connecting when it will
                // not serve the client ("max number of clients reached").
                (None, Some(error)) => self.go_down(Why::Refused(error.into()), now),
                (None, None) => self.go_down(Why::Unexpected, now),
            }
        }
    }

    /// Writes output until it is gone or the socket would block.
    fn write(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Connecting { .. } | Phase::Down { .. }) {
            return;
        }
        while !self.output.is_empty() {
            let Some(socket) = self.socket.as_mut() else {
                return;
            };
            match socket.write(&self.output) {
                Ok(0) => return self.go_down(Why::Io(io::ErrorKind::WriteZero), now),
                Ok(n) => self.output.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.go_down(Why::Io(e.kind()), now),
            }
        }
        if self.output.capacity() > SHRINK_ABOVE {
            self.output = BytesMut::new();
        }
    }
}

/// Whether `frame` is `+OK` (or `+PONG`).
fn is_ok(frame: &BytesFrame) -> bool {
    matches!(frame, BytesFrame::SimpleString(s) if &s[..] == b"OK" || &s[..] == b"PONG")
}
