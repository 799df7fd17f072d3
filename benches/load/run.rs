//! Running one case against one linechat (plain or TLS) or `ncat
//! --chat`: the server, the generator with `--json`, and what they gave.

use crate::accounts::{Logins, run_accounts};
use crate::cases::{Case, Kind, Table};
use crate::irc::run_irc_case;
use crate::report::field;
use crate::server::{Server, case_flags, is_listening, split_known, stop, strings};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// One run of one case, for the tables.
pub struct Row {
    pub id: &'static str,
    /// `linechat`, another build's path, or `ncat`.
    pub server: String,
    pub what: String,
    pub table: Table,
    /// The flags the server ran with, besides `--addr`.
    pub flags: Vec<String>,
    pub out: Outcome,
}

/// What one run produced: the generator's JSON fields plus our own sample.
pub struct Outcome {
    pub json: String,
    /// Server CPU share over the generator's whole run, from /proc.
    pub server_cpu_whole: Option<f64>,
    /// Cluster cases: how often the nodes' logs said another node stopped
    /// answering.
    pub nodes_lost: Option<u64>,
    /// L2 with login loops: the password logins made meanwhile.
    pub logins: Option<Logins>,
    /// L2: the accounts worker thread's share of one core over the
    /// generator's whole run (Argon2 hashing, off the poll loop).
    pub worker_cpu: Option<f64>,
    pub ok: bool,
    pub note: Option<String>,
}

impl Outcome {
    pub fn failed(why: String) -> Outcome {
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

    pub fn num(&self, key: &str) -> Option<f64> {
        field(&self.json, key)?.parse().ok()
    }

    /// Marks it failed, adding `why` to its note.
    pub fn fail(&mut self, why: String) {
        self.ok = false;
        self.note = Some(match self.note.take() {
            Some(note) => format!("{note}; {why}"),
            None => why,
        });
    }
}

/// One case against a fresh linechat started with `flags`; with `tls`,
/// it also listens for TLS with that certificate, and the generator
/// connects there over TLS, trusting it.
pub fn run_linechat(
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
pub struct TlsFiles {
    pub dir: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    pub fn make() -> Result<TlsFiles, String> {
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
    pub fn server_flags(&self) -> Vec<String> {
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
    pub fn shown_flags() -> Vec<String> {
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
pub fn run_ncat(load_bin: &PathBuf, case: &Case) -> Outcome {
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

/// How the generator shares the machine's cores with the servers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// Like any process: the usual case.
    Normal,
    /// Under `nice -n 19`: the servers get the cores first, as they would
    /// with their readers on other hosts. Only for cases timed by the
    /// kernel's receive stamps, which do not wait for the generator's reads.
    Yielding,
}

/// Runs the generator with `args`, `--json` against `addr` (one or several,
/// comma-separated) and collects its result and the servers' CPU time over
/// the run (`pids`, one per address or fewer; their sum).
pub fn run_generator(
    load_bin: &PathBuf,
    args: &[String],
    addr: &str,
    pids: &[u32],
    extra: &[&str],
) -> Outcome {
    run_generator_at(Priority::Normal, load_bin, args, addr, pids, extra)
}

/// [`run_generator`] at the given [`Priority`].
pub fn run_generator_at(
    priority: Priority,
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
    let mut command = match priority {
        Priority::Normal => Command::new(load_bin),
        Priority::Yielding => {
            let mut nice = Command::new("nice");
            nice.args(["-n", "19"]).arg(load_bin);
            nice
        }
    };
    let output = command
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

/// What every case of a bench run shares: the binaries, how the tables
/// name the server, the flags it knows, and whether `ncat` is there.
pub struct Setup {
    pub server_bin: PathBuf,
    pub load_bin: PathBuf,
    /// `linechat`, or another build's path (`LINECHAT_BIN`).
    pub label: String,
    /// The flags its `--help` lists (empty: unknown, pass them all).
    pub known: Vec<String>,
    pub ncat: bool,
}

impl Setup {
    /// Whether the server lists `flag` (or its flags are unknown).
    pub fn knows(&self, flag: &str) -> bool {
        self.known.is_empty() || self.known.iter().any(|f| f == flag)
    }
}

/// Runs the one-server cases in order: their rows, then also against
/// `ncat` where asked. Cases the server lacks the flags for are skipped
/// with a message.
pub fn run_single_cases(setup: &Setup, cases: &[&Case]) -> Vec<Row> {
    let label = &setup.label;
    // The TLS cases' certificate, made at the first of them.
    let mut tls_files: Option<Result<TlsFiles, String>> = None;
    let mut rows = Vec::new();
    for &case in cases {
        let needs = match case.kind {
            Kind::Tls => Some(("--tls-addr", "no --tls-addr")),
            Kind::Accounts => Some(("--data-dir", "no --data-dir (no registered names)")),
            Kind::Irc => Some(("--irc-addr", "no --irc-addr (no IRC)")),
            Kind::Web => Some(("--web-addr", "no --web-addr (no WebSocket)")),
            _ => None,
        };
        if let Some((_, why)) = needs.filter(|(flag, _)| !setup.knows(flag)) {
            eprintln!("load bench: {} skipped: {label} has {why}", case.id);
            continue;
        }
        let (flags, unknown) = split_known(&case_flags(case), &setup.known);
        eprintln!("load bench: {} {} ({label}) ...", case.id, case.what);
        if !unknown.is_empty() {
            eprintln!(
                "load bench: {label} does not know {}; left out",
                unknown.join(" ")
            );
        }
        let b = (&setup.server_bin, &setup.load_bin);
        let (out, shown_flags) = match case.kind {
            Kind::Accounts => {
                rows.extend(run_accounts(b.0, &flags, b.1, case, label));
                continue;
            }
            Kind::Irc => {
                rows.extend(run_irc_case(setup, case, &flags));
                continue;
            }
            Kind::Web => {
                rows.push(crate::irc::run_web_case(setup, case, &flags));
                continue;
            }
            Kind::Tls => {
                let files = tls_files.get_or_insert_with(TlsFiles::make);
                match files {
                    Ok(files) => (
                        run_linechat(b.0, &flags, b.1, case, Some(files)),
                        [flags, TlsFiles::shown_flags()].concat(),
                    ),
                    Err(e) => (Outcome::failed(format!("no certificate: {e}")), flags),
                }
            }
            _ => (run_linechat(b.0, &flags, b.1, case, None), flags),
        };
        rows.push(Row {
            id: case.id,
            server: label.clone(),
            what: case.what.clone(),
            table: case.table,
            flags: shown_flags,
            out,
        });
        if case.vs_ncat && setup.ncat {
            eprintln!("load bench: {} {} (ncat --chat) ...", case.id, case.what);
            rows.push(Row {
                id: case.id,
                server: "ncat".into(),
                what: case.what.clone(),
                table: case.table,
                flags: Vec::new(),
                out: run_ncat(&setup.load_bin, case),
            });
        }
    }
    rows
}
