//! Hostile clients, round two: per-address limits on by default, prompt
//! squatters, reconnect loops, aggregate line rates, senders that hang up
//! with input held, private-message pressure, rename spam, big rooms,
//! SIGHUP, and vanished peers.

use crate::util;

use linechat::Config;
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use util::{Client, TestServer, spawn_binary, sync, unlimited};

/// With default flags one address cannot take more than 10 slots.
#[test]
fn one_address_is_capped_by_default() {
    let server = TestServer::start(Config {
        rate: 0,
        ..Config::default()
    });
    // Logged in: at most 8 of them may wait at the prompt at once.
    let _held: Vec<Client> = (0..10).map(|i| server.login(&format!("u{i}"))).collect();
    let mut eleventh = server.connect();
    eleventh.expect("*** Too many connections from your address\r\n");
    eleventh.expect_eof();
}

/// --max-pending turns away connections while that many sit at the prompt;
/// one logging in makes room.
#[test]
fn prompt_squatters_cannot_starve_logins() {
    let server = TestServer::start(Config {
        max_pending: 2,
        ..unlimited()
    });
    let mut first = server.connect();
    first.expect(util::GREETING);
    let mut second = server.connect();
    second.expect(util::GREETING);
    let mut third = server.connect();
    third.expect("*** Too many connections waiting to log in, try again later\r\n");
    third.expect_eof();
    first.send("alice\n");
    first.line();
    let mut fourth = server.connect();
    fourth.login("bob");
}

/// Connections that never log in, from a few addresses, cannot keep the
/// others out: each address holds at most --max-pending-per-ip at the
/// prompt, and once --max-pending are there a newcomer from elsewhere
/// gets in, closing the oldest pending connection of the address holding
/// the most.
#[test]
fn squatters_from_a_few_addresses_cannot_fill_the_prompt() {
    let server = TestServer::start(Config {
        max_pending: 8,
        max_pending_per_ip: 4,
        ..unlimited()
    });
    let at = |n| std::net::Ipv4Addr::new(127, 0, 0, n);
    let mut squatters = Vec::new();
    for (n, count) in [(2, 4), (3, 3), (4, 1)] {
        for _ in 0..count {
            let mut c = Client::connect_from(at(n), server.addr);
            c.expect(util::GREETING);
            squatters.push(c);
        }
    }
    let mut fifth = Client::connect_from(at(2), server.addr);
    fifth.expect("*** Too many connections waiting to log in, try again later\r\n");
    fifth.expect_eof();
    // The prompt is full (8): 127.0.0.2's oldest makes room for alice.
    let mut alice = Client::connect_from(at(9), server.addr);
    alice.login("alice");
    squatters[0].expect("\r\n*** Login timed out\r\n");
    squatters[0].expect_eof();
    // The others still wait at their prompt, and one of them can log in.
    squatters[1].send("bob\n");
    squatters[1].skip_until_prefix("*** Welcome, bob!");
    alice.expect("*** bob has joined\r\n");
}

/// --login-rate: a reconnect loop from one address is refused after the
/// burst of 10, while the connections it already has are untouched.
#[test]
fn reconnect_loops_are_refused() {
    let server = TestServer::start(Config {
        login_rate: 6,
        ..unlimited()
    });
    let mut alice = server.login("alice");
    for _ in 0..9 {
        let mut c = server.connect();
        c.expect(util::GREETING);
        c.close();
    }
    let mut refused = server.connect();
    refused.expect("*** Connecting too often from your address, try again later\r\n");
    refused.expect_eof();
    alice.send("/who\n");
    alice.expect("*** 1 online: alice (idle 0s)\r\n");
}

/// --ip-rate bounds lines from one address over all its connections, and
/// still loses nothing: 5 connections pasting 40 lines each arrive at the
/// address's rate, all of them, in order per sender.
#[test]
fn one_address_shares_one_line_budget() {
    let server = TestServer::start(Config {
        ip_rate: 50,
        ..unlimited()
    });
    let mut reader = server.login("reader");
    let mut senders: Vec<Client> = Vec::new();
    for i in 0..5 {
        senders.push(server.login(&format!("s{i}")));
        reader.expect(&format!("*** s{i} has joined\r\n"));
    }
    let start = Instant::now();
    let paste: String = (0..40).map(|n| format!("{n}\n")).collect();
    for s in &mut senders {
        s.send(&paste);
    }
    let mut next = [0u32; 5];
    for _ in 0..200 {
        let line = reader.line();
        let (who, n) = line.split_once(": ").unwrap();
        let who: usize = who[1..].parse().unwrap();
        assert_eq!(n, next[who].to_string(), "order of s{who}");
        next[who] += 1;
    }
    // A burst of 100 (twice the rate), then 100 more at 50 a second.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(1700), "not shared: {took:?}");
}

/// A sender that pastes a lot and hangs up is gone within 2 s: the lines
/// flood control had not let through by then are dropped, not trickled out
/// for half a minute under its name.
#[test]
fn a_sender_that_hangs_up_leaves_promptly() {
    let server = TestServer::start(Config {
        rate: 10,
        burst: 20,
        ..unlimited()
    });
    let [mut reader, mut paster] = server.room(["reader", "paster"]);
    let paste: String = (0..200).map(|n| format!("line {n}\n")).collect();
    paster.send(&paste);
    reader.expect_line("paster: line 0");
    let closed = Instant::now();
    paster.close();
    let mut got = 1;
    loop {
        let line = reader.line();
        if line == "*** paster has left" {
            break;
        }
        assert_eq!(line, format!("paster: line {got}"));
        got += 1;
    }
    let took = closed.elapsed();
    assert!(took < Duration::from_millis(2500), "left after {took:?}");
    assert!((20..60).contains(&got), "{got} lines went through");
}

/// A flood of private messages cannot push a slow reader past its output
/// cap: past a quarter of it the sender is told, and the reader stays.
#[test]
fn private_messages_cannot_kick_a_slow_reader() {
    let server = TestServer::start(Config {
        max_outbuf: 64 * 1024,
        ..unlimited()
    });
    let [mut victim, mut sender, mut witness] = server.room(["victim", "sender", "witness"]);
    let text = "x".repeat(1000);
    let mut refused = false;
    // The victim reads nothing; kernel buffers fill first, then its queue.
    for _ in 0..20_000 {
        sender.send(&format!("/msg victim {text}\n"));
        let reply = sender.line();
        if reply == "*** victim is not reading fast enough; message not sent" {
            refused = true;
            break;
        }
        assert_eq!(reply, format!("[pm -> victim] {text}"));
    }
    assert!(refused, "never refused");
    // The victim was never dropped: it still gets everything, then chats.
    victim
        .stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    loop {
        let line = victim.line();
        if line != format!("[pm] sender: {text}") {
            panic!("unexpected {line:?}");
        }
        if victim_drained(&mut victim) {
            break;
        }
    }
    sync(&mut victim, "victim", &mut witness);
}

/// Whether nothing more is waiting for `c` right now.
fn victim_drained(c: &mut Client) -> bool {
    c.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut probe = [0u8; 1];
    let empty = c.stream.peek(&mut probe).is_err();
    c.stream.set_read_timeout(Some(util::READ_TIMEOUT)).unwrap();
    empty
}

/// All output queues together stay within --max-output-memory: past it,
/// the readers with the largest queues are dropped, while a reader that
/// keeps up is untouched.
#[test]
fn the_output_budget_drops_the_largest_queues() {
    let server = TestServer::start(Config {
        max_outbuf: 4 * 1024 * 1024,
        max_output_memory: 256 * 1024,
        ..unlimited()
    });
    let [mut witness, mut talker] = server.room(["witness", "talker"]);
    let mut stalled = Vec::new();
    for i in 0..3 {
        let c = server.login(&format!("stalled{i}"));
        small_receive_buffer(&c.stream);
        witness.expect(&format!("*** stalled{i} has joined\r\n"));
        talker.expect(&format!("*** stalled{i} has joined\r\n"));
        stalled.push(c);
    }
    let line = format!("{}\n", "y".repeat(1000));
    let mut left = 0;
    let mut sent = 0;
    // The witness reads everything; the stalled ones read nothing.
    // Each stalled reader's own cap (4 MiB) is never reached: a drop before
    // 3 MB were sent can only come from the global budget.
    while left == 0 {
        assert!(sent < 3_000, "nobody was dropped after {sent} lines");
        for _ in 0..100 {
            talker.send(&line);
        }
        sent += 100;
        for _ in 0..100 {
            let got = witness.line();
            if got.starts_with("*** stalled") && got.ends_with(" has left") {
                left += 1;
                break;
            }
        }
    }
    sync(&mut talker, "talker", &mut witness);
}

/// Shrinks a client socket's receive buffer, so what the server sends it
/// piles up in the server rather than in the kernel.
fn small_receive_buffer(stream: &TcpStream) {
    let size: libc::c_int = 4096;
    // SAFETY: a plain integer option on a valid socket.
    let rc = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(stream),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0);
}

/// Telnet answers count as output like everything else: a client asking
/// for every option while never reading leaves the memory accounting
/// exact, and the users around it keep chatting.
#[test]
fn telnet_answers_are_counted_as_output() {
    let server = TestServer::start_with_metrics(unlimited());
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let mut asker = server.connect();
    asker.expect(util::GREETING);
    let mut requests = Vec::new();
    for option in 0..=255u8 {
        requests.extend_from_slice(&[255, 253, option, 255, 251, option]);
    }
    for _ in 0..20 {
        asker.send_bytes(&requests);
    }
    sync(&mut alice, "alice", &mut bob);
    let text = util::metrics_text(server.metrics_addr.unwrap());
    let memory: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("linechat_output_memory_bytes "))
        .and_then(|v| v.parse().ok())
        .expect("output memory gauge");
    assert!(memory < 1 << 20, "output memory {memory}");
    sync(&mut bob, "bob", &mut alice);
}

/// Renames are throttled: three at once, then the user is told to wait and
/// nobody else hears of it.
#[test]
fn rename_spam_is_throttled() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    for (old, new) in [("bob", "b1"), ("b1", "b2"), ("b2", "b3")] {
        bob.send(&format!("/nick {new}\n"));
        bob.expect(&format!("*** You are now known as {new}\r\n"));
        alice.expect(&format!("*** {old} is now known as {new}\r\n"));
    }
    bob.send("/nick b4\n");
    bob.expect("*** Too many name changes; try again in 20s\r\n");
    sync(&mut bob, "b3", &mut alice);
}

/// Above --quiet-joins, joins and leaves are summed up in one line per
/// interval instead of one line each.
#[test]
fn big_rooms_get_a_digest_of_joins() {
    let server = TestServer::start(Config {
        quiet_joins: 2,
        digest_interval: Duration::from_millis(500),
        ..unlimited()
    });
    let [mut alice, _bob] = server.room(["alice", "bob"]);
    let carol = server.login("carol");
    let _dave = server.login("dave");
    carol.close();
    alice.expect("*** 2 joined, 1 left in the last 0 s\r\n");
}

/// SIGHUP no longer kills the server: it logs it and keeps serving.
#[test]
fn sighup_is_survived() {
    let (mut child, addr) = spawn_binary(&[]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    child.signal(libc::SIGHUP);
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    child.signal(libc::SIGTERM);
    alice.expect("*** Server shutting down\r\n");
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// SIGUSR1 (a state summary in the log) and SIGUSR2 (ignored) do not end
/// the server; SIGQUIT shuts it down gracefully, telling everyone.
#[test]
fn usr1_usr2_are_survived_and_quit_says_goodbye() {
    let (mut child, addr) = spawn_binary(&[]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    child.signal(libc::SIGUSR1);
    child.signal(libc::SIGUSR2);
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    child.signal(libc::SIGQUIT);
    alice.expect("*** Server shutting down\r\n");
    bob.expect("*** Server shutting down\r\n");
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// Holding the input of many flooders costs little: a connection out of
/// tokens is not read, so the kernel keeps what it sent, not the server.
#[test]
fn flooders_park_little_input_in_the_server() {
    let (child, addr) = spawn_binary(linechat::config::NO_ADDRESS_LIMITS);
    let rss = || linechat::sys::process_rss(child.id()).unwrap();
    let mut flooders: Vec<Client> = Vec::new();
    for i in 0..200 {
        let mut c = Client::connect(addr);
        c.login(&format!("f{i}"));
        flooders.push(c);
    }
    let mut watcher = Client::connect(addr);
    watcher.login("watcher");
    let before = rss();
    let paste: String = (0..4000).map(|n| format!("{n:08}\n")).collect(); // 36 KB
    for c in &mut flooders {
        c.stream.set_nonblocking(true).unwrap();
        let _ = std::io::Write::write(&mut c.stream, paste.as_bytes());
    }
    // Every flooder has been read up to its burst once the watcher sees
    // the last one's burst.
    watcher.skip_until("f199: 00000019");
    let grown = rss().saturating_sub(before);
    // 200 × (max line + one 4 KiB read) is under 1 MiB; holding whole
    // reads would be 200 × 36 KB = 7 MB.
    assert!(grown < 3 * 1024 * 1024, "RSS grew {grown} bytes");
    drop(flooders);
}

/// A peer whose network vanishes (no FIN, no RST) is dropped by keepalive
/// and announced as left. Needs root to make a network namespace.
#[test]
fn vanished_peers_are_dropped_by_keepalive() {
    let Some(net) = Netns::create() else {
        return;
    };
    let listener = std::net::TcpListener::bind((net.host_ip, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = TestServer::start_on_listener(
        Config {
            keepalive: Some(Duration::from_secs(1)),
            ..unlimited()
        },
        listener,
    );
    let mut witness = server.login("witness");
    let ghost = net.connect(addr);
    let mut ghost = Client::from_stream(ghost);
    ghost.login("ghost");
    witness.expect("*** ghost has joined\r\n");
    let vanished = Instant::now();
    net.cut();
    // Idle 1 s, then 6 probes 1 s apart: gone in about 7 s.
    witness
        .stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    witness.expect("*** ghost has left\r\n");
    let took = vanished.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let mut sink = [0u8; 64];
    let _ = ghost.stream.read(&mut sink);
}

/// A network namespace joined to this one by a veth pair.
struct Netns {
    name: String,
    host_ip: std::net::Ipv4Addr,
    host_if: String,
    peer_if: String,
}

impl Netns {
    /// Makes one, or (not root, with `LINECHAT_SKIP_ROOT=1`) records the
    /// skip and returns `None`; fails the test otherwise.
    fn create() -> Option<Netns> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            util::skip::missing(
                util::skip::SKIP_ROOT,
                "needs root to create a network namespace",
            );
            return None;
        }
        let id = std::process::id() % 250;
        let name = format!("lc-ka-{}", std::process::id());
        let host_if = format!("lcka{id}h");
        let peer_if = format!("lcka{id}p");
        let host_ip = std::net::Ipv4Addr::new(10, 211, id as u8, 1);
        let ns = Netns {
            name,
            host_ip,
            host_if,
            peer_if: peer_if.clone(),
        };
        let cmds: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), ns.name.clone()],
            vec![
                "link".into(),
                "add".into(),
                ns.host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                peer_if.clone(),
            ],
            vec![
                "link".into(),
                "set".into(),
                peer_if.clone(),
                "netns".into(),
                ns.name.clone(),
            ],
            vec![
                "addr".into(),
                "add".into(),
                format!("{host_ip}/30"),
                "dev".into(),
                ns.host_if.clone(),
            ],
            vec!["link".into(), "set".into(), ns.host_if.clone(), "up".into()],
            vec![
                "-n".into(),
                ns.name.clone(),
                "addr".into(),
                "add".into(),
                format!("10.211.{id}.2/30"),
                "dev".into(),
                peer_if.clone(),
            ],
            vec![
                "-n".into(),
                ns.name.clone(),
                "link".into(),
                "set".into(),
                peer_if,
                "up".into(),
            ],
        ];
        for args in cmds {
            // On failure, Drop cleans up what was made.
            match std::process::Command::new("ip").args(&args).status() {
                Ok(status) if status.success() => {}
                Ok(status) => panic!("`ip {}` failed: {status}", args.join(" ")),
                Err(e) => panic!("cannot run `ip` (install iproute2): {e}"),
            }
        }
        Some(ns)
    }

    /// Connects to `addr` from inside the namespace.
    fn connect(&self, addr: std::net::SocketAddr) -> TcpStream {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).unwrap();
                // SAFETY: setns on this thread only, with a namespace fd.
                let rc = unsafe {
                    libc::setns(std::os::fd::AsRawFd::as_raw_fd(&ns), libc::CLONE_NEWNET)
                };
                assert_eq!(rc, 0, "setns");
                TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap()
            })
            .join()
            .unwrap()
        })
    }

    /// Takes the namespace's end of the link down: packets to and from it
    /// vanish, and nothing tells the server.
    fn cut(&self) {
        let _ = std::process::Command::new("ip")
            .args(["-n", &self.name, "link", "set", &self.peer_if, "down"])
            .status();
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["link", "del", &self.host_if])
            .status();
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}
