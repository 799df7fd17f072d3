//! The generator over TLS (`--tls`) against the real `linechat` binary's
//! TLS listener (`--tls-addr`), with a certificate made for the test
//! (rcgen): a short fanout trusting the certificate by file, a churn (each
//! client ends its session with a close_notify) trusting anything, and a
//! run that trusts another certificate, which must fail at the handshake.
//!
//! The server is the real binary (`common::server_binary`).

mod common;

use common::cert::{Cert, pem_paths};
use common::{Server, TempDir, generator};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A self-signed certificate for `localhost` and its key, as PEM files
/// `<stem>.pem` and `<stem>-key.pem` in `dir`; returns the certificate's.
fn certificate(dir: &Path, stem: &str) -> PathBuf {
    Cert::localhost().write(dir, stem).0
}

/// linechat with a TLS listener using `<stem>.pem` in `dir`.
fn tls_server(dir: &Path, stem: &str) -> Server {
    let (cert, key) = pem_paths(dir, stem);
    Server::start_with(
        &[
            "--tls-addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        None,
    )
}

/// The raw value of `key` in the generator's flat JSON object.
fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let rest = &json[json.find(&pat)? + pat.len()..];
    rest.split([',', '}']).next()
}

fn describe(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A second of fanout over TLS: every line reaches every other client, in
/// order; then churn cycles over TLS, each ending with a close_notify and
/// the server's close.
#[test]
fn fanout_and_churn_run_over_tls() {
    let dir = TempDir::new("runs");
    let ca = certificate(&dir, "cert");
    let server = tls_server(&dir, "cert");
    let tls_addr = server.tls_addr.expect("a TLS listener").to_string();
    let pid = server.pid().to_string();

    let (out, _) = generator(&[
        "fanout",
        "--addr",
        &tls_addr,
        "--tls",
        "--tls-ca",
        ca.to_str().unwrap(),
        "--clients",
        "10",
        "--duration",
        "1",
        "--pid",
        &pid,
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    let received: u64 = field(&json, "received").unwrap().parse().unwrap();
    assert!(received > 0, "{json}");
    assert_eq!(field(&json, "lost"), Some("0"), "{json}");
    assert_eq!(field(&json, "out_of_order"), Some("0"), "{json}");

    let (out, _) = generator(&[
        "churn",
        "--addr",
        &tls_addr,
        "--tls",
        "--tls-insecure",
        "--count",
        "30",
        "--concurrency",
        "5",
        "--prefix",
        "churn",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    assert_eq!(field(&json, "logins"), Some("30"), "{json}");
}

/// Trusting a certificate other than the server's fails the run at the
/// handshake, saying so; the plain port stays for plain clients.
#[test]
fn another_certificate_is_refused() {
    let dir = TempDir::new("refused");
    certificate(&dir, "server");
    let other = certificate(&dir, "other");
    let server = tls_server(&dir, "server");
    let tls_addr = server.tls_addr.expect("a TLS listener").to_string();

    let (out, _) = generator(&[
        "fanout",
        "--addr",
        &tls_addr,
        "--tls",
        "--tls-ca",
        other.to_str().unwrap(),
        "--clients",
        "2",
        "--duration",
        "1",
        "--login-timeout",
        "5",
        "--json",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("certificate"), "{}", describe(&out));

    let (out, _) = generator(&[
        "fanout",
        "--addr",
        &server.addr.to_string(),
        "--clients",
        "2",
        "--duration",
        "1",
        "--rate",
        "50",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
}
