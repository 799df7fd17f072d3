//! Registered names (`--data-dir`): `/register`, the password prompt on
//! the next login, three wrong passwords, `/nick` kept off registered
//! names, accounts off without a store, and a store that survives the
//! server being killed in the middle of `/register`. Attacks on them: a
//! stranger's wrong passwords, a session or a prompt left holding the
//! name.

use crate::util;

use std::time::Duration;
use util::{Client, GREETING, ServerProcess, TempDir, spawn_binary};

/// The server with its store in `store` under `dir` (a [`TempDir`]): the
/// server makes the store's directory itself, private.
fn start(dir: &std::path::Path) -> (ServerProcess, std::net::SocketAddr) {
    start_with(dir, &[])
}

fn start_with(dir: &std::path::Path, extra: &[&str]) -> (ServerProcess, std::net::SocketAddr) {
    let store = dir.join("store");
    let dir = store.to_str().unwrap();
    spawn_binary(
        &[
            &["--data-dir", dir][..],
            linechat::config::NO_ADDRESS_LIMITS,
            extra,
        ]
        .concat(),
    )
}

/// Logs `name` in, registers it with `password` and quits.
fn registered(addr: std::net::SocketAddr, name: &str, password: &str) {
    let mut user = Client::connect(addr);
    user.login(name);
    register(&mut user, name, password);
    user.send("/quit\n");
    user.expect_line("*** Bye!");
}

/// Connects from loopback address `from`, types `name` and expects the
/// password prompt.
fn at_password_prompt(from: [u8; 4], addr: std::net::SocketAddr, name: &str) -> Client {
    let mut client = Client::connect_from(from.into(), addr);
    client.expect(GREETING);
    client.send(&format!("{name}\n"));
    client.expect_password_prompt();
    client
}

/// Registers `name` with `password` and waits for the confirmation.
fn register(client: &mut Client, name: &str, password: &str) {
    client.send(&format!("/register {password}\n"));
    client.expect_line(&format!(
        "*** Registered {name}: logging in as {name} now asks for this password"
    ));
}

/// Register, reconnect, the password is asked for, the right one lets the
/// user in; the name cannot be twice registered.
#[test]
fn a_registered_name_asks_for_its_password() {
    let dir = TempDir::new("login");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "s3cret pass");
    alice.send("/register other\n");
    alice.expect_line("*** alice is already registered");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");

    let mut again = Client::connect(addr);
    again.expect(GREETING);
    again.send("ALICE\n");
    again.expect_password_prompt();
    again.send("s3cret pass\n");
    again.expect_line("*** Welcome, ALICE! #lobby: 1 online: ALICE");
}

/// Sitting at a registered name's password prompt holds nothing against
/// its owner: the owner is asked too, the right password wins, and the
/// squatter is told and sent back to the name prompt. A prompt left open
/// closes after `--password-timeout`.
#[test]
fn a_password_prompt_does_not_hold_the_name() {
    let dir = TempDir::new("squat");
    let (_server, addr) = start(&dir);
    registered(addr, "alice", "right");
    let mut squatter = at_password_prompt([127, 0, 0, 2], addr, "alice");
    let mut owner = at_password_prompt([127, 0, 0, 3], addr, "Alice");
    owner.send("right\n");
    owner.expect_line("*** Welcome, Alice! #lobby: 1 online: Alice");
    // (After a while a client that speaks no telnet is told its typing
    // shows: skipped here.)
    squatter.skip_until("*** alice logged in with its password from elsewhere");
    squatter.expect("Enter your name: ");
    let dir = TempDir::new("squat-timeout");
    let (_server, addr) = start_with(&dir, &["--password-timeout", "1"]);
    registered(addr, "alice", "right");
    let mut idle = at_password_prompt([127, 0, 0, 4], addr, "alice");
    idle.skip_until("*** Login timed out");
    idle.expect_eof();
}

/// A session left behind (a vanished client, say) holds a registered
/// name: its owner logging in with the password gets it at once, the old
/// session is closed with a notice, and the room sees it leave and come
/// back (the owner resumes the session, issue 24). A guest's name cannot
/// be taken that way.
#[test]
fn the_owner_takes_the_name_back_from_a_stale_session() {
    let dir = TempDir::new("ghost");
    let (_server, addr) = start(&dir);
    let mut ghost = Client::connect(addr);
    ghost.login("alice");
    register(&mut ghost, "alice", "pw");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    ghost.expect_line("*** bob has joined");
    let mut owner = at_password_prompt([127, 0, 0, 2], addr, "alice");
    owner.send("pw\n");
    owner.expect_line("*** Welcome, alice! #lobby: 2 online: alice, bob");
    ghost.expect_line("*** You logged in from elsewhere");
    ghost.expect_eof();
    bob.expect_line("*** alice has left");
    bob.expect_line("*** alice is back");
    let mut guest = Client::connect(addr);
    guest.expect(GREETING);
    guest.send("bob\n");
    guest.expect_line("*** The name 'bob' is taken");
}

/// Wrong passwords lock the attempt, not the owner: five from one address
/// lock that address out of the name (even with the right password),
/// while the owner, from another address, logs in at once.
#[test]
fn a_strangers_wrong_passwords_do_not_lock_out_the_owner() {
    let dir = TempDir::new("dos");
    let (_server, addr) = start(&dir);
    registered(addr, "alice", "right");
    let mut guess = at_password_prompt([127, 0, 0, 2], addr, "ALICE");
    for round in 0..5 {
        guess.send("wrong\n");
        match round {
            2 => {
                guess.expect_line("*** Wrong password three times, disconnecting");
                guess = at_password_prompt([127, 0, 0, 2], addr, "ALICE");
            }
            _ => guess.expect("*** Wrong password, try again\r\nPassword: "),
        }
    }
    guess.send("right\n");
    let told = guess.line();
    let locked = "*** Too many wrong passwords for alice from your address; try again in ";
    assert!(told.starts_with(locked) && told.ends_with(" s"), "{told}");
    let mut owner = at_password_prompt([127, 0, 0, 3], addr, "alice");
    owner.send("right\n");
    owner.expect_line("*** Welcome, alice! #lobby: 1 online: alice");
}

/// Two wrong passwords are told and asked again; the third closes.
#[test]
fn three_wrong_passwords_close_the_connection() {
    let dir = TempDir::new("wrong");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "right");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let mut guess = Client::connect(addr);
    guess.expect(GREETING);
    guess.send("alice\n");
    guess.expect_password_prompt();
    for attempt in ["wrong1", "wrong2"] {
        guess.send(&format!("{attempt}\n"));
        guess.expect("*** Wrong password, try again\r\nPassword: ");
    }
    guess.send("wrong3\n");
    guess.expect_line("*** Wrong password three times, disconnecting");
    guess.expect_eof();
}

/// `/nick` to a registered name is refused; the owner may change its case.
#[test]
fn nick_never_takes_a_registered_name() {
    let dir = TempDir::new("nick");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "pw");
    alice.send("/nick Alice\n");
    alice.expect_line("*** You are now known as Alice");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect_line("*** bob has joined");
    alice.send("/quit\n");
    bob.expect_line("*** Alice has left");
    bob.send("/nick alice\n");
    bob.expect_line("*** The name 'alice' is registered");
    bob.send("/nick carol\n");
    bob.expect_line("*** You are now known as carol");
}

/// Without `--data-dir`, `/register` says accounts are off (and `/help`
/// leaves the account commands out) and logins are as before.
#[test]
fn accounts_are_off_without_a_store() {
    let (_server, addr) = spawn_binary(linechat::config::NO_ADDRESS_LIMITS);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    alice.send("/register pw\n");
    alice.expect_line("*** Accounts are off on this server");
    alice.send("/help\n");
    let help = alice.skip_until("*** Start a line with // to send a line that begins with /");
    assert!(help.iter().any(|l| l.starts_with("*** /quit")), "{help:?}");
    assert!(!help.iter().any(|l| l.contains("/register")), "{help:?}");
}

/// The server killed (SIGKILL) right after `/register`, again and again:
/// the store always opens again, and a registration that was confirmed is
/// kept.
#[test]
fn the_store_survives_kill_9_during_register() {
    let dir = TempDir::new("kill");
    for round in 0..5 {
        let (mut server, addr) = start(&dir);
        let name = format!("u{round}");
        let mut user = Client::connect(addr);
        user.login(&name);
        user.send("/register pw\n");
        server.signal(libc::SIGKILL);
        server.wait_exit(Duration::from_secs(5));
    }
    let (mut server, addr) = start(&dir);
    let mut kept = Client::connect(addr);
    kept.login("kept");
    register(&mut kept, "kept", "pw");
    server.signal(libc::SIGKILL);
    server.wait_exit(Duration::from_secs(5));
    let (_server, addr) = start(&dir);
    let mut again = Client::connect(addr);
    again.expect(GREETING);
    again.send("kept\n");
    again.expect_password_prompt();
    again.send("pw\n");
    again.expect_line("*** Welcome, kept! #lobby: 1 online: kept");
    // Each interrupted name is either registered or free: never an error.
    for round in 0..5 {
        let mut probe = Client::connect(addr);
        probe.expect(GREETING);
        probe.send(&format!("u{round}\n"));
        let reply = probe.line_or_prompt(util::PASSWORD_PROMPT);
        assert!(
            reply == String::from_utf8_lossy(util::PASSWORD_PROMPT)
                || reply.starts_with(&format!("*** Welcome, u{round}! ")),
            "{reply:?}"
        );
    }
}

/// `/password OLD NEW` needs the old password; `/unregister PASSWORD` frees
/// the name so it logs in without a password again.
#[test]
fn passwords_change_and_names_unregister() {
    let dir = TempDir::new("change");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "first");
    alice.send("/password wrong second\n");
    alice.expect_line("*** Wrong password, or alice is not registered");
    alice.send("/password first second\n");
    alice.expect_line("*** Password of alice changed");
    alice.send("/password\n");
    alice.expect_line("*** Usage: /password OLD NEW");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let mut again = Client::connect(addr);
    again.expect(GREETING);
    again.send("alice\n");
    again.expect_password_prompt();
    again.send("first\n");
    again.expect("*** Wrong password, try again\r\nPassword: ");
    again.send("second\n");
    again.expect_line("*** Welcome, alice! #lobby: 1 online: alice");
    again.send("/unregister second\n");
    again.expect_line("*** alice is no longer registered");
    again.send("/quit\n");
    again.expect_line("*** Bye!");
    let mut free = Client::connect(addr);
    free.login("alice");
}

/// Five wrong passwords for one name from one address, over any
/// connections, lock that address out of the name for 30 s: even the
/// right password waits.
#[test]
fn wrong_passwords_lock_the_name() {
    let dir = TempDir::new("lock");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "right");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let attempt = |client: &mut Client, password: &str| {
        client.send(&format!("{password}\n"));
    };
    let mut first = Client::connect(addr);
    first.expect(GREETING);
    first.send("alice\n");
    first.expect_password_prompt();
    for _ in 0..2 {
        attempt(&mut first, "wrong");
        first.expect("*** Wrong password, try again\r\nPassword: ");
    }
    attempt(&mut first, "wrong");
    first.expect_line("*** Wrong password three times, disconnecting");
    let mut second = Client::connect(addr);
    second.expect(GREETING);
    second.send("alice\n");
    second.expect_password_prompt();
    attempt(&mut second, "wrong");
    second.expect("*** Wrong password, try again\r\nPassword: ");
    attempt(&mut second, "wrong");
    second.expect("*** Wrong password, try again\r\nPassword: ");
    let locked = "*** Too many wrong passwords for alice from your address; try again in ";
    attempt(&mut second, "right");
    let told = second.line();
    assert!(told.starts_with(locked) && told.ends_with(" s"), "{told}");
    second.expect("Enter your name: ");
    second.send("alice\n");
    assert!(second.line().starts_with(locked));
}

/// A telnet client is asked to stop echoing for the password (the server
/// offers ECHO and takes the client's DO without refusing it), and to echo
/// again after it, with the line end its Enter did not show.
#[test]
fn telnet_hides_the_password() {
    const IAC: u8 = 255;
    let dir = TempDir::new("echo");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "pw");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let mut telnet = Client::connect(addr);
    // What telnet sends at connect: it will suppress go-ahead.
    telnet.send_bytes(&[IAC, 251, 3]);
    telnet.expect(GREETING);
    telnet.expect_bytes(&[IAC, 254, 3]); // Refused, as every option is.
    telnet.send("alice\n");
    telnet.expect_password_prompt(); // IAC WILL ECHO, CR, "Password: "
    telnet.send_bytes(&[IAC, 253, 1]); // DO ECHO: accepted, not answered.
    telnet.send("pw\n");
    telnet.expect_bytes(&[IAC, 252, 1]); // WONT ECHO
    telnet.expect("\r\n*** Welcome, alice! #lobby: 1 online: alice\r\n");
}

/// A telnet that negotiates nothing until the server does (inetutils
/// telnet on a port other than 23) is offered ECHO at the password prompt;
/// once it agrees, nothing of what it types comes back, it is not told that
/// its typing shows, and the password logs it in.
#[test]
fn a_telnet_that_waits_for_the_server_hides_the_password() {
    const IAC: u8 = 255;
    let dir = TempDir::new("silent");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "pw");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let mut telnet = Client::connect(addr);
    telnet.expect(GREETING);
    telnet.send("alice\n");
    telnet.expect_bytes(&[IAC, 251, 1]); // WILL ECHO, though it spoke no telnet
    telnet.expect("\rPassword: ");
    // What inetutils telnet answers: DO ECHO, and its own wishes.
    telnet.send_bytes(&[IAC, 253, 1, IAC, 253, 3]);
    telnet.expect_bytes(&[IAC, 252, 3]); // SGA refused; DO ECHO taken silently.
    // Past the wait for an answer, the agreed client is told nothing.
    let wait = Duration::from_millis(1500);
    telnet.stream.set_read_timeout(Some(wait)).unwrap();
    let mut byte = [0u8; 1];
    let quiet = std::io::Read::read(&mut telnet.stream, &mut byte);
    assert!(quiet.is_err(), "the server sent {quiet:?} {byte:?}");
    telnet
        .stream
        .set_read_timeout(Some(util::READ_TIMEOUT))
        .unwrap();
    telnet.send("pw\r\n");
    // No echo of the password: the withdrawal, the line end, the welcome.
    telnet.expect_bytes(&[IAC, 252, 1]); // WONT ECHO
    telnet.expect("\r\n*** Welcome, alice! #lobby: 1 online: alice\r\n");
    // DONT ECHO agrees to the withdrawal: it is not answered.
    telnet.send_bytes(&[IAC, 254, 1]);
    telnet.send("/who\n");
    let who = telnet.line();
    assert!(who.starts_with("*** 1 online: alice (idle "), "{who:?}");
}

/// A client that never answers the offer (a raw `nc`) is told, after a
/// short wait, that its typing shows, over the prompt, which follows again;
/// after the password it is sent no telnet bytes (no `IAC WONT ECHO`, which
/// it would show) and no extra line end.
#[test]
fn a_client_that_never_answers_is_told_its_typing_shows() {
    let dir = TempDir::new("nc");
    let (_server, addr) = start(&dir);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    register(&mut alice, "alice", "pw");
    alice.send("/quit\n");
    alice.expect_line("*** Bye!");
    let mut nc = Client::connect(addr);
    nc.expect(GREETING);
    nc.send("alice\n");
    nc.expect_password_prompt();
    nc.expect("\r*** Your client shows what you type: mind who can see your screen\r\nPassword: ");
    nc.send("pw\n");
    nc.expect_line("*** Welcome, alice! #lobby: 1 online: alice");
}

/// Password checks queue for the one hasher, but never hold up anything
/// else: with 40 wrong passwords sent at once, a login with a name nobody
/// registered is welcomed while checks still wait, and past the bound on
/// waiting checks a password is answered at once that the server is busy.
#[test]
fn password_checks_do_not_hold_up_other_logins() {
    use std::io::Read;
    let dir = TempDir::new("busy");
    let (_server, addr) = start(&dir);
    registered(addr, "alice", "right");
    let mut prompts: Vec<Client> = (0..40)
        .map(|_| at_password_prompt([127, 0, 0, 2], addr, "alice"))
        .collect();
    for prompt in &mut prompts {
        prompt.send("wrong\n");
    }
    let mut fresh = Client::connect(addr);
    fresh.login("bob");
    // What each prompt has heard so far (its typing notice aside).
    let mut heard = vec![String::new(); prompts.len()];
    let listen = |prompts: &mut [Client], heard: &mut [String]| {
        for (prompt, heard) in prompts.iter_mut().zip(heard.iter_mut()) {
            prompt.stream.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = prompt.stream.read(&mut buf) {
                heard.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    };
    listen(&mut prompts, &mut heard);
    let answered = |h: &String| h.contains("Wrong password") || h.contains("busy");
    let waiting = heard.iter().filter(|h| !answered(h)).count();
    assert!(waiting > 0, "bob waited for every password check");
    let busy = "*** The server is busy checking passwords, try again in a moment\r\nPassword: ";
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !heard.iter().any(|h| h.contains(busy)) {
        assert!(std::time::Instant::now() < deadline, "nobody was told busy");
        std::thread::sleep(Duration::from_millis(20));
        listen(&mut prompts, &mut heard);
    }
}

/// The store holds password hashes: a data directory the server makes is
/// 0700 and the file 0600. A data directory that is a file is refused at
/// start, saying so.
#[test]
fn the_store_is_private_and_its_directory_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let (_server, addr) = start(&dir);
    registered(addr, "alice", "pw");
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode();
    let store = dir.join("store");
    assert_eq!(mode(&store) & 0o777, 0o700);
    assert_eq!(mode(&store.join("accounts.redb")) & 0o777, 0o600);
    let file = store.join("accounts.redb");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linechat"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("accounts.redb") && stderr.contains("not a directory"),
        "{stderr}"
    );
}

/// Registration spam: one address registers three names, then is told to
/// wait; and the store keeps at most `--max-accounts` names. Both count in
/// `linechat_registrations_refused_total`.
#[test]
fn registrations_are_limited_per_address_and_in_total() {
    let dir = TempDir::new("spam");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let metrics = format!("127.0.0.1:{port}");
    let flags = ["--max-accounts", "4", "--metrics-addr", &metrics];
    let (_server, addr) = start_with(&dir, &flags);
    for i in 0..3 {
        registered(addr, &format!("spam{i}"), "pw");
    }
    let mut fourth = Client::connect(addr);
    fourth.login("spam3");
    fourth.send("/register pw\n");
    fourth.expect_line("*** Too many names registered from your address; try again later");
    let mut other = Client::connect_from([127, 0, 0, 2].into(), addr);
    other.login("owner");
    register(&mut other, "owner", "pw");
    let mut full = Client::connect_from([127, 0, 0, 3].into(), addr);
    full.login("late");
    full.send("/register pw\n");
    full.expect_line("*** This server keeps no more registered names; ask its operator");
    let values = util::metrics_values(metrics.parse().unwrap());
    assert_eq!(values["linechat_registrations_total"], 4.0);
    assert_eq!(values["linechat_registrations_refused_total"], 2.0);
}
