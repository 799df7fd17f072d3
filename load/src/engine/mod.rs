//! The poll loop and the clients in it: connecting, logging in, reading and
//! writing. The modes (`mode/`) decide what to send and when to stop; the
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
//! attackers the server disconnects; the shapes are `mode/abuse.rs`'s.
//!
//! With several server addresses (the nodes of a linechat cluster) client
//! `n` connects to address `n mod count`, its node. For failover runs the
//! engine can also stop counting a node's clients, drop them without a
//! word once that node is killed, watch the others for leave notices
//! (`leaves.rs`), and log in probes: clients with a name of the caller's
//! choosing whose refusal is an answer, not a failure of the run. With
//! resume, the killed node's users keep their codes, count a closed
//! connection as a drop and come back through the balancer with
//! `/resume CODE` (`resume.rs`).
//!
//! With `--tls` every client has a `rustls` session and reads and writes
//! through it (`tls.rs`, whose steps behave like socket calls); the login
//! starts when the handshake has brought the first plaintext. A client
//! without one uses its socket directly, as it always did.

mod barrier;
mod client;
mod connect;
mod progress;
mod read;
mod write;

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

use mio::event::Event;
use mio::{Events, Poll};
use slab::Slab;

use crate::leaves::Leaves;
use crate::resume::Resumes;
use crate::tally::{NO_ROOM, Tally};

use barrier::Barrier;
use client::{Client, End, Phase};
pub use client::{Counts, Login, ProbeNews, Role, Target};
use progress::Progress;
pub use progress::si;

/// Bytes asked for per read. Large, so that a busy receiver empties its
/// socket in one system call and the scan runs over many lines at once.
const READ_SIZE: usize = 256 * 1024;

/// Longest partial line kept from one read to the next. Our marker lines are
/// short; a longer partial line is someone else's (linechat's welcome lists
/// every user), so it is dropped up to its end rather than buffered.
const MAX_CARRY: usize = 64 * 1024;

/// How often login deadlines are checked and the progress clock is looked at.
const TICK: Duration = Duration::from_millis(100);

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
    /// The wall clock at `epoch`: the kernel's arrival stamps are wall
    /// clock times.
    epoch_wall: SystemTime,
    /// Whether plain sockets are read with their arrival stamps (see
    /// [`Engine::stamp_arrivals`]).
    stamping: bool,
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
    /// Failover with resume: the killed node's users coming back.
    pub resumes: Option<Resumes>,
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
            epoch_wall: SystemTime::now(),
            stamping: false,
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
            resumes: None,
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

    /// From now on, the time each measured line arrived in a logged-in
    /// client's socket is recorded too ([`Tally::arrival`]), as the kernel
    /// stamped it: the latency to the reader's socket, without the time
    /// this one process takes to get round to reading thousands of them.
    /// Plain sockets only (a TLS client's bytes are read through its
    /// session). Ask well before the measured line: the kernel turns its
    /// stamping on in the background after the first socket asks.
    pub fn stamp_arrivals(&mut self) -> io::Result<()> {
        for (_, c) in self
            .ready()
            .filter(|(_, c)| c.tls.is_none() && c.ws.is_none())
        {
            crate::os::stamp_arrivals(c.stream.as_raw_fd())?;
        }
        self.stamping = true;
        Ok(())
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

    /// The logged-in clients (not probes, nor users resumed) and their
    /// keys.
    fn ready(&self) -> impl Iterator<Item = (usize, &Client)> {
        self.clients
            .iter()
            .filter(|(_, c)| c.phase == Phase::Ready && !c.probe && c.resume.is_none())
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
                } else if self.target.login == Login::Irc {
                    // An IRC server waits for the client's registration.
                    crate::irc::put_register(&mut c.out, &self.target.prefix, c.number);
                    c.phase = Phase::NameSent;
                    c.since = Instant::now();
                    self.flush(key);
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
            if self.clients.get(key).is_some_and(|c| {
                c.tls.as_ref().is_some_and(|t| t.wants_write())
                    || c.ws.as_ref().is_some_and(|w| w.wants_write())
            }) {
                self.flush(key);
            }
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
}
