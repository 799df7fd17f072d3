//! One chat connection: the transport its bytes travel over, what it sent
//! that is not yet a line, what we owe it, its flood budget, and the poll
//! interest that follows from its state.
//!
//! A `Conn` does its own I/O (read into the server's scratch buffer, flush
//! its queue, say goodbye) but never looks at other connections or decides
//! anything about the chat; the server moves bytes between connections and
//! decides when each one is serviced.

use crate::chat::Farewell;
use crate::framing::{Frame, LineReader, Telnet};
use crate::outbound::Outbound;
use bytes::Bytes;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

/// How a connection's bytes travel. One kind today; a TLS or WebSocket
/// connection would be another variant with the same contract (read clean
/// data, write, shut down), as Redis's `ConnectionType` separates sockets
/// from TLS.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP carrying telnet or raw `nc` bytes: telnet commands are
    /// stripped on the way in, and every option is refused.
    Telnet {
        /// The non-blocking socket.
        socket: TcpStream,
        /// The telnet command parser (commands may span reads).
        telnet: Telnet,
    },
}

impl Transport {
    /// Reads once into `buf` and returns how many data bytes are at its
    /// front (`Some(0)` if the read held only transport commands), or `None`
    /// at end of stream. Bytes the transport owes the peer go to `replies`.
    fn read(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> io::Result<Option<usize>> {
        match self {
            Transport::Telnet { socket, telnet } => match socket.read(buf)? {
                0 => Ok(None),
                n => Ok(Some(telnet.strip(&mut buf[..n], replies))),
            },
        }
    }

    fn socket(&mut self) -> &mut TcpStream {
        match self {
            Transport::Telnet { socket, .. } => socket,
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.socket().write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.socket().write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What one read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// `len` data bytes at the front of the scratch buffer; `replied` if
    /// the transport queued an answer (a telnet refusal) that needs a flush.
    Data {
        /// Data bytes.
        len: usize,
        /// Output was queued.
        replied: bool,
    },
    /// The client closed its side.
    Eof,
    /// Nothing more to read until the next readiness event.
    Drained,
}

/// A connection's state, owned by the server's slab.
#[derive(Debug)]
pub struct Conn {
    transport: Transport,
    /// Where the client connects from, for logs and the per-address limit.
    pub peer: SocketAddr,
    /// Unique for the server's lifetime (and the chat's member id): a timer
    /// naming a slab key checks it, so a key reused by a newer connection
    /// never gets an older one's timer.
    pub id: u64,
    /// Input not yet consumed as lines.
    reader: LineReader,
    /// Output not yet written.
    out: Outbound,
    /// Transport replies produced by the last read, before they are queued.
    replies: Vec<u8>,
    /// Interest registered with the poll, so it is changed (one syscall)
    /// only when what the state asks for changes.
    registered: Interest,
    /// The socket has not said `WouldBlock` since it was last reported
    /// readable: more input may be waiting in the kernel (mio is
    /// edge-triggered, so nobody will tell us again).
    pub readable: bool,
    /// Out of flood tokens; not read until its refill timer fires.
    pub paused: bool,
    /// Marked to be closed at the end of this iteration, and why; nothing
    /// more is queued for it and its input is ignored.
    pub closing: Option<Farewell>,
    /// Line budget for flood control.
    pub bucket: TokenBucket,
}

impl Conn {
    /// A new plain-TCP connection, registered for READABLE only: output is
    /// written first and WRITABLE is asked for only when it blocks.
    pub fn register(
        mut socket: TcpStream,
        peer: SocketAddr,
        id: u64,
        burst: u32,
        now: Instant,
        registry: &Registry,
        token: Token,
    ) -> io::Result<Conn> {
        registry.register(&mut socket, token, Interest::READABLE)?;
        Ok(Conn {
            transport: Transport::Telnet {
                socket,
                telnet: Telnet::default(),
            },
            peer,
            id,
            reader: LineReader::default(),
            out: Outbound::default(),
            replies: Vec::new(),
            registered: Interest::READABLE,
            readable: true,
            paused: false,
            closing: None,
            bucket: TokenBucket::new(burst, now),
        })
    }

    /// Reads once into `scratch`, retrying interrupted reads. A transport
    /// reply (a telnet refusal) is queued for the client at once.
    pub fn receive(&mut self, scratch: &mut [u8]) -> io::Result<Received> {
        loop {
            match self.transport.read(scratch, &mut self.replies) {
                Ok(None) => return Ok(Received::Eof),
                Ok(Some(len)) => {
                    let replied = !self.replies.is_empty();
                    if replied {
                        self.out.push(Bytes::copy_from_slice(&self.replies));
                        self.replies.clear();
                    }
                    return Ok(Received::Data { len, replied });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return Ok(Received::Drained);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next line from held input and then `input` (see
    /// [`LineReader::next_line`]).
    pub fn next_line(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
    ) -> Option<Frame> {
        self.reader.next_line(input, max_line, line)
    }

    /// Keeps input that will be handled on a later turn.
    pub fn stash(&mut self, input: &[u8]) {
        self.reader.stash(input);
    }

    /// Queues `bytes` behind everything already queued.
    pub fn queue(&mut self, bytes: Bytes) {
        self.out.push(bytes);
    }

    /// Bytes queued and not yet written.
    pub fn queued(&self) -> usize {
        self.out.len()
    }

    /// Drops queued output not yet begun (before a last notice to a reader
    /// that cannot take what it has).
    pub fn drop_unstarted(&mut self) {
        self.out.drop_unstarted();
    }

    /// Writes queued output until it is gone or the socket would block, and
    /// returns the bytes written. Interest is not touched (see [`flush`]).
    ///
    /// [`flush`]: Self::flush
    pub fn write_queued(&mut self) -> io::Result<usize> {
        let before = self.out.len();
        let result = self.out.flush(&mut self.transport);
        let written = before - self.out.len();
        result.map(|_| written)
    }

    /// Writes queued output, then registers the interest that follows from
    /// what is left: WRITABLE only while bytes remain. Returns bytes written.
    pub fn flush(&mut self, registry: &Registry, token: Token) -> io::Result<usize> {
        let written = self.write_queued()?;
        let wanted = if self.out.is_empty() {
            Interest::READABLE
        } else {
            Interest::READABLE | Interest::WRITABLE
        };
        if wanted != self.registered {
            registry.reregister(self.transport.socket(), token, wanted)?;
            self.registered = wanted;
        }
        Ok(written)
    }

    /// Last words before the socket is dropped: one non-blocking attempt to
    /// write what is queued, then a bounded read of whatever the client sent
    /// that we will not handle (closing a socket with unread input makes the
    /// kernel send a reset, which can destroy the data we just wrote before
    /// the client reads it), then FIN; and the socket leaves the poll.
    pub fn finish(&mut self, scratch: &mut [u8], registry: &Registry) {
        let _ = self.out.flush(&mut self.transport);
        let socket = self.transport.socket();
        for _ in 0..4 {
            match socket.read(scratch) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        let _ = socket.shutdown(Shutdown::Write);
        let _ = registry.deregister(socket);
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
