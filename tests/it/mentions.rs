//! "Since you left" (issue 24): a registered name logging in past its
//! resume window is told, per room it was in, how many lines were said
//! there since it left and, with `--notify-mentions`, shown the lines among
//! them that name it, stamped, under a heading of their own. Real sockets,
//! bounded reads; the window (1 s) is a time, so it has to pass.

use crate::cluster::Node;
use crate::resume::unstamped;
use crate::util::{self, Client, GREETING};
use std::net::SocketAddr;
use std::time::Duration;

/// What bob says in #rust while alice is away: three lines name her (a
/// `name:`, an action in capitals, an `@name`), three do not (her name
/// inside another word, another name, a longer name).
const SAID: &str = "alice: are you there?\nmalice aforethought\nhi carol\n\
                    /me waves at ALICE\nping @alice\nalice-bot is a bot\n";

/// The three lines naming alice, as shown, in order (without stamps).
const NAMING: [&str; 3] = [
    "bob: alice: are you there?",
    "* bob waves at ALICE",
    "bob: ping @alice",
];

/// Connects to `addr` and logs in as alice with her password.
fn with_password(addr: SocketAddr) -> Client {
    let mut c = Client::connect(addr);
    c.expect(GREETING);
    c.send("alice\n");
    c.expect_password_prompt();
    c.send("pw\n");
    c
}

/// alice registers on `first` and is in #rust there; bob joins her from
/// `then`; alice's connection drops; bob says `said`; past her window
/// (1 s) she logs in with her password on `then`. Returns her, just after
/// her welcome.
fn away_then_back(first: SocketAddr, then: SocketAddr, said: &str) -> Client {
    let mut c = Client::connect(first);
    c.login("alice");
    c.send("/register pw\n");
    c.skip_until_prefix("*** Registered alice");
    c.send("/quit\n");
    c.skip_until("*** Bye!");
    let mut alice = with_password(first);
    alice.send("/join #rust\n");
    alice.skip_until_prefix("*** Welcome, alice! #rust");
    let mut bob = Client::connect(then);
    bob.login("bob");
    bob.send("/join #rust\n");
    bob.skip_until_prefix("*** Welcome, bob! #rust");
    alice.expect_line("*** bob has joined");
    alice.close();
    bob.expect_line("*** alice has left");
    bob.send(said);
    // The window is a time: it has to pass.
    std::thread::sleep(Duration::from_millis(1500));
    let mut late = with_password(then);
    late.skip_until_prefix("*** Welcome, alice! #lobby");
    late
}

/// The next line `late` gets is the answer to a `/join #rust`: nothing
/// else was shown before it.
#[track_caller]
fn nothing_more(late: &mut Client) {
    late.send("/join #rust\n");
    let next = late.line();
    assert!(next.starts_with("*** Welcome, alice! #rust"), "{next:?}");
}

/// Shows the lines naming alice, only those, in order, stamped.
#[track_caller]
fn shows_the_naming_lines(late: &mut Client) {
    late.expect_line("*** #rust: 6 new lines since you left (/history 6)");
    late.expect_line("*** #rust: 3 lines named you while you were away:");
    for want in NAMING {
        assert_eq!(unstamped(&late.line()), want);
    }
    nothing_more(late);
}

/// The flags of these servers: a 1 s window, accounts, and `more`.
fn flags<'a>(store: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--data-dir", store, "--resume-window", "1"];
    args.extend(more);
    args.extend(linechat::config::NO_ADDRESS_LIMITS);
    args
}

#[test]
fn with_the_flag_the_lines_naming_you_are_shown() {
    let dir = util::TempDir::new("mentions-on");
    let store = dir.join("store");
    let flags = flags(store.to_str().unwrap(), &["--notify-mentions"]);
    let (_server, addr) = util::spawn_binary(&flags);
    let mut late = away_then_back(addr, addr, SAID);
    shows_the_naming_lines(&mut late);
}

#[test]
fn without_the_flag_only_the_count_is_told() {
    let dir = util::TempDir::new("mentions-off");
    let store = dir.join("store");
    let (_server, addr) = util::spawn_binary(&flags(store.to_str().unwrap(), &[]));
    let mut late = away_then_back(addr, addr, SAID);
    late.expect_line("*** #rust: 6 new lines since you left (/history 6)");
    nothing_more(&mut late);
}

/// Two nodes through a real Redis: alice was on A, her record and the
/// room's lines are in Redis, and she logs in on B.
#[test]
fn across_two_nodes_through_redis() {
    let Some(redis) = util::redis::RedisServer::start() else {
        return;
    };
    let url = redis.url(0);
    let flags = ["--resume-window", "1", "--notify-mentions"];
    let (a, b) = (
        Node::start_with(&url, &flags),
        Node::start_with(&url, &flags),
    );
    let mut late = away_then_back(a.addr, b.addr, SAID);
    shows_the_naming_lines(&mut late);
}

/// 150 lines, `line 1` to `line 150`.
fn many() -> String {
    (1..=150).map(|i| format!("line {i}\n")).collect()
}

/// Past `--history` lines the count is of every line said, and the
/// `/history` it suggests asks for at most `--history`.
#[test]
fn every_line_since_is_counted() {
    let dir = util::TempDir::new("since-count");
    let store = dir.join("store");
    let flags = flags(store.to_str().unwrap(), &["--history", "2", "--rate", "0"]);
    let (_server, addr) = util::spawn_binary(&flags);
    let mut late = away_then_back(addr, addr, &many());
    late.expect_line("*** #rust: 150 new lines since you left (/history 2)");
}

/// The same across two nodes: counted in the room's stream in Redis.
#[test]
fn every_line_since_is_counted_across_nodes() {
    let Some(redis) = util::redis::RedisServer::start() else {
        return;
    };
    let url = redis.url(0);
    let flags = ["--resume-window", "1", "--history", "2"];
    let (a, b) = (
        Node::start_with(&url, &flags),
        Node::start_with(&url, &flags),
    );
    let mut late = away_then_back(a.addr, b.addr, &many());
    late.expect_line("*** #rust: 150 new lines since you left (/history 2)");
}
