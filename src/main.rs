//! The `linechat` command: parse flags into a `Config`, start logging, bind, run.

use linechat::{Config, Server, budget, sys};
use log::{error, info, warn};
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

const HELP: &str = "\
linechat - a chat room for telnet and nc

USAGE:
    linechat [OPTIONS]

OPTIONS:
    --addr HOST:PORT       listen address; a host name is resolved once at start,
                           and :PORT alone is every interface (0.0.0.0)
                           [default: 127.0.0.1:8080]
    --max-clients N        most connections at once [default: open-file limit - 32]
    --max-line BYTES       longest input line [default: 1024]
    --max-outbuf BYTES     output queued for one reader before it is dropped [default: 1048576]
    --login-timeout SECS   time allowed at the name prompt [default: 60]
    --password-timeout SECS
                           time allowed at a registered name's password prompt
                           [default: 20]
    --rate N               lines per second per connection, 0 = no flood control [default: 10]
    --burst N              lines a connection may send at once [default: 20]
    --idle-timeout SECS    close users who send no chat line, /me or /msg for this
                           long (other commands do not count) [default: off]
    --max-per-ip N         connections per source address, 0 = no limit [default: 10]
    --max-pending N        connections at the name prompt at once, 0 = no limit; when
                           full, a newcomer evicts the oldest of the address holding
                           the most [default: 256]
    --max-pending-per-ip N connections at the name prompt from one address, 0 = no
                           limit [default: 8]
    --login-rate N         new connections per address per minute (burst 10), 0 = off
                           [default: 60]
    --ip-rate N            lines per second per address over all its connections
                           (burst twice that); it also turns on per-address budgets
                           of room moves, topics and /history lines; 0 = off
                           [default: 30]
    --keepalive SECS       TCP keepalive: probe a peer silent this long 6 times, every
                           SECS/6 (1 to 10 s), then drop it; 0 = off [default: 60,
                           so a vanished peer is gone within 2 minutes]
    --max-output-memory BYTES
                           output queued for all readers together; past it the
                           largest queues are dropped [default: 268435456]
    --quiet-joins N        above N users, joins and leaves are announced as one
                           line every 10 s; 0 = never [default: 500]
    --memory-budget BYTES  memory the whole process may use; sets --max-output-memory,
                           --max-outbuf, --max-clients and socket buffer sizes so every
                           connection at its worst fits, and sheds load near it
                           [default: the cgroup's memory limit, if any]
    --print-limits         print the limits the memory budget gives, then exit
    --default-room ROOM    the room users start in [default: #lobby]
    --max-rooms N          most rooms at once [default: 1000]
    --rooms-per-ip N       rooms one address may make per hour (N at once), 0 = off
                           [default: 20]
    --history N            chat lines kept per room for /history, 0 = off, at most
                           10000 [default: 100]
    --timestamps           start every line sent with [HH:MM:SS] (UTC)
    --metrics-addr HOST:PORT
                           serve Prometheus metrics at http://HOST:PORT/metrics [default: off]
    --metrics-allow CIDR   addresses (e.g. 10.0.0.0/8 or 192.0.2.7) whose /metrics
                           connections always get one of its 8 slots, taking a
                           stranger's; repeatable [default: none]
    --redis redis://[[USER]:PASSWORD@]HOST:PORT[/DB]
                           share the rooms with the other nodes using this Redis (see
                           the README); also env LINECHAT_REDIS; the password, and an
                           ACL user, may instead come from env LINECHAT_REDIS_PASSWORD
                           and LINECHAT_REDIS_USERNAME [default: off]
    --tls-addr HOST:PORT   also serve the chat over TLS there, with the certificate chain
                           --tls-cert FILE and the private key --tls-key FILE (PEM);
                           SIGHUP reloads both for new connections [default: off]
    --data-dir DIR         keep registered names (/register) in DIR/accounts.redb; with
                           --redis they are kept in Redis instead [default: off:
                           /register answers that accounts are off]
    --max-accounts N       most registered names kept, 0 = no limit [default: 100000]
    --register-rate N      names one address may register per hour, 0 = no limit
                           [default: 3]
    --allow-plaintext-passwords
                           with --tls-addr, also take passwords on the plain port
    --node-timeout SECS    with --redis: a node silent this long is gone, its users are
                           announced as left and their names freed [default: 10]
    --history-retention SECS
                           with --redis: a room's lines are deleted from Redis this
                           long after its last one [default: 604800, 7 days]
    --history-rooms N      with --redis: most rooms whose lines Redis keeps; past it
                           those written to longest ago go [default: 10000]
    -h, --help             print this help
    -V, --version          print the version

Values may also be given as --flag=value. Logging is set with RUST_LOG
(default: info).
";

/// What the command line asks for: where to listen, and the limits.
struct Args {
    /// `--print-limits`: print the limits a budget gives, then exit.
    print_limits: bool,
    /// Which budget-derived limits were given as flags.
    given: budget::Given,
    /// `--addr`, resolved once at start; bound in order until one works.
    addr: Vec<SocketAddr>,
    /// `--metrics-addr`, resolved likewise.
    metrics_addr: Option<Vec<SocketAddr>>,
    /// `--tls-addr` (resolved likewise), `--tls-cert` and `--tls-key`.
    tls: Option<(Vec<SocketAddr>, PathBuf, PathBuf)>,
    /// `--data-dir`: where registered names are kept.
    data_dir: Option<PathBuf>,
    config: Config,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linechat: {message}");
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fd_limit = sys::raise_fd_limit();
    let mut config = args.config;
    // With accounts on, the hasher's working memory is set aside.
    let accounts = config.redis.is_some() || args.data_dir.is_some();
    let hashing = if accounts {
        linechat::accounts::HASH_MEMORY
    } else {
        0
    };
    let budget = apply_budget(&mut config, args.given, fd_limit.after, hashing);
    if args.print_limits {
        print!("{}", limits(&config));
        return ExitCode::SUCCESS;
    }
    info!(
        "open-file limit {} (was {})",
        fd_limit.after, fd_limit.before
    );
    if let Some(line) = budget {
        info!("{line}");
    }
    let listener = match bind(&args.addr) {
        Ok(listener) => listener,
        Err(e) => {
            error!("cannot listen on {}: {e}", show(&args.addr));
            return ExitCode::FAILURE;
        }
    };
    let metrics = match args.metrics_addr.as_deref().map(bind).transpose() {
        Ok(metrics) => metrics,
        Err(e) => {
            let addr = args.metrics_addr.as_deref().map(show).unwrap_or_default();
            error!("cannot serve metrics on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tls = match &args.tls {
        None => None,
        Some((addr, cert, key)) => {
            let config = match linechat::transport::tls::load(cert, key) {
                Ok(config) => config,
                Err(e) => {
                    error!("cannot load the TLS certificate and key: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match bind(addr) {
                Ok(listener) => Some((listener, config, cert, key)),
                Err(e) => {
                    error!("cannot listen for TLS on {}: {e}", show(addr));
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    let redis = config.redis.clone();
    let server = Server::new(listener, metrics, config).and_then(|mut server| {
        if let Some((listener, config, cert, key)) = tls {
            server.serve_tls(listener, config, cert, key)?;
        }
        // With Redis, names are registered for every node; else in the file.
        let store = match (&redis, &args.data_dir) {
            // The URL's display masks its password.
            (Some(url), _) => {
                Some(linechat::accounts::Store::redis(url.clone()).map(|s| (s, url.to_string())))
            }
            (None, Some(dir)) => {
                Some(linechat::accounts::Store::file(dir).map(|s| (s, dir.display().to_string())))
            }
            (None, None) => None,
        };
        if let Some(store) = store {
            let (store, place) = store.map_err(|e| io::Error::other(format!("accounts: {e}")))?;
            server.serve_accounts(store)?;
            info!("registered names kept in {place}");
        }
        server.handle_signals()?;
        Ok(server)
    });
    match server.and_then(Server::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Applies the memory budget (`--memory-budget`, else the cgroup's limit)
/// to the limits not given as flags, logs a warning for each given one that
/// exceeds it, and returns the line that says how the budget was split.
fn apply_budget(
    config: &mut Config,
    given: budget::Given,
    fd_limit: usize,
    hashing: usize,
) -> Option<String> {
    let (bytes, source) = match config.memory_budget {
        Some(bytes) => (bytes, "--memory-budget"),
        None => (sys::cgroup_memory_limit()?, "cgroup"),
    };
    config.budget_from_cgroup = source == "cgroup";
    let split = budget::split(bytes, config.max_line, config.history, hashing);
    let fd_clients = linechat::config::max_clients_for(fd_limit);
    for warning in budget::apply(&split, config, given, fd_clients) {
        warn!("{warning}");
    }
    Some(format!(
        "memory budget {} ({source}): output queues {} together, {} per reader; \
         socket buffers {}; {} clients at most (worst case {} each); \
         {} rooms at most; shedding above 85%",
        budget::human(bytes),
        budget::human(config.max_output_memory),
        budget::human(config.max_outbuf),
        budget::human(config.socket_buffer),
        config.max_clients.unwrap_or(fd_clients),
        budget::human(split.per_connection),
        config.max_rooms,
    ))
}

/// The `key value` lines of `--print-limits`.
fn limits(config: &Config) -> String {
    format!(
        "memory_budget {}\nmax_output_memory {}\nsocket_buffer {}\nmax_clients {}\nmax_outbuf {}\nmax_rooms {}\n",
        config
            .memory_budget
            .map_or_else(|| "none".to_string(), |b| b.to_string()),
        config.max_output_memory,
        config.socket_buffer,
        config
            .max_clients
            .map_or_else(|| "fd-limit".to_string(), |n| n.to_string()),
        config.max_outbuf,
        config.max_rooms,
    )
}

/// Binds the first of `addrs` that can be bound (a host name may resolve
/// to several); the error is the last one seen.
fn bind(addrs: &[SocketAddr]) -> io::Result<TcpListener> {
    let mut last = io::Error::new(io::ErrorKind::AddrNotAvailable, "no address");
    for addr in addrs {
        match TcpListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The addresses a flag resolved to, for an error message.
fn show(addrs: &[SocketAddr]) -> String {
    let all: Vec<String> = addrs.iter().map(SocketAddr::to_string).collect();
    all.join(" or ")
}

/// Reads the command line. `Ok(None)` means help or version was printed.
fn parse_args() -> Result<Option<Args>, String> {
    let mut args = pico_args::Arguments::from_env();
    if args.contains(["-h", "--help"]) {
        print!("{HELP}");
        return Ok(None);
    }
    if args.contains(["-V", "--version"]) {
        println!("linechat {}", env!("CARGO_PKG_VERSION"));
        return Ok(None);
    }
    let mut config = Config::default();
    let addr = address(&mut args, "--addr")?.unwrap_or_else(|| vec![DEFAULT_ADDR.into()]);
    let metrics_addr = address(&mut args, "--metrics-addr")?;
    config.metrics_allow = args
        .values_from_fn("--metrics-allow", |s: &str| {
            s.parse::<linechat::cidr::Cidr>()
        })
        .map_err(|e| format!("--metrics-allow: {e}"))?;
    let tls_addr = address(&mut args, "--tls-addr")?;
    let tls_cert = value::<PathBuf>(&mut args, "--tls-cert", "a PEM certificate file")?;
    let tls_key = value::<PathBuf>(&mut args, "--tls-key", "a PEM private key file")?;
    let tls = match (tls_addr, tls_cert, tls_key) {
        (None, None, None) => None,
        (Some(addr), Some(cert), Some(key)) => Some((addr, cert, key)),
        _ => return Err("--tls-addr, --tls-cert and --tls-key go together".into()),
    };
    let data_dir = value::<PathBuf>(&mut args, "--data-dir", "a directory")?;
    let print_limits = args.contains("--print-limits");
    let given = parse_memory_flags(&mut args, &mut config)?;
    parse_client_flags(&mut args, &mut config)?;
    config.timestamps = args.contains("--timestamps");
    config.allow_plaintext_passwords = args.contains("--allow-plaintext-passwords");
    config.redis = redis_url(&mut args)?;
    if let Some(secs) = value(&mut args, "--node-timeout", "seconds, at least 1")? {
        config.node_timeout = Duration::from_secs(at_least(secs, 1, "--node-timeout")?);
        // Silently ignored, it would look like a setting that took.
        if config.redis.is_none() {
            return Err(
                "--node-timeout needs --redis (it is how long another node may be \
                        silent before its users are counted gone)"
                    .into(),
            );
        }
    }
    if config.allow_plaintext_passwords && tls.is_none() {
        return Err(
            "--allow-plaintext-passwords needs --tls-addr (without TLS the plain \
                    port is the only one, and it takes passwords already)"
                .into(),
        );
    }
    if let Some(dir) = &data_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(format!(
            "invalid value '{}' for --data-dir: not a directory",
            dir.display()
        ));
    }
    if let Some(secs) = value(&mut args, "--history-retention", "seconds, at least 1")? {
        let secs = at_least(secs, 1, "--history-retention")?;
        config.history_retention = Duration::from_secs(secs);
    }
    if let Some(n) = value(
        &mut args,
        "--history-rooms",
        "a number of rooms, at least 1",
    )? {
        config.history_rooms = at_least(n, 1, "--history-rooms")?;
    }
    let rest = args.finish();
    if let Some(first) = rest.first() {
        return Err(format!(
            "unknown argument '{}' (see --help)",
            first.to_string_lossy()
        ));
    }
    Ok(Some(Args {
        print_limits,
        given,
        addr,
        metrics_addr,
        tls,
        data_dir,
        config,
    }))
}

/// The flags a memory budget may set, and the budget; returns which of
/// them were given.
fn parse_memory_flags(
    args: &mut pico_args::Arguments,
    config: &mut Config,
) -> Result<budget::Given, String> {
    config.memory_budget = value(
        args,
        "--memory-budget",
        "a whole number of bytes, at least 16777216",
    )?
    .map(|n| at_least(n, 16 << 20, "--memory-budget"))
    .transpose()?;
    config.max_clients = value(args, "--max-clients", "a whole number of at least 1")?
        .map(|n| at_least(n, 1, "--max-clients"))
        .transpose()?;
    if let Some(n) = value(args, "--max-line", "a whole number of at least 1")? {
        config.max_line = at_least(n, 1, "--max-line")?;
    }
    let outbuf = value(args, "--max-outbuf", "a whole number of at least 1")?;
    let given_outbuf = outbuf.is_some();
    if let Some(n) = outbuf {
        config.max_outbuf = at_least(n, 1, "--max-outbuf")?;
    }
    let output_memory = value(
        args,
        "--max-output-memory",
        "a whole number of bytes, at least 1",
    )?;
    let given_output_memory = output_memory.is_some();
    if let Some(n) = output_memory {
        config.max_output_memory = at_least(n, 1, "--max-output-memory")?;
    }
    let rooms = value(args, "--max-rooms", "a whole number of at least 1")?;
    if let Some(n) = rooms {
        config.max_rooms = at_least(n, 1, "--max-rooms")?;
    }
    Ok(budget::Given {
        max_rooms: rooms.is_some(),
        max_clients: config.max_clients.is_some(),
        max_outbuf: given_outbuf,
        max_output_memory: given_output_memory,
    })
}

/// The flags that limit what each client and each address may do.
fn parse_client_flags(args: &mut pico_args::Arguments, config: &mut Config) -> Result<(), String> {
    if let Some(secs) = value(
        args,
        "--login-timeout",
        "a whole number of seconds, at least 1",
    )? {
        config.login_timeout = Duration::from_secs(at_least(secs, 1, "--login-timeout")?);
    }
    if let Some(max) = value(
        args,
        "--max-accounts",
        "a whole number of names (0 = no limit)",
    )? {
        config.max_accounts = max;
    }
    if let Some(rate) = value(args, "--register-rate", "a whole number per hour (0 = off)")? {
        config.register_rate = rate;
    }
    if let Some(secs) = value(
        args,
        "--password-timeout",
        "a whole number of seconds, at least 1",
    )? {
        config.password_timeout = Duration::from_secs(at_least(secs, 1, "--password-timeout")?);
    }
    if let Some(rate) = value(
        args,
        "--rate",
        "a whole number of lines per second (0 = off)",
    )? {
        config.rate = rate;
    }
    if let Some(burst) = value(args, "--burst", "a whole number of at least 1")? {
        config.burst = at_least(burst, 1, "--burst")?;
    }
    config.idle_timeout = value(
        args,
        "--idle-timeout",
        "a whole number of seconds, at least 1",
    )?
    .map(|secs| at_least(secs, 1, "--idle-timeout").map(Duration::from_secs))
    .transpose()?;
    if let Some(n) = value(args, "--max-per-ip", "a whole number (0 = no limit)")? {
        config.max_per_ip = n;
    }
    if let Some(n) = value(args, "--max-pending", "a whole number (0 = no limit)")? {
        config.max_pending = n;
    }
    if let Some(n) = value(
        args,
        "--max-pending-per-ip",
        "a whole number (0 = no limit)",
    )? {
        config.max_pending_per_ip = n;
    }
    if let Some(n) = value(args, "--login-rate", "connections per minute (0 = off)")? {
        config.login_rate = n;
    }
    if let Some(n) = value(args, "--ip-rate", "lines per second (0 = off)")? {
        config.ip_rate = n;
    }
    if let Some(secs) = value::<u64>(args, "--keepalive", "seconds (0 = off)")? {
        config.keepalive = (secs > 0).then(|| Duration::from_secs(secs));
    }
    if let Some(n) = value(args, "--quiet-joins", "a whole number (0 = never)")? {
        config.quiet_joins = n;
    }
    if let Some(name) = value::<String>(args, "--default-room", "a room name such as #lobby")? {
        config.default_room = linechat::chat::command::room_name(&name)
            .map_err(|why| format!("invalid value '{name}' for --default-room: {why}"))?;
    }
    if let Some(n) = value(args, "--rooms-per-ip", "rooms per hour (0 = off)")? {
        config.rooms_per_ip = n;
    }
    if let Some(n) = value(args, "--history", "a whole number of lines (0 = off)")? {
        config.history = at_most(n, linechat::config::MAX_HISTORY, "--history")?;
    }
    Ok(())
}

/// `--redis URL`, else `LINECHAT_REDIS` if set and not empty, with the
/// credentials of the URL or of `LINECHAT_REDIS_USERNAME` and
/// `LINECHAT_REDIS_PASSWORD` (never both); checked here so a bad URL is a
/// usage error. No error shows a password.
fn redis_url(args: &mut pico_args::Arguments) -> Result<Option<linechat::redis::RedisUrl>, String> {
    use linechat::redis::{PASSWORD_VAR, USERNAME_VAR};
    let env = |name: &str| -> Result<Option<String>, String> {
        match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Some(v)),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not UTF-8")),
        }
    };
    let (username, password) = (env(USERNAME_VAR)?, env(PASSWORD_VAR)?);
    let flag = "redis://[[USER]:PASSWORD@]HOST:PORT[/DB]";
    let (url, from) = match value::<String>(args, "--redis", flag)? {
        Some(url) => (url, "--redis"),
        None => match env("LINECHAT_REDIS")? {
            Some(url) => (url, "LINECHAT_REDIS"),
            None if username.is_some() || password.is_some() => {
                return Err(linechat::redis::AuthError::NoRedis.to_string());
            }
            None => return Ok(None),
        },
    };
    let mut parsed = linechat::redis::parse_url(&url).map_err(|e| {
        let shown = linechat::redis::redact_url(&url);
        format!("invalid value '{shown}' for {from}: {e}")
    })?;
    parsed.auth = linechat::redis::choose_auth(parsed.auth.take(), username, password)
        .map_err(|e| e.to_string())?;
    Ok(Some(parsed))
}

/// `--addr` when none is given.
const DEFAULT_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// A `HOST:PORT` flag resolved to its addresses (a host name is looked up
/// once, here). The error names the flag.
fn address(
    args: &mut pico_args::Arguments,
    flag: &'static str,
) -> Result<Option<Vec<SocketAddr>>, String> {
    let Some(text) = value::<String>(args, flag, "HOST:PORT")? else {
        return Ok(None);
    };
    let expected = "HOST:PORT, such as 127.0.0.1:8080, localhost:8080 or :8080";
    // `:PORT` is every interface, as in Go's net.Listen and HAProxy.
    let with_host = match text.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => text.clone(),
    };
    let addrs: Vec<SocketAddr> = with_host
        .to_socket_addrs()
        .map_err(|e| format!("invalid value '{text}' for {flag}: expected {expected} ({e})"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!(
            "invalid value '{text}' for {flag}: no address found"
        ));
    }
    Ok(Some(addrs))
}

/// The value of `--flag`, parsed; the error names the flag and what it takes.
fn value<T: FromStr>(
    args: &mut pico_args::Arguments,
    flag: &'static str,
    expected: &str,
) -> Result<Option<T>, String> {
    let raw: Option<String> = args
        .opt_value_from_str(flag)
        .map_err(|_| format!("{flag} needs a value: {expected}"))?;
    raw.map(|text| {
        text.parse()
            .map_err(|_| format!("invalid value '{text}' for {flag}: expected {expected}"))
    })
    .transpose()
}

fn at_most<T: PartialOrd + std::fmt::Display>(n: T, max: T, flag: &str) -> Result<T, String> {
    if n > max {
        Err(format!(
            "invalid value '{n}' for {flag}: must be at most {max}"
        ))
    } else {
        Ok(n)
    }
}

fn at_least<T: PartialOrd + std::fmt::Display>(n: T, min: T, flag: &str) -> Result<T, String> {
    if n < min {
        Err(format!(
            "invalid value '{n}' for {flag}: must be at least {min}"
        ))
    } else {
        Ok(n)
    }
}
