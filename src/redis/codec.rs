//! RESP2 on the wire, without a socket: commands into bytes, bytes into
//! reply frames, and each reply matched to the command it answers. The
//! encoding and decoding are `redis-protocol`'s; this file only keeps the
//! buffers and the order.

use bytes::BytesMut;
use redis_protocol::error::RedisProtocolError;
use redis_protocol::resp2::decode::decode_bytes_mut;
use redis_protocol::resp2::encode::extend_encode_borrowed;
use redis_protocol::resp2::types::{BorrowedFrame, BytesFrame};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::time::Instant;

/// What the caller attaches to a command to recognise its reply.
pub type Tag = u64;

/// Why a command was not encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// No arguments: Redis answers an empty array with nothing at all, which
    /// would shift every later reply onto the wrong command.
    Empty,
    /// The encoded command would not fit in the room left.
    TooLarge,
    /// `redis-protocol` refused to encode it (not expected for bulk strings).
    Codec,
}

/// Appends `command` (the name, then each argument) to `out` as a RESP
/// array of bulk strings, if its encoding fits in `room` bytes. Returns the
/// bytes added; on an error `out` is as it was.
pub fn encode_command(
    out: &mut BytesMut,
    command: &[&[u8]],
    room: usize,
) -> Result<usize, EncodeError> {
    if command.is_empty() {
        return Err(EncodeError::Empty);
    }
    let parts: Vec<BorrowedFrame<'_>> = command
        .iter()
        .map(|a| BorrowedFrame::BulkString(a))
        .collect();
    let frame = BorrowedFrame::Array(&parts);
    if frame.encode_len(false) > room {
        return Err(EncodeError::TooLarge);
    }
    let before = out.len();
    // It returns the end offset in `out`, not the bytes it added.
    match extend_encode_borrowed(out, &frame, false) {
        Ok(_) => Ok(out.len() - before),
        Err(_) => {
            out.truncate(before);
            Err(EncodeError::Codec)
        }
    }
}

/// Who waits for the next reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiter {
    /// A caller's command.
    Caller(Tag),
    /// The `AUTH` the link sends on connecting; callers never see its reply.
    Auth,
    /// The `SELECT` the link sends on connecting (after `AUTH`); callers
    /// never see its reply.
    Select,
    /// The `PING` that ends the handshake: a link is up once Redis has
    /// answered a command, so a Redis that refuses every command
    /// (`NOAUTH`, `LOADING`, ...) never shows as up.
    Ping,
}

/// The commands sent and not yet answered, oldest first. RESP2 answers
/// every command with exactly one frame, in the order the commands were
/// sent (outside subscribe mode, which links never enter), so the next
/// frame always answers the front.
#[derive(Debug, Default)]
pub struct Pipeline {
    waiting: VecDeque<(Waiter, Instant)>,
}

impl Pipeline {
    /// A command was queued at `at`.
    pub fn push(&mut self, waiter: Waiter, at: Instant) {
        self.waiting.push_back((waiter, at));
    }

    /// Who the frame just decoded answers, or `None` if nobody waits (Redis
    /// sent something unasked: the link is out of step and must be dropped).
    pub fn answer(&mut self) -> Option<Waiter> {
        self.waiting.pop_front().map(|(waiter, _)| waiter)
    }

    /// When the oldest command still waiting was queued.
    pub fn oldest(&self) -> Option<Instant> {
        self.waiting.front().map(|&(_, at)| at)
    }

    /// Commands waiting.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Empties the pipeline (the link went down) and returns the callers'
    /// tags, oldest first: their commands will never be answered.
    pub fn abandon(&mut self) -> impl Iterator<Item = Tag> + '_ {
        self.waiting
            .drain(..)
            .filter_map(|(waiter, _)| match waiter {
                Waiter::Caller(tag) => Some(tag),
                Waiter::Auth | Waiter::Select | Waiter::Ping => None,
            })
    }
}

/// Bytes read from Redis and not yet decoded.
///
/// An unfinished frame is decoded again from its start when more bytes
/// come (`redis-protocol` keeps no state between calls). So that a large
/// reply arriving in many reads costs linear, not quadratic, time, a frame
/// found unfinished is tried again only once the buffer has doubled, or
/// when the socket has nothing more to give ([`Decoder::next_frame`] with
/// `drained`).
#[derive(Debug, Default)]
pub struct Decoder {
    buf: BytesMut,
    /// Buffer length when a frame was last found unfinished (0: none was).
    stuck_at: usize,
}

impl Decoder {
    /// Reads once from `source` onto the end of the buffer, at most `chunk`
    /// bytes; returns what `read` returned (0 is the end of the stream).
    pub fn read_from(&mut self, source: &mut impl Read, chunk: usize) -> io::Result<usize> {
        let len = self.buf.len();
        self.buf.resize(len + chunk, 0);
        let result = source.read(&mut self.buf[len..]);
        self.buf.truncate(len + *result.as_ref().unwrap_or(&0));
        result
    }

    /// The next whole frame, if the buffer holds one. With `drained` false
    /// (more bytes may be coming at once), an unfinished frame is only
    /// parsed again after the buffer has doubled. The frame's bytes are
    /// split off the buffer without copying; a caller keeping a small piece
    /// of a large reply for long should copy it.
    pub fn next_frame(&mut self, drained: bool) -> Result<Option<BytesFrame>, RedisProtocolError> {
        if self.buf.is_empty() || (!drained && self.buf.len() < 2 * self.stuck_at) {
            return Ok(None);
        }
        match decode_bytes_mut(&mut self.buf)? {
            Some((frame, _, _)) => {
                self.stuck_at = 0;
                Ok(Some(frame))
            }
            None => {
                self.stuck_at = self.buf.len();
                Ok(None)
            }
        }
    }

    /// Bytes held: the unfinished frame, and whole frames not yet taken.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Forgets everything (the connection is gone) and frees the buffer.
    pub fn reset(&mut self) {
        *self = Decoder::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = BytesMut::new();
        let n = encode_command(&mut out, &[b"SET", b"k", b"a\r\nb"], usize::MAX).unwrap();
        encode_command(&mut out, &[b"PING"], usize::MAX).unwrap();
        let first = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n";
        assert_eq!(n, first.len());
        assert_eq!(&out[..], format!("{first}*1\r\n$4\r\nPING\r\n").as_bytes());
    }

    #[test]
    fn empty_or_oversized_commands_leave_the_buffer_alone() {
        let mut out = BytesMut::from(&b"x"[..]);
        assert_eq!(encode_command(&mut out, &[], 100), Err(EncodeError::Empty));
        let ping_len = "*1\r\n$4\r\nPING\r\n".len();
        assert_eq!(
            encode_command(&mut out, &[b"PING"], ping_len - 1),
            Err(EncodeError::TooLarge)
        );
        assert_eq!(&out[..], b"x");
        assert_eq!(encode_command(&mut out, &[b"PING"], ping_len), Ok(ping_len));
    }

    /// Feeds `wire` in pieces of `step` bytes and answers the pipeline.
    fn decode_in_steps(
        wire: &[u8],
        step: usize,
        pipeline: &mut Pipeline,
    ) -> Vec<(Waiter, BytesFrame)> {
        let mut decoder = Decoder::default();
        let mut got = Vec::new();
        for piece in wire.chunks(step) {
            let mut source = piece;
            decoder.read_from(&mut source, step).unwrap();
            let drained = true;
            while let Some(frame) = decoder.next_frame(drained).unwrap() {
                got.push((pipeline.answer().expect("a waiter"), frame));
            }
        }
        assert_eq!(decoder.buffered(), 0);
        got
    }

    #[test]
    fn replies_answer_commands_in_order_however_they_are_split() {
        let wire = b"+PONG\r\n$5\r\nhello\r\n-ERR wrong\r\n*2\r\n:1\r\n$-1\r\n*-1\r\n";
        for step in 1..=wire.len() {
            let now = Instant::now();
            let mut pipeline = Pipeline::default();
            pipeline.push(Waiter::Select, now);
            for tag in [7, 8, 9, 10] {
                pipeline.push(Waiter::Caller(tag), now);
            }
            let got = decode_in_steps(wire, step, &mut pipeline);
            let expected = vec![
                (
                    Waiter::Select,
                    BytesFrame::SimpleString(Bytes::from_static(b"PONG")),
                ),
                (
                    Waiter::Caller(7),
                    BytesFrame::BulkString(Bytes::from_static(b"hello")),
                ),
                (Waiter::Caller(8), BytesFrame::Error("ERR wrong".into())),
                (
                    Waiter::Caller(9),
                    BytesFrame::Array(vec![BytesFrame::Integer(1), BytesFrame::Null]),
                ),
                (Waiter::Caller(10), BytesFrame::Null),
            ];
            assert_eq!(got, expected, "split every {step} bytes");
            assert_eq!(pipeline.len(), 0);
        }
    }

    #[test]
    fn an_unfinished_frame_is_retried_after_doubling_or_draining() {
        let mut decoder = Decoder::default();
        let mut wire: &[u8] = b"$10\r\n0";
        decoder.read_from(&mut wire, 64).unwrap();
        assert_eq!(decoder.next_frame(false).unwrap(), None);
        let mut more: &[u8] = b"1234";
        decoder.read_from(&mut more, 64).unwrap();
        // 10 bytes, not yet twice 6: not even parsed.
        assert_eq!(decoder.next_frame(false).unwrap(), None);
        let mut rest: &[u8] = b"56789\r\n";
        decoder.read_from(&mut rest, 64).unwrap();
        let frame = decoder.next_frame(false).unwrap();
        assert_eq!(
            frame,
            Some(BytesFrame::BulkString(Bytes::from_static(b"0123456789")))
        );
        let mut partial: &[u8] = b"+OK";
        decoder.read_from(&mut partial, 64).unwrap();
        assert_eq!(decoder.next_frame(false).unwrap(), None);
        let mut end: &[u8] = b"\r\n";
        decoder.read_from(&mut end, 64).unwrap();
        assert_eq!(decoder.next_frame(false).unwrap(), None, "not doubled yet");
        assert!(
            decoder.next_frame(true).unwrap().is_some(),
            "drained: tried"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_frame() {
        let mut decoder = Decoder::default();
        let mut wire: &[u8] = b"?what\r\n";
        decoder.read_from(&mut wire, 64).unwrap();
        assert!(decoder.next_frame(true).is_err());
    }

    #[test]
    fn abandoning_returns_caller_tags_oldest_first() {
        let now = Instant::now();
        let mut pipeline = Pipeline::default();
        pipeline.push(Waiter::Select, now);
        pipeline.push(Waiter::Caller(3), now);
        pipeline.push(Waiter::Caller(1), now);
        assert_eq!(pipeline.len(), 3);
        assert_eq!(pipeline.abandon().collect::<Vec<_>>(), [3, 1]);
        assert_eq!(pipeline.len(), 0);
        assert_eq!(pipeline.answer(), None);
    }
}
