//! WebSocket frames from the server: IRC lines as messages, pongs and
//! close frames. A server's frames are not masked (RFC 6455 5.1), so one
//! framing of a room's line is the same bytes for every reader: the
//! dialect frames a broadcast once per kind ([`crate::dialect::Kind`]) and
//! every WebSocket reader's queue shares it, as telnet's and IRC's do.

use bytes::Bytes;
use tungstenite::protocol::frame::FrameHeader;
use tungstenite::protocol::frame::coding::{CloseCode, Control, Data, OpCode};

/// Which message type a connection's lines travel in: text
/// (`text.ircv3.net`, or no subprotocol) or binary (`binary.ircv3.net`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Text messages.
    #[default]
    Text,
    /// Binary messages.
    Binary,
}

/// Appends one unmasked, final frame of `opcode` carrying `payload`.
fn frame(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let header = FrameHeader {
        is_final: true,
        opcode,
        mask: None,
        ..FrameHeader::default()
    };
    // Writing to a Vec cannot fail.
    let _ = header.format(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// Appends a control frame (a pong) carrying `payload` (at most 125
/// bytes: a ping's, which the reader checked).
pub fn control(out: &mut Vec<u8>, control: Control, payload: &[u8]) {
    frame(out, OpCode::Control(control), payload);
}

/// Appends a close frame with `code` and no reason.
pub fn close(out: &mut Vec<u8>, code: CloseCode) {
    frame(
        out,
        OpCode::Control(Control::Close),
        &u16::from(code).to_be_bytes(),
    );
}

/// IRC lines (each ending in CRLF, as the IRC dialect renders them) as
/// one message each, without the line end (IRCv3 WebSocket: no trailing
/// CR or LF). Appended to `out`.
pub fn lines_into(out: &mut Vec<u8>, text: &[u8], mode: Mode) {
    let opcode = OpCode::Data(match mode {
        Mode::Text => Data::Text,
        Mode::Binary => Data::Binary,
    });
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            frame(out, opcode, line);
        }
    }
}

/// [`lines_into`] a buffer of its own, of exactly its length: one
/// allocation (a `Bytes` made from a `Vec` with spare room would make a
/// second for its bookkeeping).
pub fn lines(text: &[u8], mode: Mode) -> Bytes {
    let framed: usize = text
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).len())
        .filter(|&len| len > 0)
        .map(|len| len + FrameHeader::default().len(len as u64))
        .sum();
    if framed == 0 {
        return Bytes::new();
    }
    let mut out = Vec::with_capacity(framed);
    lines_into(&mut out, text, mode);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_one_message_without_its_line_end() {
        let framed = lines(b":a PRIVMSG #x :hi\r\nPING x\r\n", Mode::Text);
        let mut want = vec![0x81, 17];
        want.extend_from_slice(b":a PRIVMSG #x :hi");
        want.extend_from_slice(&[0x81, 6]);
        want.extend_from_slice(b"PING x");
        assert_eq!(&framed[..], &want[..]);
        assert_eq!(lines(b"PING x\r\n", Mode::Binary)[0], 0x82);
        assert!(lines(b"", Mode::Text).is_empty());
    }

    #[test]
    fn a_long_line_has_a_two_byte_length_and_fits_its_allocation() {
        let line = format!("PRIVMSG #x :{}\r\n", "y".repeat(300));
        let framed = lines(line.as_bytes(), Mode::Text);
        assert_eq!(&framed[..4], &[0x81, 126, 0x01, 0x38]);
        assert_eq!(framed.len(), 4 + line.len() - 2);
        assert_eq!(framed.len(), Vec::from(framed.clone()).capacity());
    }

    #[test]
    fn close_and_pong_frames() {
        let mut out = Vec::new();
        close(&mut out, CloseCode::Size);
        control(&mut out, Control::Pong, b"hi");
        assert_eq!(out, [0x88, 2, 0x03, 0xf1, 0x8a, 2, b'h', b'i']);
    }
}
