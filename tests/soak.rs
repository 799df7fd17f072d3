//! Soak: many clients of every bad kind against the real binary at once.
//!
//! Normal chatters, flooders, never-readers, garbage senders, clients that
//! vanish with a reset, reconnect loops and name-prompt squatters run side by
//! side. Afterwards the server must be alive, its memory back near its idle
//! level, every normal chatter must have received every normal chatter's
//! line complete and in order, and only clients that earned a drop got one.
//!
//! `soak_short` runs in `make tests`; `soak_full` (300 clients, 30 s) is
//! `#[ignore]`d and run by `make soak`.

mod util;

use linechat::config::NO_ADDRESS_LIMITS;
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use util::chatter::Chatter;
use util::{Client, spawn_binary};

/// How many clients of each kind, and for how long they run.
struct Plan {
    normal: usize,
    per_bad_kind: usize,
    duration: Duration,
}

#[test]
fn soak_short() {
    soak(Plan {
        normal: 24,
        per_bad_kind: 6,
        duration: Duration::from_secs(6),
    });
}

#[test]
#[ignore = "30 s soak; run by `make soak`"]
fn soak_full() {
    soak(Plan {
        normal: 120,
        per_bad_kind: 30,
        duration: Duration::from_secs(30),
    });
}

/// What the run observed, shared by all client threads.
#[derive(Default)]
struct Tally {
    /// Lines each normal chatter sent (index = chatter number).
    sent: Mutex<Vec<u64>>,
    /// `*** <name> has left` notices seen by normal chatters, by name prefix.
    leaves_seen: Mutex<HashMap<String, u64>>,
    /// Bytes flooders got into their sockets / garbage bytes written / resets
    /// / reconnects made / squatters timed out.
    flood_bytes: AtomicU64,
    garbage_bytes: AtomicU64,
    resets: AtomicU64,
    reconnects: AtomicU64,
    squats: AtomicU64,
    /// Never-readers the server closed.
    slow_closed: AtomicU64,
}

fn soak(plan: Plan) {
    // Every client comes from 127.0.0.1: the per-address limits would turn
    // most of them away before they could attack anything.
    let flags = [
        "--max-outbuf",
        "32768",
        "--login-timeout",
        "2",
        "--rate",
        "10",
        "--burst",
        "20",
    ];
    let (mut child, addr) = spawn_binary(&[&flags[..], NO_ADDRESS_LIMITS].concat());
    let pid = child.id();
    let idle_rss = rss_kib(pid);

    // Normal chatters log in first, one after another, so each has seen
    // everyone's join before anything is said: every line they send later is
    // sent while all of them are connected.
    let tally = Arc::new(Tally::default());
    *tally.sent.lock().unwrap() = vec![0; plan.normal];
    let mut normals: Vec<Client> = Vec::new();
    for i in 0..plan.normal {
        let mut c = Client::connect(addr);
        c.login(&format!("n{i}"));
        normals.push(c);
    }
    let last_join = format!("*** n{} has joined", plan.normal - 1);
    for c in normals.iter_mut().take(plan.normal - 1) {
        c.skip_until(&last_join);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + plan.duration;
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let k = plan.per_bad_kind;
    for i in 0..k {
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || flooder(addr, i, &t, &s)));
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || never_reader(addr, i, &t, &s)));
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || garbage(addr, i, &t, &s)));
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || vanisher(addr, i, &t, &s)));
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || reconnector(addr, i, &t, &s)));
        let (t, s) = (tally.clone(), stop.clone());
        threads.push(std::thread::spawn(move || squatter(addr, i, &t, &s)));
    }
    let normal_threads: Vec<JoinHandle<(Vec<u64>, Client)>> = normals
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let t = tally.clone();
            let n = plan.normal;
            std::thread::spawn(move || chatter(c, i, n, deadline, &t))
        })
        .collect();

    // Every normal chatter's view: lines received from each other chatter.
    // Their connections stay open until all are done, so any leave of a
    // normal chatter seen during the run was a real drop.
    let (received, normals): (Vec<Vec<u64>>, Vec<Client>) = normal_threads
        .into_iter()
        .map(|t| t.join().expect("a normal chatter failed"))
        .unzip();
    drop(normals);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("an attacker thread panicked");
    }

    let sent = tally.sent.lock().unwrap().clone();
    let leaves = tally.leaves_seen.lock().unwrap().clone();
    let end_rss = rss_kib(pid);
    let total_sent: u64 = sent.iter().sum();
    println!(
        "soak: {} normal chatters sent {total_sent} lines, each received all {} of the others' lines in order",
        plan.normal,
        total_sent - total_sent / plan.normal as u64,
    );
    println!(
        "soak: {k} each of flooders ({} bytes written before flood control held them), never-readers ({} closed as too slow), garbage senders ({} bytes), \
         vanishers ({} resets), reconnect loops ({} logins), squatters ({} timed out)",
        tally.flood_bytes.load(Ordering::Relaxed),
        tally.slow_closed.load(Ordering::Relaxed),
        tally.garbage_bytes.load(Ordering::Relaxed),
        tally.resets.load(Ordering::Relaxed),
        tally.reconnects.load(Ordering::Relaxed),
        tally.squats.load(Ordering::Relaxed),
    );
    println!("soak: leaves seen by normal chatters by kind: {leaves:?}");
    println!("soak: server RSS idle {idle_rss} KiB, after {end_rss} KiB");
    for (me, got) in received.iter().enumerate() {
        for (from, &n) in got.iter().enumerate() {
            if from != me {
                assert_eq!(
                    n, sent[from],
                    "n{me} got {n} of n{from}'s {} lines",
                    sent[from]
                );
            }
        }
    }
    assert!(
        !leaves.keys().any(|kind| kind == "n" || kind == "flood"),
        "a well-behaved client was dropped: {leaves:?}"
    );

    // Still alive and serving.
    let mut a = Client::connect(addr);
    a.login("after1");
    let mut b = Client::connect(addr);
    b.login("after2");
    // Leaves of the last clients may still be arriving; skip them.
    a.skip_until("*** after2 has joined");
    b.send("still here\n");
    a.skip_until("after2: still here");
    drop((a, b));

    assert!(
        tally.slow_closed.load(Ordering::Relaxed) > 0,
        "no never-reader was dropped"
    );
    assert!(
        end_rss < idle_rss + 16 * 1024,
        "RSS did not return near idle: {idle_rss} -> {end_rss} KiB"
    );

    child.signal(libc::SIGTERM);
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// The server's resident memory in KiB (`linechat::sys`).
fn rss_kib(pid: u32) -> u64 {
    linechat::sys::process_rss(pid).expect("VmRSS from /proc/PID/status") / 1024
}

/// A normal chatter ([`Chatter`]): a numbered line every ~150 ms until the
/// deadline, reading everything; then a `done` line, and reading until every
/// other chatter's `done` arrived. Returns how many lines it got from each
/// chatter (none from itself), having checked that each chatter's lines
/// came complete and in order; counts the leave notices it saw in `tally`.
fn chatter(
    mut c: Client,
    me: usize,
    n: usize,
    deadline: Instant,
    tally: &Tally,
) -> (Vec<u64>, Client) {
    let chatter = Chatter {
        me: format!("n{me}"),
        peers: (0..n)
            .filter(|&i| i != me)
            .map(|i| format!("n{i}"))
            .collect(),
        every: Duration::from_millis(150),
    };
    let count_leaves = |line: &str| {
        if let Some(name) = line
            .strip_prefix("*** ")
            .and_then(|l| l.strip_suffix(" has left"))
        {
            let kind: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            *tally.leaves_seen.lock().unwrap().entry(kind).or_default() += 1;
        }
    };
    let chatted = chatter
        .run(&mut c.stream, || Instant::now() >= deadline, count_leaves)
        .unwrap_or_else(|e| panic!("{e}"));
    tally.sent.lock().unwrap()[me] = chatted.sent;
    let mut got = chatted.got;
    got.insert(me, 0);
    (got, c)
}

/// A connected client that logs in as `name`, or `None` if the server
/// refused or dropped it before the welcome.
fn login(addr: SocketAddr, name: &str) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    arrived(&mut s, b"Enter your name: ").then_some(())?;
    s.write_all(format!("{name}\n").as_bytes()).ok()?;
    arrived(&mut s, b"\r\n").then_some(s)
}

/// Whether `tail` arrived before EOF or the read timeout.
fn arrived(s: &mut TcpStream, tail: &[u8]) -> bool {
    util::read_until(s, tail).ends_with(tail)
}

/// Reads and discards whatever is waiting, without blocking long.
fn drain(s: &mut TcpStream) -> bool {
    let _ = s.set_read_timeout(Some(Duration::from_millis(5)));
    let mut b = [0u8; 64 * 1024];
    loop {
        match s.read(&mut b) {
            Ok(0) => return false,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return true;
            }
            Err(_) => return false,
        }
    }
}

/// Sends as fast as it can (flood control paces it) and reads everything.
fn flooder(addr: SocketAddr, i: usize, tally: &Tally, stop: &AtomicBool) {
    let Some(mut s) = login(addr, &format!("flood{i}")) else {
        return;
    };
    s.set_nonblocking(true).unwrap();
    let batch = "flooding the room with text\n".repeat(50);
    let mut b = [0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match s.write(batch.as_bytes()) {
            Ok(n) => {
                tally.flood_bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("flooder {i} lost its connection: {e}"),
        }
        loop {
            match s.read(&mut b) {
                Ok(0) => panic!("flooder {i} was disconnected"),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("flooder {i}: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Logs in with a tiny receive buffer and never reads: it must be dropped.
fn never_reader(addr: SocketAddr, i: usize, tally: &Tally, stop: &AtomicBool) {
    let Some(mut s) = connect_small_rcvbuf(addr) else {
        return;
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    if !arrived(&mut s, b"Enter your name: ") {
        return;
    }
    let _ = s.write_all(format!("mute{i}\n").as_bytes());
    // Says one line now and then so the room has traffic to queue for it, but
    // never reads. Once the server gives up on it, writes start failing.
    // It waits at most 10 s past the end of the run.
    let mut give_up: Option<Instant> = None;
    while give_up.is_none_or(|t| Instant::now() < t) {
        if give_up.is_none() && stop.load(Ordering::Relaxed) {
            give_up = Some(Instant::now() + Duration::from_secs(10));
        }
        if s.write_all(b"I never read\n").is_err() {
            tally.slow_closed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
        // A closed connection shows as readable EOF or reset; peek without
        // consuming the queued chat (peek returns data first, EOF at the end).
        let mut probe = [0u8; 1];
        s.set_nonblocking(true).unwrap();
        let gone = matches!(s.peek(&mut probe), Ok(0));
        s.set_nonblocking(false).unwrap();
        if gone {
            tally.slow_closed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
}

/// Connects with a tiny receive buffer and segment size set before the
/// handshake, so little of what it does not read can hide in kernel buffers.
fn connect_small_rcvbuf(addr: SocketAddr) -> Option<TcpStream> {
    let options = util::SocketOptions {
        rcvbuf: Some(4096),
        maxseg: Some(536),
        ..Default::default()
    };
    util::connect_with(addr, options).ok()
}

/// Logs in and sends random bytes (with line ends now and then), reading
/// and discarding everything it is sent.
fn garbage(addr: SocketAddr, i: usize, tally: &Tally, stop: &AtomicBool) {
    let Some(mut s) = login(addr, &format!("junk{i}")) else {
        return;
    };
    let mut x: u64 = 0x2545_f491_4f6c_dd1d ^ (i as u64 + 1);
    while !stop.load(Ordering::Relaxed) {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Keep '/' out so no garbage line is ever a command.
                match x as u8 {
                    b'/' => b'\n',
                    b => b,
                }
            })
            .collect();
        if s.write_all(&bytes).is_err() {
            return;
        }
        tally.garbage_bytes.fetch_add(512, Ordering::Relaxed);
        if !drain(&mut s) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Logs in, says something, and vanishes with a TCP reset; again and again.
fn vanisher(addr: SocketAddr, i: usize, tally: &Tally, stop: &AtomicBool) {
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        let Some(mut s) = login(addr, &format!("gone{i}x{round}")) else {
            return;
        };
        let _ = s.write_all(b"here one moment\n");
        // SO_LINGER with a zero timeout makes close() send RST.
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: setsockopt on our own open socket.
        unsafe {
            use std::os::fd::AsRawFd;
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
        drop(s);
        tally.resets.fetch_add(1, Ordering::Relaxed);
        round += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Connect, log in, say one line, /quit, repeat.
fn reconnector(addr: SocketAddr, i: usize, tally: &Tally, stop: &AtomicBool) {
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        let Some(mut s) = login(addr, &format!("again{i}x{round}")) else {
            return;
        };
        let _ = s.write_all(b"hello and goodbye\n/quit\n");
        if arrived(&mut s, b"*** Bye!\r\n") {
            tally.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        round += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Connects and sits at the name prompt until the login timeout closes it.
fn squatter(addr: SocketAddr, _i: usize, tally: &Tally, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(addr) else {
            return;
        };
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        if arrived(&mut s, b"*** Login timed out\r\n") {
            tally.squats.fetch_add(1, Ordering::Relaxed);
        }
    }
}
