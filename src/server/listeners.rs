//! The listening sockets: the options every accepted connection inherits
//! from its listener, and a listener's place in the poll and the slab.

use super::{Server, Slot};
use crate::config::Config;
use mio::net::TcpListener;
use mio::{Interest, Poll, Token};
use slab::Slab;
use std::io;
use std::net::SocketAddr;

/// Sets the socket options every chat connection gets on the listener, which
/// Linux copies to each accepted socket (a test in `sys` checks that), so
/// an accept costs no further system calls for them:
/// - `TCP_NODELAY`: the loop already sends one write per peer per
///   iteration; Nagle would only hold those back waiting for ACKs;
/// - the kernel buffer sizes (`Config::socket_buffer`);
/// - keepalive and `TCP_USER_TIMEOUT` (`--keepalive`).
pub(super) fn configure_listener(
    listener: &std::net::TcpListener,
    config: &Config,
) -> io::Result<()> {
    crate::sys::set_nodelay(listener)?;
    crate::sys::set_socket_buffers(listener, config.socket_buffer)?;
    if let Some(idle) = config.keepalive {
        crate::sys::set_keepalive(listener, idle)?;
    }
    Ok(())
}

/// Registers a listener under a new slab key and returns the key.
pub(super) fn register_listener(
    poll: &Poll,
    slots: &mut Slab<Slot>,
    listener: std::net::TcpListener,
    slot: fn(TcpListener) -> Slot,
) -> io::Result<usize> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let entry = slots.vacant_entry();
    let key = entry.key();
    poll.registry()
        .register(&mut listener, Token(key), Interest::READABLE)?;
    entry.insert(slot(listener));
    Ok(key)
}

impl Server {
    /// Takes an already bound listener into the loop as `slot`, with the
    /// options its connections inherit, and returns its address. `over_tls`
    /// names what it serves when it serves it over TLS, which needs the
    /// certificate of [`serve_tls`](Self::serve_tls) first.
    pub(super) fn add_listener(
        &mut self,
        listener: std::net::TcpListener,
        slot: fn(TcpListener) -> Slot,
        over_tls: Option<&str>,
    ) -> io::Result<SocketAddr> {
        if let Some(what) = over_tls
            && self.tls.is_none()
        {
            let why = format!("{what} over TLS needs the TLS certificate and key");
            return Err(io::Error::other(why));
        }
        configure_listener(&listener, &self.config)?;
        let addr = listener.local_addr()?;
        register_listener(&self.poll, &mut self.slots, listener, slot)?;
        Ok(addr)
    }
}
