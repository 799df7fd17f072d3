//! Owned rooms over real sockets: `/room register` by an operator with a
//! registered name, operators that must be registered names, the room's
//! rules, ranks and topic kept in the `--data-dir` store across a
//! restart, and through Redis for a node started after the room was
//! registered; `/room drop` releases it, and only its owner may.

use crate::cluster::Node;
use crate::util::redis::RedisServer;
use crate::util::{Client, GREETING, ServerProcess, TempDir, spawn_binary};
use std::net::SocketAddr;

/// A server keeping registered names and owned rooms in `dir/store`.
pub(crate) fn start(dir: &std::path::Path) -> (ServerProcess, SocketAddr) {
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    spawn_binary(
        &[
            &["--data-dir", store][..],
            linechat::config::NO_ADDRESS_LIMITS,
        ]
        .concat(),
    )
}

/// Logs `name` in as a guest and registers it with `password`.
pub(crate) fn registered(addr: SocketAddr, name: &str, password: &str) -> Client {
    let mut user = Client::connect(addr);
    user.login(name);
    user.send(&format!("/register {password}\n"));
    user.expect_line(&format!(
        "*** Registered {name}: logging in as {name} now asks for this password"
    ));
    user
}

/// Logs the registered `name` in with its `password`.
pub(crate) fn with_password(addr: SocketAddr, name: &str, password: &str) -> Client {
    let mut user = Client::connect(addr);
    user.expect(GREETING);
    user.send(&format!("{name}\n"));
    user.expect_password_prompt();
    user.send(&format!("{password}\n"));
    user.skip_until_prefix(&format!("*** Welcome, {name}! "));
    user
}

/// `user` goes to `room` (with `key`) and is welcomed.
fn join(user: &mut Client, name: &str, room: &str, key: &str) {
    user.send(&format!("/join {room} {key}\n"));
    user.skip_until_prefix(&format!("*** Welcome, {name}! {room}: "));
}

/// alice (registered) makes #den and registers it; bob (registered)
/// joins and is named an operator; a guest cannot be one. The room is
/// moderated, keyed, bans eve and has a topic.
fn owned_den(addr: SocketAddr) -> (Client, Client, Client) {
    let mut alice = registered(addr, "alice", "alice pw");
    let mut bob = registered(addr, "bob", "bob pw");
    let mut carol = Client::connect(addr);
    carol.login("carol");
    join(&mut alice, "alice", "#den", "");
    join(&mut bob, "bob", "#den", "");
    join(&mut carol, "carol", "#den", "");
    alice.skip_until("*** carol has joined");
    alice.send("/room register\n");
    alice.expect_line("*** alice registered the room to alice");
    carol.skip_until("*** alice registered the room to alice");
    alice.send("/op carol\n");
    alice.expect_line(
        "*** carol is not a registered name: the operators of #den, an owned room, must be",
    );
    alice.send("/op bob\n");
    alice.expect_line("*** alice made bob an operator");
    alice.send("/room moderated on\n");
    alice.expect_line("*** alice turned moderated on");
    alice.send("/room key sesame\n");
    alice.expect_line("*** alice set a key for the room");
    alice.send("/ban eve\n");
    alice.expect_line("*** alice banned eve!*@*");
    bob.send("/topic owned and kept\n");
    alice.skip_until("*** bob set the topic: owned and kept");
    carol.send("/rooms\n");
    carol.skip_until_prefix("*** 2 rooms: #den (3, owned), #lobby (0)");
    (alice, bob, carol)
}

/// A registered room comes back after a restart with its rules, topic and
/// operators; an operator who comes back is an operator again, a guest is
/// not; the owner drops it, and it goes once empty.
#[test]
fn an_owned_room_survives_a_restart_until_its_owner_drops_it() {
    let dir = TempDir::new("owned");
    let (server, addr) = start(&dir);
    let (mut alice, mut bob, mut carol) = owned_den(addr);
    bob.send("/room drop\n");
    bob.skip_until("*** Only the owner of #den or a server operator can drop it");
    carol.send("/join #cafe\n");
    carol.skip_until_prefix("*** Welcome, carol! #cafe: 1 online");
    carol.send("/room register\n");
    carol.expect_line(
        "*** Only a registered name can own a room: carol is not registered (/register PASSWORD first)",
    );
    for user in [&mut alice, &mut bob, &mut carol] {
        user.send("/quit\n");
        user.skip_until("*** Bye!");
    }
    let mut dave = Client::connect(addr);
    dave.login("dave");
    dave.send("/rooms\n");
    dave.expect_line("*** 2 rooms: #lobby (1), #den (0, owned)");
    drop(server);

    let (_server, addr) = start(&dir);
    let mut dave = Client::connect(addr);
    dave.login("dave");
    dave.send("/rooms\n");
    dave.expect_line("*** 2 rooms: #lobby (1), #den (0, owned)");
    dave.send("/join #den\n");
    dave.expect_line("*** You cannot join #den: it needs its key (/join ROOM KEY)");
    let mut bob = with_password(addr, "bob", "bob pw");
    bob.send("/join #den sesame\n");
    bob.expect_line("*** Welcome, bob! #den: 1 online: bob");
    bob.expect_line("*** Topic: owned and kept");
    bob.send("/room\n");
    bob.expect_line("*** #den: moderated, members-only, a key");
    bob.expect_line("*** #den is owned by alice; operators kept: bob");
    bob.send("/bans\n");
    bob.expect_line("*** Banned from #den: eve!*@*");
    bob.send("/room topic-lock on\n");
    bob.expect_line("*** bob turned topic-lock on");
    join(&mut dave, "dave", "#den", "sesame");
    dave.expect_line("*** Topic: owned and kept");
    bob.skip_until("*** dave has joined");
    dave.send("/room secret on\n");
    dave.expect_line("*** Only an operator of #den can do that");
    dave.send("/room drop\n");
    dave.expect_line("*** Only the owner of #den or a server operator can drop it");
    let mut alice = with_password(addr, "alice", "alice pw");
    join(&mut alice, "alice", "#den", "sesame");
    alice.expect_line("*** Topic: owned and kept");
    alice.send("/room drop\n");
    alice.expect_line("*** alice dropped the room's registration");
    bob.skip_until("*** alice dropped the room's registration");
    alice.send("/room info\n");
    alice.expect_line(
        "*** #den is not registered; an operator with a registered name may /room register it",
    );
    for user in [&mut alice, &mut bob, &mut dave] {
        user.send("/join #lobby\n");
        user.skip_until_prefix("*** Welcome, ");
    }
    alice.send("/rooms\n");
    alice.skip_until("*** 1 room: #lobby (3)");
}

/// Two nodes through Redis: a node started after the room was registered
/// knows it, its rules and its operators, and a change made there is
/// kept: once every node has stopped and Redis (with an append-only file)
/// has been killed and started again, two new nodes find the room as it
/// was left; a drop on one node releases it on the other.
#[test]
fn a_node_started_later_learns_an_owned_room_from_redis() {
    let Some(mut redis) = RedisServer::start_with_aof() else {
        return;
    };
    let a = Node::start(&redis.url(0));
    let (mut alice, mut bob, _carol) = owned_den(a.addr);
    bob.send("/quit\n");
    bob.skip_until("*** Bye!");
    // Node A saves the room after each change, from its accounts worker: a
    // node started before the last save lands would not see it (it learns
    // later changes as events). Start B once the record has the topic.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !redis
        .cli(&["HGET", "linechat:rooms", "#den"])
        .contains("owned and kept")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "node A never saved #den"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let b = Node::start(&redis.url(0));
    let mut eve = Client::connect(b.addr);
    eve.login("eve");
    eve.send("/join #den sesame\n");
    eve.expect_line("*** You cannot join #den: you are banned from it");
    let mut bob = with_password(b.addr, "bob", "bob pw");
    bob.send("/join #den sesame\n");
    bob.skip_until_prefix("*** Welcome, bob! #den: ");
    bob.expect_line("*** Topic: owned and kept");
    alice.skip_until("*** bob has joined");
    bob.send("/room\n");
    bob.expect_line("*** #den: moderated, members-only, a key");
    bob.expect_line("*** #den is owned by alice; operators kept: bob");
    bob.send("/room topic-lock on\n");
    bob.expect_line("*** bob turned topic-lock on");
    alice.expect_line("*** bob turned topic-lock on");
    // Every node stops; two new ones find the room as the last change
    // (made on B) left it.
    for node in [&a, &b] {
        node.process.signal(libc::SIGTERM);
    }
    alice.skip_until("*** Server shutting down, reconnect to continue");
    bob.skip_until("*** Server shutting down, reconnect to continue");
    // Each node's goodbye to Redis (its listing gone) is written before it
    // exits: no new node may see alice or bob in the room.
    for mut node in [a, b] {
        let limit = std::time::Duration::from_secs(10);
        assert!(node.process.wait_exit(limit).success());
    }
    // And Redis is killed and started again: its append-only file brings
    // the room back.
    redis.restart();
    let (c, d) = (Node::start(&redis.url(0)), Node::start(&redis.url(0)));
    let mut dave = Client::connect(c.addr);
    dave.login("dave");
    dave.send("/rooms\n");
    dave.expect_line("*** 2 rooms: #lobby (1), #den (0, owned)");
    let mut bob = with_password(d.addr, "bob", "bob pw");
    bob.send("/join #den sesame\n");
    bob.expect_line("*** Welcome, bob! #den: 1 online: bob");
    bob.expect_line("*** Topic: owned and kept");
    bob.send("/room\n");
    bob.expect_line("*** #den: moderated, members-only, topic-lock, a key");
    bob.expect_line("*** #den is owned by alice; operators kept: bob");
    let mut alice = with_password(c.addr, "alice", "alice pw");
    join(&mut alice, "alice", "#den", "sesame");
    alice.expect_line("*** Topic: owned and kept");
    bob.skip_until("*** alice has joined");
    alice.send("/room drop\n");
    alice.expect_line("*** alice dropped the room's registration");
    bob.expect_line("*** alice dropped the room's registration");
    bob.send("/room info\n");
    bob.expect_line(
        "*** #den is not registered; an operator with a registered name may /room register it",
    );
}

/// From IRC: `ROOM #chan REGISTER` (and `CS INFO #chan`) by a registered
/// nick that is the channel's operator; a registration told as a NOTICE;
/// `MODE +o` of a guest refused in a notice; a server operator, who does
/// not own the room, may drop it.
#[test]
fn an_irc_user_registers_a_room_and_a_server_operator_drops_it() {
    let dir = TempDir::new("owned-irc");
    let (_server, addr, irc_addr) = crate::oper::start(&dir);
    registered(addr, "ann", "annpw").send("/quit\n");
    let mut ann = Client::connect(irc_addr);
    ann.send("PASS annpw\r\nNICK ann\r\nUSER a 0 * :A\r\n");
    ann.skip_until_prefix(":linechat 422 ann ");
    ann.send("JOIN #chan\r\n");
    ann.skip_until_prefix(":linechat 366 ann #chan ");
    let mut guest = crate::util::irc::Irc::register_at(irc_addr, "guest", "");
    guest.send("JOIN #chan");
    guest.skip_until_prefix(":linechat 366 guest #chan ");
    ann.skip_until(":guest!guest@linechat JOIN #chan");
    ann.send("ROOM #chan\r\n");
    ann.expect_line(":linechat 461 ann ROOM :Not enough parameters");
    ann.send("ROOM #chan REGISTER\r\n");
    ann.expect_line(":linechat NOTICE #chan :ann registered #chan to ann");
    guest.expect_line(":linechat NOTICE #chan :ann registered #chan to ann");
    guest.send("CS DROP #chan");
    guest.skip_until_prefix(
        ":linechat NOTICE guest :Only the owner of #chan or a server operator can drop it",
    );
    ann.send("MODE #chan +o guest\r\n");
    ann.skip_until_prefix(
        ":linechat NOTICE ann :guest is not a registered name: the operators of #chan, an owned room, must be",
    );
    // Back in the channel, the owner is its operator again.
    ann.send("PART #chan\r\nJOIN #chan\r\n");
    let names = ann.skip_until_prefix(":linechat 353 ann ");
    assert!(
        names.contains("@ann") && !names.contains("@guest"),
        "{names}"
    );
    ann.skip_until_prefix(":linechat 366 ann #chan ");
    ann.send("CS INFO #chan\r\n");
    ann.skip_until_prefix(
        ":linechat NOTICE ann :#chan is owned by ann; no other operators are kept",
    );
    let mut op = crate::oper::operator_at(addr);
    op.send("/join #chan\n");
    op.skip_until_prefix("*** Welcome, operuser! #chan: 3 online");
    op.send("/room drop\n");
    op.expect_line("*** operuser dropped the room's registration");
    guest.skip_until(":linechat NOTICE #chan :operuser dropped #chan's registration");
}
