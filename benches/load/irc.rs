//! The IRC cases (IF1, IL1: F1's and L1's shapes over IRC): the generator
//! with `--irc` against linechat's IRC listener, then, when installed,
//! against the IRC servers it is compared with, InspIRCd and ngIRCd, each
//! started fresh on a free port with its config from `tests/peers/` (flood
//! control off, or as low as it goes).

use crate::cases::Case;
use crate::run::{Outcome, Row, Setup, run_generator};
use crate::server::{Server, is_listening, stop};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The peers: name, program, the config (with `@PORT@` and `@DIR@` to fill
/// in), and the arguments that run it in the foreground with that config.
const PEERS: [(&str, &str, &str, &[&str]); 2] = [
    (
        "inspircd",
        "inspircd",
        include_str!("../../tests/peers/inspircd.conf"),
        &["--nofork", "--runasroot", "--config"],
    ),
    (
        "ngircd",
        "ngircd",
        include_str!("../../tests/peers/ngircd.conf"),
        &["--nodaemon", "--config"],
    ),
];

/// Clients logging in at once against a peer: ngIRCd's short listen
/// backlog drops a burst of connects (a login of 100 clients then takes
/// 15 s of SYN retries instead of 0.1 s); logins are not what IF1 and IL1
/// measure.
const PEER_CONCURRENCY: &str = "8";

/// `case` against linechat's IRC listener, then against each installed
/// peer: one row each.
pub fn run_irc_case(setup: &Setup, case: &Case, flags: &[String]) -> Vec<Row> {
    let row = |server: String, flags: Vec<String>, out: Outcome| Row {
        id: case.id,
        server,
        what: case.what.clone(),
        table: case.table,
        flags,
        out,
    };
    let mut rows = Vec::new();
    let out = match free_port() {
        Ok(port) => {
            let flags = [flags.to_vec(), irc_flags(port)].concat();
            run_linechat_irc(setup, case, &flags, port)
        }
        Err(e) => Outcome::failed(e),
    };
    let shown = [flags.to_vec(), irc_flags(0)].concat();
    rows.push(row(setup.label.clone(), shown, out));
    for (name, program, config, args) in PEERS {
        let Some(bin) = installed(program) else {
            eprintln!(
                "load bench: {} skipped against {name}: not installed",
                case.id
            );
            continue;
        };
        eprintln!("load bench: {} {} ({name}) ...", case.id, case.what);
        let out = run_peer(setup, case, &bin, config, args);
        rows.push(row(
            name.into(),
            vec![format!("tests/peers/{name}.conf")],
            out,
        ));
    }
    rows
}

/// `case` over WebSocket against linechat's web listener: one row.
pub fn run_web_case(setup: &Setup, case: &Case, flags: &[String]) -> Row {
    let web = |port: u16| vec!["--web-addr".to_string(), format!("127.0.0.1:{port}")];
    let out = match free_port() {
        Ok(port) => run_linechat_irc(setup, case, &[flags.to_vec(), web(port)].concat(), port),
        Err(e) => Outcome::failed(e),
    };
    Row {
        id: case.id,
        server: setup.label.clone(),
        what: case.what.clone(),
        table: case.table,
        flags: [flags.to_vec(), web(0)].concat(),
        out,
    }
}

fn irc_flags(port: u16) -> Vec<String> {
    vec!["--irc-addr".into(), format!("127.0.0.1:{port}")]
}

fn run_linechat_irc(setup: &Setup, case: &Case, flags: &[String], port: u16) -> Outcome {
    let mut server = match Server::start(&setup.server_bin, flags) {
        Ok(s) => s,
        Err(e) => return Outcome::failed(e),
    };
    let out = if wait_listening(port) {
        run_generator(
            &setup.load_bin,
            &case.args,
            &format!("127.0.0.1:{port}"),
            &[server.pid()],
            &[],
        )
    } else {
        Outcome::failed(format!("linechat did not listen for IRC on port {port}"))
    };
    server.stop();
    out
}

/// `case` against a fresh peer `bin` run with `config` in a directory of
/// its own.
fn run_peer(setup: &Setup, case: &Case, bin: &Path, config: &str, args: &[&str]) -> Outcome {
    let port = match free_port() {
        Ok(p) => p,
        Err(e) => return Outcome::failed(e),
    };
    let dir =
        std::env::temp_dir().join(format!("linechat-bench-irc-{}-{port}", std::process::id()));
    let conf = dir.join("server.conf");
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::write(dir.join("motd"), "linechat bench peer\n")?;
        let text = config
            .replace("@PORT@", &port.to_string())
            .replace("@DIR@", &dir.display().to_string());
        std::fs::write(&conf, text)
    });
    if let Err(e) = written {
        return Outcome::failed(format!("{}: {e}", dir.display()));
    }
    let out = match spawn_peer(bin, args, &conf, &dir) {
        Ok(mut child) => {
            let out = if wait_listening(port) {
                run_generator(
                    &setup.load_bin,
                    &case.args,
                    &format!("127.0.0.1:{port}"),
                    &[child.id()],
                    &["--concurrency", PEER_CONCURRENCY],
                )
            } else {
                Outcome::failed(format!(
                    "{} did not listen on port {port} (log in {})",
                    bin.display(),
                    dir.display()
                ))
            };
            stop(&mut child);
            out
        }
        Err(e) => Outcome::failed(e),
    };
    if out.ok {
        let _ = std::fs::remove_dir_all(&dir);
    }
    out
}

fn spawn_peer(bin: &Path, args: &[&str], conf: &Path, dir: &Path) -> Result<Child, String> {
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    Command::new(bin)
        .args(args)
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))
}

/// A port nothing listens on now (the kernel's pick, released).
fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Whether something listens on `port` within 10 s.
fn wait_listening(port: u16) -> bool {
    let until = Instant::now() + Duration::from_secs(10);
    while !is_listening(port) {
        if Instant::now() >= until {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

/// `program` on PATH or in the sbin directories (Debian puts both peers
/// in /usr/sbin, which a non-login PATH may lack).
fn installed(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
