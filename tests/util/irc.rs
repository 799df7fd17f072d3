//! A small IRC client for the tests: raw lines over a blocking socket with
//! the shared read timeout, registration, and waiting for a line.

use super::{Client, TestServer};

/// One IRC test client.
pub struct Irc {
    pub client: Client,
    pub nick: String,
}

impl Irc {
    /// Connects to the server's IRC listener without registering.
    pub fn connect(server: &TestServer) -> Irc {
        let addr = server.irc_addr.expect("the server serves IRC");
        Irc {
            client: Client::connect(addr),
            nick: "*".into(),
        }
    }

    /// Connects and registers as `nick`, reading the welcome burst up to
    /// the end of the MOTD (422).
    #[track_caller]
    pub fn register(server: &TestServer, nick: &str) -> Irc {
        let mut irc = Irc::connect(server);
        irc.send(&format!("NICK {nick}"));
        irc.send(&format!("USER {nick} 0 * :{nick} test"));
        irc.expect_line(&format!(
            ":linechat 001 {nick} :Welcome to the linechat IRC network {nick}!{nick}@linechat"
        ));
        irc.skip_until_prefix(&format!(":linechat 422 {nick} "));
        irc.nick = nick.into();
        irc
    }

    /// Connects to the IRC listener at `addr`, asks for the capabilities
    /// `caps` (space-separated; none if empty), registers as `nick` and
    /// reads the welcome burst up to the end of the MOTD (422).
    #[track_caller]
    pub fn register_at(addr: std::net::SocketAddr, nick: &str, caps: &str) -> Irc {
        let mut irc = Irc {
            client: Client::connect(addr),
            nick: nick.into(),
        };
        if !caps.is_empty() {
            irc.send(&format!("CAP REQ :{caps}"));
            let ack = irc.skip_until_prefix(":linechat CAP * ACK ");
            assert!(ack.ends_with(caps), "{ack}");
        }
        irc.send(&format!("NICK {nick}"));
        irc.send(&format!("USER {nick} 0 * :{nick}"));
        if !caps.is_empty() {
            irc.send("CAP END");
        }
        irc.skip_until_prefix(&format!(":linechat 422 {nick} "));
        irc
    }

    /// Joins `channel` and reads its JOIN, topic and names up to 366.
    #[track_caller]
    pub fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}"));
        let nick = self.nick.clone();
        self.expect_line(&format!(":{nick}!{nick}@linechat JOIN {channel}"));
        self.skip_until_prefix(&format!(":linechat 366 {nick} {channel} "));
    }

    /// Sends one line; CRLF is added.
    pub fn send(&mut self, line: &str) {
        self.client.send(&format!("{line}\r\n"));
    }

    /// The next line, without CRLF.
    #[track_caller]
    pub fn line(&mut self) -> String {
        self.client.line()
    }

    /// Expects the next line to be exactly `want`.
    #[track_caller]
    pub fn expect_line(&mut self, want: &str) {
        self.client.expect_line(want);
    }

    /// Reads lines until one starts with `prefix`; returns it.
    #[track_caller]
    pub fn skip_until_prefix(&mut self, prefix: &str) -> String {
        self.client.skip_until_prefix(prefix)
    }

    /// Reads lines until one equals `want`; returns those before it.
    #[track_caller]
    pub fn skip_until(&mut self, want: &str) -> Vec<String> {
        self.client.skip_until(want)
    }

    /// A round trip: PING with a unique token, and every line up to its
    /// PONG (so everything sent before was handled).
    #[track_caller]
    pub fn sync(&mut self) -> Vec<String> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.send(&format!("PING sync-{n}"));
        self.skip_until(&format!(":linechat PONG linechat sync-{n}"))
    }
}
