//! Plain TCP: the socket's bytes are the connection's bytes, and it holds
//! nothing of its own for the peer.

use mio::net::TcpStream;
use std::io::{self, IoSlice, Read, Write};

/// The plain TCP transport.
#[derive(Debug)]
pub struct Tcp {
    socket: TcpStream,
}

impl Tcp {
    /// The transport of a new plain connection on `socket`.
    pub fn new(socket: TcpStream) -> Tcp {
        Tcp { socket }
    }

    /// Reads once into `buf`: `Ok(None)` at the end of the stream,
    /// `WouldBlock` when the socket has nothing more.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        match self.socket.read(buf)? {
            0 => Ok(None),
            n => Ok(Some(n)),
        }
    }

    /// Writes as much of `bufs` as the socket takes, in one call.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.socket.write_vectored(bufs)
    }

    /// The socket, for the poll and the last read.
    pub fn socket(&mut self) -> &mut TcpStream {
        &mut self.socket
    }
}
