//! The bench's own chat client (L2's logins): blocking, every step
//! bounded by [`STEP_TIMEOUT`].

use crate::accounts::{BYE, STEP_TIMEOUT};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

/// The bench's own chat client (L2): a plain TCP connection read with
/// timeouts, each step within [`STEP_TIMEOUT`].
pub struct LineClient {
    pub stream: TcpStream,
    /// Read but not yet taken.
    pub buf: Vec<u8>,
}

impl LineClient {
    pub fn connect(addr: SocketAddr) -> Result<LineClient, String> {
        let stream =
            TcpStream::connect_timeout(&addr, STEP_TIMEOUT).map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(LineClient {
            stream,
            buf: Vec::new(),
        })
    }

    pub fn send(&mut self, text: &str) -> Result<(), String> {
        self.stream
            .write_all(text.as_bytes())
            .map_err(|e| format!("write: {e}"))
    }

    /// Reads what has come, waiting until `until` at most: false at the end
    /// of the stream, an error once `until` has passed.
    pub fn fill(&mut self, until: Instant) -> Result<bool, String> {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no reply within {} s (pending: {})",
                STEP_TIMEOUT.as_secs(),
                shown(&self.buf)
            ));
        }
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|e| format!("set_read_timeout: {e}"))?;
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            // Timed out (the next call says so) or interrupted.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                Ok(true)
            }
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// Exactly `want` next, nothing else first.
    pub fn expect(&mut self, want: &str) -> Result<(), String> {
        self.expect_bytes(want.as_bytes())
    }

    /// Expects exactly `want` next (bytes that need not be text).
    pub fn expect_bytes(&mut self, want: &[u8]) -> Result<(), String> {
        let until = Instant::now() + STEP_TIMEOUT;
        loop {
            let n = self.buf.len().min(want.len());
            if self.buf[..n] != want[..n] {
                return Err(format!(
                    "expected {}, got {}",
                    shown(want),
                    shown(&self.buf)
                ));
            }
            if n == want.len() {
                self.buf.drain(..n);
                return Ok(());
            }
            if !self.fill(until)? {
                return Err(format!(
                    "closed; expected {}, got {}",
                    shown(want),
                    shown(&self.buf)
                ));
            }
        }
    }

    /// The next whole line, to its `\n`.
    pub fn line(&mut self, until: Instant) -> Result<Vec<u8>, String> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(self.buf.drain(..=end).collect());
            }
            if !self.fill(until)? {
                return Err(format!("closed (pending: {})", shown(&self.buf)));
            }
        }
    }

    /// `*** Welcome, NAME! ...` (the room and who is in it) next, and the
    /// resume code line after it (issue 24), if the server gives one.
    pub fn welcome(&mut self, name: &str) -> Result<(), String> {
        self.expect(&format!("*** Welcome, {name}! "))?;
        self.line(Instant::now() + STEP_TIMEOUT)?;
        // Sent with the welcome; a server with `--resume-window 0` sends
        // none, so an empty buffer waits only briefly for it.
        const CODE: &[u8] = b"*** Resume code: ";
        let until = Instant::now() + std::time::Duration::from_millis(200);
        while self.buf.len() < CODE.len() && CODE.starts_with(&self.buf) {
            if !matches!(self.fill(until), Ok(true)) {
                return Ok(());
            }
        }
        if self.buf.starts_with(CODE) {
            self.line(Instant::now() + STEP_TIMEOUT)?;
        }
        Ok(())
    }

    /// `/quit`: then lines of the room (chat, joins and leaves) until
    /// `*** Bye!`, and then the end of the stream with nothing more.
    pub fn quit(&mut self) -> Result<(), String> {
        self.send("/quit\n")?;
        let until = Instant::now() + STEP_TIMEOUT;
        while self.line(until)? != BYE {}
        while self.fill(until)? {
            if !self.buf.is_empty() {
                return Err(format!("after `*** Bye!`: {}", shown(&self.buf)));
            }
        }
        Ok(())
    }
}

/// Bytes for an error message: escaped, the first 160 characters.
pub fn shown(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(bytes)
        .escape_debug()
        .take(160)
        .collect();
    format!("`{text}`")
}
