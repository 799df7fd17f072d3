//! `cargo bench --bench load`: the linechat load table.
//!
//! Runs a fixed matrix of `linechat-load` cases, each against a fresh
//! `linechat --addr 127.0.0.1:0` with flood control and the per-address
//! limits off (fresh so RSS per connection and peak RSS are clean; limits
//! off so they do not cap the senders, who all come from 127.0.0.1), and
//! prints two tables: throughput and latency (F, R, L, I, C), and abuse (A:
//! attackers of one shape against a well-behaved pair, with flood control
//! on; S: a join storm). When `ncat` is installed, F1 and F2 also run
//! against `ncat -l --chat` for comparison. T1 is F1 over TLS: the server
//! also gets `--tls-addr` with a self-signed certificate for `localhost`
//! made for the run (rcgen, PEM files in a temporary directory), and the
//! generator connects there with `--tls --tls-ca` that certificate. Below
//! the first table, each fanout row's server CPU per delivery, R1's (rooms)
//! against F1's, and T1's (TLS) against F1's. L2 is L1's shape against a
//! server with registered names (`--data-dir`, a temporary directory), run
//! twice on it after 20 names are registered: alone (row `L2 alone`), then
//! while 20 threads here log in with those names over and over (connect,
//! name, password, welcome, `/quit`) for the whole run (row `L2 + 20
//! logins`, with the password logins completed per second of the
//! measurement, and the accounts worker's CPU below the table). A login
//! with any unexpected reply fails it; a linechat without `--data-dir`
//! skips it. IF1 and IL1 are F1's and L1's shapes over IRC (the generator
//! with `--irc`): against linechat's IRC listener (`--irc-addr` on a free
//! port), then against InspIRCd and ngIRCd when installed (Debian's
//! packages, each started fresh with its config from `tests/peers/`, flood
//! control off or as low as it goes; `make irc-tools` installs them), in
//! the same run and the same table.
//!
//! Then the cluster cases (X), each against a fresh redis-server and two
//! fresh linechat nodes sharing it (`--redis`), in two more tables: X1
//! and X2 (cross-node latency, and throughput with what it costs Redis:
//! CPU, commands per second, commands per sender write and per line, for
//! two reader counts), X3 (one node killed with SIGKILL under 1000 users
//! while 1000 on the other chat; the killed node's users come back through
//! a fresh HAProxy in front of both nodes (`haproxy.rs`) and `/resume`:
//! how long until each is chatting again, the lines each missed (none
//! may be) or read twice, whether every survivor saw each one back, and
//! whether the survivors' lines all arrived in order), and X4 (I1's idle room, spread over the two
//! nodes: one broadcast line to every user of both, its latency, and how
//! many got it). They need a redis-server:
//! `$LINECHAT_REDIS_SERVER`, else `redis-server` on `PATH` or in /usr/bin,
//! /usr/sbin, /usr/local/bin (`sh scripts/redis-server.sh` finds or
//! installs one and prints its path). Without one they fail, unless
//! `LINECHAT_SKIP_REDIS=1` lets them skip. X3 also needs a haproxy:
//! `$LINECHAT_HAPROXY`, else `haproxy` on `PATH` or in /usr/sbin, /usr/bin,
//! /usr/local/sbin (`sh scripts/haproxy.sh` finds or installs one); without
//! one it fails, unless `LINECHAT_SKIP_HAPROXY=1` lets it run without
//! resume (the killed node's users dropped, their names probed).
//!
//! It builds nothing: it runs the release binaries, found through
//! `LINECHAT_BIN` and `LINECHAT_LOAD_BIN` or in the workspace's
//! `target/release` (run `cargo build --release --workspace --bins` first;
//! `make bench` does). `linechat-load` is the workspace's `load/` crate.
//!
//! Environment:
//! - `LINECHAT_BENCH_CASES=F1,L1`: run only these cases.
//! - `LINECHAT_BENCH_QUICK=1`: 3-second fanout runs, smaller idle rooms,
//!   R1 with 20 rooms of 100 instead of 100, 5-second abuse and storm runs
//!   with fewer clients.
//! - `LINECHAT_BIN=/path/to/linechat`: another build, e.g. a baseline. Flags
//!   its `--help` does not list are left out (and said so), so a build that
//!   predates some flags runs with the rest.
//! - `LINECHAT_SERVER_ARGS="--rate 0"`: the server's flags instead of the
//!   limits-off set, for the cases that use that set (A cases set their own;
//!   X cases add `--redis` and their own).
//! - `LINECHAT_REDIS_SERVER=/path/to/redis-server`: the Redis for the X
//!   cases.
//! - `LINECHAT_HAPROXY=/path/to/haproxy`: the load balancer for X3.
//! - `LINECHAT_BENCH_LOGS=DIR`: keep each X case node's log (RUST_LOG=info)
//!   in DIR, named after the case, and X3's HAProxy's (one line per
//!   connection).
//!
//! # Layout
//!
//! - `cases.rs`: the matrix as data (a const table of case descriptions,
//!   their sizes for full and quick runs).
//! - `run.rs`: one case against one linechat (plain, TLS) or `ncat`: the
//!   generator with `--json` and its outcome.
//! - `cluster.rs`: the cases against Redis and two nodes; `haproxy.rs`:
//!   X3's load balancer.
//! - `irc.rs`: the IRC cases against linechat, InspIRCd and ngIRCd.
//! - `accounts.rs`, `line_client.rs`: L2's registered names and password
//!   login loops, with the bench's own blocking chat client.
//! - `server.rs`: starting and stopping linechat, its flags, the binaries.
//! - `report.rs`, `tables.rs`: the tables.
//!
//! Everything listens and connects on 127.0.0.1 only, and every run is
//! bounded by the generator's own deadline. Exits non-zero if any case
//! failed (loss, reordering, failed clients, a server that did not start).

mod accounts;
mod cases;
mod cluster;
mod haproxy;
mod irc;
mod line_client;
#[path = "../../tests/util/redis.rs"]
mod redis_server;
mod report;
mod run;
mod server;
mod tables;

use cases::Table;
use run::{Row, Setup};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let quick = std::env::var("LINECHAT_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let wanted: Option<Vec<String>> = std::env::var("LINECHAT_BENCH_CASES").ok().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let Some(setup) = setup() else {
        return ExitCode::FAILURE;
    };
    let all = cases::cases(quick, wanted.as_deref());
    let (cluster, single): (Vec<_>, Vec<_>) = all.iter().partition(|c| c.kind.is_cluster());
    let mut rows = run::run_single_cases(&setup, &single);
    if !cluster.is_empty() {
        rows.extend(cluster::run_cluster_cases(&setup, &cluster));
    }
    print_tables(&rows, setup.ncat);
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| !r.out.ok)
        .map(|r| {
            format!(
                "{} ({}): {}",
                r.id,
                r.server,
                r.out.note.as_deref().unwrap_or("failed")
            )
        })
        .collect();
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("\nFAILED:\n  {}", failed.join("\n  "));
        ExitCode::FAILURE
    }
}

/// The binaries (both must exist), how the tables name the server, its
/// flags, and whether `ncat` is installed; `None` after saying what is
/// missing.
fn setup() -> Option<Setup> {
    let server_bin = server::binary("LINECHAT_BIN", "linechat");
    let load_bin = server::binary("LINECHAT_LOAD_BIN", "linechat-load");
    for bin in [&server_bin, &load_bin] {
        if !bin.is_file() {
            eprintln!(
                "load bench: {} not found; build it first: cargo build --release --workspace --bins",
                bin.display()
            );
            return None;
        }
    }
    let ncat = Command::new("sh")
        .args(["-c", "command -v ncat"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    // Another build is named by its path in the tables.
    let label = match std::env::var_os("LINECHAT_BIN") {
        Some(_) => server_bin.display().to_string(),
        None => "linechat".to_string(),
    };
    let known = server::known_flags(&server_bin);
    Some(Setup {
        server_bin,
        load_bin,
        label,
        known,
        ncat,
    })
}

/// A table's printer.
type PrintTable = fn(&[&Row]);

/// Every table that has rows, then the flags each server ran with.
fn print_tables(rows: &[Row], ncat: bool) {
    let table = |t: Table| -> Vec<&Row> { rows.iter().filter(|r| r.table == t).collect() };
    let load = table(Table::Load);
    if !load.is_empty() {
        report::print_table(&load);
        if !ncat {
            println!("(ncat not installed: no comparison with `ncat -l --chat`)");
        }
    }
    let printers: [(Table, PrintTable); 4] = [
        (Table::Abuse, tables::print_abuse_table),
        (Table::Cluster, tables::print_cluster_table),
        (Table::Broadcast, tables::print_broadcast_table),
        (Table::Failover, tables::print_failover_table),
    ];
    for (t, print) in printers {
        let rows = table(t);
        if !rows.is_empty() {
            print(&rows);
        }
    }
    if !rows.is_empty() {
        println!("\nserver flags besides --addr:");
    }
    for r in rows.iter().filter(|r| r.server != "ncat") {
        println!("  {} {}: {}", r.id, r.server, r.flags.join(" "));
    }
}
