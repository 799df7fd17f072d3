//! The same chat scenarios against both engines: memory (no `--redis`) and
//! Redis (one node with `--redis`, on a real redis-server). Names, topics,
//! history and renames take one path through the engine seam, so what a
//! user sees must not depend on which engine answers. So do IRC users in
//! several rooms.

use crate::cluster::Node;
use crate::irc_rooms;
use crate::util::redis::RedisServer;
use crate::util::{self, Client};
use std::net::SocketAddr;

/// A scenario: what it shows, and its steps against a fresh server.
type Scenario = (&'static str, fn(SocketAddr));

const SCENARIOS: &[Scenario] = &[
    (
        "a name is taken whatever its case",
        name_taken_ignoring_case,
    ),
    (
        "a topic is shown to who joins later",
        topic_shown_to_newcomers,
    ),
    ("/history replays the room's last lines", history_replays),
    ("a rename frees the old name", rename_frees_the_old_name),
];

fn name_taken_ignoring_case(addr: SocketAddr) {
    let mut alice = Client::connect(addr);
    alice.login("alice");
    let mut other = Client::connect(addr);
    other.expect(util::GREETING);
    other.send("ALICE\n");
    other.expect_line("*** The name 'ALICE' is taken");
}

fn topic_shown_to_newcomers(addr: SocketAddr) {
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("/topic engines agree\n");
    alice.expect_line("*** alice set the topic: engines agree");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    bob.expect_line("*** Topic: engines agree");
}

fn history_replays(addr: SocketAddr) {
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("one\ntwo\n");
    alice.send("three\n");
    alice.send("/history 2\n");
    alice.expect_line("*** Last 2 lines of #lobby:");
    for word in ["two", "three"] {
        let line = alice.line();
        assert!(line.ends_with(&format!(" alice: {word}")), "{line}");
    }
}

fn rename_frees_the_old_name(addr: SocketAddr) {
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("/nick ally\n");
    alice.expect_line("*** You are now known as ally");
    let mut bob = Client::connect(addr);
    bob.login("alice");
    let mut third = Client::connect(addr);
    third.expect(util::GREETING);
    third.send("Ally\n");
    third.expect_line("*** The name 'Ally' is taken");
}

/// IRC users in several rooms, beside a telnet user, on one server of
/// each engine (`irc_rooms.rs` runs it across two nodes).
#[test]
fn several_rooms_with_each_engine() {
    let irc = irc_rooms::irc_addr();
    let (_server, addr) = util::spawn_binary(&["--rate", "0", "--irc-addr", &irc.to_string()]);
    irc_rooms::several_rooms(addr, irc, irc);
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (node, irc) = irc_rooms::irc_node(&redis.url(0));
    irc_rooms::several_rooms(node.addr, irc, irc);
}

/// Every scenario on its own fresh server with the memory engine.
#[test]
fn scenarios_with_the_memory_engine() {
    for (what, scenario) in SCENARIOS {
        let (_server, addr) = util::spawn_binary(&["--rate", "0"]);
        eprintln!("memory engine: {what}");
        scenario(addr);
    }
}

/// Every scenario on its own fresh Redis and node with the Redis engine.
#[test]
fn scenarios_with_the_redis_engine() {
    for (what, scenario) in SCENARIOS {
        let Some(redis) = RedisServer::start() else {
            return;
        };
        let node = Node::start(&redis.url(0));
        eprintln!("redis engine: {what}");
        scenario(node.addr);
    }
}
