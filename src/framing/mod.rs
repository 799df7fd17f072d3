//! Turning a stream of text into clean lines, for the line codecs
//! ([`crate::codec`]), once their protocol's own bytes are gone.
//!
//! Two steps, both pure (no sockets here):
//! 1. [`LineReader::next_line`] frames lines on LF, CRLF, CR NUL or a bare CR,
//!    enforcing the line-length cap. It keeps only bytes that do not yet form a
//!    whole line (or lines left over when the server stops early), and resumes
//!    its newline scan where it stopped, so a slow long line costs linear time.
//! 2. [`clean()`] makes a line safe to show on other people's terminals.
//!
//! Submodules:
//! - this module: [`LineReader`], [`Frame`] and the resumable line-end scanner.
//! - `clean`: [`clean()`] and the length re-check after cleaning, with one
//!   submodule per concern: runs of blanks, combining marks and joiners,
//!   asterisk lookalikes at a word's start, escape sequences.

mod clean;

pub use clean::{Keep, clean, clean_keeping};

use clean::clean_checked;
use memchr::memchr2;

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
}

/// The line-end scan's memory between calls.
#[derive(Debug, Default)]
struct Scanner {
    /// Bytes after `start` already known to contain no line end (32 bits,
    /// saturating: past that it only rescans; 8 bytes less per connection).
    scanned: u32,
    /// The last line ended in CR: a following LF or NUL belongs to it.
    after_cr: bool,
    /// Inside an over-long line: drop everything up to the next line end.
    discarding: bool,
    /// The last line taken held bytes that were not UTF-8 (cleaned into
    /// U+FFFD); IRC's UTF8ONLY warns its sender.
    invalid_utf8: bool,
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
    /// Whether the last line taken held bytes that were not UTF-8 (its
    /// text has U+FFFD in their place).
    pub fn last_was_invalid_utf8(&self) -> bool {
        self.scanner.invalid_utf8
    }

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
        self.next_line_keeping(input, max_line, line, Keep::Nothing)
    }

    /// [`next_line`](Self::next_line), cleaning with
    /// [`clean_keeping`] and `keep`.
    pub fn next_line_keeping(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
        keep: Keep,
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
                        let (frame, valid) =
                            clean_checked(&self.buf[at..at + len], max_line, line, keep);
                        self.scanner.invalid_utf8 = !valid;
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
                        let (frame, valid) = clean_checked(&input[..len], max_line, line, keep);
                        self.scanner.invalid_utf8 = !valid;
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
        let from = (self.scanned as usize).min(data.len());
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
                self.scanned = u32::try_from(data.len()).unwrap_or(u32::MAX);
                Step::NeedMore
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one after another and collects every frame.
    fn frames(chunks: &[&[u8]], max_line: usize) -> Vec<Result<String, Frame>> {
        let mut reader = LineReader::default();
        let mut line = String::new();
        let mut got = Vec::new();
        for chunk in chunks {
            let mut input = *chunk;
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
}
