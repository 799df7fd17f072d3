//! Byte transports: how a connection's bytes travel, apart from what they
//! mean. Plain TCP ([`Tcp`]) and TLS ([`Tls`]) have one contract: read
//! the peer's data bytes, write ours, say what the transport itself still
//! holds or owes (TLS records: the handshake, encrypted output, an alert),
//! and say goodbye. As in Redis's `connection.h`, where `conn->type->write`
//! reaches the socket or the TLS session, the connection above
//! ([`crate::conn`]) does not know which one it has; what the bytes mean
//! is its codec's business ([`crate::codec`]).

pub mod tcp;
pub mod tls;

pub use tcp::Tcp;
pub use tls::Tls;

use mio::Registry;
use mio::net::TcpStream;
use std::io::{self, IoSlice, Read, Write};
use std::net::Shutdown;

/// A connection's byte transport. An enum, not a trait object: the choice
/// is made once per connection, and a box would cost every connection an
/// allocation.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Tcp(Tcp),
    /// TLS over TCP (`--tls-addr`).
    Tls(Tls),
}

impl Transport {
    /// Reads once into `buf` and returns how many data bytes are at its
    /// front, or `None` at the end of the stream; `WouldBlock` when nothing
    /// more is waiting.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self {
            Transport::Tcp(tcp) => tcp.read(buf),
            Transport::Tls(tls) => tls.read(buf),
        }
    }

    /// Whether a handshake is still going on (reading then is a handshake
    /// step: CPU the loop rations).
    pub fn handshaking(&self) -> bool {
        match self {
            Transport::Tcp(_) => false,
            Transport::Tls(tls) => tls.handshaking(),
        }
    }

    /// Whether the transport itself has bytes to write (TLS records).
    pub fn wants_write(&self) -> bool {
        match self {
            Transport::Tcp(_) => false,
            Transport::Tls(tls) => tls.wants_write(),
        }
    }

    /// Bytes the transport itself holds for the peer (a TLS session's
    /// records not yet written, and plaintext before its handshake ended).
    pub fn held(&self) -> usize {
        match self {
            Transport::Tcp(_) => 0,
            Transport::Tls(tls) => tls.held(),
        }
    }

    /// Writes what [`Transport::wants_write`] holds, as far as the socket
    /// takes it.
    pub fn write_own(&mut self) -> io::Result<()> {
        match self {
            Transport::Tcp(_) => Ok(()),
            Transport::Tls(tls) => match tls.write_records() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                other => other,
            },
        }
    }

    /// The socket under the transport, for the poll.
    pub fn socket(&mut self) -> &mut TcpStream {
        match self {
            Transport::Tcp(tcp) => tcp.socket(),
            Transport::Tls(tls) => tls.socket(),
        }
    }

    /// Goodbye, once what was queued has been given to [`Write`]: a TLS
    /// close_notify and the records still held, as far as the socket takes
    /// them; then a bounded read of whatever the peer sent that will not be
    /// handled (closing a socket with unread input makes the kernel send a
    /// reset, which can destroy the data just written before the peer reads
    /// it), then FIN; and the socket leaves the poll.
    pub fn finish(&mut self, scratch: &mut [u8], registry: &Registry) {
        if let Transport::Tls(tls) = self {
            tls.close();
        }
        let _ = self.write_own();
        let socket = self.socket();
        for _ in 0..4 {
            match socket.read(scratch) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        let _ = socket.shutdown(Shutdown::Write);
        let _ = registry.deregister(socket);
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Transport::Tcp(tcp) => tcp.write_vectored(bufs),
            Transport::Tls(tls) => tls.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
