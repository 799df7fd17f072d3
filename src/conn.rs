//! One chat connection: the transport its bytes travel over, what it sent
//! that is not yet a line, what we owe it, its flood budget, and the poll
//! interest that follows from its state.
//!
//! A `Conn` does its own I/O (read into the server's scratch buffer, flush
//! its queue, say goodbye) but never looks at other connections or decides
//! anything about the chat; the server moves bytes between connections and
//! decides when each one is serviced.

use crate::bucket::{Rate, TokenBucket};
use crate::chat::Farewell;
use crate::framing::{Frame, LineReader, Telnet};
use crate::outbound::Outbound;
use crate::tls::Tls;
use bytes::Bytes;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::Instant;

/// How a connection's bytes travel: plain TCP or TLS, with the same
/// contract (read clean data, write, shut down), as Redis's
/// `ConnectionType` separates sockets from TLS.
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
    /// Telnet inside TLS (`--tls-addr`): the session turns records into
    /// plaintext, which the telnet parser then reads as on a plain socket.
    Tls {
        /// The non-blocking socket.
        socket: TcpStream,
        /// The TLS session.
        tls: Box<Tls>,
        /// The telnet command parser, over the plaintext.
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
            Transport::Tls {
                socket,
                tls,
                telnet,
            } => match tls.read(socket, buf)? {
                None => Ok(None),
                Some(n) => Ok(Some(telnet.strip(&mut buf[..n], replies))),
            },
        }
    }

    /// Whether a TLS handshake is still going on.
    fn handshaking(&self) -> bool {
        match self {
            Transport::Telnet { .. } => false,
            Transport::Tls { tls, .. } => tls.is_handshaking(),
        }
    }

    /// Whether the transport itself has bytes to write (TLS records: the
    /// handshake, encrypted output, an alert).
    fn wants_write(&self) -> bool {
        match self {
            Transport::Telnet { .. } => false,
            Transport::Tls { tls, .. } => tls.wants_write(),
        }
    }

    /// Bytes the transport itself holds for the peer (a TLS session's
    /// records not yet written, and plaintext before its handshake ended).
    fn held(&self) -> usize {
        match self {
            Transport::Telnet { .. } => 0,
            Transport::Tls { tls, .. } => tls.held(),
        }
    }

    /// Writes what [`Transport::wants_write`] holds, as far as the socket
    /// takes it.
    fn write_own(&mut self) -> io::Result<()> {
        match self {
            Transport::Telnet { .. } => Ok(()),
            Transport::Tls { socket, tls, .. } => match tls.write_records(socket) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                other => other,
            },
        }
    }

    /// Transport commands (telnet negotiation) read since the last call:
    /// they cost the sender flood budget like lines do.
    fn take_commands(&mut self) -> u32 {
        match self {
            Transport::Telnet { telnet, .. } | Transport::Tls { telnet, .. } => {
                telnet.take_commands()
            }
        }
    }

    fn socket(&mut self) -> &mut TcpStream {
        match self {
            Transport::Telnet { socket, .. } | Transport::Tls { socket, .. } => socket,
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Transport::Telnet { socket, .. } => socket.write_vectored(bufs),
            Transport::Tls { socket, tls, .. } => tls.write_vectored(socket, bufs),
        }
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
        /// Transport commands (telnet negotiation) in the read.
        commands: u32,
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
    /// Asked to hide typing (a password prompt) and no line since: see
    /// [`Conn::take_typing_notice`].
    typing_notice_due: bool,
}

impl Conn {
    /// A new connection (TLS when `tls` is given), registered for READABLE
    /// only: output is written first and WRITABLE is asked for only when it
    /// blocks.
    #[allow(clippy::too_many_arguments)]
    pub fn register(
        mut socket: TcpStream,
        tls: Option<Tls>,
        peer: SocketAddr,
        id: u64,
        rate: Rate,
        now: Instant,
        registry: &Registry,
        token: Token,
    ) -> io::Result<Conn> {
        registry.register(&mut socket, token, Interest::READABLE)?;
        let telnet = Telnet::default();
        let transport = match tls {
            None => Transport::Telnet { socket, telnet },
            Some(tls) => Transport::Tls {
                socket,
                tls: Box::new(tls),
                telnet,
            },
        };
        Ok(Conn {
            transport,
            peer,
            id,
            reader: LineReader::default(),
            out: Outbound::default(),
            replies: Vec::new(),
            registered: Interest::READABLE,
            readable: true,
            paused: false,
            closing: None,
            bucket: TokenBucket::full(rate, now),
            typing_notice_due: false,
        })
    }

    /// Reads once into `scratch`, retrying interrupted reads. A transport
    /// reply (a telnet refusal) is queued for the client at once.
    pub fn receive(&mut self, scratch: &mut [u8]) -> io::Result<Received> {
        loop {
            match self.transport.read(scratch, &mut self.replies) {
                Ok(None) => return Ok(Received::Eof),
                Ok(Some(len)) => {
                    // TLS handshake records count as replies: flush them.
                    let replied = !self.replies.is_empty() || self.transport.wants_write();
                    if replied {
                        self.out.push_own(&self.replies);
                        self.replies.clear();
                    }
                    let commands = self.transport.take_commands();
                    return Ok(Received::Data {
                        len,
                        replied,
                        commands,
                    });
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
        let frame = self.reader.next_line(input, max_line, line);
        if frame.is_some() {
            // Typed already: a notice now would land after the line.
            self.typing_notice_due = false;
        }
        frame
    }

    /// Whether its TLS handshake is still going on (reading it then is
    /// a handshake step, CPU the loop rations).
    pub fn handshaking(&self) -> bool {
        self.transport.handshaking()
    }

    /// Input held in the server: an unfinished line, and lines left over.
    pub fn held_input(&self) -> usize {
        self.reader.buffered()
    }

    /// Keeps input that will be handled on a later turn.
    pub fn stash(&mut self, input: &[u8]) {
        self.reader.stash(input);
    }

    /// Queues a shared buffer (a broadcast) behind everything queued.
    pub fn queue(&mut self, bytes: Bytes) {
        self.out.push(bytes);
    }

    /// Queues bytes for this connection alone (see [`Outbound::push_own`]).
    pub fn queue_own(&mut self, bytes: &[u8]) {
        self.out.push_own(bytes);
    }

    /// Bytes queued and not yet written, including what the transport
    /// holds (TLS records).
    pub fn queued(&self) -> usize {
        self.out.len() + self.transport.held()
    }

    fn telnet(&mut self) -> &mut Telnet {
        match &mut self.transport {
            Transport::Telnet { telnet, .. } | Transport::Tls { telnet, .. } => telnet,
        }
    }

    /// The telnet offer to echo that hides what the user types next (see
    /// [`Telnet::hide_typing`]); from now until a line arrives, the client
    /// is owed the notice that its typing shows, should it not agree.
    pub fn hide_typing(&mut self) -> &'static [u8] {
        self.typing_notice_due = true;
        self.telnet().hide_typing()
    }

    /// The telnet bytes that show typing again, and whether it was hidden
    /// (see [`Telnet::show_typing`]).
    pub fn show_typing(&mut self) -> (&'static [u8], bool) {
        self.typing_notice_due = false;
        self.telnet().show_typing()
    }

    /// Whether the client agreed to hide what its user types.
    pub fn typing_hidden(&mut self) -> bool {
        self.telnet().typing_hidden()
    }

    /// Whether the client must now be told that its typing shows: it was
    /// asked to hide it, has not agreed, and has typed nothing since. Once
    /// only.
    pub fn take_typing_notice(&mut self) -> bool {
        std::mem::take(&mut self.typing_notice_due) && !self.typing_hidden()
    }

    /// Whether the transport has bytes of its own to write (TLS records,
    /// such as the handshake's answer), so the connection needs a flush.
    pub fn wants_flush(&self) -> bool {
        self.transport.wants_write()
    }

    /// Memory the output queue holds (see [`Outbound::cost`]), plus what
    /// the transport holds for the peer: a TLS session's records are a
    /// copy of their own for each connection, so they count in full
    /// against `--max-outbuf` and `--max-output-memory`.
    pub fn queued_cost(&self) -> usize {
        self.out.cost() + self.transport.held()
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
        self.transport.write_own()?;
        let wanted = if self.out.is_empty() && !self.transport.wants_write() {
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
        if let Transport::Tls { tls, .. } = &mut self.transport {
            tls.close();
        }
        let _ = self.transport.write_own();
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
