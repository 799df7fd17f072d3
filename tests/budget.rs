//! The memory budget end to end: the real binary, in a memory cgroup limited
//! to 256 MiB, learns its budget from the cgroup, and attacks that would
//! push a server without one past the limit leave it alive, inside the
//! limit, and chatting.
//!
//! Three shapes run one after another against one server, each while a
//! well-behaved pair chats (a numbered line every 100 ms each way, every
//! line checked to arrive, in order):
//! - telnet: never-readers that send only `IAC DO <opt>` requests;
//! - lines: never-readers that send one-byte lines at the allowed rate;
//! - bulk: as many connections as will open (up to 4,500), each sending
//!   64 KiB of lines (private messages to nobody) and never reading.
//!
//! What must hold: the cgroup never reached its limit (no OOM kill, no
//! charge that hit the limit, the highest charge below 256 MiB; under
//! cgroup v1 the memory and TCP-buffer counters are added, as v2 charges
//! both to one), the server still answers, every pair line arrived in order,
//! the server held no more connections and output than the budget allows,
//! and the shedding shows in `/metrics`.
//!
//! `budget_short` runs in `make tests` (about 30 s). `budget_full` (the same
//! shapes for 60–240 s) and `unbudgeted_server_breaks_the_limit` (the control:
//! the same load against a server told its budget is 64 GiB must hit the
//! limit, or the assertions above prove nothing) are `#[ignore]`d and run by
//! `make soak`. Every test fails when not root or when no memory cgroup can
//! be made, unless `LINECHAT_SKIP_ROOT=1` lets it skip (tests/util/skip.rs).

mod util;

use std::collections::HashMap;
use std::ffi::CString;
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use util::chatter::Chatter;
use util::read_until;

/// The cgroup's limit: the Deployment's `limits.memory: 256Mi`.
const LIMIT: u64 = 256 << 20;

/// Never-readers sending telnet requests, one-byte-line senders, and the
/// most bulk senders tried.
const TELNET_CLIENTS: usize = 30;
const LINE_CLIENTS: usize = 150;
const BULK_CLIENTS: usize = 4500;

/// Input each bulk sender tries to send: 64 KiB of complete lines.
const BULK_INPUT: usize = 64 * 1024;

/// The options the telnet requesters ask for, over and over. TIMING-MARK
/// (6) is left out: it is answered every time, on purpose.
const TELNET_OPTIONS: [u8; 8] = [1, 3, 5, 24, 31, 32, 34, 39];

/// How long each shape runs.
struct Plan {
    telnet: Duration,
    lines: Duration,
    bulk: Duration,
}

/// The shapes for a few seconds each, in `make tests`.
#[test]
fn budget_short() {
    run(Plan {
        telnet: Duration::from_secs(4),
        lines: Duration::from_secs(5),
        bulk: Duration::from_secs(10),
    });
}

/// The shapes at full length, in `make soak`.
#[test]
#[ignore = "minutes; run by `make soak`"]
fn budget_full() {
    run(Plan {
        telnet: Duration::from_secs(60),
        lines: Duration::from_secs(120),
        bulk: Duration::from_secs(240),
    });
}

/// The control: the bulk and line shapes together against a server whose
/// budget is set far above the cgroup's limit (so it neither shrinks its
/// limits nor sheds) must hit the limit. If it did not, the load would be
/// too weak for `budget_short` to show anything.
#[test]
#[ignore = "deliberately drives a server into its cgroup limit; run by `make soak`"]
fn unbudgeted_server_breaks_the_limit() {
    let _serial = serial();
    let Some(cgroup) = cgroup_or_skip() else {
        return;
    };
    let mut server = Budgeted::start(cgroup, &["--memory-budget", "68719476736"]);
    let watch = Watch::start(&server);
    let stop = Arc::new(AtomicBool::new(false));
    let lines = {
        let (addr, stop) = (server.addr, stop.clone());
        std::thread::spawn(move || line_senders(addr, LINE_CLIENTS, &stop))
    };
    let bulk = bulk_senders(server.addr, BULK_CLIENTS, Duration::from_secs(30), || {
        let charged = server.cgroup.files.charged();
        charged.limit_hits > 0 || charged.oom_kills > 0 || !server.alive()
    });
    stop.store(true, Ordering::Relaxed);
    let lines = lines.join().expect("line senders panicked");
    let seen = watch.stop();
    let charged = server.cgroup.files.charged();
    let alive = server.alive();
    println!("control: bulk {bulk:?}; lines {lines:?}");
    println!(
        "control: cgroup {:?}; sampled peak {} MiB (sockets {} MiB); server alive: {alive}",
        charged,
        seen.charge_max >> 20,
        seen.sock_max >> 20
    );
    assert!(
        charged.limit_hits > 0 || charged.oom_kills > 0 || !alive,
        "a server with no real budget stayed inside {} MiB: the load proves nothing",
        LIMIT >> 20
    );
}

/// `/history` priced like output, in the cgroup: 800 users who never read
/// ask over and over for the whole history of a room full of 1,000-byte
/// lines (each answer about 100 KiB), while the pair chats elsewhere.
/// Answers are priced before they are queued, so the server stays inside
/// the limit and nobody is dropped; the askers get refusals instead. (Before
/// that, 600 to 1,000 such users got a server in 256 MiB OOM-killed.)
#[test]
#[ignore = "half a minute of load in a memory cgroup; run by `make soak`"]
fn history_floods_stay_inside_the_limit() {
    let _serial = serial();
    let Some(cgroup) = cgroup_or_skip() else {
        return;
    };
    let mut server = Budgeted::start(cgroup, &[]);
    let watch = Watch::start(&server);
    let addr = server.addr;
    let mut filler = pair_login(addr, "filler", Instant::now() + Duration::from_secs(20));
    let long = "h".repeat(1000);
    let lines: String = (0..100).map(|i| format!("{i} {long}\n")).collect();
    filler
        .write_all(format!("/join big\n{lines}").as_bytes())
        .unwrap();
    let before = scrape(server.metrics).expect("metrics");
    let pair = Pair::start(addr, "ha", "hb");
    let askers = history_askers(addr, 800, Duration::from_secs(20));
    let paired = pair.finish();
    let after = scrape(server.metrics).unwrap_or_default();
    // Read with a default, so a build without these metrics (a control run
    // of an older binary) reports its fate instead of failing here.
    let metric = |m: &HashMap<String, f64>, name: &str| m.get(name).copied().unwrap_or(0.0);
    let refused = metric(&after, "linechat_history_refused_total")
        - metric(&before, "linechat_history_refused_total");
    let seen = watch.stop();
    let charged = server.cgroup.files.charged();
    println!(
        "budget: history {askers:?}; {refused} answers refused; {}; cgroup peak {} MiB, \
         sampled {} MiB, {} OOM kills; most output queued {} KiB; output peak {} KiB",
        drops(&before, &after),
        charged.peak.unwrap_or(0) >> 20,
        seen.charge_max >> 20,
        charged.oom_kills,
        seen.output_max >> 10,
        metric(&after, "linechat_output_memory_peak_bytes") as u64 >> 10,
    );
    paired.check("history", &server);
    assert!(server.alive(), "the server died: {}", server.log_tail());
    assert_eq!(charged.oom_kills, 0, "OOM kills in the cgroup");
    let peak = charged.peak.unwrap_or(0).max(seen.charge_max);
    assert!(
        peak < LIMIT,
        "the cgroup's charge reached {peak} of {LIMIT} bytes"
    );
    assert!(
        refused > 0.0,
        "no answer was refused: the flood was too weak"
    );
    assert_eq!(askers.too_slow, 0, "askers were dropped: {askers:?}");
    drop(filler);
}

/// `n` users who join `#big` and never read, each sending `/history 100`
/// ten times a second (the default flood rate) for `length`.
fn history_askers(addr: SocketAddr, n: usize, length: Duration) -> LinesOutcome {
    let mut out = LinesOutcome::default();
    let mut conns: Vec<TcpStream> = (0..n)
        .filter_map(|i| {
            let mut s = attacker_login(addr, &format!("h{i}"))?;
            s.write_all(b"/join big\n").ok()?;
            s.set_nonblocking(true).unwrap();
            out.logged_in += 1;
            Some(s)
        })
        .collect();
    let end = Instant::now() + length;
    let mut next = Instant::now();
    while Instant::now() < end {
        for c in conns.iter_mut() {
            match c.write(b"/history 100\n") {
                Ok(_) => out.lines += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => out.replaced += 1,
            }
        }
        next += Duration::from_millis(100);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    for left in leftovers(&mut conns) {
        out.too_slow += usize::from(left.too_slow);
        out.closed += usize::from(left.closed);
    }
    out
}

/// `--memory-budget` wins over the cgroup's limit, and without it the
/// cgroup's limit is found through /proc/self/cgroup.
#[test]
fn an_explicit_budget_wins_over_the_cgroup() {
    let _serial = serial();
    let Some(cgroup) = cgroup_or_skip() else {
        return;
    };
    let from_cgroup = print_limits(&cgroup, &[]);
    assert_eq!(from_cgroup["memory_budget"], LIMIT, "{from_cgroup:?}");
    let explicit = print_limits(&cgroup, &["--memory-budget", "134217728"]);
    assert_eq!(explicit["memory_budget"], 128 << 20, "{explicit:?}");
    assert!(explicit["max_output_memory"] < from_cgroup["max_output_memory"]);
    let server = Budgeted::start(cgroup, &["--memory-budget", "134217728"]);
    assert!(
        server
            .budget_line
            .contains("memory budget 128 MiB (--memory-budget)"),
        "{}",
        server.budget_line
    );
    let metrics = scrape(server.metrics).expect("metrics");
    assert_eq!(metrics["linechat_memory_budget_bytes"], (128 << 20) as f64);
}

/// Runs the three shapes against one server in a fresh cgroup.
fn run(plan: Plan) {
    let _serial = serial();
    let Some(cgroup) = cgroup_or_skip() else {
        return;
    };
    let started = Instant::now();
    // The server counts /proc/net/sockstat's TCP memory as its own, but
    // that figure is the whole host's: other TCP users here skew it.
    let host_tcp = sockstat_tcp_bytes();
    if host_tcp > 16 << 20 {
        println!(
            "budget: warning: {} MiB of TCP buffers on this host before the server starts",
            host_tcp >> 20
        );
    }
    let limits = print_limits(&cgroup, &[]);
    let mut server = Budgeted::start(cgroup, &[]);
    assert!(
        server
            .budget_line
            .contains("memory budget 256 MiB (cgroup)"),
        "the server did not take its budget from the cgroup: {:?}",
        server.budget_line
    );
    let first = scrape(server.metrics).expect("metrics");
    assert_eq!(first["linechat_memory_budget_bytes"], LIMIT as f64);
    let watch = Watch::start(&server);
    let addr = server.addr;

    // Telnet requesters: each option answered once however often it is
    // asked, and the requests cost flood tokens, so they are paused.
    let before = scrape(server.metrics).expect("metrics");
    let pair = Pair::start(addr, "ta", "tb");
    let telnet = telnet_requesters(addr, TELNET_CLIENTS, plan.telnet);
    let paired = pair.finish();
    let after = scrape(server.metrics).expect("metrics");
    let pauses = delta(&before, &after, "linechat_flood_pauses_total");
    println!(
        "budget: telnet {telnet:?}; flood pauses {pauses}; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    paired.check("telnet", &server);
    assert_eq!(telnet.logged_in, TELNET_CLIENTS, "{telnet:?}");
    assert_eq!(
        telnet.closed, 0,
        "telnet requesters were dropped: {telnet:?}"
    );
    assert!(
        telnet.most_replies <= TELNET_OPTIONS.len(),
        "an option was answered more than once: {telnet:?}"
    );
    assert!(
        pauses >= TELNET_CLIENTS as f64,
        "telnet commands did not count against flood control: {pauses} pauses"
    );
    settle(&server);

    // One-byte lines at the allowed rate from never-readers.
    let before = scrape(server.metrics).expect("metrics");
    let pair = Pair::start(addr, "la", "lb");
    let stop = Arc::new(AtomicBool::new(false));
    let senders = {
        let stop = stop.clone();
        std::thread::spawn(move || line_senders(addr, LINE_CLIENTS, &stop))
    };
    std::thread::sleep(plan.lines);
    stop.store(true, Ordering::Relaxed);
    let lines = senders.join().expect("line senders panicked");
    let paired = pair.finish();
    let after = scrape(server.metrics).expect("metrics");
    println!(
        "budget: lines {lines:?}; {}; {:.1} s",
        drops(&before, &after),
        started.elapsed().as_secs_f64()
    );
    paired.check("lines", &server);
    settle(&server);

    // Bulk input from as many connections as will open.
    let before = scrape(server.metrics).expect("metrics");
    let pair = Pair::start(addr, "ba", "bb");
    // The shape runs its planned length, and on until the budget has acted
    // (refused, shed or dropped something), at most three times as long: a
    // slower machine connects fewer senders in the planned time.
    let bulk_started = Instant::now();
    let mut last_look = Instant::now();
    let bulk = bulk_senders(addr, BULK_CLIENTS, plan.bulk * 3, || {
        if bulk_started.elapsed() < plan.bulk || last_look.elapsed() < Duration::from_millis(500) {
            return false;
        }
        last_look = Instant::now();
        scrape(server.metrics).is_some_and(|now| shed_total(&now) > shed_total(&before))
    });
    let paired = pair.finish();
    let after = scrape(server.metrics).expect("metrics");
    println!(
        "budget: bulk {bulk:?}; {}; {:.1} s",
        drops(&before, &after),
        started.elapsed().as_secs_f64()
    );
    paired.check("bulk", &server);
    settle(&server);

    // Alive, and inside the limit all along.
    let alive = server.alive();
    let last = scrape(server.metrics);
    let seen = watch.stop();
    let charged = server.cgroup.files.charged();
    println!(
        "budget: cgroup v{}: peak {} MiB (TCP buffers {} MiB), {} charges at the limit, {} OOM kills; \
         sampled peak {} MiB (TCP buffers {} MiB); the server's own reading peaked at {} MiB, \
         with host-wide TCP buffers up to {} MiB; most connections {}, most output queued {} KiB; {} s",
        if server.cgroup.files.v2 { 2 } else { 1 },
        charged.peak.unwrap_or(0) >> 20,
        charged.tcp_peak.unwrap_or(0) >> 20,
        charged.limit_hits,
        charged.oom_kills,
        seen.charge_max >> 20,
        seen.sock_max >> 20,
        seen.used_max >> 20,
        seen.sockstat_max >> 20,
        seen.connections_max,
        seen.output_max >> 10,
        started.elapsed().as_secs(),
    );
    println!("budget: limits {limits:?}; {}", server.log_summary());
    assert!(alive, "the server died: {}", server.log_tail());
    let last = last.expect("the server stopped answering /metrics");
    assert_eq!(charged.oom_kills, 0, "OOM kills in the cgroup");
    assert_eq!(charged.limit_hits, 0, "charges hit the cgroup's limit");
    let peak = charged.peak.unwrap_or(0).max(seen.charge_max);
    assert!(
        peak < LIMIT,
        "the cgroup's charge reached {peak} of {LIMIT} bytes"
    );
    assert!(
        seen.connections_max <= limits["max_clients"] as usize,
        "{} connections held, over the budget's {}",
        seen.connections_max,
        limits["max_clients"]
    );
    let output_cap = limits["max_output_memory"] + limits["max_output_memory"] / 10;
    assert!(
        seen.output_max <= output_cap as usize,
        "output queues held {} bytes, over the budget's {}",
        seen.output_max,
        limits["max_output_memory"]
    );
    assert!(
        shed_total(&last) > 0.0,
        "no shedding or dropping in /metrics"
    );
}

/// Everything the budget refused, shed or dropped, by /metrics.
fn shed_total(metrics: &HashMap<String, f64>) -> f64 {
    SHED_METRICS.iter().map(|(_, name)| metrics[*name]).sum()
}

/// The counters of the budget acting, with the words `drops` prints.
const SHED_METRICS: [(&str, &str); 6] = [
    ("refused", "linechat_shed_refused_total"),
    ("shed drops", "linechat_shed_output_drops_total"),
    ("read pauses", "linechat_shed_read_pauses_total"),
    ("output-budget drops", "linechat_output_budget_drops_total"),
    ("slow drops", "linechat_slow_consumer_drops_total"),
    ("full", "linechat_rejected_full_total"),
];

// ---------------------------------------------------------------------------
// The cgroup

/// One memory-hungry test at a time: they share the kernel's TCP memory
/// figure, which the server reads.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cgroup of [`LIMIT`]. Where none can be made the test fails, unless
/// `LINECHAT_SKIP_ROOT=1`: then the skip is recorded and this returns
/// `None`, for the test to return.
fn cgroup_or_skip() -> Option<Cgroup> {
    match Cgroup::create(LIMIT) {
        Ok(cgroup) => Some(cgroup),
        Err(why) => {
            util::skip::missing(
                util::skip::SKIP_ROOT,
                &format!("needs a memory cgroup, so root ({why})"),
            );
            None
        }
    }
}

/// A memory cgroup made for one test, removed on drop (after whatever runs
/// in it is killed).
struct Cgroup {
    files: CgroupFiles,
    /// `cgroup.procs`, for a child to join before it runs the server.
    procs: CString,
}

/// Reading a cgroup's figures; a plain path, so a watcher thread can hold one.
#[derive(Debug, Clone)]
struct CgroupFiles {
    dir: PathBuf,
    /// cgroup v2 (one counter for everything); else v1 (memory and TCP
    /// buffers counted apart).
    v2: bool,
}

/// What the kernel recorded for a cgroup.
#[derive(Debug, Default, Clone, Copy)]
struct Charged {
    /// The highest charge: v2 `memory.peak`; v1 `memory.max_usage_in_bytes`
    /// plus `memory.kmem.tcp.max_usage_in_bytes` (peaks at different times
    /// added, so an upper bound); `None` where the kernel keeps none.
    peak: Option<u64>,
    /// v1 only: the highest TCP-buffer charge.
    tcp_peak: Option<u64>,
    /// Times a charge hit the limit: v2 `memory.events` `max`; v1
    /// `memory.failcnt` plus `memory.kmem.tcp.failcnt`.
    limit_hits: u64,
    /// Processes the OOM killer killed in the cgroup.
    oom_kills: u64,
}

impl Cgroup {
    /// Makes a cgroup limited to `limit` bytes (v2 if the unified hierarchy
    /// has the memory controller, else v1), or says why it cannot.
    fn create(limit: u64) -> Result<Cgroup, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root".into());
        }
        let (root, v2) = memory_hierarchy().ok_or("no memory controller mounted")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = root.join(format!("linechat-test-{}-{n}", std::process::id()));
        if v2 {
            // The parent hands the controller down to its children; this
            // fails (and the check below skips) where it has processes of
            // its own.
            let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
        }
        std::fs::create_dir(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let procs = CString::new(
            dir.join("cgroup.procs")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .expect("a path without NUL");
        let cgroup = Cgroup {
            files: CgroupFiles { dir, v2 },
            procs,
        };
        if v2 {
            if !read(&cgroup.files.dir.join("cgroup.controllers")).contains("memory") {
                return Err(format!("{} does not enable memory", root.display()));
            }
            cgroup.write("memory.max", limit)?;
            let _ = cgroup.write("memory.swap.max", 0);
        } else {
            cgroup.write("memory.limit_in_bytes", limit)?;
            // No swap either, where swap is accounted.
            let _ = cgroup.write("memory.memsw.limit_in_bytes", limit);
            // v1 charges socket buffers to a cgroup only once its TCP limit
            // is set; they then count apart from memory.limit_in_bytes.
            let tcp = "memory.kmem.tcp.limit_in_bytes";
            if cgroup.files.dir.join(tcp).exists()
                && let Err(e) = cgroup.write(tcp, limit)
            {
                println!("budget: TCP buffers are not charged to the cgroup here ({e})");
            }
        }
        Ok(cgroup)
    }

    fn write(&self, file: &str, value: u64) -> Result<(), String> {
        std::fs::write(self.files.dir.join(file), value.to_string())
            .map_err(|e| format!("{file} = {value}: {e}"))
    }

    /// Makes `command` join this cgroup in the child, before exec, so
    /// everything the server ever allocates is charged here.
    fn enter_on_exec(&self, command: &mut Command) {
        let procs = self.procs.clone();
        // SAFETY: the hook runs in the forked child before exec and makes
        // only async-signal-safe calls (open, write, close) with no
        // allocation. Writing 0 to cgroup.procs moves the writing process.
        unsafe {
            command.pre_exec(move || {
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                let error = io::Error::last_os_error();
                libc::close(fd);
                if written == 1 { Ok(()) } else { Err(error) }
            });
        }
    }
}

impl CgroupFiles {
    /// A number from one of the cgroup's files, if it has it.
    fn number(&self, file: &str) -> Option<u64> {
        read(&self.dir.join(file)).trim().parse().ok()
    }

    /// `key value` from one of the cgroup's flat-keyed files.
    fn keyed(&self, file: &str, key: &str) -> Option<u64> {
        read(&self.dir.join(file)).lines().find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse().ok())?
        })
    }

    /// The charge now and its socket-buffer part, in bytes.
    fn usage(&self) -> (u64, u64) {
        if self.v2 {
            let sock = self.keyed("memory.stat", "sock").unwrap_or(0);
            (self.number("memory.current").unwrap_or(0), sock)
        } else {
            let tcp = self.number("memory.kmem.tcp.usage_in_bytes").unwrap_or(0);
            (self.number("memory.usage_in_bytes").unwrap_or(0) + tcp, tcp)
        }
    }

    /// What the kernel recorded so far.
    fn charged(&self) -> Charged {
        if self.v2 {
            Charged {
                peak: self.number("memory.peak"),
                tcp_peak: None,
                limit_hits: self.keyed("memory.events", "max").unwrap_or(0),
                oom_kills: self.keyed("memory.events", "oom_kill").unwrap_or(0),
            }
        } else {
            let tcp_peak = self.number("memory.kmem.tcp.max_usage_in_bytes");
            Charged {
                peak: self
                    .number("memory.max_usage_in_bytes")
                    .map(|m| m + tcp_peak.unwrap_or(0)),
                tcp_peak,
                limit_hits: self.number("memory.failcnt").unwrap_or(0)
                    + self.number("memory.kmem.tcp.failcnt").unwrap_or(0),
                oom_kills: self.keyed("memory.oom_control", "oom_kill").unwrap_or(0),
            }
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // Anything still in it was started by this test.
        let dir = &self.files.dir;
        for pid in read(&dir.join("cgroup.procs")).lines() {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: kill only sends a signal.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        // A killed process takes a moment to leave.
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::fs::remove_dir(dir).is_err() && dir.exists() {
            if Instant::now() > deadline {
                eprintln!("could not remove {}", dir.display());
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Where the memory controller is mounted, and whether that is cgroup v2.
fn memory_hierarchy() -> Option<(PathBuf, bool)> {
    let mut v1 = None;
    for line in read(Path::new("/proc/self/mounts")).lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, path, kind, options, ..] = fields[..] else {
            continue;
        };
        let path = PathBuf::from(path);
        match kind {
            "cgroup2" => {
                let controllers = read(&path.join("cgroup.controllers"));
                if controllers.split_whitespace().any(|c| c == "memory") {
                    return Some((path, true));
                }
            }
            "cgroup" if options.split(',').any(|o| o == "memory") => v1 = Some(path),
            _ => {}
        }
    }
    v1.map(|path| (path, false))
}

/// A file's text, or empty if it cannot be read.
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The server's `--print-limits` run inside `cgroup`, as a map.
fn print_limits(cgroup: &Cgroup, extra: &[&str]) -> HashMap<String, u64> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
    command.args(extra).arg("--print-limits");
    cgroup.enter_on_exec(&mut command);
    let out = command.output().expect("run linechat --print-limits");
    assert!(out.status.success(), "--print-limits: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The server

/// The `linechat` binary running in a cgroup; killed, then its cgroup
/// removed, on drop.
struct Budgeted {
    child: Child,
    addr: SocketAddr,
    metrics: SocketAddr,
    /// The `memory budget ...` line it logged at start.
    budget_line: String,
    log: Arc<Mutex<Log>>,
    cgroup: Cgroup,
}

/// The server's log: counts of the lines worth reporting, and the last ones.
#[derive(Default)]
struct Log {
    tail: std::collections::VecDeque<String>,
    refusing: u64,
    too_slow: u64,
    full: u64,
    lines: u64,
}

/// What the log thread reports while the server starts.
enum Started {
    Listening(SocketAddr),
    Metrics(SocketAddr),
    Budget(String),
}

impl Budgeted {
    /// Starts the server in `cgroup` on port 0, with `/metrics`, the
    /// per-address limits off (every client is 127.0.0.1) and `extra` flags.
    fn start(cgroup: Cgroup, extra: &[&str]) -> Budgeted {
        let mut command = Command::new(env!("CARGO_BIN_EXE_linechat"));
        command
            .args(["--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"])
            .args(["--irc-addr", "off", "--web-addr", "off"])
            .args(["--max-per-ip", "0", "--login-rate", "0"])
            .args([
                "--max-pending",
                "0",
                "--max-pending-per-ip",
                "0",
                "--ip-rate",
                "0",
            ])
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cgroup.enter_on_exec(&mut command);
        let mut child = command.spawn().expect("spawn linechat in the cgroup");
        let log = Arc::new(Mutex::new(Log::default()));
        let events = read_log(child.stderr.take().unwrap(), log.clone());
        let (mut addr, mut metrics, mut budget_line) = (None, None, String::new());
        let deadline = Instant::now() + Duration::from_secs(10);
        while addr.is_none() || metrics.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match events.recv_timeout(left) {
                Ok(Started::Listening(a)) => addr = Some(a),
                Ok(Started::Metrics(a)) => metrics = Some(a),
                Ok(Started::Budget(line)) => budget_line = line,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let tail: Vec<String> = log.lock().unwrap().tail.iter().cloned().collect();
                    panic!("the server did not start: {tail:?}");
                }
            }
        }
        Budgeted {
            child,
            addr: addr.unwrap(),
            metrics: metrics.unwrap(),
            budget_line,
            log,
            cgroup,
        }
    }

    /// Whether the process is still running (`waitpid` with `WNOHANG`).
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn log_summary(&self) -> String {
        let log = self.log.lock().unwrap();
        format!(
            "log: {} lines, {} refusals near the budget, {} full, {} dropped as too slow",
            log.lines, log.refusing, log.full, log.too_slow
        )
    }

    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap();
        log.tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Budgeted {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The cgroup is dropped after this, with nothing left in it.
    }
}

/// Reads the server's log on a thread so it never blocks on a full pipe;
/// reports the start-up lines and keeps counts and the last lines.
fn read_log(stderr: std::process::ChildStderr, log: Arc<Mutex<Log>>) -> Receiver<Started> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if std::env::var_os("LINECHAT_TEST_LOG").is_some() {
                eprintln!("server: {line}");
            }
            // `listening on 127.0.0.1:PORT`, `metrics on http://127.0.0.1:PORT/metrics`
            let after = |marker: &str| {
                let rest = line.split(marker).nth(1)?;
                let addr = rest.split(|c: char| c.is_whitespace() || c == '/').next()?;
                addr.parse::<SocketAddr>().ok()
            };
            if let Some(addr) = after("listening on ") {
                let _ = tx.send(Started::Listening(addr));
            } else if let Some(addr) = after("metrics on http://") {
                let _ = tx.send(Started::Metrics(addr));
            } else if let Some(at) = line.find("memory budget ") {
                let _ = tx.send(Started::Budget(line[at..].to_string()));
            }
            let mut log = log.lock().unwrap();
            log.lines += 1;
            log.refusing += u64::from(line.contains("near the memory budget"));
            log.full += u64::from(line.contains("server full"));
            log.too_slow += u64::from(line.contains("too slow"));
            if log.tail.len() == 50 {
                log.tail.pop_front();
            }
            log.tail.push_back(line);
        }
    });
    rx
}

/// `/metrics` as a map from sample (with its labels) to value, or `None`
/// if the server does not answer within 5 s.
fn scrape(addr: SocketAddr) -> Option<HashMap<String, f64>> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: linechat\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    let samples: HashMap<String, f64> = body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    samples
        .contains_key("linechat_memory_budget_bytes")
        .then_some(samples)
}

/// How much a counter grew between two scrapes.
fn delta(before: &HashMap<String, f64>, after: &HashMap<String, f64>, name: &str) -> f64 {
    after[name] - before[name]
}

/// The drop and shed counters' growth between two scrapes, for the report.
fn drops(before: &HashMap<String, f64>, after: &HashMap<String, f64>) -> String {
    SHED_METRICS
        .iter()
        .map(|(label, name)| format!("{label} {}", delta(before, after, name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Waits (at most 20 s) until the server holds no chat connections, so the
/// next shape starts from an empty room; says what is left if some stay.
fn settle(server: &Budgeted) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut open = None;
    while Instant::now() < deadline {
        if let Some(m) = scrape(server.metrics) {
            let waiting = m["linechat_connections{state=\"awaiting_name\"}"];
            let chatting = m["linechat_connections{state=\"chatting\"}"];
            if waiting + chatting == 0.0 {
                return;
            }
            open = Some((waiting, chatting));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "budget: connections still open 20 s after their clients closed \
         (at the name prompt, chatting): {open:?}"
    );
}

/// What a [`Watch`] saw.
#[derive(Debug, Default)]
struct Seen {
    /// Highest charge of the cgroup sampled (v1: memory plus TCP buffers).
    charge_max: u64,
    /// Highest socket-buffer part of it.
    sock_max: u64,
    /// Highest `linechat_memory_used_bytes`: the server's own reading.
    used_max: u64,
    /// Highest TCP memory in /proc/net/sockstat, which is host-wide.
    sockstat_max: u64,
    /// Most chat connections open at once.
    connections_max: usize,
    /// Most output queued, by `linechat_output_memory_bytes`.
    output_max: usize,
}

/// Samples the cgroup every 50 ms and `/metrics` every 250 ms on a thread.
struct Watch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Seen>,
}

impl Watch {
    fn start(server: &Budgeted) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let cgroup = server.cgroup.files.clone();
        let metrics = server.metrics;
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = Seen::default();
                let mut next_scrape = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let (charge, sock) = cgroup.usage();
                    seen.charge_max = seen.charge_max.max(charge);
                    seen.sock_max = seen.sock_max.max(sock);
                    if Instant::now() >= next_scrape {
                        next_scrape = Instant::now() + Duration::from_millis(250);
                        seen.sockstat_max = seen.sockstat_max.max(sockstat_tcp_bytes());
                        if let Some(m) = scrape(metrics) {
                            let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
                            seen.used_max =
                                seen.used_max.max(get("linechat_memory_used_bytes") as u64);
                            seen.output_max = seen
                                .output_max
                                .max(get("linechat_output_memory_bytes") as usize);
                            let open = get("linechat_connections{state=\"awaiting_name\"}")
                                + get("linechat_connections{state=\"chatting\"}");
                            seen.connections_max = seen.connections_max.max(open as usize);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                seen
            })
        };
        Watch { stop, thread }
    }

    fn stop(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("watch thread panicked")
    }
}

/// TCP buffer memory of the whole host (`/proc/net/sockstat`, in pages).
fn sockstat_tcp_bytes() -> u64 {
    let text = read(Path::new("/proc/net/sockstat"));
    let pages: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("TCP:"))
        .and_then(|l| l.split_whitespace().skip_while(|w| *w != "mem").nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

// ---------------------------------------------------------------------------
// The well-behaved pair

/// Two users chatting while a shape runs: each says a numbered line every
/// 100 ms and checks the other's arrive, all of them, in order.
struct Pair {
    stop: Arc<AtomicBool>,
    /// Each member's thread gives back its socket with its result, so
    /// neither closes before both are done: a socket closed with unread
    /// data sends a reset, which may beat its own last line to the server.
    threads: Vec<JoinHandle<(Member, TcpStream)>>,
}

impl Pair {
    fn start(addr: SocketAddr, a: &str, b: &str) -> Pair {
        let deadline = Instant::now() + Duration::from_secs(20);
        let first = pair_login(addr, a, deadline);
        let second = pair_login(addr, b, deadline);
        let stop = Arc::new(AtomicBool::new(false));
        let threads = [(first, a, b), (second, b, a)]
            .into_iter()
            .map(|(s, me, other)| {
                let (me, other, stop) = (me.to_string(), other.to_string(), stop.clone());
                let mut s = s;
                std::thread::spawn(move || {
                    let chatter = Chatter {
                        me,
                        peers: vec![other],
                        every: Duration::from_millis(100),
                    };
                    let stop = || stop.load(Ordering::Relaxed);
                    let chatted = chatter.run(&mut s, stop, |_| {});
                    (chatted.map(|c| (c.sent, c.got[0])), s)
                })
            })
            .collect();
        Pair { stop, threads }
    }

    /// Stops the pair and waits for both to finish.
    fn finish(self) -> Paired {
        self.stop.store(true, Ordering::Relaxed);
        let (results, sockets): (Vec<_>, Vec<_>) = self
            .threads
            .into_iter()
            .map(|t| t.join().expect("pair thread panicked"))
            .unzip();
        drop(sockets);
        Paired(results)
    }
}

/// What one member of a pair saw: lines sent and received, or what went
/// wrong.
type Member = Result<(u64, u64), String>;

/// What both members saw.
struct Paired(Vec<Member>);

impl Paired {
    /// Fails the test unless both got every line of the other, in order.
    #[track_caller]
    fn check(&self, shape: &str, server: &Budgeted) {
        for result in &self.0 {
            match result {
                Ok((sent, got)) => println!(
                    "budget: {shape}: a pair member sent {sent} lines and got all {got} of the other's in order"
                ),
                Err(e) => println!("budget: {shape}: {e}"),
            }
        }
        if self.0.iter().any(Result::is_err) {
            panic!(
                "{shape}: the well-behaved pair failed\nserver log:\n{}",
                server.log_tail()
            );
        }
    }
}

/// Logs in as `name`, retrying while the server is busy, until `deadline`.
fn pair_login(addr: SocketAddr, name: &str, deadline: Instant) -> TcpStream {
    loop {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(util::READ_TIMEOUT)).unwrap();
        s.set_nodelay(true).unwrap();
        let greeting = read_until(&mut s, b": ");
        if greeting.ends_with(util::GREETING.as_bytes()) {
            s.write_all(format!("{name}\n").as_bytes()).unwrap();
            let welcome = read_until(&mut s, b"\r\n");
            let welcome = String::from_utf8_lossy(&welcome);
            assert!(
                welcome.starts_with(&format!("*** Welcome, {name}! ")),
                "{name}: {welcome:?}"
            );
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "{name} could not log in: {:?}",
            String::from_utf8_lossy(&greeting)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

// ---------------------------------------------------------------------------
// The attackers

/// A connection to `addr` with small client-side kernel buffers and a
/// network-sized segment, set before the handshake: what the server sends
/// and is not read piles up in the server rather than in this process's
/// sockets, and the server's kernel sees Ethernet-sized segments, not
/// loopback's 64 KiB ones. The connect (and each write) gives up after 3 s.
fn connect_small(addr: SocketAddr) -> io::Result<TcpStream> {
    let options = util::SocketOptions {
        rcvbuf: Some(4096),
        sndbuf: Some(4096),
        maxseg: Some(1460),
        write_timeout: Some(Duration::from_secs(3)),
        ..Default::default()
    };
    util::connect_with(addr, options)
}

/// Connects and logs in as `name` (reading only the greeting and the
/// welcome); `None` if the server refused or the connect failed.
fn attacker_login(addr: SocketAddr, name: &str) -> Option<TcpStream> {
    let mut s = connect_small(addr).ok()?;
    s.set_read_timeout(Some(util::READ_TIMEOUT)).ok()?;
    if !read_until(&mut s, b": ").ends_with(b"Enter your name: ") {
        return None;
    }
    s.write_all(format!("{name}\n").as_bytes()).ok()?;
    let welcome = read_until(&mut s, b"\r\n");
    welcome.starts_with(b"*** Welcome, ").then_some(s)
}

/// What a never-reader was sent, read once its shape is over.
#[derive(Debug, Default)]
struct Leftovers {
    bytes: usize,
    /// IAC bytes: telnet replies.
    iac: usize,
    busy: bool,
    full: bool,
    too_slow: bool,
    /// The server had closed the connection.
    closed: bool,
    /// The end of what was read, for markers split between reads.
    carry: Vec<u8>,
}

impl Leftovers {
    fn take(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len();
        self.iac += chunk.iter().filter(|&&b| b == 255).count();
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(chunk);
        let has = |text: &[u8]| window.windows(text.len()).any(|w| w == text);
        self.busy |= has(b"*** Server is busy");
        self.full |= has(b"*** Server is full");
        self.too_slow |= has(b"*** Disconnected: too slow");
        self.carry = window[window.len().saturating_sub(32)..].to_vec();
    }
}

/// Most bytes read from one never-reader at the end: more than its kernel
/// buffers hold, so a connection the server closed is seen to its EOF.
const LEFTOVER_CAP: usize = 96 * 1024;

/// Reads what each of `conns` was sent, without blocking, in rounds until
/// a round finds nothing new or 2 s pass (the server may still be answering
/// input it holds); a connection is read to its EOF or [`LEFTOVER_CAP`].
fn leftovers(conns: &mut [TcpStream]) -> Vec<Leftovers> {
    let mut out: Vec<Leftovers> = conns.iter().map(|_| Leftovers::default()).collect();
    for c in conns.iter() {
        let _ = c.set_nonblocking(true);
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut b = vec![0u8; 16 * 1024];
    let mut quiet = false;
    while !quiet && Instant::now() < deadline {
        let mut got_any = false;
        for (c, left) in conns.iter_mut().zip(out.iter_mut()) {
            while !left.closed && left.bytes < LEFTOVER_CAP {
                match c.read(&mut b) {
                    Ok(0) => left.closed = true,
                    Ok(n) => {
                        left.take(&b[..n]);
                        got_any = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => left.closed = true,
                }
            }
        }
        quiet = !got_any;
        std::thread::sleep(Duration::from_millis(50));
    }
    out
}

/// How the telnet requesters fared.
#[derive(Debug, Default)]
struct TelnetOutcome {
    logged_in: usize,
    /// Requests written, over all of them.
    requests: usize,
    /// Most telnet replies (IAC bytes) one of them was sent.
    most_replies: usize,
    /// Closed by the server.
    closed: usize,
}

/// `n` users who never read and send only `IAC DO <opt>` for a few options,
/// over and over, for `length`.
fn telnet_requesters(addr: SocketAddr, n: usize, length: Duration) -> TelnetOutcome {
    let mut out = TelnetOutcome::default();
    let mut conns: Vec<TcpStream> = (0..n)
        .filter_map(|i| attacker_login(addr, &format!("tn{i}")))
        .collect();
    out.logged_in = conns.len();
    let requests: Vec<u8> = TELNET_OPTIONS
        .iter()
        .flat_map(|&opt| [255, 253, opt])
        .collect();
    for c in &conns {
        c.set_nonblocking(true).unwrap();
    }
    // Where each is in `requests`, so only whole requests are ever sent.
    let mut at = vec![0usize; conns.len()];
    let deadline = Instant::now() + length;
    while Instant::now() < deadline {
        for (c, at) in conns.iter_mut().zip(at.iter_mut()) {
            while let Ok(k) = c.write(&requests[*at..]) {
                out.requests += (*at + k) / 3 - *at / 3;
                *at = (*at + k) % requests.len();
                if k == 0 {
                    break;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for left in leftovers(&mut conns) {
        out.most_replies = out.most_replies.max(left.iac);
        out.closed += usize::from(left.closed);
    }
    out
}

/// How the one-byte-line senders fared.
#[derive(Debug, Default)]
struct LinesOutcome {
    logged_in: usize,
    lines: u64,
    /// Connections the server closed while the shape ran (each replaced).
    replaced: usize,
    /// At the end: told `*** Disconnected: too slow`; closed by the server.
    too_slow: usize,
    closed: usize,
}

/// `n` users who never read and send `x` ten times a second (the default
/// flood rate) until `stop`; one the server closes is replaced, so there
/// are `n` all along.
fn line_senders(addr: SocketAddr, n: usize, stop: &AtomicBool) -> LinesOutcome {
    let mut out = LinesOutcome::default();
    let mut logins = 0;
    let mut login = |out: &mut LinesOutcome| {
        logins += 1;
        let s = attacker_login(addr, &format!("x{logins}"))?;
        s.set_nonblocking(true).unwrap();
        out.logged_in += 1;
        Some(s)
    };
    let mut conns: Vec<TcpStream> = (0..n).filter_map(|_| login(&mut out)).collect();
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        for c in conns.iter_mut() {
            match c.write(b"x\n") {
                Ok(_) => out.lines += 1,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => {
                    if let Some(fresh) = login(&mut out) {
                        *c = fresh;
                        out.replaced += 1;
                    }
                }
            }
        }
        next += Duration::from_millis(100);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    for left in leftovers(&mut conns) {
        out.too_slow += usize::from(left.too_slow);
        out.closed += usize::from(left.closed);
    }
    out
}

/// How the bulk senders fared.
#[derive(Debug, Default)]
struct BulkOutcome {
    /// Connections made / that failed to connect.
    connected: usize,
    connect_failed: usize,
    /// Input bytes written, over all of them.
    written: u64,
    /// Told the server is busy (memory) / full (clients); dropped as too slow.
    busy: usize,
    full: usize,
    too_slow: usize,
    /// Closed by the server by the end / still open.
    closed: usize,
    open: usize,
}

/// Up to `n` connections that each send a name and 64 KiB of lines (private
/// messages to a user who is not there) without ever reading, for `length`
/// or until `enough` says so.
fn bulk_senders(
    addr: SocketAddr,
    n: usize,
    length: Duration,
    mut enough: impl FnMut() -> bool,
) -> BulkOutcome {
    let deadline = Instant::now() + length;
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = channel::<TcpStream>();
    // Four threads connect (and send each name) while this one writes.
    let connectors: Vec<JoinHandle<usize>> = (0..4)
        .map(|t| {
            let (tx, stop) = (tx.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut failed = 0;
                for i in (t..n).step_by(4) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match connect_small(addr) {
                        Ok(mut s) => {
                            let _ = s.write_all(format!("bulk{i}\n").as_bytes());
                            s.set_nonblocking(true).unwrap();
                            let _ = tx.send(s);
                        }
                        Err(_) => failed += 1,
                    }
                }
                failed
            })
        })
        .collect();
    drop(tx);
    // Private messages to nobody: held by flood control like any line, but
    // not broadcast, so the senders are not dropped as slow readers of each
    // other's lines (which keeps chat-line senders to a few hundred at
    // once) and pin what the budget plans for: full socket buffers and
    // held input on every connection it admits.
    let line = format!("{:-<63}\n", "/msg nobody bulk input ");
    let input = line.repeat(BULK_INPUT / line.len());
    let mut out = BulkOutcome::default();
    let mut conns: Vec<TcpStream> = Vec::new();
    // How much of `input` each has sent; `usize::MAX` once writes fail.
    let mut sent: Vec<usize> = Vec::new();
    while Instant::now() < deadline && !enough() {
        for s in rx.try_iter() {
            conns.push(s);
            sent.push(0);
        }
        for (s, at) in conns.iter_mut().zip(sent.iter_mut()) {
            if *at >= input.len() {
                continue;
            }
            match s.write(&input.as_bytes()[*at..]) {
                Ok(k) => {
                    *at += k;
                    out.written += k as u64;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => *at = usize::MAX,
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    out.connect_failed = connectors
        .into_iter()
        .map(|t| t.join().expect("connector panicked"))
        .sum();
    conns.extend(rx.try_iter());
    out.connected = conns.len();
    for left in leftovers(&mut conns) {
        out.busy += usize::from(left.busy);
        out.full += usize::from(left.full);
        out.too_slow += usize::from(left.too_slow);
        out.closed += usize::from(left.closed);
        out.open += usize::from(!left.closed);
    }
    out
}
