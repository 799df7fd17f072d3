//! The IRC codec: lines end in LF or CRLF (a bare CR too, as telnet's
//! framing allows), there are no protocol commands in the stream and no
//! typing to hide. Lines are cleaned like telnet's (bad UTF-8, escape
//! sequences, invisible and reordering Unicode), keeping `\x01` for CTCP
//! and NUL for the parser to refuse with a numeric.
//!
//! What a line says (registration, commands) is the IRC edge's: see
//! `crate::server` and [`crate::irc`]. The per-connection IRC state rides
//! here, boxed, so a telnet connection pays nothing for it.

use super::Decoded;
use crate::framing::{Frame, Keep, LineReader};
use crate::irc::session::Session;

/// The longest IRC line taken in: 8191 bytes of tags (with `@` and the
/// space) plus a 512-byte message. Longer lines are answered with 417.
pub const MAX_LINE: usize = crate::irc::tags::MAX_TAGS + 512;

/// One IRC connection's framing and session.
#[derive(Debug, Default)]
pub struct Irc {
    lines: LineReader,
    /// Registration, capabilities, nick and keepalive.
    pub session: Session,
}

impl Irc {
    /// See [`super::Codec::decode`]: IRC bytes are all line text.
    pub fn decode(&mut self, buf: &mut [u8]) -> Decoded {
        Decoded {
            data: buf.len(),
            commands: 0,
        }
    }

    /// See [`super::Codec::next_line`]. The cap is [`MAX_LINE`], not
    /// `--max-line`: a tagged line is longer than a chat line may be, and
    /// the text in it is held to `--max-line` by the core.
    pub fn next_line(&mut self, input: &mut &[u8], line: &mut String) -> Option<Frame> {
        let frame = self
            .lines
            .next_line_keeping(input, MAX_LINE, line, Keep::Irc);
        self.session.invalid_utf8 = self.lines.last_was_invalid_utf8();
        frame
    }

    /// See [`super::Codec::stash`].
    pub fn stash(&mut self, input: &[u8]) {
        self.lines.stash(input);
    }

    /// See [`super::Codec::held`].
    pub fn held(&self) -> usize {
        self.lines.buffered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<Result<String, Frame>> {
        let (mut irc, mut line, mut got) = (Irc::default(), String::new(), Vec::new());
        for chunk in chunks {
            let mut owned = chunk.to_vec();
            let data = irc.decode(&mut owned).data;
            let mut input = &owned[..data];
            while let Some(frame) = irc.next_line(&mut input, &mut line) {
                got.push(match frame {
                    Frame::Line => Ok(line.clone()),
                    Frame::TooLong => Err(Frame::TooLong),
                });
            }
        }
        got
    }

    #[test]
    fn lf_and_crlf_end_lines_and_ctcp_and_nul_are_kept() {
        let got = lines(&[
            b"PRIVMSG #a :\x01ACTION waves\x01\r\nNICK a\x00b\n",
            b"PING x\r",
            b"\n",
        ]);
        let want = ["PRIVMSG #a :\u{1}ACTION waves\u{1}", "NICK a\0b", "PING x"];
        assert_eq!(got, want.map(|l| Ok(l.to_string())));
    }

    #[test]
    fn escapes_and_spoofing_are_cleaned_and_bad_utf8_replaced() {
        let got = lines(&[b"PRIVMSG #a :\x1b[2Jhi\xe2\x80\xaeyo\xff\r\n"]);
        assert_eq!(got, [Ok("PRIVMSG #a :hiyo\u{fffd}".to_string())]);
    }

    #[test]
    fn a_tagged_line_fits_and_a_longer_one_is_too_long() {
        let tags = format!("@a={} ", "x".repeat(8000));
        let fits = format!("{tags}PRIVMSG #a :{}\r\n", "y".repeat(400));
        assert!(matches!(&lines(&[fits.as_bytes()])[..], [Ok(_)]));
        let long = format!("PRIVMSG #a :{}\r\nPING x\r\n", "y".repeat(MAX_LINE));
        let got = lines(&[long.as_bytes()]);
        assert_eq!(got, [Err(Frame::TooLong), Ok("PING x".to_string())]);
    }
}
