//! IRC over WebSocket for the clients (`--irc --websocket`, linechat's
//! `--web-addr`): a client's session turns its IRC lines into masked text
//! frames and the server's frames back into lines, behind three steps that
//! behave like non-blocking socket calls, as `tls.rs`'s do, so the engine
//! reads and writes IRC lines as it does over plain IRC:
//!
//! - [`write`]: whole lines in, one masked frame each queued and sent;
//! - [`read`]: frames in, each message out as a line ending in CRLF (the
//!   first bytes read are the server's `101` head, checked and dropped);
//! - [`push`]: what is queued out (the upgrade request first, then what a
//!   full socket left).

use std::io::{self, Read, Write};
use std::net::SocketAddr;

/// What the server has not been sent yet, and what it sent not yet taken.
#[derive(Debug)]
pub struct Session {
    /// Bytes to send: the upgrade request, then frames.
    out: Vec<u8>,
    /// Bytes read; those before `start` are already turned into lines.
    raw: Vec<u8>,
    start: usize,
    /// The `101` has been read.
    open: bool,
    /// The server sent a close frame: reads now end.
    closed: bool,
    /// This client's mask (any mask is valid; RFC 6455 wants browsers'
    /// unpredictable, which a load generator need not be).
    mask: [u8; 4],
}

impl Session {
    /// A session for a client of number `n` connecting to `addr`: its
    /// upgrade request is the first thing it sends.
    pub fn new(addr: SocketAddr, n: u64) -> Session {
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: text.ircv3.net\r\n\r\n"
        );
        Session {
            out: request.into_bytes(),
            raw: Vec::new(),
            start: 0,
            open: false,
            closed: false,
            mask: (n as u32 ^ 0x5a5a_a5a5).to_be_bytes(),
        }
    }

    /// Whether bytes wait to be sent.
    pub fn wants_write(&self) -> bool {
        !self.out.is_empty()
    }

    /// Queues one masked text frame carrying `line`.
    fn frame(&mut self, line: &[u8]) {
        self.out.push(0x81);
        match line.len() {
            n @ 0..=125 => self.out.push(0x80 | n as u8),
            n => {
                self.out.push(0x80 | 126);
                self.out
                    .extend_from_slice(&(n.min(0xffff) as u16).to_be_bytes());
            }
        }
        self.out.extend_from_slice(&self.mask);
        let mask = self.mask;
        let line = &line[..line.len().min(0xffff)];
        self.out
            .extend(line.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    }

    /// Moves whole messages from `raw` into `buf` as lines; returns the
    /// bytes written. Stops when a message does not fit.
    fn lines_into(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.open {
            let Some(end) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                return Ok(0);
            };
            if !self.raw.starts_with(b"HTTP/1.1 101 ") {
                let head = String::from_utf8_lossy(&self.raw[..end]).into_owned();
                return Err(io::Error::other(format!("no WebSocket: {head}")));
            }
            self.raw.drain(..end + 4);
            self.open = true;
        }
        let (mut at, mut n) = (self.start, 0);
        while let Some((first, head, len)) = header(&self.raw[at..]) {
            if self.raw.len() - at < head + len {
                break;
            }
            let payload = &self.raw[at + head..at + head + len];
            match first & 0x0f {
                0x8 => {
                    self.closed = true;
                    break;
                }
                0x9 => {
                    let ping = payload.to_vec();
                    self.out.extend_from_slice(&[0x8a, 0x80 | ping.len() as u8]);
                    self.out.extend_from_slice(&[0; 4]);
                    self.out.extend_from_slice(&ping);
                }
                0x1 | 0x2 => {
                    if n + len + 2 > buf.len() {
                        break;
                    }
                    buf[n..n + len].copy_from_slice(payload);
                    buf[n + len..n + len + 2].copy_from_slice(b"\r\n");
                    n += len + 2;
                }
                _ => {}
            }
            at += head + len;
        }
        self.start = at;
        if self.start == self.raw.len() {
            self.raw.clear();
            self.start = 0;
        }
        Ok(n)
    }

    /// Reads once from `socket` straight into `raw` (moving what is left
    /// to the front first when most of it is used up).
    fn fill(&mut self, socket: &mut impl Read) -> io::Result<usize> {
        const READ: usize = 64 * 1024;
        if self.start > 0 && self.start * 2 >= self.raw.len() {
            self.raw.drain(..self.start);
            self.start = 0;
        }
        let old = self.raw.len();
        self.raw.resize(old + READ, 0);
        let got = socket.read(&mut self.raw[old..]);
        self.raw.truncate(old + *got.as_ref().unwrap_or(&0));
        got
    }
}

/// A server frame's first byte, header length and payload length, if its
/// header has arrived.
fn header(bytes: &[u8]) -> Option<(u8, usize, usize)> {
    let (first, second) = (*bytes.first()?, *bytes.get(1)?);
    match second & 0x7f {
        126 => Some((
            first,
            4,
            u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]) as usize,
        )),
        127 => {
            let len = u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?);
            Some((first, 10, usize::try_from(len).unwrap_or(usize::MAX / 2)))
        }
        n => Some((first, 2, n as usize)),
    }
}

/// Sends what is queued; `Ok(false)` if the socket is full.
pub fn push(session: &mut Session, socket: &mut impl Write) -> io::Result<bool> {
    while !session.out.is_empty() {
        match socket.write(&session.out) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                session.out.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Takes the whole lines at the start of `data` as frames and sends what
/// it can; returns the bytes of `data` taken. `WouldBlock` while earlier
/// frames still wait for the socket (the engine retries on WRITABLE).
pub fn write(session: &mut Session, socket: &mut impl Write, data: &[u8]) -> io::Result<usize> {
    if !push(session, socket)? {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    let Some(end) = memchr::memrchr(b'\n', data) else {
        return Err(io::ErrorKind::WouldBlock.into());
    };
    for line in data[..end].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            session.frame(line);
        }
    }
    push(session, socket)?;
    Ok(end + 1)
}

/// Reads into `buf` the lines of the messages that arrived: `(n, short)`
/// as a socket read gives (0 once the server closed), `WouldBlock` when
/// no whole message is there yet.
pub fn read(
    session: &mut Session,
    socket: &mut impl Read,
    buf: &mut [u8],
) -> io::Result<(usize, bool)> {
    loop {
        // Until the `101` is read, and while much is held (rare), through
        // the session's buffer; else straight into `buf`.
        if !session.open || session.raw.len() - session.start > buf.len() / 2 {
            let n = session.lines_into(buf)?;
            if n > 0 {
                return Ok((n, false));
            }
            if session.closed {
                return Ok((0, true));
            }
            if !session.open || session.raw.len() - session.start > buf.len() / 2 {
                if session.fill(socket)? == 0 {
                    return Ok((0, true));
                }
                continue;
            }
        }
        if session.closed {
            return Ok((0, true));
        }
        if let Some(got) = session.read_in_place(socket, buf)? {
            return Ok(got);
        }
    }
}

impl Session {
    /// Reads behind the held bytes (an unfinished frame, moved to the
    /// front of `buf`) straight into `buf`, and turns the whole frames
    /// there into lines in place: a line is never longer than its frame
    /// (a header is at least 2 bytes, as long as the CRLF). `None`: no
    /// whole message yet.
    fn read_in_place(
        &mut self,
        socket: &mut impl Read,
        buf: &mut [u8],
    ) -> io::Result<Option<(usize, bool)>> {
        let held = self.raw.len() - self.start;
        buf[..held].copy_from_slice(&self.raw[self.start..]);
        self.raw.clear();
        self.start = 0;
        let got = match socket.read(&mut buf[held..]) {
            Ok(got) => got,
            Err(e) => {
                self.raw.extend_from_slice(&buf[..held]);
                return Err(e);
            }
        };
        if got == 0 {
            return Ok(Some((0, true)));
        }
        let filled = held + got;
        let (mut at, mut out) = (0, 0);
        while let Some((first, head, len)) = header(&buf[at..filled]) {
            if filled - at < head + len {
                break;
            }
            match first & 0x0f {
                0x8 => {
                    self.closed = true;
                    at = filled;
                    break;
                }
                0x9 => {
                    let ping = buf[at + head..at + head + len].to_vec();
                    self.out.extend_from_slice(&[0x8a, 0x80 | ping.len() as u8]);
                    self.out.extend_from_slice(&[0; 4]);
                    self.out.extend_from_slice(&ping);
                }
                0x1 | 0x2 => {
                    buf.copy_within(at + head..at + head + len, out);
                    buf[out + len..out + len + 2].copy_from_slice(b"\r\n");
                    out += len + 2;
                }
                _ => {}
            }
            at += head + len;
        }
        self.raw.extend_from_slice(&buf[at..filled]);
        Ok((out > 0).then_some((out, filled < buf.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_go_out_as_masked_frames_and_come_back_as_lines() {
        let mut s = Session::new("127.0.0.1:8081".parse().unwrap(), 7);
        let mut sent = Vec::new();
        assert_eq!(
            write(&mut s, &mut sent, b"NICK a\r\nUSER a 0 * :a\r\nPAR").unwrap(),
            23
        );
        assert!(sent.starts_with(b"GET /ws HTTP/1.1\r\n"));
        let frames = &sent[sent.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
        assert_eq!(&frames[..2], &[0x81, 0x86]);
        let mut reply = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        reply.extend_from_slice(&[0x81, 3, b'0', b'0', b'1', 0x81, 1]);
        let mut input = &reply[..];
        let mut buf = [0u8; 64];
        assert_eq!(read(&mut s, &mut input, &mut buf).unwrap(), (5, false));
        assert_eq!(&buf[..5], b"001\r\n");
        let mut more = &[b'x', 0x88, 0][..];
        assert_eq!(read(&mut s, &mut more, &mut buf).unwrap(), (3, true));
        assert_eq!(read(&mut s, &mut more, &mut buf).unwrap(), (0, true));
    }
}
