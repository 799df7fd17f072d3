//! Rooms over real sockets: moving, listing, topics, history, isolation.

use crate::util;

use linechat::Config;
use std::net::Ipv4Addr;
use util::{Client, TestServer, connect_from, connect_small_from, metrics_values, sync, unlimited};

/// /join moves a user (names ignoring case, with or without #), the old
/// room is told where they went, the new one sees the join, and the user
/// gets the welcome naming the room.
#[test]
fn join_moves_and_welcomes() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("/join #Rust\n");
    alice.expect("*** Welcome, alice! #rust: 1 online: alice\r\n");
    bob.expect("*** alice has left for #rust\r\n");
    bob.send("/join RUST\n");
    bob.expect("*** Welcome, bob! #rust: 2 online: alice, bob\r\n");
    alice.expect("*** bob has joined\r\n");
    bob.send("/join rust\n");
    bob.expect("*** You are already in #rust\r\n");
    bob.send("/join #bad.name\n");
    bob.expect("*** Invalid room name: use only a-z, 0-9, _ and -\r\n");
    bob.send("/join\n");
    bob.expect("*** Usage: /join ROOM [KEY]\r\n");
    sync(&mut bob, "bob", &mut alice);
}

/// Nothing said in one room reaches another, under load: 10 rooms of 3,
/// every member talking at once; /who is per room, /msg crosses rooms.
#[test]
fn rooms_are_isolated_under_load() {
    let server = TestServer::start(unlimited());
    let mut rooms: Vec<Vec<Client>> = Vec::new();
    for r in 0..10 {
        let mut members = Vec::new();
        for m in 0..3 {
            let mut c = server.login(&format!("r{r}m{m}"));
            c.send(&format!("/join #room{r}\n"));
            let welcome = c.line();
            assert!(welcome.starts_with(&format!("*** Welcome, r{r}m{m}! #room{r}: ")));
            members.push(c);
        }
        rooms.push(members);
    }
    // Drain the join and leave notices each member saw while others moved.
    for (r, members) in rooms.iter_mut().enumerate() {
        for (m, c) in members.iter_mut().enumerate() {
            for later in m + 1..3 {
                c.skip_until(&format!("*** r{r}m{later} has joined"));
            }
        }
    }
    for (r, members) in rooms.iter_mut().enumerate() {
        for (m, c) in members.iter_mut().enumerate() {
            let burst: String = (0..50).map(|i| format!("r{r}m{m} line {i}\n")).collect();
            c.send(&burst);
        }
    }
    for (r, members) in rooms.iter_mut().enumerate() {
        for (m, c) in members.iter_mut().enumerate() {
            let mut next = [0usize; 3];
            for _ in 0..100 {
                let line = c.line();
                let (who, rest) = line.split_once(": ").expect("a chat line");
                assert!(
                    who.starts_with(&format!("r{r}m")),
                    "{line:?} reached room {r}"
                );
                let from: usize = who[who.len() - 1..].parse().unwrap();
                assert_ne!(from, m, "own line echoed");
                assert_eq!(rest, format!("{who} line {}", next[from]));
                next[from] += 1;
            }
            c.send("/who\n");
            let who = c.line();
            assert!(who.starts_with("*** 3 online: "), "{who}");
        }
    }
    let [first, second] = &mut rooms[..2] else {
        unreachable!()
    };
    first[0].send("/msg r1m0 across\n");
    second[0].expect("[pm] r0m0: across\r\n");
}

/// /rooms lists busiest first; an empty room without a topic goes, one
/// with a topic stays; the topic is shown on join and can be cleared.
#[test]
fn rooms_topics_and_lifecycle() {
    let server = TestServer::start_default();
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("/join side\n");
    alice.line();
    bob.expect("*** alice has left for #side\r\n");
    bob.send("/rooms\n");
    bob.expect("*** 2 rooms: #lobby (1), #side (1)\r\n");
    alice.send("/join lobby\n");
    alice.line();
    bob.expect("*** alice has joined\r\n");
    bob.send("/rooms\n");
    bob.expect("*** 1 room: #lobby (2)\r\n");

    bob.send("/topic\n");
    bob.expect("*** #lobby has no topic; set one with /topic TEXT\r\n");
    bob.send("/topic   friendly   chat\n");
    bob.expect("*** bob set the topic: friendly   chat\r\n");
    alice.expect("*** bob set the topic: friendly   chat\r\n");
    alice.send("/join away\n");
    alice.line();
    bob.expect("*** alice has left for #away\r\n");
    alice.send("/join lobby\n");
    alice.expect("*** Welcome, alice! #lobby: 2 online: alice, bob\r\n");
    alice.expect("*** Topic: friendly   chat\r\n");
    bob.expect("*** alice has joined\r\n");
    alice.send(&format!("/topic {}\n", "x".repeat(201)));
    alice.expect("*** Topic too long (max 200 bytes), not set\r\n");
    alice.send("/topic -\n");
    alice.expect("*** alice cleared the topic\r\n");
    bob.expect("*** alice cleared the topic\r\n");
}

/// /history shows the requester alone the room's last lines, oldest first,
/// each with its time; it is bounded by --history and checks its count.
#[test]
fn history_on_request() {
    let server = TestServer::start(Config {
        history: 5,
        ..unlimited()
    });
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    for i in 0..7 {
        alice.send(&format!("line {i}\n"));
        bob.expect(&format!("alice: line {i}\r\n"));
    }
    bob.send("/history 3\n");
    bob.expect_line("*** Last 3 lines of #lobby:");
    for i in 4..7 {
        let line = bob.line();
        let (stamp, text) = line.split_at(11);
        assert!(stamp.starts_with('[') && stamp.ends_with("] "), "{line:?}");
        assert_eq!(text, format!("alice: line {i}"));
    }
    bob.send("/history\n");
    bob.expect_line("*** Last 5 lines of #lobby:");
    for i in 2..7 {
        assert!(bob.line().ends_with(&format!("alice: line {i}")));
    }
    bob.send("/history 6\n");
    bob.expect("*** Usage: /history [N], N from 1 to 5\r\n");
    // Nothing was replayed to a newcomer, and alice saw none of it.
    let mut carol = server.login("carol");
    bob.expect("*** carol has joined\r\n");
    alice.expect("*** carol has joined\r\n");
    sync(&mut carol, "carol", &mut alice);
}

/// A client of `server` from the loopback address `127.0.0.<host>`,
/// logged in as `name`.
fn login_from(server: &TestServer, host: u8, name: &str) -> Client {
    let mut c = Client::from_stream(connect_from(Ipv4Addr::new(127, 0, 0, host), server.addr));
    c.login(name);
    c
}

/// /history is priced like output: 20 connections from 4 addresses ask
/// for the full history of a room over and over and never read. Each gets
/// at most what fits in half its queue and half the server's output
/// memory, then a refusal, and later its budget of history lines runs out;
/// nobody is dropped, the output memory never passes its bound, and a
/// chatting pair gets every line.
#[test]
fn history_floods_are_refused_not_queued() {
    const OUTPUT_MEMORY: usize = 2 * 1024 * 1024;
    let server = TestServer::start_with_metrics(Config {
        history: 100,
        max_outbuf: 256 * 1024,
        max_output_memory: OUTPUT_MEMORY,
        socket_buffer: 4096,
        ip_rate: 100_000, // Per-address budgets on; lines are not what is limited.
        ..unlimited()
    });
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    let long = "x".repeat(900);
    for i in 0..100 {
        alice.send(&format!("{i} {long}\n"));
    }
    bob.skip_until(&format!("alice: 99 {long}"));
    let mut spammers = Vec::new();
    for host in 2..6u8 {
        for n in 0..5 {
            let stream = connect_small_from(Ipv4Addr::new(127, 0, 0, host), server.addr, 4096);
            let mut spammer = Client::from_stream(stream);
            let name = format!("s{host}x{n}");
            spammer.login(&name);
            alice.skip_until(&format!("*** {name} has joined"));
            bob.skip_until(&format!("*** {name} has joined"));
            spammers.push(spammer);
        }
    }
    let flood = "/history 100\n".repeat(40);
    for spammer in &mut spammers {
        spammer.send(&flood);
    }
    for i in 0..50 {
        alice.send(&format!("during {i}\n"));
        bob.expect_line(&format!("alice: during {i}"));
    }
    let mut refused = 0;
    for spammer in &mut spammers {
        // Whatever it got first, its last answer is a refusal.
        let line = spammer.skip_until_prefix("*** Too much history asked for; try again in ");
        assert!(line.ends_with('s'), "{line}");
    }
    let metrics = metrics_values(server.metrics_addr.unwrap());
    let value = |name: &str| metrics.get(name).copied().unwrap_or(-1.0);
    refused += value("linechat_history_refused_total") as i64;
    assert!(refused > 0, "some answers did not fit");
    let peak = value("linechat_output_memory_peak_bytes");
    assert!(
        peak > 0.0 && peak <= OUTPUT_MEMORY as f64,
        "output memory peaked at {peak}"
    );
    assert_eq!(value("linechat_slow_consumer_drops_total"), 0.0);
    assert_eq!(value("linechat_output_budget_drops_total"), 0.0);
    // The spammers are still there, and the pair still talks.
    for spammer in &mut spammers {
        spammer.send("/who\n");
        spammer.skip_until_prefix("*** 22 online: ");
    }
    sync(&mut bob, "bob", &mut alice);
}

/// Rooms nobody is in do not hold places: an emptied room with a topic
/// is kept for its topic but not listed or counted toward --max-rooms,
/// and gives way to a new room when all places are held. Rooms cost
/// their maker: --rooms-per-ip a burst of that many, then that many an hour.
#[test]
fn empty_rooms_go_and_rooms_cost_their_maker() {
    let server = TestServer::start(Config {
        max_rooms: 4,
        rooms_per_ip: 3,
        ..unlimited()
    });
    let mut carol = server.login("carol");
    let mut maker = login_from(&server, 8, "maker");
    carol.expect("*** maker has joined\r\n");
    for room in ["a", "b"] {
        maker.send(&format!("/join {room}\n/topic about {room}\n"));
        maker.skip_until(&format!("*** maker set the topic: about {room}"));
    }
    maker.send("/quit\n");
    maker.expect("*** Bye!\r\n");
    carol.skip_until("*** maker has left for #a");
    carol.send("/rooms\n");
    carol.expect("*** 1 room: #lobby (1)\r\n");
    carol.send("/join c\n");
    carol.expect("*** Welcome, carol! #c: 1 online: carol\r\n");

    // The address made two rooms; it may make one more this hour.
    let mut again = login_from(&server, 8, "again");
    again.send("/join d\n");
    again.expect("*** Welcome, again! #d: 1 online: again\r\n");
    again.send("/join e\n");
    let refused = again.line();
    assert!(
        refused.starts_with(
            "*** Too many rooms made from your address; join one that exists (see /rooms) or try again in "
        ),
        "{refused}"
    );
    // Joining a room that exists costs nothing; the kept topic is shown.
    again.send("/join b\n");
    again.expect("*** Welcome, again! #b: 1 online: again\r\n");
    again.expect("*** Topic: about b\r\n");
    again.send("/rooms\n");
    again.expect("*** 3 rooms: #b (1), #c (1), #lobby (0)\r\n");
}

/// Moves and topic sets are throttled per user and per address, like
/// renames; a user's moves past the fourth in a minute are told in the
/// digest, not line by line.
#[test]
fn moves_and_topics_are_throttled_and_hops_fold() {
    let server = TestServer::start(Config {
        digest_interval: std::time::Duration::from_secs(1),
        ip_rate: 100_000, // Per-address budgets on; lines are not what is limited.
        ..unlimited()
    });
    let mut carol = server.login("carol");
    let mut hop = login_from(&server, 7, "hop");
    carol.expect("*** hop has joined\r\n");
    for room in ["x", "lobby", "x", "lobby", "x"] {
        hop.send(&format!("/join {room}\n"));
        hop.skip_until_prefix(&format!("*** Welcome, hop! #{room}: "));
    }
    hop.send("/join lobby\n");
    let refused = hop.line();
    assert!(
        refused.starts_with("*** Too many room changes; try again in "),
        "{refused}"
    );
    for line in [
        "*** hop has left for #x",
        "*** hop has joined",
        "*** hop has left for #x",
        "*** hop has joined",
        "*** 1 left in the last 1 s",
    ] {
        carol.expect_line(line);
    }
    // (hop's own move into #x is in #x's digest, which hop sees too.)
    for topic in ["one", "two", "three"] {
        hop.send(&format!("/topic {topic}\n"));
        hop.skip_until(&format!("*** hop set the topic: {topic}"));
    }
    hop.send("/topic four\n");
    hop.skip_until_prefix("*** Too many topic changes; try again in ");

    // Another user of the same address shares its budgets: 10 moves and
    // 6 topic sets at once.
    let mut second = login_from(&server, 7, "second");
    carol.expect("*** second has joined\r\n");
    for room in ["y", "lobby", "y", "lobby", "y"] {
        second.send(&format!("/join {room}\n"));
        second.skip_until_prefix(&format!("*** Welcome, second! #{room}: "));
    }
    for topic in ["1", "2", "3"] {
        second.send(&format!("/topic {topic}\n"));
        second.skip_until(&format!("*** second set the topic: {topic}"));
    }
    let mut third = login_from(&server, 7, "third");
    third.send("/join z\n");
    let refused = third.line();
    assert!(
        refused.starts_with("*** Too many room changes; try again in "),
        "{refused}"
    );
    third.send("/topic mine\n");
    let refused = third.line();
    assert!(
        refused.starts_with("*** Too many topic changes; try again in "),
        "{refused}"
    );
    // Another address is not held back.
    carol.skip_until("*** third has joined");
    carol.send("/topic free\n");
    carol.expect("*** carol set the topic: free\r\n");
}
