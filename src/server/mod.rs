//! The reactor: one `mio` poll loop that owns the listeners, every
//! connection and the lists of work left for later in the iteration
//! (`later`). It turns socket readiness into inputs for the chat core and
//! applies what the core returns, both in one place (`apply`); it decides
//! nothing about the chat itself.
//!
//! One iteration:
//! 1. wait in `poll` (no longer than the next timer, not at all if work is left);
//! 2. route events: accept until `WouldBlock` (`admit`), read ready
//!    connections and hand their lines to the core (`input`), note
//!    writable ones;
//! 3. serve connections with input left over from their per-turn budget;
//! 4. fire due timers (`timers`: login and idle timeouts, flood refills);
//! 5. close marked connections, announcing leaves, then flush every
//!    connection with pending output once, asking for WRITABLE only where
//!    bytes remain (`close`, `output`).
//!
//! `/metrics` connections are served by the same loop (`scrape`), and with
//! `--redis` the two links of the engine (`engine`): their timers count
//! in the poll timeout, and their output is flushed before step 5 (so
//! Redis has a line before this node's readers do) and again after it. Also
//! here: the listeners' socket options and registration (`listeners`),
//! who may connect (`admission`), the accounts worker's answers
//! (`accounts`), signals (`signals`), the TLS listener's configuration
//! (`tls_serving`), hiding a password's typing (`typing`), and IRC
//! connections (`irc`: listeners, registration, commands, keepalive).

/// Logs one per-connection line at `level`, subject to the log limit, so a
/// flood of bad connections cannot flood the log.
macro_rules! conn_log {
    ($server:expr, $level:ident, $($arg:tt)+) => {
        if log::log_enabled!(log::Level::$level) && $server.log_limit.allow($server.now.instant) {
            log::log!(log::Level::$level, $($arg)+);
        }
    };
}

mod accounts;
mod admins;
mod admission;
mod admit;
mod apply;
mod close;
mod engine;
mod handshake;
mod input;
mod irc;
mod later;
mod listeners;
pub(crate) mod log_limit;
mod output;
mod scrape;
mod shed;
mod signals;
mod timers;
mod tls_serving;
mod typing;
mod web;

use crate::chat::{Chat, Input, Now, Output};
use crate::config::{self, Config};
use crate::conn::Conn;
use crate::dialect::Dialects;
use crate::http::MetricsConn;
use crate::metrics::Metrics;
use admission::Admission;
use later::Later;
use listeners::{configure_listener, register_listener};
use log::{debug, info};
pub(crate) use log_limit::LogLimit;
use mio::net::TcpListener;
use mio::{Events, Poll};
pub use signals::ShutdownHandle;
use signals::SignalSource;
use slab::Slab;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use timers::{ConnTimer, Timer, Timers};
use tls_serving::TlsServing;

/// The shared read buffer. Every connection is read into it in turn; only an
/// unfinished line is copied out and kept by its connection.
const SCRATCH_SIZE: usize = 64 * 1024;

/// How long a client that closed while flood control held its input keeps
/// being served at its rate before it is closed and announced as left.
const HANGUP_GRACE: Duration = Duration::from_millis(1500);

/// Work (deliveries, plus a share per closed connection) after which freed
/// memory is handed back to the OS the next time the loop goes idle. A join
/// storm or a burst of traffic frees many small queues and lines; without
/// this the allocator would keep those pages resident.
const TRIM_AFTER: u64 = 20_000;

/// Everything the slab holds: the mio `Token` of a source is its slab key.
#[derive(Debug)]
enum Slot {
    /// The chat listener.
    Listener(TcpListener),
    /// The TLS chat listener (`--tls-addr`).
    TlsListener(TcpListener),
    /// The IRC listener (`--irc-addr`).
    IrcListener(TcpListener),
    /// The IRC over TLS listener (`--ircs-addr`).
    IrcsListener(TcpListener),
    /// The web listener (`--web-addr`): the page and IRC over WebSocket.
    WebListener(TcpListener),
    /// The same over TLS (`--webs-addr`).
    WebsListener(TcpListener),
    /// The `/metrics` listener.
    MetricsListener(TcpListener),
    /// SIGINT/SIGTERM delivered through a self-pipe.
    Signals(SignalSource),
    /// The waker behind [`ShutdownHandle`].
    Waker,
    /// The accounts worker's waker: answers are ready.
    AccountsWaker,
    /// A chat connection.
    Client(Conn),
    /// A `/metrics` HTTP connection.
    Metrics(MetricsConn),
    /// One of the engine's sockets (the socket itself is in
    /// [`Server::engine`]).
    Engine(crate::engine::Role),
}

/// The chat server: one thread, one poll, one chat core.
#[derive(Debug)]
pub struct Server {
    poll: Poll,
    /// The listeners, signal source, waker and every connection.
    slots: Slab<Slot>,
    listener_key: usize,
    /// Everything about the chat: names, rooms, what is said to whom.
    chat: Chat,
    /// The core's output being applied; kept to reuse its vectors.
    chat_out: Output,
    /// How what the core says is put into each client protocol's bytes.
    dialects: Dialects,
    /// Answers for the core learnt while applying its output, handed in
    /// after it (see `apply`).
    answers: Vec<Input<'static>>,
    config: Config,
    /// Connection counts and limits.
    admission: Admission,
    /// The time at the start of this iteration's work.
    now: Now,
    /// The shared read buffer (see [`SCRATCH_SIZE`]).
    scratch: Vec<u8>,
    /// The line being handled, cleaned; reused for every line.
    line: String,
    /// Connections to flush, serve again or close later in this iteration.
    later: Later,
    /// Memory held by every chat connection's output queue together,
    /// checked against `--max-output-memory`.
    output_cost: usize,
    /// The most `output_cost` has been after a batch of deliveries.
    output_peak: usize,
    /// Memory in use against the budget, and what is being shed.
    shed: shed::Shedding,
    timers: Timers,
    /// Set once shutdown starts: the time to stop waiting for output to drain.
    shutdown_deadline: Option<Instant>,
    metrics: Metrics,
    /// Who holds the `/metrics` connection slots.
    metrics_peers: crate::http::MetricsPeers,
    log_limit: LogLimit,
    /// Handshake CPU spent this turn (see [`handshake`]).
    handshakes: handshake::HandshakeBudget,
    /// Work done since freed memory was last returned (see [`TRIM_AFTER`]).
    trim_debt: u64,
    /// Where names, history and topics are kept and room events shared:
    /// memory on a node of its own, Redis with `--redis`.
    engine: crate::engine::Engine,
    /// With `--tls-addr`: the configuration new TLS connections get, and
    /// the files it is reloaded from on SIGHUP.
    tls: Option<TlsServing>,
    /// With `--web-addr`: what its connections share (the allowed origins).
    web: Option<std::sync::Arc<crate::web::Settings>>,
    /// With `--data-dir`: the worker that hashes passwords and keeps the
    /// registered names.
    accounts: Option<crate::accounts::Worker>,
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
        configure_listener(&listener, &config)?;
        let listener_key = register_listener(&poll, &mut slots, listener, Slot::Listener)?;
        if let Some(metrics) = metrics {
            register_listener(&poll, &mut slots, metrics, Slot::MetricsListener)?;
        }
        let now = Now {
            instant: Instant::now(),
            wall: SystemTime::now(),
        };
        // Member ids start at `node << 48`: unique across nodes (0 alone).
        let node = match config.redis {
            Some(_) => crate::sys::random_u16(),
            None => 0,
        };
        let engine = crate::engine::Engine::new(&config, node, now.instant)?;
        let mut server = Server {
            poll,
            slots,
            listener_key,
            chat: Chat::new(&config),
            chat_out: Output::default(),
            dialects: {
                let mut dialects = Dialects::new(config.timestamps);
                dialects.set_irc_server(&config.irc_server_name);
                dialects
            },
            answers: Vec::new(),
            admission: Admission::new(max_clients, &config, node),
            now,
            scratch: vec![0; SCRATCH_SIZE],
            line: String::new(),
            later: Later::default(),
            output_cost: 0,
            output_peak: 0,
            shed: shed::Shedding::default(),
            timers: Timers::default(),
            shutdown_deadline: None,
            metrics: Metrics::default(),
            metrics_peers: crate::http::MetricsPeers::default(),
            log_limit: LogLimit::new(now.instant),
            handshakes: handshake::HandshakeBudget::default(),
            trim_debt: 0,
            engine,
            tls: None,
            web: None,
            accounts: None,
            config,
        };
        server.start_engine()?;
        Ok(server)
    }

    /// The chat listener's address (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.slots.get(self.listener_key) {
            Some(Slot::Listener(l)) => l.local_addr(),
            _ => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    /// The metrics listener's address, if there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.slots.iter().find_map(|(_, slot)| match slot {
            Slot::MetricsListener(l) => l.local_addr().ok(),
            _ => None,
        })
    }

    /// Runs until shut down by a signal or a [`ShutdownHandle`]. Errors of
    /// single connections never end the loop; only a failing `poll` does.
    pub fn run(mut self) -> io::Result<()> {
        info!(
            "listening on {} (max clients {})",
            self.local_addr()?,
            self.admission.max_clients()
        );
        if let Some(addr) = self.metrics_addr() {
            info!("metrics on http://{addr}/metrics");
        }
        if self.config.memory_budget.is_some() {
            self.check_memory();
        }
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = self.poll_timeout();
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                return Err(e);
            }
            self.now = Now {
                instant: Instant::now(),
                wall: SystemTime::now(),
            };
            self.handshakes.new_turn();
            for event in events.iter() {
                self.dispatch(event);
            }
            self.serve_backlog();
            self.fire_timers();
            self.engine_timers();
            // What this turn published goes to Redis before this node
            // writes to its own readers, so the other nodes fan a line out
            // on the other cores while this one does; then again for what
            // closing published (leaves).
            self.engine_flush();
            self.settle();
            self.engine_flush();
            if let Some(deadline) = self.shutdown_deadline
                && (self.now.instant >= deadline || self.all_output_drained())
            {
                self.close_all();
                info!("shut down");
                return Ok(());
            }
            let took = self.now.instant.elapsed();
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
        if !self.later.is_empty() {
            return Some(Duration::ZERO);
        }
        let now = Instant::now();
        let redis = self.engine.next_deadline();
        [self.timers.next_at(), self.shutdown_deadline, redis]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.saturating_duration_since(now))
    }

    /// Routes one readiness event by its token. Slots are removed only
    /// after the batch, so a token never names a newer slot; unknown tokens
    /// are ignored, as spurious events may happen.
    fn dispatch(&mut self, event: &mio::event::Event) {
        let key = event.token().0;
        if self.later.closing.contains(key) {
            return;
        }
        match self.slots.get_mut(key) {
            Some(
                Slot::Listener(_)
                | Slot::TlsListener(_)
                | Slot::IrcListener(_)
                | Slot::IrcsListener(_)
                | Slot::WebListener(_)
                | Slot::WebsListener(_),
            ) => self.accept_all(key),
            Some(Slot::MetricsListener(_)) => self.accept_metrics(key),
            Some(Slot::Signals(_)) => self.signalled(key),
            Some(Slot::Waker) => self.begin_shutdown(),
            Some(Slot::AccountsWaker) => self.accounts_answered(),
            Some(Slot::Client(conn)) => {
                if event.is_writable() {
                    self.later.flush.insert(key);
                }
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    conn.readable = true;
                    if self.shutdown_deadline.is_some() {
                        return;
                    }
                    if event.is_read_closed() || event.is_error() {
                        // The client is gone. If flood control holds its
                        // input, it may send at its rate a little longer,
                        // then it leaves; what it was not allowed to send
                        // by then is dropped. (Usually the end of stream is
                        // read at once and the timer finds it closed.)
                        let at = self.now.instant + HANGUP_GRACE;
                        self.timers
                            .schedule(at, Timer::conn(ConnTimer::Hangup, key, conn.id));
                    }
                    if !conn.paused {
                        self.serve_input(key);
                    }
                }
            }
            Some(Slot::Metrics(_)) => self.serve_metrics(key),
            Some(&mut Slot::Engine(role)) => self.engine_ready(role, event),
            None => {}
        }
    }
}
