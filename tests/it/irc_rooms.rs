//! IRC users in several rooms at once, beside telnet users, across two
//! nodes sharing their rooms through Redis: a line reaches the room it was
//! said in only, and a nick change or a quit of a member in several rooms
//! reaches each reader once (one `NICK`, one `QUIT` line), on both nodes.

use crate::cluster::Node;
use crate::util::irc::Irc;
use crate::util::redis::{RedisServer, free_port};
use crate::util::{Client, GREETING};
use std::net::SocketAddr;

/// A node of the cluster at `url` with an IRC listener; its IRC address.
pub(crate) fn irc_node(url: &str) -> (Node, SocketAddr) {
    let irc = irc_addr();
    let node = Node::start_with(url, &["--irc-addr", &irc.to_string()]);
    (node, irc)
}

/// Registers `nick` at the IRC listener `addr`, in `rooms`, and returns
/// once the node has handled it all.
#[track_caller]
fn irc_user(addr: SocketAddr, nick: &str, rooms: &[&str]) -> Irc {
    let mut irc = Irc::register_at(addr, nick, "");
    for room in rooms {
        irc.send(&format!("JOIN {room}"));
    }
    irc.sync();
    irc
}

/// Reads `irc`'s lines up to `until`, and returns those before it.
#[track_caller]
fn lines_until(irc: &mut Irc, until: &str) -> Vec<String> {
    irc.skip_until(until)
}

/// Two nodes: tom (telnet) and ivy (IRC, in #lobby and #rust) on one, kim
/// (IRC, in #lobby and #rust) on the other.
#[test]
fn irc_users_in_several_rooms_across_two_nodes() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, a_irc) = irc_node(&redis.url(0));
    let (_b, b_irc) = irc_node(&redis.url(0));
    several_rooms(a.addr, a_irc, b_irc);

    // An IRC user in no room is known on the other node: private messages
    // reach it both ways.
    let mut tom = Client::connect(a.addr);
    tom.expect(GREETING);
    tom.send("tom\n");
    tom.skip_until_prefix("*** Welcome, tom!");
    let mut zed = irc_user(b_irc, "zed", &[]);
    zed.send("PRIVMSG tom :anyone?");
    tom.expect_line("[pm] zed: anyone?");
    tom.send("/msg zed here\n");
    tom.expect_line("[pm -> zed] here");
    let line = zed.line();
    let private = ":tom!tom@linechat PRIVMSG zed ";
    assert!(
        line.starts_with(private) && line.ends_with("here"),
        "{line}"
    );
}

/// A free address for an IRC listener.
pub(crate) fn irc_addr() -> SocketAddr {
    format!("127.0.0.1:{}", free_port()).parse().unwrap()
}

/// tom (telnet at `telnet`) in #lobby; ivy (IRC at `ivy_at`) and kim (IRC
/// at `kim_at`) both in #lobby and #rust: lines stay in their room, and
/// kim's rename and quit reach ivy as one line each, and tom too.
pub(crate) fn several_rooms(telnet: SocketAddr, ivy_at: SocketAddr, kim_at: SocketAddr) {
    let mut tom = Client::connect(telnet);
    tom.expect(GREETING);
    tom.send("tom\n");
    tom.skip_until_prefix("*** Welcome, tom!");
    let mut ivy = irc_user(ivy_at, "ivy", &["#lobby", "#rust"]);
    let mut kim = irc_user(kim_at, "kim", &["#lobby", "#rust"]);
    // kim's joins reach ivy in both rooms.
    let joins = lines_until(&mut ivy, ":kim!kim@linechat JOIN #rust");
    assert!(
        joins.contains(&":kim!kim@linechat JOIN #lobby".to_string()),
        "{joins:?}"
    );
    tom.skip_until("*** kim has joined");

    // A line to #rust reaches #rust only; one to #lobby reaches tom too.
    kim.send("PRIVMSG #rust :rust only");
    kim.send("PRIVMSG #lobby :hello lobby");
    ivy.expect_line(":kim!kim@linechat PRIVMSG #rust :rust only");
    ivy.expect_line(":kim!kim@linechat PRIVMSG #lobby :hello lobby");
    tom.expect_line("kim: hello lobby");
    ivy.send("PRIVMSG #rust :from ivy");
    kim.expect_line(":ivy!ivy@linechat PRIVMSG #rust :from ivy");

    // kim's new name: one NICK line for ivy, though they share two rooms.
    kim.send("NICK kim2");
    kim.send("PRIVMSG #lobby :after the nick");
    let seen = lines_until(
        &mut ivy,
        ":kim2!kim2@linechat PRIVMSG #lobby :after the nick",
    );
    assert_eq!(seen, [":kim!kim@linechat NICK kim2"], "one NICK line");
    tom.expect_line("*** kim is now known as kim2");
    tom.expect_line("kim2: after the nick");

    // kim quits: one QUIT line for ivy, one leave for tom.
    kim.send("QUIT :see you");
    tom.expect_line("*** kim2 has left");
    ivy.send("PRIVMSG #lobby :still here");
    tom.expect_line("ivy: still here");
    let seen = ivy.sync();
    assert_eq!(seen, [":kim2!kim2@linechat QUIT :see you"], "one QUIT line");

    // ivy goes away: tom's /who and /msg say so.
    ivy.send("AWAY :lunch");
    ivy.skip_until_prefix(":linechat 306 ivy ");
    tom.send("/who\n");
    let who = tom.line();
    assert!(
        who.contains(", away)") && who.contains("ivy (idle "),
        "{who}"
    );
    tom.send("/msg ivy back soon?\n");
    tom.expect_line("[pm -> ivy] back soon?");
    tom.expect_line("*** ivy is away: lunch");
}

/// An IRC client logged in and in no room is no longer waiting to log in:
/// with --max-pending 1 a telnet client still gets the prompt after it.
#[test]
fn an_irc_login_into_no_room_leaves_the_login_queue() {
    let server = crate::util::TestServer::start_with_irc(linechat::Config {
        max_pending: 1,
        ..crate::util::unlimited()
    });
    let addr = server.irc_addr.expect("the server serves IRC");
    let _ivy = irc_user(addr, "ivy", &[]);
    let mut tom = server.connect();
    tom.expect(GREETING);
    tom.send("tom\n");
    tom.skip_until_prefix("*** Welcome, tom!");
}
