//! The broadcast path allocates per message, never per recipient: counted
//! with a global allocator that tallies every allocation in this process.

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use util::{Client, TestServer};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const PEERS: usize = 1000;

/// Reads from `c` until its buffer ends with `tail`, without allocating
/// (a fixed buffer keeps only the last bytes seen). Each read shifts the
/// window once, not once per byte: the warm-up reads every peer's backlog
/// of a thousand join notices.
fn read_until_tail(c: &mut Client, tail: &[u8]) {
    const WINDOW: usize = 256;
    let mut window = [0u8; WINDOW];
    let mut have = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        let n = c.stream.read(&mut buf).expect("read");
        assert!(n > 0, "closed");
        let new = &buf[..n];
        if new.len() >= WINDOW {
            window.copy_from_slice(&new[new.len() - WINDOW..]);
            have = WINDOW;
        } else {
            // Keep the last bytes that still fit beside the new ones.
            let keep = have.min(WINDOW - new.len());
            window.copy_within(have - keep..have, 0);
            window[keep..keep + new.len()].copy_from_slice(new);
            have = keep + new.len();
        }
        if window[..have].ends_with(tail) {
            return;
        }
    }
}

/// After a warm-up message, one more message to 1000 peers costs a small,
/// constant number of allocations: the line is rendered once and shared.
#[test]
fn fan_out_to_1000_peers_allocates_per_message_not_per_peer() {
    let server = TestServer::start_default();
    let mut sender = server.login("sender");
    let mut peers: Vec<Client> = (0..PEERS).map(|i| server.login(&format!("p{i}"))).collect();
    // Warm-up: every queue has had a line, every buffer its first use.
    sender.send("warm-up\n");
    for p in peers.iter_mut() {
        read_until_tail(p, b"sender: warm-up\r\n");
    }
    // The sender has seen everyone join (drain its socket the same way).
    read_until_tail(
        &mut sender,
        format!("*** p{} has joined\r\n", PEERS - 1).as_bytes(),
    );

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    sender.send("measured\n");
    for p in peers.iter_mut() {
        read_until_tail(p, b"sender: measured\r\n");
    }
    let used = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert!(
        used <= 8,
        "one message to {PEERS} peers made {used} allocations"
    );
    println!("allocations for one message to {PEERS} peers: {used}");
}
