//! `linechat-load`: a load generator for line-based chat servers.
//!
//! It speaks to any server where a line sent by one user reaches the others:
//! linechat, `ncat -l --chat`, and the like. It needs nothing from the
//! server's wording: login is "wait for any bytes, send a name", and the
//! measured lines carry a marker that is found wherever the server puts it.
//! One thread and one mio poll loop drive every client. The generator's own
//! CPU share is reported beside the server's, so a run limited by the
//! generator rather than by the server shows as such.
//!
//! # Layout
//!
//! - `main.rs`: command line into [`Options`], the dispatch, the exit code.
//! - `modes.rs`: the load shapes (fanout, idle, churn, abuse, storm) as
//!   stages; abuse's attacker shapes and the well-behaved pair.
//! - `failover.rs`: the failover mode (two or more linechat nodes sharing
//!   one Redis; one is killed while the others chat).
//! - `leaves.rs`: which leave notices each survivor has seen (pure).
//! - `redis_info.rs`: a Redis's commands and CPU time from `INFO` (the
//!   parsing is pure).
//! - `engine.rs`: the poll loop and the clients: connect, log in, read,
//!   write, the readiness barrier, the progress line.
//! - `tls.rs`: `--tls`: the client configuration, and reading and writing
//!   through a client's rustls session as if it were the socket.
//! - `login.rs`: whether the server's answer to a name refuses it (pure).
//! - `rooms.rs`: fanout's rooms: who goes where, the `/join`, its answer
//!   (pure).
//! - `wire.rs`: the marker lines, written and found (pure).
//! - `tally.rs`: counts, order checks, latency histogram, in-flight windows
//!   (pure).
//! - `report.rs`: the summary and the JSON object.
//! - `procfs.rs`: the server's peak RSS and liveness, the kernel's TCP
//!   memory and table, from `/proc` (pure parsers).
//! - `os.rs`: libc: bound sockets, our own CPU time, the port range. The
//!   server's CPU time and RSS and the open-file limit are `linechat::sys`.

mod engine;
mod failover;
mod leaves;
mod login;
mod modes;
mod os;
mod procfs;
mod redis_info;
mod report;
mod rooms;
mod tally;
mod tls;
mod wire;

use std::net::{SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
linechat-load: load generator for line-based chat servers

USAGE:
  linechat-load <MODE> [OPTIONS]

  Against linechat, start the server with flood control and the
  per-address limits off: its default of 10 lines/s per connection paces
  the senders, and a run then reports that pacing (seconds of latency) as
  a clean run; its default of 10 connections per address refuses the
  clients past the tenth. For example:
    linechat --addr 127.0.0.1:8080 --rate 0 --ip-rate 0 --max-per-ip 0 \\
             --max-pending 0 --login-rate 0 &
    linechat-load fanout --clients 100 --duration 10

MODES:
  fanout   --clients clients log in; --senders of them write measured lines
           for --duration seconds while every client reads and counts them.
  idle     --clients clients log in and stay idle; after all join notices
           have drained, one line is broadcast to everyone and timed.
  churn    connect, log in, say one line, close; --concurrency at a time,
           until --count cycles are done. Reports logins per second.
  abuse    --shape SHAPE: a well-behaved pair logs in (each sends a line
           every 100 ms and reads everything), then --clients attackers;
           for --duration seconds they attack while the pair chats. Reports
           the server's peak RSS (VmHWM; needs --pid), the kernel's TCP
           memory at its peak (/proc/net/sockstat, the whole system),
           whether the server survived, how many attackers it disconnected,
           and whether the pair got every line in order (else the run
           fails). Shapes [default clients]:
             flood   send `x\\n` as fast as the server takes it, never
                     read [1000]
             mixed   --flooders of them flood as above [default: a fifth],
                     the rest log in and never read [1000]
             msg     log in and never read, while --senders more clients
                     [default: as many] send them `/msg <name> <1000
                     bytes>` round-robin as fast as the server takes it,
                     and read [100]
             telnet  log in, never read, send only telnet option requests
                     (IAC DO <opt>) as fast as the server takes them [30]
           Against linechat with its flood control on (--rate 10) and the
           per-address limits off. Attackers cap their own socket buffers
           at 16 KiB, so the TCP memory is mostly the server's end.
  storm    the pair and --clients idle users [default: 2000] log in; for
           --duration seconds one client at a time connects, logs in and
           closes, again and again. Reports the pair's latency, the
           server's CPU and the cycles per second.
  failover linechat nodes sharing one Redis (--redis on the server), one
           --addr each, started with --quiet-joins 0: --clients users
           [default: 2000] log in, spread over the nodes, all in one room;
           --senders of them [default: 10], all on the nodes that survive,
           send at --rate lines/s [default: 100] for --duration seconds
           [default: 20]; --kill-after seconds in, the node at the LAST
           --addr is killed with SIGKILL (its process is --kill-pid).
           Reports how long after the kill the first survivor saw a
           `*** NAME has left` for one of the killed node's users, and
           every survivor had seen one for each of them; how long until a
           survivor-side login with a killed user's name (the first and
           the last) succeeds, retried every 50 ms; and loss and order of
           the survivors' lines at every survivor. Fails unless all of it
           happened before the senders stopped, with no loss, no
           reordering, and no leave notice for any of our users before
           the kill (a live node taken for gone). Also --concurrency,
           --grace, --timeout, --prefix.

OPTIONS:
  --addr HOST:PORT       server address, IPv4 [default: 127.0.0.1:8080];
                         repeat it or separate with commas for several
                         (e.g. nodes of one linechat cluster): client n
                         connects to address n mod (number of addresses).
                         Fanout then reports latency apart for same-node
                         pairs (sender and receiver on one address) and
                         cross-node pairs
  --clients N            clients that log in [default: fanout 100, idle 1000,
                         failover 2000]
  --senders N            fanout, failover: clients that send [default: all;
                         failover 10]
  --rooms K              fanout: spread the clients over K rooms: once
                         logged in, client n sends `/join #load<n mod K>`
                         and waits for the answer naming that room; the
                         senders are the first --senders clients, so
                         spread evenly over the rooms. K = 1 sends no
                         /join (any server) [default: 1]. Against
                         linechat, K is at most its --max-rooms (1000)
                         and each room needs 2 clients
  --rate max|N           fanout: `max` = closed loop, each sender keeps at
                         most --window lines not yet seen by every other
                         client; N = N lines/s in total, spread evenly over
                         the senders, whatever the server does [default: max;
                         failover takes N only, default 100]
  --window N             fanout at max rate: lines in flight per sender
                         [default: 16]
  --duration SECS        fanout, abuse, storm, failover: length of the
                         measurement [default: 10; failover 20]
  --grace SECS           time allowed after sending for the last lines to
                         arrive (fanout, idle broadcast, failover) [default: 5]
  --pad BYTES            add BYTES bytes to every measured line [default: 0]
  --count N              churn: cycles to complete [default: 1000]
  --concurrency N        clients connecting or logging in at once; in churn,
                         clients cycling at once [default: 256, churn 50]
  --connect-rate N       start at most N connections per second [default: no
                         limit]; for servers with a short listen backlog
                         (ncat's is 10), where a burst of connects overflows
                         it and costs seconds of SYN retries
  --prefix STR           clients are named <STR><n>, n from 0 [default: u];
                         pick another prefix when users with such names
                         are already in the room (the run stops at the
                         first refused name)
  --no-name              wait for the server's first bytes (a greeting) but
                         send no name; for servers without names that greet
                         on accept, such as `ncat -l --chat` (best there:
                         --concurrency then paces connects to its accepts)
  --no-login             do not wait for anything or send a name: a client
                         is logged in once connected; for servers that send
                         nothing
  --tls                  connect over TLS (rustls: TLS 1.3 or 1.2, ring), in
                         every mode; once the handshake is done the protocol
                         is the plain one. Needs --tls-ca or --tls-insecure.
                         Against linechat: its --tls-addr, e.g.
                           linechat ... --tls-addr 127.0.0.1:8443 \\
                                    --tls-cert cert.pem --tls-key key.pem &
                           linechat-load fanout --addr 127.0.0.1:8443 --tls \\
                                    --tls-ca cert.pem
  --tls-ca FILE          trust the certificates in this PEM file: the
                         server's own self-signed certificate, or the CA
                         that signed it; the server's certificate must name
                         --tls-name. A self-signed one must not say it is a
                         CA (`openssl req -x509` makes it one unless given
                         -addext basicConstraints=critical,CA:FALSE; rcgen's
                         are fine); else use --tls-insecure
  --tls-insecure         trust any certificate, for any name (the handshake's
                         signatures are still checked): for a test server
                         whose certificate is at hand in no file
  --tls-name NAME        the server name sent (SNI) and checked against the
                         certificate with --tls-ca [default: localhost]
  --sources N            spread clients over source addresses 127.0.0.1 to
                         127.0.0.N when one address would run out of ports
                         [default: as many as the connection count needs]
  --login-timeout SECS   longest from connect to logged in, and in churn from
                         our close to the server's [default: 30]
  --timeout SECS         global deadline; the run reports what it has and
                         fails when it passes [default: fanout, abuse and
                         storm duration + grace + 120, idle and churn 120]
  --pid PID              the server's process id (also --server-pid): report
                         its CPU share, in idle mode its RSS per connection,
                         in abuse its peak RSS and survival (/proc/PID).
                         Fanout and failover take one per --addr, in the
                         same order (repeated or comma-separated; fewer is
                         fine), and report each one's CPU share and their
                         sum
  --redis HOST:PORT      fanout: the Redis the nodes share; its INFO is read
                         when the measurement starts, when it ends and when
                         the last line has arrived: its CPU share and
                         commands per second over the measurement, and its
                         commands (XADD apart) per measured line, per sender
                         write (one or more lines in one write: about one
                         server read, so one turn) and per delivery
  --kill-pid PID         failover: the process of the node at the last
                         --addr, killed with SIGKILL
  --kill-after SECS      failover: when to kill it, after the senders start
                         [default: 2]
  --shape SHAPE          abuse: flood, mixed, msg or telnet (see MODES)
  --flooders N           abuse mixed: attackers that flood
  --max-outbuf BYTES     abuse: the server's --max-outbuf; fails the run if
                         peak RSS passes 1.25 x never-readers x BYTES + 20 MiB
  --json                 print one JSON object on stdout instead of the
                         summary
  --quiet                no progress line on stderr
  -h, --help             print this help

PROTOCOL:
  A client logs in by waiting for any bytes (the prompt) and sending
  <prefix><n>; the next bytes it receives mean it is in, unless they refuse
  the name: they have the word `taken` or the words `in use` (any case), or
  they end with the prompt's text again (the last line of the first bytes,
  if it has a letter). A refused name fails the run at once, with exit
  status 1 and a message suggesting --prefix. Measured lines are
  `#L <sender> <seq> <ts_us>`; they are found anywhere in a received line,
  whatever the server puts in front. Other lines are ignored. Each line is
  expected at every logged-in client but its sender (no echo). Before
  measuring, one client sends a `#R <token>` line until every other client
  has seen it (resent with backoff), which proves every client receives
  chat and has read everything queued before it, such as join notices.
  Lines are sent with CRLF, as telnet does. Every client sets TCP_NODELAY.

  With --rooms K > 1 (linechat's rooms): after its name is answered, client
  n sends `/join #load<n mod K>` and is logged in once a line names the room
  followed by a colon (the welcome, `*** Welcome, u5! #load5: ...`) or says
  `already in #load<j>`; a line with `Invalid room name`, `Too many rooms`
  or `Unknown command` stops the run with exit status 1. A line is then
  expected at every other client of its sender's room only; one found in
  another room (measured or barrier) is an error and fails the run. The
  barrier runs in every room at once, its first client sending.

OUTPUT:
  Deliveries per second, expected vs received (loss), out-of-order count,
  latency p50/p90/p99/p99.9/max in microseconds, and gen_cpu: this process's
  CPU time over wall time (1.0 = one core; over the measurement window in
  fanout, abuse and storm, the whole run otherwise). Fanout adds
  gen_ns_per_delivery and, with --pid, server_ns_per_delivery: CPU time
  over the measurement per delivery in the window; and rooms, cross_room. Idle adds login_secs,
  broadcast_p99_us and rss_per_conn_bytes; churn adds logins_per_sec.
  Abuse: latency and loss are the pair's; adds peak_rss_bytes,
  rss_max_sampled_bytes, rss_bar_bytes, tcp_mem_before_bytes,
  tcp_mem_peak_bytes, attackers_dropped, server_alive. Storm: latency and
  loss are the pair's; adds logins (cycles), logins_per_sec, peak_rss_bytes.
  With several --addr, fanout adds nodes and same_node_* and cross_node_*
  latency (p50_us ... max_us); with several --pid, server_cpu is their sum
  and server_cpu_node<i> each one's. With --redis: redis_cpu,
  redis_calls_per_sec, redis_xadd_per_sec, sender_writes,
  redis_calls_per_line, redis_xadd_per_line, redis_calls_per_write,
  redis_xadd_per_write, redis_calls_per_delivery, and redis_calls_<command>
  for each command called (from the start of the measurement to the last
  line's arrival). Failover adds victims, survivors, kill_after_secs,
  first_leave_secs, all_leaves_secs, leaves_seen, leaves_expected,
  early_leaves (leave notices for our users read before the kill: a node
  taken for gone while it ran; fails the run), names_free_secs,
  probe_logins (attempts); its times are seconds after the kill.

EXIT STATUS:
  0 clean run; 1 on loss, reordering, a line in another room, failed or
  dropped clients (not
  attackers the server disconnects), a refused name, a missed deadline, a
  server that died, or peak RSS over the bar; in failover, also on a leave
  never seen, a name never freed, a failover that outlasted the senders,
  or a leave before the kill; 2 on a usage error.
";

/// Which load shape to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fanout,
    Idle,
    Churn,
    Abuse,
    Storm,
    Failover,
}

/// Everything the command line sets; see `HELP` for each.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// The servers; client `n` connects to `addrs[n % addrs.len()]`.
    pub addrs: Vec<SocketAddrV4>,
    pub clients: u64,
    pub senders: u64,
    /// Fanout: rooms the clients spread over (1: no `/join`).
    pub rooms: u32,
    /// Total lines per second; `None` for max (closed loop).
    pub rate: Option<f64>,
    pub window: u64,
    pub duration: Duration,
    pub grace: Duration,
    pub pad: usize,
    pub count: u64,
    pub concurrency: u64,
    /// Most connects started per second; `None` for no limit.
    pub connect_rate: Option<f64>,
    pub prefix: String,
    pub login: engine::Login,
    pub sources: Option<u32>,
    pub login_timeout: Duration,
    pub timeout: Option<Duration>,
    /// The first of `pids`: the server whose RSS and survival idle,
    /// abuse and storm report.
    pub pid: Option<u32>,
    /// Server processes, one per address in order (fanout, failover).
    pub pids: Vec<u32>,
    /// Fanout: the Redis whose `INFO` is read over the measurement.
    pub redis: Option<SocketAddrV4>,
    /// Failover: the process of the node at the last address.
    pub kill_pid: Option<u32>,
    /// Failover: when to kill it, after the senders start.
    pub kill_after: Duration,
    /// Abuse: the attackers' shape.
    pub shape: Option<modes::Shape>,
    /// Abuse (mixed): attackers that flood.
    pub flooders: u64,
    /// Abuse: the server's `--max-outbuf`, for the RSS bar.
    pub max_outbuf: Option<u64>,
    pub json: bool,
    pub quiet: bool,
    /// `--tls`: the clients' TLS configuration.
    pub tls: Option<tls::Tls>,
}

fn main() -> ExitCode {
    let opts = match parse(pico_args::Arguments::from_env()) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("linechat-load: {e} (try --help)");
            return ExitCode::from(2);
        }
    };
    // Every client is a descriptor; the usual soft limit (1024) would stop a
    // run long before the machine does.
    let nofile = linechat::sys::raise_fd_limit().after;
    let needed = match opts.mode {
        Mode::Churn => opts.concurrency,
        Mode::Abuse => opts.clients + opts.senders + 2,
        Mode::Storm => opts.clients + 3,
        Mode::Failover => opts.clients + 2,
        _ => opts.clients,
    };
    if needed + 16 > nofile as u64 {
        eprintln!("linechat-load: warning: {needed} clients but the open-file limit is {nofile}");
    }
    let run = match opts.mode {
        Mode::Fanout => modes::fanout(&opts),
        Mode::Idle => modes::idle(&opts),
        Mode::Churn => modes::churn(&opts),
        Mode::Abuse => modes::abuse(&opts),
        Mode::Storm => modes::storm(&opts),
        Mode::Failover => failover::run(&opts),
    };
    let report = match run {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linechat-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    if opts.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The modes, for messages.
const MODES: &str = "fanout, idle, churn, abuse, storm or failover";

/// The options, `None` for `--help`, or a one-line error.
fn parse(mut args: pico_args::Arguments) -> Result<Option<Options>, String> {
    if args.contains(["-h", "--help"]) {
        return Ok(None);
    }
    let mode = match args.subcommand().map_err(|e| e.to_string())?.as_deref() {
        Some("fanout") => Mode::Fanout,
        Some("idle") => Mode::Idle,
        Some("churn") => Mode::Churn,
        Some("abuse") => Mode::Abuse,
        Some("storm") => Mode::Storm,
        Some("failover") => Mode::Failover,
        Some(other) => {
            return Err(format!("unknown mode `{other}`: expected {MODES}"));
        }
        None => return Err(format!("missing mode: {MODES}")),
    };
    let shape =
        match opt::<String>(&mut args, "--shape")? {
            None => None,
            Some(s) => Some(modes::Shape::parse(&s).ok_or_else(|| {
                format!("--shape: expected flood, mixed, msg or telnet, got `{s}`")
            })?),
        };
    if (mode == Mode::Abuse) != shape.is_some() {
        return Err("--shape: needed by abuse, and only there".into());
    }
    let mut addrs = Vec::new();
    for s in list(&mut args, "--addr")? {
        addrs.push(resolve_v4(&s)?);
    }
    if addrs.is_empty() {
        addrs.push(resolve_v4("127.0.0.1:8080")?);
    }
    let mut pids = Vec::new();
    for key in ["--pid", "--server-pid"] {
        for s in list(&mut args, key)? {
            pids.push(
                s.parse::<u32>()
                    .map_err(|e| format!("{key}: bad value `{s}`: {e}"))?,
            );
        }
    }
    let redis = match opt::<String>(&mut args, "--redis")? {
        Some(s) => Some(resolve_v4(&s)?),
        None => None,
    };
    let clients: u64 = opt(&mut args, "--clients")?.unwrap_or(match (mode, shape) {
        (Mode::Idle, _) => 1000,
        (Mode::Storm | Mode::Failover, _) => 2000,
        (_, Some(shape)) => shape.default_clients(),
        _ => 100,
    });
    let senders: Option<u64> = opt(&mut args, "--senders")?;
    let rate = match opt::<String>(&mut args, "--rate")?.as_deref() {
        None if mode == Mode::Failover => Some(100.0),
        None | Some("max") => None,
        Some(s) => match s.parse::<f64>() {
            Ok(r) if r > 0.0 && r.is_finite() => Some(r),
            _ => {
                return Err(format!(
                    "--rate: expected `max` or a positive number, got `{s}`"
                ));
            }
        },
    };
    let secs =
        |args: &mut pico_args::Arguments, key: &'static str| -> Result<Option<Duration>, String> {
            match args
                .opt_value_from_str::<_, f64>(key)
                .map_err(|e| e.to_string())?
            {
                None => Ok(None),
                Some(s) if s >= 0.0 && s.is_finite() => Ok(Some(Duration::from_secs_f64(s))),
                Some(s) => Err(format!("{key}: expected seconds, got {s}")),
            }
        };
    let tls = {
        let ca = opt::<std::path::PathBuf>(&mut args, "--tls-ca")?;
        let insecure = args.contains("--tls-insecure");
        let name = opt::<String>(&mut args, "--tls-name")?;
        match (args.contains("--tls"), ca, insecure) {
            (false, None, false) if name.is_none() => None,
            (false, ..) => {
                return Err("--tls-ca, --tls-insecure and --tls-name go with --tls".into());
            }
            (true, Some(_), true) => {
                return Err("--tls-ca and --tls-insecure: one or the other".into());
            }
            (true, None, false) => {
                return Err(
                    "--tls: needs --tls-ca FILE (the server's certificate or its CA, PEM) \
                     or --tls-insecure"
                        .into(),
                );
            }
            (true, ca, _) => {
                let trust = ca.map_or(tls::Trust::Anything, tls::Trust::Ca);
                Some(tls::Tls::new(
                    &trust,
                    name.as_deref().unwrap_or("localhost"),
                )?)
            }
        }
    };
    let opts = Options {
        mode,
        addrs,
        clients,
        senders: senders.unwrap_or(if mode == Mode::Failover { 10 } else { clients }),
        rooms: opt(&mut args, "--rooms")?.unwrap_or(1),
        rate,
        window: opt(&mut args, "--window")?.unwrap_or(16),
        duration: secs(&mut args, "--duration")?.unwrap_or(Duration::from_secs(
            if mode == Mode::Failover { 20 } else { 10 },
        )),
        grace: secs(&mut args, "--grace")?.unwrap_or(Duration::from_secs(5)),
        pad: opt(&mut args, "--pad")?.unwrap_or(0),
        count: opt(&mut args, "--count")?.unwrap_or(1000),
        concurrency: opt(&mut args, "--concurrency")?.unwrap_or(if mode == Mode::Churn {
            50
        } else {
            256
        }),
        connect_rate: match opt::<f64>(&mut args, "--connect-rate")? {
            Some(r) if r > 0.0 && r.is_finite() => Some(r),
            Some(r) => {
                return Err(format!(
                    "--connect-rate: expected a positive number, got {r}"
                ));
            }
            None => None,
        },
        prefix: opt(&mut args, "--prefix")?.unwrap_or_else(|| "u".into()),
        login: match (args.contains("--no-name"), args.contains("--no-login")) {
            (_, true) => engine::Login::Connected,
            (true, false) => engine::Login::Greeting,
            (false, false) => engine::Login::Name,
        },
        sources: opt(&mut args, "--sources")?,
        login_timeout: secs(&mut args, "--login-timeout")?.unwrap_or(Duration::from_secs(30)),
        timeout: secs(&mut args, "--timeout")?,
        pid: pids.first().copied(),
        pids,
        redis,
        kill_pid: opt(&mut args, "--kill-pid")?,
        kill_after: secs(&mut args, "--kill-after")?.unwrap_or(Duration::from_secs(2)),
        shape,
        flooders: opt(&mut args, "--flooders")?.unwrap_or(clients / 5),
        max_outbuf: opt(&mut args, "--max-outbuf")?,
        json: args.contains("--json"),
        quiet: args.contains("--quiet"),
        tls,
    };
    let rest = args.finish();
    if let Some(extra) = rest.first() {
        return Err(format!("unexpected argument `{}`", extra.to_string_lossy()));
    }
    check(&opts)?;
    Ok(Some(opts))
}

/// The value of option `key`, if given; errors name the option.
fn opt<T: std::str::FromStr>(
    args: &mut pico_args::Arguments,
    key: &'static str,
) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    args.opt_value_from_str(key).map_err(|e| match e {
        pico_args::Error::Utf8ArgumentParsingFailed { value, cause } => {
            format!("{key}: bad value `{value}`: {cause}")
        }
        e => format!("{key}: {e}"),
    })
}

/// Every value of an option that may be repeated and whose values may be
/// separated by commas (`--addr a --addr b`, `--addr a,b`), in order.
fn list(args: &mut pico_args::Arguments, key: &'static str) -> Result<Vec<String>, String> {
    let values: Vec<String> = args
        .values_from_str(key)
        .map_err(|e| format!("{key}: {e}"))?;
    let mut out = Vec::new();
    for v in &values {
        for part in v.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("{key}: empty value in `{v}`"));
            }
            out.push(part.to_string());
        }
    }
    Ok(out)
}

/// Most `--rooms`: their numbers must fit in the barrier token's low bits.
const MAX_ROOMS: u32 = 1 << 20;

/// Rejects combinations that cannot run.
fn check(o: &Options) -> Result<(), String> {
    if o.clients < 2 && matches!(o.mode, Mode::Fanout | Mode::Idle) {
        return Err("--clients: need at least 2 (a sender and a receiver)".into());
    }
    if o.mode == Mode::Abuse && o.clients == 0 {
        return Err("--clients: need at least 1 attacker".into());
    }
    if o.shape == Some(modes::Shape::Mixed) && !(1..=o.clients).contains(&o.flooders) {
        return Err(format!(
            "--flooders: must be 1 to --clients ({})",
            o.clients
        ));
    }
    if o.shape == Some(modes::Shape::Msg) && o.senders == 0 {
        return Err("--senders: need at least 1 to send /msg".into());
    }
    if matches!(o.mode, Mode::Abuse | Mode::Storm) && o.duration.is_zero() {
        return Err("--duration must be above 0".into());
    }
    if o.mode == Mode::Fanout && (o.senders == 0 || o.senders > o.clients) {
        return Err(format!("--senders: must be 1 to --clients ({})", o.clients));
    }
    if o.rooms == 0 || o.rooms > MAX_ROOMS {
        return Err(format!("--rooms: 1 to {MAX_ROOMS}"));
    }
    if o.rooms > 1 && o.mode != Mode::Fanout {
        return Err("--rooms: fanout only".into());
    }
    if o.rooms > 1 && o.clients < 2 * u64::from(o.rooms) {
        return Err(format!(
            "--rooms: each room needs 2 clients, so --clients at least {}",
            2 * u64::from(o.rooms)
        ));
    }
    let per_room = rooms::senders_per_room(o.senders, o.rooms);
    if o.mode == Mode::Fanout && o.clients.saturating_mul(per_room) > 100_000_000 {
        return Err(
            "--clients × senders per room over 100 million: order tracking would not fit".into(),
        );
    }
    if o.window == 0 || o.concurrency == 0 || o.count == 0 {
        return Err("--window, --concurrency and --count must be at least 1".into());
    }
    if o.mode == Mode::Fanout && o.duration.is_zero() {
        return Err("--duration must be above 0".into());
    }
    if o.sources.is_some_and(|n| !(1..=254).contains(&n)) {
        return Err("--sources: 1 to 254".into());
    }
    if o.pids.len() > 1 && !matches!(o.mode, Mode::Fanout | Mode::Failover) {
        return Err("--pid: one only, except in fanout and failover".into());
    }
    if o.pids.len() > o.addrs.len() {
        return Err(format!("--pid: at most one per --addr ({})", o.addrs.len()));
    }
    if o.redis.is_some() && o.mode != Mode::Fanout {
        return Err("--redis: fanout only".into());
    }
    if (o.mode == Mode::Failover) != o.kill_pid.is_some() {
        return Err("--kill-pid: needed by failover, and only there".into());
    }
    if o.mode == Mode::Failover {
        failover::check(o)?;
    }
    if o.pad > 900 {
        return Err("--pad: at most 900, so a line stays under the usual 1024-byte cap".into());
    }
    Ok(())
}

/// The first IPv4 address `s` names.
fn resolve_v4(s: &str) -> Result<SocketAddrV4, String> {
    let addrs = s
        .to_socket_addrs()
        .map_err(|e| format!("--addr `{s}`: {e}"))?;
    addrs
        .filter_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        })
        .next()
        .ok_or_else(|| format!("--addr `{s}`: no IPv4 address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Option<Options>, String> {
        parse(pico_args::Arguments::from_vec(
            s.split_whitespace().map(Into::into).collect(),
        ))
    }

    #[test]
    fn defaults_and_flags_parse() {
        let o = parse_str("fanout --clients 10 --senders 3 --rate 500 --no-login --json")
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.mode, o.clients, o.senders, o.rate),
            (Mode::Fanout, 10, 3, Some(500.0))
        );
        assert!(o.login == engine::Login::Connected && o.json && !o.quiet);
        assert_eq!((o.addrs.len(), o.addrs[0].port()), (1, 8080));
        let o = parse_str("idle").unwrap().unwrap();
        assert_eq!((o.clients, o.senders, o.concurrency), (1000, 1000, 256));
        assert!(parse_str("churn --help").unwrap().is_none());
        let o = parse_str("abuse --shape mixed --server-pid 7 --max-outbuf 262144")
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.mode, o.shape, o.clients, o.flooders),
            (Mode::Abuse, Some(modes::Shape::Mixed), 1000, 200)
        );
        assert_eq!((o.pid, o.max_outbuf), (Some(7), Some(262_144)));
        let o = parse_str("abuse --shape msg").unwrap().unwrap();
        assert_eq!((o.clients, o.senders), (100, 100));
        let o = parse_str("storm --duration 3").unwrap().unwrap();
        assert_eq!((o.mode, o.clients), (Mode::Storm, 2000));
        let o = parse_str("fanout").unwrap().unwrap();
        assert_eq!((o.rooms, o.pids.len(), o.redis), (1, 0, None));
        let o = parse_str("fanout --clients 10000 --rooms 100 --senders 100")
            .unwrap()
            .unwrap();
        assert_eq!((o.clients, o.rooms, o.senders), (10_000, 100, 100));
        assert!(o.tls.is_none());
        let o = parse_str("churn --tls --tls-insecure --tls-name chat.example")
            .unwrap()
            .unwrap();
        assert!(o.tls.is_some());
    }

    #[test]
    fn several_addresses_and_pids_repeat_or_take_commas() {
        let o = parse_str(
            "fanout --addr 127.0.0.1:1,127.0.0.1:2 --addr 127.0.0.1:3 --pid 10,11 --pid 12 \
             --redis 127.0.0.1:6379",
        )
        .unwrap()
        .unwrap();
        let ports: Vec<u16> = o.addrs.iter().map(|a| a.port()).collect();
        assert_eq!(ports, [1, 2, 3]);
        assert_eq!((o.pids, o.pid), (vec![10, 11, 12], Some(10)));
        assert_eq!(o.redis.map(|a| a.port()), Some(6379));
        let o = parse_str("failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9")
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.mode, o.clients, o.senders, o.rate, o.kill_pid),
            (Mode::Failover, 2000, 10, Some(100.0), Some(9))
        );
        assert_eq!((o.duration.as_secs(), o.kill_after.as_secs()), (20, 2));
    }

    #[test]
    fn bad_input_is_one_line_errors() {
        for bad in [
            "",
            "hurricane",
            "fanout --bogus",
            "fanout --clients x",
            "fanout --rate fast",
            "fanout --senders 200",
            "idle --addr nowhere",
            "churn --count 0",
            "abuse",
            "abuse --shape bogus",
            "fanout --shape flood",
            "abuse --shape mixed --clients 10 --flooders 11",
            "abuse --shape msg --senders 0",
            "storm --duration 0",
            "fanout --rooms 0",
            "fanout --clients 10 --rooms 6",
            "idle --rooms 2",
            "fanout --clients 100000 --senders 2000 --rooms 1",
            "fanout --addr 127.0.0.1:1,,127.0.0.1:2",
            "fanout --pid 1,2",
            "idle --addr 127.0.0.1:1,127.0.0.1:2 --pid 1,2",
            "fanout --pid x",
            "idle --redis 127.0.0.1:6379",
            "failover --addr 127.0.0.1:1,127.0.0.1:2",
            "failover --kill-pid 9",
            "fanout --kill-pid 9",
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --rate max",
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --clients 2",
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --clients 10 --senders 6",
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --kill-after 20",
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --no-name",
            "fanout --tls",
            "fanout --tls-insecure",
            "fanout --tls-name localhost",
            "fanout --tls --tls-insecure --tls-ca ca.pem",
            "fanout --tls --tls-ca /nonexistent/ca.pem",
            "fanout --tls --tls-insecure --tls-name",
        ] {
            let err = parse_str(bad)
                .err()
                .unwrap_or_else(|| panic!("`{bad}` should fail"));
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
