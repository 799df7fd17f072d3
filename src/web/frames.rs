//! WebSocket frames from the client, decoded in place (RFC 6455 section 5).
//!
//! A read's frames are parsed with `tungstenite`'s [`FrameHeader`], their
//! payloads unmasked where they lie, and each message's bytes moved to the
//! front of the read buffer with a line end after it: the IRC line reader
//! behind then frames one message as one line, with no copy. Only what
//! does not fit that path is copied: an unfinished frame at the end of a
//! read (kept until the rest arrives) and a fragmented message (kept until
//! its last fragment). Whatever is delivered from those copies is
//! "spilled" to the caller ahead of the bytes left in place, in order.
//!
//! Every buffer has a cap: a message may be as long as the longest IRC
//! line ([`MAX_MESSAGE`]), a message may come in at most
//! [`MAX_FRAGMENTS`] frames, and a control frame may carry 125 bytes. A
//! frame that breaks a rule fails the connection with its close code
//! ([`Fault`]); nothing else is affected.

use std::io::Cursor;
use tungstenite::protocol::frame::FrameHeader;
use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};

/// The longest message taken in: the longest IRC line (8191 bytes of tags
/// and a 512-byte message, as on the IRC port; the IRCv3 WebSocket spec
/// asks that the limit allow `message-tags`' lengths). The text of a chat
/// line in it is still held to `--max-line` by the core, as on IRC.
pub const MAX_MESSAGE: usize = crate::codec::irc::MAX_LINE;

/// Frames one message may come in. Browsers send a chat line as one
/// frame; a client sending a line a few bytes at a time costs a header
/// parse per byte, so past this it is refused.
pub const MAX_FRAGMENTS: usize = 32;

/// The longest frame header: 2 bytes, an 8-byte length and the mask.
const MAX_HEADER: usize = 14;

/// The longest control frame payload (RFC 6455 5.5).
const MAX_CONTROL: u64 = 125;

/// Why the server fails a connection, each with its close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 1002: an unmasked frame, reserved bits or opcodes, a fragmented or
    /// long control frame, a continuation of nothing, or a new message
    /// inside a fragmented one.
    Protocol,
    /// 1007: a text message that is not UTF-8.
    BadUtf8,
    /// 1008: a message in more than [`MAX_FRAGMENTS`] frames.
    Fragments,
    /// 1009: a message longer than [`MAX_MESSAGE`].
    TooBig,
}

impl Fault {
    /// Every fault, each at its discriminant.
    pub const ALL: [Fault; 4] = [
        Fault::Protocol,
        Fault::BadUtf8,
        Fault::Fragments,
        Fault::TooBig,
    ];

    /// The close code sent for it.
    pub fn code(self) -> CloseCode {
        match self {
            Fault::Protocol => CloseCode::Protocol,
            Fault::BadUtf8 => CloseCode::Invalid,
            Fault::Fragments => CloseCode::Policy,
            Fault::TooBig => CloseCode::Size,
        }
    }

    /// A short name, for logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Protocol => "protocol",
            Fault::BadUtf8 => "bad_utf8",
            Fault::Fragments => "fragments",
            Fault::TooBig => "too_big",
        }
    }
}

/// How the frames ended: the client closed, or broke a rule. Either way
/// the close frame is among the replies and nothing more is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The client sent a close frame.
    Closed,
    /// The client broke a rule.
    Failed(Fault),
}

/// One connection's frame reader.
#[derive(Debug, Default)]
pub struct Frames {
    /// An unfinished frame's bytes (at most a header and [`MAX_MESSAGE`]).
    held: Vec<u8>,
    /// The fragments of an unfinished message so far.
    message: Vec<u8>,
    /// The unfinished message is text (`Some(false)`: binary).
    partial: Option<bool>,
    /// Frames of the unfinished message so far.
    fragments: usize,
    /// Set once the client closed or broke a rule.
    pub end: Option<End>,
}

/// What one decode produced besides the message bytes left in place.
#[derive(Debug, Default)]
pub struct Decoded {
    /// Message bytes at the front of the buffer, each message ending in LF.
    pub data: usize,
    /// Control frames read (pings, pongs): they cost flood budget as
    /// telnet commands do.
    pub controls: u32,
}

/// A parsed header: its fields, its length and its payload's.
type Header = (FrameHeader, usize, u64);

/// Parses a header at the start of `bytes`: `Ok(None)` if incomplete.
fn header(bytes: &[u8]) -> Result<Option<Header>, Fault> {
    let mut cursor = Cursor::new(bytes);
    match FrameHeader::parse(&mut cursor) {
        Ok(Some((header, len))) => Ok(Some((header, cursor.position() as usize, len))),
        Ok(None) => Ok(None),
        Err(_) => Err(Fault::Protocol),
    }
}

impl Frames {
    /// Decodes the frames in `buf` (after any held unfinished frame): the
    /// messages completed by copies are appended to `spill` (to be read
    /// first), those that came whole are left at the front of `buf`;
    /// pongs and the close frame are appended to `replies`.
    pub fn decode(
        &mut self,
        buf: &mut [u8],
        replies: &mut Vec<u8>,
        spill: &mut Vec<u8>,
    ) -> Decoded {
        let mut done = Decoded::default();
        if self.end.is_some() {
            return done;
        }
        let mut pos = 0;
        if !self.held.is_empty() {
            pos = self.fill_held(buf);
            if self.end.is_none() && self.held_complete() {
                let mut frame = std::mem::take(&mut self.held);
                self.take_frame(&mut frame, 0, None, spill, replies, &mut done);
            }
        }
        while self.end.is_none() && pos < buf.len() {
            let (hlen, plen) = match header(&buf[pos..]).and_then(|h| self.check(h)) {
                Err(fault) => return self.fail(fault, replies, done),
                Ok(None) => break,
                Ok(Some((_, hlen, plen))) => (hlen, plen),
            };
            let total = hlen + plen as usize;
            if buf.len() - pos < total {
                break;
            }
            let mut out = done.data;
            self.take_frame(buf, pos, Some(&mut out), spill, replies, &mut done);
            done.data = out;
            pos += total;
        }
        if self.end.is_none() && pos < buf.len() {
            self.held.extend_from_slice(&buf[pos..]);
        }
        if let Some(End::Failed(fault)) = self.end {
            return self.fail(fault, replies, done);
        }
        done
    }

    /// Moves bytes from the front of `buf` into the held frame until it is
    /// whole or `buf` is used up; returns how many were taken.
    fn fill_held(&mut self, buf: &[u8]) -> usize {
        let mut pos = 0;
        loop {
            match header(&self.held).and_then(|h| self.check(h)) {
                Err(fault) => {
                    self.end = Some(End::Failed(fault));
                    return buf.len();
                }
                Ok(None) => {
                    if pos == buf.len() {
                        return pos;
                    }
                    let take = MAX_HEADER
                        .saturating_sub(self.held.len())
                        .clamp(1, buf.len() - pos);
                    self.held.extend_from_slice(&buf[pos..pos + take]);
                    pos += take;
                }
                Ok(Some((_, hlen, plen))) => {
                    let total = hlen + plen as usize;
                    if self.held.len() > total {
                        // The header's bytes were taken with some of the
                        // next frame's: those go back.
                        let excess = self.held.len() - total;
                        self.held.truncate(total);
                        return pos - excess;
                    }
                    let take = (total - self.held.len()).min(buf.len() - pos);
                    self.held.extend_from_slice(&buf[pos..pos + take]);
                    return pos + take;
                }
            }
        }
    }

    /// Whether the held bytes are one whole frame.
    fn held_complete(&self) -> bool {
        match header(&self.held) {
            Ok(Some((_, hlen, plen))) => self.held.len() == hlen + plen as usize,
            _ => false,
        }
    }

    /// Refuses what breaks a rule before the frame's payload is waited
    /// for, so no buffer grows past its cap. Pure: the frame is counted
    /// when it is taken.
    fn check(&self, parsed: Option<Header>) -> Result<Option<Header>, Fault> {
        let Some((head, hlen, plen)) = parsed else {
            return Ok(None);
        };
        if head.rsv1 || head.rsv2 || head.rsv3 || head.mask.is_none() {
            return Err(Fault::Protocol);
        }
        match head.opcode {
            OpCode::Control(_) if !head.is_final || plen > MAX_CONTROL => Err(Fault::Protocol),
            OpCode::Control(_) => Ok(Some((head, hlen, plen))),
            OpCode::Data(Data::Continue) if self.partial.is_none() => Err(Fault::Protocol),
            OpCode::Data(Data::Text | Data::Binary) if self.partial.is_some() => {
                Err(Fault::Protocol)
            }
            OpCode::Data(_) if plen > (MAX_MESSAGE - self.message.len()) as u64 => {
                Err(Fault::TooBig)
            }
            OpCode::Data(_) if self.fragments >= MAX_FRAGMENTS => Err(Fault::Fragments),
            OpCode::Data(_) => Ok(Some((head, hlen, plen))),
        }
    }

    /// Input bytes held: an unfinished frame and an unfinished message.
    pub fn held(&self) -> usize {
        self.held.len() + self.message.len()
    }

    /// Takes the whole frame at `data[at..]`: unmasks its payload and acts
    /// on it. A whole message is moved in place to `out` if given (its
    /// bytes lie after `out`), else appended to `spill`.
    fn take_frame(
        &mut self,
        data: &mut [u8],
        at: usize,
        out: Option<&mut usize>,
        spill: &mut Vec<u8>,
        replies: &mut Vec<u8>,
        done: &mut Decoded,
    ) {
        let Ok(Some((head, hlen, plen))) = header(&data[at..]) else {
            return;
        };
        let payload = at + hlen..at + hlen + plen as usize;
        if let Some(mask) = head.mask {
            unmask(&mut data[payload.clone()], mask);
        }
        match head.opcode {
            OpCode::Control(Control::Ping) => {
                done.controls += 1;
                super::outgoing::control(replies, Control::Pong, &data[payload]);
            }
            OpCode::Control(Control::Pong) => done.controls += 1,
            OpCode::Control(Control::Close) => self.closed(&data[payload], replies),
            OpCode::Control(Control::Reserved(_)) | OpCode::Data(Data::Reserved(_)) => {
                self.end = Some(End::Failed(Fault::Protocol))
            }
            OpCode::Data(data_kind) => {
                self.fragments += 1;
                if data_kind != Data::Continue {
                    self.partial = Some(data_kind == Data::Text);
                }
                let text = self.partial == Some(true);
                if !head.is_final {
                    self.message.extend_from_slice(&data[payload]);
                    return;
                }
                self.partial = None;
                self.fragments = 0;
                if self.message.is_empty() {
                    return self.deliver(data, payload, text, out, spill);
                }
                // A reassembled message goes to the spill; what was left
                // in place before it goes there first, to keep the order.
                if let Some(out) = out {
                    spill.extend_from_slice(&data[..*out]);
                    *out = 0;
                }
                self.message.extend_from_slice(&data[payload]);
                let mut message = std::mem::take(&mut self.message);
                let len = message.len();
                self.deliver(&mut message, 0..len, text, None, spill);
            }
        }
    }

    /// Hands on one whole message at `data[range]` (text: checked to be
    /// UTF-8), without its trailing line end if the client sent one.
    fn deliver(
        &mut self,
        data: &mut [u8],
        range: std::ops::Range<usize>,
        text: bool,
        out: Option<&mut usize>,
        spill: &mut Vec<u8>,
    ) {
        if text && std::str::from_utf8(&data[range.clone()]).is_err() {
            self.end = Some(End::Failed(Fault::BadUtf8));
            return;
        }
        let mut message = &data[range.clone()];
        while let [rest @ .., b'\r' | b'\n'] = message {
            message = rest;
        }
        if message.is_empty() {
            return;
        }
        let len = message.len();
        match out {
            Some(out) => {
                // In place: `*out` <= the frame's start < its payload, and a
                // header is longer than the one line-end byte added. The
                // spill, if any, holds only what came before.
                data.copy_within(range.start..range.start + len, *out);
                data[*out + len] = b'\n';
                *out += len + 1;
            }
            None => {
                spill.extend_from_slice(message);
                spill.push(b'\n');
            }
        }
    }

    /// The client's close frame: answered with one of ours (1000, or 1002
    /// for a malformed one), and nothing more is read.
    fn closed(&mut self, payload: &[u8], replies: &mut Vec<u8>) {
        let valid = match payload {
            [] => true,
            [_] => false,
            [hi, lo, reason @ ..] => {
                CloseCode::from(u16::from_be_bytes([*hi, *lo])).is_allowed()
                    && std::str::from_utf8(reason).is_ok()
            }
        };
        if !valid {
            self.end = Some(End::Failed(Fault::Protocol));
            return;
        }
        super::outgoing::close(replies, CloseCode::Normal);
        self.end = Some(End::Closed);
    }

    /// Fails the connection for `fault`: the close frame is queued and
    /// nothing more is read or kept.
    fn fail(&mut self, fault: Fault, replies: &mut Vec<u8>, done: Decoded) -> Decoded {
        super::outgoing::close(replies, fault.code());
        self.end = Some(End::Failed(fault));
        self.held = Vec::new();
        self.message = Vec::new();
        done
    }
}

/// Unmasks (or masks) `bytes` with `mask` (RFC 6455 5.3).
pub fn unmask(bytes: &mut [u8], mask: [u8; 4]) {
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte ^= mask[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [1, 2, 3, 4];
        let mut out = vec![first];
        match payload.len() {
            n @ 0..=125 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        let mut body = payload.to_vec();
        unmask(&mut body, mask);
        out.extend_from_slice(&body);
        out
    }

    /// Decodes `reads` in turn: the spill and in-place bytes of each, in
    /// order, and the replies.
    fn decode(frames: &mut Frames, reads: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let (mut got, mut replies) = (Vec::new(), Vec::new());
        for read in reads {
            let mut buf = read.clone();
            let mut spill = Vec::new();
            let done = frames.decode(&mut buf, &mut replies, &mut spill);
            got.extend_from_slice(&spill);
            got.extend_from_slice(&buf[..done.data]);
        }
        (got, replies)
    }

    #[test]
    fn messages_become_lines_in_order_however_the_reads_split_them() {
        let mut all = frame(0x81, b"NICK a\r\n");
        all.extend(frame(0x01, b"PRIV"));
        all.extend(frame(0x89, b"p"));
        all.extend(frame(0x80, b"MSG #x :hi"));
        all.extend(frame(0x82, b"PING y"));
        let want = b"NICK a\nPRIVMSG #x :hi\nPING y\n".to_vec();
        for split in 0..all.len() {
            let mut frames = Frames::default();
            let reads = [all[..split].to_vec(), all[split..].to_vec()];
            let (got, replies) = decode(&mut frames, &reads);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "split {split}"
            );
            assert_eq!(replies, [0x8a, 1, b'p'], "the ping is answered");
            assert_eq!(frames.end, None);
        }
    }

    #[test]
    fn each_broken_rule_ends_with_its_close_code() {
        let cases: [(Vec<u8>, Fault); 6] = [
            (vec![0x81, 0x02, b'h', b'i'], Fault::Protocol),
            (frame(0x81, b"caf\xe9"), Fault::BadUtf8),
            (frame(0x81, &vec![b'x'; MAX_MESSAGE + 1]), Fault::TooBig),
            (frame(0x80, b"orphan"), Fault::Protocol),
            (frame(0x83, b"reserved"), Fault::Protocol),
            (frame(0x09, b"fragmented ping"), Fault::Protocol),
        ];
        for (bytes, fault) in cases {
            let mut frames = Frames::default();
            let (got, replies) = decode(&mut frames, &[bytes]);
            assert!(got.is_empty());
            assert_eq!(frames.end, Some(End::Failed(fault)));
            let code = u16::from(fault.code()).to_be_bytes();
            assert_eq!(replies, [0x88, 2, code[0], code[1]], "{fault:?}");
        }
    }

    #[test]
    fn a_fragment_flood_is_refused_and_nothing_is_kept() {
        let mut frames = Frames::default();
        let mut flood = frame(0x01, b"P");
        for _ in 0..MAX_FRAGMENTS {
            flood.extend(frame(0x00, b"I"));
        }
        let (got, replies) = decode(&mut frames, &[flood]);
        assert!(got.is_empty());
        assert_eq!(frames.end, Some(End::Failed(Fault::Fragments)));
        assert_eq!(replies, [0x88, 2, 0x03, 0xf0]);
        assert!(frames.message.capacity() == 0 && frames.held.capacity() == 0);
    }

    #[test]
    fn a_close_is_answered_and_ends_reading() {
        let mut frames = Frames::default();
        let mut bytes = frame(0x81, b"QUIT");
        bytes.extend(frame(0x88, &[0x03, 0xe8]));
        bytes.extend(frame(0x81, b"ignored"));
        let (got, replies) = decode(&mut frames, &[bytes]);
        assert_eq!(got, b"QUIT\n");
        assert_eq!(replies, [0x88, 2, 0x03, 0xe8]);
        assert_eq!(frames.end, Some(End::Closed));
    }
}
