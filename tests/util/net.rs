//! Raw sockets for the tests that play many clients: a connect with socket
//! options set before the handshake, and a read until some bytes arrive.
//! Self-contained (std and libc): the load generator's tests include this
//! file too.
#![allow(dead_code)]

use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

/// What to set on a socket before it connects (IPv4 only: the tests'
/// loopback addresses). `Default` is a plain connect.
#[derive(Clone, Copy, Debug, Default)]
pub struct SocketOptions {
    /// The loopback address to connect from (any 127.x.y.z is this
    /// machine), so one test can play clients at several addresses.
    pub from: Option<Ipv4Addr>,
    /// Kernel buffers set before the handshake, so the window is small from
    /// the start: what a client does not read backs up into the server.
    pub rcvbuf: Option<usize>,
    pub sndbuf: Option<usize>,
    /// The segment size: on loopback it is 64 KiB, and the server's kernel
    /// would size its send buffer to megabytes.
    pub maxseg: Option<usize>,
    /// A write timeout, set before connecting: a blocking connect honours
    /// it too, and it stays on the stream.
    pub write_timeout: Option<Duration>,
}

/// Connects to `to` with `options` set first.
pub fn connect_with(to: SocketAddr, options: SocketOptions) -> io::Result<TcpStream> {
    let SocketAddr::V4(to) = to else {
        return Err(io::Error::other("raw connects are IPv4 only"));
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let check = |rc: libc::c_int, what: &str| match rc {
        0 => Ok(()),
        _ => {
            let e = io::Error::last_os_error();
            Err(io::Error::new(e.kind(), format!("{what}: {e}")))
        }
    };
    // SAFETY: plain socket calls on a descriptor owned by `stream` (which
    // closes it, also on the error paths); the addresses and option values
    // live across the calls.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let set = |level, name, value: usize| {
            let value = value as libc::c_int;
            let size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            libc::setsockopt(fd, level, name, (&raw const value).cast(), size)
        };
        if let Some(bytes) = options.rcvbuf {
            check(set(libc::SOL_SOCKET, libc::SO_RCVBUF, bytes), "SO_RCVBUF")?;
        }
        if let Some(bytes) = options.sndbuf {
            check(set(libc::SOL_SOCKET, libc::SO_SNDBUF, bytes), "SO_SNDBUF")?;
        }
        if let Some(bytes) = options.maxseg {
            check(
                set(libc::IPPROTO_TCP, libc::TCP_MAXSEG, bytes),
                "TCP_MAXSEG",
            )?;
        }
        stream.set_write_timeout(options.write_timeout)?;
        if let Some(from) = options.from {
            let local = sockaddr(from, 0);
            let bound = libc::bind(fd, (&raw const local).cast(), len);
            check(bound, &format!("bind {from}"))?;
        }
        let remote = sockaddr(*to.ip(), to.port());
        check(
            libc::connect(fd, (&raw const remote).cast(), len),
            "connect",
        )?;
        Ok(stream)
    }
}

/// Connects to `addr` from the loopback address `from`; fails the test if
/// it cannot.
pub fn connect_from(from: Ipv4Addr, addr: SocketAddr) -> TcpStream {
    let options = SocketOptions {
        from: Some(from),
        ..SocketOptions::default()
    };
    connect_with(addr, options).unwrap_or_else(|e| panic!("connect from {from}: {e}"))
}

/// Like [`connect_from`], with a kernel receive buffer of `rcvbuf` bytes:
/// a client that does not read backs output up into the server at once.
pub fn connect_small_from(from: Ipv4Addr, to: SocketAddr, rcvbuf: usize) -> TcpStream {
    let options = SocketOptions {
        from: Some(from),
        rcvbuf: Some(rcvbuf),
        ..SocketOptions::default()
    };
    connect_with(to, options).unwrap_or_else(|e| panic!("connect from {from}: {e}"))
}

/// Reads until what was read ends with `tail`, or EOF, an error or the
/// stream's read timeout comes first, and returns what was read: the caller
/// checks `.ends_with(tail)` when it must have arrived.
pub fn read_until(s: &mut impl Read, tail: &[u8]) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    while !seen.ends_with(tail) {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&chunk[..n]),
        }
    }
    seen
}
