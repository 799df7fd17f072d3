//! A real HAProxy in front of linechat nodes, for one run: the load
//! balancer a killed node's users reconnect through (X3, and the load
//! generator's failover-with-resume test, which includes this file).
//!
//! Its config is written at start into a directory of its own: TCP mode
//! (telnet is a byte stream), `balance roundrobin` over the nodes, each
//! checked by a TCP connect every 200 ms and taken out at the first failure
//! (`inter 200ms fall 1`), so a killed node is out within about 0.2 s; a
//! connect the dead node refuses before that is retried on another node
//! (`retries 10`, `option redispatch 1`). HAProxy waits min(`timeout
//! connect`, 1 s) before each retry, and a SYN the survivor's full listen
//! queue drops is only sent again by the kernel a second later: with
//! `timeout connect 100ms` both cost 0.1 s instead of 1 s (with 1 s, a
//! thousand users reconnecting at once waited up to 3 s in HAProxy). Every timeout is bounded, and
//! the process is killed when the value is dropped. Given a log file, it
//! logs there one line per connection (`option tcplog`: which node, the
//! connect and session times, how it ended) and the nodes going down.
//!
//! The binary is `$LINECHAT_HAPROXY` (`make bench` and `make test` set it
//! from `scripts/haproxy.sh`, which installs Debian's package when it is
//! missing), else `haproxy` on `PATH` or in /usr/sbin, /usr/bin,
//! /usr/local/sbin.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to `1` to let what needs HAProxy skip without one.
pub const SKIP_HAPROXY: &str = "LINECHAT_SKIP_HAPROXY";

/// How long HAProxy may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The haproxy to run, if there is one (a `$LINECHAT_HAPROXY` that is no
/// file is none).
pub fn haproxy_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LINECHAT_HAPROXY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("haproxy"))
        .find(|p| p.is_file())
}

/// A running HAProxy, killed and its directory removed when dropped.
pub struct Haproxy {
    child: Option<Child>,
    /// Where clients connect.
    pub addr: SocketAddr,
    dir: PathBuf,
    /// Its stderr (warnings, and the log when asked for).
    log: PathBuf,
}

impl Haproxy {
    /// Starts `bin` on a free loopback port in front of `nodes`, logging
    /// to `log` if given (else only its warnings, to a file removed with
    /// it); fails with what HAProxy said if it does not listen within 10 s.
    pub fn start(
        bin: &Path,
        nodes: &[SocketAddr],
        log: Option<PathBuf>,
    ) -> Result<Haproxy, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("a free port: {e}"))?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir =
            std::env::temp_dir().join(format!("linechat-haproxy-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = dir.join("haproxy.cfg");
        let logging = log.is_some();
        std::fs::write(&config, config_text(addr, nodes, logging))
            .map_err(|e| format!("{}: {e}", config.display()))?;
        let log = log.unwrap_or_else(|| dir.join("stderr"));
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        // -db: in the foreground, so the child is HAProxy itself.
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let mut h = Haproxy {
            child: Some(child),
            addr,
            dir,
            log,
        };
        h.wait_listening()?;
        Ok(h)
    }

    /// Waits until it accepts connections, or fails with its stderr.
    fn wait_listening(&mut self) -> Result<(), String> {
        let until = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() >= until {
                let said = std::fs::read_to_string(&self.log).unwrap_or_default();
                self.stop();
                return Err(format!(
                    "haproxy did not listen on {} ({}): {said}",
                    self.addr,
                    exited.map_or("timed out".into(), |s| s.to_string())
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it and removes its directory.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The config: one TCP frontend on `addr`, `nodes` behind it; with
/// `logging`, a line per connection to stderr.
fn config_text(addr: SocketAddr, nodes: &[SocketAddr], logging: bool) -> String {
    let (global_log, log) = match logging {
        true => (
            "    log stderr format raw local0 info\n",
            "    log global\n    option tcplog\n",
        ),
        false => ("", ""),
    };
    let mut text = format!(
        "global
    maxconn 4096
{global_log}defaults
    mode tcp
{log}    timeout connect 100ms
    timeout client 10m
    timeout server 10m
    timeout tunnel 10m
    timeout check 200ms
    retries 10
    option redispatch 1
frontend chat
    bind {addr}
    default_backend nodes
backend nodes
    balance roundrobin
    default-server inter 200ms fall 1 rise 2
"
    );
    for (i, node) in nodes.iter().enumerate() {
        text += &format!("    server node{i} {node} check\n");
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_config_names_every_node_checked() {
        let addr = "127.0.0.1:9000".parse().unwrap();
        let nodes = [
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
        ];
        let text = super::config_text(addr, &nodes, false);
        assert!(text.contains("bind 127.0.0.1:9000\n"), "{text}");
        assert!(text.contains("server node0 127.0.0.1:1 check\n"), "{text}");
        assert!(text.contains("server node1 127.0.0.1:2 check\n"), "{text}");
        assert!(text.contains("option redispatch 1\n"), "{text}");
        assert!(!text.contains("tcplog"), "{text}");
        let text = super::config_text(addr, &nodes, true);
        assert!(text.contains("    option tcplog\n"), "{text}");
    }
}
