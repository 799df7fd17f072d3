//! Limits and lifecycle: slow readers, full server, per-address cap, login
//! and idle timeouts, flood control and fairness.

use crate::util;

use linechat::Config;
use std::io::Read;
use std::time::{Duration, Instant};
use util::{Client, GREETING, TestServer, sync, unlimited};

/// Lines sent by `sender` to the room of `reader` and of a client called
/// `stuck` that never reads: far more than the kernel's socket buffers
/// and a 256 KiB `--max-outbuf`. The sender stays at most two batches
/// (about 100 KB) ahead of the reader, so the reader keeps up and only the
/// stuck client falls behind. The reader must get every line, in order,
/// and hear the stuck client leave. Returns the sender, still open: closing
/// with unread input would reset the connection and lose its last lines
/// in the server.
pub(crate) fn flood_past_a_stuck_reader(reader: &mut Client, mut sender: Client) -> Client {
    let (ack, acked) = std::sync::mpsc::channel::<()>();
    let payload = "p".repeat(500);
    let writer = std::thread::spawn(move || {
        for i in 0..STUCK_LINES {
            if i >= 2 * STUCK_BATCH && i % STUCK_BATCH == 0 {
                acked.recv().expect("reader gone");
            }
            sender.send(&format!("{i} {payload}\n"));
        }
        sender
    });
    let mut left_seen = false;
    let mut next = 0;
    while next < STUCK_LINES {
        let line = reader.line();
        if line == "*** stuck has left" {
            left_seen = true;
            continue;
        }
        let (n, _) = line
            .strip_prefix("sender: ")
            .and_then(|rest| rest.split_once(' '))
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        assert_eq!(n.parse::<usize>().unwrap(), next, "lost or reordered");
        next += 1;
        if next % STUCK_BATCH == 0 {
            let _ = ack.send(());
        }
    }
    assert!(left_seen, "the stuck reader was never dropped");
    writer.join().unwrap()
}

/// Lines [`flood_past_a_stuck_reader`] sends, and how many the sender
/// may be ahead by (two batches).
pub(crate) const STUCK_LINES: usize = 40_000;
const STUCK_BATCH: usize = 100;

/// A reader that never reads is dropped at --max-outbuf; everyone else
/// receives every line, in order, and hears that it left.
#[test]
fn never_reading_client_is_dropped_and_others_lose_nothing() {
    let server = TestServer::start(Config {
        max_outbuf: 256 * 1024,
        ..unlimited()
    });
    let [mut reader, sender, mut stuck] = server.room(["reader", "sender", "stuck"]);
    let mut sender = flood_past_a_stuck_reader(&mut reader, sender);
    // What the stuck client did get is the room's lines in order, then the
    // close: its last notice if the socket had room for it.
    let got = stuck.read_to_end();
    let text = String::from_utf8(got).unwrap();
    let mut expected = 0;
    // The close may cut the last line short, the notice too (it is written
    // only as far as the socket takes it).
    let cut = (!text.ends_with("\r\n")).then(|| text.rsplit("\r\n").next().unwrap());
    for line in text.split_terminator("\r\n") {
        if Some(line) == cut && "*** Disconnected: too slow".starts_with(line) {
            continue;
        }
        if let Some(rest) = line.strip_prefix("sender: ") {
            if rest.len() < 500 {
                continue; // the cut-off last line
            }
            let n: usize = rest.split_once(' ').unwrap().0.parse().unwrap();
            assert_eq!(n, expected, "stuck client got lines out of order");
            expected += 1;
        } else {
            assert!(
                line == "*** Disconnected: too slow" || line.starts_with("sender: "),
                "unexpected {line:?}"
            );
        }
    }
    assert!(
        expected > 0 && expected < STUCK_LINES,
        "stuck client got {expected} lines"
    );
    sync(&mut sender, "sender", &mut reader);
}

/// A reader that keeps reading is never dropped, even when one iteration
/// queues more than --max-outbuf for it (the queue is written out early).
#[test]
fn fast_reader_survives_bursts_larger_than_the_cap() {
    let server = TestServer::start(Config {
        max_outbuf: 64 * 1024,
        ..unlimited()
    });
    let mut reader = server.login("reader");
    let mut senders: Vec<Client> = (0..4)
        .map(|i| {
            let c = server.login(&format!("s{i}"));
            reader.expect(&format!("*** s{i} has joined\r\n"));
            c
        })
        .collect();
    // The senders read what the others send (as real clients do), so only
    // the reader's own queue is under test.
    for s in &senders {
        let mut drain = s.stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut sink = [0u8; 16 * 1024];
            while matches!(drain.read(&mut sink), Ok(n) if n > 0) {}
        });
    }
    let line = "q".repeat(1000);
    let mut batch = String::new();
    for _ in 0..64 {
        batch.push_str(&line);
        batch.push('\n');
    }
    for s in senders.iter_mut() {
        s.send(&batch);
    }
    let mut got = 0;
    while got < 4 * 64 {
        let l = reader.line();
        assert!(l.ends_with(&line), "unexpected {l:?}");
        got += 1;
    }
    sync(&mut senders[0], "s0", &mut reader);
}

/// One connection over --max-clients is told the server is full.
#[test]
fn server_full_is_refused_until_a_slot_frees() {
    let server = TestServer::start(Config {
        max_clients: Some(2),
        ..unlimited()
    });
    let mut alice = server.login("alice");
    let bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    let mut third = server.connect();
    third.expect("*** Server is full, try again later\r\n");
    third.expect_eof();
    bob.close();
    alice.expect("*** bob has left\r\n");
    let mut fourth = server.connect();
    fourth.login("dave");
}

/// --max-per-ip turns away extra connections from one address until one leaves.
#[test]
fn per_address_limit() {
    let server = TestServer::start(Config {
        max_per_ip: 2,
        ..unlimited()
    });
    let mut alice = server.login("alice");
    let bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    let mut third = server.connect();
    third.expect("*** Too many connections from your address\r\n");
    third.expect_eof();
    bob.close();
    alice.expect("*** bob has left\r\n");
    server.login("carol");
}

/// A connection that does not pick a name in time is told and closed.
#[test]
fn login_timeout_closes_the_prompt() {
    let server = TestServer::start(Config {
        login_timeout: Duration::from_millis(300),
        ..unlimited()
    });
    let mut alice = server.login("alice");
    let mut idle = server.connect();
    idle.expect(GREETING);
    idle.send("bad name\n");
    idle.expect("*** Invalid name: use only letters, digits, _ and -\r\nEnter your name: ");
    // The notice starts on a line of its own, not after the prompt.
    idle.expect("\r\n*** Login timed out\r\n");
    idle.expect_eof();
    // A user who logged in in time is not affected.
    let mut bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    sync(&mut alice, "alice", &mut bob);
}

/// --idle-timeout closes silent users with a notice; talking keeps you in.
#[test]
fn idle_timeout_closes_silent_users() {
    let server = TestServer::start(Config {
        idle_timeout: Some(Duration::from_millis(1000)),
        ..unlimited()
    });
    let mut talker = server.login("talker");
    let mut silent = server.login("silent");
    talker.expect("*** silent has joined\r\n");
    let start = Instant::now();
    // The talker speaks every 100 ms for 2 s, twice the timeout.
    while start.elapsed() < Duration::from_millis(2000) {
        talker.send("tick\n");
        std::thread::sleep(Duration::from_millis(100));
    }
    let lines = silent.skip_until("*** Disconnected: idle for too long");
    assert!(lines.iter().all(|l| l == "talker: tick"), "{lines:?}");
    silent.expect_eof();
    talker.expect("*** silent has left\r\n");
}

/// Flood control pauses reading: a burst beyond --burst arrives complete and
/// in order, only spread out at --rate.
#[test]
fn flood_control_delays_but_never_drops() {
    let server = TestServer::start(Config {
        rate: 100,
        burst: 10,
        ..unlimited()
    });
    let mut reader = server.login("reader");
    let mut flooder = server.login("flooder");
    reader.expect("*** flooder has joined\r\n");
    let mut all = String::new();
    for i in 0..200 {
        all.push_str(&format!("f{i}\n"));
    }
    let start = Instant::now();
    flooder.send(&all);
    for i in 0..200 {
        reader.expect_line(&format!("flooder: f{i}"));
    }
    // 10 at once, then 190 at 100 per second: at least about 1.9 s.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(1700), "not paced: {took:?}");
}

/// While one client floods as fast as it can, another client's message still
/// reaches a third quickly: each connection gets a bounded turn per iteration.
#[test]
fn a_flooder_does_not_starve_others() {
    let server = TestServer::start_default();
    let [mut reader, flooder, mut talker] = server.room(["reader", "flooder", "talker"]);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = {
        let stop = stop.clone();
        let mut flooder = flooder;
        std::thread::spawn(move || {
            let batch = "flood flood flood flood flood flood flood flood\n".repeat(200);
            // Keep draining what the server sends the flooder so it is not dropped.
            flooder
                .stream
                .set_read_timeout(Some(Duration::from_millis(1)))
                .unwrap();
            let mut sink = [0u8; 64 * 1024];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                flooder.send(&batch);
                let _ = flooder.stream.read(&mut sink);
            }
        })
    };
    // Wait until the flood is flowing to the reader.
    reader.skip_until("flooder: flood flood flood flood flood flood flood flood");
    let mut worst = Duration::ZERO;
    for probe in 0..5 {
        let sent = Instant::now();
        talker.send(&format!("probe {probe}\n"));
        reader.skip_until(&format!("talker: probe {probe}"));
        worst = worst.max(sent.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flood.join().unwrap();
    assert!(worst < Duration::from_millis(100), "starved for {worst:?}");
}
