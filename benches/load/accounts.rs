//! Registered names (L2): L1's fanout next to password logins, with the
//! accounts worker's CPU apart.

use crate::cases::Case;
use crate::line_client::LineClient;
use crate::run::{Outcome, Row, run_generator};
use crate::server::{Server, known_flags, strings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// L2's login loops: one per registered name, each logging in with it over
/// and over (connect, name, password, welcome, `/quit`) on a thread of this
/// process, with plain blocking sockets.
pub const LOGIN_THREADS: usize = 20;

/// L2's rows, named so the README can quote them. (The 20 is
/// [`LOGIN_THREADS`].)
pub const L2_ALONE: &str = "L2 alone";
pub const L2_LOGINS: &str = "L2 + 20 logins";

/// The longest the bench's own clients wait for one reply (a whole step:
/// connect, a prompt, the welcome, `*** Bye!` and the close).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server says, to a client that speaks no telnet, on connect, at
/// a registered name, and to `/quit`.
pub const GREETING: &str = "Welcome to linechat!\r\nEnter your name: ";
/// The offer to hide typing (`IAC WILL ECHO`), a carriage return, the
/// prompt; the generator sends its password before the server would tell
/// it that its typing shows.
pub const PASSWORD_PROMPT: &[u8] = b"\xff\xfb\x01\rPassword: ";
pub const BYE: &[u8] = b"*** Bye!\r\n";

/// The password logins of L2's login loops during one fanout run.
pub struct Logins {
    /// Completed (welcome received) in the generator's measurement window,
    /// and per second of it.
    pub in_window: usize,
    pub window_secs: f64,
    pub per_sec: f64,
    /// Completed while the generator ran (logins and drain too), and per
    /// second of that.
    pub in_run: usize,
    pub run_per_sec: f64,
    /// Connect to welcome, of those completed in the window.
    pub p50: Option<Duration>,
    pub p99: Option<Duration>,
}

/// L2: one linechat with `--data-dir` (a fresh temporary directory) and
/// [`LOGIN_THREADS`] names registered on it; then the case's fanout run
/// alone ([`L2_ALONE`]) and again while every name logs in over and over
/// ([`L2_LOGINS`]). Both rows fail if the server does not start or a name
/// cannot be registered.
pub fn run_accounts(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    case: &Case,
    label: &str,
) -> Vec<Row> {
    let (alone, logins) = accounts_runs(server_bin, flags, load_bin, case);
    let shown = [flags.to_vec(), strings(&["--data-dir", "DIR"])].concat();
    [(L2_ALONE, alone), (L2_LOGINS, logins)]
        .into_iter()
        .map(|(id, out)| Row {
            id,
            server: label.to_string(),
            what: case.what.clone(),
            table: case.table,
            flags: shown.clone(),
            out,
        })
        .collect()
}

/// [`run_accounts`]' two outcomes: alone, and with the login loops.
pub fn accounts_runs(
    server_bin: &PathBuf,
    flags: &[String],
    load_bin: &PathBuf,
    case: &Case,
) -> (Outcome, Outcome) {
    let both = |why: String| (Outcome::failed(why.clone()), Outcome::failed(why));
    let dir = match DataDir::make() {
        Ok(d) => d,
        Err(e) => return both(e),
    };
    let mut data_flags = [
        flags.to_vec(),
        vec!["--data-dir".into(), dir.0.display().to_string()],
    ]
    .concat();
    // Every name is registered from this one address.
    if known_flags(server_bin)
        .iter()
        .any(|f| f == "--register-rate")
    {
        data_flags.extend(["--register-rate".into(), "0".into()]);
    }
    let mut server = match Server::start(server_bin, &data_flags) {
        Ok(s) => s,
        Err(e) => return both(e),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let names: Vec<(String, String)> = (0..LOGIN_THREADS)
        .map(|i| (format!("reg{i}"), format!("bench-password-{i}")))
        .collect();
    for (name, password) in &names {
        if let Err(e) = register(addr, name, password) {
            server.stop();
            return both(format!("registering {name}: {e}"));
        }
    }
    eprintln!("load bench: {L2_ALONE} ...");
    let pid = server.pid();
    let worker_before = thread_cpu(pid, "accounts");
    let started = Instant::now();
    let mut alone = run_generator(load_bin, &case.args, &addr.to_string(), &[pid], &[]);
    alone.worker_cpu = worker_share(pid, worker_before, started.elapsed());
    check_no_loss(&mut alone);
    eprintln!("load bench: {L2_LOGINS} ...");
    let mut with = run_with_logins(load_bin, case, addr, server.pid(), &names);
    check_no_loss(&mut with);
    server.stop();
    (alone, with)
}

/// Fails `out` if the generator reported lost deliveries (it fails the run
/// itself then too; this keeps L2 failing whatever its exit status says).
pub fn check_no_loss(out: &mut Outcome) {
    if let Some(lost) = out.num("lost").filter(|&l| l > 0.0) {
        out.fail(format!("{lost:.0} deliveries lost"));
    }
}

/// The case's fanout run while [`LOGIN_THREADS`] threads log in with
/// `names` over and over; they start before the generator and stop when
/// it has exited. Fails if any login fails or none completed in the
/// measurement window.
pub fn run_with_logins(
    load_bin: &PathBuf,
    case: &Case,
    addr: SocketAddr,
    pid: u32,
    names: &[(String, String)],
) -> Outcome {
    let stop = AtomicBool::new(false);
    let (mut out, results, started, ended, worker_cpu) = thread::scope(|s| {
        let loops: Vec<_> = names
            .iter()
            .map(|(name, password)| {
                let stop = &stop;
                s.spawn(move || login_loop(addr, name, password, stop))
            })
            .collect();
        let worker_before = thread_cpu(pid, "accounts");
        let started = Instant::now();
        let out = run_generator(load_bin, &case.args, &addr.to_string(), &[pid], &[]);
        let ended = Instant::now();
        let worker_cpu = worker_share(pid, worker_before, ended - started);
        stop.store(true, Ordering::Relaxed);
        let results: Vec<Result<Vec<Login>, String>> = loops
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("login thread panicked".into()))
            })
            .collect();
        (out, results, started, ended, worker_cpu)
    });
    let (mut done, mut errors) = (Vec::new(), Vec::new());
    for result in results {
        match result {
            Ok(logins) => done.extend(logins),
            Err(e) => errors.push(e),
        }
    }
    // The generator's measurement window: from the end of its logins and
    // barrier for its duration (its clock starts a process spawn later
    // than ours: well under a millisecond).
    let (from, to) = match (out.num("login_secs"), out.num("duration_secs")) {
        (Some(login), Some(secs)) => (
            started + Duration::from_secs_f64(login),
            started + Duration::from_secs_f64(login + secs),
        ),
        _ => (started, ended),
    };
    let window_secs = (to - from).as_secs_f64().max(1e-9);
    let mut took: Vec<Duration> = done
        .iter()
        .filter(|l| l.at >= from && l.at < to)
        .map(|l| l.took)
        .collect();
    took.sort_unstable();
    let pct = |q: f64| {
        let last = took.len().checked_sub(1)?;
        Some(took[(last as f64 * q).round() as usize])
    };
    let in_run = done
        .iter()
        .filter(|l| l.at >= started && l.at < ended)
        .count();
    let logins = Logins {
        in_window: took.len(),
        window_secs,
        per_sec: took.len() as f64 / window_secs,
        in_run,
        run_per_sec: in_run as f64 / (ended - started).as_secs_f64().max(1e-9),
        p50: pct(0.50),
        p99: pct(0.99),
    };
    if let Some(first) = errors.first() {
        out.fail(format!(
            "{} of {LOGIN_THREADS} login loops failed; first: {first}",
            errors.len()
        ));
    } else if logins.in_window == 0 {
        out.fail("no password login completed in the measurement window".into());
    }
    out.logins = Some(logins);
    out.worker_cpu = worker_cpu;
    out
}

/// One completed password login: when the welcome arrived, and how long
/// it took from the connect.
pub struct Login {
    pub at: Instant,
    pub took: Duration,
}

/// Logs in as `name` with `password` until `stop`: each time connect, the
/// name, the password prompt (with the offer to hide typing, left
/// unanswered), the password, the welcome, `/quit`, `*** Bye!` and the close.
/// The first unexpected reply, or none within [`STEP_TIMEOUT`], ends it
/// with an error.
pub fn login_loop(
    addr: SocketAddr,
    name: &str,
    password: &str,
    stop: &AtomicBool,
) -> Result<Vec<Login>, String> {
    let mut done = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let once = || -> Result<Login, String> {
            let start = Instant::now();
            let mut c = LineClient::connect(addr)?;
            c.expect(GREETING)?;
            c.send(&format!("{name}\n"))?;
            c.expect_bytes(PASSWORD_PROMPT)?;
            c.send(&format!("{password}\n"))?;
            c.welcome(name)?;
            let login = Login {
                at: Instant::now(),
                took: start.elapsed(),
            };
            c.quit()?;
            Ok(login)
        };
        match once() {
            Ok(login) => done.push(login),
            Err(e) => return Err(format!("{name}, login {}: {e}", done.len() + 1)),
        }
    }
    Ok(done)
}

/// Registers `name` with `password`: log in, `/register`, wait for the
/// confirmation, `/quit`.
pub fn register(addr: SocketAddr, name: &str, password: &str) -> Result<(), String> {
    let mut c = LineClient::connect(addr)?;
    c.expect(GREETING)?;
    c.send(&format!("{name}\n"))?;
    c.welcome(name)?;
    c.send(&format!("/register {password}\n"))?;
    c.expect(&format!(
        "*** Registered {name}: logging in as {name} now asks for this password\r\n"
    ))?;
    c.quit()
}

/// The CPU time (user + system) of the thread of process `pid` named
/// `name`, from `/proc/PID/task/*/{comm,stat}`.
pub fn thread_cpu(pid: u32, name: &str) -> Option<Duration> {
    let task = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })?;
    let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
    // As in `linechat::sys::process_cpu`: utime and stime are fields 14 and
    // 15, the 12th and 13th after the command name's closing parenthesis.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// The accounts worker's share of one core over `wall`, from its CPU time
/// `before` and now.
pub fn worker_share(pid: u32, before: Option<Duration>, wall: Duration) -> Option<f64> {
    let after = thread_cpu(pid, "accounts")?;
    Some(after.saturating_sub(before?).as_secs_f64() / wall.as_secs_f64().max(1e-9))
}

/// L2's `--data-dir`: a fresh temporary directory, removed when dropped.
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn make() -> Result<DataDir, String> {
        let dir =
            std::env::temp_dir().join(format!("linechat-bench-accounts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(DataDir(dir))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
