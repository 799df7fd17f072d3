//! Everything that asks the operating system directly: sockets bound to a
//! chosen source address (with small buffers for attackers), our own CPU
//! time, SIGKILL for failover's victim, the page size, the ephemeral port
//! range, the clock tick, the open-file limit. This is the only module with
//! `unsafe`. What `/proc` says about the server and the kernel is in
//! `procfs.rs`. The generator keeps its own OS helpers rather than linking
//! the server crate for a handful of them.

use std::io;
use std::mem;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::FromRawFd;
use std::time::Duration;

/// Starts a non-blocking connect to `dst`, with `TCP_NODELAY` set, from
/// `src` when given (any local address otherwise), and with the socket's
/// send buffer, and receive buffer if `small_rcvbuf`, capped at `small`
/// bytes when given (set before connecting, as the receive window's scale
/// is fixed at the handshake).
///
/// `std` cannot bind before connecting, and binding is what spreads clients
/// over 127.0.0.x when one source address runs out of ephemeral ports, so
/// the socket is made with libc and handed to mio. The connect completes in
/// the background; the poll loop learns the outcome from writable readiness.
pub fn connect(
    dst: SocketAddrV4,
    src: Option<Ipv4Addr>,
    small: Option<Buffers>,
) -> io::Result<mio::net::TcpStream> {
    // SAFETY: plain socket calls on a descriptor we own; `sockaddr_in` is
    // fully initialised before its pointer is passed.
    unsafe {
        let fd = libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        );
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // From here on the std stream owns the descriptor and closes it on
        // every early return.
        let stream = std::net::TcpStream::from_raw_fd(fd);
        // A chat client writes small lines and waits for replies: with Nagle
        // on, each one would wait for the previous ACK, which loopback
        // delays, and the measured latency would be the kernel's.
        set_int(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
        if let Some(b) = small {
            set_int(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, b.bytes)?;
            if b.rcvbuf_too {
                set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, b.bytes)?;
            }
        }
        if let Some(src) = src {
            // Without this, bind(port 0) reserves a port for every
            // destination at once and the range runs out twice as fast; with
            // it the port is chosen at connect time, per 4-tuple.
            set_int(fd, libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT, 1)?;
            let addr = sockaddr(SocketAddrV4::new(src, 0));
            if libc::bind(fd, (&raw const addr).cast(), socklen::<libc::sockaddr_in>()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        let addr = sockaddr(dst);
        if libc::connect(fd, (&raw const addr).cast(), socklen::<libc::sockaddr_in>()) != 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(err);
            }
        }
        Ok(mio::net::TcpStream::from_std(stream))
    }
}

/// Kernel buffers capped for one socket (see [`connect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffers {
    /// The cap in bytes (the kernel doubles it for its bookkeeping).
    pub bytes: libc::c_int,
    /// Cap the receive buffer as well as the send buffer.
    pub rcvbuf_too: bool,
}

fn sockaddr(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(*a.ip()).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// One integer socket option.
fn set_int(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `v` lives across the call and its size is passed with it.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&raw const v).cast(),
            socklen::<libc::c_int>(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn socklen<T>() -> libc::socklen_t {
    mem::size_of::<T>() as libc::socklen_t
}

/// Sends SIGKILL to process `pid` (failover's victim node).
pub fn kill(pid: u32) -> io::Result<()> {
    let id = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    // SAFETY: kill(2) has no memory-safety preconditions.
    if unsafe { libc::kill(id, libc::SIGKILL) } != 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("kill -9 {pid}: {e}")));
    }
    Ok(())
}

/// CPU time (user + system) this process has used so far.
pub fn own_cpu() -> Duration {
    // SAFETY: getrusage fills the zeroed struct we pass.
    let ru = unsafe {
        let mut ru: libc::rusage = mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Clock ticks per second, the unit of CPU times in `/proc/PID/stat`.
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(hz).ok().filter(|&hz| hz > 0).unwrap_or(100)
}

/// Raises the soft open-file limit to the hard limit and returns the soft
/// limit then in force: every client is a descriptor, and the usual soft
/// limit (1024) would stop a run long before the machine does.
pub fn raise_fd_limit() -> libc::rlim_t {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

/// The size of a memory page, in bytes (`/proc/net/sockstat` counts TCP
/// memory in pages).
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

/// How many source addresses (127.0.0.1, .2, ...) `connections` sockets to
/// one server address should spread over: one unless they would use more
/// than three quarters of the ephemeral port range (TIME_WAIT keeps closed
/// ones busy for a minute, which matters for churn). Only loopback targets
/// can be reached from every 127.0.0.x.
pub fn sources_needed(dst: SocketAddrV4, connections: u64) -> u32 {
    if !dst.ip().is_loopback() {
        return 1;
    }
    let ports = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|n| n.parse::<u64>().ok());
            let (lo, hi) = (it.next()??, it.next()??);
            hi.checked_sub(lo).map(|d| d + 1)
        })
        .unwrap_or(28_232);
    let per_source = (ports * 3 / 4).max(1);
    connections.div_ceil(per_source).clamp(1, 254) as u32
}

/// The source address for client number `n` when spreading over `sources`
/// addresses, or `None` to let the kernel choose (a single source).
pub fn source_for(n: u64, sources: u32) -> Option<Ipv4Addr> {
    (sources > 1).then(|| Ipv4Addr::new(127, 0, 0, 1 + (n % u64::from(sources)) as u8))
}

/// Asks the kernel to stamp what arrives on socket `fd` with the time it
/// arrived (`SO_TIMESTAMPNS`), for [`read_stamped`].
pub fn stamp_arrivals(fd: std::os::fd::RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on a socket we own, with a c_int option value of
    // the size passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            (&on as *const libc::c_int).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One `recvmsg` from socket `fd` into `buf`: the bytes read and, on a
/// socket with [`stamp_arrivals`] on, the time the kernel stamped the
/// last of them with as they arrived (the wall clock, `CLOCK_REALTIME`).
pub fn read_stamped(
    fd: std::os::fd::RawFd,
    buf: &mut [u8],
) -> io::Result<(usize, Option<std::time::SystemTime>)> {
    // Room for one `SCM_TIMESTAMPNS` message, aligned as cmsg headers are.
    let mut control = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is valid; its pointers are set below to
    // buffers that outlive the call.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = mem::size_of_val(&control) as _;
    // SAFETY: recvmsg writes at most iov_len bytes into `buf` and at most
    // msg_controllen into `control`.
    let n = unsafe { libc::recvmsg(fd, &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut stamp = None;
    // SAFETY: the CMSG_* walk stays within the control buffer the kernel
    // filled (msg_controllen was updated by recvmsg).
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
            {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                let since = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                stamp = Some(std::time::UNIX_EPOCH + since);
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok((n as usize, stamp))
}
