//! What the generator's tests against the real `linechat` share: the
//! server binary, a server process on a free port, the generator run with
//! a time limit, and a redis-server for the cluster tests.
//!
//! The server binary belongs to the other package of the workspace, so
//! Cargo gives these tests no `CARGO_BIN_EXE_linechat`: it is built with
//! the same cargo and profile (a no-op when `cargo test --workspace`
//! already has), or taken from `LINECHAT_BIN`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest any step may take; the generator's own deadline is far shorter.
pub const LIMIT: Duration = Duration::from_secs(60);

/// `linechat`, built for this profile if `LINECHAT_BIN` does not name it.
pub fn server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("LINECHAT_BIN") {
        return PathBuf::from(p);
    }
    // This test runs from <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", "linechat", "--bin", "linechat"]);
    build
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"));
    // The profile directory is named after the profile (`debug` is `dev`).
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some(profile) => {
            build.args(["--profile", profile]);
        }
        None => panic!("no profile directory above {}", exe.display()),
    }
    if let Some(target_dir) = profile_dir.parent() {
        build.arg("--target-dir").arg(target_dir);
    }
    let status = build.status().expect("run cargo build for linechat");
    assert!(status.success(), "cargo build -p linechat failed: {status}");
    profile_dir.join("linechat")
}

/// A linechat process on a free loopback port, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Its TLS listener, when started with `--tls-addr`.
    pub tls_addr: Option<SocketAddr>,
}

/// What the server's log said, as [`Server::start_with`] waits for it.
enum Heard {
    /// `listening on ADDR`: the plain listener.
    Plain(String),
    /// `TLS listening on ADDR`.
    Tls(String),
    /// A line with the text it was told to wait for.
    Ready,
}

impl Server {
    /// Starts linechat on 127.0.0.1 port 0 with flood control and the
    /// per-address limits off (every client is on 127.0.0.1) and reads
    /// the port from its `listening on` log line (its log is drained on a
    /// thread so the pipe never fills).
    pub fn start() -> Server {
        Server::start_with(&[], None)
    }

    /// [`Server::start`] with more flags, also waiting for a log line
    /// containing `ready` if given (a node's `registered with Redis`), and
    /// with `--tls-addr` among them for the TLS listener's line too.
    pub fn start_with(flags: &[&str], ready: Option<&'static str>) -> Server {
        let mut child = Command::new(server_binary())
            .args(["--addr", "127.0.0.1:0", "--rate", "0"])
            .args(linechat::config::NO_ADDRESS_LIMITS)
            .args(flags)
            .env("RUST_LOG", "info")
            .env_remove("LINECHAT_REDIS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn linechat");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let heard = match line.contains("TLS listening on ") {
                        true => Heard::Tls(addr),
                        false => Heard::Plain(addr),
                    };
                    let _ = tx.send(heard);
                } else if ready.is_some_and(|r| line.contains(r)) {
                    let _ = tx.send(Heard::Ready);
                }
            }
        });
        // Owned from here, so a panic below kills it.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            tls_addr: None,
        };
        let wants_tls = flags.contains(&"--tls-addr");
        let (mut addr, mut tls, mut is_ready) = (None, None, ready.is_none());
        while addr.is_none() || (wants_tls && tls.is_none()) || !is_ready {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Heard::Plain(a)) => addr = Some(a),
                Ok(Heard::Tls(a)) => tls = Some(a),
                Ok(Heard::Ready) => is_ready = true,
                Err(_) => panic!(
                    "linechat did not log `listening on`{} and {ready:?} within 10 s",
                    if wants_tls { " (plain and TLS)" } else { "" }
                ),
            }
        }
        let addrs = [addr, tls].map(|a| a.map(|a| a.parse().expect("a socket address")));
        let [addr, tls_addr] = addrs;
        server.addr = addr.expect("the loop ends with an address");
        server.tls_addr = tls_addr;
        server
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the generator with `args`, failing the test if it outlives `LIMIT`.
pub fn generator(args: &[&str]) -> (Output, Duration) {
    let child = Command::new(env!("CARGO_BIN_EXE_linechat-load"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn linechat-load");
    let pid = child.id();
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(out) => (out.expect("linechat-load output"), started.elapsed()),
        Err(_) => {
            // SAFETY: kill(2) on our own child, not yet reaped (its waiter
            // has not returned).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("linechat-load still running after {LIMIT:?}");
        }
    }
}

/// A redis-server on a free loopback port, persistence off, killed when
/// dropped: the server's own test helper, shared.
#[path = "../../../tests/util/redis.rs"]
mod redis_server;
#[allow(unused_imports)]
pub use redis_server::RedisServer as Redis;

// The server's own test helpers, shared: certificates, a temporary
// directory, raw sockets (each file is self-contained, std and libc, or
// rcgen and rustls).
#[path = "../../../tests/util/cert.rs"]
pub mod cert;
#[path = "../../../tests/util/net.rs"]
pub mod net;
#[path = "../../../tests/util/temp.rs"]
mod temp;
#[allow(unused_imports)]
pub use temp::TempDir;

/// The raw value of `key` in a flat JSON object (numbers, `true`, `false`;
/// strings with their quotes).
pub fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let rest = &json[json.find(&pat)? + pat.len()..];
    rest.split([',', '}']).next()
}
