//! Ignore lists over real sockets: `/ignore` drops a user's room lines,
//! actions and private messages for the one who ignores, and for nobody
//! else; `/unignore` brings them back; IRC's SILENCE is the same list; a
//! list has a cap; a registered user's list is kept with the account,
//! through a reconnect and onto another node.

use crate::cluster::Node;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, GREETING, TempDir, TestServer, spawn_binary, unlimited};

/// alice ignores bob: bob's line, action and private message reach carol
/// (the line and action) and bob's own screen, never alice; carol's next
/// line is the next thing alice reads. Unignored, bob is heard again.
#[test]
fn an_ignored_users_lines_and_privates_reach_only_the_others() {
    let server = TestServer::start(unlimited());
    let [mut alice, mut bob, mut carol] = server.room(["alice", "bob", "carol"]);
    alice.send("/ignore\n");
    alice.expect_line("*** You ignore nobody");
    alice.send("/ignore BOB\n");
    alice.expect_line(
        "*** You ignore BOB now: their lines and private messages no longer reach you",
    );
    alice.send("/ignore bob\n");
    alice.expect_line("*** You ignore bob already");
    alice.send("/ignore alice\n");
    alice.expect_line("*** You cannot ignore yourself");
    alice.send("/ignore\n");
    alice.expect_line("*** You ignore: BOB");
    bob.send("one\n/me waves\n/msg alice secret\n");
    carol.expect_line("bob: one");
    carol.expect_line("* bob waves");
    bob.expect_line("[pm -> alice] secret");
    carol.send("after\n");
    alice.expect_line("carol: after");
    bob.expect_line("carol: after");
    alice.send("/unignore bob\n");
    alice.expect_line("*** You no longer ignore bob");
    alice.send("/unignore bob\n");
    alice.expect_line("*** You do not ignore bob");
    bob.send("two\n/msg alice again\n");
    alice.expect_line("bob: two");
    alice.expect_line("[pm] bob: again");
}

/// SILENCE is the ignore list in IRC: `+mask` adds (echoed), the list is
/// 271s and 272, the lines of the silenced reach the IRC user no more;
/// ISUPPORT says SILENCE=100.
#[test]
fn silence_is_the_ignore_list_in_irc() {
    let server = TestServer::start_with_irc(unlimited());
    let mut ivy = Irc::connect(&server);
    ivy.send("NICK ivy");
    ivy.send("USER ivy 0 * :ivy");
    let burst = ivy.skip_until(":linechat 422 ivy :MOTD File is missing");
    let isupport = burst.iter().filter(|l| l.starts_with(":linechat 005 ivy "));
    assert!(
        isupport.clone().any(|l| l.contains(" SILENCE=100 ")),
        "{burst:?}"
    );
    ivy.nick = "ivy".into();
    ivy.join("#lobby");
    let [mut bob, mut carol] = server.room(["bob", "carol"]);
    ivy.skip_until(":carol!carol@linechat JOIN #lobby");
    ivy.send("SILENCE +bob!*@*");
    ivy.expect_line(":ivy!ivy@linechat SILENCE +bob!*@*");
    ivy.send("SILENCE");
    ivy.expect_line(":linechat 271 ivy bob!*@*");
    ivy.expect_line(":linechat 272 ivy :End of Silence List");
    bob.send("hidden\n/msg ivy psst\n");
    bob.expect_line("[pm -> ivy] psst");
    carol.skip_until("bob: hidden");
    carol.send("seen\n");
    let next = ivy.line();
    assert!(!next.contains("bob"), "{next}");
    assert_eq!(next, ":carol!carol@linechat PRIVMSG #lobby seen");
    ivy.send("SILENCE -bob");
    ivy.expect_line(":ivy!ivy@linechat SILENCE -bob!*@*");
    bob.send("heard\n");
    ivy.expect_line(":bob!bob@linechat PRIVMSG #lobby heard");
}

/// A list holds 100 names; the 101st is refused, saying so, in telnet and
/// as IRC's 511.
#[test]
fn an_ignore_list_is_bounded() {
    let server = TestServer::start_with_irc(unlimited());
    let mut alice = server.login("alice");
    let all: String = (0..100).map(|i| format!("/ignore u{i}\n")).collect();
    alice.send(&all);
    for i in 0..100 {
        alice.skip_until_prefix(&format!("*** You ignore u{i} now"));
    }
    alice.send("/ignore late\n");
    alice.expect_line(
        "*** Your ignore list is full (100 names): late was not added; /unignore someone first",
    );
    let mut ivy = Irc::register(&server, "ivy");
    let all: Vec<String> = (0..100).map(|i| format!("+u{i}")).collect();
    ivy.send(&format!("SILENCE {}", all.join(",")));
    ivy.send("SILENCE +late");
    ivy.skip_until(":linechat 511 ivy late!*@* :Your silence list is full");
}

/// Logs in as the registered `name` with `password` at `addr`.
fn password_login(addr: std::net::SocketAddr, name: &str, password: &str) -> Client {
    let mut client = Client::connect(addr);
    client.expect(GREETING);
    client.send(&format!("{name}\n"));
    client.expect_password_prompt();
    client.send(&format!("{password}\n"));
    client.skip_until_prefix(&format!("*** Welcome, {name}! "));
    client
}

/// A registered user's list is kept with the account: it is there after
/// a reconnect (here `--data-dir`), and an IRC login with the account
/// lists the same names with SILENCE.
#[test]
fn a_registered_users_list_survives_a_reconnect() {
    let dir = TempDir::new("ignore-kept");
    let store = dir.join("store");
    let args = [
        "--data-dir",
        store.to_str().unwrap(),
        "--irc-addr",
        "127.0.0.1:0",
    ];
    let (server, addr) = spawn_binary(&[&args[..], linechat::config::NO_ADDRESS_LIMITS].concat());
    let irc_addr = server.irc_addrs.0.expect("an IRC listener");
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("/ignore bob\n");
    alice.skip_until_prefix("*** You ignore bob now");
    alice.send("/register pw\n");
    alice.skip_until_prefix("*** Registered alice");
    alice.send("/ignore carol\n");
    alice.skip_until_prefix("*** You ignore carol now");
    alice.send("/quit\n");
    alice.skip_until("*** Bye!");
    let mut again = password_login(addr, "alice", "pw");
    // Told once the worker has read it.
    again.expect_line("*** You ignore: bob, carol");
    again.send("/quit\n");
    again.skip_until("*** Bye!");
    let mut irc = Client::connect(irc_addr);
    irc.send("PASS pw\r\nNICK alice\r\nUSER a 0 * :A\r\n");
    irc.skip_until(":linechat 272 alice :End of Silence List");
    irc.send("SILENCE\r\n");
    irc.skip_until(":linechat 271 alice bob!*@*");
    irc.expect_line(":linechat 271 alice carol!*@*");
    irc.expect_line(":linechat 272 alice :End of Silence List");
}

/// With Redis: alice ignores bob on node A, then logs in on node B; bob,
/// on node A, is not heard by her there, while carol on B is.
#[test]
fn an_ignore_list_follows_the_account_to_another_node() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let a = Node::start(&redis.url(0));
    let b = Node::start(&redis.url(0));
    let mut alice = Client::connect(a.addr);
    alice.login("alice");
    alice.send("/register pw\n");
    alice.skip_until_prefix("*** Registered alice");
    alice.send("/ignore bob\n");
    alice.skip_until_prefix("*** You ignore bob now");
    alice.send("/quit\n");
    alice.skip_until("*** Bye!");
    let mut alice = password_login(b.addr, "alice", "pw");
    alice.expect_line("*** You ignore: bob");
    let mut bob = Client::connect(a.addr);
    bob.login("bob");
    alice.skip_until("*** bob has joined");
    let mut carol = Client::connect(b.addr);
    carol.login("carol");
    alice.skip_until("*** carol has joined");
    bob.skip_until("*** carol has joined");
    bob.send("from a\n/msg alice psst\n");
    bob.skip_until("[pm -> alice] psst");
    carol.skip_until("bob: from a");
    carol.send("from b\n");
    alice.expect_line("carol: from b");
}
