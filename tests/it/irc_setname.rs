//! IRC SETNAME over real sockets: a real name's change reaches the
//! changer and the channel readers with the `setname` capability, once
//! each, and an extended-monitor watcher with it; nobody without it, and
//! no telnet user; across nodes through Redis too. A bad one is FAIL.

use crate::irc_rooms::irc_node;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, TestServer, unlimited};
use std::net::SocketAddr;

/// Registers `nick` at the IRC listener `addr` asking for `caps`, and
/// reads its welcome burst.
#[track_caller]
fn with_caps(addr: SocketAddr, nick: &str, caps: &str) -> Irc {
    let mut irc = Irc {
        client: Client::connect(addr),
        nick: nick.into(),
    };
    if !caps.is_empty() {
        irc.send(&format!("CAP REQ :{caps}"));
        irc.skip_until_prefix(":linechat CAP * ACK ");
    }
    irc.send(&format!("NICK {nick}"));
    irc.send(&format!("USER {nick} 0 * :Real {nick}"));
    if !caps.is_empty() {
        irc.send("CAP END");
    }
    irc.skip_until_prefix(&format!(":linechat 422 {nick} "));
    irc
}

/// Expects nothing more for `irc` than what a round trip brings.
#[track_caller]
fn nothing_else(irc: &mut Irc) {
    assert_eq!(irc.sync(), Vec::<String>::new());
}

/// The changer (in two channels) gets its SETNAME once, as does a reader
/// sharing both; a reader without the capability and a telnet user in the
/// same room get nothing, and WHOIS shows the new name.
#[test]
fn setname_reaches_the_changer_and_readers_with_the_capability() {
    let server = TestServer::start_with_irc(unlimited());
    let addr = server.irc_addr.expect("an IRC listener");
    let mut foo = with_caps(addr, "foo", "setname");
    let mut bar = with_caps(addr, "bar", "setname away-notify");
    let mut baz = with_caps(addr, "baz", "");
    let mut tom = server.login("tom");
    for irc in [&mut foo, &mut bar] {
        irc.join("#lobby");
        irc.join("#two");
    }
    baz.join("#lobby");
    for irc in [&mut foo, &mut bar, &mut baz] {
        irc.sync();
    }
    tom.skip_until("*** baz has joined");

    foo.send("SETNAME :Foo Fighter");
    let line = ":foo!foo@linechat SETNAME :Foo Fighter";
    foo.expect_line(line);
    bar.expect_line(line);
    nothing_else(&mut foo);
    nothing_else(&mut bar);
    nothing_else(&mut baz);
    // The next line telnet reads is the one said after: nothing came of
    // the SETNAME.
    baz.send("PRIVMSG #lobby :after");
    tom.expect_line("baz: after");

    baz.send("WHOIS foo");
    baz.expect_line(":linechat 311 baz foo foo linechat * :Foo Fighter");
    baz.skip_until_prefix(":linechat 318 baz foo ");
}

/// An over-long, empty or missing real name is refused and changes
/// nothing.
#[test]
fn a_bad_real_name_is_refused() {
    let server = TestServer::start_with_irc(unlimited());
    let addr = server.irc_addr.expect("an IRC listener");
    let mut foo = with_caps(addr, "foo", "setname");
    let fail = ":linechat FAIL SETNAME INVALID_REALNAME :Realname is not valid";
    foo.send(&format!("SETNAME :{}", "x".repeat(101)));
    foo.expect_line(fail);
    foo.send("SETNAME :");
    foo.expect_line(fail);
    foo.send("SETNAME");
    foo.expect_line(":linechat 461 foo SETNAME :Not enough parameters");
    foo.send("WHOIS foo");
    foo.expect_line(":linechat 311 foo foo foo linechat * :Real foo");
    foo.skip_until_prefix(":linechat 318 foo foo ");
    foo.send(&format!("SETNAME :{}", "x".repeat(100)));
    foo.expect_line(&format!(":foo!foo@linechat SETNAME {}", "x".repeat(100)));
}

/// Two nodes through Redis: a SETNAME on one reaches a channel reader and
/// an extended-monitor watcher on the other.
#[test]
fn setname_crosses_nodes() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (_a, a_irc) = irc_node(&redis.url(0));
    let (_b, b_irc) = irc_node(&redis.url(0));
    let mut foo = with_caps(a_irc, "foo", "setname");
    let mut bar = with_caps(b_irc, "bar", "setname");
    let mut w = with_caps(b_irc, "w", "setname extended-monitor");
    // Node b may learn of foo after the MONITOR: then 731, and 730 later.
    w.send("MONITOR + foo");
    w.skip_until(":linechat 730 w foo!foo@linechat");
    bar.join("#x");
    foo.join("#x");
    bar.skip_until(":foo!foo@linechat JOIN #x");

    foo.send("SETNAME :Far Away");
    let line = ":foo!foo@linechat SETNAME :Far Away";
    // foo may hear of bar's JOIN from node b before or after its own join.
    foo.skip_until(line);
    bar.expect_line(line);
    w.expect_line(line);
    nothing_else(&mut bar);
    nothing_else(&mut w);
}
