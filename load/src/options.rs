//! The command line into [`Options`]: every flag, its default per mode,
//! and the combinations that cannot run, each refused with one line.

use std::net::{SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::time::Duration;

use crate::mode::abuse::Shape;
use crate::{engine, rooms, tls};

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
    /// Fanout: each client ignores this many others (`/ignore`), the next
    /// by number (0: none).
    pub ignore: u32,
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
    /// Failover: the killed node's users come back through this address
    /// (a load balancer) and `/resume`.
    pub resume_via: Option<SocketAddrV4>,
    /// Abuse: the attackers' shape.
    pub shape: Option<Shape>,
    /// Abuse (mixed): attackers that flood.
    pub flooders: u64,
    /// Abuse: the server's `--max-outbuf`, for the RSS bar.
    pub max_outbuf: Option<u64>,
    pub json: bool,
    pub quiet: bool,
    /// `--tls`: the clients' TLS configuration.
    pub tls: Option<tls::Tls>,
    /// `--websocket`: IRC over a WebSocket (with `--irc`).
    pub websocket: bool,
}

/// The modes, for messages.
const MODES: &str = "fanout, idle, churn, abuse, storm or failover";

/// The options, `None` for `--help`, or a one-line error.
pub fn parse(mut args: pico_args::Arguments) -> Result<Option<Options>, String> {
    if args.contains(["-h", "--help"]) {
        return Ok(None);
    }
    let (mode, shape) = mode_and_shape(&mut args)?;
    let Servers { addrs, pids, redis } = addresses(&mut args)?;
    let clients: u64 = opt(&mut args, "--clients")?.unwrap_or(match (mode, shape) {
        (Mode::Idle, _) => 1000,
        (Mode::Storm | Mode::Failover, _) => 2000,
        (_, Some(shape)) => shape.default_clients(),
        _ => 100,
    });
    let senders: Option<u64> = opt(&mut args, "--senders")?;
    let rate = rate_of(&mut args, mode)?;
    let tls = tls_options(&mut args)?;
    let opts = Options {
        mode,
        addrs,
        clients,
        senders: senders.unwrap_or(if mode == Mode::Failover { 10 } else { clients }),
        rooms: opt(&mut args, "--rooms")?.unwrap_or(1),
        ignore: opt(&mut args, "--ignore")?.unwrap_or(0),
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
        login: match (
            args.contains("--irc"),
            args.contains("--no-name"),
            args.contains("--no-login"),
        ) {
            (true, false, false) => engine::Login::Irc,
            (true, _, _) => {
                return Err("--irc registers over IRC: no --no-name or --no-login".into());
            }
            (false, _, true) => engine::Login::Connected,
            (false, true, false) => engine::Login::Greeting,
            (false, false, false) => engine::Login::Name,
        },
        websocket: args.contains("--websocket"),
        sources: opt(&mut args, "--sources")?,
        login_timeout: secs(&mut args, "--login-timeout")?.unwrap_or(Duration::from_secs(30)),
        timeout: secs(&mut args, "--timeout")?,
        pid: pids.first().copied(),
        pids,
        redis,
        kill_pid: opt(&mut args, "--kill-pid")?,
        kill_after: secs(&mut args, "--kill-after")?.unwrap_or(Duration::from_secs(2)),
        resume_via: opt::<String>(&mut args, "--resume-via")?
            .map(|s| resolve_v4(&s))
            .transpose()?,
        shape,
        flooders: opt(&mut args, "--flooders")?.unwrap_or(clients / 5),
        max_outbuf: opt(&mut args, "--max-outbuf")?,
        json: args.contains("--json"),
        quiet: args.contains("--quiet"),
        tls,
    };
    if opts.websocket && opts.login != engine::Login::Irc {
        return Err("--websocket speaks IRC over it: give --irc too".into());
    }
    let rest = args.finish();
    if let Some(extra) = rest.first() {
        return Err(format!("unexpected argument `{}`", extra.to_string_lossy()));
    }
    check(&opts)?;
    Ok(Some(opts))
}

/// The mode (the first word) and abuse's `--shape`.
fn mode_and_shape(args: &mut pico_args::Arguments) -> Result<(Mode, Option<Shape>), String> {
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
        match opt::<String>(args, "--shape")? {
            None => None,
            Some(s) => Some(Shape::parse(&s).ok_or_else(|| {
                format!("--shape: expected flood, mixed, msg or telnet, got `{s}`")
            })?),
        };
    if (mode == Mode::Abuse) != shape.is_some() {
        return Err("--shape: needed by abuse, and only there".into());
    }
    Ok((mode, shape))
}

/// The servers (`--addr`, default 127.0.0.1:8080), their processes
/// (`--pid`, `--server-pid`) and the Redis they share (`--redis`).
struct Servers {
    addrs: Vec<SocketAddrV4>,
    pids: Vec<u32>,
    redis: Option<SocketAddrV4>,
}

/// [`Servers`] from the command line.
fn addresses(args: &mut pico_args::Arguments) -> Result<Servers, String> {
    let mut addrs = Vec::new();
    for s in list(args, "--addr")? {
        addrs.push(resolve_v4(&s)?);
    }
    if addrs.is_empty() {
        addrs.push(resolve_v4("127.0.0.1:8080")?);
    }
    let mut pids = Vec::new();
    for key in ["--pid", "--server-pid"] {
        for s in list(args, key)? {
            pids.push(
                s.parse::<u32>()
                    .map_err(|e| format!("{key}: bad value `{s}`: {e}"))?,
            );
        }
    }
    let redis = match opt::<String>(args, "--redis")? {
        Some(s) => Some(resolve_v4(&s)?),
        None => None,
    };
    Ok(Servers { addrs, pids, redis })
}

/// `--rate`: `None` for max (closed loop); failover's default is 100.
fn rate_of(args: &mut pico_args::Arguments, mode: Mode) -> Result<Option<f64>, String> {
    Ok(match opt::<String>(args, "--rate")?.as_deref() {
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
    })
}

/// Seconds given as `key`, if any.
fn secs(args: &mut pico_args::Arguments, key: &'static str) -> Result<Option<Duration>, String> {
    match args
        .opt_value_from_str::<_, f64>(key)
        .map_err(|e| e.to_string())?
    {
        None => Ok(None),
        Some(s) if s >= 0.0 && s.is_finite() => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(format!("{key}: expected seconds, got {s}")),
    }
}

/// `--tls` and its companions: the clients' TLS configuration, if any.
fn tls_options(args: &mut pico_args::Arguments) -> Result<Option<tls::Tls>, String> {
    let ca = opt::<std::path::PathBuf>(args, "--tls-ca")?;
    let insecure = args.contains("--tls-insecure");
    let name = opt::<String>(args, "--tls-name")?;
    Ok(match (args.contains("--tls"), ca, insecure) {
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
    })
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
    if o.shape == Some(Shape::Mixed) && !(1..=o.clients).contains(&o.flooders) {
        return Err(format!(
            "--flooders: must be 1 to --clients ({})",
            o.clients
        ));
    }
    if o.shape == Some(Shape::Msg) && o.senders == 0 {
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
    if o.ignore > 0
        && (o.mode != Mode::Fanout
            || o.rooms > 1
            || o.login != engine::Login::Name
            || o.senders != o.clients
            || u64::from(o.ignore) + 2 > o.clients)
    {
        return Err(
            "--ignore: fanout in one room with names, every client a sender, at most --clients - 2"
                .into(),
        );
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
    if o.pids.len() > 1 && !matches!(o.mode, Mode::Fanout | Mode::Idle | Mode::Failover) {
        return Err("--pid: one only, except in fanout, idle and failover".into());
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
    if o.resume_via.is_some() && o.mode != Mode::Failover {
        return Err("--resume-via: failover only".into());
    }
    if o.mode == Mode::Failover {
        crate::mode::failover::check(o)?;
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
            (Mode::Abuse, Some(Shape::Mixed), 1000, 200)
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
        assert_eq!(o.resume_via, None);
        let o = parse_str(
            "failover --addr 127.0.0.1:1,127.0.0.1:2 --kill-pid 9 --resume-via 127.0.0.1:3",
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.resume_via.map(|a| a.port()), Some(3));
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
            "churn --addr 127.0.0.1:1,127.0.0.1:2 --pid 1,2",
            "fanout --pid x",
            "idle --redis 127.0.0.1:6379",
            "failover --addr 127.0.0.1:1,127.0.0.1:2",
            "failover --kill-pid 9",
            "fanout --kill-pid 9",
            "fanout --resume-via 127.0.0.1:3",
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
