//! Every limit the server enforces, with its default and the reason for it.
//!
//! `Config` is plain data: the CLI (`main.rs`) fills it in, tests build it
//! directly, and the server reads it. Nothing here touches a socket; the
//! addresses to listen on are bound by `main` (or a test) and handed over
//! as listeners.

use std::time::Duration;

/// Descriptors kept back from `--max-clients` when it is derived from the
/// open-file limit: the listener, the poll instance, the signal pipe, the
/// metrics listener and a few for the logger and for `accept` to fail cleanly.
pub const FD_RESERVE: usize = 32;

/// Connections one address may open at once before `--login-rate` applies.
pub const LOGIN_BURST: u32 = 10;

/// Most chat lines a room may keep for `/history` (`--history`). Each room
/// keeps its own, up to `--max-line` bytes a line: 10,000 is 10 MiB a room
/// at the default line length, already far more than a reader scrolls.
pub const MAX_HISTORY: usize = 10_000;

/// Unanswered keepalive probes after which the kernel drops the connection.
pub const KEEPALIVE_PROBES: u32 = 6;

/// Time between TCP keepalive probes once a peer has been silent for `idle`
/// (`--keepalive`): a sixth of it, between 1 and 10 s, so the default of
/// 60 s probes every 10 s and drops a vanished peer after 2 minutes.
pub fn keepalive_interval(idle: Duration) -> Duration {
    (idle / KEEPALIVE_PROBES).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

/// Runtime settings for one server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Most connections (logged in or at the prompt) held at once
    /// (`--max-clients`). One more is told the server is full and closed.
    /// `None` means "as many as the open-file limit allows".
    pub max_clients: Option<usize>,
    /// Longest accepted input line in bytes, without its line end
    /// (`--max-line`). It also bounds the input a connection may buffer.
    pub max_line: usize,
    /// Most bytes queued for one reader (`--max-outbuf`). A reader that falls
    /// this far behind is disconnected, so one stalled client cannot make the
    /// server hold the whole room's traffic for it.
    pub max_outbuf: usize,
    /// How long a connection may sit at the name prompt (`--login-timeout`).
    pub login_timeout: Duration,
    /// Most names the accounts store keeps (`--max-accounts`); 0 is no
    /// limit.
    pub max_accounts: usize,
    /// Names one address may register per hour (`--register-rate`), all
    /// at once at most; 0 is no limit.
    pub register_rate: u32,
    /// How long a registered name's password prompt stays open
    /// (`--password-timeout`): a deadline of its own, so a prompt cannot
    /// be held for the whole login timeout.
    pub password_timeout: Duration,
    /// Sustained lines per second one connection may send (`--rate`); 0 turns
    /// flood control off. A connection out of tokens is simply not read until
    /// its bucket refills, so nothing it sent is lost.
    pub rate: u32,
    /// Lines a connection may send at once before `rate` applies (`--burst`).
    pub burst: u32,
    /// Close chatting users who sent no chat line, `/me` or `/msg` for this
    /// long (`--idle-timeout`); off if `None`. Other commands such as `/who`
    /// are not activity: a script polling `/who` should not hold a name.
    pub idle_timeout: Option<Duration>,
    /// Most connections from one source address (`--max-per-ip`); 0 is off.
    /// On by default: without it one address can take every slot.
    pub max_per_ip: usize,
    /// Most connections still at the name prompt (`--max-pending`); 0 is
    /// off. Like sshd's `MaxStartups`: prompt squatters cannot starve logins.
    pub max_pending: usize,
    /// Most connections from one source address still at the name prompt
    /// (`--max-pending-per-ip`); 0 is off. With it, a few addresses with
    /// handshakes that never finish cannot fill `max_pending`; and when it
    /// is full, a newcomer evicts the oldest pending connection of the
    /// address holding the most, rather than being refused.
    pub max_pending_per_ip: usize,
    /// New connections one address may open per minute, with a burst of
    /// [`LOGIN_BURST`] (`--login-rate`); 0 is off. Stops reconnect loops.
    pub login_rate: u32,
    /// Lines per second one address may send over all its connections
    /// (`--ip-rate`), with a burst of twice that; 0 is off. Without it, N
    /// connections from one address send N times `--rate`. With it, the
    /// address's room moves, topic sets and `/history` lines have budgets
    /// too (see `chat/throttle.rs`).
    pub ip_rate: u32,
    /// TCP keepalive idle time (`--keepalive`); `None` is off. Probes follow
    /// every [`keepalive_interval`], [`KEEPALIVE_PROBES`] times, and
    /// unacknowledged output may wait as long, so a vanished peer is gone
    /// within idle + interval × probes.
    pub keepalive: Option<Duration>,
    /// Output queued for all readers together (`--max-output-memory`), in
    /// bytes of memory it costs; past it the largest queues are dropped.
    pub max_output_memory: usize,
    /// Room size above which joins and leaves are announced as one digest
    /// line per `digest_interval` instead of one line each
    /// (`--quiet-joins`); 0 is never. Also removes the O(N²) cost of
    /// announcing every join of a big room to everyone.
    pub quiet_joins: usize,
    /// How often the digest of joins and leaves is told (10 s; no flag).
    pub digest_interval: Duration,
    /// The room every user starts in (`--default-room`), canonical form
    /// (`#` and lower case).
    pub default_room: String,
    /// Most rooms at once (`--max-rooms`): each costs memory for its
    /// history, and `/rooms` must stay readable.
    pub max_rooms: usize,
    /// Most rooms one user of a client that speaks in requests (IRC) may
    /// be in at once (`--max-rooms-per-user`, IRC's `CHANLIMIT`). A telnet
    /// user is always in exactly one.
    pub max_rooms_per_user: usize,
    /// The name the server calls itself on IRC (`--irc-server-name`): the
    /// prefix of its numerics and notices.
    pub irc_server_name: String,
    /// `--web-origin`: origins, besides the page's own, whose pages may
    /// open a WebSocket on the web listener (cross-site WebSocket
    /// hijacking is refused for every other).
    pub web_origins: Vec<String>,
    /// Rooms one address may make per hour, with a burst of as many
    /// (`--rooms-per-ip`); 0 is off. Without it one address can make every
    /// room `--max-rooms` allows, and nobody else can make one.
    pub rooms_per_ip: u32,
    /// Chat lines kept per room for `/history` (`--history`); 0 is off.
    pub history: usize,
    /// How long a closed session can be resumed with its code
    /// (`--resume-window`, default 10 minutes; zero is off): its record
    /// (name, rooms, positions) is kept that long, and no longer.
    pub resume_window: Duration,
    /// `--notify-mentions`: a registered name logging in past its resume
    /// window is shown, per room, the lines that named it since it left
    /// (among the last `--history`), besides how many were said. Off by
    /// default; a server setting, not a per-user one.
    pub notify_mentions: bool,
    /// The memory the whole process may use (`--memory-budget`, or the
    /// cgroup's limit); `None` is no budget. `main` derives the limits
    /// above from it (see `budget`), and near it the server sheds load.
    pub memory_budget: Option<usize>,
    /// The budget is the cgroup's limit, so memory in use is what the
    /// cgroup is charged (`main` sets it).
    pub budget_from_cgroup: bool,
    /// Kernel send and receive buffer of each chat socket, in bytes (Linux
    /// doubles it). 128 KiB by default: enough for a whole iteration of
    /// fan-out to a fast reader, and a never-reader or a held flooder pins
    /// little kernel memory. A memory budget sets it smaller.
    pub socket_buffer: usize,
    /// Prefix every line a user receives with `[HH:MM:SS] ` in UTC (`--timestamps`).
    pub timestamps: bool,
    /// `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]` (`--redis`, or
    /// `LINECHAT_REDIS`; the credentials may come from
    /// `LINECHAT_REDIS_USERNAME` and `LINECHAT_REDIS_PASSWORD` instead):
    /// share the rooms with every other node using this Redis. `None` (the
    /// default) is a node on its own, with no Redis at all.
    pub redis: Option<crate::redis::RedisUrl>,
    /// With `--redis`, how long a node may miss its heartbeat before the
    /// others count it gone (`--node-timeout`, default 10 s): they announce
    /// its users as left and free their names. Shorter notices a dead node
    /// sooner; it must stay well above a Redis blip or a slow iteration.
    pub node_timeout: Duration,
    /// With `--redis`, how long a room's stream (its lines, for `/history`
    /// and for nodes catching up) is kept after its last line
    /// (`--history-retention`, default 7 days): Redis deletes it then.
    pub history_retention: Duration,
    /// With `--redis`, most room streams kept (`--history-rooms`, default
    /// 10,000): past it the streams written to longest ago are deleted, so
    /// Redis holds at most this many times a stream's 10,000 entries.
    pub history_rooms: usize,
    /// With a TLS listener, take passwords on the plain port too
    /// (`--allow-plaintext-passwords`); off by default, so a password never
    /// crosses the network in the clear.
    pub allow_plaintext_passwords: bool,
    /// Address ranges whose `/metrics` connections always get a slot
    /// (`--metrics-allow`, repeatable): when the few slots are full, one
    /// of them takes a stranger's, so slow strangers cannot lock the
    /// scraper out.
    pub metrics_allow: Vec<crate::cidr::Cidr>,
    /// `--admins`: a file of the registered names that may be server
    /// operators, one a line, read at start and again on SIGHUP (see
    /// `chat/operators.rs`). None: nobody is one.
    pub admins: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_clients: None,
            max_line: 1024,
            max_outbuf: 1024 * 1024,
            login_timeout: Duration::from_secs(60),
            password_timeout: Duration::from_secs(20),
            max_accounts: 100_000,
            register_rate: 3,
            rate: 10,
            burst: 20,
            idle_timeout: None,
            max_per_ip: 10,
            max_pending: 256,
            max_pending_per_ip: 8,
            login_rate: 60,
            ip_rate: 30,
            keepalive: Some(Duration::from_secs(60)),
            max_output_memory: 256 * 1024 * 1024,
            quiet_joins: 500,
            digest_interval: Duration::from_secs(10),
            default_room: "#lobby".into(),
            max_rooms: 1000,
            max_rooms_per_user: 20,
            irc_server_name: crate::irc::session::SERVER.into(),
            web_origins: Vec::new(),
            rooms_per_ip: 20,
            history: 100,
            resume_window: Duration::from_secs(600),
            notify_mentions: false,
            memory_budget: None,
            budget_from_cgroup: false,
            socket_buffer: 128 * 1024,
            timestamps: false,
            redis: None,
            node_timeout: Duration::from_secs(10),
            history_retention: Duration::from_secs(7 * 24 * 3600),
            history_rooms: 10_000,
            allow_plaintext_passwords: false,
            metrics_allow: Vec::new(),
            admins: None,
        }
    }
}

/// The flags that turn the per-address limits off: for load runs and
/// tests whose clients all come from 127.0.0.1. With `--rate 0` as well
/// they give [`Config::unlimited`].
pub const NO_ADDRESS_LIMITS: &[&str] = &[
    "--ip-rate",
    "0",
    "--max-per-ip",
    "0",
    "--max-pending",
    "0",
    "--max-pending-per-ip",
    "0",
    "--login-rate",
    "0",
    "--rooms-per-ip",
    "0",
];

impl Config {
    /// No limits on addresses, prompts or lines: for load runs and for tests
    /// that open many connections from 127.0.0.1 (the flags: `--rate 0`
    /// and [`NO_ADDRESS_LIMITS`]).
    pub fn unlimited() -> Config {
        Config {
            rate: 0,
            max_per_ip: 0,
            max_pending: 0,
            max_pending_per_ip: 0,
            login_rate: 0,
            ip_rate: 0,
            rooms_per_ip: 0,
            quiet_joins: 0,
            ..Config::default()
        }
    }
}

/// The default `--max-clients` for a given open-file limit.
pub fn max_clients_for(fd_limit: usize) -> usize {
    fd_limit.saturating_sub(FD_RESERVE).max(1)
}
