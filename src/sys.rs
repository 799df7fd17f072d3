//! The operating-system calls the server makes outside its sockets: the
//! open-file limit, socket options (keepalive, buffer sizes), returning
//! freed heap pages, recognising resource exhaustion, the cgroup memory
//! limit and the memory in use, and reading a process's CPU time and
//! resident memory from `/proc` (shared with the tests and the bench; the
//! load generator keeps its own small copies so it does not link the server).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

/// The open-file limit before and after [`raise_fd_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    /// The soft limit the process started with.
    pub before: usize,
    /// The soft limit now (the hard limit, if raising it worked).
    pub after: usize,
}

/// Raises the soft open-file limit to the hard limit. Each client costs one
/// descriptor, so this is what bounds the room.
pub fn raise_fd_limit() -> FdLimit {
    let as_usize = |n: libc::rlim_t| usize::try_from(n).unwrap_or(usize::MAX);
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return FdLimit {
                before: 1024,
                after: 1024,
            };
        }
        let before = as_usize(lim.rlim_cur);
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
        FdLimit {
            before,
            after: as_usize(lim.rlim_cur),
        }
    }
}

/// The current soft open-file limit.
pub fn fd_limit() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX)
}

/// Turns on TCP keepalive for `socket`: after `idle` without traffic the
/// kernel probes every [`keepalive_interval`], and drops the connection after
/// [`KEEPALIVE_PROBES`] unanswered probes. `TCP_USER_TIMEOUT` bounds how
/// long written data may stay unacknowledged by the same total, so a peer
/// that vanished while we were sending is dropped as fast as a silent one.
///
/// [`keepalive_interval`]: crate::config::keepalive_interval
/// [`KEEPALIVE_PROBES`]: crate::config::KEEPALIVE_PROBES
pub fn set_keepalive(socket: &impl AsRawFd, idle: Duration) -> io::Result<()> {
    use crate::config::{KEEPALIVE_PROBES, keepalive_interval};
    let fd = socket.as_raw_fd();
    let secs = |d: Duration| d.as_secs().clamp(1, i32::MAX as u64) as libc::c_int;
    let interval = keepalive_interval(idle);
    let total = idle + interval * KEEPALIVE_PROBES;
    let user_timeout_ms = total.as_millis().min(u32::MAX as u128) as libc::c_uint;
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1 as libc::c_int)?;
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs(idle))?;
    setsockopt(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, secs(interval))?;
    setsockopt(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_KEEPCNT,
        KEEPALIVE_PROBES as libc::c_int,
    )?;
    setsockopt(
        fd,
        libc::IPPROTO_TCP,
        libc::TCP_USER_TIMEOUT,
        user_timeout_ms,
    )
}

/// Caps the kernel's send and receive buffers of `socket` at `bytes` each
/// (Linux doubles the value for its own bookkeeping and stops growing them
/// automatically). Without a cap a reader that never reads pins megabytes
/// of kernel memory, and a flooder parks megabytes of input, on top of what
/// the server itself holds for them.
pub fn set_socket_buffers(socket: &impl AsRawFd, bytes: usize) -> io::Result<()> {
    let fd = socket.as_raw_fd();
    let bytes = bytes.min(i32::MAX as usize) as libc::c_int;
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, bytes)?;
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, bytes)
}

/// Turns off Nagle's algorithm for `socket`.
pub fn set_nodelay(socket: &impl AsRawFd) -> io::Result<()> {
    setsockopt(
        socket.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_NODELAY,
        1 as libc::c_int,
    )
}

/// One `setsockopt` with a plain integer value.
pub fn setsockopt<T: Copy>(
    fd: RawFd,
    level: libc::c_int,
    name: libc::c_int,
    value: T,
) -> io::Result<()> {
    // SAFETY: `value` lives across the call and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Makes the calling thread yield the CPU to the poll loop when they
/// compete (nice 19, the lowest; on Linux the nice value is per thread). For the
/// accounts worker: a password check may wait a little, a broadcast should
/// not. Best effort: a failure leaves the priority as it was.
pub fn lower_thread_priority() {
    // SAFETY: setpriority on the calling thread (who = 0), no pointers.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
}

/// Fills `buf` from the kernel's random source (getrandom(2)); an error
/// only if the kernel has none, never a weaker fallback (salts need it).
pub fn random_bytes(buf: &mut [u8]) -> std::io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let rest = &mut buf[filled..];
        // SAFETY: getrandom writes at most `rest.len()` bytes into `rest`.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        } else {
            filled += n as usize;
        }
    }
    Ok(())
}

/// 16 random bits from `/dev/urandom` (or, failing that, the clock and
/// the process id): a node's id among the nodes sharing a Redis.
pub fn random_u16() -> u16 {
    let mut bytes = [0u8; 2];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_ok() {
        return u16::from_le_bytes(bytes);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ std::process::id().rotate_left(16) ^ (nanos >> 16)) as u16
}

/// Hands freed heap pages back to the OS (glibc keeps them otherwise), so
/// resident memory falls back after a burst.
pub fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Errors that mean the process or system is out of descriptors or memory:
/// retrying at once would fail again.
pub fn is_resource_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// CPU time (user + system) process `pid` has used, from `/proc/PID/stat`.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its
    // closing parenthesis start at field 3, so utime (14) is the 12th.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

/// Resident memory of process `pid` in bytes (`VmRSS` in `/proc/PID/status`).
pub fn process_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The memory limit of this process's cgroup, if it has a real one: v2's
/// `memory.max`, else v1's `memory.limit_in_bytes`, at the path
/// `/proc/self/cgroup` names (a container sees its own cgroup at the root).
pub fn cgroup_memory_limit() -> Option<usize> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let candidates: Vec<String> = if controllers.is_empty() {
            ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
                .iter()
                .map(|root| format!("{root}{path}/memory.max"))
                .collect()
        } else if controllers.split(',').any(|c| c == "memory") {
            vec![format!("/sys/fs/cgroup/memory{path}/memory.limit_in_bytes")]
        } else {
            continue;
        };
        for file in candidates {
            if let Some(limit) = read_limit(&file) {
                return Some(limit);
            }
        }
    }
    None
}

/// A cgroup limit file's value; `max` or a near-`u64::MAX` value is no limit.
fn read_limit(file: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    let value: u64 = text.trim().parse().ok()?;
    (value < 1 << 60).then(|| usize::try_from(value).unwrap_or(usize::MAX))
}

/// Memory in use against the budget. When the budget is the cgroup's
/// limit, it is what the cgroup is charged, which is what the kernel
/// enforces: v2 `memory.current` (socket buffers included), or v1
/// `memory.usage_in_bytes` plus `memory.kmem.tcp.usage_in_bytes`. Otherwise
/// (`--memory-budget`), the process's resident memory: its share of the
/// kernel's socket memory cannot be told apart from other processes'.
pub fn memory_in_use(from_cgroup: bool) -> Option<usize> {
    if from_cgroup && let Some(charged) = cgroup_memory_usage() {
        return Some(charged);
    }
    process_rss(std::process::id()).map(|rss| rss as usize)
}

/// What this process's cgroup is charged, found as in
/// [`cgroup_memory_limit`].
fn cgroup_memory_usage() -> Option<usize> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        if controllers.is_empty() {
            for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
                if let Some(used) = read_limit(&format!("{root}{path}/memory.current")) {
                    return Some(used);
                }
            }
        } else if controllers.split(',').any(|c| c == "memory") {
            let dir = format!("/sys/fs/cgroup/memory{path}");
            let used = read_limit(&format!("{dir}/memory.usage_in_bytes"))?;
            let tcp = read_limit(&format!("{dir}/memory.kmem.tcp.usage_in_bytes")).unwrap_or(0);
            return Some(used + tcp);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let pid = std::process::id();
        // Spin a little so the CPU time is not zero ticks.
        let start = std::time::Instant::now();
        while process_cpu(pid).unwrap_or_default() < Duration::from_millis(20)
            && start.elapsed() < Duration::from_secs(5)
        {
            std::hint::black_box((0..10_000u64).sum::<u64>());
        }
        assert!(process_cpu(pid).unwrap() >= Duration::from_millis(10));
        assert!(process_rss(pid).unwrap() > 1024 * 1024);
        assert_eq!(process_cpu(u32::MAX), None);
    }

    /// An integer socket option of `socket`.
    fn getsockopt_int(socket: &impl AsRawFd, level: libc::c_int, name: libc::c_int) -> libc::c_int {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: value and len are valid for the call.
        let rc = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                level,
                name,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        value
    }

    #[test]
    fn keepalive_options_are_set() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let socket = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        set_keepalive(&socket, Duration::from_secs(60)).unwrap();
        let get = |level, name| getsockopt_int(&socket, level, name);
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 60);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 10);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 6);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 120_000);
    }

    #[test]
    fn memory_in_use_is_at_least_resident_memory() {
        let rss = process_rss(std::process::id()).unwrap() as usize;
        assert!(memory_in_use(false).unwrap() >= rss / 2);
        // This process's cgroup is charged at least for this process.
        assert!(memory_in_use(true).unwrap() >= rss / 2);
        // A limit here may or may not exist; reading it must not fail hard.
        let _ = cgroup_memory_limit();
        assert_eq!(read_limit("/nonexistent"), None);
    }

    #[test]
    fn accepted_sockets_inherit_the_listeners_options() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        set_keepalive(&listener, Duration::from_secs(60)).unwrap();
        set_socket_buffers(&listener, 16 * 1024).unwrap();
        set_nodelay(&listener).unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        let get = |level, name| getsockopt_int(&accepted, level, name);
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 60);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 10);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 6);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 120_000);
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_SNDBUF), 32 * 1024);
        assert_eq!(get(libc::SOL_SOCKET, libc::SO_RCVBUF), 32 * 1024);
        assert_eq!(get(libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
    }

    #[test]
    fn raising_the_fd_limit_never_lowers_it() {
        let limit = raise_fd_limit();
        assert!(limit.after >= limit.before);
    }
}
