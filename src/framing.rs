//! Turning a connection's raw bytes into clean lines of text.
//!
//! Three steps, all pure (no sockets here):
//! 1. [`Telnet::strip`] removes telnet commands from each chunk as it is read,
//!    in place, and collects the refusals the server owes the client.
//! 2. [`LineReader::next_line`] frames lines on LF, CRLF, CR NUL or a bare CR,
//!    enforcing the line-length cap. It keeps only bytes that do not yet form a
//!    whole line (or lines left over when the server stops early), and resumes
//!    its newline scan where it stopped, so a slow long line costs linear time.
//! 3. [`clean`] makes a line safe to show on other people's terminals.

use memchr::{memchr, memchr2};
use std::str::Chars;

/// Telnet "interpret as command": starts every telnet command.
const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
/// Subnegotiation begin; everything up to IAC SE belongs to it.
const SB: u8 = 250;
const SE: u8 = 240;

/// Where the telnet parser is inside a command; survives across reads so a
/// command split between two packets is still recognised.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum TelnetState {
    #[default]
    Data,
    /// Seen IAC.
    Iac,
    /// Seen IAC and one of WILL/WONT/DO/DONT; the option byte comes next.
    Option(u8),
    /// Inside IAC SB ... (ignored until IAC SE).
    Sub,
    /// Seen IAC inside a subnegotiation.
    SubIac,
}

/// Strips telnet commands out of the byte stream of one connection.
#[derive(Debug, Default)]
pub struct Telnet {
    state: TelnetState,
}

impl Telnet {
    /// Removes telnet commands from `buf` in place and returns how many data
    /// bytes remain at its front. IAC IAC stands for a literal 0xFF byte.
    ///
    /// Every option the client offers (WILL) or asks for (DO) is refused by
    /// appending DONT or WONT to `replies`; refusals are never answered, so no
    /// negotiation loop can start, and a client that waits for an answer (as
    /// telnet does after Ctrl-C sends IAC DO TIMING-MARK) is not left hanging.
    pub fn strip(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> usize {
        if self.state == TelnetState::Data && memchr(IAC, buf).is_none() {
            return buf.len(); // The usual case: no telnet commands at all.
        }
        let mut kept = 0;
        let mut i = 0;
        while i < buf.len() {
            let byte = buf[i];
            match self.state {
                TelnetState::Data => {
                    // Copy the run of plain data up to the next IAC in one go.
                    let run = memchr(IAC, &buf[i..]).unwrap_or(buf.len() - i);
                    buf.copy_within(i..i + run, kept);
                    kept += run;
                    i += run;
                    if i < buf.len() {
                        self.state = TelnetState::Iac;
                        i += 1;
                    }
                    continue;
                }
                TelnetState::Iac => {
                    self.state = match byte {
                        IAC => {
                            buf[kept] = IAC;
                            kept += 1;
                            TelnetState::Data
                        }
                        WILL | WONT | DO | DONT => TelnetState::Option(byte),
                        SB => TelnetState::Sub,
                        // Any other command (IP, AYT, NOP, GA, ...) is two bytes.
                        _ => TelnetState::Data,
                    };
                }
                TelnetState::Option(verb) => {
                    match verb {
                        DO => replies.extend_from_slice(&[IAC, WONT, byte]),
                        WILL => replies.extend_from_slice(&[IAC, DONT, byte]),
                        _ => {}
                    }
                    self.state = TelnetState::Data;
                }
                TelnetState::Sub => {
                    if byte == IAC {
                        self.state = TelnetState::SubIac;
                    }
                }
                TelnetState::SubIac => {
                    self.state = if byte == SE {
                        TelnetState::Data
                    } else {
                        TelnetState::Sub
                    };
                }
            }
            i += 1;
        }
        kept
    }
}

/// What [`LineReader::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A complete line; its cleaned text was written to the caller's `String`.
    Line,
    /// A line longer than the cap (in bytes, before or after cleaning). It is
    /// reported once and the rest of it, up to the next line end, is dropped.
    TooLong,
}

/// Per-connection framing state: the bytes not yet consumed as lines, and
/// where the newline scan stopped.
///
/// An idle connection holds no buffer at all: `buf` is released whenever it
/// empties, so only connections in the middle of a line pay for one.
#[derive(Debug, Default)]
pub struct LineReader {
    /// Unconsumed input: an incomplete last line, possibly preceded by whole
    /// lines the server has not had budget to handle yet.
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already consumed.
    start: usize,
    /// Where the line-end scan stands.
    scanner: Scanner,
    /// Telnet command parser for this connection.
    pub telnet: Telnet,
}

/// The line-end scan's memory between calls.
#[derive(Debug, Default)]
struct Scanner {
    /// Bytes after `start` already known to contain no line end.
    scanned: usize,
    /// The last line ended in CR: a following LF or NUL belongs to it.
    after_cr: bool,
    /// Inside an over-long line: drop everything up to the next line end.
    discarding: bool,
}

/// One step of framing over the unconsumed bytes.
enum Step {
    /// A line of this many bytes, then its one-byte line end.
    Line(usize),
    /// This many bytes carry nothing (a LF after CR, or an over-long line's tail).
    Skip(usize),
    /// An over-long line: consume this many bytes and report it.
    TooLong(usize),
    /// No line end yet.
    NeedMore,
}

impl LineReader {
    /// Bytes held for this connection (unconsumed input).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Takes the next line, from the held bytes first and then from `input`,
    /// advancing `input` past what it used. The cleaned text goes into `line`.
    ///
    /// Returns `None` when no whole line is left; any incomplete tail of
    /// `input` has then been moved into the reader, so `input` is empty.
    pub fn next_line(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
    ) -> Option<Frame> {
        loop {
            if self.buffered() > 0 {
                // Resume inside the held bytes; new input joins them there.
                if !input.is_empty() {
                    self.compact();
                    self.buf.extend_from_slice(input);
                    *input = &[];
                }
                match self.scanner.scan(&self.buf[self.start..], max_line) {
                    Step::Line(len) => {
                        let at = self.start;
                        self.start += len + 1;
                        let frame = clean_checked(&self.buf[at..at + len], max_line, line);
                        self.release_if_empty();
                        return Some(frame);
                    }
                    Step::Skip(n) => self.start += n,
                    Step::TooLong(n) => {
                        self.start += n;
                        self.release_if_empty();
                        return Some(Frame::TooLong);
                    }
                    Step::NeedMore => return None,
                }
                self.release_if_empty();
            } else {
                if input.is_empty() {
                    return None;
                }
                // Nothing held: frame straight from the caller's buffer.
                match self.scanner.scan(input, max_line) {
                    Step::Line(len) => {
                        let frame = clean_checked(&input[..len], max_line, line);
                        *input = &input[len + 1..];
                        return Some(frame);
                    }
                    Step::Skip(n) => *input = &input[n..],
                    Step::TooLong(n) => {
                        *input = &input[n..];
                        return Some(Frame::TooLong);
                    }
                    Step::NeedMore => {
                        self.buf.extend_from_slice(input);
                        *input = &[];
                        return None;
                    }
                }
            }
        }
    }

    /// Keeps `input` for later, when the server stops taking lines from a
    /// connection before its input is used up (budget spent or flood pause).
    pub fn stash(&mut self, input: &[u8]) {
        if !input.is_empty() {
            self.compact();
            self.buf.extend_from_slice(input);
        }
    }

    /// Drops consumed bytes from the front of `buf`.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Frees the buffer once everything in it is consumed.
    fn release_if_empty(&mut self) {
        if self.start == self.buf.len() {
            self.buf = Vec::new();
            self.start = 0;
        }
    }
}

impl Scanner {
    /// Decides what the unconsumed bytes `data` start with.
    fn scan(&mut self, data: &[u8], max_line: usize) -> Step {
        if self.after_cr {
            match data.first() {
                None => return Step::NeedMore,
                Some(b'\n' | b'\0') => {
                    self.after_cr = false;
                    return Step::Skip(1);
                }
                Some(_) => self.after_cr = false,
            }
        }
        let from = self.scanned.min(data.len());
        match memchr2(b'\n', b'\r', &data[from..]) {
            Some(offset) => {
                let end = from + offset;
                self.after_cr = data[end] == b'\r';
                self.scanned = 0;
                if self.discarding {
                    self.discarding = false;
                    Step::Skip(end + 1)
                } else if end > max_line {
                    Step::TooLong(end + 1)
                } else {
                    Step::Line(end)
                }
            }
            None if self.discarding => {
                self.scanned = 0;
                Step::Skip(data.len())
            }
            None if data.len() > max_line => {
                self.discarding = true;
                self.scanned = 0;
                Step::TooLong(data.len())
            }
            None => {
                self.scanned = data.len();
                Step::NeedMore
            }
        }
    }
}

/// Cleans `raw` into `line`, reporting [`Frame::TooLong`] if cleaning made it
/// longer than the cap (each invalid UTF-8 byte becomes a 3-byte U+FFFD).
fn clean_checked(raw: &[u8], max_line: usize, line: &mut String) -> Frame {
    clean(raw, line);
    if line.len() > max_line {
        line.clear();
        Frame::TooLong
    } else {
        Frame::Line
    }
}

/// Makes one line of user input safe to show on other terminals, writing the
/// result into `out` (which is cleared first).
///
/// Invalid UTF-8 becomes U+FFFD. Backspace and DEL erase the character before
/// them, as character-mode telnet clients send them for corrections. TAB
/// becomes a space. Every other control character is removed, and ESC (or the
/// one-character CSI, U+009B) takes the whole escape sequence it starts with
/// it, so nobody can move the cursor, clear or recolour anyone's screen.
pub fn clean(raw: &[u8], out: &mut String) {
    out.clear();
    if raw.iter().all(|b| (0x20..0x7f).contains(b)) {
        // Printable ASCII, by far the common case: nothing to change.
        out.push_str(std::str::from_utf8(raw).unwrap_or_default());
        return;
    }
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\u{8}' | '\u{7f}' => {
                out.pop();
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // C1 string introducers (DCS, SOS, OSC, PM, APC) run up to a terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Skips the rest of an escape sequence after ESC.
fn skip_escape(chars: &mut Chars<'_>) {
    let mut ahead = chars.clone();
    match ahead.next() {
        Some('[') => {
            *chars = ahead;
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            *chars = ahead;
            skip_string(chars);
        }
        Some(_) => {
            // nF / Fp / Fe / Fs forms: intermediates 0x20-0x2f, then one final byte.
            while let Some('\u{20}'..='\u{2f}') = ahead.clone().next() {
                ahead.next();
            }
            let mut after_final = ahead.clone();
            if let Some('\u{30}'..='\u{7e}') = after_final.next() {
                ahead = after_final;
            }
            *chars = ahead;
        }
        None => {}
    }
}

/// Skips a control sequence's parameters, intermediates and final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    let mut ahead = chars.clone();
    while let Some('\u{20}'..='\u{3f}') = ahead.clone().next() {
        ahead.next();
    }
    let mut after_final = ahead.clone();
    if let Some('\u{40}'..='\u{7e}') = after_final.next() {
        ahead = after_final;
    }
    *chars = ahead;
}

/// Skips an OSC/DCS-style string up to BEL, ST (U+009C) or ESC \.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                let mut ahead = chars.clone();
                if ahead.next() == Some('\\') {
                    *chars = ahead;
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(raw: &[u8]) -> String {
        let mut out = String::new();
        clean(raw, &mut out);
        out
    }

    /// Feeds `chunks` one after another and collects every frame.
    fn frames(chunks: &[&[u8]], max_line: usize) -> Vec<Result<String, Frame>> {
        let mut reader = LineReader::default();
        let mut replies = Vec::new();
        let mut line = String::new();
        let mut got = Vec::new();
        for chunk in chunks {
            let mut owned = chunk.to_vec();
            let kept = reader.telnet.strip(&mut owned, &mut replies);
            let mut input = &owned[..kept];
            while let Some(frame) = reader.next_line(&mut input, max_line, &mut line) {
                got.push(match frame {
                    Frame::Line => Ok(line.clone()),
                    Frame::TooLong => Err(Frame::TooLong),
                });
            }
            assert!(input.is_empty());
        }
        got
    }

    fn lines(items: &[&str]) -> Vec<Result<String, Frame>> {
        items.iter().map(|s| Ok(s.to_string())).collect()
    }

    #[test]
    fn every_line_end_form_ends_a_line() {
        let got = frames(&[b"a\nb\r\nc\r\0d\re\n"], 100);
        assert_eq!(got, lines(&["a", "b", "c", "d", "e"]));
    }

    #[test]
    fn crlf_split_across_reads_is_one_line_end() {
        let got = frames(&[b"abc\r", b"\ndef\r", b"\0", b"g\n"], 100);
        assert_eq!(got, lines(&["abc", "def", "g"]));
    }

    #[test]
    fn a_line_split_byte_by_byte_is_reassembled() {
        let text = b"hello there\n";
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(frames(&chunks, 100), lines(&["hello there"]));
    }

    #[test]
    fn over_long_line_is_reported_once_and_dropped_to_its_end() {
        let long = [b'x'; 25];
        let got = frames(&[&long[..10], &long[10..], b"yy\nok\n"], 20);
        assert_eq!(got, vec![Err(Frame::TooLong), Ok("ok".into())]);
        // A long line that arrives whole is reported the same way.
        let mut whole = vec![b'x'; 25];
        whole.extend_from_slice(b"\nok\n");
        assert_eq!(
            frames(&[&whole], 20),
            vec![Err(Frame::TooLong), Ok("ok".into())]
        );
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_accepted() {
        let mut exact = vec![b'x'; 20];
        exact.push(b'\n');
        assert_eq!(frames(&[&exact], 20), lines(&[&"x".repeat(20)]));
    }

    #[test]
    fn held_bytes_never_exceed_the_cap() {
        let mut reader = LineReader::default();
        let mut line = String::new();
        for _ in 0..100 {
            let mut input: &[u8] = b"xxxxxxx";
            while reader.next_line(&mut input, 20, &mut line).is_some() {}
            assert!(reader.buffered() <= 20, "held {}", reader.buffered());
        }
    }

    #[test]
    fn idle_reader_holds_no_buffer() {
        let mut reader = LineReader::default();
        let mut line = String::new();
        let mut input: &[u8] = b"part";
        assert_eq!(reader.next_line(&mut input, 100, &mut line), None);
        let mut input: &[u8] = b"ial\n";
        assert_eq!(
            reader.next_line(&mut input, 100, &mut line),
            Some(Frame::Line)
        );
        assert_eq!(line, "partial");
        assert_eq!(reader.buf.capacity(), 0);
    }

    #[test]
    fn stashed_input_is_framed_later_in_order() {
        let mut reader = LineReader::default();
        let mut line = String::new();
        let mut input: &[u8] = b"one\ntwo\nthr";
        assert_eq!(
            reader.next_line(&mut input, 100, &mut line),
            Some(Frame::Line)
        );
        reader.stash(input);
        let mut rest: &[u8] = b"ee\n";
        let mut got = Vec::new();
        while let Some(Frame::Line) = reader.next_line(&mut rest, 100, &mut line) {
            got.push(line.clone());
        }
        assert_eq!(got, ["two", "three"]);
    }

    #[test]
    fn telnet_commands_are_removed_and_options_refused() {
        let mut telnet = Telnet::default();
        let mut replies = Vec::new();
        // IAC DO ECHO, IAC WILL SGA, IAC WONT x, IAC IP, IAC SB ... IAC SE, IAC IAC.
        let mut buf =
            b"a\xff\xfd\x01b\xff\xfb\x03c\xff\xfc\x05\xff\xf4d\xff\xfa\x18\x01\xff\xf0e\xff\xff"
                .to_vec();
        let kept = telnet.strip(&mut buf, &mut replies);
        assert_eq!(&buf[..kept], b"abcde\xff");
        assert_eq!(replies, b"\xff\xfc\x01\xff\xfe\x03");
    }

    #[test]
    fn telnet_commands_split_across_reads_are_removed() {
        let stream = b"hi\xff\xfd\x06there\xff\xfa\x18\x00xterm\xff\xf0!\n";
        for cut in 1..stream.len() {
            let got = frames(&[&stream[..cut], &stream[cut..]], 100);
            assert_eq!(got, lines(&["hithere!"]), "cut at {cut}");
        }
    }

    #[test]
    fn control_characters_and_escapes_are_removed() {
        assert_eq!(cleaned(b"a\x07b\x00c"), "abc");
        assert_eq!(cleaned(b"\x1b[2J\x1b[31mred\x1b[0m"), "red");
        assert_eq!(cleaned(b"\x1b]0;title\x07x"), "x");
        assert_eq!(cleaned(b"\x1b]0;title\x1b\\y"), "y");
        assert_eq!(cleaned(b"\x1b(Bz"), "z");
        assert_eq!(cleaned("\u{9b}1;2Hq".as_bytes()), "q");
        assert_eq!(cleaned("a\u{85}b".as_bytes()), "ab");
    }

    #[test]
    fn tab_backspace_and_del_are_interpreted() {
        assert_eq!(cleaned(b"a\tb"), "a b");
        assert_eq!(cleaned(b"helo\x08lo"), "hello");
        assert_eq!(cleaned(b"ab\x7f\x7f\x7fc"), "c");
        assert_eq!(cleaned("h\u{e9}\x08e".as_bytes()), "he");
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(cleaned(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(cleaned("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }

    #[test]
    fn cleaning_that_grows_a_line_past_the_cap_is_too_long() {
        let raw = [0xfe_u8; 10]; // ten invalid bytes become 30 bytes of U+FFFD
        let mut line = String::new();
        assert_eq!(clean_checked(&raw, 20, &mut line), Frame::TooLong);
        assert_eq!(clean_checked(&raw, 30, &mut line), Frame::Line);
    }
}
