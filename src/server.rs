//! The poll loop: it owns the listener, every connection, the room, and the
//! lists of work left for later in the iteration; it applies what sessions
//! decide. Protocol rules live in `session`, rendering in `room`.
//!
//! One iteration:
//! 1. wait in `poll` (no longer than the next timer, not at all if work is left);
//! 2. handle events: accept until `WouldBlock`, read ready connections and turn
//!    their lines into outcomes, note writable ones;
//! 3. serve connections with input left over from their per-iteration budget;
//! 4. fire due timers (login and idle timeouts, flood refills);
//! 5. close marked connections (announcing leaves), then flush every
//!    connection with pending output once, asking for WRITABLE only where
//!    bytes remain.

use crate::config::{self, Config};
use crate::conn::Conn;
use crate::framing::Frame;
use crate::http::MetricsConn;
use crate::metrics::{Gauges, Metrics};
use crate::room::Room;
use crate::session::{HELP, Outcome, PROMPT, Session};
use bytes::Bytes;
use log::{debug, info, warn};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lines one connection may have handled per iteration, so a flooder cannot
/// starve the others; the rest waits in its reader for the next iteration.
const LINES_PER_TURN: usize = 64;

/// Reads (of up to [`SCRATCH_SIZE`] bytes) one connection may do per iteration.
const READS_PER_TURN: usize = 4;

/// The shared read buffer. Every connection is read into it in turn; only an
/// unfinished line is copied out and kept by its connection.
const SCRATCH_SIZE: usize = 64 * 1024;

/// How long the server stops accepting after the process runs out of file
/// descriptors, instead of spinning on a listener that stays readable.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// How long shutdown waits for output to drain before exiting anyway.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

/// Per-connection log lines allowed per second before they are summarised,
/// so a flood of bad connections cannot flood the log.
const LOG_LINES_PER_SEC: u32 = 50;

/// Work (deliveries, plus a share per closed connection) after which freed
/// memory is handed back to the OS the next time the loop goes idle. A join
/// storm or a burst of traffic frees many small queues and lines; without
/// this the allocator would keep those pages resident.
const TRIM_AFTER: u64 = 20_000;

/// Greeting sent on connect: a line, then the prompt with no line end.
const GREETING: &str = "Welcome to linechat!";

/// Everything the slab holds: the mio `Token` of a source is its slab key.
#[derive(Debug)]
enum Slot {
    /// The chat listener.
    Listener(TcpListener),
    /// The `/metrics` listener.
    MetricsListener(TcpListener),
    /// SIGINT/SIGTERM delivered through a self-pipe.
    Signals(SignalSource),
    /// The waker behind [`ShutdownHandle`].
    Waker,
    /// A chat connection.
    Client(Conn),
    /// A `/metrics` HTTP connection.
    Metrics(MetricsConn),
}

/// The signal pipe (a newtype only to give it a `Debug`).
struct SignalSource(signal_hook_mio::v1_0::Signals);

impl std::fmt::Debug for SignalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignalSource")
    }
}

/// Why a connection is being closed, and what it is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Farewell {
    /// The client sent `/quit`.
    Quit,
    /// The client closed its side.
    Eof,
    /// Reading or writing the socket failed.
    Error,
    /// Its output queue passed `--max-outbuf`.
    TooSlow,
    /// It sat at the name prompt too long.
    LoginTimeout,
    /// It said nothing for `--idle-timeout`.
    IdleTimeout,
}

impl Farewell {
    /// The last notice the client is sent, if any.
    fn notice(self) -> Option<&'static str> {
        match self {
            Farewell::Quit => Some("Bye!"),
            Farewell::TooSlow => Some("Disconnected: too slow"),
            Farewell::LoginTimeout => Some("Login timed out"),
            Farewell::IdleTimeout => Some("Disconnected: idle for too long"),
            Farewell::Eof | Farewell::Error => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Farewell::Quit => "quit",
            Farewell::Eof => "closed",
            Farewell::Error => "connection error",
            Farewell::TooSlow => "too slow",
            Farewell::LoginTimeout => "login timeout",
            Farewell::IdleTimeout => "idle timeout",
        }
    }
}

/// Something to do at a given time. Timers are checked lazily: when one
/// fires, the connection it names is looked up by key and matched by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: Instant,
    kind: TimerKind,
    key: usize,
    id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    /// Close the connection if it is still at the name prompt.
    Login,
    /// Close the user if they have been silent for `--idle-timeout`.
    Idle,
    /// The connection's flood bucket has a token again.
    Refill,
    /// Try accepting again after running out of descriptors.
    Accept,
    /// A `/metrics` connection's deadline.
    Metrics,
}

/// Lets another thread ask a running server to shut down as on SIGTERM.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    waker: Arc<Waker>,
}

impl ShutdownHandle {
    /// Starts the shutdown: notice to everyone, drain, `run` returns.
    pub fn shutdown(&self) -> io::Result<()> {
        self.waker.wake()
    }
}

/// Summarises per-connection log lines beyond [`LOG_LINES_PER_SEC`].
#[derive(Debug)]
struct LogLimit {
    window: Instant,
    lines: u32,
    suppressed: u64,
}

impl LogLimit {
    /// Whether one more line may be logged now.
    fn allow(&mut self, now: Instant) -> bool {
        if now.duration_since(self.window) >= Duration::from_secs(1) {
            if self.suppressed > 0 {
                warn!(
                    "{} more connection log lines suppressed in the last second",
                    self.suppressed
                );
            }
            self.window = now;
            self.lines = 0;
            self.suppressed = 0;
        }
        self.lines += 1;
        let allowed = self.lines <= LOG_LINES_PER_SEC;
        if !allowed {
            self.suppressed += 1;
        }
        allowed
    }
}

/// Logs one per-connection line at `level`, subject to the log limit.
macro_rules! conn_log {
    ($server:expr, $level:ident, $($arg:tt)+) => {
        if log::log_enabled!(log::Level::$level) && $server.log_limit.allow($server.now) {
            log::log!(log::Level::$level, $($arg)+);
        }
    };
}

/// The chat server: one thread, one poll, one room.
#[derive(Debug)]
pub struct Server {
    poll: Poll,
    /// The listener, signal source, waker and every connection.
    slots: Slab<Slot>,
    listener_key: usize,
    room: Room,
    config: Config,
    /// `--max-clients`, resolved from the open-file limit if not given.
    max_clients: usize,
    /// Chat connections open (at the prompt or chatting).
    clients: usize,
    /// Open connections per source address, kept only with `--max-per-ip`.
    per_ip: HashMap<IpAddr, u32>,
    /// Id for the next connection.
    next_id: u64,
    /// The time at the start of this iteration's work.
    now: Instant,
    /// The shared read buffer (see [`SCRATCH_SIZE`]).
    scratch: Vec<u8>,
    /// The line being handled, cleaned; reused for every line.
    line: String,
    /// Telnet refusals produced by the last read.
    telnet_replies: Vec<u8>,
    /// Connections with output queued this iteration, flushed once at its end.
    flush_list: Vec<usize>,
    /// Connections with input left over from their budget.
    backlog: Vec<usize>,
    /// Connections to close at the end of this iteration, and why.
    close_list: Vec<(usize, Farewell)>,
    timers: BinaryHeap<Reverse<Timer>>,
    /// The greeting and prompt, rendered once (unless timestamps are on).
    greeting: Bytes,
    /// Set once shutdown starts: the time to stop waiting for output to drain.
    shutdown_deadline: Option<Instant>,
    metrics: Metrics,
    /// Open `/metrics` connections.
    metrics_clients: usize,
    log_limit: LogLimit,
    /// Work done since freed memory was last returned (see [`TRIM_AFTER`]).
    trim_debt: u64,
    /// Chat lines and actions from the connection being served, rendered
    /// back to back. They go out as one shared buffer when its turn ends (or
    /// before anything that must follow them), so a recipient's queue gets
    /// one entry per sender per iteration rather than one per line.
    batch: Vec<u8>,
    /// Lines in `batch`.
    batch_lines: u64,
    /// Who the lines in `batch` are from (they are not sent back to them).
    batch_from: usize,
}

impl Server {
    /// Prepares the loop around an already bound chat listener (and the
    /// metrics listener, if any). `--max-clients` defaults to what the
    /// current open-file limit allows (`main` raises it first).
    pub fn new(
        listener: std::net::TcpListener,
        metrics: Option<std::net::TcpListener>,
        config: Config,
    ) -> io::Result<Server> {
        let max_clients = config
            .max_clients
            .unwrap_or_else(|| config::max_clients_for(crate::sys::fd_limit()));
        let poll = Poll::new()?;
        let mut slots = Slab::with_capacity(max_clients.min(1 << 16) + 8);
        listener.set_nonblocking(true)?;
        let mut listener = TcpListener::from_std(listener);
        let listener_key = slots.vacant_entry().key();
        poll.registry()
            .register(&mut listener, Token(listener_key), Interest::READABLE)?;
        slots.insert(Slot::Listener(listener));
        if let Some(metrics) = metrics {
            metrics.set_nonblocking(true)?;
            let mut metrics = TcpListener::from_std(metrics);
            let entry = slots.vacant_entry();
            poll.registry()
                .register(&mut metrics, Token(entry.key()), Interest::READABLE)?;
            entry.insert(Slot::MetricsListener(metrics));
        }
        let now = Instant::now();
        let room = Room::new(config.timestamps);
        let greeting = render_greeting(&room);
        Ok(Server {
            poll,
            slots,
            listener_key,
            room,
            max_clients,
            clients: 0,
            per_ip: HashMap::new(),
            next_id: 0,
            now,
            scratch: vec![0; SCRATCH_SIZE],
            line: String::new(),
            telnet_replies: Vec::new(),
            flush_list: Vec::new(),
            backlog: Vec::new(),
            close_list: Vec::new(),
            timers: BinaryHeap::new(),
            greeting,
            shutdown_deadline: None,
            metrics: Metrics::default(),
            metrics_clients: 0,
            log_limit: LogLimit {
                window: now,
                lines: 0,
                suppressed: 0,
            },
            trim_debt: 0,
            batch: Vec::new(),
            batch_lines: 0,
            batch_from: 0,
            config,
        })
    }

    /// The chat listener's address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.slots.get(self.listener_key) {
            Some(Slot::Listener(l)) => l.local_addr(),
            _ => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// The metrics listener's address, if `--metrics-addr` was given.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.slots.iter().find_map(|(_, slot)| match slot {
            Slot::MetricsListener(l) => l.local_addr().ok(),
            _ => None,
        })
    }

    /// Makes SIGINT and SIGTERM start a graceful shutdown.
    pub fn handle_signals(&mut self) -> io::Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook_mio::v1_0::Signals::new([SIGINT, SIGTERM])?;
        let entry = self.slots.vacant_entry();
        self.poll
            .registry()
            .register(&mut signals, Token(entry.key()), Interest::READABLE)?;
        entry.insert(Slot::Signals(SignalSource(signals)));
        Ok(())
    }

    /// A handle another thread can use to shut the server down.
    pub fn shutdown_handle(&mut self) -> io::Result<ShutdownHandle> {
        let key = self.slots.insert(Slot::Waker);
        let waker = Arc::new(Waker::new(self.poll.registry(), Token(key))?);
        Ok(ShutdownHandle { waker })
    }

    /// Runs until shut down by a signal or a [`ShutdownHandle`]. Errors of
    /// single connections never end the loop; only a failing `poll` does.
    pub fn run(mut self) -> io::Result<()> {
        info!(
            "listening on {} (max clients {})",
            self.local_addr()?,
            self.max_clients
        );
        if let Some(addr) = self.metrics_addr() {
            info!("metrics on http://{addr}/metrics");
        }
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = self.poll_timeout();
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                return Err(e);
            }
            self.now = Instant::now();
            for event in events.iter() {
                self.dispatch(event);
            }
            self.serve_backlog();
            self.fire_timers();
            self.settle();
            if let Some(deadline) = self.shutdown_deadline
                && (self.now >= deadline || self.all_output_drained())
            {
                self.close_all();
                info!("shut down");
                return Ok(());
            }
            let took = self.now.elapsed();
            self.metrics.observe_iteration(took);
            if took > Duration::from_millis(20) {
                debug!(
                    "slow iteration: {took:?} for {} events",
                    events.iter().count()
                );
            }
            if self.trim_debt >= TRIM_AFTER && self.poll_timeout() != Some(Duration::ZERO) {
                let started = Instant::now();
                crate::sys::return_free_memory();
                self.trim_debt = 0;
                debug!("returned free memory in {:?}", started.elapsed());
            }
        }
    }

    /// How long `poll` may sleep: not at all if work is left over, else
    /// until the next timer, else indefinitely.
    fn poll_timeout(&self) -> Option<Duration> {
        if !self.backlog.is_empty() || !self.flush_list.is_empty() || !self.close_list.is_empty() {
            return Some(Duration::ZERO);
        }
        let now = Instant::now();
        let timer = self.timers.peek().map(|Reverse(t)| t.at);
        [timer, self.shutdown_deadline]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.saturating_duration_since(now))
    }

    /// Routes one readiness event by its token. Unknown tokens (a slot closed
    /// earlier in this batch cannot be one: slots are removed only after the
    /// batch) are ignored, as spurious events may happen.
    fn dispatch(&mut self, event: &mio::event::Event) {
        let key = event.token().0;
        match self.slots.get_mut(key) {
            Some(Slot::Listener(_)) => self.accept_all(),
            Some(Slot::MetricsListener(_)) => self.accept_metrics(key),
            Some(Slot::Signals(signals)) => {
                // Reading the pipe empty is what re-arms its readiness.
                let signalled = signals.0.pending().count() > 0;
                if signalled {
                    self.begin_shutdown();
                }
            }
            Some(Slot::Waker) => self.begin_shutdown(),
            Some(Slot::Client(conn)) => {
                if event.is_writable() {
                    mark_flush(&mut self.flush_list, key, conn);
                }
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    conn.readable = true;
                    if !conn.paused && self.shutdown_deadline.is_none() {
                        self.serve_input(key);
                    }
                }
            }
            Some(Slot::Metrics(_)) => self.serve_metrics(key),
            None => {}
        }
    }

    /// Accepts until `WouldBlock`. Running out of descriptors pauses accepting
    /// briefly instead of returning to a listener that stays readable.
    fn accept_all(&mut self) {
        loop {
            let Some(Slot::Listener(listener)) = self.slots.get(self.listener_key) else {
                return;
            };
            match listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if crate::sys::is_resource_exhaustion(&e) => {
                    conn_log!(self, Warn, "accept failed ({e}); pausing accepts briefly");
                    self.timers.push(Reverse(Timer {
                        at: self.now + ACCEPT_PAUSE,
                        kind: TimerKind::Accept,
                        key: self.listener_key,
                        id: 0,
                    }));
                    return;
                }
                // The connection died before we took it (ECONNABORTED and the like).
                Err(e) => debug!("accept failed: {e}"),
            }
        }
    }

    /// Takes in one accepted socket, or turns it away with a reason.
    fn admit(&mut self, mut socket: TcpStream, peer: SocketAddr) {
        self.metrics.accepted += 1;
        if self.clients >= self.max_clients {
            self.metrics.rejected_full += 1;
            conn_log!(self, Warn, "server full, refusing {peer}");
            refuse(
                socket,
                &self.room.notice(&["Server is full, try again later"]),
            );
            return;
        }
        if self.config.max_per_ip > 0 {
            let count = self.per_ip.get(&peer.ip()).copied().unwrap_or(0);
            if count as usize >= self.config.max_per_ip {
                self.metrics.rejected_per_ip += 1;
                conn_log!(
                    self,
                    Warn,
                    "too many connections from {}, refusing",
                    peer.ip()
                );
                refuse(
                    socket,
                    &self
                        .room
                        .notice(&["Too many connections from your address"]),
                );
                return;
            }
            self.per_ip.insert(peer.ip(), count + 1);
        }
        // The loop already sends one write per peer per iteration; Nagle would
        // only hold those back waiting for ACKs.
        let _ = socket.set_nodelay(true);
        let entry = self.slots.vacant_entry();
        let key = entry.key();
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut socket, Token(key), Interest::READABLE)
        {
            warn!("cannot register {peer}: {e}");
            self.release_ip(peer.ip());
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut conn = Conn::new(socket, peer, id, self.config.burst, self.now);
        conn.out.push(if self.config.timestamps {
            render_greeting(&self.room)
        } else {
            self.greeting.clone()
        });
        conn.pending_flush = true;
        entry.insert(Slot::Client(conn));
        self.flush_list.push(key);
        self.clients += 1;
        self.timers.push(Reverse(Timer {
            at: self.now + self.config.login_timeout,
            kind: TimerKind::Login,
            key,
            id,
        }));
        debug!("connection from {peer}");
    }

    fn release_ip(&mut self, ip: IpAddr) {
        if let Some(count) = self.per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }

    /// Serves connections whose input was left over last time.
    fn serve_backlog(&mut self) {
        if self.shutdown_deadline.is_some() {
            self.backlog.clear();
            return;
        }
        let backlog = std::mem::take(&mut self.backlog);
        for &key in &backlog {
            if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
                conn.in_backlog = false;
                if !conn.paused {
                    self.serve_input(key);
                }
            }
        }
        // Reuse the list's allocation unless serving queued new entries.
        if self.backlog.is_empty() {
            self.backlog = backlog;
            self.backlog.clear();
        }
    }

    /// Handles a connection's input: lines already held first, then fresh
    /// reads until `WouldBlock`, within the per-iteration budget and the
    /// flood-control bucket. Whatever is not handled stays in its reader.
    fn serve_input(&mut self, key: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut line = std::mem::take(&mut self.line);
        self.read_lines(key, &mut scratch, &mut line);
        self.scratch = scratch;
        self.line = line;
        self.send_batch();
    }

    fn read_lines(&mut self, key: usize, scratch: &mut [u8], line: &mut String) {
        let (rate, burst, max_line) = (self.config.rate, self.config.burst, self.config.max_line);
        let mut lines_left = LINES_PER_TURN;
        let mut reads_left = READS_PER_TURN;
        let mut filled = 0;
        loop {
            let mut input = &scratch[..filled];
            loop {
                let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
                    return;
                };
                if conn.closing {
                    return;
                }
                if lines_left == 0 {
                    conn.reader.stash(input);
                    if !conn.in_backlog {
                        conn.in_backlog = true;
                        self.backlog.push(key);
                    }
                    return;
                }
                if rate > 0
                    && let Err(refill) = conn.bucket.check(rate, burst, self.now)
                {
                    conn.reader.stash(input);
                    conn.paused = true;
                    self.metrics.flood_pauses += 1;
                    self.timers.push(Reverse(Timer {
                        at: refill,
                        kind: TimerKind::Refill,
                        key,
                        id: conn.id,
                    }));
                    return;
                }
                let Some(frame) = conn.reader.next_line(&mut input, max_line, line) else {
                    break;
                };
                conn.bucket.take();
                lines_left -= 1;
                self.handle_frame(key, frame, line);
            }

            let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
                return;
            };
            if !conn.readable {
                return;
            }
            if reads_left == 0 {
                if !conn.in_backlog {
                    conn.in_backlog = true;
                    self.backlog.push(key);
                }
                return;
            }
            reads_left -= 1;
            filled = 0;
            match conn.socket.read(scratch) {
                Ok(0) => {
                    // The client is gone: a last unterminated line still counts.
                    let mut end: &[u8] = b"\n";
                    if let Some(frame) = conn.reader.next_line(&mut end, max_line, line) {
                        self.handle_frame(key, frame, line);
                    }
                    self.mark_close(key, Farewell::Eof);
                    return;
                }
                Ok(n) => {
                    filled = conn
                        .reader
                        .telnet
                        .strip(&mut scratch[..n], &mut self.telnet_replies);
                    if !self.telnet_replies.is_empty() {
                        let replies = Bytes::copy_from_slice(&self.telnet_replies);
                        self.telnet_replies.clear();
                        self.send(key, replies);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    conn.readable = false;
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    debug!("read from {} failed: {e}", conn.peer);
                    self.mark_close(key, Farewell::Error);
                    return;
                }
            }
        }
    }

    /// Applies one framed line from the connection at `key`.
    fn handle_frame(&mut self, key: usize, frame: Frame, line: &str) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
            // The user pressed Enter: the cursor is on a fresh line.
            conn.prompt_pending = false;
        }
        if frame == Frame::TooLong {
            let text = format!(
                "Line too long (max {} bytes), not sent",
                self.config.max_line
            );
            let notice = self.room.notice(&[&text]);
            self.send(key, notice);
            return;
        }
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        let outcome = conn.session.on_line(line, key, &self.room);
        self.apply(key, outcome);
    }

    /// Carries out what the session decided.
    fn apply(&mut self, key: usize, outcome: Outcome<'_>) {
        let now = self.now;
        let batched = matches!(outcome, Outcome::Say(_) | Outcome::Me(_));
        if !batched || self.batch_from != key {
            // Whatever this line causes comes after the lines before it.
            self.send_batch();
        }
        match outcome {
            Outcome::Ignore => {}
            Outcome::Notice(text) => {
                let notice = self.room.notice(&[&text]);
                self.send(key, notice);
            }
            Outcome::Retry(text) => {
                let notice = self.room.notice(&[&text]);
                self.send(key, notice);
                self.send(key, Bytes::from_static(PROMPT.as_bytes()));
                if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
                    conn.prompt_pending = true;
                }
            }
            Outcome::Join(name) => {
                let Some((id, peer)) = self.client(key).map(|c| (c.id, c.peer)) else {
                    return;
                };
                self.room.join(key, name, now);
                self.metrics.logins += 1;
                let list = self.room.online_list(None);
                let welcome = self.room.notice(&["Welcome, ", name, "! ", &list]);
                self.send(key, welcome);
                let joined = self.room.notice(&[name, " has joined"]);
                self.broadcast(Some(key), joined);
                if let Some(idle) = self.config.idle_timeout {
                    self.timers.push(Reverse(Timer {
                        at: now + idle,
                        kind: TimerKind::Idle,
                        key,
                        id,
                    }));
                }
                conn_log!(self, Info, "{name} joined from {peer}");
            }
            Outcome::Say(text) => {
                let Some(name) = self.room.name_of(key) else {
                    return;
                };
                log::debug!("{name}: {text}");
                self.room.push_line(&mut self.batch, &[name, ": ", text]);
                self.batch_lines += 1;
                self.batch_from = key;
                self.spoke(key);
            }
            Outcome::Me(text) => {
                let Some(name) = self.room.name_of(key) else {
                    return;
                };
                self.room
                    .push_line(&mut self.batch, &["* ", name, " ", text]);
                self.batch_lines += 1;
                self.batch_from = key;
                self.spoke(key);
            }
            Outcome::Msg { to, text } => {
                let (Some(from), Some(to_name)) = (self.room.name_of(key), self.room.name_of(to))
                else {
                    return;
                };
                let delivered = self.room.line(&["[pm] ", from, ": ", text]);
                let echo = self.room.line(&["[pm -> ", to_name, "] ", text]);
                self.spoke(key);
                self.send(to, delivered);
                self.metrics.deliveries += 1;
                self.send(key, echo);
            }
            Outcome::Nick(new) => {
                let Some(old) = self.room.rename(key, new) else {
                    return;
                };
                let confirm = self.room.notice(&["You are now known as ", new]);
                self.send(key, confirm);
                let told = self.room.notice(&[&old, " is now known as ", new]);
                self.broadcast(Some(key), told);
                conn_log!(self, Info, "{old} is now known as {new}");
            }
            Outcome::Who => {
                let list = self.room.online_list(Some(now));
                let notice = self.room.notice(&[&list]);
                self.send(key, notice);
            }
            Outcome::Help => {
                let mut text = Vec::new();
                for line in HELP {
                    self.room.push_line(&mut text, &["*** ", line]);
                }
                self.send(key, Bytes::from(text));
            }
            Outcome::Quit => self.mark_close(key, Farewell::Quit),
        }
    }

    /// Broadcasts the batched lines of the connection just served.
    fn send_batch(&mut self) {
        if self.batch_lines > 0 {
            let lines = std::mem::take(&mut self.batch_lines);
            let batch = Bytes::from(std::mem::take(&mut self.batch));
            self.broadcast_lines(Some(self.batch_from), batch, lines);
        }
    }

    /// Counts a message from the user at `key` and notes their activity.
    fn spoke(&mut self, key: usize) {
        self.metrics.messages += 1;
        self.room.touch(key, self.now);
    }

    fn client(&self, key: usize) -> Option<&Conn> {
        match self.slots.get(key) {
            Some(Slot::Client(conn)) => Some(conn),
            _ => None,
        }
    }

    /// Queues `bytes` for one connection.
    fn send(&mut self, key: usize, bytes: Bytes) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
            queue(
                conn,
                key,
                bytes,
                &mut Queues {
                    flush_list: &mut self.flush_list,
                    close_list: &mut self.close_list,
                    metrics: &mut self.metrics,
                    max_outbuf: self.config.max_outbuf,
                },
            );
        }
    }

    /// Queues one shared line for every chatting user except `except`.
    fn broadcast(&mut self, except: Option<usize>, line: Bytes) {
        self.broadcast_lines(except, line, 1);
    }

    /// Queues `bytes` (holding `lines` lines) for every chatting user except
    /// `except`. This is the hot path: per recipient it is one refcount
    /// increment and one queue push, and no allocation.
    fn broadcast_lines(&mut self, except: Option<usize>, bytes: Bytes, lines: u64) {
        let mut queues = Queues {
            flush_list: &mut self.flush_list,
            close_list: &mut self.close_list,
            metrics: &mut self.metrics,
            max_outbuf: self.config.max_outbuf,
        };
        for &key in self.room.members() {
            if Some(key) == except {
                continue;
            }
            if let Some(Slot::Client(conn)) = self.slots.get_mut(key) {
                queues.metrics.deliveries += lines;
                queue(conn, key, bytes.clone(), &mut queues);
            }
        }
        self.trim_debt += self.room.len() as u64;
    }

    /// Marks a connection to be closed at the end of this iteration.
    fn mark_close(&mut self, key: usize, why: Farewell) {
        if let Some(Slot::Client(conn)) = self.slots.get_mut(key)
            && !conn.closing
        {
            conn.closing = true;
            self.close_list.push((key, why));
        }
    }

    /// Fires every timer that is due.
    fn fire_timers(&mut self) {
        while let Some(&Reverse(timer)) = self.timers.peek() {
            if timer.at > self.now {
                break;
            }
            self.timers.pop();
            match timer.kind {
                TimerKind::Accept => {
                    self.accept_all();
                    continue;
                }
                TimerKind::Metrics => {
                    // A later metrics connection on the same key has a later
                    // deadline, which `serve_metrics` checks.
                    self.serve_metrics(timer.key);
                    continue;
                }
                _ => {}
            }
            let Some(Slot::Client(conn)) = self.slots.get_mut(timer.key) else {
                continue;
            };
            if conn.id != timer.id || conn.closing {
                continue; // A timer for a connection that is gone.
            }
            match timer.kind {
                TimerKind::Login if conn.session == Session::AwaitingName => {
                    self.metrics.login_timeouts += 1;
                    let peer = conn.peer;
                    conn_log!(self, Info, "login timeout for {peer}");
                    self.mark_close(timer.key, Farewell::LoginTimeout);
                }
                TimerKind::Idle => {
                    let Some(idle) = self.config.idle_timeout else {
                        continue;
                    };
                    let Some(last) = self.room.last_active(timer.key) else {
                        continue;
                    };
                    if self.now >= last + idle {
                        self.metrics.idle_timeouts += 1;
                        self.mark_close(timer.key, Farewell::IdleTimeout);
                    } else {
                        self.timers.push(Reverse(Timer {
                            at: last + idle,
                            ..timer
                        }));
                    }
                }
                TimerKind::Refill if conn.paused => {
                    conn.paused = false;
                    if self.shutdown_deadline.is_none() {
                        self.serve_input(timer.key);
                    }
                }
                _ => {}
            }
        }
    }

    /// Closes marked connections and flushes pending output, until closing
    /// produces no new work for this iteration.
    fn settle(&mut self) {
        loop {
            while !self.close_list.is_empty() {
                let list = std::mem::take(&mut self.close_list);
                for (key, why) in list {
                    self.close(key, why);
                }
            }
            self.flush_all();
            if self.close_list.is_empty() {
                return;
            }
        }
    }

    /// Flushes every connection with pending output once.
    fn flush_all(&mut self) {
        let mut list = std::mem::take(&mut self.flush_list);
        for &key in &list {
            let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
                continue;
            };
            conn.pending_flush = false;
            if conn.closing {
                continue; // Its last words are written by `close`.
            }
            let before = conn.out.len();
            let result = conn.flush(self.poll.registry(), Token(key));
            self.metrics.bytes_written += (before - conn.out.len()) as u64;
            if let Err(e) = result {
                debug!("write to {} failed: {e}", conn.peer);
                conn.closing = true;
                self.close_list.push((key, Farewell::Error));
            }
        }
        list.clear();
        if self.flush_list.is_empty() {
            self.flush_list = list;
        }
    }

    /// Closes one connection: its last notice, then the socket, then the
    /// leave announcement to everyone still in the room.
    fn close(&mut self, key: usize, why: Farewell) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if let Some(text) = why.notice() {
            if why == Farewell::TooSlow {
                // It cannot take what it has; keep only a started line so the
                // notice begins on a line of its own.
                conn.out.drop_unstarted();
            }
            if conn.prompt_pending {
                conn.out.push(Bytes::from_static(b"\r\n"));
            }
            conn.out.push(self.room.notice(&[text]));
        }
        conn.finish(&mut self.scratch);
        let _ = self.poll.registry().deregister(&mut conn.socket);
        let peer = conn.peer;
        self.slots.remove(key);
        self.clients -= 1;
        self.trim_debt += 64;
        if self.config.max_per_ip > 0 {
            self.release_ip(peer.ip());
        }
        if why == Farewell::TooSlow {
            self.metrics.slow_drops += 1;
        }
        match self.room.leave(key) {
            Some(name) => {
                if why == Farewell::TooSlow {
                    conn_log!(self, Warn, "{name} ({peer}) dropped: too slow");
                } else {
                    conn_log!(self, Info, "{name} left ({})", why.describe());
                }
                let left = self.room.notice(&[&name, " has left"]);
                self.broadcast(None, left);
            }
            None => debug!("{peer} closed before login ({})", why.describe()),
        }
    }

    /// Stops accepting and tells everyone the server is going away.
    fn begin_shutdown(&mut self) {
        if self.shutdown_deadline.is_some() {
            return;
        }
        info!("shutting down");
        self.shutdown_deadline = Some(self.now + SHUTDOWN_DRAIN);
        let listeners: Vec<usize> = self
            .slots
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Listener(_) | Slot::MetricsListener(_)))
            .map(|(k, _)| k)
            .collect();
        for key in listeners {
            if let Slot::Listener(mut l) | Slot::MetricsListener(mut l) = self.slots.remove(key) {
                let _ = self.poll.registry().deregister(&mut l);
            }
        }
        let notice = self.room.notice(&["Server shutting down"]);
        let keys: Vec<usize> = self
            .slots
            .iter()
            .filter(|(_, s)| matches!(s, Slot::Client(_)))
            .map(|(k, _)| k)
            .collect();
        for key in keys {
            if let Some(Slot::Client(conn)) = self.slots.get_mut(key)
                && conn.prompt_pending
            {
                conn.out.push(Bytes::from_static(b"\r\n"));
            }
            self.send(key, notice.clone());
        }
    }

    fn all_output_drained(&self) -> bool {
        self.slots.iter().all(|(_, slot)| match slot {
            Slot::Client(conn) => conn.out.is_empty(),
            _ => true,
        })
    }

    /// Ends every connection cleanly at exit.
    fn close_all(&mut self) {
        for (_, slot) in self.slots.iter_mut() {
            if let Slot::Client(conn) = slot {
                conn.finish(&mut self.scratch);
            }
        }
    }

    fn gauges(&self) -> Gauges {
        Gauges {
            awaiting_name: self.clients - self.room.len(),
            chatting: self.room.len(),
            metrics_clients: self.metrics_clients,
        }
    }

    /// Accepts `/metrics` connections up to their own small limit.
    fn accept_metrics(&mut self, key: usize) {
        loop {
            let Some(Slot::MetricsListener(listener)) = self.slots.get(key) else {
                return;
            };
            match listener.accept() {
                Ok((mut socket, peer)) => {
                    if self.metrics_clients >= crate::http::MAX_METRICS_CLIENTS {
                        refuse(socket, crate::http::BUSY.as_bytes());
                        continue;
                    }
                    let entry = self.slots.vacant_entry();
                    let token = Token(entry.key());
                    if self
                        .poll
                        .registry()
                        .register(&mut socket, token, Interest::READABLE | Interest::WRITABLE)
                        .is_ok()
                    {
                        let conn = MetricsConn::new(socket, peer, self.now);
                        self.timers.push(Reverse(Timer {
                            at: conn.deadline(),
                            kind: TimerKind::Metrics,
                            key: token.0,
                            id: 0,
                        }));
                        entry.insert(Slot::Metrics(conn));
                        self.metrics_clients += 1;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }

    /// Advances one `/metrics` connection; closes it when it is done.
    fn serve_metrics(&mut self, key: usize) {
        let gauges = self.gauges();
        let Some(Slot::Metrics(conn)) = self.slots.get_mut(key) else {
            return;
        };
        let metrics = &self.metrics;
        let done = conn.advance(&mut self.scratch, self.now, || metrics.render(gauges));
        if done {
            if let Slot::Metrics(mut conn) = self.slots.remove(key) {
                let _ = self.poll.registry().deregister(conn.socket_mut());
            }
            self.metrics_clients -= 1;
        }
    }
}

/// The output side of the server, borrowed apart from the slab so that a
/// broadcast can walk the room while queueing into connections.
struct Queues<'a> {
    flush_list: &'a mut Vec<usize>,
    close_list: &'a mut Vec<(usize, Farewell)>,
    metrics: &'a mut Metrics,
    max_outbuf: usize,
}

/// Queues `bytes` for `conn` and schedules its flush. A queue that grows past
/// `--max-outbuf` is first written out right away (the reader may be fast,
/// only this iteration busy); if it still holds too much, the reader is
/// marked to be dropped as too slow.
fn queue(conn: &mut Conn, key: usize, bytes: Bytes, queues: &mut Queues<'_>) {
    if conn.closing {
        return;
    }
    conn.out.push(bytes);
    if !conn.pending_flush {
        conn.pending_flush = true;
        queues.flush_list.push(key);
    }
    if conn.out.len() > queues.max_outbuf {
        let before = conn.out.len();
        let result = conn.out.flush(&mut conn.socket);
        queues.metrics.bytes_written += (before - conn.out.len()) as u64;
        let why = match result {
            Err(_) => Farewell::Error,
            Ok(_) if conn.out.len() > queues.max_outbuf => Farewell::TooSlow,
            Ok(_) => return,
        };
        conn.closing = true;
        queues.close_list.push((key, why));
    }
}

fn mark_flush(flush_list: &mut Vec<usize>, key: usize, conn: &mut Conn) {
    if !conn.pending_flush {
        conn.pending_flush = true;
        flush_list.push(key);
    }
}

/// Writes a one-line refusal to a socket we will not keep, then drops it.
fn refuse(socket: TcpStream, text: &[u8]) {
    let _ = (&socket).write(text);
    let _ = socket.shutdown(Shutdown::Write);
}

/// The greeting line and the prompt as one buffer.
fn render_greeting(room: &Room) -> Bytes {
    let mut greeting = room.line(&[GREETING]).to_vec();
    greeting.extend_from_slice(PROMPT.as_bytes());
    Bytes::from(greeting)
}
