//! The `linechat` binary: flags, the startup log line, and SIGTERM.

mod util;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use util::Client;

/// Starts the binary on port 0 and reads the real address from its log.
fn spawn(extra: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linechat"))
        .args(["--addr", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn linechat");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let addr = rest.split_whitespace().next().unwrap().to_string();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("no 'listening on' line");
    (child, addr.parse().unwrap())
}

/// Waits for the process to exit, at most `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "did not exit in {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// SIGTERM: everyone gets the shutdown notice, connections close, exit 0.
#[test]
fn sigterm_notifies_everyone_and_exits_zero() {
    let (mut child, addr) = spawn(&[]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    bob.send("hello\n");
    alice.expect("bob: hello\r\n");
    let mut lurker = Client::connect(addr);
    lurker.expect(util::GREETING);

    // SAFETY: kill only sends a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    for c in [&mut alice, &mut bob, &mut lurker] {
        c.expect("*** Server shutting down\r\n");
        c.expect_eof();
    }
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
}

/// SIGINT behaves like SIGTERM.
#[test]
fn sigint_exits_zero() {
    let (mut child, addr) = spawn(&["--max-clients", "5"]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    alice.expect("*** Server shutting down\r\n");
    alice.expect_eof();
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(5)).code(),
        Some(0)
    );
}

/// Runs the binary with `args` and returns its exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linechat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A bad flag or value is one line naming it, and exit status 2.
#[test]
fn bad_flags_exit_2_with_one_line() {
    for (args, names) in [
        (&["--bogus"][..], "--bogus"),
        (&["--max-line", "abc"][..], "--max-line"),
        (&["--max-line", "0"][..], "--max-line"),
        (&["--max-outbuf", "-5"][..], "--max-outbuf"),
        (&["--login-timeout", "0"][..], "--login-timeout"),
        (&["--max-clients", "many"][..], "--max-clients"),
        (&["--addr", "nowhere"][..], "--addr"),
        (&["--rate", "fast"][..], "--rate"),
        (&["--burst", "0"][..], "--burst"),
        (&["--idle-timeout", "x"][..], "--idle-timeout"),
        (&["--max-per-ip", "-1"][..], "--max-per-ip"),
        (&["--metrics-addr", "x"][..], "--metrics-addr"),
        (&["--max-line"][..], "--max-line"),
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}

/// --help documents every flag; --version prints the version.
#[test]
fn help_and_version() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--addr",
        "--max-clients",
        "--max-line",
        "--max-outbuf",
        "--login-timeout",
        "--rate",
        "--burst",
        "--idle-timeout",
        "--max-per-ip",
        "--timestamps",
        "--metrics-addr",
    ] {
        assert!(out.contains(flag), "--help misses {flag}");
    }
    let (code, out, _) = run(&["-V"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.trim(),
        format!("linechat {}", env!("CARGO_PKG_VERSION"))
    );
}
