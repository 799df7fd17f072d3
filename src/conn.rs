//! One chat connection: a byte transport ([`crate::transport`]: plain TCP
//! or TLS) times a codec ([`crate::codec`]: telnet) that turns its bytes
//! into lines and holds what is not yet a line; what we owe it, its flood
//! budget, and the poll interest that follows from its state.
//!
//! A `Conn` does its own I/O (read into the server's scratch buffer, flush
//! its queue, say goodbye) but never looks at other connections or decides
//! anything about the chat; the server moves bytes between connections and
//! decides when each one is serviced.

use crate::bucket::TokenBucket;
use crate::chat::{Farewell, Typing};
use crate::codec::Codec;
use crate::dialect::Kind;
use crate::framing::Frame;
use crate::outbound::Outbound;
use crate::transport::tls::{Session, Tls};
use crate::transport::{Tcp, Transport};
use bytes::Bytes;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use std::io;
use std::net::SocketAddr;

/// What one read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// `len` bytes of line text at the front of the scratch buffer;
    /// `replied` if the codec or the transport queued an answer (a telnet
    /// refusal, TLS handshake records) that needs a flush.
    Data {
        /// Data bytes.
        len: usize,
        /// Output was queued.
        replied: bool,
        /// Protocol commands (telnet negotiation) in the read.
        commands: u32,
    },
    /// The client closed its side.
    Eof,
    /// Nothing more to read until the next readiness event.
    Drained,
}

/// How output for one connection alone is written (see `Conn::own_output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnOutput {
    AsIs,
    Framed(crate::web::Mode),
    Dropped,
}

/// A connection's state, owned by the server's slab.
#[derive(Debug)]
pub struct Conn {
    /// How its bytes travel: plain TCP or TLS.
    transport: Transport,
    /// Frames the transport's bytes into lines; holds an unfinished one.
    codec: Codec,
    /// Where the client connects from, for logs and the per-address limit.
    pub peer: SocketAddr,
    /// Unique for the server's lifetime (and the chat's member id): a timer
    /// naming a slab key checks it, so a key reused by a newer connection
    /// never gets an older one's timer.
    pub id: u64,
    /// Output not yet written.
    out: Outbound,
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
    /// Line budget for flood control (spent and checked by
    /// [`crate::limits::flood::Flood`]).
    pub bucket: TokenBucket,
}

impl Conn {
    /// A new connection speaking `codec` (over TLS when `tls` is given)
    /// with the line budget `bucket`, registered for READABLE only: output
    /// is written first and WRITABLE is asked for only when it blocks.
    #[allow(clippy::too_many_arguments)]
    pub fn register(
        mut socket: TcpStream,
        codec: Codec,
        tls: Option<Session>,
        peer: SocketAddr,
        id: u64,
        bucket: TokenBucket,
        registry: &Registry,
        token: Token,
    ) -> io::Result<Conn> {
        registry.register(&mut socket, token, Interest::READABLE)?;
        let transport = match tls {
            None => Transport::Tcp(Tcp::new(socket)),
            Some(session) => Transport::Tls(Tls::new(socket, session)),
        };
        Ok(Conn {
            transport,
            codec,
            peer,
            id,
            out: Outbound::default(),
            registered: Interest::READABLE,
            readable: true,
            paused: false,
            closing: None,
            bucket,
        })
    }

    /// Reads once into `scratch` and decodes it there, retrying interrupted
    /// reads. A codec reply (a telnet refusal) is queued for the client at
    /// once.
    pub fn receive(&mut self, scratch: &mut [u8]) -> io::Result<Received> {
        loop {
            match self.transport.read(scratch) {
                Ok(None) => return Ok(Received::Eof),
                Ok(Some(n)) => {
                    // Allocates only when the read holds commands to answer.
                    let mut replies = Vec::new();
                    let decoded = self.codec.decode(&mut scratch[..n], &mut replies);
                    self.out.push_own(&replies);
                    if let Codec::Web(web) = &mut self.codec
                        && let Some(body) = web.take_body()
                    {
                        self.out.push(Bytes::from_static(body));
                    }
                    // TLS handshake records count as replies: flush them.
                    let replied = !replies.is_empty() || self.transport.wants_write();
                    return Ok(Received::Data {
                        len: decoded.data,
                        replied,
                        commands: decoded.commands,
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
    /// [`Codec::next_line`]).
    pub fn next_line(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
    ) -> Option<Frame> {
        self.codec.next_line(input, max_line, line)
    }

    /// Its IRC session, if it speaks IRC (on the IRC port, or over a
    /// WebSocket).
    pub fn irc(&mut self) -> Option<&mut crate::irc::session::Session> {
        match &mut self.codec {
            Codec::Irc(irc) => Some(&mut irc.session),
            Codec::Web(web) => Some(&mut web.irc.session),
            Codec::Telnet(_) => None,
        }
    }

    /// Its IRC session, read only.
    pub fn irc_ref(&self) -> Option<&crate::irc::session::Session> {
        match &self.codec {
            Codec::Irc(irc) => Some(&irc.session),
            Codec::Web(web) => Some(&web.irc.session),
            Codec::Telnet(_) => None,
        }
    }

    /// Its web codec, if it came in on the web listener.
    pub fn web(&mut self) -> Option<&mut crate::web::Web> {
        match &mut self.codec {
            Codec::Web(web) => Some(web),
            _ => None,
        }
    }

    /// Whether it came in on the web listener.
    pub fn came_from_web(&self) -> bool {
        matches!(self.codec, Codec::Web(_))
    }

    /// The message type of its WebSocket, once open.
    pub fn websocket(&self) -> Option<crate::web::Mode> {
        match &self.codec {
            Codec::Web(web) => web.mode(),
            _ => None,
        }
    }

    /// The rendering this connection reads: telnet, or IRC (over a
    /// WebSocket or not) in the style its capabilities ask for.
    pub fn dialect(&self) -> Kind {
        use crate::irc::cap::Cap;
        let Some(session) = self.irc_ref() else {
            return Kind::Telnet;
        };
        let style = crate::dialect::irc::Style {
            time: session.has(Cap::ServerTime),
            away: session.has(Cap::AwayNotify),
            tags: session.has(Cap::MessageTags),
            setname: session.has(Cap::Setname),
        };
        match self.websocket() {
            Some(mode) => Kind::WebSocket(style, mode),
            None => Kind::Irc(style),
        }
    }

    /// How output for this connection alone is written: as it is, framed
    /// for its WebSocket, or not at all (a web connection that is not an
    /// open WebSocket sends only its HTTP answer).
    fn own_output(&self) -> OwnOutput {
        match &self.codec {
            Codec::Web(web) => match web.mode() {
                Some(mode) => OwnOutput::Framed(mode),
                None => OwnOutput::Dropped,
            },
            _ => OwnOutput::AsIs,
        }
    }

    /// Whether it came over TLS.
    pub fn secure(&self) -> bool {
        matches!(self.transport, Transport::Tls(_))
    }

    /// Whether its TLS handshake is still going on (reading it then is
    /// a handshake step, CPU the loop rations).
    pub fn handshaking(&self) -> bool {
        self.transport.handshaking()
    }

    /// Input held in the server: an unfinished line, and lines left over.
    pub fn held_input(&self) -> usize {
        self.codec.held()
    }

    /// Keeps input that will be handled on a later turn.
    pub fn stash(&mut self, input: &[u8]) {
        self.codec.stash(input);
    }

    /// Queues a shared buffer (a broadcast) behind everything queued. It
    /// is in this connection's wire form already: a WebSocket reader's was
    /// framed by its dialect ([`crate::dialect::Kind::WebSocket`]).
    pub fn queue(&mut self, bytes: Bytes) {
        if self.own_output() != OwnOutput::Dropped {
            self.out.push(bytes);
        }
    }

    /// Queues bytes for this connection alone (see [`Outbound::push_own`]):
    /// lines of its dialect, framed here for a WebSocket.
    pub fn queue_own(&mut self, bytes: &[u8]) {
        match self.own_output() {
            OwnOutput::AsIs => self.out.push_own(bytes),
            OwnOutput::Framed(mode) => self
                .out
                .push_rendered(crate::web::outgoing::lines(bytes, mode)),
            OwnOutput::Dropped => {}
        }
    }

    /// Queues a buffer rendered for this connection alone (see
    /// [`Outbound::push_rendered`]): framed here for a WebSocket.
    pub fn queue_rendered(&mut self, bytes: Bytes) {
        match self.own_output() {
            OwnOutput::AsIs => self.out.push_rendered(bytes),
            OwnOutput::Framed(mode) => self
                .out
                .push_rendered(crate::web::outgoing::lines(&bytes, mode)),
            OwnOutput::Dropped => {}
        }
    }

    /// Bytes queued and not yet written, including what the transport
    /// holds (TLS records).
    pub fn queued(&self) -> usize {
        self.out.len() + self.transport.held()
    }

    /// The bytes that ask the client to hide, or show again, what its user
    /// types around a password prompt (see [`Codec::typing`]); the caller
    /// queues them like any output.
    pub fn typing(&mut self, typing: Typing) -> &'static [u8] {
        self.codec.typing(typing)
    }

    /// Whether the client must now be told that its typing shows (see
    /// [`Codec::take_typing_notice`]).
    pub fn take_typing_notice(&mut self) -> bool {
        self.codec.take_typing_notice()
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
    /// write what is queued, then the transport's goodbye (see
    /// [`Transport::finish`]).
    pub fn finish(&mut self, scratch: &mut [u8], registry: &Registry) {
        if let Codec::Web(web) = &mut self.codec
            && let Some(close) = web.goodbye()
        {
            self.out.push_own(&close);
        }
        let _ = self.out.flush(&mut self.transport);
        self.transport.finish(scratch, registry);
    }
}
