//! TLS for the second listener (`--tls-addr`): the certificate and key are
//! read from PEM files into a `rustls` server configuration, at start and
//! again on SIGHUP (a bad file keeps the configuration in use).
//!
//! The per-connection part is [`Tls`], the transport: a socket and its
//! [`Session`], a `rustls` server connection, sans-I/O like the rest: the
//! reactor reads and writes the socket when mio says so, and the session
//! only turns records into plaintext and back. Handshake records it owes the
//! client are written by the connection's next flush, which
//! [`Session::wants_write`] asks for. What the session holds for its client
//! is counted ([`Session::held`]) and capped ([`BUFFER_LIMIT`]), like any
//! connection's output.

use mio::net::TcpStream;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::{self, IoSlice, Read, Write};
use std::path::Path;
use std::sync::Arc;

/// Bytes a TLS session may hold for its client: encrypted records the
/// socket has not taken yet, or plaintext given before the handshake ended
/// (rustls's buffer limit; its default is 64 KiB). Two full records: a
/// fast reader's flush still encrypts and writes in few calls (with one
/// record, TLS fan-out cost about a tenth more CPU per delivery), while a
/// client that never reads pins half what it did. What the session holds
/// counts in the connection's output (see [`Session::held`]), against
/// `--max-outbuf` and `--max-output-memory`, like the queue in front of it.
pub const BUFFER_LIMIT: usize = 32 * 1024;

/// The server configuration from a PEM certificate chain and a PEM private
/// key; the error names the file and what is wrong with it.
pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate found in {}", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        // rustls says "no items found", which does not say what was sought.
        rustls::pki_types::pem::Error::NoItemsFound => {
            format!("no private key found in {}", key.display())
        }
        e => format!("{}: {e}", key.display()),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    Ok(Arc::new(config))
}

/// Bytes a record adds to the plaintext it carries, at most (TLS 1.2 with
/// AES-GCM: a 5-byte header, an 8-byte nonce and a 16-byte tag; TLS 1.3
/// adds 22), for counting records between exact readings.
const RECORD_OVERHEAD: usize = 29;

/// Plaintext in one record, at most.
const MAX_FRAGMENT: usize = 16 * 1024;

/// One connection's TLS session.
#[derive(Debug)]
pub struct Session {
    session: rustls::ServerConnection,
    /// Bytes of records the session holds for the client. Exact after
    /// every read (rustls reports it) and whenever nothing is left to
    /// write; between those, counted from what was written and taken, with
    /// each record's overhead at its largest.
    records: usize,
    /// Plaintext taken while the handshake was still going on: rustls
    /// keeps it as plaintext until it has keys to encrypt it with.
    early_plaintext: usize,
}

impl Session {
    /// A session for a new connection under `config`.
    pub fn new(config: Arc<ServerConfig>) -> io::Result<Session> {
        let mut session = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
        session.set_buffer_limit(Some(BUFFER_LIMIT));
        Ok(Session {
            session,
            records: 0,
            early_plaintext: 0,
        })
    }

    /// Bytes the session holds for the client: encrypted records not yet
    /// written, plus plaintext taken before the handshake ended. At most
    /// about [`BUFFER_LIMIT`] plus the handshake's own records.
    pub fn held(&self) -> usize {
        self.records + self.early_plaintext
    }

    /// Plaintext into `buf`, reading records from `socket` as needed:
    /// `Ok(None)` at the end of the stream (a close_notify or a closed
    /// socket), `WouldBlock` when the socket has nothing more. A record
    /// that does not decrypt or parse is an `InvalidData` error (the alert
    /// is left for [`Session::write_records`]).
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
            match self.session.process_new_packets() {
                // The handshake may have queued records, or ended: then
                // the early plaintext is encrypted, and in the count.
                Ok(state) => {
                    self.records = state.tls_bytes_to_write();
                    if !self.session.is_handshaking() {
                        self.early_plaintext = 0;
                    }
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
    }

    /// Whether the handshake is still going on.
    pub fn is_handshaking(&self) -> bool {
        self.session.is_handshaking()
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
                Ok(written) => self.records = self.records.saturating_sub(written),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.records = 0; // Exact again.
        Ok(())
    }

    /// Encrypts as much of `bufs` as the session takes (before the
    /// handshake ends it holds it as plaintext; in all, what it holds stays
    /// within [`BUFFER_LIMIT`]) and writes the records; `WouldBlock` when
    /// it takes nothing.
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
        if self.session.is_handshaking() {
            self.early_plaintext += taken;
        } else {
            self.records += taken + taken.div_ceil(MAX_FRAGMENT) * RECORD_OVERHEAD;
        }
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

/// The TLS transport: a socket whose bytes are records of a [`Session`].
/// The session is boxed: it is about a kilobyte, which a plain TCP
/// connection does not pay for.
#[derive(Debug)]
pub struct Tls {
    socket: TcpStream,
    session: Box<Session>,
}

impl Tls {
    /// The transport of a new TLS connection on `socket`.
    pub fn new(socket: TcpStream, session: Session) -> Tls {
        Tls {
            socket,
            session: Box::new(session),
        }
    }

    /// Plaintext into `buf` (see [`Session::read`]).
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        self.session.read(&mut self.socket, buf)
    }

    /// Encrypts and writes (see [`Session::write_vectored`]).
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.session.write_vectored(&mut self.socket, bufs)
    }

    /// Whether the handshake is still going on.
    pub fn handshaking(&self) -> bool {
        self.session.is_handshaking()
    }

    /// Whether records are waiting to be written.
    pub fn wants_write(&self) -> bool {
        self.session.wants_write()
    }

    /// Bytes the session holds for the client (see [`Session::held`]).
    pub fn held(&self) -> usize {
        self.session.held()
    }

    /// Writes waiting records until none is left or the socket would block.
    pub fn write_records(&mut self) -> io::Result<()> {
        self.session.write_records(&mut self.socket)
    }

    /// Queues a close_notify, written by [`Tls::write_records`].
    pub fn close(&mut self) {
        self.session.close();
    }

    /// The socket, for the poll and the last read.
    pub fn socket(&mut self) -> &mut TcpStream {
        &mut self.socket
    }
}
