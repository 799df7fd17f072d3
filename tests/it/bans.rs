//! Bans by address or network over real sockets: `/ban 127.0.0.0/8` (or
//! IRC's `MODE +b`) keeps every connection from inside the network out of
//! the room, whatever its name; one address keeps only itself out. And
//! server-wide bans and mutes (`/gban`, `/gmute`) across two nodes.

use crate::cluster::Node;
use crate::irc_rooms::irc_addr;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, TempDir, TestServer, spawn_binary, unlimited};
use std::net::Ipv4Addr;

/// A user logged in as `name` from the loopback address `from`.
fn from(server: &TestServer, from: [u8; 4], name: &str) -> Client {
    let mut client = Client::connect_from(Ipv4Addr::from(from), server.addr);
    client.login(name);
    client
}

/// One address is banned, then the network; each keeps out exactly the
/// connections inside it, and lifting the ban lets them in.
#[test]
fn a_banned_network_cannot_join_from_any_address_in_it() {
    let server = TestServer::start_with_irc(unlimited());
    let mut alice = from(&server, [127, 0, 0, 1], "alice");
    alice.send("/join #den\n");
    alice.skip_until_prefix("*** Welcome, alice! #den: 1 online");
    alice.send("/ban 127.0.0.2\n");
    alice.expect_line("*** alice banned *!*@127.0.0.2");
    let mut carol = from(&server, [127, 0, 0, 2], "carol");
    carol.send("/join #den\n");
    carol.expect_line("*** You cannot join #den: you are banned from it");
    let mut dave = from(&server, [127, 0, 0, 3], "dave");
    dave.send("/join #den\n");
    dave.skip_until_prefix("*** Welcome, dave! #den: 2 online");
    alice.skip_until("*** dave has joined");
    alice.send("/ban 127.0.0.0/8 1h\n");
    alice.skip_until_prefix("*** alice banned *!*@127.0.0.0/8 until ");
    alice.send("/bans\n");
    let listed = alice.skip_until_prefix("*** Banned from #den: ");
    assert!(
        listed.starts_with("*** Banned from #den: *!*@127.0.0.2, *!*@127.0.0.0/8 (until "),
        "{listed}"
    );
    let mut erin = from(&server, [127, 0, 0, 9], "erin");
    erin.send("/join #den\n");
    erin.expect_line("*** You cannot join #den: you are banned from it");
    let mut frank = from(&server, [127, 0, 0, 1], "frank");
    frank.send("/join #den\n");
    frank.expect_line("*** You cannot join #den: you are banned from it");
    alice.send("/unban 127.0.0.0/8\n");
    alice.expect_line("*** alice lifted the ban on *!*@127.0.0.0/8");
    erin.send("/join #den\n");
    erin.skip_until_prefix("*** Welcome, erin! #den: 3 online");
    carol.send("/join #den\n");
    carol.skip_until("*** You cannot join #den: you are banned from it");
}

/// IRC's `MODE +b` takes a network too, written as its host mask; a
/// connection from inside it cannot JOIN (474).
#[test]
fn irc_bans_a_network_with_mode_b() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ivy = Irc::register(&server, "ivy");
    ivy.join("#v");
    ivy.send("MODE #v +b 127.0.0.0/8");
    ivy.expect_line(":ivy!ivy@linechat MODE #v +b *!*@127.0.0.0/8");
    ivy.send("MODE #v +b 2001:db8::7");
    ivy.expect_line(":ivy!ivy@linechat MODE #v +b *!*@2001:db8::/64");
    let mut kim = Irc::register(&server, "kim");
    kim.send("JOIN #v");
    kim.expect_line(":linechat 474 kim #v :Cannot join channel (+b)");
}

/// With --redis: an operator on node A mutes bob, on node B, server-wide
/// (his lines and private messages reach nobody, he is told), lifts it,
/// then bans him (put out at once, refused at his next login), and bans
/// one address (refused at connect); an IRC operator on B is told each
/// change; a user who is no operator is refused, naming the role.
#[test]
fn a_global_mute_and_ban_hold_on_another_node() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let dir = TempDir::new("gban");
    let admins = crate::oper::admins_file(&dir, "operuser\n");
    let b_irc = irc_addr();
    let a = Node::start_with(&redis.url(0), &["--admins", &admins]);
    let b_irc = b_irc.to_string();
    let b = Node::start_with(&redis.url(0), &["--admins", &admins, "--irc-addr", &b_irc]);
    crate::oper::register(a.addr);
    let mut op = crate::oper::operator_at(a.addr);
    let mut ops_b = Irc::register_at(b_irc.parse().unwrap(), "opsb", "");
    ops_b.send("OPER operuser operpassword");
    ops_b.skip_until(":opsb MODE opsb +o");
    let mut bob = Client::connect(b.addr);
    bob.login("bob");
    let mut carol = Client::connect(b.addr);
    carol.login("carol");
    op.skip_until("*** carol has joined");
    bob.skip_until("*** carol has joined");

    carol.send("/gban bob\n");
    carol.expect_line(
        "*** /gban is for server operators (accounts named in --admins, logged in with their password)",
    );
    op.send("/gmute bob\n");
    op.expect_line("*** operuser muted bob!*@* on the whole server");
    bob.expect_line(
        "*** operuser muted you on the whole server: nobody hears your lines or private messages",
    );
    bob.send("hello?\n/msg carol psst\n");
    bob.expect_line("*** You cannot speak in #lobby (moderated, or you are muted or banned)");
    bob.expect_line("*** You are muted on this server: nobody hears you");
    carol.send("marker\n");
    op.expect_line("carol: marker");
    op.send("/gunmute bob\n");
    op.expect_line("*** operuser lifted the server-wide mute on bob!*@*");
    let told = ops_b.skip_until_prefix(":linechat NOTICE opsb :operuser lifted");
    assert!(told.ends_with("the server-wide mute on bob!*@*"), "{told}");
    bob.send("heard\n");
    op.expect_line("bob: heard");

    op.send("/gban bob 1h\n");
    op.skip_until_prefix("*** operuser banned bob!*@* from the whole server until ");
    bob.skip_until("*** You are banned from this server by operuser");
    bob.expect_eof();
    carol.skip_until("*** bob was disconnected by operuser: banned from the server");
    ops_b.skip_until_prefix(":linechat NOTICE opsb :operuser banned bob!*@*");
    let mut again = Client::connect(b.addr);
    again.expect(crate::util::GREETING);
    again.send("bob\n");
    again.expect_line("*** You are banned from this server");
    again.expect_eof();

    op.send("/gban 127.0.0.5\n");
    op.skip_until("*** operuser banned *!*@127.0.0.5 from the whole server");
    ops_b.skip_until_prefix(":linechat NOTICE opsb :operuser banned *!*@127.0.0.5");
    let mut from_5 = Client::connect_from(Ipv4Addr::new(127, 0, 0, 5), b.addr);
    from_5.expect(crate::util::GREETING);
    from_5.expect_line("*** You are banned from this server");
    from_5.expect_eof();
    op.send("/gban *\n");
    op.expect_line("*** Not a mask to ban server-wide: *!*@*");
    // A node started later reads them from Redis before its first user.
    let c = Node::start_with(&redis.url(0), &["--admins", &admins]);
    let mut later = Client::connect(c.addr);
    later.expect(crate::util::GREETING);
    later.send("bob\n");
    later.expect_line("*** You are banned from this server");
    later.expect_eof();
    let mut from_5 = Client::connect_from(Ipv4Addr::new(127, 0, 0, 5), c.addr);
    from_5.expect(crate::util::GREETING);
    from_5.expect_line("*** You are banned from this server");
    from_5.expect_eof();
}

/// With `--data-dir`: a server-wide ban outlives the server's restart.
#[test]
fn a_global_ban_outlives_a_restart() {
    let dir = TempDir::new("gban-restart");
    let admins = crate::oper::admins_file(&dir, "operuser\n");
    let store = dir.join("store");
    let flags = [
        &["--data-dir", store.to_str().unwrap(), "--admins", &admins][..],
        linechat::config::NO_ADDRESS_LIMITS,
    ]
    .concat();
    let (mut server, addr) = spawn_binary(&flags);
    crate::oper::register(addr);
    let mut op = crate::oper::operator_at(addr);
    op.send("/gban carol\n");
    op.expect_line("*** operuser banned carol!*@* from the whole server");
    // A login's name lookup runs on the accounts thread after the save:
    // once erin is in, the ban is kept.
    let mut erin = Client::connect(addr);
    erin.login("erin");
    server.signal(libc::SIGTERM);
    server.wait_exit(std::time::Duration::from_secs(10));
    let (_server, addr) = spawn_binary(&flags);
    let mut carol = Client::connect(addr);
    carol.expect(crate::util::GREETING);
    carol.send("carol\n");
    carol.expect_line("*** You are banned from this server");
    carol.expect_eof();
    let mut dave = Client::connect(addr);
    dave.login("dave");
}
