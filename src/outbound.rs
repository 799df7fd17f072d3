//! One connection's queue of outgoing bytes, and the memory it costs.
//!
//! Broadcast entries are shared [`Bytes`]: a line is rendered once and every
//! recipient's queue holds a reference to it, so queueing costs a refcount
//! increment, not a copy. Small writes meant for this connection alone
//! (telnet replies, notices, private messages) are appended to one owned
//! tail buffer instead of becoming an entry each, so a flood of them costs
//! its bytes, not a queue slot and an allocation per 3-byte reply. Flushing
//! hands as many entries as fit to one `writev`, so everything queued for a
//! peer in one poll iteration goes out in as few syscalls as possible.

use bytes::{Buf, Bytes};
use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};

/// Entries handed to one `writev` (Linux allows 1024). 128 small chat lines
/// are already several kilobytes, and the array lives on the stack.
const MAX_IOV: usize = 128;

/// Queue capacity a drained queue keeps: the smallest allocation a
/// `VecDeque` makes (4 entries, 128 bytes). A queue that grew past it in a
/// burst is freed when it empties, while busy readers (several entries per
/// turn) reuse their slots without allocating per recipient. A reader that
/// never had two entries waiting at once holds no allocation at all (see
/// [`Entries`]): that is every idle user.
const KEEP_CAPACITY: usize = 4;

/// Writes up to this size are copied into the tail buffer rather than
/// queued as an entry of their own.
pub const SMALL_WRITE: usize = 256;

/// What an entry costs besides its bytes: the allocator's header and the
/// shared-buffer bookkeeping behind a `Bytes` (its slot in the queue is
/// counted with the queue's capacity).
const ENTRY_OVERHEAD: usize = 32;

/// What queueing one shared entry of `len` bytes may add to
/// [`Outbound::cost`] at most: its bytes, its header, and its slot twice
/// over (the queue's capacity doubles as it grows). Used to price a long
/// answer before any of it is queued.
pub fn entry_cost(len: usize) -> usize {
    len + ENTRY_OVERHEAD + 2 * std::mem::size_of::<Bytes>()
}

/// Outgoing bytes for one connection, and how many there are.
#[derive(Debug, Default)]
pub struct Outbound {
    queue: Entries,
    /// Small writes for this connection alone, behind every entry.
    tail: Vec<u8>,
    /// The tail's first bytes have been written (and dropped from it: a
    /// partial write of the tail moves the rest to the front, which is
    /// rare, instead of keeping an offset in every connection).
    tail_started: bool,
    /// Total unsent bytes (entries and tail).
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
    /// Queues a shared buffer (a broadcast) behind everything already
    /// queued: a reference, never a copy.
    pub fn push(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        self.seal_tail();
        self.bytes += bytes.len();
        self.queue.push_back(bytes);
    }

    /// Queues bytes meant for this connection alone: copied into the tail
    /// if small, otherwise queued as an entry of their own.
    pub fn push_own(&mut self, bytes: &[u8]) {
        if bytes.len() > SMALL_WRITE {
            return self.push(Bytes::copy_from_slice(bytes));
        }
        self.tail.extend_from_slice(bytes);
        self.bytes += bytes.len();
    }

    /// Queues a buffer rendered for this connection alone: when nothing
    /// waits, the buffer itself is the entry (no copy: a greeting, a
    /// welcome and a farewell cost no allocation here); behind other
    /// output it is copied as [`push_own`](Self::push_own) does, so a
    /// burst of small writes still shares one entry.
    pub fn push_rendered(&mut self, bytes: Bytes) {
        if self.is_empty() {
            return self.push(bytes);
        }
        self.push_own(&bytes);
    }

    /// Moves the tail into the queue as an entry, so that what comes next
    /// is sent after it.
    fn seal_tail(&mut self) {
        if !self.tail.is_empty() {
            let tail = std::mem::take(&mut self.tail);
            if self.tail_started {
                self.front_started = true;
            }
            self.queue.push_back(Bytes::from(tail));
        }
        self.tail_started = false;
    }

    /// Unsent bytes.
    pub fn len(&self) -> usize {
        self.bytes
    }

    /// Whether nothing is waiting to be sent.
    pub fn is_empty(&self) -> bool {
        self.bytes == 0
    }

    /// The memory this queue holds: unsent bytes (a shared line counts in
    /// full for every queue that holds it), queue slots, a header per
    /// entry, and the tail buffer's spare capacity. This, not the payload,
    /// is what `--max-outbuf` and `--max-output-memory` limit.
    pub fn cost(&self) -> usize {
        self.bytes
            + self.queue.capacity() * std::mem::size_of::<Bytes>()
            + self.queue.len() * ENTRY_OVERHEAD
            + (self.tail.capacity() - self.tail.len())
    }

    /// Drops everything not yet begun, keeping a partly written entry so
    /// the peer still receives whole lines (used before a last notice).
    pub fn drop_unstarted(&mut self) {
        let tail_started = self.queue.is_empty() && self.tail_started;
        self.queue.truncate(usize::from(self.front_started));
        if !tail_started {
            self.tail = Vec::new();
            self.tail_started = false;
        }
        self.bytes = self.queue.iter().map(Bytes::len).sum::<usize>() + self.tail.len();
    }

    /// Writes until everything is sent or `out` would block. Interrupted
    /// writes are retried; other errors are returned and end the connection.
    pub fn flush<W: Write>(&mut self, out: &mut W) -> io::Result<Flushed> {
        while self.bytes > 0 {
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let mut count = 0;
            for (slot, entry) in slices.iter_mut().zip(self.queue.iter()) {
                *slot = IoSlice::new(entry);
                count += 1;
            }
            if count < MAX_IOV && !self.tail.is_empty() {
                slices[count] = IoSlice::new(&self.tail);
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
            self.queue = Entries::Empty;
        }
        // Small writes are rare (notices, telnet answers): an idle reader
        // keeps no tail buffer.
        self.tail = Vec::new();
        Ok(Flushed::Drained)
    }

    /// Removes `written` bytes from the front: entries first, then the tail.
    fn consume(&mut self, mut written: usize) {
        self.bytes -= written;
        while written > 0 {
            let Some(front) = self.queue.front_mut() else {
                // Bounded by the tail's length: the write took no more
                // than was offered.
                self.tail.drain(..written.min(self.tail.len()));
                self.tail_started = !self.tail.is_empty();
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

/// The entries of one queue, oldest first. The first waits inline, so a
/// reader that gets one broadcast at a time (an idle user hearing a join
/// digest now and then) never allocates a ring buffer: 32 bytes in the
/// connection instead of a 128-byte allocation per user. A second entry
/// moves both into a `VecDeque`, which stays (see [`KEEP_CAPACITY`]).
#[derive(Debug, Default)]
enum Entries {
    #[default]
    Empty,
    One(Bytes),
    Many(VecDeque<Bytes>),
}

impl Entries {
    fn push_back(&mut self, bytes: Bytes) {
        match self {
            Entries::Empty => *self = Entries::One(bytes),
            Entries::One(_) => {
                let Entries::One(first) = std::mem::take(self) else {
                    unreachable!("matched One above")
                };
                let mut many = VecDeque::with_capacity(KEEP_CAPACITY);
                many.push_back(first);
                many.push_back(bytes);
                *self = Entries::Many(many);
            }
            Entries::Many(many) => many.push_back(bytes),
        }
    }

    fn pop_front(&mut self) {
        match self {
            Entries::Empty => {}
            Entries::One(_) => *self = Entries::Empty,
            Entries::Many(many) => {
                many.pop_front();
            }
        }
    }

    fn front_mut(&mut self) -> Option<&mut Bytes> {
        match self {
            Entries::Empty => None,
            Entries::One(first) => Some(first),
            Entries::Many(many) => many.front_mut(),
        }
    }

    /// The entries as two slices, oldest first (as `VecDeque` has them):
    /// iterating these is as cheap as iterating the ring itself.
    fn as_slices(&self) -> (&[Bytes], &[Bytes]) {
        match self {
            Entries::Empty => (&[], &[]),
            Entries::One(first) => (std::slice::from_ref(first), &[]),
            Entries::Many(many) => many.as_slices(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Bytes> {
        let (front, back) = self.as_slices();
        front.iter().chain(back)
    }

    fn len(&self) -> usize {
        match self {
            Entries::Empty => 0,
            Entries::One(_) => 1,
            Entries::Many(many) => many.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries the heap allocation holds room for (none inline).
    fn capacity(&self) -> usize {
        match self {
            Entries::Many(many) => many.capacity(),
            _ => 0,
        }
    }

    /// Keeps the first `len` entries.
    fn truncate(&mut self, len: usize) {
        match self {
            Entries::Many(many) => many.truncate(len),
            Entries::One(_) if len == 0 => *self = Entries::Empty,
            _ => {}
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
            q.push_own(line.as_bytes());
        }
        let mut w = Trickle {
            taken: Vec::new(),
            limit: 7,
            calls_left: 1,
        };
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Blocked);
        assert_eq!(q.len(), 17 - 7);
        assert!(q.tail_started, "small lines went into the tail");
        assert_eq!(q.tail, b"o\r\nthree\r\n", "the written part was dropped");
        w.calls_left = 10;
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        assert_eq!(w.taken, b"one\r\ntwo\r\nthree\r\n");
        assert!(q.is_empty());
    }

    #[test]
    fn truncating_keeps_only_a_started_entry() {
        let big = |c: u8| Bytes::from(vec![c; SMALL_WRITE + 1]);
        let mut q = Outbound::default();
        q.push(big(b'a'));
        q.push(big(b'b'));
        q.consume(2);
        q.drop_unstarted();
        assert_eq!(q.len(), SMALL_WRITE - 1);
        q.consume(SMALL_WRITE - 1);
        q.push_own(b"ghi\r\n");
        q.drop_unstarted();
        assert!(q.is_empty());
        // A partly written tail is kept too.
        q.push_own(b"jkl\r\n");
        q.consume(1);
        q.drop_unstarted();
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn small_writes_share_one_tail_and_keep_their_order() {
        let mut q = Outbound::default();
        for _ in 0..1000 {
            q.push_own(b"\xff\xfc\x01");
        }
        assert_eq!(q.queue.len(), 0, "no entry per small write");
        assert!(q.cost() < 3000 * 2 + 256, "cost {}", q.cost());
        let big = Bytes::from(vec![b'x'; 1000]);
        q.push(big.clone());
        q.push_own(b"end");
        let mut w = Trickle {
            taken: Vec::new(),
            limit: 700,
            calls_left: 100,
        };
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        let mut want = b"\xff\xfc\x01".repeat(1000);
        want.extend_from_slice(&big);
        want.extend_from_slice(b"end");
        assert_eq!(w.taken, want);
        assert!(q.is_empty());
    }

    #[test]
    fn a_rendered_buffer_is_queued_as_is_only_when_nothing_waits() {
        let mut q = Outbound::default();
        let welcome = Bytes::from(b"*** Welcome\r\n".to_vec());
        q.push_rendered(welcome.clone());
        let first = q.queue.iter().next().map(|b| b.as_ptr());
        assert_eq!(first, Some(welcome.as_ptr()), "the buffer, not a copy");
        q.push_rendered(Bytes::from_static(b"*** Topic\r\n"));
        assert_eq!(q.queue.len(), 1, "behind other output: into the tail");
        let mut w = Trickle {
            taken: Vec::new(),
            limit: 100,
            calls_left: 10,
        };
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        assert_eq!(w.taken, b"*** Welcome\r\n*** Topic\r\n");
    }

    #[test]
    fn cost_counts_entries_not_just_bytes() {
        let mut q = Outbound::default();
        let line = Bytes::from(vec![b'x'; 30]);
        for _ in 0..100 {
            q.push(line.clone());
        }
        assert_eq!(q.len(), 3_000);
        assert!(
            q.cost() >= 3_000 + 100 * (32 + ENTRY_OVERHEAD),
            "{}",
            q.cost()
        );
    }

    #[test]
    fn one_entry_at_a_time_never_allocates_a_ring() {
        let mut q = Outbound::default();
        let mut w = Trickle {
            taken: Vec::new(),
            limit: 100,
            calls_left: 100,
        };
        for line in ["one\r\n", "two\r\n"] {
            q.push(Bytes::from_static(line.as_bytes()));
            assert_eq!(q.queue.capacity(), 0, "one entry waits inline");
            assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        }
        // Two at once spill into a ring, in order, which then stays.
        q.push(Bytes::from_static(b"three\r\n"));
        q.push(Bytes::from_static(b"four\r\n"));
        assert_eq!(q.queue.capacity(), KEEP_CAPACITY);
        assert_eq!(q.flush(&mut w).unwrap(), Flushed::Drained);
        assert_eq!(w.taken, b"one\r\ntwo\r\nthree\r\nfour\r\n");
        assert_eq!(q.queue.capacity(), KEEP_CAPACITY);
    }
}
