//! The readiness barrier against a slow server: the measured line must not
//! wait behind copies of the barrier's token that were resent while the
//! first was still on its way.
//!
//! The server here is a stand-in for a slow chat server: it greets every
//! client, and relays each line to every other client one line at a time,
//! [`RELAY_DELAY`] after the one before (a queue, as a big room's fan-out
//! is). The barrier's first copy takes that long to arrive, longer than
//! the generator waits before it resends; the resent copy then sits in
//! the queue ahead of the measured line.

mod common;

use common::{field, generator};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How long the stand-in server takes to relay each line.
const RELAY_DELAY: Duration = Duration::from_millis(150);

/// Starts the stand-in server on a free port: its address. Its threads
/// end with the test process.
fn slow_relay() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().unwrap().to_string();
    let peers: Arc<Mutex<Vec<(usize, TcpStream)>>> = Arc::default();
    let (lines, queue) = mpsc::channel::<(usize, String)>();
    let relayed = peers.clone();
    thread::spawn(move || {
        for (from, line) in queue {
            thread::sleep(RELAY_DELAY);
            for (id, peer) in relayed.lock().unwrap().iter_mut() {
                if *id != from {
                    let _ = peer.write_all(line.as_bytes());
                }
            }
        }
    });
    thread::spawn(move || {
        for (id, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.write_all(b"hello\r\n");
            peers
                .lock()
                .unwrap()
                .push((id, stream.try_clone().unwrap()));
            let lines = lines.clone();
            thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    let _ = lines.send((id, format!("{line}\r\n")));
                }
            });
        }
    });
    addr
}

/// One broadcast through a server that relays a line in 150 ms is timed
/// at about 150 ms: the barrier's resent copy is read before the line is
/// sent. (Timed behind that copy, it took 300 ms.)
#[test]
fn the_measured_line_does_not_wait_behind_resent_barrier_copies() {
    let addr = slow_relay();
    let (out, _) = generator(&[
        "idle",
        "--addr",
        &addr,
        "--clients",
        "3",
        "--no-name",
        "--timeout",
        "20",
        "--json",
        "--quiet",
    ]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{json} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p99: u64 = field(&json, "p99_us").unwrap().parse().unwrap();
    let delay = RELAY_DELAY.as_micros() as u64;
    assert!(p99 >= delay && p99 < delay * 5 / 3, "p99 {p99} µs: {json}");
    // The kernel stamped its arrival in each socket before it was read.
    let arrival: u64 = field(&json, "arrival_p99_us").unwrap().parse().unwrap();
    assert!(
        arrival >= delay && arrival <= p99,
        "arrival p99 {arrival} µs: {json}"
    );
}
