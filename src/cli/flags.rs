//! Groups of flags, each parsed into the [`Config`].

use super::{at_least, at_most, value};
use linechat::{Config, budget};
use std::time::Duration;

/// The flags a memory budget may set, and the budget; returns which of
/// them were given.
pub(super) fn parse_memory_flags(
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
pub(super) fn parse_client_flags(
    args: &mut pico_args::Arguments,
    config: &mut Config,
) -> Result<(), String> {
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
    parse_address_flags(args, config)?;
    parse_room_flags(args, config)
}
/// The flags that limit each source address.
fn parse_address_flags(args: &mut pico_args::Arguments, config: &mut Config) -> Result<(), String> {
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
    Ok(())
}
/// The flags about rooms.
fn parse_room_flags(args: &mut pico_args::Arguments, config: &mut Config) -> Result<(), String> {
    if let Some(n) = value(args, "--quiet-joins", "a whole number (0 = never)")? {
        config.quiet_joins = n;
    }
    if let Some(name) = value::<String>(args, "--default-room", "a room name such as #lobby")? {
        config.default_room = linechat::chat::naming::room_name(&name).map_err(|why| {
            let why = linechat::dialect::telnet::room_problem(why);
            format!("invalid value '{name}' for --default-room: {why}")
        })?;
    }
    if let Some(name) =
        value::<String>(args, "--irc-server-name", "a name such as irc.example.org")?
    {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !valid {
            return Err(format!(
                "invalid value '{name}' for --irc-server-name: use 1 to 63 of a-z, 0-9, . and -"
            ));
        }
        config.irc_server_name = name;
    }
    if let Some(n) = value(args, "--max-rooms-per-user", "a whole number of at least 1")? {
        config.max_rooms_per_user = at_least(n, 1, "--max-rooms-per-user")?;
    }
    if let Some(n) = value(args, "--rooms-per-ip", "rooms per hour (0 = off)")? {
        config.rooms_per_ip = n;
    }
    if let Some(n) = value(args, "--history", "a whole number of lines (0 = off)")? {
        config.history = at_most(n, linechat::config::MAX_HISTORY, "--history")?;
    }
    if let Some(secs) = value(args, "--resume-window", "seconds (0 = off)")? {
        config.resume_window = Duration::from_secs(secs);
    }
    Ok(())
}
/// The flags of a node among others (`--node-timeout`, and how much
/// history the shared store keeps).
pub(super) fn parse_cluster_flags(
    args: &mut pico_args::Arguments,
    config: &mut Config,
) -> Result<(), String> {
    if let Some(secs) = value(args, "--node-timeout", "seconds, at least 1")? {
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
    if let Some(secs) = value(args, "--history-retention", "seconds, at least 1")? {
        let secs = at_least(secs, 1, "--history-retention")?;
        config.history_retention = Duration::from_secs(secs);
    }
    if let Some(n) = value(args, "--history-rooms", "a number of rooms, at least 1")? {
        config.history_rooms = at_least(n, 1, "--history-rooms")?;
    }
    Ok(())
}
/// `--redis URL`, else `LINECHAT_REDIS` if set and not empty, with the
/// credentials of the URL or of `LINECHAT_REDIS_USERNAME` and
/// `LINECHAT_REDIS_PASSWORD` (never both); checked here so a bad URL is a
/// usage error. No error shows a password.
pub(super) fn redis_url(
    args: &mut pico_args::Arguments,
) -> Result<Option<linechat::redis::RedisUrl>, String> {
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
