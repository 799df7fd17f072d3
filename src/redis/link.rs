//! One connection to Redis, driven by the poll loop (see the module doc of
//! [`crate::redis`] for the calls and their order): its state, commands,
//! deadlines and going down. The socket side (connecting, the poll
//! registration, reading and writing) is in `link/socket.rs`.

mod socket;

use super::backoff::Backoff;
use super::codec::{Decoder, EncodeError, Pipeline, Tag, Waiter, encode_command};
use super::{Auth, Event, LinkConfig, LinkError, SendError, State, Why, url};
use bytes::BytesMut;
use mio::net::TcpStream;
use mio::{Interest, Token};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Instant;

/// Most bytes one read asks the kernel for.
const READ_CHUNK: usize = 64 * 1024;

/// An emptied output buffer with more capacity than this is freed, so one
/// burst does not pin megabytes for the life of the link.
const SHRINK_ABOVE: usize = 1 << 20;

/// Where the connection is. [`State`] is this without the deadlines.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// TCP connect in progress.
    Connecting {
        deadline: Instant,
    },
    /// Connected; `AUTH` and/or `SELECT` sent, their replies awaited.
    Handshake {
        deadline: Instant,
    },
    Ready,
    Down {
        retry_at: Instant,
    },
}

/// A connection to one Redis server that reconnects by itself.
#[derive(Debug)]
pub struct Link {
    addr: SocketAddr,
    db: u32,
    /// Sent with `AUTH` first on every connection.
    auth: Option<Auth>,
    /// Replies of the handshake (`AUTH`, `SELECT`, `PING`) still awaited:
    /// the link is ready when none is.
    handshake: u8,
    /// Since when the link is ready. One that stayed ready as long as the
    /// longest wait has worked, and its next failure waits the shortest
    /// again; one dropped sooner (a Redis that refuses writes: `READONLY`,
    /// `OOM`) keeps backing off, so it is not retried ten times a second.
    ready_since: Option<Instant>,
    config: LinkConfig,
    phase: Phase,
    /// The current socket; `None` while down.
    socket: Option<TcpStream>,
    /// A dropped socket still in the poll: [`Link::reregister`] removes it
    /// (a `mio` source must be deregistered before it is dropped). Should
    /// the link drop twice with no reregister between, the older one is
    /// only closed, which on Linux also takes it out of epoll.
    retired: Option<TcpStream>,
    /// The caller's token, once [`Link::register`] was called.
    token: Option<Token>,
    /// What the current socket is registered for (`None`: not registered),
    /// so the poll is changed only when the wanted interest changes.
    registered: Option<Interest>,
    /// Encoded commands for the socket, written at the next flush.
    output: BytesMut,
    /// Commands sent before the link was ready. They must not reach Redis
    /// before `AUTH` and `SELECT` succeeded, or they would be refused or
    /// run in the wrong database.
    held: BytesMut,
    input: Decoder,
    pipeline: Pipeline,
    backoff: Backoff,
    /// Events not yet handed to the caller, and since when: a failed send
    /// queues some, and [`Link::next_deadline`] asks to be called at once.
    events: Vec<Event>,
    events_since: Instant,
    /// When bytes last came from Redis: a large reply still arriving (or
    /// one read just after this process was stopped) is not a stall.
    last_input: Instant,
}

impl Link {
    /// Parses `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]` and opens it
    /// ([`Link::open`]).
    pub fn new(url: &str, config: LinkConfig, now: Instant) -> Result<Link, LinkError> {
        let url = url::parse(url).map_err(LinkError::Url)?;
        Link::open(&url, config, now)
    }

    /// Resolves the URL's host (this blocks when it is a name: call it at
    /// start-up, never in the loop) and starts connecting to its first
    /// address, with the URL's credentials and database.
    pub fn open(url: &url::RedisUrl, config: LinkConfig, now: Instant) -> Result<Link, LinkError> {
        let addr = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(LinkError::Resolve)?
            .next()
            .ok_or_else(|| LinkError::Resolve(io::ErrorKind::NotFound.into()))?;
        Ok(Link::start(addr, url.db, url.auth.clone(), config, now))
    }

    /// Starts connecting to `addr`, using database `db` there, no `AUTH`.
    pub fn connect(addr: SocketAddr, db: u32, config: LinkConfig, now: Instant) -> Link {
        Link::start(addr, db, None, config, now)
    }

    fn start(
        addr: SocketAddr,
        db: u32,
        auth: Option<Auth>,
        config: LinkConfig,
        now: Instant,
    ) -> Link {
        let backoff = Backoff::new(config.backoff_min, config.backoff_max);
        let mut link = Link {
            addr,
            db,
            auth,
            handshake: 0,
            ready_since: None,
            config,
            phase: Phase::Down { retry_at: now },
            socket: None,
            retired: None,
            token: None,
            registered: None,
            output: BytesMut::new(),
            held: BytesMut::new(),
            input: Decoder::default(),
            pipeline: Pipeline::default(),
            backoff,
            events: Vec::new(),
            events_since: now,
            last_input: now,
        };
        link.start_connect(now);
        link
    }

    /// Where the link is.
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Connecting { .. } | Phase::Handshake { .. } => State::Connecting,
            Phase::Ready => State::Ready,
            Phase::Down { retry_at } => State::Down { retry_at },
        }
    }

    /// The Redis server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Attempts that failed in a row: connections that could not be made or
    /// dropped before they had been ready for `backoff_max`.
    pub fn failures(&self) -> u32 {
        self.backoff.failures()
    }

    /// Whether the last failure's wait was longer than the one before, or
    /// was the first: the waits grow, until they reach the longest.
    pub fn backoff_stepped(&self) -> bool {
        self.backoff.stepped()
    }

    /// Bytes of commands queued and not yet written (held ones included).
    pub fn buffered(&self) -> usize {
        self.output.len() + self.held.len()
    }

    /// Commands sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.pipeline.len()
    }

    /// Queues `command` (its name, then each argument) to be written at the
    /// next flush; its reply will come as [`Event::Reply`] with `tag`. While
    /// connecting, commands are held until the link is ready. If the queued
    /// output would pass `max_output`, the link is dropped: the `Lost` and
    /// `Down` events come from the next [`Link::on_timer`], which
    /// [`Link::next_deadline`] makes due at once.
    pub fn send(&mut self, tag: Tag, command: &[&[u8]], now: Instant) -> Result<(), SendError> {
        let buffered = self.buffered();
        let room = self.config.max_output.saturating_sub(buffered);
        let target = match self.phase {
            Phase::Down { .. } => return Err(SendError::Down),
            Phase::Ready => &mut self.output,
            Phase::Connecting { .. } | Phase::Handshake { .. } => &mut self.held,
        };
        match encode_command(target, command, room) {
            Ok(_) => {
                self.pipeline.push(Waiter::Caller(tag), now);
                Ok(())
            }
            Err(EncodeError::Empty) => Err(SendError::Empty),
            Err(EncodeError::Codec) => Err(SendError::Encode),
            Err(EncodeError::TooLarge) if buffered == 0 => Err(SendError::TooLarge),
            Err(EncodeError::TooLarge) => {
                self.go_down(Why::OutputFull, now);
                Err(SendError::Overflow)
            }
        }
    }

    /// When [`Link::on_timer`] must next be called: at once if events are
    /// waiting, else the connect deadline, the reply deadline of the oldest
    /// command, or the retry time.
    pub fn next_deadline(&self) -> Option<Instant> {
        if !self.events.is_empty() {
            return Some(self.events_since);
        }
        match self.phase {
            Phase::Connecting { deadline } | Phase::Handshake { deadline } => Some(deadline),
            Phase::Ready => self
                .pipeline
                .oldest()
                .map(|at| at.max(self.last_input) + self.config.reply_timeout),
            Phase::Down { retry_at } => Some(retry_at),
        }
    }

    /// Does what is due at `now`: a timeout drops the link, a link down
    /// past its retry time reconnects. Returns true when that made a new
    /// socket, which [`Link::reregister`] must add to the poll.
    pub fn on_timer(&mut self, now: Instant, out: &mut Vec<Event>) -> bool {
        let mut new_socket = false;
        match self.phase {
            Phase::Down { retry_at } if now >= retry_at => {
                self.start_connect(now);
                new_socket = self.socket.is_some();
            }
            Phase::Connecting { deadline } | Phase::Handshake { deadline } if now >= deadline => {
                self.go_down(Why::ConnectTimeout, now);
            }
            Phase::Ready => {
                let stalled =
                    |at: Instant| now >= at.max(self.last_input) + self.config.reply_timeout;
                if self.pipeline.oldest().is_some_and(stalled) {
                    self.go_down(Why::ReplyTimeout, now);
                }
            }
            _ => {}
        }
        out.append(&mut self.events);
        new_socket
    }

    /// Drops the connection: every command still owed a reply is `Lost`,
    /// buffers are freed, and a retry is set after the backoff.
    fn go_down(&mut self, why: Why, now: Instant) {
        if self.events.is_empty() {
            self.events_since = now;
        }
        self.events
            .extend(self.pipeline.abandon().map(|tag| Event::Lost { tag }));
        self.output = BytesMut::new();
        self.held = BytesMut::new();
        self.input.reset();
        self.handshake = 0;
        let stable = |at: Instant| now >= at + self.config.backoff_max;
        if self.ready_since.take().is_some_and(stable) {
            self.backoff.reset();
        }
        if let Some(socket) = self.socket.take()
            && self.registered.is_some()
        {
            self.retired = Some(socket);
        }
        self.registered = None;
        let retry_at = now + self.backoff.fail();
        self.phase = Phase::Down { retry_at };
        self.events.push(Event::Down { why, retry_at });
    }

    fn push(&mut self, event: Event, now: Instant) {
        if self.events.is_empty() {
            self.events_since = now;
        }
        self.events.push(event);
    }
}
