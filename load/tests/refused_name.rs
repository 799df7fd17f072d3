//! The generator against the real `linechat` binary when its names are
//! taken: it must stop at once with a hint to use `--prefix`, and a run with
//! another prefix against the same room must pass.
//!
//! The server is the real binary (`common::server_binary`).

mod common;

use common::net::read_until;
use common::{Server, generator};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Logs in as `name` and returns once the welcome has arrived.
fn join(addr: SocketAddr, name: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let greeting = read_until(&mut s, b"Enter your name: ");
    assert!(greeting.ends_with(b"Enter your name: "), "{greeting:?}");
    s.write_all(format!("{name}\r\n").as_bytes()).unwrap();
    let welcome = String::from_utf8_lossy(&read_until(&mut s, b"\r\n")).into_owned();
    assert!(
        welcome.starts_with(&format!("*** Welcome, {name}! ")),
        "{welcome:?}"
    );
    s
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
