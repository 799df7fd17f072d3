//! The command line: flags into a [`Config`] and the few settings that are
//! not the server's (where to listen, TLS files, `--data-dir`). Every
//! error is a usage error that names its flag.

mod flags;
mod help;

use flags::{parse_client_flags, parse_cluster_flags, parse_memory_flags, redis_url};
use help::HELP;
use linechat::{Config, budget};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What the command line asks for: where to listen, and the limits.
pub struct Args {
    /// `--print-limits`: print the limits a budget gives, then exit.
    pub print_limits: bool,
    /// Which budget-derived limits were given as flags.
    pub given: budget::Given,
    /// `--addr`, resolved once at start; bound in order until one works.
    pub addr: Vec<SocketAddr>,
    /// `--metrics-addr`, resolved likewise.
    pub metrics_addr: Option<Vec<SocketAddr>>,
    /// `--tls-addr` (resolved likewise), `--tls-cert` and `--tls-key`.
    pub tls: Option<(Vec<SocketAddr>, PathBuf, PathBuf)>,
    /// `--irc-addr`: where to serve IRC, or nowhere (`off`).
    pub irc: Listen,
    /// `--ircs-addr`: where to serve IRC over TLS, or nowhere.
    pub ircs: Listen,
    /// `--web-addr`: where to serve the page and IRC over WebSocket.
    pub web: Listen,
    /// `--webs-addr`: the same over TLS (https:, wss:), or nowhere.
    pub webs: Listen,
    /// `--data-dir`: where registered names are kept.
    pub data_dir: Option<PathBuf>,
    pub config: Config,
}

/// Reads the command line. `Ok(None)` means help or version was printed.
pub fn parse_args() -> Result<Option<Args>, String> {
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
    let irc = listen(&mut args, "--irc-addr", DEFAULT_IRC_ADDR)?;
    let ircs = match listen(&mut args, "--ircs-addr", DEFAULT_IRCS_ADDR)? {
        Listen::Given(_) if tls.is_none() => {
            return Err("--ircs-addr needs --tls-addr, --tls-cert and --tls-key".into());
        }
        Listen::Default(_) if tls.is_none() => Listen::Off,
        ircs => ircs,
    };
    let web = listen(&mut args, "--web-addr", DEFAULT_WEB_ADDR)?;
    let webs = match listen(&mut args, "--webs-addr", DEFAULT_WEBS_ADDR)? {
        Listen::Given(_) if tls.is_none() => {
            return Err("--webs-addr needs --tls-addr, --tls-cert and --tls-key".into());
        }
        Listen::Default(_) if tls.is_none() => Listen::Off,
        webs => webs,
    };
    config.web_origins = args
        .values_from_fn("--web-origin", web_origin)
        .map_err(|e| format!("--web-origin: {e}"))?;
    let data_dir = value::<PathBuf>(&mut args, "--data-dir", "a directory")?;
    config.admins = value::<PathBuf>(&mut args, "--admins", "a file of account names")?;
    let print_limits = args.contains("--print-limits");
    let given = parse_memory_flags(&mut args, &mut config)?;
    parse_client_flags(&mut args, &mut config)?;
    config.timestamps = args.contains("--timestamps");
    config.notify_mentions = args.contains("--notify-mentions");
    config.allow_plaintext_passwords = args.contains("--allow-plaintext-passwords");
    config.redis = redis_url(&mut args)?;
    parse_cluster_flags(&mut args, &mut config)?;
    check_together(&config, tls.is_some(), data_dir.as_deref())?;
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
        irc,
        ircs,
        web,
        webs,
        data_dir,
        config,
    }))
}

/// Flags that need another flag, or a usable value, to mean anything.
fn check_together(config: &Config, tls: bool, data_dir: Option<&Path>) -> Result<(), String> {
    if config.allow_plaintext_passwords && !tls {
        return Err(
            "--allow-plaintext-passwords needs --tls-addr (without TLS the plain \
                    port is the only one, and it takes passwords already)"
                .into(),
        );
    }
    if config.admins.is_some() && data_dir.is_none() && config.redis.is_none() {
        return Err(
            "--admins needs --data-dir or --redis (server operators are registered names)".into(),
        );
    }
    if let Some(dir) = data_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(format!(
            "invalid value '{}' for --data-dir: not a directory",
            dir.display()
        ));
    }
    Ok(())
}
/// `--addr` when none is given.
const DEFAULT_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 8080);

/// `--irc-addr` when none is given.
const DEFAULT_IRC_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 6667);

/// `--ircs-addr` when none is given and TLS is configured.
const DEFAULT_IRCS_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 6697);

/// `--web-addr` when none is given.
const DEFAULT_WEB_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 8081);

/// `--webs-addr` when none is given and TLS is configured.
const DEFAULT_WEBS_ADDR: ([u8; 4], u16) = ([127, 0, 0, 1], 8444);

/// A `--web-origin` value: `http://` or `https://`, a host, maybe a port,
/// nothing after (an origin as a browser sends it).
fn web_origin(text: &str) -> Result<String, String> {
    let text = text.trim_end_matches('/');
    let host = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| format!("'{text}' is not an origin such as https://chat.example.org"))?;
    if host.is_empty() || host.contains(['/', '?', '#', ' ', '@']) {
        return Err(format!(
            "'{text}' is not an origin such as https://chat.example.org"
        ));
    }
    Ok(text.to_string())
}

/// Where a listener that has a default goes.
pub enum Listen {
    /// `off`: nowhere.
    Off,
    /// Not given: the default, which is skipped with a warning if its port
    /// is taken (so several servers on one machine, such as tests, start).
    Default(SocketAddr),
    /// Given: it must bind.
    Given(Vec<SocketAddr>),
}

/// A `HOST:PORT` or `off` flag with a default.
fn listen(
    args: &mut pico_args::Arguments,
    flag: &'static str,
    default: ([u8; 4], u16),
) -> Result<Listen, String> {
    let raw: Option<String> = args
        .opt_value_from_str(flag)
        .map_err(|_| format!("{flag} needs a value: HOST:PORT or off"))?;
    match raw.as_deref() {
        None => Ok(Listen::Default(default.into())),
        Some("off") => Ok(Listen::Off),
        Some(text) => resolve(text, flag).map(Listen::Given),
    }
}

/// A `HOST:PORT` flag resolved to its addresses (a host name is looked up
/// once, here). The error names the flag.
fn address(
    args: &mut pico_args::Arguments,
    flag: &'static str,
) -> Result<Option<Vec<SocketAddr>>, String> {
    let Some(text) = value::<String>(args, flag, "HOST:PORT")? else {
        return Ok(None);
    };
    resolve(&text, flag).map(Some)
}

/// `text` (`HOST:PORT`, or `:PORT` for every interface) resolved; the
/// error names `flag`.
fn resolve(text: &str, flag: &str) -> Result<Vec<SocketAddr>, String> {
    let text = text.to_owned();
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
    Ok(addrs)
}

/// The value of `--flag`, parsed; the error names the flag and what it takes.
pub(crate) fn value<T: FromStr>(
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

pub(crate) fn at_most<T: PartialOrd + std::fmt::Display>(
    n: T,
    max: T,
    flag: &str,
) -> Result<T, String> {
    if n > max {
        Err(format!(
            "invalid value '{n}' for {flag}: must be at most {max}"
        ))
    } else {
        Ok(n)
    }
}

pub(crate) fn at_least<T: PartialOrd + std::fmt::Display>(
    n: T,
    min: T,
    flag: &str,
) -> Result<T, String> {
    if n < min {
        Err(format!(
            "invalid value '{n}' for {flag}: must be at least {min}"
        ))
    } else {
        Ok(n)
    }
}
