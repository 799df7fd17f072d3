//! A room's rules and ranks over real sockets, in telnet and IRC: the
//! maker is the operator, kicks, bans, invite-only, moderated rooms, keys,
//! limits, a locked topic and registered names only; and across two nodes
//! through Redis, a kick and a moderated room hold on the other node.

use crate::irc_rooms::irc_node;
use crate::owned_rooms::{registered, start, with_password};
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, TempDir, TestServer, sync, unlimited};

fn server() -> TestServer {
    TestServer::start_with_irc(unlimited())
}

/// alice makes #den (its operator), bob joins: both read nothing more.
fn den(server: &TestServer) -> (Client, Client) {
    let [mut alice, mut bob] = server.room(["alice", "bob"]);
    alice.send("/join #den\n");
    alice.skip_until_prefix("*** Welcome, alice! #den: 1 online");
    bob.expect_line("*** alice has left for #den");
    bob.send("/join #den\n");
    bob.skip_until_prefix("*** Welcome, bob! #den: 2 online");
    alice.expect_line("*** bob has joined");
    (alice, bob)
}

/// A kicked telnet user goes back to the default room, and their next
/// line does not reach the room they were kicked from; the room is told.
#[test]
fn a_kick_moves_a_telnet_user_to_the_lobby() {
    let server = server();
    let (mut alice, mut bob) = den(&server);
    bob.send("/kick alice\n");
    bob.expect_line("*** Only an operator of #den can do that");
    alice.send("/kick bob spam\n");
    alice.expect_line("*** bob was kicked by alice: spam");
    bob.expect_line("*** bob was kicked by alice: spam");
    bob.skip_until_prefix("*** Welcome, bob! #lobby: 1 online");
    bob.send("still here?\n");
    let mut carol = server.login("carol");
    bob.expect_line("*** carol has joined");
    carol.send("/join #den\n");
    carol.skip_until_prefix("*** Welcome, carol! #den: 2 online");
    alice.expect_line("*** carol has joined");
    sync(&mut carol, "carol", &mut alice);
}

/// A ban keeps a name out; its removal lets it in. The list shows it.
#[test]
fn a_banned_name_cannot_join_until_unbanned() {
    let server = server();
    let (mut alice, mut bob) = den(&server);
    alice.send("/ban carol\n");
    alice.expect_line("*** alice banned carol!*@*");
    bob.expect_line("*** alice banned carol!*@*");
    alice.send("/bans\n");
    alice.expect_line("*** Banned from #den: carol!*@*");
    let mut carol = server.login("carol");
    carol.send("/join #den\n");
    carol.expect_line("*** You cannot join #den: you are banned from it");
    alice.send("/unban carol\n");
    alice.expect_line("*** alice lifted the ban on carol!*@*");
    carol.send("/join #den\n");
    carol.skip_until_prefix("*** Welcome, carol! #den: 3 online");
}

/// A ban for a length holds until it ends, then lets the name in.
#[test]
fn a_ban_for_a_length_ends_by_itself() {
    let server = server();
    let (mut alice, _bob) = den(&server);
    alice.send("/ban carol 1x\n");
    alice.expect_line("*** Usage: /ban NAME|MASK [LENGTH: 30s, 10m, 2h, 7d]");
    alice.send("/ban carol 2s\n");
    alice.skip_until_prefix("*** alice banned carol!*@* until ");
    alice.send("/bans\n");
    let listed = alice.line();
    assert!(
        listed.starts_with("*** Banned from #den: carol!*@* (until ") && listed.ends_with(" UTC)"),
        "{listed}"
    );
    let mut carol = server.login("carol");
    carol.send("/join #den\n");
    carol.expect_line("*** You cannot join #den: you are banned from it");
    // The ban's end is a time: ask again until it has passed (6 s at most).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(6);
    loop {
        carol.send("/join #den\n");
        let line = carol.line();
        if line.starts_with("*** Welcome, carol! #den:") {
            break;
        }
        assert_eq!(line, "*** You cannot join #den: you are banned from it");
        assert!(std::time::Instant::now() < deadline, "the ban did not end");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// An invite-only room refuses the uninvited and admits the invited.
#[test]
fn an_invite_only_room_admits_the_invited() {
    let server = server();
    let (mut alice, mut bob) = den(&server);
    alice.send("/room invite-only on\n");
    alice.expect_line("*** alice turned invite-only on");
    bob.expect_line("*** alice turned invite-only on");
    let mut carol = server.login("carol");
    carol.send("/join #den\n");
    carol.expect_line("*** You cannot join #den: it is invite-only (ask a member for /invite)");
    bob.send("/invite carol\n");
    bob.expect_line("*** Only an operator of #den can do that");
    alice.send("/invite carol\n");
    alice.expect_line("*** Invited carol to #den");
    carol.expect_line("*** alice invites you to #den (type /join #den)");
    carol.send("/join #den\n");
    carol.skip_until_prefix("*** Welcome, carol! #den: 3 online");
}

/// In a moderated room only operators and voiced members speak.
/// A registered-only room (`/room registered-only on`, IRC `+R`) takes
/// those who proved a registered name (by `/register`, or its password at
/// login) and the invited; a guest is told why (IRC 477), and a user who
/// leaves their registered name for a guest one is a guest again.
#[test]
fn a_registered_only_room_takes_registered_names_and_the_invited() {
    let dir = TempDir::new("registered-only");
    let (_server, addr) = start(&dir);
    let mut alice = registered(addr, "alice", "alice pw");
    let mut dave = registered(addr, "dave", "dave pw");
    dave.send("/quit\n");
    dave.expect_line("*** Bye!");
    alice.send("/join #vip\n");
    alice.skip_until_prefix("*** Welcome, alice! #vip: 1 online");
    alice.send("/room registered-only on\n");
    alice.expect_line("*** alice turned registered-only on");
    let mut carol = Client::connect(addr);
    carol.login("carol");
    carol.send("/join #vip\n");
    carol.expect_line(
        "*** You cannot join #vip: it takes registered names only (log in with your name's password)",
    );
    let mut dave = with_password(addr, "dave", "dave pw");
    dave.send("/join #vip\n");
    dave.skip_until_prefix("*** Welcome, dave! #vip: 2 online");
    alice.expect_line("*** dave has joined");
    dave.send("/nick davy\n");
    dave.expect_line("*** You are now known as davy");
    dave.send("/join #lobby\n");
    dave.skip_until_prefix("*** Welcome, davy! #lobby: ");
    dave.send("/join #vip\n");
    dave.expect_line(
        "*** You cannot join #vip: it takes registered names only (log in with your name's password)",
    );
    alice.skip_until("*** dave is now known as davy");
    alice.send("/invite carol\n");
    alice.skip_until("*** Invited carol to #vip");
    carol.skip_until("*** alice invites you to #vip (type /join #vip)");
    carol.send("/join #vip\n");
    carol.skip_until_prefix("*** Welcome, carol! #vip: ");
}

#[test]
fn a_moderated_room_hears_operators_and_the_voiced() {
    let server = server();
    let (mut alice, mut bob) = den(&server);
    alice.send("/room moderated on\n");
    alice.expect_line("*** alice turned moderated on");
    bob.expect_line("*** alice turned moderated on");
    bob.send("can anyone hear me\n");
    bob.expect_line("*** You cannot speak in #den (moderated, or you are muted or banned)");
    alice.send("/voice bob\n");
    alice.expect_line("*** alice made bob a voice in the room");
    bob.expect_line("*** alice made bob a voice in the room");
    bob.send("now?\n");
    alice.expect_line("bob: now?");
    alice.send("/room\n");
    alice.expect_line("*** #den: moderated, members-only");
    // A mute holds even for the voiced.
    alice.send("/mute bob\n");
    alice.expect_line("*** alice muted bob!*@*");
    bob.expect_line("*** alice muted bob!*@*");
    bob.send("still?\n");
    bob.expect_line("*** You cannot speak in #den (moderated, or you are muted or banned)");
    alice.send("/unmute bob\n");
    bob.expect_line("*** alice lifted the mute on bob!*@*");
    bob.send("back\n");
    alice.expect_line("*** alice lifted the mute on bob!*@*");
    alice.expect_line("bob: back");
}

/// IRC: the maker is `@` in NAMES; +t refuses a non-operator's TOPIC
/// (482); MODE +o names an operator, seen by the room as one MODE line;
/// KICK reaches the room and the kicked, who cannot send to the room
/// after; keys and limits turn joiners away with 475 and 471.
#[test]
fn irc_operators_modes_and_kicks() {
    let server = server();
    let mut op = Irc::register(&server, "op");
    op.send("JOIN #chan");
    op.expect_line(":op!op@linechat JOIN #chan");
    op.expect_line(":linechat 353 op = #chan @op");
    op.skip_until_prefix(":linechat 366 op #chan ");
    let mut guest = Irc::register(&server, "guest");
    guest.join("#chan");
    op.expect_line(":guest!guest@linechat JOIN #chan");
    op.send("MODE #chan +t");
    op.expect_line(":op!op@linechat MODE #chan +t");
    guest.expect_line(":op!op@linechat MODE #chan +t");
    guest.send("TOPIC #chan :mine");
    guest.expect_line(":linechat 482 guest #chan :You're not channel operator");
    guest.send("MODE #chan +o guest");
    guest.expect_line(":linechat 482 guest #chan :You're not channel operator");
    op.send("MODE #chan +o-t guest");
    op.expect_line(":op!op@linechat MODE #chan +o-t guest");
    guest.expect_line(":op!op@linechat MODE #chan +o-t guest");
    op.send("MODE #chan");
    op.expect_line(":linechat 324 op #chan +n");
    op.skip_until_prefix(":linechat 329 op #chan ");
    guest.send("KICK #chan op enough");
    guest.expect_line(":guest!guest@linechat KICK #chan op enough");
    op.expect_line(":guest!guest@linechat KICK #chan op enough");
    op.send("PRIVMSG #chan :hello?");
    op.expect_line(":linechat 404 op #chan :Cannot send to channel");
    guest.send("MODE #chan +kl sesame 1");
    guest.expect_line(":guest!guest@linechat MODE #chan +kl sesame 1");
    op.send("JOIN #chan");
    op.expect_line(":linechat 475 op #chan :Cannot join channel (+k)");
    op.send("JOIN #chan sesame");
    op.expect_line(":linechat 471 op #chan :Cannot join channel (+l)");
    guest.send("MODE #chan -l");
    guest.expect_line(":guest!guest@linechat MODE #chan -l");
    op.send("JOIN #chan sesame");
    op.expect_line(":op!op@linechat JOIN #chan");
}

/// Two nodes: a kick issued on node A takes the member on node B out of
/// the room (their node and the room both hear it), and a moderated room
/// set on A holds for a member on B.
#[test]
fn a_kick_and_a_moderated_room_hold_on_another_node() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, a_irc) = irc_node(&redis.url(0));
    let (b, _b_irc) = irc_node(&redis.url(0));
    let mut alice = Client::connect(a.addr);
    alice.login("alice");
    alice.send("/join #den\n");
    alice.skip_until_prefix("*** Welcome, alice! #den: 1 online");
    let mut bob = Client::connect(b.addr);
    bob.login("bob");
    bob.send("/join #den\n");
    bob.skip_until_prefix("*** Welcome, bob! #den: 2 online");
    alice.skip_until("*** bob has joined");
    alice.send("/room moderated on\n");
    alice.expect_line("*** alice turned moderated on");
    bob.expect_line("*** alice turned moderated on");
    bob.send("from b\n");
    bob.expect_line("*** You cannot speak in #den (moderated, or you are muted or banned)");
    alice.send("/voice bob\n");
    bob.expect_line("*** alice made bob a voice in the room");
    bob.send("heard now\n");
    alice.skip_until("bob: heard now");
    let mut watcher = Irc::register_at(a_irc, "w", "");
    watcher.send("JOIN #den");
    watcher.skip_until_prefix(":linechat 366 w #den ");
    alice.skip_until("*** w has joined");
    alice.send("/kick bob bye\n");
    bob.skip_until("*** bob was kicked by alice: bye");
    bob.skip_until_prefix("*** Welcome, bob! #lobby:");
    watcher.skip_until(":alice!alice@linechat KICK #den bob bye");
    alice.send("/who\n");
    let who = alice.skip_until_prefix("*** 2 online");
    assert!(!who.contains("bob"), "{who}");
}

/// A room operator cannot kick a server operator out of their room.
#[test]
fn a_server_operator_cannot_be_kicked_by_a_room_operator() {
    let dir = crate::util::TempDir::new("kick-oper");
    let (server, addr, _irc) = crate::oper::start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("/join #den\n");
    alice.skip_until_prefix("*** Welcome, alice! #den: 1 online");
    let mut op = crate::oper::operator_at(addr);
    op.send("/join #den\n");
    op.skip_until_prefix("*** Welcome, operuser! #den: 2 online");
    alice.skip_until("*** operuser has joined");
    alice.send("/kick operuser go\n");
    alice.expect_line(
        "*** operuser is a server operator: only a server operator can kick them from #den",
    );
    drop(server);
}
