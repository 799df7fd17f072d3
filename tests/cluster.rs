//! Two linechat nodes sharing their rooms through a real redis-server
//! (`--redis`, first slice): joins, chat lines, `/who`, rooms, private
//! messages and leaving cross from one node to the other. Each node is the
//! `linechat` binary; every wait is a read with a deadline. Without a
//! redis-server the test skips with a message.

#[path = "util/redis.rs"]
mod redis_server;
mod util;

use redis_server::RedisServer;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use util::Client;

/// How long a node may take to listen and to find its place in the stream.
const START: Duration = Duration::from_secs(10);

/// A node that is killed when the test ends, whatever happens.
struct Node {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    /// Starts the binary with `--redis url` and returns once it listens and
    /// its reader knows where the stream ends (its log says both), so no
    /// event published after this is missed by it.
    fn start(url: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_linechat"))
            .args(["--addr", "127.0.0.1:0", "--rate", "0", "--redis", url])
            .args(linechat::config::NO_ADDRESS_LIMITS)
            .env("RUST_LOG", "info")
            .env_remove("LINECHAT_REDIS")
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn linechat");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("LINECHAT_TEST_LOG").is_some() {
                    eprintln!("node: {line}");
                }
                let _ = tx.send(line);
            }
        });
        let mut addr = None;
        let mut reading = false;
        while addr.is_none() || !reading {
            let line = rx.recv_timeout(START).expect("node did not start");
            if let Some(rest) = line.split("listening on ").nth(1) {
                addr = rest.split_whitespace().next().map(|a| a.parse().unwrap());
            }
            reading |= line.contains("registered with Redis");
        }
        Node {
            child,
            addr: addr.unwrap(),
        }
    }
}

/// Alice on node A and bob on node B: each sees the other join, 50 lines
/// each way arrive in order and once, `/who` lists both, a move to another
/// room is seen as a leave and its lines stay there, private messages cross
/// both ways, and a closed connection is announced on the other node.
#[test]
fn two_nodes_share_a_room_through_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url(0);
    let (a, b) = (Node::start(&url), Node::start(&url));

    let mut alice = Client::connect(a.addr);
    alice.login("alice");
    let mut bob = Client::connect(b.addr);
    let welcome = bob.login("bob");
    // Node B may apply alice's join before bob's login or just after it.
    if welcome == "*** Welcome, bob! #lobby: 1 online: bob" {
        bob.expect_line("*** alice has joined");
    } else {
        assert_eq!(welcome, "*** Welcome, bob! #lobby: 2 online: alice, bob");
    }
    alice.expect_line("*** bob has joined");
    // From here on each node has applied every join before the next login.
    let mut carol = Client::connect(a.addr);
    let welcome = carol.login("carol");
    assert_eq!(
        welcome,
        "*** Welcome, carol! #lobby: 3 online: alice, bob, carol"
    );
    alice.expect_line("*** carol has joined");
    bob.expect_line("*** carol has joined");
    let mut dave = Client::connect(b.addr);
    let welcome = dave.login("dave");
    assert_eq!(
        welcome,
        "*** Welcome, dave! #lobby: 4 online: alice, bob, carol, dave"
    );
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect_line("*** dave has joined");
    }

    // 50 lines each way, sent at once: each side gets the other's lines,
    // in order, then the closing line right after (nothing doubled).
    let a_lines: String = (0..50).map(|i| format!("a-{i}\n")).collect();
    let b_lines: String = (0..50).map(|i| format!("b-{i}\n")).collect();
    alice.send(&a_lines);
    bob.send(&b_lines);
    alice.send("a-end\n");
    bob.send("b-end\n");
    for i in 0..50 {
        alice.expect_line(&format!("bob: b-{i}"));
        bob.expect_line(&format!("alice: a-{i}"));
    }
    alice.expect_line("bob: b-end");
    bob.expect_line("alice: a-end");
    // Carol (A) and dave (B) see both senders; each one's lines in order.
    for reader in [&mut carol, &mut dave] {
        let (mut next_a, mut next_b) = (0, 0);
        while next_a <= 50 || next_b <= 50 {
            let line = reader.line();
            let (next, sender, prefix) = if line.starts_with("alice: ") {
                (&mut next_a, "alice", "a")
            } else {
                (&mut next_b, "bob", "b")
            };
            let want = match *next {
                50 => format!("{sender}: {prefix}-end"),
                n => format!("{sender}: {prefix}-{n}"),
            };
            assert_eq!(line, want);
            *next += 1;
        }
    }

    alice.send("/who\n");
    let who = alice.line();
    assert!(who.starts_with("*** 4 online: alice (idle "), "{who}");
    for name in ["bob", "carol", "dave"] {
        assert!(who.contains(&format!(", {name} (idle ")), "{who}");
    }

    // Bob moves to #x: node A sees him leave; his lines there stay there.
    bob.send("/join #x\n");
    bob.expect_line("*** Welcome, bob! #x: 1 online: bob");
    for c in [&mut alice, &mut carol] {
        c.expect_line("*** bob has left for #x");
    }
    dave.expect_line("*** bob has left for #x");
    carol.send("/join #x\n");
    carol.expect_line("*** Welcome, carol! #x: 2 online: bob, carol");
    bob.expect_line("*** carol has joined");
    for c in [&mut alice, &mut dave] {
        c.expect_line("*** carol has left for #x");
    }
    bob.send("in-x\n/msg alice after-x\n");
    carol.expect_line("bob: in-x");
    bob.expect_line("[pm -> alice] after-x");
    // Had "bob: in-x" reached #lobby, it would come before this.
    alice.expect_line("[pm] bob: after-x");

    alice.send("/msg bob hi-bob\n");
    alice.expect_line("[pm -> bob] hi-bob");
    bob.expect_line("[pm] alice: hi-bob");

    // Bob comes back and goes: node A is told both.
    bob.send("/join #lobby\n");
    bob.expect_line("*** Welcome, bob! #lobby: 3 online: alice, bob, dave");
    carol.expect_line("*** bob has left for #lobby");
    alice.expect_line("*** bob has joined");
    dave.expect_line("*** bob has joined");
    bob.close();
    alice.expect_line("*** bob has left");
    dave.expect_line("*** bob has left");
}
