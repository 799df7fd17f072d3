//! What a run connects to, and the clients: how they log in, what they do
//! once in (their role), where each is in its life, and the counts of how
//! many got how far.

use std::net::SocketAddrV4;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;

use crate::login::Heard;
use crate::tls::Tls;

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
    /// Each client, once in, ignores the next `ignore` by number (of
    /// `clients`): `/ignore <prefix><m>`.
    pub ignore: (u32, u64),
    /// No progress line on stderr.
    pub quiet: bool,
    /// Mode name, for the progress line.
    pub mode: &'static str,
    /// Connect over TLS with this configuration (`None`: plain TCP).
    pub tls: Option<Tls>,
    /// Speak IRC over a WebSocket (`--websocket`, `websocket.rs`).
    pub websocket: bool,
    /// Failover with resume: where a killed node's users reconnect (a load
    /// balancer in front of the nodes).
    pub balancer: Option<SocketAddrV4>,
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
    /// IRC (`--irc`, `irc.rs`): send `NICK`/`USER` once connected, logged
    /// in at `001`, then `JOIN #load<room>` (with one room too), in at its
    /// `366`. Lines are said as `PRIVMSG #load<room> :<marker>`.
    Irc,
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
pub(super) enum Phase {
    /// Non-blocking connect in progress.
    Connecting,
    /// Connected, waiting for the prompt.
    AwaitPrompt,
    /// Name sent (over IRC: `NICK` and `USER`), waiting for the server's
    /// answer.
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
pub(super) struct Client {
    pub(super) stream: TcpStream,
    /// The TLS session over `stream` (`--tls`); boxed, so a plain client
    /// stays small.
    pub(super) tls: Option<Box<rustls::ClientConnection>>,
    /// Its WebSocket session (`--websocket`): lines as frames.
    pub(super) ws: Option<Box<crate::websocket::Session>>,
    pub(super) phase: Phase,
    /// The `n` of its name and of its source address.
    pub(super) number: u64,
    /// Its room, `n mod rooms` (0 with one room).
    pub(super) room: u32,
    /// Index of the server address it connects to (`n mod addresses`,
    /// unless a probe).
    pub(super) node: u32,
    /// The lines it finds go to the tally (false: they count as foreign).
    pub(super) tallied: bool,
    /// A probe ([`Engine::start_probe`]): its login's outcome is reported
    /// in [`Engine::take_probe_news`], and it counts in no total.
    pub(super) probe: bool,
    /// When the current phase began, for the login deadline.
    pub(super) since: Instant,
    /// The partial last line of the previous read.
    pub(super) carry: Vec<u8>,
    /// Dropping an over-long line: skip input up to the next newline.
    pub(super) skipping: bool,
    /// Bytes written but not yet accepted by the socket.
    pub(super) out: Vec<u8>,
    /// Churn: the write side has been shut down.
    pub(super) shut: bool,
    /// Has seen the current barrier token.
    pub(super) seen_barrier: bool,
    /// What the server sent in the current login phase (prompt, answer).
    pub(super) heard: Heard,
    /// The prompt that asked for the name, to recognise it asked again.
    pub(super) prompt: Option<Vec<u8>>,
    /// What it does once logged in.
    pub(super) role: Role,
    /// Logged in with a mute role: reads nothing any more.
    pub(super) muted: bool,
    /// Where in its role's pattern the next write starts.
    pub(super) pattern_at: usize,
    /// Put before each line it says: empty, or over IRC `PRIVMSG #load<room> :`.
    pub(super) say: Box<[u8]>,
    /// A killed node's user coming back ([`Engine::start_resume`]): the
    /// code it sends at the prompt instead of its name. It counts in no
    /// total and no tally; how its login ends goes to the resumes.
    ///
    /// [`Engine::start_resume`]: super::Engine::start_resume
    pub(super) resume: Option<Box<str>>,
}

/// How a connection ended.
#[derive(Debug)]
pub(super) enum End {
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
