//! A small WebSocket client for the tests: the handshake and frames are
//! written by hand (client frames masked, as RFC 6455 requires), so a test
//! can also send the bad ones a server must refuse.

use super::READ_TIMEOUT;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

/// A key for the handshake (RFC 6455's example), and its accept value.
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// One frame as read from the server.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    /// FIN and the opcode: 0x81 a text message, 0x82 binary, 0x88 close...
    pub first: u8,
    pub payload: Vec<u8>,
}

/// One WebSocket client connection.
pub struct Ws {
    pub stream: TcpStream,
    /// Bytes read and not yet taken as frames.
    buf: Vec<u8>,
    /// The nick it registered with, if it did.
    pub nick: String,
}

/// Sends a raw HTTP request to `addr` and reads the response head (up to
/// the blank line), keeping any bytes after it.
pub fn request(addr: SocketAddr, request: &str) -> (TcpStream, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).expect("response head");
        assert!(n > 0, "closed before the response head: {got:?}");
        got.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    (stream, head, got[end..].to_vec())
}

/// An upgrade request for `/ws` at `addr` with `extra` header lines (each
/// ending in CRLF).
pub fn upgrade_request(addr: SocketAddr, extra: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

impl Ws {
    /// Opens a WebSocket at `addr` asking for `text.ircv3.net`, from the
    /// page's own origin; fails the test unless the server switches.
    #[track_caller]
    pub fn open(addr: SocketAddr) -> Ws {
        let extra = format!("Origin: http://{addr}\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n");
        Ws::open_with(addr, &extra)
    }

    /// Opens a WebSocket with `extra` headers; fails unless it switches.
    #[track_caller]
    pub fn open_with(addr: SocketAddr, extra: &str) -> Ws {
        let (stream, head, rest) = request(addr, &upgrade_request(addr, extra));
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        assert!(
            head.contains(&format!("Sec-WebSocket-Accept: {ACCEPT}\r\n")),
            "{head}"
        );
        Ws {
            stream,
            buf: rest,
            nick: String::new(),
        }
    }

    /// Opens a WebSocket and registers `nick` over it, reading the welcome
    /// burst up to the end of the MOTD (422).
    #[track_caller]
    pub fn register(addr: SocketAddr, nick: &str) -> Ws {
        let mut ws = Ws::open(addr);
        ws.nick = nick.into();
        ws.send(&format!("NICK {nick}"));
        ws.send(&format!("USER {nick} 0 * :{nick}"));
        ws.skip_until_prefix(&format!(":linechat 422 {nick} "));
        ws
    }

    /// Sends one frame: `first` is FIN and the opcode; masked unless
    /// `masked` is false.
    pub fn send_frame(&mut self, first: u8, payload: &[u8], masked: bool) {
        // A server that already closed may refuse the rest: that is fine.
        let _ = self.stream.write_all(&frame(first, payload, masked));
    }

    /// Sends one IRC line as a text message.
    pub fn send(&mut self, line: &str) {
        self.send_frame(0x81, line.as_bytes(), true);
    }

    /// The next frame, failing the test after [`READ_TIMEOUT`].
    #[track_caller]
    pub fn frame(&mut self) -> Frame {
        let deadline = Instant::now() + READ_TIMEOUT;
        loop {
            if let Some((frame, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return frame;
            }
            assert!(Instant::now() < deadline, "no frame in time");
            let mut chunk = [0u8; 16384];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("closed by the server; unread: {:?}", self.buf),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    /// The next text message (one IRC line).
    #[track_caller]
    pub fn line(&mut self) -> String {
        let frame = self.frame();
        assert_eq!(frame.first, 0x81, "not a text message: {frame:?}");
        String::from_utf8(frame.payload).expect("UTF-8")
    }

    /// Reads lines until one starts with `prefix`; returns it.
    #[track_caller]
    pub fn skip_until_prefix(&mut self, prefix: &str) -> String {
        loop {
            let line = self.line();
            if line.starts_with(prefix) {
                return line;
            }
        }
    }

    /// Joins `channel` and reads up to the end of its names (366).
    #[track_caller]
    pub fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}"));
        let nick = self.nick.clone();
        self.skip_until_prefix(&format!(":linechat 366 {nick} {channel} "));
    }

    /// Expects a close frame with `code`, then the end of the stream.
    #[track_caller]
    pub fn expect_close(&mut self, code: u16) {
        let frame = loop {
            let frame = self.frame();
            if frame.first == 0x88 {
                break frame;
            }
        };
        assert_eq!(frame.payload[..2], code.to_be_bytes(), "close code");
        self.expect_eof();
    }

    /// Expects the server to close the connection (read returns 0).
    #[track_caller]
    pub fn expect_eof(&mut self) {
        let deadline = Instant::now() + READ_TIMEOUT;
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("read failed: {e}"),
            }
            assert!(Instant::now() < deadline, "not closed in time");
        }
    }
}

/// One client frame: `first` is FIN and the opcode; masked unless
/// `masked` is false.
pub fn frame(first: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mut out = vec![first];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n if n <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    if masked {
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// One server frame at the start of `bytes` (unmasked), and its length.
pub fn parse(bytes: &[u8]) -> Option<(Frame, usize)> {
    let [first, second, rest @ ..] = bytes else {
        return None;
    };
    assert_eq!(second & 0x80, 0, "a server frame must not be masked");
    let (len, head) = match second & 0x7f {
        126 => (
            u16::from_be_bytes([*rest.first()?, *rest.get(1)?]) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as usize,
            10,
        ),
        n => (n as usize, 2),
    };
    let payload = bytes.get(head..head + len)?.to_vec();
    Some((
        Frame {
            first: *first,
            payload,
        },
        head + len,
    ))
}
