//! A real `redis-server` for one test: its own free loopback port, its own
//! temporary directory, persistence off; killed and cleaned up on drop.
//!
//! The binary is `$LINECHAT_REDIS_SERVER` (`make test` sets it from
//! `scripts/redis-server.sh`, which installs Debian's package when it is
//! missing), else `redis-server` on `PATH` or in the usual directories.
//! Without one, [`RedisServer::start`] fails the test, unless
//! `LINECHAT_SKIP_REDIS=1` says to skip it (see `skip.rs`).
#![allow(dead_code)]

// Its own copy: this file is also a module of the bench and of the load
// generator's tests, which have no `util`.
#[allow(clippy::duplicate_mod)]
#[path = "skip.rs"]
mod skip;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long redis-server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running redis-server (or one stopped by [`RedisServer::kill`], which
/// [`RedisServer::restart`] starts again on the same port).
pub struct RedisServer {
    bin: PathBuf,
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Whether it keeps an append-only file (fsync at every write), so a
    /// restart finds every write it acknowledged.
    aof: bool,
}

/// The redis-server to run, if there is one.
pub fn redis_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LINECHAT_REDIS_SERVER").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/bin", "/usr/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

impl RedisServer {
    /// Starts a redis-server on a free port. Without a redis-server to run
    /// the test fails, unless `LINECHAT_SKIP_REDIS=1`: then the skip is
    /// recorded and this returns `None`, for the test to return.
    #[track_caller]
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_keeping(false)
    }

    /// Starts a redis-server that keeps an append-only file, as a
    /// deployment's does (`appendfsync always`: a restart finds every
    /// acknowledged write), for tests that restart it. Missing, as `start`.
    #[track_caller]
    pub fn start_with_aof() -> Option<RedisServer> {
        RedisServer::start_keeping(true)
    }

    #[track_caller]
    fn start_keeping(aof: bool) -> Option<RedisServer> {
        let Some(bin) = redis_binary() else {
            skip::missing(
                skip::SKIP_REDIS,
                "no redis-server (install it, or set LINECHAT_REDIS_SERVER to one)",
            );
            return None;
        };
        Some(RedisServer::start_on(bin, aof))
    }

    /// Starts `bin` on a free port (the bench passes the binary it found).
    #[track_caller]
    pub fn start_with(bin: PathBuf) -> RedisServer {
        RedisServer::start_on(bin, false)
    }

    #[track_caller]
    fn start_on(bin: PathBuf, aof: bool) -> RedisServer {
        // A port found free may be taken before redis-server binds it; then
        // it exits at once and another port is tried.
        for _ in 0..5 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("linechat-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("create redis-server's directory");
            let mut server = RedisServer {
                bin: bin.clone(),
                port,
                dir,
                child: None,
                aof,
            };
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// `redis://127.0.0.1:PORT/DB`.
    pub fn url(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }

    /// Runs `redis-cli` (installed beside redis-server) against it and
    /// returns what it printed.
    #[track_caller]
    pub fn cli(&self, args: &[&str]) -> String {
        let cli = self.bin.with_file_name("redis-cli");
        let out = Command::new(&cli)
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", cli.display()));
        assert!(out.status.success(), "redis-cli {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Kills it (SIGKILL: no goodbye to its clients beyond the kernel's
    /// closing of their sockets) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    #[track_caller]
    pub fn restart(&mut self) {
        self.kill();
        assert!(
            self.spawn(),
            "redis-server did not restart on port {}",
            self.port
        );
    }

    /// Sends `signal` to it (SIGSTOP makes a Redis that reads nothing and
    /// answers nothing while the kernel still accepts its connections).
    pub fn signal(&self, signal: libc::c_int) {
        let child = self.child.as_ref().expect("redis-server is running");
        let pid = libc::pid_t::try_from(child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid, which is not yet reaped.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal})");
    }

    /// Runs redis-server and waits until it accepts connections; false if
    /// it exited first (its port was taken).
    fn spawn(&mut self) -> bool {
        let log = self.dir.join("redis.log");
        let mut child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--daemonize", "no"])
            .args(match self.aof {
                true => ["--appendonly", "yes", "--appendfsync", "always"],
                false => ["--appendonly", "no", "--appendfsync", "everysec"],
            })
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect(self.addr()).is_ok() {
                self.child = Some(child);
                return true;
            }
            if let Ok(Some(_)) = child.try_wait() {
                return false;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("redis-server did not listen within {START_TIMEOUT:?}; its log:\n{log}");
            }
            // A refused connect returns at once: pause briefly between tries.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on at the moment.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}
