//! The `linechat` command: parse flags into a `Config`, start logging, bind, run.

mod cli;

use cli::{Listen, parse_args};
use linechat::{Config, Server, budget, sys};
use log::{error, info, warn};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linechat: {message}");
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fd_limit = sys::raise_fd_limit();
    let mut config = std::mem::take(&mut args.config);
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
    let listeners = match bind_all(&args) {
        Ok(listeners) => listeners,
        Err(message) => {
            error!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match start(listeners, config, args.data_dir.as_deref()).and_then(Server::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The sockets the command line asks for, bound before the server starts
/// (so a port in use is an error at once), and the TLS files loaded.
struct Listeners<'a> {
    chat: TcpListener,
    metrics: Option<TcpListener>,
    /// The TLS listener, its configuration and the files it came from.
    tls: Option<(TcpListener, TlsConfig, &'a Path, &'a Path)>,
    /// The IRC listener (`--irc-addr`).
    irc: Option<TcpListener>,
    /// The IRC over TLS listener (`--ircs-addr`).
    ircs: Option<TcpListener>,
    /// The web listener (`--web-addr`).
    web: Option<TcpListener>,
    /// The web listener over TLS (`--webs-addr`).
    webs: Option<TcpListener>,
}

/// A TLS listener's configuration.
type TlsConfig = std::sync::Arc<rustls::ServerConfig>;

/// Binds every listener; the error says which one failed.
fn bind_all(args: &cli::Args) -> Result<Listeners<'_>, String> {
    let (addr, metrics, tls) = (&args.addr, args.metrics_addr.as_deref(), &args.tls);
    let chat = bind(addr).map_err(|e| format!("cannot listen on {}: {e}", show(addr)))?;
    let metrics = match metrics {
        Some(addr) => {
            Some(bind(addr).map_err(|e| format!("cannot serve metrics on {}: {e}", show(addr)))?)
        }
        None => None,
    };
    let tls = match tls {
        None => None,
        Some((addr, cert, key)) => {
            let config = linechat::transport::tls::load(cert, key)
                .map_err(|e| format!("cannot load the TLS certificate and key: {e}"))?;
            let listener =
                bind(addr).map_err(|e| format!("cannot listen for TLS on {}: {e}", show(addr)))?;
            Some((listener, config, cert.as_path(), key.as_path()))
        }
    };
    let irc = bind_listen(&args.irc, "IRC")?;
    let ircs = bind_listen(&args.ircs, "IRC over TLS")?;
    let web = bind_listen(&args.web, "the web page")?;
    let webs = bind_listen(&args.webs, "the web page over TLS")?;
    Ok(Listeners {
        chat,
        metrics,
        tls,
        irc,
        ircs,
        web,
        webs,
    })
}

/// Binds a listener that has a default: a default whose port is taken is
/// skipped with a warning; a given address must bind.
fn bind_listen(listen: &Listen, what: &str) -> Result<Option<TcpListener>, String> {
    match listen {
        Listen::Off => Ok(None),
        Listen::Given(addr) => bind(addr)
            .map(Some)
            .map_err(|e| format!("cannot serve {what} on {}: {e}", show(addr))),
        Listen::Default(addr) => match TcpListener::bind(addr) {
            Ok(listener) => Ok(Some(listener)),
            Err(e) => {
                warn!("not serving {what}: cannot listen on {addr} ({e})");
                Ok(None)
            }
        },
    }
}

/// The server over `listeners`: TLS, registered names (in Redis with
/// `--redis`, else in `--data-dir`) and signals set up, ready to run.
fn start(listeners: Listeners<'_>, config: Config, data_dir: Option<&Path>) -> io::Result<Server> {
    let redis = config.redis.clone();
    let admins = config.admins.clone();
    let mut server = Server::new(listeners.chat, listeners.metrics, config)?;
    if let Some((listener, config, cert, key)) = listeners.tls {
        server.serve_tls(listener, config, cert, key)?;
    }
    if let Some(listener) = listeners.irc {
        server.serve_irc(listener, false)?;
    }
    if let Some(listener) = listeners.ircs {
        server.serve_irc(listener, true)?;
    }
    if let Some(listener) = listeners.web {
        server.serve_web(listener, false)?;
    }
    if let Some(listener) = listeners.webs {
        server.serve_web(listener, true)?;
    }
    // With Redis, names are registered for every node; else in the file.
    let store = match (&redis, data_dir) {
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
    if let Some(path) = admins {
        server
            .load_admins()
            .map_err(|e| io::Error::other(format!("--admins {}: {e}", path.display())))?;
    }
    server.handle_signals()?;
    Ok(server)
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
