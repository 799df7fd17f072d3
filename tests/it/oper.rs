//! Server operators (`--admins FILE`): IRC's OPER (right, wrong, missing
//! password, an account not listed), WHO and WHOIS marking an operator, a
//! telnet operator's `/kill` and `/announce`, every refusal to users who
//! are not operators, the file read again on SIGHUP, and a kill and an
//! announcement reaching another node through a real redis-server.

use crate::cluster::Node;
use crate::irc_rooms::irc_addr;
use crate::util::irc::Irc;
use crate::util::redis::RedisServer;
use crate::util::{Client, GREETING, ServerProcess, TempDir, spawn_binary};
use std::net::SocketAddr;
use std::path::Path;

/// The account every test makes an operator.
const OPERATOR: &str = "operuser";
const PASSWORD: &str = "operpassword";

/// Writes `names` as the admins file `dir/admins`; its path.
pub(crate) fn admins_file(dir: &Path, names: &str) -> String {
    let path = dir.join("admins");
    std::fs::write(&path, names).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A server with accounts in `dir`, `--admins` naming [`OPERATOR`], and
/// IRC; its telnet and IRC addresses. [`OPERATOR`] is registered.
pub(crate) fn start(dir: &Path) -> (ServerProcess, SocketAddr, SocketAddr) {
    let admins = admins_file(dir, "# the operators\noperuser\n");
    let store = dir.join("store");
    let irc = irc_addr().to_string();
    let (server, addr) = spawn_binary(
        &[
            &["--data-dir", store.to_str().unwrap()][..],
            &["--admins", &admins, "--irc-addr", &irc],
            linechat::config::NO_ADDRESS_LIMITS,
        ]
        .concat(),
    );
    register(addr);
    let irc = server.irc_addrs.0.expect("IRC");
    (server, addr, irc)
}

/// Registers [`OPERATOR`] over telnet at `addr`, as a user would.
pub(crate) fn register(addr: SocketAddr) {
    let mut user = Client::connect(addr);
    user.login(OPERATOR);
    user.send(&format!("/register {PASSWORD}\n"));
    user.skip_until_prefix(&format!("*** Registered {OPERATOR}: "));
    user.send("/quit\n");
    user.skip_until("*** Bye!");
}

/// Logs [`OPERATOR`] in over telnet with its password: an operator.
pub(crate) fn operator_at(addr: SocketAddr) -> Client {
    let mut op = Client::connect(addr);
    op.expect(GREETING);
    op.send(&format!("{OPERATOR}\n"));
    op.expect_password_prompt();
    op.send(&format!("{PASSWORD}\n"));
    op.skip_until_prefix(&format!("*** Welcome, {OPERATOR}! "));
    op.skip_until("*** You are a server operator: /kill and /announce");
    op
}

/// OPER: 461 without a password, 491 for an account not in --admins, 464
/// for a wrong password, then 381 and MODE +o; WHO shows `*`, WHOIS 313.
/// Before it, KILL and WALLOPS are 481.
#[test]
fn irc_oper_checks_the_account_and_its_password() {
    let dir = TempDir::new("oper");
    let (_server, _, irc) = start(&dir);
    let mut baz = Irc::register_at(irc, "baz", "");
    let mut eve = Irc::register_at(irc, "eve", "");
    baz.send("OPER operuser");
    baz.expect_line(":linechat 461 baz OPER :Not enough parameters");
    baz.send("OPER nobody operpassword");
    baz.expect_line(":linechat 491 baz :No operator account of that name");
    baz.send("OPER operuser wrong");
    baz.expect_line(":linechat 464 baz :Password incorrect");
    baz.send("KILL eve :no");
    baz.expect_line(":linechat 481 baz :Permission Denied- You're not an IRC operator");
    baz.send("WALLOPS :no");
    baz.expect_line(":linechat 481 baz :Permission Denied- You're not an IRC operator");
    eve.send("WHO baz");
    eve.expect_line(":linechat 352 eve * baz linechat linechat baz H :0 baz");
    eve.sync();

    eve.send("LUSERS");
    eve.skip_until(":linechat 252 eve 0 :operator(s) online");
    eve.sync();
    baz.send("OPER operuser operpassword");
    baz.expect_line(":linechat 381 baz :You are now an IRC operator");
    baz.expect_line(":baz MODE baz +o");
    eve.send("LUSERS");
    eve.skip_until(":linechat 252 eve 1 :operator(s) online");
    eve.sync();
    eve.send("WHO baz");
    eve.expect_line(":linechat 352 eve * baz linechat linechat baz H* :0 baz");
    eve.sync();
    eve.send("USERHOST baz eve");
    eve.expect_line(":linechat 302 eve :baz*=+baz@linechat eve=+eve@linechat");
    eve.send("WHOIS baz");
    let whois = eve.skip_until(":linechat 318 eve baz :End of /WHOIS list");
    assert!(
        whois.contains(&":linechat 313 eve baz :is an IRC operator".to_string()),
        "{whois:?}"
    );

    // WALLOPS reaches the operators (baz), not eve; KILL puts eve out.
    baz.send("WALLOPS :hello operators");
    baz.expect_line(":baz!baz@linechat WALLOPS :hello operators");
    baz.send("KILL nobody");
    baz.expect_line(":linechat 401 baz nobody :No such nick/channel");
    baz.send("KILL eve :spam");
    eve.expect_line("ERROR :Closing Link: linechat (Killed (baz (spam)))");
    eve.client.expect_eof();
    baz.expect_line(":linechat NOTICE baz :eve was disconnected");

    // MODE shows +o; -o steps down.
    baz.send("MODE baz");
    baz.expect_line(":linechat 221 baz +o");
    baz.send("MODE baz -o");
    baz.expect_line(":baz MODE baz -o");
    baz.send("MODE baz");
    baz.expect_line(":linechat 221 baz +");
    baz.send("WALLOPS :gone");
    baz.expect_line(":linechat 481 baz :Permission Denied- You're not an IRC operator");
}

/// A telnet user logged in with an --admins account's password is an
/// operator: /kill puts a telnet user out (the room is told who did it
/// and why), /announce reaches telnet and IRC users. A user who is not
/// one is refused with the role needed, and /help lists the commands.
#[test]
fn a_telnet_operator_kills_and_announces() {
    let dir = TempDir::new("kill-announce");
    let (_server, addr, irc) = start(&dir);
    let mut op = operator_at(addr);
    let mut bob = Client::connect(addr);
    bob.login("bob");
    op.skip_until("*** bob has joined");
    let mut carol = Client::connect(addr);
    carol.login("carol");
    bob.skip_until("*** carol has joined");
    op.skip_until("*** carol has joined");
    let mut ivy = Irc::register_at(irc, "ivy", "");

    bob.send("/kill operuser\n");
    bob.expect_line(
        "*** /kill is for server operators (accounts named in --admins, logged in with their password)",
    );
    bob.send("/announce hi\n");
    bob.expect_line(
        "*** /announce is for server operators (accounts named in --admins, logged in with their password)",
    );
    bob.send("/help\n");
    let help = bob.skip_until("*** Start a line with // to send a line that begins with /");
    assert!(
        help.contains(
            &"*** /kill NAME [REASON] - disconnect a user, on any node (server operators)"
                .to_string()
        ),
        "{help:?}"
    );

    op.send("/announce restart at five\n");
    op.expect_line("*** Announcement from operuser: restart at five");
    bob.expect_line("*** Announcement from operuser: restart at five");
    carol.expect_line("*** Announcement from operuser: restart at five");
    ivy.expect_line(":linechat NOTICE * :Announcement from operuser: restart at five");

    op.send("/kill nobody\n");
    op.expect_line("*** No such user 'nobody'");
    op.send("/kill bob flooding the room\n");
    bob.expect_line("*** You were disconnected by operuser: flooding the room");
    bob.expect_eof();
    op.expect_line("*** bob was disconnected");
    op.expect_line("*** bob has left");
    carol.expect_line("*** bob was disconnected by operuser: flooding the room");
    carol.expect_line("*** bob has left");
}

/// SIGHUP reads --admins again: an operator whose account left the file
/// is told and refused; put back, OPER works again.
#[test]
fn sighup_reads_the_admins_file_again() {
    let dir = TempDir::new("sighup");
    let (server, _, irc) = start(&dir);
    let mut baz = Irc::register_at(irc, "baz", "");
    baz.send("OPER operuser operpassword");
    baz.expect_line(":linechat 381 baz :You are now an IRC operator");
    baz.expect_line(":baz MODE baz +o");

    admins_file(&dir, "# nobody for now\n");
    server.signal(libc::SIGHUP);
    baz.expect_line(":baz MODE baz -o");
    baz.send("WALLOPS :still here?");
    baz.expect_line(":linechat 481 baz :Permission Denied- You're not an IRC operator");
    baz.send("OPER operuser operpassword");
    baz.expect_line(":linechat 491 baz :No operator account of that name");

    admins_file(&dir, "operuser\n");
    server.signal(libc::SIGHUP);
    // The signal and the next OPER race: each answer is a round trip, and
    // the list changes once the loop takes the signal.
    let mut answers = Vec::new();
    for _ in 0..50 {
        baz.send("OPER operuser operpassword");
        let answer = baz.line();
        if answer.starts_with(":linechat 381 ") {
            baz.expect_line(":baz MODE baz +o");
            return;
        }
        answers.push(answer);
    }
    panic!("OPER never took after the SIGHUP: {answers:?}");
}

/// With --redis: an operator on node A kills a telnet user and an IRC
/// user of node B, announces to B's users, WALLOPS reaches the operators
/// of both nodes (a telnet operator too), and each node's WHO and WHOIS
/// show the other's operators.
#[test]
fn a_kill_reaches_another_node() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let dir = TempDir::new("cluster");
    let admins = admins_file(&dir, "operuser\n");
    let flags = |irc: &str| {
        [
            "--admins".to_string(),
            admins.clone(),
            "--irc-addr".into(),
            irc.into(),
        ]
    };
    let (a_irc, b_irc) = (irc_addr().to_string(), irc_addr().to_string());
    let a_flags = flags(&a_irc);
    let b_flags = flags(&b_irc);
    let a = Node::start_with(
        &redis.url(0),
        &a_flags.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let b = Node::start_with(
        &redis.url(0),
        &b_flags.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    register(a.addr);
    let mut op = operator_at(a.addr);
    let mut bob = Client::connect(b.addr);
    bob.login("bob");
    op.skip_until("*** bob has joined");
    let mut ivy = Irc::register_at(b_irc.parse().unwrap(), "ivy", "");
    let mut ops_b = Irc::register_at(b_irc.parse().unwrap(), "opsb", "");
    ops_b.send("OPER operuser operpassword");
    ops_b.expect_line(":linechat 381 opsb :You are now an IRC operator");
    ops_b.expect_line(":opsb MODE opsb +o");
    let mut wal = Irc::register_at(a_irc.parse().unwrap(), "wal", "");
    wal.send("OPER operuser operpassword");
    wal.expect_line(":linechat 381 wal :You are now an IRC operator");
    wal.expect_line(":wal MODE wal +o");

    op.send("/announce maintenance soon\n");
    op.expect_line("*** Announcement from operuser: maintenance soon");
    bob.expect_line("*** Announcement from operuser: maintenance soon");
    ivy.expect_line(":linechat NOTICE * :Announcement from operuser: maintenance soon");

    wal.send("WALLOPS :ops of every node");
    ops_b.skip_until(":wal!wal@linechat WALLOPS :ops of every node");
    op.expect_line("*** To the operators from wal: ops of every node");
    // Node A knows opsb of node B is an operator (WHO, WHOIS): B's
    // events come in order, so its WALLOPS arrives after that news.
    ops_b.send("WALLOPS :from b");
    op.expect_line("*** To the operators from opsb: from b");
    wal.skip_until(":opsb!opsb@linechat WALLOPS :from b");
    wal.send("WHO opsb");
    wal.expect_line(":linechat 352 wal * opsb linechat linechat opsb H* :0 opsb");
    wal.sync();
    wal.send("WHOIS opsb");
    let whois = wal.skip_until(":linechat 318 wal opsb :End of /WHOIS list");
    assert!(
        whois.contains(&":linechat 313 wal opsb :is an IRC operator".to_string()),
        "{whois:?}"
    );

    op.send("/kill bob spam\n");
    op.expect_line("*** bob was disconnected");
    bob.expect_line("*** You were disconnected by operuser: spam");
    bob.expect_eof();
    op.expect_line("*** bob has left");

    wal.send("KILL ivy :bye");
    ivy.expect_line("ERROR :Closing Link: linechat (Killed (wal (bye)))");
    ivy.client.expect_eof();
}
