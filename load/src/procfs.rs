//! What `/proc` says about the server and the kernel during an abuse or
//! storm run: the server's peak memory (`VmHWM`), whether it is still
//! running, the kernel's TCP memory (`/proc/net/sockstat`), and which
//! connections the server still holds open (`/proc/net/tcp`).
//!
//! Also the servers' CPU time and resident memory, for the CPU shares and
//! the memory per connection. The parsers are pure functions on the
//! files' text, tested below; the readers around them return `None` when
//! a file is missing or malformed.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

/// The value in KiB of field `key` (`VmHWM`, `VmRSS`, ...) of a
/// `/proc/PID/status` text, in bytes.
pub fn status_bytes(status: &str, key: &str) -> Option<u64> {
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Resident memory of process `pid` now (`VmRSS`), in bytes.
pub fn process_rss(pid: u32) -> Option<u64> {
    status_bytes(
        &std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        "VmRSS",
    )
}

/// The CPU time (user + system) of a `/proc/PID/stat` text, in clock
/// ticks: fields 14 and 15. The command name (field 2) may hold spaces and
/// parentheses; the fields after its closing parenthesis start at field 3,
/// so utime is the 12th of them.
pub fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    Some(fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?)
}

/// CPU time (user + system) process `pid` has used so far.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks = stat_cpu_ticks(&stat)?;
    Some(Duration::from_nanos(
        ticks.saturating_mul(1_000_000_000) / crate::os::clock_ticks(),
    ))
}

/// Peak resident memory of process `pid` so far (`VmHWM`), in bytes. The
/// kernel keeps the high-water mark, so a peak between two samples is not
/// missed.
pub fn peak_rss(pid: u32) -> Option<u64> {
    status_bytes(
        &std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?,
        "VmHWM",
    )
}

/// The state letter of a `/proc/PID/stat` text (`R`, `S`, `Z`, ...): the
/// first field after the command name, which may itself hold spaces and
/// parentheses.
pub fn stat_state(stat: &str) -> Option<char> {
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// Whether process `pid` still runs: it exists and is neither a zombie
/// (`Z`, dead but not yet reaped by its parent) nor dead (`X`).
pub fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .as_deref()
        .and_then(stat_state)
        .is_some_and(|s| s != 'Z' && s != 'X')
}

/// The `mem` of the `TCP:` line of a `/proc/net/sockstat` text: pages of
/// memory all TCP sockets of the system hold in buffers (both ends of a
/// loopback connection count).
pub fn sockstat_tcp_pages(sockstat: &str) -> Option<u64> {
    let line = sockstat.lines().find_map(|l| l.strip_prefix("TCP:"))?;
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        if w == "mem" {
            return words.next()?.parse().ok();
        }
    }
    None
}

/// Kernel TCP buffer memory now, in bytes.
pub fn tcp_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/sockstat").ok()?;
    Some(sockstat_tcp_pages(&text)? * crate::os::page_size())
}

/// An `ADDR:PORT` field of `/proc/net/tcp`: the address is the in-memory
/// (network order) `u32` printed as a native number, the port a plain one.
fn tcp_addr(field: &str) -> Option<SocketAddrV4> {
    let (ip, port) = field.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip.to_ne_bytes()), port))
}

/// The TCP state `ESTABLISHED` in `/proc/net/tcp`.
const ESTABLISHED: &str = "01";

/// The peers of every established connection whose local end is `server`,
/// from a `/proc/net/tcp` text. A connection the server has closed is in
/// another state (`FIN_WAIT1` while its last bytes wait on a full window)
/// or gone, even when our end, which never reads, has not heard of it.
pub fn established_peers(tcp: &str, server: SocketAddrV4) -> HashSet<SocketAddrV4> {
    tcp.lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split_whitespace().skip(1);
            let (local, remote, state) = (f.next()?, f.next()?, f.next()?);
            (state == ESTABLISHED && tcp_addr(local)? == server).then(|| tcp_addr(remote))?
        })
        .collect()
}

/// [`established_peers`] of the system's IPv4 TCP table now.
pub fn server_peers(server: SocketAddrV4) -> Option<HashSet<SocketAddrV4>> {
    let text = std::fs::read_to_string("/proc/net/tcp").ok()?;
    Some(established_peers(&text, server))
}

/// The highest server RSS and kernel TCP memory seen by periodic samples.
#[derive(Debug, Clone, Copy, Default)]
pub struct Peaks {
    /// Highest sampled `VmRSS` of the server, in bytes.
    pub rss: Option<u64>,
    /// Highest sampled kernel TCP memory, in bytes.
    pub tcp: Option<u64>,
}

impl Peaks {
    /// Takes one sample of both (the server's only with `pid`).
    pub fn sample(&mut self, pid: Option<u32>) {
        // `None` orders below every `Some`.
        self.rss = self.rss.max(pid.and_then(process_rss));
        self.tcp = self.tcp.max(tcp_memory());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_bytes() {
        let status =
            "Name:\tlinechat\nVmPeak:\t  20000 kB\nVmHWM:\t    1752 kB\nVmRSS:\t    1700 kB\n";
        assert_eq!(status_bytes(status, "VmHWM"), Some(1752 * 1024));
        assert_eq!(status_bytes(status, "VmRSS"), Some(1700 * 1024));
        assert_eq!(status_bytes(status, "VmSwap"), None);
        assert_eq!(status_bytes("VmHWMx:\t1 kB\n", "VmHWM"), None);
    }

    #[test]
    fn cpu_ticks_are_utime_plus_stime_after_the_name() {
        let stat = "42 (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 250 31 0 0 20 0 1 0";
        assert_eq!(stat_cpu_ticks(stat), Some(281));
        assert_eq!(stat_cpu_ticks("42 (cat) S 1 2"), None);
        assert_eq!(stat_cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn the_state_follows_the_last_parenthesis() {
        assert_eq!(stat_state("22435 (cat) R 22426 22426"), Some('R'));
        assert_eq!(stat_state("7 (a) b) (c) Z 1 7"), Some('Z'));
        assert_eq!(stat_state("garbage"), None);
    }

    #[test]
    fn sockstat_tcp_memory_is_found_among_the_counts() {
        let text =
            "sockets: used 10\nTCP: inuse 1 orphan 0 tw 25 alloc 1 mem 37\nUDP: inuse 0 mem 0\n";
        assert_eq!(sockstat_tcp_pages(text), Some(37));
        assert_eq!(sockstat_tcp_pages("UDP: inuse 0 mem 5\n"), None);
        assert_eq!(sockstat_tcp_pages("TCP: inuse 1 mem\n"), None);
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn only_established_connections_of_the_server_count() {
        let server = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080);
        let peer = |last, port| SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, last), port);
        let text = "  sl  local_address rem_address   st tx_queue rx_queue ...\n\
             0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000\n\
             1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000\n\
             2: 0100007F:1F90 0200007F:9C41 01 00000000:00000000 00:00000000\n\
             3: 0100007F:1F90 0100007F:9C42 04 00000000:00000000 00:00000000\n\
             4: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000\n\
             5: 0100007F:1F91 0100007F:9C43 01 00000000:00000000 00:00000000\n";
        let peers = established_peers(text, server);
        // The listener, the FIN_WAIT1 one, our own ends and another port's
        // connection are left out.
        assert_eq!(
            peers,
            HashSet::from([peer(1, 0x9C40), peer(2, 0x9C41)]),
            "{peers:?}"
        );
    }
}
