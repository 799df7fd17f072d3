//! Rooms over real sockets: moving, listing, topics, history, isolation.

mod util;

use linechat::Config;
use util::{Client, TestServer, sync, unlimited};

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
    bob.send("/join #bad name\n");
    bob.expect("*** Invalid room name: use only a-z, 0-9, _ and -\r\n");
    bob.send("/join\n");
    bob.expect("*** Usage: /join ROOM\r\n");
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
