//! The `linechat` binary: flags, the startup log line, and SIGTERM.

use crate::util;

use std::process::Command;
use std::time::Duration;
use util::{Client, spawn_binary as spawn};

/// SIGTERM: everyone gets the shutdown notice, connections close, exit 0.
#[test]
fn sigterm_notifies_everyone_and_exits_zero() {
    let (mut child, addr) = spawn(&[]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    let mut bob = Client::connect(addr);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    bob.send("hello\n");
    alice.expect("bob: hello\r\n");
    let mut lurker = Client::connect(addr);
    lurker.expect(util::GREETING);

    child.signal(libc::SIGTERM);
    // The lurker's cursor is after the prompt: its notice starts a new line.
    lurker.expect("\r\n");
    for c in [&mut alice, &mut bob, &mut lurker] {
        c.expect("*** Server shutting down\r\n");
        c.expect_eof();
    }
    let status = child.wait_exit(Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
}

/// SIGINT behaves like SIGTERM.
#[test]
fn sigint_exits_zero() {
    let (mut child, addr) = spawn(&["--max-clients", "5"]);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    child.signal(libc::SIGINT);
    alice.expect("*** Server shutting down\r\n");
    alice.expect_eof();
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// Runs the binary with `args` and returns its exit code, stdout and
/// stderr; fails the test if it is still running after 10 s (flags that
/// should have been refused started a server).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_linechat"))
        .args(args)
        // The flags alone decide, not a Redis URL from the environment.
        .env_remove("LINECHAT_REDIS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes meanwhile, so a full pipe cannot stall the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("linechat {args:?} still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (
        status.code(),
        stdout.join().unwrap(),
        stderr.join().unwrap(),
    )
}

/// A bad flag or value is one line naming it, and exit status 2.
#[test]
fn bad_flags_exit_2_with_one_line() {
    for (args, names) in [
        (&["--bogus"][..], "--bogus"),
        (&["--max-line", "abc"][..], "--max-line"),
        (&["--max-line", "0"][..], "--max-line"),
        (&["--max-outbuf", "-5"][..], "--max-outbuf"),
        (&["--login-timeout", "0"][..], "--login-timeout"),
        (&["--max-clients", "many"][..], "--max-clients"),
        (&["--addr", "nowhere"][..], "--addr"),
        (&["--addr", "no-such-host.invalid:80"][..], "--addr"),
        (&["--rate", "fast"][..], "--rate"),
        (&["--burst", "0"][..], "--burst"),
        (&["--idle-timeout", "x"][..], "--idle-timeout"),
        (&["--max-per-ip", "-1"][..], "--max-per-ip"),
        (&["--metrics-addr", "x"][..], "--metrics-addr"),
        (&["--metrics-allow", "10.0.0.0/33"][..], "--metrics-allow"),
        (&["--max-pending-per-ip", "x"][..], "--max-pending-per-ip"),
        (&["--max-line"][..], "--max-line"),
        (&["--history", "100000000"][..], "--history"),
        (&["--node-timeout", "5"][..], "--node-timeout needs --redis"),
        (
            &["--allow-plaintext-passwords"][..],
            "--allow-plaintext-passwords needs --tls-addr",
        ),
        (&["--data-dir", "/etc/passwd"][..], "not a directory"),
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(names), "{args:?}: {stderr}");
    }
}

/// A host name and the --flag=value form are accepted; the log names the
/// address that was bound.
#[test]
fn host_names_and_equals_form() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
    command
        .args([
            "--max-clients=5",
            "--addr=localhost:0",
            "--irc-addr=off",
            "--web-addr=off",
        ])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped());
    let (mut child, addr) = util::spawn_command(command);
    assert!(addr.ip().is_loopback(), "{addr}");
    let mut alice = Client::connect(addr);
    alice.login("alice");
    child.signal(libc::SIGTERM);
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// `--addr :PORT` listens on every interface (0.0.0.0), so loopback works.
#[test]
fn a_port_alone_is_every_interface() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
    command
        .args(["--addr", ":0", "--irc-addr", "off", "--web-addr", "off"])
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped());
    let (mut child, addr) = util::spawn_command(command);
    assert!(addr.ip().is_unspecified(), "{addr}");
    let mut alice = Client::connect(([127, 0, 0, 1], addr.port()).into());
    alice.login("alice");
    child.signal(libc::SIGTERM);
    assert_eq!(child.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// A key file with no private key in it (here, a certificate) says so.
#[test]
fn a_key_file_without_a_key_says_so() {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("rcgen");
    let dir = std::env::temp_dir().join(format!("linechat-binary-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    let cert = cert.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "--addr",
        "127.0.0.1:0",
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-cert",
        cert,
        "--tls-key",
        cert,
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("no private key found in {cert}")),
        "{stderr}"
    );
}

/// A metrics port that is taken is reported as the metrics address, not
/// the chat address.
#[test]
fn busy_metrics_port_names_the_metrics_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics = taken.local_addr().unwrap().to_string();
    let (code, _, stderr) = run(&["--addr", "127.0.0.1:0", "--metrics-addr", &metrics]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot serve metrics on {metrics}")),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--addr", &metrics]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {metrics}")),
        "{stderr}"
    );
}

/// --help documents every flag; --version prints the version.
#[test]
fn help_and_version() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    for flag in [
        "--addr",
        "--max-clients",
        "--max-line",
        "--max-outbuf",
        "--login-timeout",
        "--rate",
        "--burst",
        "--idle-timeout",
        "--max-per-ip",
        "--max-pending",
        "--max-pending-per-ip",
        "--login-rate",
        "--ip-rate",
        "--keepalive",
        "--max-output-memory",
        "--quiet-joins",
        "--timestamps",
        "--metrics-addr",
        "--metrics-allow",
    ] {
        assert!(out.contains(flag), "--help misses {flag}");
    }
    let (code, out, _) = run(&["-V"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.trim(),
        format!("linechat {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Out of file descriptors, the server neither spins nor dies: it pauses
/// accepting, keeps serving its users, and takes the waiting connections
/// once descriptors free up.
#[test]
fn running_out_of_descriptors_does_not_spin() {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
    command
        .args([
            "--irc-addr",
            "off",
            "--web-addr",
            "off",
            "--addr",
            "127.0.0.1:0",
            "--max-clients",
            "1000",
            "--rate",
            "0",
            "--max-per-ip",
            "0",
            "--max-pending-per-ip",
            "0",
            "--login-rate",
            "0",
        ])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 48,
                rlim_max: 48,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (mut server, addr) = util::spawn_command(command);
    let mut alice = Client::connect(addr);
    alice.login("alice");
    // Far more connections than descriptors: the kernel completes them all,
    // the server can accept only some.
    let extra: Vec<std::net::TcpStream> = (0..80)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let before = util::cpu_time(server.id());
    std::thread::sleep(Duration::from_secs(1));
    let spent = util::cpu_time(server.id()) - before;
    assert!(
        spent < Duration::from_millis(300),
        "spun for {spent:?} in 1 s"
    );
    // Still serving the room.
    let mut bob = Client::connect(addr);
    drop(extra);
    bob.login("bob");
    alice.expect("*** bob has joined\r\n");
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit(Duration::from_secs(5)).code(), Some(0));
}

/// Redis credentials come from the URL or from the environment, never
/// both, and a refusal never shows the password: exit 2, one line.
#[test]
fn redis_credentials_in_one_place_and_never_shown() {
    /// Arguments, environment, and what the refusal says.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (
            &["--redis", "redis://:url-secret@127.0.0.1:1"],
            &[("LINECHAT_REDIS_PASSWORD", "env-secret")],
            "both in the URL and in LINECHAT_REDIS_PASSWORD",
        ),
        (
            &["--redis", "redis://127.0.0.1:1"],
            &[("LINECHAT_REDIS_USERNAME", "app")],
            "LINECHAT_REDIS_USERNAME is set but LINECHAT_REDIS_PASSWORD is not",
        ),
        (
            &[],
            &[("LINECHAT_REDIS_PASSWORD", "env-secret")],
            "there is no --redis",
        ),
        (
            &["--redis", "redis://app:url-secret@127.0.0.1:x"],
            &[],
            "invalid value 'redis://***@127.0.0.1:x' for --redis",
        ),
        (
            &["--redis", "redis://url-secret@127.0.0.1:1"],
            &[],
            "[USER]:PASSWORD@",
        ),
    ];
    for (args, env, says) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_linechat"))
            .args(args)
            .env_remove("LINECHAT_REDIS")
            .env_remove("LINECHAT_REDIS_PASSWORD")
            .env_remove("LINECHAT_REDIS_USERNAME")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("secret"), "{stderr}");
    }
}

/// The README's usage synopsis (the block under "Flags") and `--help`
/// name the same flags: a flag added to one and not the other fails here.
#[test]
fn readme_synopsis_matches_help() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let synopsis = readme
        .split("\n```\n")
        .find(|block| block.starts_with("linechat ["))
        .expect("a ``` block starting `linechat [` in README.md");
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    let in_synopsis = flags_in(synopsis);
    // The OPTIONS list, not the notes after it (`--flag=value`).
    let options = help
        .split("OPTIONS:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("an OPTIONS: list in --help");
    let in_help = flags_in(options);
    let missing: Vec<_> = in_help.difference(&in_synopsis).collect();
    let extra: Vec<_> = in_synopsis.difference(&in_help).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README synopsis lacks {missing:?}; --help lacks {extra:?}"
    );
}

/// Every `--flag` named in `text`.
fn flags_in(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(str::to_owned)
        .collect()
}
