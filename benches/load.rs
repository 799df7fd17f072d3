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
//! skips it.
//!
//! Then the cluster cases (X), each against a fresh redis-server and two
//! fresh linechat nodes sharing it (`--redis`), in two more tables: X1
//! and X2 (cross-node latency, and throughput with what it costs Redis:
//! CPU, commands per second, commands per sender write and per line, for
//! two reader counts), X3 (one node killed with SIGKILL under 1000 users
//! while 1000 on the other chat: how long until every survivor has seen
//! every leave and the names are free, and whether the survivors' lines
//! all arrived in order). They need a redis-server:
//! `$LINECHAT_REDIS_SERVER`, else `redis-server` on `PATH` or in /usr/bin,
//! /usr/sbin, /usr/local/bin (`sh scripts/redis-server.sh` finds or
//! installs one and prints its path). Without one they fail, unless
//! `LINECHAT_SKIP_REDIS=1` lets them skip.
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
//! - `LINECHAT_BENCH_LOGS=DIR`: keep each X case node's log (RUST_LOG=info)
//!   in DIR, named after the case.
//!
//! Everything listens and connects on 127.0.0.1 only, and every run is
//! bounded by the generator's own deadline. Exits non-zero if any case
//! failed (loss, reordering, failed clients, a server that did not start).

#[path = "../tests/util/redis.rs"]
mod redis_server;

use linechat::config::NO_ADDRESS_LIMITS;
use redis_server::{RedisServer, redis_binary};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// One row of the matrix.
struct Case {
    id: &'static str,
    what: String,
    /// Generator arguments (mode first), without address and output flags.
    args: Vec<String>,
    /// Also run against `ncat --chat`.
    vs_ncat: bool,
    /// The server's flags besides `--addr`; `None` for [`server_args`].
    server: Option<Vec<String>>,
    /// Which table the row goes in.
    table: Table,
    /// Over TLS: the server also listens with `--tls-addr` and the
    /// generator connects there with `--tls`.
    tls: bool,
    /// Registered names (L2): the server also gets `--data-dir`, and the
    /// case runs twice, alone and with [`LOGIN_THREADS`] password login
    /// loops (see [`run_accounts`]).
    accounts: bool,
}

/// The tables.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Throughput, latency, idle memory, logins.
    Load,
    /// Peak memory under attack, and a join storm.
    Abuse,
    /// Two nodes sharing a Redis: latency same-node and cross-node, and
    /// what the load costs Redis.
    Cluster,
    /// Two nodes sharing a Redis, one killed.
    Failover,
}

/// The server's `--max-outbuf` in the abuse cases: small, so queues fill
/// and attackers are dropped within the run.
const ABUSE_OUTBUF: u64 = 262_144;

/// The abuse cases' server flags: the per-address limits off (every
/// attacker comes from 127.0.0.1) but flood control at its default, as
/// deployed, and a small `--max-outbuf`.
fn abuse_server() -> Vec<String> {
    let mut flags = strings(&["--rate", "10"]);
    flags.extend(strings(NO_ADDRESS_LIMITS));
    flags.extend(["--max-outbuf".into(), ABUSE_OUTBUF.to_string()]);
    flags
}

/// The matrix. Quick mode shortens the fanout runs and shrinks the idle
/// rooms, whose login time is dominated by N²/2 join notices.
fn cases(quick: bool) -> Vec<Case> {
    let secs = if quick { "3" } else { "10" };
    let (i1, i2) = if quick {
        (2_000, 5_000)
    } else {
        (10_000, 19_000)
    };
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    // Abuse: (attackers, seconds) per shape, and the mixed shape's
    // flooders and the msg shape's senders. Long enough in full runs for
    // every never-reader's queue to reach --max-outbuf on the current tree.
    let (a1, a2, a3, a4) = if quick {
        ((300, 5), (300, 5), (30, 5), (30, 5))
    } else {
        ((1000, 15), (1000, 30), (100, 30), (30, 10))
    };
    let (flooders, msg_senders) = (a2.0 / 5, a3.0 * 2);
    let (room, storm_secs) = if quick { (500, 3) } else { (2000, 10) };
    // R1: rooms of 100 users, one sender in each.
    let r1_rooms = if quick { 20 } else { 100 };
    let abuse = |id, what: String, gen_args: String| Case {
        id,
        what,
        args: args(&format!(
            "{gen_args} --max-outbuf {ABUSE_OUTBUF} --grace 10"
        )),
        vs_ncat: false,
        server: Some(abuse_server()),
        table: Table::Abuse,
        tls: false,
        accounts: false,
    };
    let quiet_off = || {
        let mut flags = server_args();
        flags.extend(["--quiet-joins".into(), "0".into()]);
        Some(flags)
    };
    let load = |id, what: String, gen_args: String| Case {
        id,
        what,
        args: args(&gen_args),
        vs_ncat: false,
        server: None,
        table: Table::Load,
        tls: false,
        accounts: false,
    };
    let outbuf = ABUSE_OUTBUF / 1024;
    let mut all = vec![
        Case {
            id: "F1",
            what: format!("fanout C=100 S=100 max {secs}s"),
            args: args(&format!(
                "fanout --clients 100 --senders 100 --duration {secs}"
            )),
            vs_ncat: true,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        Case {
            id: "T1",
            what: format!("fanout C=100 S=100 max {secs}s TLS"),
            args: args(&format!(
                "fanout --clients 100 --senders 100 --duration {secs}"
            )),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: true,
            accounts: false,
        },
        Case {
            id: "F2",
            what: format!("fanout C=1000 S=10 max {secs}s"),
            args: args(&format!(
                "fanout --clients 1000 --senders 10 --duration {secs}"
            )),
            vs_ncat: true,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        Case {
            id: "R1",
            // Rooms of 100 users: `rooms 100x100` is 10,000 clients.
            what: format!("rooms {r1_rooms}x100 S={r1_rooms} max {secs}s"),
            args: args(&format!(
                "fanout --clients {} --rooms {r1_rooms} --senders {r1_rooms} --duration {secs} \
                 --timeout 300",
                r1_rooms * 100
            )),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        Case {
            id: "L1",
            what: format!("fanout C=100 S=10 500/s {secs}s"),
            args: args(&format!(
                "fanout --clients 100 --senders 10 --rate 500 --duration {secs}"
            )),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        // L1's shape against a server with registered names, alone and
        // while password logins loop (two rows, see `run_accounts`).
        Case {
            accounts: true,
            ..load(
                "L2",
                format!("fanout C=100 S=10 500/s {secs}s, --data-dir"),
                format!("fanout --clients 100 --senders 10 --rate 500 --duration {secs}"),
            )
        },
        Case {
            id: "I1",
            what: format!("idle N={i1}"),
            args: args(&format!("idle --clients {i1} --timeout 300")),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        Case {
            id: "I2",
            what: format!("idle N={i2}"),
            args: args(&format!("idle --clients {i2} --timeout 600")),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
        Case {
            id: "C1",
            what: "churn 5000 logins".into(),
            args: args("churn --count 5000"),
            vs_ncat: false,
            server: None,
            table: Table::Load,
            tls: false,
            accounts: false,
        },
    ];
    all.extend([
        Case {
            server: quiet_off(),
            ..load(
                "I3",
                format!("idle N={i2} quiet-joins 0"),
                format!("idle --clients {i2} --timeout 600"),
            )
        },
        abuse(
            "A1",
            format!("flood N={} outbuf={outbuf}K {}s", a1.0, a1.1),
            format!("abuse --shape flood --clients {} --duration {}", a1.0, a1.1),
        ),
        abuse(
            "A2",
            format!(
                "{flooders} flood+{} mute outbuf={outbuf}K {}s",
                a2.0 - flooders,
                a2.1
            ),
            format!(
                "abuse --shape mixed --clients {} --flooders {flooders} --duration {}",
                a2.0, a2.1
            ),
        ),
        abuse(
            "A3",
            format!("/msg N={} S={msg_senders} outbuf={outbuf}K {}s", a3.0, a3.1),
            format!(
                "abuse --shape msg --clients {} --senders {msg_senders} --duration {}",
                a3.0, a3.1
            ),
        ),
        abuse(
            "A4",
            format!("IAC DO N={} outbuf={outbuf}K {}s", a4.0, a4.1),
            format!(
                "abuse --shape telnet --clients {} --duration {}",
                a4.0, a4.1
            ),
        ),
        Case {
            table: Table::Abuse,
            ..load(
                "S1",
                format!("join storm room={room} {storm_secs}s"),
                format!("storm --clients {room} --duration {storm_secs}"),
            )
        },
        Case {
            table: Table::Abuse,
            server: quiet_off(),
            ..load(
                "S2",
                format!("join storm room={room} {storm_secs}s quiet-joins 0"),
                format!("storm --clients {room} --duration {storm_secs}"),
            )
        },
    ]);
    all
}

/// One run of one case, for the tables.
struct Row {
    id: &'static str,
    /// `linechat`, another build's path, or `ncat`.
    server: String,
    what: String,
    table: Table,
    /// The flags the server ran with, besides `--addr`.
    flags: Vec<String>,
    out: Outcome,
}

/// What one run produced: the generator's JSON fields plus our own sample.
struct Outcome {
    json: String,
    /// Server CPU share over the generator's whole run, from /proc.
    server_cpu_whole: Option<f64>,
    /// Cluster cases: how often the nodes' logs said another node stopped
    /// answering.
    nodes_lost: Option<u64>,
    /// L2 with login loops: the password logins made meanwhile.
    logins: Option<Logins>,
    /// L2: the accounts worker thread's share of one core over the
    /// generator's whole run (Argon2 hashing, off the poll loop).
    worker_cpu: Option<f64>,
    ok: bool,
    note: Option<String>,
}

impl Outcome {
    fn failed(why: String) -> Outcome {
        Outcome {
            json: String::new(),
            server_cpu_whole: None,
            nodes_lost: None,
            logins: None,
            worker_cpu: None,
            ok: false,
            note: Some(why),
        }
    }

    fn num(&self, key: &str) -> Option<f64> {
        field(&self.json, key)?.parse().ok()
    }

    /// Marks it failed, adding `why` to its note.
    fn fail(&mut self, why: String) {
        self.ok = false;
        self.note = Some(match self.note.take() {
            Some(note) => format!("{note}; {why}"),
            None => why,
        });
    }
}

fn main() -> ExitCode {
    let quick = std::env::var("LINECHAT_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let wanted: Option<Vec<String>> = std::env::var("LINECHAT_BENCH_CASES").ok().map(|v| {
        v.split(',')
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let server_bin = binary("LINECHAT_BIN", "linechat");
    let load_bin = binary("LINECHAT_LOAD_BIN", "linechat-load");
    for bin in [&server_bin, &load_bin] {
        if !bin.is_file() {
            eprintln!(
                "load bench: {} not found; build it first: cargo build --release --workspace --bins",
                bin.display()
            );
            return ExitCode::FAILURE;
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
    let known = known_flags(&server_bin);
    // The TLS cases' certificate, made at the first of them.
    let mut tls_files: Option<TlsFiles> = None;

    let mut rows: Vec<Row> = Vec::new();
    for case in cases(quick) {
        if wanted
            .as_ref()
            .is_some_and(|w| !w.iter().any(|id| id == case.id))
        {
            continue;
        }
        if case.tls && !known.is_empty() && !known.iter().any(|f| f == "--tls-addr") {
            eprintln!("load bench: {} skipped: {label} has no --tls-addr", case.id);
            continue;
        }
        if case.accounts && !known.is_empty() && !known.iter().any(|f| f == "--data-dir") {
            eprintln!(
                "load bench: {} skipped: {label} has no --data-dir (no registered names)",
                case.id
            );
            continue;
        }
        let wanted_flags = case.server.clone().unwrap_or_else(server_args);
        let (flags, unknown) = split_known(&wanted_flags, &known);
        eprintln!("load bench: {} {} ({label}) ...", case.id, case.what);
        if !unknown.is_empty() {
            eprintln!(
                "load bench: {label} does not know {}; left out",
                unknown.join(" ")
            );
        }
        if case.accounts {
            rows.extend(run_accounts(&server_bin, &flags, &load_bin, &case, &label));
            continue;
        }
        let (out, shown_flags) = if case.tls {
            if tls_files.is_none() {
                match TlsFiles::make() {
                    Ok(files) => tls_files = Some(files),
                    Err(e) => eprintln!("load bench: {}: {e}", case.id),
                }
            }
            match &tls_files {
                Some(files) => (
                    run_linechat(&server_bin, &flags, &load_bin, &case, Some(files)),
                    [flags, TlsFiles::shown_flags()].concat(),
                ),
                None => (
                    Outcome::failed("no certificate for the TLS listener".into()),
                    flags,
                ),
            }
        } else {
            let out = run_linechat(&server_bin, &flags, &load_bin, &case, None);
            (out, flags)
        };
        rows.push(Row {
            id: case.id,
            server: label.clone(),
            what: case.what.clone(),
            table: case.table,
            flags: shown_flags,
            out,
        });
        if case.vs_ncat && ncat {
            eprintln!("load bench: {} {} (ncat --chat) ...", case.id, case.what);
            let out = run_ncat(&load_bin, &case);
            rows.push(Row {
                id: case.id,
                server: "ncat".into(),
                what: case.what.clone(),
                table: case.table,
                flags: Vec::new(),
                out,
            });
        }
    }

    let cluster: Vec<ClusterCase> = cluster_cases(quick)
        .into_iter()
        .filter(|c| {
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|id| id == c.id))
        })
        .collect();
    if !cluster.is_empty() {
        rows.extend(run_cluster_cases(
            &server_bin,
            &label,
            &known,
            &load_bin,
            &cluster,
        ));
    }

    let table = |t: Table| -> Vec<&Row> { rows.iter().filter(|r| r.table == t).collect() };
    let load = table(Table::Load);
    if !load.is_empty() {
        print_table(&load);
        if !ncat {
            println!("(ncat not installed: no comparison with `ncat -l --chat`)");
        }
    }
    let abuse = table(Table::Abuse);
    if !abuse.is_empty() {
        print_abuse_table(&abuse);
    }
    let cluster = table(Table::Cluster);
    if !cluster.is_empty() {
        print_cluster_table(&cluster);
    }
    let failover = table(Table::Failover);
    if !failover.is_empty() {
        print_failover_table(&failover);
    }
    if !rows.is_empty() {
        println!("\nserver flags besides --addr:");
    }
    for r in rows.iter().filter(|r| r.server != "ncat") {
        println!("  {} {}: {}", r.id, r.server, r.flags.join(" "));
    }
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

/// The binary `name`: from env var `var`, else `$CARGO_TARGET_DIR/release`,
/// else `target/release` here, which is the workspace's target directory
/// (this package is the workspace root; `load/` builds into it too).
fn binary(var: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release").join(name)
}

/// One case against a fresh linechat started with `flags`; with `tls`,
/// it also listens for TLS with that certificate, and the generator
/// connects there over TLS, trusting it.
fn run_linechat(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    case: &Case,
    tls: Option<&TlsFiles>,
) -> Outcome {
    let flags = match tls {
        Some(files) => [flags.to_vec(), files.server_flags()].concat(),
        None => flags.to_vec(),
    };
    let mut server = match Server::start(server_bin, &flags) {
        Ok(s) => s,
        Err(e) => return Outcome::failed(e),
    };
    let ca = tls.map(|files| files.cert.display().to_string());
    let (port, extra) = match (&ca, server.tls_port) {
        (Some(ca), Some(port)) => (port, vec!["--tls", "--tls-ca", ca.as_str()]),
        (Some(_), None) => {
            server.stop();
            return Outcome::failed("linechat logged no `TLS listening on`".into());
        }
        (None, _) => (server.port, Vec::new()),
    };
    let out = run_generator(
        load_bin,
        &case.args,
        &format!("127.0.0.1:{port}"),
        &[server.pid()],
        &extra,
    );
    server.stop();
    out
}

/// The TLS cases' certificate: self-signed for `localhost`, made for this
/// bench run, as PEM files in a temporary directory removed when dropped.
struct TlsFiles {
    dir: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl TlsFiles {
    fn make() -> Result<TlsFiles, String> {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into()])
            .map_err(|e| format!("rcgen: {e}"))?;
        let dir = std::env::temp_dir().join(format!("linechat-bench-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
            dir,
        };
        for (path, pem) in [
            (&files.cert, made.cert.pem()),
            (&files.key, made.signing_key.serialize_pem()),
        ] {
            std::fs::write(path, pem).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(files)
    }

    /// The server's flags for a TLS listener on a free port.
    fn server_flags(&self) -> Vec<String> {
        vec![
            "--tls-addr".into(),
            "127.0.0.1:0".into(),
            "--tls-cert".into(),
            self.cert.display().to_string(),
            "--tls-key".into(),
            self.key.display().to_string(),
        ]
    }

    /// [`TlsFiles::server_flags`] as the flags list shows them.
    fn shown_flags() -> Vec<String> {
        strings(&[
            "--tls-addr",
            "127.0.0.1:0",
            "--tls-cert",
            "CERT.pem",
            "--tls-key",
            "KEY.pem",
        ])
    }
}

impl Drop for TlsFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One case against a fresh `ncat -l --chat`.
fn run_ncat(load_bin: &PathBuf, case: &Case) -> Outcome {
    let port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => return Outcome::failed(format!("no free port: {e}")),
    };
    let child = Command::new("ncat")
        .args([
            "-l",
            "--chat",
            "--max-conns",
            "5000",
            "127.0.0.1",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("ncat: {e}")),
    };
    let up = Instant::now() + Duration::from_secs(5);
    while !is_listening(port) && Instant::now() < up {
        thread::sleep(Duration::from_millis(20));
    }
    // ncat has no prompt and no names, but greets each client on accept.
    // It listens with a backlog of 10; a burst of connects overflows that
    // (the kernel completes handshakes it then drops, so ncat never hears of
    // those clients, and it quits if one is reset while queued). So each
    // client waits for its greeting, and only 8 wait at once.
    let extra = ["--no-name", "--concurrency", "8"];
    let out = run_generator(
        load_bin,
        &case.args,
        &format!("127.0.0.1:{port}"),
        &[child.id()],
        &extra,
    );
    stop(&mut child);
    out
}

/// Runs the generator with `args`, `--json` against `addr` (one or several,
/// comma-separated) and collects its result and the servers' CPU time over
/// the run (`pids`, one per address or fewer; their sum).
fn run_generator(
    load_bin: &PathBuf,
    args: &[String],
    addr: &str,
    pids: &[u32],
    extra: &[&str],
) -> Outcome {
    let cpu = || -> Option<Duration> { pids.iter().map(|&p| linechat::sys::process_cpu(p)).sum() };
    let cpu_before = cpu();
    let pid_list: Vec<String> = pids.iter().map(u32::to_string).collect();
    let started = Instant::now();
    let output = Command::new(load_bin)
        .args(args)
        .args(extra)
        .args([
            "--addr",
            addr,
            "--json",
            "--quiet",
            "--pid",
            &pid_list.join(","),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output();
    let wall = started.elapsed().as_secs_f64();
    let output = match output {
        Ok(o) => o,
        Err(e) => return Outcome::failed(format!("linechat-load: {e}")),
    };
    let server_cpu_whole = cpu_before
        .zip(cpu())
        .map(|(b, a)| a.saturating_sub(b).as_secs_f64() / wall.max(1e-9));
    let json = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let ok = output.status.success();
    let note = (!ok).then(|| {
        field(&json, "problems")
            .or_else(|| field(&json, "first_error"))
            .map_or_else(
                || format!("linechat-load exited with {}", output.status),
                str::to_string,
            )
    });
    Outcome {
        json,
        server_cpu_whole,
        nodes_lost: None,
        logins: None,
        worker_cpu: None,
        ok,
        note,
    }
}

/// The server's flags besides its address: every per-connection and
/// per-address limit off, as a load run comes from one address and sends as
/// fast as it can. `LINECHAT_SERVER_ARGS` replaces them (for example with
/// `--rate 0` alone, to measure a build that predates the other flags).
fn server_args() -> Vec<String> {
    match std::env::var("LINECHAT_SERVER_ARGS") {
        Ok(args) => args.split_whitespace().map(String::from).collect(),
        Err(_) => [strings(&["--rate", "0"]), strings(NO_ADDRESS_LIMITS)].concat(),
    }
}

/// Owned copies of flags.
fn strings(flags: &[&str]) -> Vec<String> {
    flags.iter().map(|s| s.to_string()).collect()
}

/// The flags `bin --help` lists (every `--word` in it); empty if it
/// cannot be run, and then every flag is passed.
fn known_flags(bin: &PathBuf) -> Vec<String> {
    let Ok(out) = Command::new(bin)
        .arg("--help")
        .stdin(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.len() > 2 && w.starts_with("--"))
        .map(String::from)
        .collect()
}

/// `flags` split into those `known` lists, each with its value, and the
/// names of the others (with `known` empty, all are kept). A flag's value
/// is the next word unless that starts with `--`.
fn split_known(flags: &[String], known: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut kept, mut unknown) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < flags.len() {
        let has_value = flags.get(i + 1).is_some_and(|v| !v.starts_with("--"));
        let end = i + 1 + usize::from(has_value);
        if known.is_empty() || known.contains(&flags[i]) {
            kept.extend_from_slice(&flags[i..end]);
        } else {
            unknown.push(flags[i].clone());
        }
        i = end;
    }
    (kept, unknown)
}

/// A linechat server on a free port, with its log drained.
struct Server {
    child: Child,
    port: u16,
    /// Its TLS listener's port, when started with `--tls-addr`.
    tls_port: Option<u16>,
    /// Log lines saying another node stopped answering (with `--redis`).
    nodes_lost: Arc<AtomicU64>,
}

/// What a server's log has said so far, as [`Server::spawn`] waits for it.
enum Heard {
    /// `listening on 127.0.0.1:PORT`.
    Port(u16),
    /// `TLS listening on 127.0.0.1:PORT`.
    TlsPort(u16),
    /// A line with the text it was told to wait for.
    Ready,
}

impl Server {
    /// Starts linechat on port 0 and learns the port from its
    /// `listening on 127.0.0.1:PORT` log line (with `--tls-addr` among the
    /// flags, also the TLS port from `TLS listening on ...`). A thread
    /// keeps reading its stderr so the pipe never fills and blocks the
    /// server.
    fn start(bin: &PathBuf, flags: &[String]) -> Result<Server, String> {
        Server::spawn(bin, flags, None, None)
    }

    /// [`Server::start`], then also waits for a log line containing
    /// `ready` if given (a node's `registered with Redis`), and copies the
    /// log to the file `log` if given.
    fn spawn(
        bin: &PathBuf,
        flags: &[String],
        ready: Option<&'static str>,
        log: Option<PathBuf>,
    ) -> Result<Server, String> {
        let mut child = Command::new(bin)
            .args(["--addr", "127.0.0.1:0"])
            .args(flags)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel::<Result<Heard, String>>();
        let mut copy = match log {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            )),
            None => None,
        };
        let nodes_lost = Arc::new(AtomicU64::new(0));
        let lost = Arc::clone(&nodes_lost);
        let wants_tls = flags.iter().any(|f| f == "--tls-addr");
        thread::spawn(move || {
            let mut head = Vec::new();
            let (mut port, mut is_ready) = (false, ready.is_none());
            let mut tls_port = !wants_tls;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(file) = copy.as_mut() {
                    let _ = writeln!(file, "{line}");
                }
                if line.contains("stopped answering") {
                    lost.fetch_add(1, Ordering::Relaxed);
                }
                if port && tls_port && is_ready {
                    continue;
                }
                let tls_line = line.contains("TLS listening on ");
                if let Some(p) = listening_port(&line).filter(|_| tls_line && !tls_port) {
                    let _ = tx.send(Ok(Heard::TlsPort(p)));
                    tls_port = true;
                } else if let Some(p) = listening_port(&line).filter(|_| !tls_line && !port) {
                    let _ = tx.send(Ok(Heard::Port(p)));
                    port = true;
                } else if ready.is_some_and(|r| line.contains(r)) && !is_ready {
                    let _ = tx.send(Ok(Heard::Ready));
                    is_ready = true;
                } else if head.len() < 20 {
                    head.push(line);
                }
            }
            if !(port && tls_port && is_ready) {
                let _ = tx.send(Err(format!(
                    "linechat exited before it was ready: {}",
                    head.join(" | ")
                )));
            }
        });
        let until = Instant::now() + Duration::from_secs(10);
        let (mut port, mut is_ready) = (None, ready.is_none());
        let mut tls_port = None;
        while port.is_none() || (wants_tls && tls_port.is_none()) || !is_ready {
            match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(Ok(Heard::Port(p))) => port = Some(p),
                Ok(Ok(Heard::TlsPort(p))) => tls_port = Some(p),
                Ok(Ok(Heard::Ready)) => is_ready = true,
                Ok(Err(e)) => {
                    stop(&mut child);
                    return Err(e);
                }
                Err(_) => {
                    stop(&mut child);
                    return Err(format!(
                        "linechat did not log `listening on`{} within 10 s",
                        ready.map_or(String::new(), |r| format!(" and `{r}`"))
                    ));
                }
            }
        }
        let port = port.expect("the loop ends with a port");
        Ok(Server {
            child,
            port,
            tls_port,
            nodes_lost,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How often its log has said another node stopped answering.
    fn nodes_lost(&self) -> u64 {
        self.nodes_lost.load(Ordering::Relaxed)
    }

    fn stop(&mut self) {
        stop(&mut self.child);
    }
}

/// The port in a `... listening on 127.0.0.1:PORT ...` log line.
fn listening_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let addr = rest.split_whitespace().next()?;
    addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
}

/// Asks `child` to stop with SIGTERM, then kills it if it is still there
/// after three seconds.
fn stop(child: &mut Child) {
    // SAFETY: kill(2) on the id of a child we have not yet reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether something listens on 127.0.0.1:`port`, from /proc/net/tcp
/// (asking by connecting would itself join the chat).
fn is_listening(port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
        t.lines().skip(1).any(|l| {
            let mut f = l.split_whitespace().skip(1);
            f.next() == Some(want.as_str()) && f.nth(1) == Some("0A")
        })
    })
}

/// The raw value of `key` in a flat JSON object (strings unquoted, not
/// unescaped: enough for numbers and for showing an error).
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let rest = &json[json.find(&pat)? + pat.len()..];
    if let Some(s) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some(&s[..i]),
                _ => escaped = false,
            }
        }
        None
    } else {
        rest.split([',', '}']).next()
    }
}

/// Formats for table cells; `-` for a missing value.
fn fmt_int(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

fn fmt_pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

fn fmt_mib(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}", v / (1024.0 * 1024.0)))
}

/// Prints the throughput table and the linechat/ncat ratios.
fn print_table(rows: &[&Row]) {
    let fmt_rate = |v: Option<f64>| {
        v.map_or("-".into(), |v| match v {
            v if v >= 1e6 => format!("{:.2}M", v / 1e6),
            v if v >= 1e3 => format!("{:.1}k", v / 1e3),
            v => format!("{v:.0}"),
        })
    };
    let header = [
        "case", "server", "what", "deliv/s", "p50 µs", "p99 µs", "RSS/conn", "login s", "logins/s",
        "gen CPU", "srv CPU", "ok",
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_rate(o.num("deliveries_per_sec")),
                fmt_int(o.num("p50_us")),
                fmt_int(o.num("p99_us")),
                o.num("rss_per_conn_bytes")
                    .map_or("-".into(), |b| format!("{:.1} KiB", b / 1024.0)),
                o.num("login_secs")
                    .map_or("-".into(), |s| format!("{s:.2}")),
                fmt_int(
                    o.num("logins_per_sec")
                        .or(o.logins.as_ref().map(|l| l.per_sec)),
                ),
                fmt_pct(o.num("gen_cpu")),
                fmt_pct(o.num("server_cpu").or(o.server_cpu_whole)),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    println!("deliv/s: deliveries per second in the measurement window; p50/p99: delivery latency");
    println!("(idle: of the one broadcast to everyone); login s: connect + log in + join notices");
    println!("drained; CPU: share of one core over the measurement (fanout) or the whole run.");
    println!("logins/s: churn's login cycles; {L2_LOGINS}: its login loops' password logins");
    println!("(connect, name, password, welcome, /quit) completed per second of the measurement.");
    print_logins(rows);
    for r in rows.iter().filter(|r| r.server == "ncat") {
        let ours = rows.iter().find(|m| m.id == r.id && m.server != "ncat");
        if let Some(mine) = ours
            && let (Some(a), Some(b)) = (
                mine.out.num("deliveries_per_sec"),
                r.out.num("deliveries_per_sec"),
            )
            && b > 0.0
        {
            println!("{}: linechat/ncat deliveries/s = {:.2}x", r.id, a / b);
        }
    }
    let costs: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let ns = server_ns_per_delivery(&r.out)?;
            let gen_ns = r
                .out
                .num("gen_ns_per_delivery")
                .map_or(String::new(), |g| format!(" (gen {g:.1})"));
            let argon2 = if r.out.logins.is_some() {
                " [with the logins' Argon2]"
            } else {
                ""
            };
            Some(format!("{} {} {ns:.1}{gen_ns}{argon2}", r.id, r.server))
        })
        .collect();
    if !costs.is_empty() {
        println!(
            "server ns per delivery (server CPU s / deliveries in the window; generator's in \
             brackets): {}",
            costs.join(", ")
        );
    }
    let cost_of = |id: &str| {
        rows.iter()
            .find(|r| r.id == id && r.server != "ncat")
            .and_then(|r| server_ns_per_delivery(&r.out))
    };
    if let (Some(f1), Some(r1)) = (cost_of("F1"), cost_of("R1"))
        && f1 > 0.0
    {
        let ratio = r1 / f1;
        println!(
            "R1/F1 server cost per delivery = {ratio:.2}x ({} 10% of F1's)",
            if ratio <= 1.10 {
                "within"
            } else {
                "NOT within"
            }
        );
    }
    let rate_of = |id: &str| {
        rows.iter()
            .find(|r| r.id == id && r.server != "ncat")
            .and_then(|r| r.out.num("deliveries_per_sec"))
    };
    if let (Some(f1), Some(t1)) = (cost_of("F1"), cost_of("T1"))
        && f1 > 0.0
    {
        let rates = match (rate_of("F1"), rate_of("T1")) {
            (Some(f), Some(t)) if f > 0.0 => format!(", deliveries/s {:.2}x", t / f),
            _ => String::new(),
        };
        println!(
            "T1/F1 (TLS/plain): server cost per delivery {:.2}x ({:+.1} ns){rates}",
            t1 / f1,
            t1 - f1
        );
    }
}

/// Below the load table: L2's password logins, where the server's CPU
/// went, and the cost of the logins to the fanout run.
fn print_logins(rows: &[&Row]) {
    let ms =
        |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64() * 1e3));
    for r in rows {
        if let (Some(whole), Some(worker)) = (r.out.server_cpu_whole, r.out.worker_cpu) {
            println!(
                "{} ({}): server CPU over the generator's whole run {} = accounts worker \
                 (Argon2) {} + the rest (poll loop, log) {}",
                r.id,
                r.server,
                fmt_pct(Some(whole)),
                fmt_pct(Some(worker)),
                fmt_pct(Some((whole - worker).max(0.0))),
            );
        }
        let Some(l) = &r.out.logins else { continue };
        println!(
            "{} ({}): {} password logins by {LOGIN_THREADS} loops in the {:.1} s measurement = \
             {:.1}/s, connect to welcome p50 {} ms, p99 {} ms; {} over the generator's whole run \
             = {:.1}/s",
            r.id,
            r.server,
            l.in_window,
            l.window_secs,
            l.per_sec,
            ms(l.p50),
            ms(l.p99),
            l.in_run,
            l.run_per_sec,
        );
        let Some(alone) = rows
            .iter()
            .find(|a| a.id == L2_ALONE && a.server == r.server)
        else {
            continue;
        };
        let (a, b) = (&alone.out, &r.out);
        let ratio = |key: &str| match (a.num(key), b.num(key)) {
            (Some(x), Some(y)) if x > 0.0 => format!("{:.2}x", y / x),
            _ => "-".into(),
        };
        println!(
            "{} / {L2_ALONE} ({}): deliveries/s {}, p50 {}, p99 {}, srv CPU {} -> {}",
            r.id,
            r.server,
            ratio("deliveries_per_sec"),
            ratio("p50_us"),
            ratio("p99_us"),
            fmt_pct(a.num("server_cpu")),
            fmt_pct(b.num("server_cpu")),
        );
    }
}

/// The server's CPU time per delivery of a fanout run in ns: the
/// generator's figure, else its CPU share over its deliveries per second
/// (for a generator that predates the figure).
fn server_ns_per_delivery(o: &Outcome) -> Option<f64> {
    o.num("server_ns_per_delivery").or_else(|| {
        let rate = o.num("deliveries_per_sec").filter(|&r| r > 0.0)?;
        Some(o.num("server_cpu")? * 1e9 / rate)
    })
}

/// What the abuse table's columns mean.
const ABUSE_NOTES: &str = "\
peak RSS: the server's VmHWM at the end (A: at most bar = 1.25 x never-readers x
--max-outbuf + 20 MiB); TCP mem: /proc/net/sockstat at its highest sample, both
ends of every connection (attackers keep theirs at 16 KiB); atk dropped: attackers
the server disconnected; pair: the well-behaved pair got every line in order
(DROPPED: the server disconnected one of them); p50/p99: its latency; cycles/s:
join-storm connect-login-close cycles; CPU: over the attack or the storm.
";

/// Prints the abuse and storm table.
fn print_abuse_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "peak RSS MiB",
        "bar MiB",
        "TCP mem MiB",
        "atk dropped",
        "alive",
        "pair",
        "p50 µs",
        "p99 µs",
        "cycles/s",
        "srv CPU",
        "ok",
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            let alive = match field(&o.json, "server_alive") {
                Some("true") => "yes",
                Some(_) => "NO",
                None => "-",
            };
            let pair = match (o.num("expected"), o.num("received"), o.num("out_of_order")) {
                _ if o.num("dropped").is_some_and(|d| d > 0.0) => "DROPPED".to_string(),
                (Some(e), Some(r), Some(0.0)) if e > 0.0 && r == e => "ok".to_string(),
                (Some(e), Some(r), Some(ooo)) => format!("{r:.0}/{e:.0} ooo {ooo:.0}"),
                _ => "-".into(),
            };
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_mib(o.num("peak_rss_bytes")),
                fmt_mib(o.num("rss_bar_bytes")),
                fmt_mib(o.num("tcp_mem_peak_bytes")),
                fmt_int(o.num("attackers_dropped")),
                alive.into(),
                pair,
                fmt_int(o.num("p50_us")),
                fmt_int(o.num("p99_us")),
                fmt_int(o.num("logins_per_sec")),
                fmt_pct(o.num("server_cpu").or(o.server_cpu_whole)),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{ABUSE_NOTES}");
}

/// Prints `header` and `rows` as a Markdown table, columns padded, text
/// columns (the first three) left-aligned and numbers right-aligned.
fn render(header: &[&str], rows: Vec<Vec<String>>) {
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    table.extend(rows);
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!();
    for (i, row) in table.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                if c < 3 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
    println!();
}

// ---------------------------------------------------------------------------
// Registered names (L2): L1's fanout next to password logins.

/// L2's login loops: one per registered name, each logging in with it over
/// and over (connect, name, password, welcome, `/quit`) on a thread of this
/// process, with plain blocking sockets.
const LOGIN_THREADS: usize = 20;

/// L2's rows, named so the README can quote them. (The 20 is
/// [`LOGIN_THREADS`].)
const L2_ALONE: &str = "L2 alone";
const L2_LOGINS: &str = "L2 + 20 logins";

/// The longest the bench's own clients wait for one reply (a whole step:
/// connect, a prompt, the welcome, `*** Bye!` and the close).
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server says, to a client that speaks no telnet, on connect, at
/// a registered name, and to `/quit`.
const GREETING: &str = "Welcome to linechat!\r\nEnter your name: ";
/// The offer to hide typing (`IAC WILL ECHO`), a carriage return, the
/// prompt; the generator sends its password before the server would tell
/// it that its typing shows.
const PASSWORD_PROMPT: &[u8] = b"\xff\xfb\x01\rPassword: ";
const BYE: &[u8] = b"*** Bye!\r\n";

/// The password logins of L2's login loops during one fanout run.
struct Logins {
    /// Completed (welcome received) in the generator's measurement window,
    /// and per second of it.
    in_window: usize,
    window_secs: f64,
    per_sec: f64,
    /// Completed while the generator ran (logins and drain too), and per
    /// second of that.
    in_run: usize,
    run_per_sec: f64,
    /// Connect to welcome, of those completed in the window.
    p50: Option<Duration>,
    p99: Option<Duration>,
}

/// L2: one linechat with `--data-dir` (a fresh temporary directory) and
/// [`LOGIN_THREADS`] names registered on it; then the case's fanout run
/// alone ([`L2_ALONE`]) and again while every name logs in over and over
/// ([`L2_LOGINS`]). Both rows fail if the server does not start or a name
/// cannot be registered.
fn run_accounts(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    case: &Case,
    label: &str,
) -> Vec<Row> {
    let (alone, logins) = accounts_runs(server_bin, flags, load_bin, case);
    let shown = [flags.to_vec(), strings(&["--data-dir", "DIR"])].concat();
    [(L2_ALONE, alone), (L2_LOGINS, logins)]
        .into_iter()
        .map(|(id, out)| Row {
            id,
            server: label.to_string(),
            what: case.what.clone(),
            table: case.table,
            flags: shown.clone(),
            out,
        })
        .collect()
}

/// [`run_accounts`]' two outcomes: alone, and with the login loops.
fn accounts_runs(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    case: &Case,
) -> (Outcome, Outcome) {
    let both = |why: String| (Outcome::failed(why.clone()), Outcome::failed(why));
    let dir = match DataDir::make() {
        Ok(d) => d,
        Err(e) => return both(e),
    };
    let mut data_flags = [
        flags.to_vec(),
        vec!["--data-dir".into(), dir.0.display().to_string()],
    ]
    .concat();
    // Every name is registered from this one address.
    if known_flags(server_bin)
        .iter()
        .any(|f| f == "--register-rate")
    {
        data_flags.extend(["--register-rate".into(), "0".into()]);
    }
    let mut server = match Server::start(server_bin, &data_flags) {
        Ok(s) => s,
        Err(e) => return both(e),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let names: Vec<(String, String)> = (0..LOGIN_THREADS)
        .map(|i| (format!("reg{i}"), format!("bench-password-{i}")))
        .collect();
    for (name, password) in &names {
        if let Err(e) = register(addr, name, password) {
            server.stop();
            return both(format!("registering {name}: {e}"));
        }
    }
    eprintln!("load bench: {L2_ALONE} ...");
    let pid = server.pid();
    let worker_before = thread_cpu(pid, "accounts");
    let started = Instant::now();
    let mut alone = run_generator(load_bin, &case.args, &addr.to_string(), &[pid], &[]);
    alone.worker_cpu = worker_share(pid, worker_before, started.elapsed());
    check_no_loss(&mut alone);
    eprintln!("load bench: {L2_LOGINS} ...");
    let mut with = run_with_logins(load_bin, case, addr, server.pid(), &names);
    check_no_loss(&mut with);
    server.stop();
    (alone, with)
}

/// Fails `out` if the generator reported lost deliveries (it fails the run
/// itself then too; this keeps L2 failing whatever its exit status says).
fn check_no_loss(out: &mut Outcome) {
    if let Some(lost) = out.num("lost").filter(|&l| l > 0.0) {
        out.fail(format!("{lost:.0} deliveries lost"));
    }
}

/// The case's fanout run while [`LOGIN_THREADS`] threads log in with
/// `names` over and over; they start before the generator and stop when
/// it has exited. Fails if any login fails or none completed in the
/// measurement window.
fn run_with_logins(
    load_bin: &PathBuf,
    case: &Case,
    addr: SocketAddr,
    pid: u32,
    names: &[(String, String)],
) -> Outcome {
    let stop = AtomicBool::new(false);
    let (mut out, results, started, ended, worker_cpu) = thread::scope(|s| {
        let loops: Vec<_> = names
            .iter()
            .map(|(name, password)| {
                let stop = &stop;
                s.spawn(move || login_loop(addr, name, password, stop))
            })
            .collect();
        let worker_before = thread_cpu(pid, "accounts");
        let started = Instant::now();
        let out = run_generator(load_bin, &case.args, &addr.to_string(), &[pid], &[]);
        let ended = Instant::now();
        let worker_cpu = worker_share(pid, worker_before, ended - started);
        stop.store(true, Ordering::Relaxed);
        let results: Vec<Result<Vec<Login>, String>> = loops
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("login thread panicked".into()))
            })
            .collect();
        (out, results, started, ended, worker_cpu)
    });
    let (mut done, mut errors) = (Vec::new(), Vec::new());
    for result in results {
        match result {
            Ok(logins) => done.extend(logins),
            Err(e) => errors.push(e),
        }
    }
    // The generator's measurement window: from the end of its logins and
    // barrier for its duration (its clock starts a process spawn later
    // than ours: well under a millisecond).
    let (from, to) = match (out.num("login_secs"), out.num("duration_secs")) {
        (Some(login), Some(secs)) => (
            started + Duration::from_secs_f64(login),
            started + Duration::from_secs_f64(login + secs),
        ),
        _ => (started, ended),
    };
    let window_secs = (to - from).as_secs_f64().max(1e-9);
    let mut took: Vec<Duration> = done
        .iter()
        .filter(|l| l.at >= from && l.at < to)
        .map(|l| l.took)
        .collect();
    took.sort_unstable();
    let pct = |q: f64| {
        let last = took.len().checked_sub(1)?;
        Some(took[(last as f64 * q).round() as usize])
    };
    let in_run = done
        .iter()
        .filter(|l| l.at >= started && l.at < ended)
        .count();
    let logins = Logins {
        in_window: took.len(),
        window_secs,
        per_sec: took.len() as f64 / window_secs,
        in_run,
        run_per_sec: in_run as f64 / (ended - started).as_secs_f64().max(1e-9),
        p50: pct(0.50),
        p99: pct(0.99),
    };
    if let Some(first) = errors.first() {
        out.fail(format!(
            "{} of {LOGIN_THREADS} login loops failed; first: {first}",
            errors.len()
        ));
    } else if logins.in_window == 0 {
        out.fail("no password login completed in the measurement window".into());
    }
    out.logins = Some(logins);
    out.worker_cpu = worker_cpu;
    out
}

/// One completed password login: when the welcome arrived, and how long
/// it took from the connect.
struct Login {
    at: Instant,
    took: Duration,
}

/// Logs in as `name` with `password` until `stop`: each time connect, the
/// name, the password prompt (with the offer to hide typing, left
/// unanswered), the password, the welcome, `/quit`, `*** Bye!` and the close.
/// The first unexpected reply, or none within [`STEP_TIMEOUT`], ends it
/// with an error.
fn login_loop(
    addr: SocketAddr,
    name: &str,
    password: &str,
    stop: &AtomicBool,
) -> Result<Vec<Login>, String> {
    let mut done = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let once = || -> Result<Login, String> {
            let start = Instant::now();
            let mut c = LineClient::connect(addr)?;
            c.expect(GREETING)?;
            c.send(&format!("{name}\n"))?;
            c.expect_bytes(PASSWORD_PROMPT)?;
            c.send(&format!("{password}\n"))?;
            c.welcome(name)?;
            let login = Login {
                at: Instant::now(),
                took: start.elapsed(),
            };
            c.quit()?;
            Ok(login)
        };
        match once() {
            Ok(login) => done.push(login),
            Err(e) => return Err(format!("{name}, login {}: {e}", done.len() + 1)),
        }
    }
    Ok(done)
}

/// Registers `name` with `password`: log in, `/register`, wait for the
/// confirmation, `/quit`.
fn register(addr: SocketAddr, name: &str, password: &str) -> Result<(), String> {
    let mut c = LineClient::connect(addr)?;
    c.expect(GREETING)?;
    c.send(&format!("{name}\n"))?;
    c.welcome(name)?;
    c.send(&format!("/register {password}\n"))?;
    c.expect(&format!(
        "*** Registered {name}: logging in as {name} now asks for this password\r\n"
    ))?;
    c.quit()
}

/// The bench's own chat client (L2): a plain TCP connection read with
/// timeouts, each step within [`STEP_TIMEOUT`].
struct LineClient {
    stream: TcpStream,
    /// Read but not yet taken.
    buf: Vec<u8>,
}

impl LineClient {
    fn connect(addr: SocketAddr) -> Result<LineClient, String> {
        let stream =
            TcpStream::connect_timeout(&addr, STEP_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(LineClient {
            stream,
            buf: Vec::new(),
        })
    }

    fn send(&mut self, text: &str) -> Result<(), String> {
        self.stream
            .write_all(text.as_bytes())
            .map_err(|e| format!("write: {e}"))
    }

    /// Reads what has come, waiting until `until` at most: false at the end
    /// of the stream, an error once `until` has passed.
    fn fill(&mut self, until: Instant) -> Result<bool, String> {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no reply within {} s (pending: {})",
                STEP_TIMEOUT.as_secs(),
                shown(&self.buf)
            ));
        }
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|e| format!("set_read_timeout: {e}"))?;
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            // Timed out (the next call says so) or interrupted.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                Ok(true)
            }
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Exactly `want` next, nothing else first.
    fn expect(&mut self, want: &str) -> Result<(), String> {
        self.expect_bytes(want.as_bytes())
    }

    /// Expects exactly `want` next (bytes that need not be text).
    fn expect_bytes(&mut self, want: &[u8]) -> Result<(), String> {
        let until = Instant::now() + STEP_TIMEOUT;
        loop {
            let n = self.buf.len().min(want.len());
            if self.buf[..n] != want[..n] {
                return Err(format!(
                    "expected {}, got {}",
                    shown(want),
                    shown(&self.buf)
                ));
            }
            if n == want.len() {
                self.buf.drain(..n);
                return Ok(());
            }
            if !self.fill(until)? {
                return Err(format!(
                    "closed; expected {}, got {}",
                    shown(want),
                    shown(&self.buf)
                ));
            }
        }
    }

    /// The next whole line, to its `\n`.
    fn line(&mut self, until: Instant) -> Result<Vec<u8>, String> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(self.buf.drain(..=end).collect());
            }
            if !self.fill(until)? {
                return Err(format!("closed (pending: {})", shown(&self.buf)));
            }
        }
    }

    /// `*** Welcome, NAME! ...` (the room and who is in it) next.
    fn welcome(&mut self, name: &str) -> Result<(), String> {
        self.expect(&format!("*** Welcome, {name}! "))?;
        self.line(Instant::now() + STEP_TIMEOUT).map(drop)
    }

    /// `/quit`: then lines of the room (chat, joins and leaves) until
    /// `*** Bye!`, and then the end of the stream with nothing more.
    fn quit(&mut self) -> Result<(), String> {
        self.send("/quit\n")?;
        let until = Instant::now() + STEP_TIMEOUT;
        while self.line(until)? != BYE {}
        while self.fill(until)? {
            if !self.buf.is_empty() {
                return Err(format!("after `*** Bye!`: {}", shown(&self.buf)));
            }
        }
        Ok(())
    }
}

/// Bytes for an error message: escaped, the first 160 characters.
fn shown(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(bytes)
        .escape_debug()
        .take(160)
        .collect();
    format!("`{text}`")
}

/// The CPU time (user + system) of the thread of process `pid` named
/// `name`, from `/proc/PID/task/*/{comm,stat}`.
fn thread_cpu(pid: u32, name: &str) -> Option<Duration> {
    let task = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })?;
    let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
    // As in `linechat::sys::process_cpu`: utime and stime are fields 14 and
    // 15, the 12th and 13th after the command name's closing parenthesis.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// The accounts worker's share of one core over `wall`, from its CPU time
/// `before` and now.
fn worker_share(pid: u32, before: Option<Duration>, wall: Duration) -> Option<f64> {
    let after = thread_cpu(pid, "accounts")?;
    Some(after.saturating_sub(before?).as_secs_f64() / wall.as_secs_f64().max(1e-9))
}

/// L2's `--data-dir`: a fresh temporary directory, removed when dropped.
struct DataDir(PathBuf);

impl DataDir {
    fn make() -> Result<DataDir, String> {
        let dir =
            std::env::temp_dir().join(format!("linechat-bench-accounts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(DataDir(dir))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------
// Cluster cases: a fresh redis-server and two fresh linechat nodes per run.

/// How long a node may miss its heartbeat in the failover case before the
/// other counts it gone (`--node-timeout`); short, to keep the run short.
const NODE_TIMEOUT_SECS: u32 = 5;

/// One cluster run.
struct ClusterCase {
    id: &'static str,
    what: String,
    /// Generator arguments (mode first), without addresses, PIDs, `--redis`,
    /// `--kill-pid` and output flags.
    args: Vec<String>,
    /// The nodes' flags besides `--addr`, `--redis` and [`server_args`].
    node_flags: Vec<String>,
    /// Kill the second node (failover mode) rather than measure load.
    failover: bool,
}

/// The cluster cases. Client n is on node n mod 2, so every case splits
/// its users evenly and its senders too (X3's senders are all on the first
/// node, the one that survives).
fn cluster_cases(quick: bool) -> Vec<ClusterCase> {
    let secs = if quick { 3 } else { 10 };
    let args = |s: String| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    let load = |id, what: String, gen_args: String| ClusterCase {
        id,
        what,
        args: args(gen_args),
        node_flags: Vec::new(),
        failover: false,
    };
    // Failover: (users over both nodes, node timeout, kill after, seconds).
    let (users, timeout, kill_after, duration) = if quick {
        (500, 2, 2, 8)
    } else {
        (2000, NODE_TIMEOUT_SECS, 3, 15)
    };
    vec![
        load(
            "X1",
            format!("2 nodes C=100 S=10 500/s {secs}s"),
            format!("fanout --clients 100 --senders 10 --rate 500 --duration {secs}"),
        ),
        load(
            "X2",
            format!("2 nodes C=100 S=100 max {secs}s"),
            format!("fanout --clients 100 --senders 100 --duration {secs}"),
        ),
        load(
            "X2",
            format!("2 nodes C=50 S=10 max {secs}s"),
            format!("fanout --clients 50 --senders 10 --duration {secs}"),
        ),
        load(
            "X2",
            format!("2 nodes C=200 S=10 max {secs}s"),
            format!("fanout --clients 200 --senders 10 --duration {secs}"),
        ),
        ClusterCase {
            id: "X3",
            what: format!(
                "kill 1 of 2 nodes, {} users each, S=10 100/s, node-timeout {timeout}s",
                users / 2
            ),
            args: args(format!(
                "failover --clients {users} --senders 10 --rate 100 --kill-after {kill_after} \
                 --duration {duration}"
            )),
            node_flags: strings(&["--node-timeout", &timeout.to_string(), "--quiet-joins", "0"]),
            failover: true,
        },
    ]
}

/// Runs the cluster cases, or says why they are skipped (no redis-server,
/// or a linechat without `--redis`: no rows then).
fn run_cluster_cases(
    server_bin: &PathBuf,
    label: &str,
    known: &[String],
    load_bin: &PathBuf,
    cases: &[ClusterCase],
) -> Vec<Row> {
    let ids: Vec<&str> = cases.iter().map(|c| c.id).collect();
    let Some(redis_bin) = redis_binary().filter(|p| p.is_file()) else {
        let why = "no redis-server (set LINECHAT_REDIS_SERVER, or run \
                   `sh scripts/redis-server.sh`, which installs Debian's as root)";
        if std::env::var("LINECHAT_SKIP_REDIS").as_deref() == Ok("1") {
            eprintln!(
                "load bench: {} skipped (LINECHAT_SKIP_REDIS=1): {why}",
                ids.join(", ")
            );
            return Vec::new();
        }
        // Asked for and not run is a failure, not an empty table.
        return cases
            .iter()
            .map(|case| Row {
                id: case.id,
                server: label.to_string(),
                what: case.what.clone(),
                table: if case.failover {
                    Table::Failover
                } else {
                    Table::Cluster
                },
                flags: Vec::new(),
                out: Outcome::failed(why.to_string()),
            })
            .collect();
    };
    if !known.is_empty() && !known.iter().any(|f| f == "--redis") {
        eprintln!(
            "load bench: {} skipped: {label} has no --redis",
            ids.join(", ")
        );
        return Vec::new();
    }
    let mut rows = Vec::new();
    for case in cases {
        let wanted = [server_args(), case.node_flags.clone()].concat();
        let (flags, unknown) = split_known(&wanted, known);
        eprintln!("load bench: {} {} ({label}) ...", case.id, case.what);
        if !unknown.is_empty() {
            eprintln!(
                "load bench: {label} does not know {}; left out",
                unknown.join(" ")
            );
        }
        let out = run_cluster(server_bin, &flags, load_bin, &redis_bin, case);
        rows.push(Row {
            id: case.id,
            server: label.to_string(),
            what: case.what.clone(),
            table: if case.failover {
                Table::Failover
            } else {
                Table::Cluster
            },
            flags: [flags, strings(&["--redis", "redis://127.0.0.1:PORT"])].concat(),
            out,
        });
    }
    rows
}

/// One cluster case: Redis, two nodes sharing it, the generator against
/// both; everything stopped afterwards.
fn run_cluster(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    redis_bin: &std::path::Path,
    case: &ClusterCase,
) -> Outcome {
    let mut redis = RedisServer::start_with(redis_bin.to_path_buf());
    let node_flags = [flags.to_vec(), strings(&["--redis", &redis.url(0)])].concat();
    let mut nodes = Vec::new();
    for i in 0..2 {
        // With LINECHAT_BENCH_LOGS=DIR, each node's log is kept there.
        let log = std::env::var_os("LINECHAT_BENCH_LOGS").map(|dir| {
            let what: String = case
                .what
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            PathBuf::from(dir).join(format!("{}-{what}-node{i}.log", case.id))
        });
        match Server::spawn(server_bin, &node_flags, Some("registered with Redis"), log) {
            Ok(node) => nodes.push(node),
            Err(e) => {
                nodes.iter_mut().for_each(Server::stop);
                redis.kill();
                return Outcome::failed(format!("node: {e}"));
            }
        }
    }
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let redis_addr = redis.addr().to_string();
    let victim = nodes[1].pid().to_string();
    let mut out = if case.failover {
        // Only the survivor's CPU: the other is killed mid-run.
        run_generator(
            load_bin,
            &case.args,
            &addrs.join(","),
            &[nodes[0].pid()],
            &["--kill-pid", &victim],
        )
    } else {
        run_generator(
            load_bin,
            &case.args,
            &addrs.join(","),
            &[nodes[0].pid(), nodes[1].pid()],
            &["--redis", &redis_addr],
        )
    };
    nodes.iter_mut().for_each(Server::stop);
    redis.kill();
    // A failover loses one node, once; a load run none. More means a live
    // node was taken for gone (its heartbeat was late by --node-timeout).
    let lost = nodes.iter().map(Server::nodes_lost).sum::<u64>();
    out.nodes_lost = Some(lost);
    if lost > u64::from(case.failover) {
        out.ok = false;
        let why = format!(
            "the nodes' logs say `stopped answering` {lost} times: a live node was taken for gone"
        );
        out.note = Some(match out.note.take() {
            Some(note) => format!("{note}; {why}"),
            None => why,
        });
    }
    out
}

/// `a/b` of two figures, `-` for a missing one.
fn pair(a: Option<f64>, b: Option<f64>) -> String {
    format!("{}/{}", fmt_int(a), fmt_int(b))
}

/// What the cluster table's columns mean.
const CLUSTER_NOTES: &str = "\
Two linechat nodes sharing one Redis; client n is on node n mod 2, senders too.
same/cross p50/p99: delivery latency between users of one node, and of the two;
node CPU: each node's share of one core over the measurement; Redis CPU and
calls/s: over the measurement (INFO); calls/write, XADD/write: Redis commands
(all, XADD) per sender write of one or more lines (about one server read: a
sender turn), from the start of the measurement until the last line arrived;
calls/line: per measured line; calls/deliv: per delivery (calls include those
a script makes: each node's heartbeat is an EVAL and a few more); gen CPU: the
generator's (one thread: near 100% means it, not the cluster, is the limit);
lost nodes: how often the nodes logged that the other stopped answering (0 here).
";

/// Prints the cluster load table (X1, X2).
fn print_cluster_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "deliv/s",
        "same p50/p99 µs",
        "cross p50/p99 µs",
        "node CPU",
        "Redis CPU",
        "calls/s",
        "XADD/s",
        "calls/write",
        "XADD/write",
        "calls/line",
        "calls/deliv",
        "gen CPU",
        "lost nodes",
        "ok",
    ];
    let ratio = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_int(o.num("deliveries_per_sec")),
                pair(o.num("same_node_p50_us"), o.num("same_node_p99_us")),
                pair(o.num("cross_node_p50_us"), o.num("cross_node_p99_us")),
                format!(
                    "{} + {}",
                    fmt_pct(o.num("server_cpu_node0")),
                    fmt_pct(o.num("server_cpu_node1"))
                ),
                fmt_pct(o.num("redis_cpu")),
                fmt_int(o.num("redis_calls_per_sec")),
                fmt_int(o.num("redis_xadd_per_sec")),
                ratio(o.num("redis_calls_per_write"), 2),
                ratio(o.num("redis_xadd_per_write"), 2),
                ratio(o.num("redis_calls_per_line"), 3),
                ratio(o.num("redis_calls_per_delivery"), 5),
                fmt_pct(o.num("gen_cpu")),
                o.nodes_lost.map_or("-".into(), |n| n.to_string()),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{CLUSTER_NOTES}");
    for r in rows {
        let calls: Vec<String> = r
            .out
            .json
            .split(',')
            .filter_map(|kv| kv.strip_prefix("\"redis_calls_"))
            .filter(|kv| !kv.starts_with("per_"))
            .map(|kv| kv.replacen("\":", " ", 1))
            .collect();
        if !calls.is_empty() {
            println!("{} {}: Redis commands {}", r.id, r.what, calls.join(", "));
        }
    }
}

/// What the failover table's columns mean.
const FAILOVER_NOTES: &str = "\
login s: every user of both nodes logged in and every join notice read; then the
senders (all on the surviving node) start, and the other node gets SIGKILL.
Times after the kill: first leave: a survivor sees the first `*** NAME has left`
for a user of the killed node; all leaves: every survivor has seen one for every
such user; names free: a login with a killed user's name (the first and the
last) succeeds at the survivor, tried every 50 ms. lines/lost/ooo: the senders'
lines, and deliveries to survivors lost or out of order, across the failover;
p99: their latency; CPU: the survivor's, over the sending; early leaves: leave
notices for our users before the kill; lost nodes: how often the nodes logged that
the other stopped answering (1 here: the kill; more, or early leaves, means a live
node was taken for gone).
";

/// Prints the failover table (X3).
fn print_failover_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "login s",
        "first leave s",
        "all leaves s",
        "names free s",
        "lines",
        "deliveries",
        "lost",
        "ooo",
        "p99 µs",
        "srv CPU",
        "early leaves",
        "lost nodes",
        "ok",
    ];
    let secs = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                secs(o.num("login_secs")),
                secs(o.num("first_leave_secs")),
                secs(o.num("all_leaves_secs")),
                secs(o.num("names_free_secs")),
                fmt_int(o.num("sent")),
                fmt_int(o.num("received")),
                fmt_int(o.num("lost")),
                fmt_int(o.num("out_of_order")),
                fmt_int(o.num("p99_us")),
                fmt_pct(o.num("server_cpu")),
                fmt_int(o.num("early_leaves")),
                o.nodes_lost.map_or("-".into(), |n| n.to_string()),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{FAILOVER_NOTES}");
}
