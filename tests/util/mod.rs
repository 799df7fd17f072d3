//! Shared helpers: start a server on port 0 and talk to it over real TCP
//! with bounded timeouts, asserting exact bytes.
#![allow(dead_code)]

pub mod cert;
pub mod chatter;
pub mod irc;
pub mod net;
pub mod redis;
pub mod skip;
pub mod temp;
pub mod ws;

// Each test binary uses its own share of these.
#[allow(unused_imports)]
pub use net::{SocketOptions, connect_from, connect_small_from, connect_with, read_until};
#[allow(unused_imports)]
pub use temp::TempDir;

use linechat::{Config, Server, ShutdownHandle};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any single expected read may take before the test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The bytes every connection receives first.
pub const GREETING: &str = "Welcome to linechat!\r\nEnter your name: ";

/// A registered name's password prompt: the offer to hide typing (`IAC
/// WILL ECHO`), a carriage return (so `nc` overwrites the offer's bytes),
/// then the prompt.
pub const PASSWORD_PROMPT: &[u8] = b"\xff\xfb\x01\rPassword: ";

/// A server running on its own thread for one test.
pub struct TestServer {
    pub addr: SocketAddr,
    /// Where it serves IRC, if it does ([`TestServer::start_with_irc`]).
    pub irc_addr: Option<SocketAddr>,
    /// Where it serves the web page and WebSocket, if it does
    /// ([`TestServer::start_with_web`]).
    pub web_addr: Option<SocketAddr>,
    pub metrics_addr: Option<SocketAddr>,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a server with `config` on 127.0.0.1, port 0.
    pub fn start(config: Config) -> TestServer {
        TestServer::start_on(config, None)
    }

    /// Starts a server with `config` and `/metrics` on 127.0.0.1, port 0.
    pub fn start_with_metrics(config: Config) -> TestServer {
        TestServer::start_on(config, Some(local_listener()))
    }

    /// Starts a server with `config` on an already bound listener.
    pub fn start_on_listener(config: Config, listener: std::net::TcpListener) -> TestServer {
        TestServer::start_with(config, listener, None)
    }

    fn start_on(config: Config, metrics: Option<std::net::TcpListener>) -> TestServer {
        TestServer::start_with(config, local_listener(), metrics)
    }

    /// Starts a server with `config` serving telnet and IRC, each on a
    /// port of its own the kernel picks.
    pub fn start_with_irc(config: Config) -> TestServer {
        TestServer::start_serving(config, local_listener(), None, true)
    }

    /// Starts a server with `config` serving telnet, IRC and the web
    /// listener, each on a port of its own the kernel picks.
    pub fn start_with_web(config: Config) -> TestServer {
        let metrics = Some(local_listener());
        let mut server = Server::new(local_listener(), metrics, config).expect("start");
        let irc_addr = Some(server.serve_irc(local_listener(), false).expect("irc"));
        let web_addr = Some(server.serve_web(local_listener(), false).expect("web"));
        TestServer::run(server, irc_addr, web_addr)
    }

    fn start_with(
        config: Config,
        listener: std::net::TcpListener,
        metrics: Option<std::net::TcpListener>,
    ) -> TestServer {
        TestServer::start_serving(config, listener, metrics, false)
    }

    fn start_serving(
        config: Config,
        listener: std::net::TcpListener,
        metrics: Option<std::net::TcpListener>,
        irc: bool,
    ) -> TestServer {
        let mut server = Server::new(listener, metrics, config).expect("start");
        let irc_addr = irc.then(|| server.serve_irc(local_listener(), false).expect("irc"));
        TestServer::run(server, irc_addr, None)
    }

    /// Runs `server` on a thread of its own.
    fn run(
        mut server: Server,
        irc_addr: Option<SocketAddr>,
        web_addr: Option<SocketAddr>,
    ) -> TestServer {
        let addr = server.local_addr().unwrap();
        let metrics_addr = server.metrics_addr();
        let handle = server.shutdown_handle().unwrap();
        let thread = std::thread::spawn(move || server.run());
        TestServer {
            addr,
            irc_addr,
            web_addr,
            metrics_addr,
            handle,
            thread: Some(thread),
        }
    }

    /// Default settings with flood control off, as most tests want.
    pub fn start_default() -> TestServer {
        TestServer::start(unlimited())
    }

    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }

    /// Connects and logs in as `name`, checking the welcome line's start.
    pub fn login(&self, name: &str) -> Client {
        let mut c = self.connect();
        c.login(name);
        c
    }

    /// Logs in each name in turn; everyone already in reads the joins of
    /// those after them, so all clients start with nothing pending.
    pub fn room<const N: usize>(&self, names: [&str; N]) -> [Client; N] {
        let mut clients: Vec<Client> = Vec::with_capacity(N);
        for name in names {
            let newcomer = self.login(name);
            for c in clients.iter_mut() {
                c.expect(&format!("*** {name} has joined\r\n"));
            }
            clients.push(newcomer);
        }
        clients.try_into().unwrap_or_else(|_| unreachable!())
    }

    /// Shuts the server down and waits for `run` to return.
    pub fn stop(mut self) {
        self.handle.shutdown().unwrap();
        let result = self.thread.take().unwrap().join().unwrap();
        result.expect("server run failed");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.handle.shutdown();
    }
}

/// A listener on 127.0.0.1 on a port the kernel picks.
pub fn local_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind")
}

/// No flood control and no per-address limits: most tests open several
/// connections from 127.0.0.1 and send as fast as they can.
pub fn unlimited() -> Config {
    Config::unlimited()
}

/// One test client: a blocking socket with a read timeout.
pub struct Client {
    pub stream: TcpStream,
    /// Bytes read but not yet consumed by an expectation.
    pending: Vec<u8>,
    /// The resume codes this client was given (issue 24), oldest first.
    /// Each `*** Resume code: ...` line after a welcome is taken out of
    /// what the expectations see (it is new and random; the tests that are
    /// about it, `resume.rs`, read it from here), checked for its form.
    pub codes: Vec<String>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        Client::from_stream(TcpStream::connect(addr).expect("connect"))
    }

    /// Connects from the loopback address `from` (see [`connect_from`]).
    pub fn connect_from(from: std::net::Ipv4Addr, addr: SocketAddr) -> Client {
        Client::from_stream(connect_from(from, addr))
    }

    /// Wraps a connected stream.
    pub fn from_stream(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            pending: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// Logs in: expects the greeting, sends the name, expects the welcome.
    #[track_caller]
    pub fn login(&mut self, name: &str) -> String {
        self.expect(GREETING);
        self.send(&format!("{name}\n"));
        let welcome = self.line();
        assert!(
            welcome.starts_with(&format!("*** Welcome, {name}! ")),
            "unexpected welcome: {welcome:?}"
        );
        welcome
    }

    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Takes every whole resume code line out of `pending` into `codes`,
    /// checking its form: `*** Resume code: C (type /resume C after
    /// reconnecting)`, perhaps stamped.
    #[track_caller]
    fn take_codes(&mut self) {
        const HEAD: &[u8] = b"*** Resume code: ";
        let mut from = 0;
        while let Some(at) = find(&self.pending[from..], HEAD).map(|i| i + from) {
            let start = self.pending[..at]
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map_or(0, |i| i + 2);
            let Some(len) = find(&self.pending[at..], b"\r\n") else {
                return; // The rest of the line is still coming.
            };
            let line = String::from_utf8_lossy(&self.pending[at..at + len]).into_owned();
            let code = line[HEAD.len()..]
                .split(' ')
                .next()
                .unwrap_or("")
                .to_owned();
            let want = format!("*** Resume code: {code} (type /resume {code} after reconnecting)");
            assert_eq!(line, want, "a resume code line");
            assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX: {code}");
            self.codes.push(code);
            self.pending.drain(start..at + len + 2);
            from = start;
        }
    }

    /// The last resume code this client was given.
    #[track_caller]
    pub fn code(&self) -> String {
        self.codes.last().cloned().expect("a resume code was given")
    }

    /// Reads more bytes into `pending`; fails the test on timeout or EOF.
    #[track_caller]
    fn fill(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        // A signal to this process (the in-process servers' handlers are
        // installed without SA_RESTART) interrupts a read: read again.
        let read = loop {
            match self.stream.read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                read => break read,
            }
        };
        match read {
            Ok(0) => panic!(
                "connection closed; unconsumed: {:?}",
                String::from_utf8_lossy(&self.pending)
            ),
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                self.take_codes();
            }
            Err(e) => panic!(
                "read failed ({e}); unconsumed: {:?}",
                String::from_utf8_lossy(&self.pending)
            ),
        }
    }

    /// Expects exactly `text` next.
    #[track_caller]
    pub fn expect(&mut self, text: &str) {
        self.expect_bytes(text.as_bytes());
    }

    #[track_caller]
    pub fn expect_bytes(&mut self, want: &[u8]) {
        while self.pending.len() < want.len() && want.starts_with(&self.pending) {
            self.fill();
        }
        let got: Vec<u8> = self
            .pending
            .drain(..want.len().min(self.pending.len()))
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "unexpected bytes"
        );
    }

    /// Expects a registered name's [`PASSWORD_PROMPT`] next.
    #[track_caller]
    pub fn expect_password_prompt(&mut self) {
        self.expect_bytes(PASSWORD_PROMPT);
    }

    /// Reads one line and returns it without its CRLF.
    #[track_caller]
    pub fn line(&mut self) -> String {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.pending.drain(..end + 2).collect();
                return String::from_utf8_lossy(&line[..end]).into_owned();
            }
            self.fill();
        }
    }

    /// The next line (without CRLF), or `prompt` if that comes first (a
    /// prompt has no line end).
    #[track_caller]
    pub fn line_or_prompt(&mut self, prompt: impl AsRef<[u8]>) -> String {
        let prompt = prompt.as_ref();
        loop {
            if self.pending.starts_with(prompt) {
                self.pending.drain(..prompt.len());
                return String::from_utf8_lossy(prompt).into_owned();
            }
            if self.pending.windows(2).any(|w| w == b"\r\n") {
                return self.line();
            }
            self.fill();
        }
    }

    /// Expects the next line to be exactly `want` (without CRLF).
    #[track_caller]
    pub fn expect_line(&mut self, want: &str) {
        let got = self.line();
        assert_eq!(got, want);
    }

    /// Reads lines until one equals `want`; returns the lines before it.
    #[track_caller]
    pub fn skip_until(&mut self, want: &str) -> Vec<String> {
        let mut skipped = Vec::new();
        loop {
            let line = self.line();
            if line == want {
                return skipped;
            }
            skipped.push(line);
        }
    }

    /// Reads lines until one starts with `prefix`, and returns it.
    #[track_caller]
    pub fn skip_until_prefix(&mut self, prefix: &str) -> String {
        loop {
            let line = self.line();
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    /// Expects the server to close the connection cleanly (read returns 0)
    /// with nothing more sent.
    #[track_caller]
    pub fn expect_eof(&mut self) {
        assert!(
            self.pending.is_empty(),
            "unconsumed before EOF: {:?}",
            String::from_utf8_lossy(&self.pending)
        );
        let mut buf = [0u8; 1024];
        match self.stream.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => panic!("expected EOF, got {:?}", String::from_utf8_lossy(&buf[..n])),
            Err(e) => panic!("expected EOF, got error {e}"),
        }
    }

    /// Reads everything up to EOF (or a reset), within the read timeout.
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.pending);
        let mut buf = [0u8; 64 * 1024];
        let deadline = Instant::now() + READ_TIMEOUT;
        while Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        all
    }

    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// A round trip through the server: `from` says a unique line and `to`
/// reads until it arrives. Everything `from` sent before is then handled.
#[track_caller]
pub fn sync(from: &mut Client, from_name: &str, to: &mut Client) {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    from.send(&format!("sync-{n}\n"));
    to.skip_until(&format!("{from_name}: sync-{n}"));
}

/// `/metrics` of the server at `addr` as a map from sample to value.
pub fn metrics_values(addr: SocketAddr) -> std::collections::HashMap<String, f64> {
    let text = metrics_text(addr);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// Starts the `linechat` binary on port 0 with `extra` flags and reads the
/// real address from its `listening on` log line. Its log is drained on a
/// thread so the server never blocks on a full pipe.
pub fn spawn_binary(extra: &[&str]) -> (ServerProcess, SocketAddr) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
    command.args(["--addr", "127.0.0.1:0"]);
    // No IRC unless asked for: tests run in parallel, 6667 is one port.
    if !extra.iter().any(|a| a.starts_with("--irc-addr")) {
        command.args(["--irc-addr", "off"]);
    }
    // Nor the web listener: 8081 is one port too.
    if !extra.iter().any(|a| a.starts_with("--web-addr")) {
        command.args(["--web-addr", "off"]);
    }
    if !extra.iter().any(|a| a.starts_with("--webs-addr")) {
        command.args(["--webs-addr", "off"]);
    }
    command
        .args(extra)
        // `LINECHAT_TEST_LOG=debug` (or any level) shows the server's log.
        .env(
            "RUST_LOG",
            std::env::var("LINECHAT_TEST_LOG")
                .ok()
                .filter(|l| !l.is_empty() && l != "1")
                .unwrap_or_else(|| "info".into()),
        )
        .stderr(Stdio::piped());
    spawn_command(command)
}

/// Spawns a prepared server command (stderr piped) and reads its address.
pub fn spawn_command(mut command: Command) -> (ServerProcess, SocketAddr) {
    let mut child = command.spawn().expect("spawn linechat");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if std::env::var_os("LINECHAT_TEST_LOG").is_some() {
                eprintln!("server: {line}");
            }
            if let Some(rest) = line.split("listening on ").nth(1) {
                let addr = rest.split_whitespace().next().unwrap().to_string();
                let kind = if line.contains("TLS listening") {
                    "tls"
                } else {
                    "chat"
                };
                let _ = tx.send((kind, addr));
            }
            if let Some(rest) = line.split("WebSocket over TLS at https://").nth(1) {
                let _ = tx.send(("webs", rest.trim().trim_end_matches('/').to_string()));
            }
            if let Some(rest) = line.split("serving IRC over TLS at ").nth(1) {
                let _ = tx.send(("ircs", rest.trim().to_string()));
            } else if let Some(rest) = line.split("serving IRC at ").nth(1) {
                let _ = tx.send(("irc", rest.trim().to_string()));
            }
        }
    });
    // Killed on drop if it never says where it listens.
    let mut process = ServerProcess {
        child,
        tls_addr: None,
        irc_addrs: (None, None),
        webs_addr: None,
    };
    // The TLS and IRC listeners (if any) are logged before the chat listener.
    loop {
        let (kind, addr) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no 'listening on' line");
        let addr: SocketAddr = addr.parse().unwrap();
        match kind {
            "tls" => process.tls_addr = Some(addr),
            "irc" => process.irc_addrs.0 = Some(addr),
            "ircs" => process.irc_addrs.1 = Some(addr),
            "webs" => process.webs_addr = Some(addr),
            _ => return (process, addr),
        }
    }
}

/// The text of one `/metrics` scrape at `addr`.
pub fn metrics_text(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// A spawned server that is killed if the test ends without stopping it,
/// so a failing test never leaves a server behind.
pub struct ServerProcess {
    pub child: Child,
    /// Where it serves TLS (`--tls-addr`), if it does.
    pub tls_addr: Option<SocketAddr>,
    /// Where it serves IRC (`--irc-addr`) and IRC over TLS (`--ircs-addr`).
    pub irc_addrs: (Option<SocketAddr>, Option<SocketAddr>),
    /// Where it serves the web page over TLS (`--webs-addr`), if it does.
    pub webs_addr: Option<SocketAddr>,
}

impl ServerProcess {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` to the server.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill only sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the process to exit, failing the test after `limit`.
    #[track_caller]
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "did not exit in {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time a process has used (`linechat::sys`).
#[track_caller]
pub fn cpu_time(pid: u32) -> Duration {
    linechat::sys::process_cpu(pid).expect("CPU time from /proc/PID/stat")
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
