//! The generator over IRC (`--irc`) against the real `linechat` binary's
//! IRC listener (`--irc-addr`): a short fanout over two channels, every
//! line counted once and in order, then churn cycles; and a nick already taken (by a telnet
//! user, names are one namespace) stops the run at once, naming it.
//!
//! The server is the real binary (`common::server_binary`).

mod common;

use common::net::read_until;
use common::{Server, field, generator};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// linechat with its IRC listener on a free port; that port.
fn irc_server() -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let irc = format!("127.0.0.1:{port}");
    let server = Server::start_with(&["--irc-addr", &irc], Some("serving IRC at"));
    (server, irc)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fanout_and_churn_over_irc() {
    let (server, irc) = irc_server();
    let pid = server.pid().to_string();
    let (out, _) = generator(&[
        "fanout",
        "--irc",
        "--addr",
        &irc,
        "--clients",
        "10",
        "--senders",
        "4",
        "--rooms",
        "2",
        "--duration",
        "1",
        "--pid",
        &pid,
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    let received: u64 = field(&json, "received").unwrap().parse().unwrap();
    assert!(received > 0, "{json}");
    assert_eq!(field(&json, "received"), field(&json, "expected"), "{json}");
    assert_eq!(field(&json, "out_of_order"), Some("0"), "{json}");
    assert_eq!(field(&json, "cross_room"), Some("0"), "{json}");

    // Churn over IRC: register, join, say a line, leave; every cycle ends.
    let (out, _) = generator(&[
        "churn",
        "--irc",
        "--addr",
        &irc,
        "--count",
        "20",
        "--concurrency",
        "5",
        "--prefix",
        "churn",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    assert_eq!(field(&json, "logins"), Some("20"), "{json}");
}

#[test]
fn a_taken_nick_fails_the_run_at_once() {
    let (server, irc) = irc_server();
    let mut u0 = TcpStream::connect(server.addr).expect("connect");
    u0.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    read_until(&mut u0, b"Enter your name: ");
    u0.write_all(b"u0\r\n").unwrap();
    // The login's last line (the resume code's) ends so: u0 is in.
    let welcome = read_until(&mut u0, b"after reconnecting)\r\n");
    assert!(String::from_utf8_lossy(&welcome).contains("*** Welcome, u0!"));

    let (out, took) = generator(&[
        "fanout",
        "--irc",
        "--addr",
        &irc,
        "--clients",
        "4",
        "--duration",
        "1",
        "--quiet",
    ]);
    let stderr = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("refused the nick `u0`")
            && stderr.contains(" 433 ")
            && stderr.contains("--prefix"),
        "stderr: {stderr}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
}
