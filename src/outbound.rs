//! One connection's queue of outgoing bytes.
//!
//! Entries are shared [`Bytes`]: a broadcast line is rendered once and every
//! recipient's queue holds a reference to it, so queueing costs a refcount
//! increment, not a copy. Flushing hands as many entries as fit to one
//! `writev`, so everything queued for a peer in one poll iteration goes out in
//! as few syscalls as possible.

use bytes::{Buf, Bytes};
use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

/// Entries handed to one `writev` (Linux allows 1024). 128 small chat lines
/// are already several kilobytes, and the array lives on the stack.
const MAX_IOV: usize = 128;

/// Queue capacity a drained queue keeps: the smallest allocation a
/// `VecDeque` makes (4 entries, 128 bytes). A queue that grew past it in a
/// burst is freed when it empties, so idle users hold 128 bytes of queue,
/// while one-line-at-a-time traffic reuses its slots without allocating per
/// recipient.
const KEEP_CAPACITY: usize = 4;

/// Outgoing bytes for one connection, and how many there are.
#[derive(Debug, Default)]
pub struct Outbound {
    queue: VecDeque<Bytes>,
    /// Total unsent bytes in `queue`, checked against `--max-outbuf`.
    bytes: usize,
    /// The first entry has been partly written.
    front_started: bool,
}

/// How far a flush got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything was written.
    Drained,
    /// The socket would block with bytes left; wait for WRITABLE.
    Blocked,
}

impl Outbound {
    /// Queues `bytes` behind everything already queued.
    pub fn push(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.bytes += bytes.len();
            self.queue.push_back(bytes);
        }
    }

    /// Unsent bytes.
    pub fn len(&self) -> usize {
        self.bytes
    }

    /// Whether nothing is waiting to be sent.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// Drops every entry not yet begun, keeping a partly written first one
    /// so the peer still receives whole lines (used before a last notice).
    pub fn drop_unstarted(&mut self) {
        self.queue.truncate(usize::from(self.front_started));
        self.bytes = self.queue.iter().map(Bytes::len).sum();
    }

    /// Writes until the queue is empty or `out` would block. Interrupted
    /// writes are retried; other errors are returned and end the connection.
    pub fn flush<W: Write>(&mut self, out: &mut W) -> io::Result<Flushed> {
        while !self.queue.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let mut count = 0;
            for (slot, entry) in slices.iter_mut().zip(self.queue.iter()) {
                *slot = IoSlice::new(entry);
                count += 1;
            }
            match out.write_vectored(&slices[..count]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => self.consume(written),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Flushed::Blocked),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.queue.capacity() > KEEP_CAPACITY {
            self.queue = VecDeque::new();
        }
        Ok(Flushed::Drained)
    }

    /// Removes `written` bytes from the front of the queue.
    fn consume(&mut self, mut written: usize) {
        self.bytes -= written;
        while written > 0 {
            let Some(front) = self.queue.front_mut() else {
                return;
            };
            if front.len() <= written {
                written -= front.len();
                self.queue.pop_front();
                self.front_started = false;
            } else {
                front.advance(written);
                self.front_started = true;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `limit` bytes per call, then blocks.
    struct Trickle {
        taken: Vec<u8>,
        limit: usize,
        calls_left: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            if self.calls_left == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls_left -= 1;
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.limit - n);
                self.taken.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn partial_writes_resume_where_they_stopped() {
        let mut q = Outbound::default();
        for line in ["one\r\n", "two\r\n", "three\r\n"] {
            q.push(Bytes::from_static(line.as_bytes()));
        }
        let mut w = Trickle {
            taken: Vec::new(),
            limit: 7,
            calls_left: 1,
        };
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Blocked);
        assert_eq!(q.len(), 17 - 7);
        assert!(q.front_started);
        w.calls_left = 10;
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        assert_eq!(w.taken, b"one\r\ntwo\r\nthree\r\n");
        assert!(q.is_empty());
    }

    #[test]
    fn truncating_keeps_only_a_started_entry() {
        let mut q = Outbound::default();
        q.push(Bytes::from_static(b"abc\r\n"));
        q.push(Bytes::from_static(b"def\r\n"));
        q.consume(2);
        q.drop_unstarted();
        assert_eq!(q.len(), 3);
        q.consume(3);
        q.push(Bytes::from_static(b"ghi\r\n"));
        q.drop_unstarted();
        assert!(q.is_empty());
    }
}
