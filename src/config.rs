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
    pub max_per_ip: usize,
    /// Prefix every line a user receives with `[HH:MM:SS] ` in UTC (`--timestamps`).
    pub timestamps: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_clients: None,
            max_line: 1024,
            max_outbuf: 1024 * 1024,
            login_timeout: Duration::from_secs(60),
            rate: 10,
            burst: 20,
            idle_timeout: None,
            max_per_ip: 0,
            timestamps: false,
        }
    }
}

/// The default `--max-clients` for a given open-file limit.
pub fn max_clients_for(fd_limit: usize) -> usize {
    fd_limit.saturating_sub(FD_RESERVE).max(1)
}
