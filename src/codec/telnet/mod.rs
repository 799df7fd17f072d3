//! The telnet codec: telnet commands stripped from the stream (options
//! refused, Ctrl-C's TIMING-MARK answered), lines framed on any line end
//! telnet or `nc` sends, and the ECHO option used to hide a password.
//!
//! Submodules: `options`, the command parser and the option negotiation.

mod options;

use super::Decoded;
use crate::chat::Typing;
use crate::framing::{Frame, LineReader};
use options::{ECHO, IAC, Options, WILL, WONT};

/// The offer to echo, then a carriage return: a raw `nc` shows the offer's
/// 0xFF 0xFB as a character or two, which the prompt then overwrites.
const OFFER_ECHO: &[u8] = &[IAC, WILL, ECHO, b'\r'];
/// The carriage return alone, when the offer stands already.
const OFFER_STANDS: &[u8] = b"\r";
/// The withdrawal, then the line end the client did not show for Enter.
const WITHDRAW_ECHO: &[u8] = &[IAC, WONT, ECHO, b'\r', b'\n'];
/// The line end the client did not show for Enter.
const LINE_END: &[u8] = b"\r\n";

/// One connection's telnet state: its commands and options, and its
/// unfinished line.
#[derive(Debug, Default)]
pub struct Telnet {
    options: Options,
    lines: LineReader,
}

impl Telnet {
    /// See [`super::Codec::decode`].
    pub fn decode(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> Decoded {
        self.options.strip(buf, replies)
    }

    /// See [`super::Codec::next_line`].
    pub fn next_line(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
    ) -> Option<Frame> {
        let frame = self.lines.next_line(input, max_line, line);
        if frame.is_some() {
            self.options.line_typed();
        }
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

    /// See [`super::Codec::typing`]: the server offers to echo (and echoes
    /// nothing) while a password is typed, and withdraws the offer after,
    /// with the line end the client's Enter did not show.
    pub fn typing(&mut self, typing: Typing) -> &'static [u8] {
        match typing {
            Typing::Hide => match self.options.hide_typing() {
                true => OFFER_ECHO,
                false => OFFER_STANDS,
            },
            Typing::StillHidden if self.options.typing_hidden() => LINE_END,
            Typing::StillHidden => &[],
            Typing::Show => match self.options.show_typing() {
                true => WITHDRAW_ECHO,
                false => &[],
            },
            Typing::Withdrawn => match self.options.show_typing() {
                true => WITHDRAW_ECHO,
                false => LINE_END,
            },
        }
    }

    /// See [`super::Codec::take_typing_notice`].
    pub fn take_typing_notice(&mut self) -> bool {
        self.options.take_typing_notice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one read at a time; returns every line (a too-long
    /// one as `Err`) and every reply owed.
    fn decode(telnet: &mut Telnet, chunks: &[&[u8]]) -> (Vec<Result<String, Frame>>, Vec<u8>) {
        let (mut got, mut replies, mut line) = (Vec::new(), Vec::new(), String::new());
        for chunk in chunks {
            let mut owned = chunk.to_vec();
            let decoded = telnet.decode(&mut owned, &mut replies);
            let mut input = &owned[..decoded.data];
            while let Some(frame) = telnet.next_line(&mut input, 100, &mut line) {
                got.push(match frame {
                    Frame::Line => Ok(line.clone()),
                    Frame::TooLong => Err(Frame::TooLong),
                });
            }
            assert!(input.is_empty());
        }
        (got, replies)
    }

    #[test]
    fn commands_split_across_reads_are_removed_from_the_lines() {
        let stream = b"hi\xff\xfd\x06there\xff\xfa\x18\x00xterm\xff\xf0!\n";
        for cut in 1..stream.len() {
            let mut telnet = Telnet::default();
            let (lines, replies) = decode(&mut telnet, &[&stream[..cut], &stream[cut..]]);
            assert_eq!(lines, vec![Ok("hithere!".to_string())], "cut at {cut}");
            assert_eq!(replies, b"\xff\xfc\x06", "TIMING-MARK answered");
        }
    }

    #[test]
    fn commands_are_counted_and_a_held_line_is_kept() {
        let mut telnet = Telnet::default();
        let mut replies = Vec::new();
        let mut buf = b"\xff\xfb\x18\xff\xf1ab".to_vec();
        let decoded = telnet.decode(&mut buf, &mut replies);
        assert_eq!(decoded.data, 2);
        assert_eq!(decoded.commands, 2);
        assert_eq!(replies, b"\xff\xfe\x18");
        let (mut input, mut line) = (&buf[..decoded.data], String::new());
        assert_eq!(telnet.next_line(&mut input, 100, &mut line), None);
        assert_eq!(telnet.held(), 2);
        let (lines, _) = decode(&mut telnet, &[b"c\r\n"]);
        assert_eq!(lines, vec![Ok("abc".to_string())]);
        assert_eq!(telnet.held(), 0);
    }

    #[test]
    fn hiding_typing_offers_echo_and_showing_it_withdraws_with_a_line_end() {
        let mut telnet = Telnet::default();
        assert_eq!(telnet.typing(Typing::Hide), b"\xff\xfb\x01\r");
        assert_eq!(telnet.typing(Typing::Hide), b"\r", "the offer stands");
        assert_eq!(decode(&mut telnet, &[b"\xff\xfd\x01"]).1, b"", "DO ECHO");
        assert_eq!(telnet.typing(Typing::StillHidden), b"\r\n");
        assert!(!telnet.take_typing_notice(), "agreed: nothing to tell");
        assert_eq!(telnet.typing(Typing::Show), b"\xff\xfc\x01\r\n");
        assert_eq!(decode(&mut telnet, &[b"\xff\xfe\x01"]).1, b"", "DONT ECHO");
        assert_eq!(telnet.typing(Typing::StillHidden), b"");
    }

    #[test]
    fn a_client_that_never_answers_gets_no_telnet_bytes_but_a_notice() {
        let mut telnet = Telnet::default();
        assert_eq!(telnet.typing(Typing::Hide), b"\xff\xfb\x01\r");
        assert_eq!(telnet.typing(Typing::StillHidden), b"");
        assert!(telnet.take_typing_notice());
        assert!(!telnet.take_typing_notice(), "once only");
        assert_eq!(telnet.typing(Typing::Show), b"");
        // Withdrawn with nothing typed: the cursor still sits after the prompt.
        telnet.typing(Typing::Hide);
        assert_eq!(telnet.typing(Typing::Withdrawn), b"\r\n");
    }

    #[test]
    fn a_line_typed_after_the_prompt_cancels_the_notice() {
        let mut telnet = Telnet::default();
        telnet.typing(Typing::Hide);
        let (lines, _) = decode(&mut telnet, &[b"secret\n"]);
        assert_eq!(lines, vec![Ok("secret".to_string())]);
        assert!(!telnet.take_typing_notice());
    }
}
