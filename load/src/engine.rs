//! The poll loop and the clients in it: connecting, logging in, reading and
//! writing. The modes (`modes.rs`) decide what to send and when to stop; the
//! engine does the I/O and feeds every marker it reads into the [`Tally`].
//!
//! Login is text-agnostic: a client waits for any bytes (the prompt), sends
//! `<prefix><n>`, and counts as logged in at the next bytes it receives (the
//! server's answer), unless that answer refuses the name (`login.rs`: it
//! says `taken` or `in use`, or asks again). A refused name ends the whole
//! run at once: a run needs every client in, a retry of the same name would
//! be refused again, and only another `--prefix` helps. With `--no-name`
//! a client is logged in at the server's first bytes, sending no name; with
//! `--no-login`, as soon as it is connected. Whether the server really
//! accepted everyone is then proven by the readiness barrier
//! ([`Engine::barrier`]), which only logged-in users see.
//!
//! With rooms (`fanout --rooms K`, K > 1) a client that has logged in sends
//! `/join #load<n mod K>` and counts as logged in only once the server's
//! answer says it is in that room (`rooms.rs`); the barrier then runs in
//! every room at once, and a line found in a room other than its sender's
//! is counted as an error.
//!
//! In abuse runs some clients are attackers, given a [`Role`] by their
//! number: once logged in they stop reading (the server's output piles up
//! for them) or write a pattern over and over as fast as the socket takes
//! it, or both. The engine only does what the role says and counts the
//! attackers the server disconnects; the shapes are `modes.rs`'s.
//!
//! With several server addresses (the nodes of a linechat cluster) client
//! `n` connects to address `n mod count`, its node. For failover runs the
//! engine can also stop counting a node's clients, drop them without a
//! word once that node is killed, watch the others for leave notices
//! (`leaves.rs`), and log in probes: clients with a name of the caller's
//! choosing whose refusal is an answer, not a failure of the run.
//!
//! With `--tls` every client has a `rustls` session and reads and writes
//! through it (`tls.rs`, whose steps behave like socket calls); the login
//! starts when the handshake has brought the first plaintext. A client
//! without one uses its socket directly, as it always did.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, SocketAddrV4};
use std::rc::Rc;
use std::time::{Duration, Instant};

use mio::event::Event;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use crate::leaves::Leaves;
use crate::login::{self, Heard};
use crate::os;
use crate::rooms::{self, Answer};
use crate::tally::{NO_ROOM, Tally};
use crate::tls::{self, Tls};
use crate::wire::{self, Mark};

/// Bytes asked for per read. Large, so that a busy receiver empties its
/// socket in one system call and the scan runs over many lines at once.
const READ_SIZE: usize = 256 * 1024;

/// Longest partial line kept from one read to the next. Our marker lines are
/// short; a longer partial line is someone else's (linechat's welcome lists
/// every user), so it is dropped up to its end rather than buffered.
const MAX_CARRY: usize = 64 * 1024;

/// How often login deadlines are checked and the progress clock is looked at.
const TICK: Duration = Duration::from_millis(100);

/// Cap on an attacker's own socket buffers (send, and receive for one that
/// never reads), in bytes; the kernel doubles it. The server cannot bound
/// the memory of the client's end, which on a real network sits on another
/// machine, so the generator keeps its end small: then the system-wide TCP
/// memory it samples is mostly the server's end.
const ATTACKER_BUFFER: libc::c_int = 16 * 1024;

/// Writes of a flood pattern per client per visit. A server that reads as
/// fast as we write would otherwise keep one client writing forever; past
/// this the client is revisited after the next poll.
const FLOOD_WRITES: usize = 16;

/// Where to connect and how to log in; fixed for a run.
#[derive(Debug, Clone)]
pub struct Target {
    /// The servers: client `n` connects to `addrs[n % addrs.len()]`.
    pub addrs: Vec<SocketAddrV4>,
    /// Names are `<prefix><n>`, `n` counting clients from 0.
    pub prefix: String,
    /// How a client logs in.
    pub login: Login,
    /// Spread clients over 127.0.0.1..=127.0.0.<sources> (1: kernel's choice).
    pub sources: u32,
    /// Longest a client may take from connect to logged in (and, in churn,
    /// from its last line to the server's close).
    pub login_timeout: Duration,
    /// Most new connections per second (`None`: as fast as `concurrency`
    /// allows). For servers with a short listen backlog, such as ncat's 10:
    /// a connect completes in the kernel before the server accepts it, so
    /// `concurrency` alone does not pace them.
    pub connect_rate: Option<f64>,
    /// Rooms the clients spread over: client `n` joins `#load<n mod rooms>`
    /// once logged in. 1: nobody joins anything.
    pub rooms: u32,
    /// No progress line on stderr.
    pub quiet: bool,
    /// Mode name, for the progress line.
    pub mode: &'static str,
    /// Connect over TLS with this configuration (`None`: plain TCP).
    pub tls: Option<Tls>,
}

/// How a client logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    /// Wait for any bytes (the prompt), send `<prefix><n>`, wait for any
    /// bytes (the answer).
    Name,
    /// Wait for any bytes (a greeting) and send nothing: for servers without
    /// names that greet on accept, such as `ncat --chat`. Waiting for the
    /// greeting is what lets `--concurrency` pace connects to the server's
    /// accepts rather than to the kernel's handshakes.
    Greeting,
    /// Logged in once connected: for servers that send nothing.
    Connected,
}

/// What a client does once logged in, beyond what every client does
/// (read, count markers). The default is an ordinary chat client.
#[derive(Debug, Clone, Default)]
pub struct Role {
    /// Stops reading once logged in, so everything the server sends it
    /// piles up in the kernel and then in the server's queue for it.
    pub mute: bool,
    /// Bytes written over and over, as fast as the socket takes them,
    /// while the engine floods ([`Engine::start_flood`]).
    pub pattern: Option<Rc<[u8]>>,
}

impl Role {
    /// Whether this is an attacker rather than an ordinary client.
    pub fn is_attacker(&self) -> bool {
        self.mute || self.pattern.is_some()
    }
}

/// Where one client is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Non-blocking connect in progress.
    Connecting,
    /// Connected, waiting for the prompt.
    AwaitPrompt,
    /// Name sent, waiting for the server's answer.
    NameSent,
    /// Logged in, `/join` sent, waiting for the answer naming the room.
    Joining,
    /// Logged in: reads and counts.
    Ready,
    /// Churn: said its line and shut down its side; waiting for the close.
    Leaving,
    /// Closed; removed from the slab after the current batch of events.
    Closed,
}

/// One client connection.
#[derive(Debug)]
struct Client {
    stream: TcpStream,
    /// The TLS session over `stream` (`--tls`); boxed, so a plain client
    /// stays small.
    tls: Option<Box<rustls::ClientConnection>>,
    phase: Phase,
    /// The `n` of its name and of its source address.
    number: u64,
    /// Its room, `n mod rooms` (0 with one room).
    room: u32,
    /// Index of the server address it connects to (`n mod addresses`,
    /// unless a probe).
    node: u32,
    /// The lines it finds go to the tally (false: they count as foreign).
    tallied: bool,
    /// A probe ([`Engine::start_probe`]): its login's outcome is reported
    /// in [`Engine::take_probe_news`], and it counts in no total.
    probe: bool,
    /// When the current phase began, for the login deadline.
    since: Instant,
    /// The partial last line of the previous read.
    carry: Vec<u8>,
    /// Dropping an over-long line: skip input up to the next newline.
    skipping: bool,
    /// Bytes written but not yet accepted by the socket.
    out: Vec<u8>,
    /// Churn: the write side has been shut down.
    shut: bool,
    /// Has seen the current barrier token.
    seen_barrier: bool,
    /// What the server sent in the current login phase (prompt, answer).
    heard: Heard,
    /// The prompt that asked for the name, to recognise it asked again.
    prompt: Option<Vec<u8>>,
    /// What it does once logged in.
    role: Role,
    /// Logged in with a mute role: reads nothing any more.
    muted: bool,
    /// Where in its role's pattern the next write starts.
    pattern_at: usize,
}

/// How a connection ended.
#[derive(Debug)]
enum End {
    /// The server closed it (read returned 0).
    Closed,
    /// We close it: the server refused its name (already counted as failed).
    Refused,
    /// Anything else, with what happened.
    Failed(String),
}

/// How many clients reached each point of their life.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Connects attempted.
    pub started: u64,
    /// Clients that logged in (ever).
    pub logins: u64,
    /// Clients logged in now.
    pub ready: u64,
    /// Clients that failed before logging in (or, in churn, before the
    /// server closed after their line).
    pub failed: u64,
    /// Logged-in clients the server closed or reset.
    pub dropped: u64,
    /// Churn: clients that completed connect, login, line and close.
    pub left: u64,
    /// Logged-in attackers the server closed or reset (not in `dropped`).
    pub attackers_dropped: u64,
    /// Logged-in clients of a killed node, dropped by [`Engine::forget_node`]
    /// (not in `dropped`).
    pub forgotten: u64,
}

/// How a probe's login ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeNews {
    /// The server took the name; the probe stays logged in.
    In,
    /// The server refused the name; the probe is closed.
    Refused,
    /// It failed otherwise (connect, closed, no answer in time); closed.
    Failed,
}

/// The current readiness barrier: one sender per room, each sending the
/// run's token plus its room number.
#[derive(Debug, Default)]
struct Barrier {
    /// Unique to this run, a multiple of [`BARRIER_ROOMS`] (0: none yet).
    token: u64,
    /// Still waiting for clients to see it.
    running: bool,
    /// The clients that send it, one per room with members; they never
    /// receive their own line.
    senders: Vec<usize>,
    /// Clients other than the senders that have seen their room's token.
    seen: u64,
}

/// Room numbers a barrier token leaves room for: the token of room `r` is
/// the run's token plus `r`.
const BARRIER_ROOMS: u64 = 1 << 24;

/// Progress-line state.
#[derive(Debug)]
struct Progress {
    start: Instant,
    next: Instant,
    last: Instant,
    last_received: u64,
    last_left: u64,
    stage: &'static str,
    tty: bool,
}

/// The poll loop, every client, and what they have seen.
#[derive(Debug)]
pub struct Engine {
    target: Target,
    poll: Poll,
    /// `Option` only so the loop can hold the events while handling them.
    events: Option<Events>,
    clients: Slab<Client>,
    /// The one read buffer, shared by all clients: a client's partial line
    /// is copied to its front before each read.
    buf: Vec<u8>,
    /// Time zero for the timestamps in marker lines.
    epoch: Instant,
    /// Accounting for measured lines; replaced by each mode once it knows
    /// how many clients logged in.
    pub tally: Tally,
    barrier: Barrier,
    /// Churn: once logged in, say one line, shut down and wait for the close.
    pub leave_after_login: bool,
    /// Churn: say the line before leaving (else just leave: a join storm).
    pub churn_line: bool,
    /// Roles by client number; clients numbered past the end are ordinary.
    pub roles: Vec<Role>,
    /// Attackers with a pattern write it while this is on.
    flooding: bool,
    /// Flooders that used up [`FLOOD_WRITES`] without filling their socket:
    /// written again after the next (non-waiting) poll.
    flood_again: Vec<usize>,
    /// Clients marked closed during this batch, removed after it, so a slab
    /// key is never reused while events for it may still be pending.
    to_close: Vec<usize>,
    /// How many clients reached each point.
    pub counts: Counts,
    /// Barrier lines found in another room than their sender's.
    pub cross_room: u64,
    /// Leave notices to watch for, in what the clients read (failover).
    pub leaves: Option<Leaves>,
    /// Probe logins that ended since the last look: (number, outcome).
    probe_news: Vec<(u64, ProbeNews)>,
    /// The first thing that went wrong, for the report.
    pub first_error: Option<String>,
    /// A refused name: the run cannot succeed; [`Engine::pump`] returns it
    /// as an error.
    refusal: Option<String>,
    next_tick: Instant,
    progress: Progress,
}

impl Engine {
    /// An engine with no clients yet.
    pub fn new(target: Target) -> io::Result<Engine> {
        let now = Instant::now();
        Ok(Engine {
            target,
            poll: Poll::new()?,
            events: Some(Events::with_capacity(4096)),
            clients: Slab::new(),
            buf: vec![0; MAX_CARRY + READ_SIZE],
            epoch: now,
            tally: Tally::new(0, 0, 0),
            barrier: Barrier::default(),
            leave_after_login: false,
            churn_line: true,
            roles: Vec::new(),
            flooding: false,
            flood_again: Vec::new(),
            to_close: Vec::new(),
            counts: Counts::default(),
            cross_room: 0,
            leaves: None,
            probe_news: Vec::new(),
            first_error: None,
            refusal: None,
            next_tick: now + TICK,
            progress: Progress {
                start: now,
                next: now + Duration::from_secs(1),
                last: now,
                last_received: 0,
                last_left: 0,
                stage: "start",
                tty: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            },
        })
    }

    /// Microseconds since the engine started: the clock of marker lines.
    pub fn now_us(&self) -> u64 {
        self.epoch.elapsed().as_micros() as u64
    }

    /// Names the current stage in the progress line.
    pub fn set_stage(&mut self, stage: &'static str) {
        self.progress.stage = stage;
    }

    /// Clients connecting or logging in.
    pub fn in_progress(&self) -> u64 {
        self.counts.started - self.counts.logins - self.counts.failed
    }

    /// Clients with a socket, whatever their phase.
    pub fn live(&self) -> usize {
        self.clients.len()
    }

    /// The logged-in clients (not probes) and their keys.
    fn ready(&self) -> impl Iterator<Item = (usize, &Client)> {
        self.clients
            .iter()
            .filter(|(_, c)| c.phase == Phase::Ready && !c.probe)
    }

    /// Keys of the logged-in clients, in key order.
    pub fn ready_keys(&self) -> Vec<usize> {
        self.ready().map(|(k, _)| k).collect()
    }

    /// The logged-in clients as (key, number, room), in key order.
    pub fn ready_clients(&self) -> Vec<(usize, u64, u32)> {
        self.ready().map(|(k, c)| (k, c.number, c.room)).collect()
    }

    /// The room of every key below `len`: [`NO_ROOM`] for a key that is
    /// no logged-in client, or one whose lines are not tallied.
    pub fn receiver_rooms(&self, len: usize) -> Vec<u32> {
        let mut rooms = vec![NO_ROOM; len];
        for (k, c) in self.ready().filter(|(_, c)| c.tallied) {
            if k < len {
                rooms[k] = c.room;
            }
        }
        rooms
    }

    /// The node (address index) of every key below `len`; 0 for a key
    /// that is no logged-in client.
    pub fn receiver_nodes(&self, len: usize) -> Vec<u32> {
        let mut nodes = vec![0; len];
        for (k, c) in self.ready() {
            if k < len {
                nodes[k] = c.node;
            }
        }
        nodes
    }

    /// The node (address index) client number `n` connects to.
    pub fn node_of(&self, n: u64) -> u32 {
        (n % self.target.addrs.len().max(1) as u64) as u32
    }

    /// From now on the lines that clients of `node` find are not tallied
    /// (they count as foreign); call before building the tally, whose
    /// receivers come from [`Engine::receiver_rooms`].
    pub fn untally_node(&mut self, node: u32) {
        for (_, c) in self.clients.iter_mut() {
            if c.node == node {
                c.tallied = false;
            }
        }
    }

    /// Closes every client of `node`, whose server has just been killed,
    /// without counting any as failed or dropped (logged-in ones count in
    /// `forgotten`). Call it between pumps, so none of their closes has
    /// been seen yet.
    pub fn forget_node(&mut self, node: u32) {
        let keys: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| c.node == node && c.phase != Phase::Closed)
            .map(|(k, _)| k)
            .collect();
        for key in keys {
            let c = &mut self.clients[key];
            match c.phase {
                Phase::Ready if !c.probe => {
                    self.counts.ready -= 1;
                    self.counts.forgotten += 1;
                }
                _ if c.probe => {}
                // Not logged in yet: it will never be.
                _ => self.counts.failed += 1,
            }
            c.phase = Phase::Closed;
            self.to_close.push(key);
        }
        self.close_marked();
    }

    /// Starts one more client connecting.
    pub fn start_client(&mut self) {
        let number = self.counts.started;
        self.counts.started += 1;
        let node = self.node_of(number);
        self.connect(number, node, false);
    }

    /// Starts a probe: a client named `<prefix><number>` that logs in to
    /// the server at address index `node`. It counts in no total and no
    /// tally; how its login ends comes out of [`Engine::take_probe_news`].
    /// Once in, it stays logged in and reads (and ignores) everything.
    pub fn start_probe(&mut self, number: u64, node: u32) {
        self.connect(number, node, true);
    }

    /// Probe logins that have ended since the last call, in order.
    pub fn take_probe_news(&mut self) -> Vec<(u64, ProbeNews)> {
        std::mem::take(&mut self.probe_news)
    }

    /// Starts client `number` connecting to address `node`.
    fn connect(&mut self, number: u64, node: u32, probe: bool) {
        let src = os::source_for(number, self.target.sources);
        let role = match probe {
            true => Role::default(),
            false => self.roles.get(number as usize).cloned().unwrap_or_default(),
        };
        let small = role.is_attacker().then_some(os::Buffers {
            bytes: ATTACKER_BUFFER,
            rcvbuf_too: role.mute,
        });
        let addr = self.target.addrs[node as usize];
        let session = match self.target.tls.as_ref().map(Tls::session).transpose() {
            Ok(s) => s.map(Box::new),
            Err(_) if probe => return self.probe_news.push((number, ProbeNews::Failed)),
            Err(e) => return self.note_failure(format!("TLS session: {e}")),
        };
        let mut stream = match os::connect(addr, src, small) {
            Ok(s) => s,
            Err(_) if probe => return self.probe_news.push((number, ProbeNews::Failed)),
            Err(e) => return self.note_failure(format!("connect: {e}")),
        };
        let entry = self.clients.vacant_entry();
        let interest = Interest::READABLE | Interest::WRITABLE;
        // Both interests, once: mio is edge-triggered, so WRITABLE costs
        // nothing while the socket stays writable, and no re-registration is
        // ever needed when output backs up.
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut stream, Token(entry.key()), interest)
        {
            return self.note_failure(format!("register: {e}"));
        }
        entry.insert(Client {
            stream,
            tls: session,
            phase: Phase::Connecting,
            number,
            room: rooms::room_of(number, self.target.rooms),
            node,
            // A probe may reuse the slab key of a client in the tally.
            tallied: !probe,
            probe,
            since: Instant::now(),
            carry: Vec::new(),
            skipping: false,
            out: Vec::new(),
            shut: false,
            seen_barrier: false,
            heard: Heard::default(),
            prompt: None,
            role,
            muted: false,
            pattern_at: 0,
        });
    }

    /// When the next connect may start under the connect rate.
    pub fn next_start(&self) -> Instant {
        match self.target.connect_rate {
            Some(rate) => self.epoch + Duration::from_secs_f64(self.counts.started as f64 / rate),
            None => self.epoch,
        }
    }

    /// When to wake from polling: at `deadline`, or earlier for the next
    /// paced connect if one is `wanted` (and only blocked by the rate).
    pub fn wake_for_start(&self, wanted: bool, deadline: Instant) -> Instant {
        if wanted && self.target.connect_rate.is_some() {
            deadline.min(self.next_start())
        } else {
            deadline
        }
    }

    /// Whether another connect may start now under the connect rate.
    pub fn may_start(&self) -> bool {
        Instant::now() >= self.next_start()
    }

    /// Connects and logs in clients until `n` are logged in, keeping at most
    /// `concurrency` in progress so the server's listen backlog never
    /// overflows (an overflowed SYN is retried only after a second). True if
    /// all `n` logged in before `deadline`.
    pub fn open(&mut self, n: u64, concurrency: u64, deadline: Instant) -> io::Result<bool> {
        loop {
            while self.counts.started < n && self.in_progress() < concurrency && self.may_start() {
                self.start_client();
            }
            if self.counts.logins + self.counts.failed >= n {
                return Ok(self.counts.failed == 0);
            }
            if Instant::now() >= deadline {
                self.note_error("deadline passed while logging in".into());
                return Ok(false);
            }
            let more = self.counts.started < n && self.in_progress() < concurrency;
            self.pump(self.wake_for_start(more, deadline))?;
        }
    }

    /// Runs the readiness barrier: in each room, the first logged-in client
    /// sends a token line until every other logged-in client of the room
    /// has seen it, resending with backoff because a server such as `ncat
    /// --chat` may still be accepting some clients when it is first sent.
    /// Afterwards every client is known to receive chat, and everything
    /// queued for it before (join notices) has been read. Each room has its
    /// own token, so one seen in another room counts in `cross_room`. True
    /// if done before `deadline`.
    pub fn barrier(&mut self, deadline: Instant) -> io::Result<bool> {
        let mut senders: Vec<Option<usize>> = vec![None; self.target.rooms.max(1) as usize];
        for (key, c) in self.clients.iter_mut() {
            c.seen_barrier = false;
            if c.phase == Phase::Ready {
                // A sender is done from the start: it never hears itself.
                let first = &mut senders[c.room as usize];
                if first.is_none() {
                    *first = Some(key);
                    c.seen_barrier = true;
                }
            }
        }
        let senders: Vec<usize> = senders.into_iter().flatten().collect();
        if senders.is_empty() {
            return Ok(false);
        }
        let seed = (u64::from(std::process::id()) << 20) ^ self.now_us() ^ 0x5eed;
        self.barrier = Barrier {
            token: (seed % (u64::MAX / BARRIER_ROOMS)).max(1) * BARRIER_ROOMS,
            running: true,
            senders,
            seen: 0,
        };
        let mut backoff = Duration::from_millis(100);
        let mut resend = Instant::now();
        loop {
            if self.barrier.seen + self.barrier.senders.len() as u64 >= self.counts.ready {
                self.barrier.running = false;
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                self.note_error(format!(
                    "deadline passed at the barrier: {} of {} clients saw it",
                    self.barrier.seen,
                    self.counts
                        .ready
                        .saturating_sub(self.barrier.senders.len() as u64)
                ));
                return Ok(false);
            }
            if now >= resend {
                for i in 0..self.barrier.senders.len() {
                    let sender = self.barrier.senders[i];
                    if let Some(c) = self.clients.get_mut(sender) {
                        let token = self.barrier.token + u64::from(c.room);
                        wire::put_barrier(&mut c.out, token);
                    }
                    self.flush(sender);
                }
                resend = now + backoff;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            self.pump(resend.min(deadline))?;
        }
    }

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
            wire::put_data(&mut c.out, sender, seq, now, pad);
            lines += 1;
        }
        self.flush(key);
        lines
    }

    /// Waits for events until `until` (or the next tick) and handles them:
    /// connect outcomes, prompts, replies, markers, writes, closes. Fails
    /// when the server refused a name.
    pub fn pump(&mut self, until: Instant) -> io::Result<()> {
        let now = Instant::now();
        let timeout = if self.flood_again.is_empty() {
            until.min(self.next_tick).saturating_duration_since(now)
        } else {
            Duration::ZERO
        };
        let mut events = self
            .events
            .take()
            .expect("events are put back after every pump");
        let polled = self.poll.poll(&mut events, Some(timeout));
        if let Err(e) = polled {
            self.events = Some(events);
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(e)
            };
        }
        for ev in events.iter() {
            self.handle(ev.token().0, ev);
        }
        self.events = Some(events);
        for key in std::mem::take(&mut self.flood_again) {
            self.flush(key);
        }
        self.close_marked();
        if let Some(why) = self.refusal.take() {
            self.end_progress();
            return Err(io::Error::other(why));
        }
        let now = Instant::now();
        if now >= self.next_tick {
            self.next_tick = now + TICK;
            self.expire(now);
            self.close_marked();
            self.print_progress(now);
        }
        Ok(())
    }

    /// Handles one readiness event. Events may be spurious and for clients
    /// already closed; both are ignored.
    fn handle(&mut self, key: usize, ev: &Event) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        match c.phase {
            Phase::Closed => return,
            Phase::Connecting => {
                // The OS reports a finished non-blocking connect as writable
                // (or error) readiness: the socket error says whether it
                // worked, and `peer_addr` whether it is done at all.
                match c.stream.take_error() {
                    Ok(None) => {}
                    Ok(Some(e)) | Err(e) => {
                        return self.lose(key, End::Failed(format!("connect: {e}")));
                    }
                }
                match c.stream.peer_addr() {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                    Err(e) => return self.lose(key, End::Failed(format!("connect: {e}"))),
                }
                if self.target.login == Login::Connected {
                    self.logged_in(key);
                } else {
                    c.phase = Phase::AwaitPrompt;
                    c.since = Instant::now();
                }
            }
            _ => {}
        }
        if ev.is_writable() {
            self.flush(key);
        }
        let muted = self.clients.get(key).is_some_and(|c| c.muted);
        if muted {
            // It reads nothing, so it only learns of a reset, or of a close
            // whose FIN got past everything it left unread.
            if ev.is_error() || ev.is_read_closed() {
                let end = match self.clients.get(key).map(|c| c.stream.take_error()) {
                    Some(Ok(Some(e)) | Err(e)) => End::Failed(e.to_string()),
                    _ => End::Closed,
                };
                self.lose(key, end);
            }
        } else if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
            // A short read means the socket is empty for now: epoll reports
            // every later arrival as a new edge. Only when the peer's FIN (or
            // an error) is already pending must we read on to see it.
            self.read(key, ev.is_read_closed() || ev.is_error());
            // What the session owes after reading: the handshake's next
            // flight, or lines held until the handshake was done.
            if self
                .clients
                .get(key)
                .and_then(|c| c.tls.as_ref())
                .is_some_and(|t| t.wants_write())
            {
                self.flush(key);
            }
        }
    }

    /// Reads what client `key` has, scans it for markers, and moves the
    /// client along its login on any bytes.
    fn read(&mut self, key: usize, to_the_end: bool) {
        let Engine {
            target,
            clients,
            buf,
            tally,
            barrier,
            epoch,
            cross_room,
            leaves,
            ..
        } = self;
        let Some(c) = clients.get_mut(key) else {
            return;
        };
        if c.phase == Phase::Closed {
            return;
        }
        // Before and right after the name, what the server says is kept to
        // judge the answer (bounded; see `login.rs`).
        let hearing =
            target.login == Login::Name && matches!(c.phase, Phase::AwaitPrompt | Phase::NameSent);
        let mut got = 0;
        let mut ended: Option<End> = None;
        let mut joined: Option<Answer> = None;
        loop {
            let keep = c.carry.len();
            buf[..keep].copy_from_slice(&c.carry);
            // `short`: the socket has nothing more for now.
            let read = match c.tls.as_deref_mut() {
                None => c
                    .stream
                    .read(&mut buf[keep..])
                    .map(|n| (n, keep + n < buf.len())),
                Some(session) => tls::read(session, &mut c.stream, &mut buf[keep..]),
            };
            let (n, short) = match read {
                Ok((0, _)) => {
                    ended = Some(End::Closed);
                    break;
                }
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    ended = Some(End::Failed(format!("read: {e}")));
                    break;
                }
            };
            // One timestamp per read: every line in it arrived together.
            let now = epoch.elapsed().as_micros() as u64;
            got += n;
            if hearing {
                c.heard.push(&buf[keep..keep + n]);
            }
            c.carry.clear();
            let data = &buf[..keep + n];
            let mut from = 0;
            if c.skipping {
                match memchr::memchr(b'\n', data) {
                    Some(i) => {
                        from = i + 1;
                        c.skipping = false;
                    }
                    None => from = data.len(),
                }
            }
            let end = memchr::memrchr(b'\n', &data[from..]).map_or(from, |i| from + i + 1);
            if c.phase == Phase::Joining && joined.is_none() {
                joined = rooms::answer(&data[from..end], c.room);
            }
            if let Some(leaves) = leaves.as_mut().filter(|_| !c.probe) {
                leaves.scan(c.number, &data[from..end], now);
            }
            let seen = &mut c.seen_barrier;
            let room = c.room;
            let tally_room = if c.tallied { room } else { NO_ROOM };
            wire::scan(&data[from..end], |mark| match mark {
                Mark::Data { sender, seq, ts_us } => {
                    tally.delivered(key, tally_room, sender, seq, ts_us, now)
                }
                Mark::Barrier(token) => {
                    if barrier.token == 0 || token.wrapping_sub(barrier.token) >= BARRIER_ROOMS {
                        // Not this run's.
                    } else if token != barrier.token + u64::from(room) {
                        *cross_room += 1;
                    } else if barrier.running && !*seen {
                        *seen = true;
                        barrier.seen += 1;
                    }
                }
            });
            let tail = &data[end..];
            if tail.len() > MAX_CARRY {
                c.skipping = true;
            } else {
                c.carry.extend_from_slice(tail);
            }
            if !to_the_end && short {
                break;
            }
        }
        if got > 0 {
            match c.phase {
                Phase::AwaitPrompt if self.target.login == Login::Greeting => self.logged_in(key),
                Phase::AwaitPrompt => {
                    c.prompt = login::prompt(&std::mem::take(&mut c.heard));
                    c.out.extend_from_slice(self.target.prefix.as_bytes());
                    wire::put_u64(&mut c.out, c.number);
                    c.out.extend_from_slice(b"\r\n");
                    c.phase = Phase::NameSent;
                    c.since = Instant::now();
                    self.flush(key);
                }
                Phase::NameSent => {
                    let answer = std::mem::take(&mut c.heard);
                    let prompt = c.prompt.take();
                    let refused = login::refused(prompt.as_deref(), &answer);
                    if refused && c.probe {
                        // An answer for the caller, not a failed run.
                        self.probe_news.push((c.number, ProbeNews::Refused));
                        return self.lose(key, End::Refused);
                    }
                    if refused {
                        let name = format!("{}{}", self.target.prefix, c.number);
                        let why = format!(
                            "the server refused the name `{name}`: it answered `{}`. \
                             Another user has that name, or the server does not accept it; \
                             run again with names no one uses, e.g. --prefix load{}-",
                            answer.first_line(),
                            std::process::id() % 1000,
                        );
                        self.note_failure(why.clone());
                        self.refusal.get_or_insert(why);
                        return self.lose(key, End::Refused);
                    }
                    self.logged_in(key);
                }
                Phase::Joining => match joined {
                    Some(Answer::Joined) => self.in_room(key),
                    Some(Answer::Refused(line)) => {
                        let why = format!(
                            "the server refused `/join #load{}`: it answered `{line}`",
                            c.room
                        );
                        self.note_failure(why.clone());
                        self.refusal.get_or_insert(why);
                        return self.lose(key, End::Refused);
                    }
                    None => {}
                },
                _ => {}
            }
        }
        if let Some(end) = ended {
            self.lose(key, end);
        }
    }

    /// Client `key` has logged in: it joins its room if there are rooms,
    /// else it is in.
    fn logged_in(&mut self, key: usize) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        if self.target.rooms > 1 && !self.leave_after_login {
            rooms::put_join(&mut c.out, c.room);
            c.phase = Phase::Joining;
            c.since = Instant::now();
            return self.flush(key);
        }
        self.in_room(key);
    }

    /// Client `key` has logged in and, with rooms, is in its room.
    fn in_room(&mut self, key: usize) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        if c.probe {
            c.phase = Phase::Ready;
            self.probe_news.push((c.number, ProbeNews::In));
            return;
        }
        self.counts.logins += 1;
        if self.leave_after_login {
            if self.churn_line {
                c.out.extend_from_slice(b"churn line from ");
                c.out.extend_from_slice(self.target.prefix.as_bytes());
                wire::put_u64(&mut c.out, c.number);
                c.out.extend_from_slice(b"\r\n");
            }
            c.phase = Phase::Leaving;
            c.since = Instant::now();
            self.flush(key);
        } else {
            c.phase = Phase::Ready;
            c.muted = c.role.mute;
            self.counts.ready += 1;
            if self.flooding {
                self.flush(key);
            }
        }
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
        while failure.is_none() && written < c.out.len() {
            match send(&mut c.stream, &mut c.tls, &c.out[written..]) {
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
                match send(&mut c.stream, &mut c.tls, &pattern[c.pattern_at..]) {
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
    fn lose(&mut self, key: usize, end: End) {
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
        let why = match end {
            End::Closed if phase == Phase::Leaving && c.shut => {
                self.counts.left += 1;
                return;
            }
            End::Closed => "server closed the connection".to_string(),
            End::Failed(why) => why,
            End::Refused => return,
        };
        match phase {
            Phase::Ready if c.role.is_attacker() => {
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

    /// Deregisters and frees the clients marked closed.
    fn close_marked(&mut self) {
        for key in self.to_close.drain(..) {
            if self.clients.contains(key) {
                let mut c = self.clients.remove(key);
                let _ = self.poll.registry().deregister(&mut c.stream);
            }
        }
    }

    /// Fails clients that took longer than the login timeout.
    fn expire(&mut self, now: Instant) {
        let limit = self.target.login_timeout;
        let late: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| {
                !matches!(c.phase, Phase::Ready | Phase::Closed)
                    && now.duration_since(c.since) > limit
            })
            .map(|(k, _)| k)
            .collect();
        for key in late {
            self.lose(key, End::Failed(format!("no answer within {limit:?}")));
        }
    }

    fn note_failure(&mut self, why: String) {
        self.counts.failed += 1;
        self.note_error(why);
    }

    /// Keeps the first error for the report.
    pub fn note_error(&mut self, why: String) {
        self.first_error.get_or_insert(why);
    }

    /// Prints the once-a-second progress line to stderr.
    fn print_progress(&mut self, now: Instant) {
        let p = &mut self.progress;
        if self.target.quiet || now < p.next {
            return;
        }
        let dt = now.duration_since(p.last).as_secs_f64().max(1e-9);
        let received = self.tally.received;
        let c = self.counts;
        let mut line = format!(
            "{:>6.1}s {} {:<8} clients {} logged in {} failed {} dropped {}",
            now.duration_since(p.start).as_secs_f64(),
            self.target.mode,
            p.stage,
            self.clients.len(),
            c.ready,
            c.failed,
            c.dropped
        );
        if self.leave_after_login {
            let rate = (c.left - p.last_left) as f64 / dt;
            line += &format!(" | cycles {} ({}/s)", c.left, si(rate));
        } else {
            let rate = (received - p.last_received) as f64 / dt;
            line += &format!(
                " | sent {} delivered {} ({}/s)",
                si(self.tally.total_sent() as f64),
                si(received as f64),
                si(rate)
            );
        }
        if !self.roles.is_empty() {
            line += &format!(" | attackers dropped {}", c.attackers_dropped);
        }
        if p.tty {
            eprint!("\r\x1b[K{line}");
        } else {
            eprintln!("{line}");
        }
        p.next = now + Duration::from_secs(1);
        p.last = now;
        p.last_received = received;
        p.last_left = c.left;
    }

    /// Ends the progress line so the summary starts on a fresh one.
    pub fn end_progress(&self) {
        if !self.target.quiet && self.progress.tty {
            eprintln!();
        }
    }
}

/// Writes `data` to a client's socket, through its TLS session if it has
/// one; a plain client's bytes go straight to the socket.
fn send(
    stream: &mut TcpStream,
    session: &mut Option<Box<rustls::ClientConnection>>,
    data: &[u8],
) -> io::Result<usize> {
    match session.as_deref_mut() {
        None => stream.write(data),
        Some(session) => tls::write(session, stream, data),
    }
}

/// `v` with a k/M/G suffix, three significant digits.
pub fn si(v: f64) -> String {
    let (v, unit) = match v {
        v if v >= 1e9 => (v / 1e9, "G"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "k"),
        v => (v, ""),
    };
    match v {
        v if unit.is_empty() => format!("{v:.0}"),
        v if v >= 100.0 => format!("{v:.0}{unit}"),
        v if v >= 10.0 => format!("{v:.1}{unit}"),
        v => format!("{v:.2}{unit}"),
    }
}
