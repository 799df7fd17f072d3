//! The generator against the real `linechat` binary when its names are
//! taken: it must stop at once with a hint to use `--prefix`, and a run with
//! another prefix against the same room must pass.
//!
//! The server binary belongs to the other package of the workspace, so
//! Cargo gives this test no `CARGO_BIN_EXE_linechat`: the test builds it
//! with the same cargo and profile (a no-op when `cargo test --workspace`
//! already has), or takes `LINECHAT_BIN`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest any step may take; the generator's own deadline is far shorter.
const LIMIT: Duration = Duration::from_secs(60);

/// `linechat`, built for this profile if `LINECHAT_BIN` does not name it.
fn server_binary() -> PathBuf {
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
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts linechat on 127.0.0.1 port 0 with flood control and the
    /// per-address limits off (every client is on 127.0.0.1) and reads
    /// the port from its `listening on` log line (its log is drained on a
    /// thread so the pipe never fills).
    fn start() -> Server {
        let mut child = Command::new(server_binary())
            .args(["--addr", "127.0.0.1:0", "--rate", "0"])
            .args(linechat::config::NO_ADDRESS_LIMITS)
            .env("RUST_LOG", "info")
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
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("linechat logged no `listening on` line within 10 s");
        Server {
            child,
            addr: addr.parse().expect("a socket address"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs in as `name` and returns once the welcome has arrived.
fn join(addr: SocketAddr, name: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    read_until(&mut s, b"Enter your name: ");
    s.write_all(format!("{name}\r\n").as_bytes()).unwrap();
    read_until(&mut s, format!("Welcome, {name}!").as_bytes());
    s
}

/// Reads until `want` has arrived (each read bounded by the timeout).
fn read_until(s: &mut TcpStream, want: &[u8]) {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    while !got.windows(want.len()).any(|w| w == want) {
        let n = s.read(&mut buf).expect("read within the timeout");
        assert!(n > 0, "closed before {:?}", String::from_utf8_lossy(want));
        got.extend_from_slice(&buf[..n]);
    }
}

/// Runs the generator with `args`, failing the test if it outlives `LIMIT`.
fn generator(args: &[&str]) -> (Output, Duration) {
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

/// With `u0` in the room, the default names collide: the run fails at once
/// (not at the barrier a minute later), says which name was refused and
/// what the server said, and points at `--prefix`; a run with `--prefix`
/// then passes against the same server, so the check refuses no welcome.
#[test]
fn a_taken_name_fails_the_run_at_once_with_a_prefix_hint() {
    let server = Server::start();
    let addr = server.addr.to_string();
    let _u0 = join(server.addr, "u0");

    let (out, took) = generator(&[
        "fanout",
        "--addr",
        &addr,
        "--clients",
        "4",
        "--duration",
        "1",
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("refused the name `u0`")
            && stderr.contains("*** The name 'u0' is taken")
            && stderr.contains("--prefix"),
        "stderr: {stderr}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");

    let (out, _) = generator(&[
        "fanout",
        "--addr",
        &addr,
        "--clients",
        "4",
        "--duration",
        "1",
        "--rate",
        "200",
        "--prefix",
        "load-",
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
