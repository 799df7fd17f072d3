//! The processes a case runs against: linechat on a free port (its port
//! learnt from its log, the log drained), the flags it knows, and stopping
//! it; where the binaries are.

use crate::cases::{ABUSE_OUTBUF, Case, Flags};
use linechat::config::NO_ADDRESS_LIMITS;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// The server's flags besides its address: every per-connection and
/// per-address limit off, as a load run comes from one address and sends as
/// fast as it can. `LINECHAT_SERVER_ARGS` replaces them (for example with
/// `--rate 0` alone, to measure a build that predates the other flags).
pub fn server_args() -> Vec<String> {
    match std::env::var("LINECHAT_SERVER_ARGS") {
        Ok(args) => args.split_whitespace().map(String::from).collect(),
        Err(_) => [strings(&["--rate", "0"]), strings(NO_ADDRESS_LIMITS)].concat(),
    }
}

/// The abuse cases' server flags: the per-address limits off (every
/// attacker comes from 127.0.0.1) but flood control at its default, as
/// deployed, and a small `--max-outbuf`.
pub fn abuse_server() -> Vec<String> {
    let mut flags = strings(&["--rate", "10"]);
    flags.extend(strings(NO_ADDRESS_LIMITS));
    flags.extend(["--max-outbuf".into(), ABUSE_OUTBUF.to_string()]);
    flags
}

/// The server flags `case` asks for, besides `--addr` (and a cluster
/// node's `--redis`).
pub fn case_flags(case: &Case) -> Vec<String> {
    let base = match case.server {
        Flags::Abuse => abuse_server(),
        _ => server_args(),
    };
    [base, case.extra_flags.clone()].concat()
}

/// Owned copies of flags.
pub fn strings(flags: &[&str]) -> Vec<String> {
    flags.iter().map(|s| s.to_string()).collect()
}

/// The flags `bin --help` lists (every `--word` in it); empty if it
/// cannot be run, and then every flag is passed.
pub fn known_flags(bin: &PathBuf) -> Vec<String> {
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
pub fn split_known(flags: &[String], known: &[String]) -> (Vec<String>, Vec<String>) {
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
pub struct Server {
    pub child: Child,
    pub port: u16,
    /// Its TLS listener's port, when started with `--tls-addr`.
    pub tls_port: Option<u16>,
    /// Log lines saying another node stopped answering (with `--redis`).
    pub nodes_lost: Arc<AtomicU64>,
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
    pub fn start(bin: &PathBuf, flags: &[String]) -> Result<Server, String> {
        Server::spawn(bin, flags, None, None)
    }

    /// [`Server::start`], then also waits for a log line containing
    /// `ready` if given (a node's `registered with Redis`), and copies the
    /// log to the file `log` if given.
    pub fn spawn(
        bin: &PathBuf,
        flags: &[String],
        ready: Option<&'static str>,
        log: Option<PathBuf>,
    ) -> Result<Server, String> {
        let copy = match log {
            Some(path) => Some(std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            )),
            None => None,
        };
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
        let nodes_lost = Arc::new(AtomicU64::new(0));
        let wants = Wanted {
            tls: flags.iter().any(|f| f == "--tls-addr"),
            ready,
        };
        let lost = Arc::clone(&nodes_lost);
        thread::spawn(move || drain_log(stderr, copy, wants, lost, tx));
        match wait_ready(&rx, wants) {
            Ok((port, tls_port)) => Ok(Server {
                child,
                port,
                tls_port,
                nodes_lost,
            }),
            Err(e) => {
                stop(&mut child);
                Err(e)
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How often its log has said another node stopped answering.
    pub fn nodes_lost(&self) -> u64 {
        self.nodes_lost.load(Ordering::Relaxed)
    }

    pub fn stop(&mut self) {
        stop(&mut self.child);
    }
}

/// What [`Server::spawn`] waits for in the log besides the port.
#[derive(Clone, Copy)]
struct Wanted {
    /// The TLS listener's port too.
    tls: bool,
    /// A line containing this.
    ready: Option<&'static str>,
}

/// Reads a server's log to its end: copies it to `copy`, counts the lines
/// saying another node stopped answering in `lost`, and sends on `tx` what
/// [`wait_ready`] waits for (or, if the log ends first, its first lines).
/// Reading on keeps the pipe from filling and blocking the server.
fn drain_log(
    stderr: std::process::ChildStderr,
    mut copy: Option<std::io::BufWriter<std::fs::File>>,
    wants: Wanted,
    lost: Arc<AtomicU64>,
    tx: mpsc::Sender<Result<Heard, String>>,
) {
    let mut head = Vec::new();
    let (mut port, mut is_ready) = (false, wants.ready.is_none());
    let mut tls_port = !wants.tls;
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
        } else if wants.ready.is_some_and(|r| line.contains(r)) && !is_ready {
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
}

/// Waits up to 10 s for what [`drain_log`] reports: the port, and the TLS
/// port and the ready line if wanted.
fn wait_ready(
    rx: &mpsc::Receiver<Result<Heard, String>>,
    wants: Wanted,
) -> Result<(u16, Option<u16>), String> {
    let until = Instant::now() + Duration::from_secs(10);
    let (mut port, mut is_ready) = (None, wants.ready.is_none());
    let mut tls_port = None;
    while port.is_none() || (wants.tls && tls_port.is_none()) || !is_ready {
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Ok(Heard::Port(p))) => port = Some(p),
            Ok(Ok(Heard::TlsPort(p))) => tls_port = Some(p),
            Ok(Ok(Heard::Ready)) => is_ready = true,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(format!(
                    "linechat did not log `listening on`{} within 10 s",
                    wants.ready.map_or(String::new(), |r| format!(" and `{r}`"))
                ));
            }
        }
    }
    Ok((port.expect("the loop ends with a port"), tls_port))
}

/// The port in a `... listening on 127.0.0.1:PORT ...` log line.
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("listening on ")? + "listening on ".len()..];
    let addr = rest.split_whitespace().next()?;
    addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
}

/// Asks `child` to stop with SIGTERM, then kills it if it is still there
/// after three seconds.
pub fn stop(child: &mut Child) {
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
pub fn is_listening(port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp").is_ok_and(|t| {
        t.lines().skip(1).any(|l| {
            let mut f = l.split_whitespace().skip(1);
            f.next() == Some(want.as_str()) && f.nth(1) == Some("0A")
        })
    })
}

/// The binary `name`: from env var `var`, else `$CARGO_TARGET_DIR/release`,
/// else `target/release` here, which is the workspace's target directory
/// (this package is the workspace root; `load/` builds into it too).
pub fn binary(var: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("release").join(name)
}
