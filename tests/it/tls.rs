//! The TLS listener (`--tls-addr`) against a real TLS client (rustls) with
//! a certificate made for the test (rcgen): TLS and plain users share the
//! room; garbage instead of a ClientHello and a handshake that never comes
//! cost only their own connection; SIGHUP loads a new certificate and keeps
//! the old one when the new files are bad; passwords are taken over TLS
//! only.

use crate::util;

use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use util::cert::{Cert, pem_paths};
use util::{Client, ServerProcess, TempDir, spawn_binary};

/// The stem of the certificate's files in a test's directory
/// (`cert.pem`, `cert-key.pem`).
const CERT: &str = "cert";

/// The server with a TLS listener using the files in `dir`.
fn start(dir: &Path, extra: &[&str]) -> (ServerProcess, SocketAddr, SocketAddr) {
    let (cert, key) = pem_paths(dir, CERT);
    let mut args = vec![
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(linechat::config::NO_ADDRESS_LIMITS);
    let (process, addr) = spawn_binary(&args);
    let tls = process.tls_addr.expect("a TLS listener");
    (process, addr, tls)
}

/// A TLS chat client that trusts exactly `trusted`.
struct TlsClient {
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    pending: Vec<u8>,
}

impl TlsClient {
    fn connect(addr: SocketAddr, trusted: &CertificateDer<'static>) -> std::io::Result<TlsClient> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(trusted.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let session = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let socket = TcpStream::connect(addr)?;
        socket.set_read_timeout(Some(util::READ_TIMEOUT))?;
        let mut stream = rustls::StreamOwned::new(session, socket);
        // Drive the handshake to its end now, so a refused certificate is
        // an error here.
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        Ok(TlsClient {
            stream,
            pending: Vec::new(),
        })
    }

    fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).unwrap();
        self.stream.flush().unwrap();
    }

    /// Reads until `want` has come, then drops it and what came before.
    #[track_caller]
    fn expect(&mut self, want: &str) {
        let deadline = Instant::now() + util::READ_TIMEOUT;
        loop {
            if let Some(at) = find(&self.pending, want.as_bytes()) {
                self.pending.drain(..at + want.len());
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no {want:?} in {:?}",
                self.text()
            );
            let mut chunk = [0; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("closed before {want:?}: {:?}", self.text()),
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read failed ({e}) before {want:?}: {:?}", self.text()),
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the server closes `socket` within `limit` (reads until then).
fn closed_within(socket: &mut TcpStream, limit: Duration) -> bool {
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut buf = [0; 1024];
    while Instant::now() < deadline {
        match socket.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true, // A reset is a close too.
        }
    }
    false
}

/// A TLS user and a plain user chat in one room, both ways.
#[test]
fn tls_and_plain_users_share_the_room() {
    let dir = TempDir::new("share");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let (_server, addr, tls) = start(&dir, &[]);
    let mut alice = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    alice.expect("Welcome to linechat!\r\nEnter your name: ");
    alice.send("alice\n");
    alice.expect("*** Welcome, alice! #lobby: 1 online: alice\r\n");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    alice.send("over tls\n");
    bob.expect_line("alice: over tls");
    bob.send("in the clear\n");
    alice.expect("bob: in the clear\r\n");
}

/// Bytes that are not TLS close that connection (after an alert) and
/// nothing else; a handshake never started is closed at `--login-timeout`.
#[test]
fn bad_or_missing_handshakes_cost_only_their_connection() {
    let dir = TempDir::new("bad");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let (_server, addr, tls) = start(&dir, &["--login-timeout", "1"]);
    let mut bob = Client::connect(addr);
    bob.login("bob");
    let mut garbage = TcpStream::connect(tls).unwrap();
    garbage
        .write_all(b"GET / HTTP/1.0\r\n\r\nhello\r\n")
        .unwrap();
    assert!(closed_within(&mut garbage, Duration::from_secs(5)));
    let started = Instant::now();
    let mut silent = TcpStream::connect(tls).unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "closed after {took:?}");
    // Bob, on the plain port, saw none of it and is still served.
    bob.send("/who\n");
    assert!(bob.line().starts_with("*** 1 online: bob (idle "));
    let mut alice = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    alice.expect("Enter your name: ");
}

/// SIGHUP loads the certificate and key again for new connections; files
/// that do not load keep the ones in use.
#[test]
fn sighup_reloads_the_certificate() {
    let dir = TempDir::new("reload");
    let first = Cert::localhost();
    first.write(&dir, CERT);
    let (server, addr, tls) = start(&dir, &[]);
    let second = Cert::localhost();
    assert!(
        TlsClient::connect(tls, &second.der).is_err(),
        "the second certificate is not served yet"
    );
    second.write(&dir, CERT);
    server.signal(libc::SIGHUP);
    // The reload happens in the loop; a connection made after it gets the
    // new certificate. Retry until it does (the signal is asynchronous).
    let deadline = Instant::now() + util::READ_TIMEOUT;
    let mut client = loop {
        match TlsClient::connect(tls, &second.der) {
            Ok(client) => break client,
            Err(_) if Instant::now() < deadline => {}
            Err(e) => panic!("the new certificate was never served: {e}"),
        }
    };
    client.expect("Enter your name: ");
    std::fs::write(pem_paths(&dir, CERT).0, "not a certificate").unwrap();
    server.signal(libc::SIGHUP);
    let mut bob = Client::connect(addr);
    bob.login("bob"); // The loop has run since the signal.
    let mut again = TlsClient::connect(tls, &second.der).expect("kept the second");
    again.expect("Enter your name: ");
}

/// With a TLS listener, passwords cross only inside TLS: `/register` and a
/// registered name's login on the plain port are refused with the TLS port.
#[test]
fn passwords_go_over_tls_only() {
    let dir = TempDir::new("passwords");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let data = dir.join("data");
    let (_server, addr, tls) = start(&dir, &["--data-dir", data.to_str().unwrap()]);
    let refusal = format!("*** Use the TLS port ({}) for passwords", tls.port());
    let mut plain = Client::connect(addr);
    plain.login("bob");
    plain.send("/register pw\n");
    plain.expect_line(&refusal);
    let mut alice = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    alice.expect("Enter your name: ");
    alice.send("alice\n");
    alice.expect("*** Welcome, alice!");
    alice.send("/register pw\n");
    alice.expect("*** Registered alice: logging in as alice now asks for this password\r\n");
    alice.send("/quit\n");
    alice.expect("*** Bye!\r\n");
    let mut clear = Client::connect(addr);
    clear.expect(util::GREETING);
    clear.send("alice\n");
    clear.expect_line(&refusal);
    clear.expect("Enter your name: ");
    let mut again = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    again.expect("Enter your name: ");
    again.send("alice\n");
    again.expect("Password: ");
    again.send("pw\n");
    again.expect("*** Welcome, alice!");
}

/// A TLS connection turned away (here: the server is full) is closed
/// without a notice in the clear, which its client would read as garbage.
#[test]
fn a_refused_tls_connection_is_closed_quietly() {
    let dir = TempDir::new("full");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let (_server, addr, tls) = start(&dir, &["--max-clients", "1"]);
    let mut bob = Client::connect(addr);
    bob.login("bob");
    let mut refused = TcpStream::connect(tls).unwrap();
    refused.set_read_timeout(Some(util::READ_TIMEOUT)).unwrap();
    let mut got = Vec::new();
    let _ = refused.read_to_end(&mut got);
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
}

/// A TLS client that never reads is dropped as too slow after about as
/// much chat as a plain one: what its session holds (encrypted records the
/// socket has not taken) counts against --max-outbuf like its queue. It
/// used to hold 64 KiB more, uncounted, before its queue even began.
#[test]
fn tls_never_readers_are_dropped_like_plain_ones() {
    let (plain_at, secure_at) = never_readers_dropped(&["--max-outbuf", "32768"]);
    assert!(
        secure_at <= plain_at + 24,
        "TLS dropped after {secure_at} lines, plain after {plain_at}"
    );
}

/// The same against the server's total (--max-output-memory, what
/// `linechat_output_memory_bytes` reports): a TLS never-reader's session
/// counts in it, so it is dropped as soon as a plain one. Before, its
/// session's 64 KiB were not in the total.
#[test]
fn tls_never_readers_count_in_the_output_memory() {
    let (plain_at, secure_at) =
        never_readers_dropped(&["--max-outbuf", "1048576", "--max-output-memory", "16384"]);
    assert!(
        secure_at <= plain_at + 24,
        "TLS dropped after {secure_at} lines, plain after {plain_at}"
    );
}

/// A plain and a TLS user who stop reading (with the same small receive
/// buffer) while a talker sends 1 KB lines one at a time: after how many
/// lines each is dropped, with `flags` for the server.
fn never_readers_dropped(flags: &[&str]) -> (usize, usize) {
    let dir = TempDir::new(&format!("never-read-{}", flags.len()));
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let mut args = vec!["--rate", "0"];
    args.extend_from_slice(flags);
    let (_server, addr, tls) = start(&dir, &args);
    let mut watcher = Client::connect(addr);
    watcher.login("watcher");
    let mut plain = Client::connect(addr);
    plain.login("plain");
    watcher.expect("*** plain has joined\r\n");
    let mut secure = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    secure.expect(util::GREETING);
    secure.send("secure\n");
    secure.expect("*** Welcome, secure!");
    watcher.expect("*** secure has joined\r\n");
    linechat::sys::set_socket_buffers(&plain.stream, 4096).unwrap();
    linechat::sys::set_socket_buffers(&secure.stream.sock, 4096).unwrap();
    let mut talker = Client::connect(addr);
    talker.login("talker");
    watcher.expect("*** talker has joined\r\n");
    // The watcher sees each line, and the leave notices in between say
    // after how many lines each was dropped.
    let pad = "x".repeat(1000);
    let (mut plain_at, mut secure_at) = (None, None);
    for n in 0..2000 {
        talker.send(&format!("{n} {pad}\n"));
        let said = format!("talker: {n} {pad}");
        loop {
            let line = watcher.line();
            if line == said {
                break;
            }
            match line.as_str() {
                "*** plain has left" => plain_at = Some(n),
                "*** secure has left" => secure_at = Some(n),
                _ => {}
            }
        }
        if plain_at.is_some() && secure_at.is_some() {
            break;
        }
    }
    let (Some(plain_at), Some(secure_at)) = (plain_at, secure_at) else {
        panic!("not dropped: plain after {plain_at:?} lines, TLS after {secure_at:?}");
    };
    drop((plain, secure));
    (plain_at, secure_at)
}

/// IRC over TLS (`--ircs-addr`): SASL PLAIN is offered there (and not on
/// the plain IRC port), a wrong password is 904, the right one 900/903,
/// and registration ends logged in as the account.
#[test]
fn irc_over_tls_logs_in_with_sasl() {
    let dir = TempDir::new("ircs");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let irc = ["--irc-addr", "127.0.0.1:0", "--ircs-addr", "127.0.0.1:0"];
    let (server, _addr, tls) = start(&dir, &[&["--data-dir", data][..], &irc].concat());
    let (Some(plain), Some(ircs)) = server.irc_addrs else {
        panic!("no IRC listeners: {:?}", server.irc_addrs);
    };
    let mut alice = TlsClient::connect(tls, &cert.der).expect("TLS handshake");
    alice.expect("Enter your name: ");
    alice.send("alice\n");
    alice.send("/register pw\n");
    alice.expect("*** Registered alice");
    alice.send("/quit\n");
    alice.expect("*** Bye!\r\n");
    let mut clear = Client::connect(plain);
    clear.send("CAP LS 302\r\n");
    let ls = clear.line();
    assert!(!ls.contains("sasl"), "no passwords in the clear: {ls}");
    let mut irc = TlsClient::connect(ircs, &cert.der).expect("TLS handshake");
    irc.send("CAP LS 302\r\nNICK someone\r\nUSER a 0 * :A\r\n");
    irc.expect("sasl=PLAIN");
    irc.send("CAP REQ :sasl\r\n");
    irc.expect("ACK sasl\r\n");
    irc.send("AUTHENTICATE PLAIN\r\n");
    irc.expect("AUTHENTICATE +\r\n");
    irc.send("AUTHENTICATE AGFsaWNlAG5v\r\n");
    irc.expect(" 904 * :SASL authentication failed\r\n");
    irc.send("AUTHENTICATE PLAIN\r\n");
    irc.expect("AUTHENTICATE +\r\n");
    irc.send("AUTHENTICATE AGFsaWNlAHB3\r\n");
    irc.expect(" 900 * alice!alice@linechat alice :You are now logged in as alice\r\n");
    irc.expect(" 903 * :SASL authentication successful\r\n");
    irc.send("CAP END\r\n");
    irc.expect(":linechat 001 alice :Welcome to the linechat IRC network alice!alice@linechat\r\n");
}

/// `--webs-addr`: the page over https, and IRC over WebSocket over TLS
/// (wss:) from the page's own https origin: a wss user and a telnet user
/// chat both ways in #lobby.
#[test]
fn the_web_listener_over_tls_serves_the_page_and_wss() {
    let dir = TempDir::new("webs");
    let cert = Cert::localhost();
    cert.write(&dir, CERT);
    let (server, addr, _) = start(&dir, &["--webs-addr", "127.0.0.1:0"]);
    let webs = server.webs_addr.expect("a TLS web listener");
    let mut page = TlsClient::connect(webs, &cert.der).expect("TLS handshake");
    page.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    page.expect("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n");
    page.expect("</html>");
    let mut ws = TlsClient::connect(webs, &cert.der).expect("TLS handshake");
    ws.send(&util::ws::upgrade_request(
        webs,
        &format!("Origin: https://{webs}\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n"),
    ));
    ws.expect("\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r\n");
    for line in ["NICK wendy", "USER wendy 0 * :wendy", "JOIN #lobby"] {
        ws.stream
            .write_all(&util::ws::frame(0x81, line.as_bytes(), true))
            .unwrap();
    }
    ws.stream.flush().unwrap();
    wss_until(&mut ws, ":linechat 366 wendy #lobby ");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    wss_until(&mut ws, ":bob!bob@linechat JOIN #lobby");
    bob.send("hi over wss\n");
    wss_until(&mut ws, ":bob!bob@linechat PRIVMSG #lobby :hi over wss");
    let line = util::ws::frame(0x81, b"PRIVMSG #lobby :hello bob", true);
    ws.stream.write_all(&line).unwrap();
    ws.stream.flush().unwrap();
    bob.expect_line("wendy: hello bob");
}

/// Reads text messages from a wss client until one starts with `want`.
#[track_caller]
fn wss_until(ws: &mut TlsClient, want: &str) {
    let mut chunk = [0u8; 4096];
    loop {
        while let Some((frame, used)) = util::ws::parse(&ws.pending) {
            ws.pending.drain(..used);
            if frame.payload.starts_with(want.as_bytes()) {
                return;
            }
        }
        let n = ws.stream.read(&mut chunk).expect("a frame in time");
        assert!(n > 0, "closed before {want:?}");
        ws.pending.extend_from_slice(&chunk[..n]);
    }
}
