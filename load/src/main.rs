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
//! - `main.rs`: the dispatch and the exit code.
//! - `options.rs`: the command line into [`Options`], and what cannot run;
//!   `help.rs`: the `--help` text.
//! - `mode/`: the load shapes, one file each (`fanout`, `idle`, `churn`,
//!   `abuse`, `storm`, `failover`), the well-behaved pair of abuse and
//!   storm (`pair.rs`), and what they share (`mod.rs`: the engine's
//!   settings, the CPU clock, the end of a run).
//! - `engine/`: the poll loop and the clients: their kinds and life
//!   (`client.rs`), connecting and logging in (`connect.rs`), reading
//!   (`read.rs`), writing and flooding (`write.rs`), the readiness barrier
//!   (`barrier.rs`), the progress line (`progress.rs`).
//! - `leaves.rs`: which leave notices each survivor has seen (pure).
//! - `resume.rs`: a killed node's users' resume codes, the lines they read
//!   before the drop and after `/resume`, their reconnects (pure).
//! - `redis_info.rs`: a Redis's commands and CPU time from `INFO` (the
//!   parsing is pure).
//! - `tls.rs`: `--tls`: the client configuration, and reading and writing
//!   through a client's rustls session as if it were the socket.
//! - `login.rs`: whether the server's answer to a name refuses it (pure).
//! - `irc.rs`: `--irc`: registering, joining and saying lines over IRC, and
//!   what the server's numerics answer (pure).
//! - `rooms.rs`: fanout's rooms: who goes where, the `/join`, its answer
//!   (pure).
//! - `wire.rs`: the marker lines, written and found (pure).
//! - `tally.rs`: counts, order checks, latency histogram, in-flight windows
//!   (pure).
//! - `report/`: the result of a run (`mod.rs`), as a summary (`text.rs`)
//!   and as one JSON object (`json.rs`).
//! - `procfs.rs`: the servers' CPU time, RSS, peak RSS and liveness, the
//!   kernel's TCP memory and table, from `/proc` (pure parsers).
//! - `os.rs`: libc: bound sockets, our own CPU time, the open-file limit,
//!   the port range. The generator does not link the server crate: these
//!   few helpers are its own.

mod engine;
mod help;
mod ignore;
mod irc;
mod leaves;
mod login;
mod mode;
mod options;
mod os;
mod procfs;
mod redis_info;
mod report;
mod resume;
mod rooms;
mod tally;
mod tls;
mod websocket;
mod wire;

use std::process::ExitCode;

pub use options::{Mode, Options};

fn main() -> ExitCode {
    let opts = match options::parse(pico_args::Arguments::from_env()) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{}", help::HELP);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("linechat-load: {e} (try --help)");
            return ExitCode::from(2);
        }
    };
    let nofile = os::raise_fd_limit();
    let needed = match opts.mode {
        Mode::Churn => opts.concurrency,
        Mode::Abuse => opts.clients + opts.senders + 2,
        Mode::Storm => opts.clients + 3,
        Mode::Failover => opts.clients + 2,
        _ => opts.clients,
    };
    if needed + 16 > nofile {
        eprintln!("linechat-load: warning: {needed} clients but the open-file limit is {nofile}");
    }
    let run = match opts.mode {
        Mode::Fanout => mode::fanout::run(&opts),
        Mode::Idle => mode::idle::run(&opts),
        Mode::Churn => mode::churn::run(&opts),
        Mode::Abuse => mode::abuse::run(&opts),
        Mode::Storm => mode::storm::run(&opts),
        Mode::Failover => mode::failover::run(&opts),
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
