//! The `linechat` command: parse flags into a `Config`, start logging, bind, run.

use linechat::{Config, Server};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

const HELP: &str = "\
linechat - a chat room for telnet and nc

USAGE:
    linechat [OPTIONS]

OPTIONS:
    --addr ADDR            listen address [default: 127.0.0.1:8080]
    --max-clients N        most connections at once [default: open-file limit - 32]
    --max-line BYTES       longest input line [default: 1024]
    --max-outbuf BYTES     output queued for one reader before it is dropped [default: 1048576]
    --login-timeout SECS   time allowed at the name prompt [default: 60]
    --rate N               lines per second per connection, 0 = no flood control [default: 10]
    --burst N              lines a connection may send at once [default: 20]
    --idle-timeout SECS    close users silent this long [default: off]
    --max-per-ip N         connections per source address, 0 = no limit [default: 0]
    --timestamps           start every line sent with [HH:MM:SS] (UTC)
    --metrics-addr ADDR    serve Prometheus metrics at http://ADDR/metrics [default: off]
    -h, --help             print this help
    -V, --version          print the version

Logging is set with RUST_LOG (default: info).
";

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(Some(config)) => config,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linechat: {message}");
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let server = Server::bind(config.clone()).and_then(|mut server| {
        server.handle_signals()?;
        Ok(server)
    });
    let result = match server {
        Ok(server) => server.run(),
        Err(e) => {
            log::error!("cannot start on {}: {e}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the command line. `Ok(None)` means help or version was printed.
fn parse_args() -> Result<Option<Config>, String> {
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
    if let Some(addr) = value(&mut args, "--addr", "an address such as 127.0.0.1:8080")? {
        config.addr = addr;
    }
    config.max_clients = value(&mut args, "--max-clients", "a whole number of at least 1")?
        .map(|n| at_least(n, 1, "--max-clients"))
        .transpose()?;
    if let Some(n) = value(&mut args, "--max-line", "a whole number of at least 1")? {
        config.max_line = at_least(n, 1, "--max-line")?;
    }
    if let Some(n) = value(&mut args, "--max-outbuf", "a whole number of at least 1")? {
        config.max_outbuf = at_least(n, 1, "--max-outbuf")?;
    }
    if let Some(secs) = value(
        &mut args,
        "--login-timeout",
        "a whole number of seconds, at least 1",
    )? {
        config.login_timeout = Duration::from_secs(at_least(secs, 1, "--login-timeout")?);
    }
    if let Some(rate) = value(
        &mut args,
        "--rate",
        "a whole number of lines per second (0 = off)",
    )? {
        config.rate = rate;
    }
    if let Some(burst) = value(&mut args, "--burst", "a whole number of at least 1")? {
        config.burst = at_least(burst, 1, "--burst")?;
    }
    config.idle_timeout = value(
        &mut args,
        "--idle-timeout",
        "a whole number of seconds, at least 1",
    )?
    .map(|secs| at_least(secs, 1, "--idle-timeout").map(Duration::from_secs))
    .transpose()?;
    if let Some(n) = value(&mut args, "--max-per-ip", "a whole number (0 = no limit)")? {
        config.max_per_ip = n;
    }
    config.timestamps = args.contains("--timestamps");
    config.metrics_addr = value(
        &mut args,
        "--metrics-addr",
        "an address such as 127.0.0.1:9100",
    )?;
    let rest = args.finish();
    if let Some(first) = rest.first() {
        return Err(format!(
            "unknown argument '{}' (see --help)",
            first.to_string_lossy()
        ));
    }
    Ok(Some(config))
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

fn at_least<T: PartialOrd + std::fmt::Display>(n: T, min: T, flag: &str) -> Result<T, String> {
    if n < min {
        Err(format!(
            "invalid value '{n}' for {flag}: must be at least {min}"
        ))
    } else {
        Ok(n)
    }
}
