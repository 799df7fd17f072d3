//! IRC MONITOR over real sockets: an IRC watcher is told when a watched
//! nick logs in, is renamed or leaves, whether that user speaks telnet or
//! IRC and whichever node it is on; the list's answers and its limit.

use crate::irc_rooms::irc_node;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, GREETING, TestServer, unlimited};
use std::net::SocketAddr;

/// Logs a telnet user in at `addr` as `name`.
#[track_caller]
fn telnet(addr: SocketAddr, name: &str) -> Client {
    let mut client = Client::connect(addr);
    client.expect(GREETING);
    client.send(&format!("{name}\n"));
    client.skip_until_prefix(&format!("*** Welcome, {name}!"));
    client
}

/// Expects nothing more for `irc` than what a round trip brings.
#[track_caller]
fn nothing_else(irc: &mut Irc) {
    assert_eq!(irc.sync(), Vec::<String>::new());
}

/// 005 says `MONITOR=100`; a telnet user logging in, renaming and quitting
/// is 730 and 731 to an IRC watcher, and L and S list the names.
#[test]
fn a_watcher_sees_a_telnet_user_come_rename_and_go() {
    let server = TestServer::start_with_irc(unlimited());
    let mut w = Irc::connect(&server);
    w.send("NICK w");
    w.send("USER w 0 * :w");
    let burst = w.skip_until(":linechat 422 w :MOTD File is missing");
    assert!(
        (burst.iter()).any(|l| l.starts_with(":linechat 005 w ") && l.contains(" MONITOR=100 ")),
        "{burst:?}"
    );
    w.nick = "w".into();

    w.send("MONITOR + bob,Robert");
    w.expect_line(":linechat 731 w bob,Robert");
    let mut bob = server.login("Bob");
    w.expect_line(":linechat 730 w Bob!Bob@linechat");
    w.send("MONITOR S");
    w.expect_line(":linechat 730 w Bob!Bob@linechat");
    w.expect_line(":linechat 731 w Robert");
    w.send("MONITOR L");
    w.expect_line(":linechat 732 w bob,Robert");
    w.expect_line(":linechat 733 w :End of MONITOR list");

    bob.send("/nick bob\n");
    bob.expect_line("*** You are now known as bob");
    nothing_else(&mut w); // A change of case is no news.
    bob.send("/nick robert\n");
    bob.expect_line("*** You are now known as robert");
    w.expect_line(":linechat 731 w bob");
    w.expect_line(":linechat 730 w robert!robert@linechat");
    bob.send("/quit\n");
    w.expect_line(":linechat 731 w robert");

    // Removed, a name is no news any more.
    w.send("MONITOR - BOB");
    nothing_else(&mut w);
    let _bob = server.login("bob");
    nothing_else(&mut w);
}

/// An IRC user's login, rename and QUIT are news too; a cleared list hears
/// nothing.
#[test]
fn a_watcher_sees_an_irc_user_come_rename_and_go() {
    let server = TestServer::start_with_irc(unlimited());
    let mut w = Irc::register(&server, "w");
    w.send("MONITOR + qux");
    w.expect_line(":linechat 731 w qux");
    let mut baz = Irc::register(&server, "baz");
    nothing_else(&mut w);
    baz.send("NICK qux");
    w.expect_line(":linechat 730 w qux!qux@linechat");
    baz.send("NICK QUX");
    baz.sync();
    nothing_else(&mut w);
    baz.send("QUIT :bye");
    w.expect_line(":linechat 731 w QUX");
    w.send("MONITOR C");
    w.send("MONITOR L");
    w.expect_line(":linechat 733 w :End of MONITOR list");
    let _qux = Irc::register(&server, "qux");
    nothing_else(&mut w);
}

/// A list holds 100 nicks: those past it are refused with 734, and a
/// MONITOR without its targets is 461.
#[test]
fn a_full_list_is_734() {
    let server = TestServer::start_with_irc(unlimited());
    let mut w = Irc::register(&server, "w");
    let first: Vec<String> = (0..60).map(|i| format!("n{i}")).collect();
    w.send(&format!("MONITOR + {}", first.join(",")));
    w.expect_line(&format!(":linechat 731 w {}", first.join(",")));
    let more: Vec<String> = (60..102).map(|i| format!("n{i}")).collect();
    w.send(&format!("MONITOR + {}", more.join(",")));
    w.expect_line(&format!(":linechat 731 w {}", more[..40].join(",")));
    w.expect_line(":linechat 734 w 100 n100,n101 :Monitor list is full");
    w.send("MONITOR - n0");
    w.send("MONITOR + n100");
    w.expect_line(":linechat 731 w n100");
    w.send("MONITOR +");
    w.expect_line(":linechat 461 w MONITOR :Not enough parameters");
}

/// Two nodes through Redis: a watcher on one hears of a telnet user and
/// an IRC user on the other logging in, renaming and leaving.
#[test]
fn a_watcher_hears_of_users_on_another_node() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (_a, a_irc) = irc_node(&redis.url(0));
    let (b, b_irc) = irc_node(&redis.url(0));
    let mut w = Irc::register_at(a_irc, "w", "");
    w.send("MONITOR + tom,tim,zed");
    w.expect_line(":linechat 731 w tom,tim,zed");
    let mut tom = telnet(b.addr, "tom");
    w.expect_line(":linechat 730 w tom!tom@linechat");
    tom.send("/nick tim\n");
    tom.expect_line("*** You are now known as tim");
    w.expect_line(":linechat 731 w tom");
    w.expect_line(":linechat 730 w tim!tim@linechat");
    tom.send("/quit\n");
    w.expect_line(":linechat 731 w tim");

    let mut zed = Irc::register_at(b_irc, "zed", "");
    w.expect_line(":linechat 730 w zed!zed@linechat");
    w.send("MONITOR S");
    w.expect_line(":linechat 730 w zed!zed@linechat");
    w.expect_line(":linechat 731 w tom,tim");
    zed.send("QUIT");
    w.expect_line(":linechat 731 w zed");
}

/// With extended-monitor and away-notify, a watched user's AWAY reaches a
/// watcher who shares no channel with it, once; without both, nothing.
#[test]
fn extended_monitor_tells_a_watched_users_away() {
    let server = TestServer::start_with_irc(unlimited());
    let caps = |nick: &str, caps: &str| {
        let mut irc = Irc::connect(&server);
        irc.send(&format!("CAP REQ :{caps}"));
        irc.send(&format!("NICK {nick}"));
        irc.send(&format!("USER {nick} 0 * :{nick}"));
        irc.skip_until_prefix(":linechat CAP * ACK ");
        irc.send("CAP END");
        irc.skip_until_prefix(&format!(":linechat 422 {nick} "));
        irc.nick = nick.into();
        irc
    };
    let mut ext = caps("ext", "extended-monitor away-notify");
    let mut plain = caps("plain", "away-notify");
    let mut bar = Irc::register(&server, "bar");
    for w in [&mut ext, &mut plain] {
        w.send("MONITOR + bar");
        w.skip_until_prefix(&format!(":linechat 730 {} bar!", w.nick));
    }
    bar.send("AWAY :afk");
    bar.skip_until_prefix(":linechat 306 bar ");
    ext.expect_line(":bar!bar@linechat AWAY afk");
    nothing_else(&mut ext);
    nothing_else(&mut plain);
    // Sharing a channel, the watcher hears it from the channel only.
    ext.join("#x");
    bar.join("#x");
    ext.skip_until(":bar!bar@linechat JOIN #x");
    ext.expect_line(":bar!bar@linechat AWAY afk"); // away-notify's, on a join
    bar.send("AWAY");
    bar.skip_until_prefix(":linechat 305 bar ");
    ext.expect_line(":bar!bar@linechat AWAY");
    nothing_else(&mut ext);
}
