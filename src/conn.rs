//! One chat connection: its socket, what it has sent us that is not yet a
//! line, what we owe it, where it is in the protocol, and its flood budget.
//!
//! A `Conn` never looks at other connections or at the poll loop; the server
//! moves bytes between connections and decides when each one is serviced.

use crate::framing::LineReader;
use crate::outbound::{Flushed, Outbound};
use crate::session::Session;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

/// A connection's state, owned by the server's slab.
#[derive(Debug)]
pub struct Conn {
    /// The client's socket (non-blocking, registered under the slab key).
    pub socket: TcpStream,
    /// Where the client connects from, for logs and the per-address limit.
    pub peer: SocketAddr,
    /// Unique for the server's lifetime: a timer naming a slab key checks it,
    /// so a key reused by a newer connection never gets an older one's timer.
    pub id: u64,
    /// Input not yet consumed as lines, and the telnet parser.
    pub reader: LineReader,
    /// Output not yet written.
    pub out: Outbound,
    /// Where the connection is in the protocol.
    pub session: Session,
    /// Interest currently registered with the poll, so it is changed (one
    /// syscall) only when what we want changes.
    pub interest: Interest,
    /// The socket has not said `WouldBlock` since it was last reported
    /// readable: more input may be waiting in the kernel (mio is
    /// edge-triggered, so nobody will tell us again).
    pub readable: bool,
    /// Queued in the server's list of connections to flush this iteration.
    pub pending_flush: bool,
    /// Queued in the server's list of connections with input left to handle.
    pub in_backlog: bool,
    /// Out of flood tokens; not read until its refill timer fires.
    pub paused: bool,
    /// Marked to be closed at the end of this iteration; nothing more is
    /// queued for it and its input is ignored.
    pub closing: bool,
    /// The prompt was the last thing sent and no line has come back since:
    /// the client's cursor sits after `Enter your name: `, so a notice must
    /// start with a line end of its own.
    pub prompt_pending: bool,
    /// Line budget for flood control.
    pub bucket: TokenBucket,
}

impl Conn {
    /// A new connection at the name prompt, registered for READABLE only:
    /// output is written first and WRITABLE is asked for only when it blocks.
    pub fn new(socket: TcpStream, peer: SocketAddr, id: u64, burst: u32, now: Instant) -> Conn {
        Conn {
            socket,
            peer,
            id,
            reader: LineReader::default(),
            out: Outbound::default(),
            session: Session::AwaitingName,
            interest: Interest::READABLE,
            readable: true,
            pending_flush: false,
            in_backlog: false,
            paused: false,
            closing: false,
            prompt_pending: true,
            bucket: TokenBucket::new(burst, now),
        }
    }

    /// Writes queued output and sets the interest that follows from what is
    /// left: WRITABLE only while bytes remain.
    pub fn flush(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let wanted = match self.out.flush(&mut self.socket)? {
            Flushed::Drained => Interest::READABLE,
            Flushed::Blocked => Interest::READABLE | Interest::WRITABLE,
        };
        if wanted != self.interest {
            registry.reregister(&mut self.socket, token, wanted)?;
            self.interest = wanted;
        }
        Ok(())
    }

    /// Last words before the socket is dropped: one non-blocking attempt to
    /// write what is queued, then a bounded read of whatever the client sent
    /// that we will not handle (closing a socket with unread input makes the
    /// kernel send a reset, which can destroy the data we just wrote before
    /// the client reads it), then FIN.
    pub fn finish(&mut self, scratch: &mut [u8]) {
        let _ = self.out.flush(&mut self.socket);
        for _ in 0..4 {
            match self.socket.read(scratch) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        let _ = self.socket.shutdown(Shutdown::Write);
    }
}

/// A token bucket counting lines: `burst` at most, refilled at `rate` a second.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f32,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(burst: u32, now: Instant) -> TokenBucket {
        TokenBucket {
            tokens: burst as f32,
            updated: now,
        }
    }

    /// Whether a line may be taken now; if not, when the next token arrives.
    pub fn check(&mut self, rate: u32, burst: u32, now: Instant) -> Result<(), Instant> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f32();
        self.tokens = (self.tokens + elapsed * rate as f32).min(burst as f32);
        self.updated = now;
        if self.tokens >= 1.0 {
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / rate as f32;
            Err(now + Duration::from_secs_f32(wait))
        }
    }

    /// Spends one token (after [`check`](Self::check) allowed it).
    pub fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3, start);
        for _ in 0..3 {
            assert!(bucket.check(10, 3, start).is_ok());
            bucket.take();
        }
        let next = bucket.check(10, 3, start).unwrap_err();
        let wait = next - start;
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(101));
        assert!(bucket.check(10, 3, next).is_ok());
        // Long idleness refills only up to the burst.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(bucket.check(10, 3, later).is_ok());
            bucket.take();
        }
        assert!(bucket.check(10, 3, later).is_err());
    }
}
