//! TLS for the second listener (`--tls-addr`): the certificate and key are
//! read from PEM files into a `rustls` server configuration, at start and
//! again on SIGHUP (a bad file keeps the configuration in use).
//!
//! The per-connection part is [`Tls`]: a `rustls` server connection over the
//! connection's socket, sans-I/O like the rest: the reactor reads and writes
//! the socket when mio says so, and the session only turns records into
//! plaintext and back. Handshake records it owes the client are written by
//! the connection's next flush, which [`Tls::wants_write`] asks for.

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;

/// Plaintext a TLS session may hold waiting to be encrypted and written:
/// past it, a write takes nothing and the connection's queue (counted
/// against `--max-outbuf`) keeps the rest.
const BUFFER_LIMIT: usize = 64 * 1024;

/// The server configuration from a PEM certificate chain and a PEM private
/// key; the error names the file and what is wrong with it.
pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    Ok(Arc::new(config))
}

/// One connection's TLS session.
#[derive(Debug)]
pub struct Tls {
    session: rustls::ServerConnection,
}

impl Tls {
    /// A session for a new connection under `config`.
    pub fn new(config: Arc<ServerConfig>) -> io::Result<Tls> {
        let mut session = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
        session.set_buffer_limit(Some(BUFFER_LIMIT));
        Ok(Tls { session })
    }

    /// Plaintext into `buf`, reading records from `socket` as needed:
    /// `Ok(None)` at the end of the stream (a close_notify or a closed
    /// socket), `WouldBlock` when the socket has nothing more. A record
    /// that does not decrypt or parse is an `InvalidData` error (the alert
    /// is left for [`Tls::write_records`]).
    pub fn read(&mut self, socket: &mut impl Read, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            match self.session.reader().read(buf) {
                Ok(0) => return Ok(None),
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if self.session.read_tls(socket)? == 0 {
                return Ok(None);
            }
            if let Err(e) = self.session.process_new_packets() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
    }

    /// Whether records are waiting to be written (handshake messages,
    /// encrypted output, an alert).
    pub fn wants_write(&self) -> bool {
        self.session.wants_write()
    }

    /// Writes waiting records to `socket` until none is left or it would
    /// block.
    pub fn write_records(&mut self, socket: &mut impl Write) -> io::Result<()> {
        while self.session.wants_write() {
            match self.session.write_tls(socket) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Encrypts as much of `bufs` as the session takes (before the
    /// handshake ends it holds it as plaintext) and writes the records;
    /// `WouldBlock` when it takes nothing.
    pub fn write_vectored(
        &mut self,
        socket: &mut impl Write,
        bufs: &[io::IoSlice<'_>],
    ) -> io::Result<usize> {
        // Records already made go first, so what is held stays bounded.
        match self.write_records(socket) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => other?,
        }
        let taken = self.session.writer().write_vectored(bufs)?;
        match self.write_records(socket) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            other => other?,
        }
        if taken == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(taken)
    }

    /// Queues a close_notify for the client (written by the last flush).
    pub fn close(&mut self) {
        self.session.send_close_notify();
    }
}
