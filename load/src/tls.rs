//! TLS for the clients (`--tls`): the client configuration, and the three
//! steps the engine takes through a client's `rustls` session instead of
//! its socket, each behaving like a non-blocking socket call so the engine's
//! loops stay as they are: [`read`] (records in, plaintext out), [`write`]
//! (plaintext in, records out) and [`push`] (records owed out: the
//! handshake, a `close_notify`, what a full socket left).
//!
//! The engine registers every socket once for both readiness kinds,
//! edge-triggered, so no interest is ever recomputed from `wants_write`:
//! records that did not fit in the socket wait in the session until the
//! next WRITABLE edge calls [`push`] again, and records the session owes
//! after reading (the handshake's next flight, plaintext queued during the
//! handshake) are pushed by the engine right after the read.
//!
//! Plain clients never come here: a client without a session reads and
//! writes its socket directly, as before.

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

/// How clients connect over TLS: one configuration for all of them (its
/// session cache lets later clients resume), and the name they ask for.
#[derive(Debug, Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

/// Whom to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The certificates in this PEM file: the server's own (self-signed)
    /// certificate or the CA that signed it.
    Ca(std::path::PathBuf),
    /// Any certificate (signatures are still checked, names and chains
    /// are not): for a test certificate at hand in no file.
    Anything,
}

impl Tls {
    /// A configuration (TLS 1.3 and 1.2, `ring`) trusting `trust`, asking
    /// for `name` (SNI, and what the certificate must name with a CA). The
    /// error says what is wrong, naming the file.
    pub fn new(trust: &Trust, name: &str) -> Result<Tls, String> {
        let name = ServerName::try_from(name.to_string())
            .map_err(|e| format!("--tls-name `{name}`: {e}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let config = match trust {
            Trust::Ca(path) => builder
                .with_root_certificates(roots(path)?)
                .with_no_client_auth(),
            Trust::Anything => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth(),
        };
        Ok(Tls {
            config: Arc::new(config),
            name,
        })
    }

    /// A session for one new client; its ClientHello is waiting to be
    /// pushed once the socket connects.
    pub fn session(&self) -> io::Result<ClientConnection> {
        ClientConnection::new(Arc::clone(&self.config), self.name.clone()).map_err(io::Error::other)
    }
}

/// The trust anchors in the PEM file at `path` (every certificate in it).
fn roots(path: &Path) -> Result<rustls::RootCertStore, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("--tls-ca {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-ca {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("--tls-ca {}: no certificate in it", path.display()));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| format!("--tls-ca {}: {e}", path.display()))?;
    }
    Ok(roots)
}

/// `--tls-insecure`: takes any certificate for any name, but still checks
/// the handshake's signatures, so the session is a real one.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Plaintext into `buf`, reading records from `socket` until `buf` is full
/// or the socket has nothing more: `(n, drained)`, where `drained` says the
/// socket answered `WouldBlock` (so the next edge will bring more) and
/// `n == 0` means the end of the stream (a `close_notify`, or the socket
/// closed, with or without one). `WouldBlock` when there was no plaintext
/// at all; a record that does not decrypt or parse is `InvalidData` (the
/// alert it earns waits for [`push`]).
pub fn read(
    tls: &mut ClientConnection,
    socket: &mut impl Read,
    buf: &mut [u8],
) -> io::Result<(usize, bool)> {
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            return Ok((filled, false));
        }
        match tls.reader().read(&mut buf[filled..]) {
            // A close_notify, all plaintext before it already read.
            Ok(0) => return Ok((filled, false)),
            Ok(n) => {
                filled += n;
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            // The socket closed without a close_notify: an end like any
            // other to a chat client (the server may just close).
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok((filled, false)),
            Err(e) => return Err(e),
        }
        match tls.read_tls(socket) {
            // End of the socket: the reader says which kind next time round.
            Ok(0) => {}
            Ok(_) => {
                if let Err(e) = tls.process_new_packets() {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && filled > 0 => {
                return Ok((filled, true));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Plaintext already taken is not lost to a failing socket: it
            // is returned, and the next call meets the failure again (or
            // the end it left).
            Err(_) if filled > 0 => return Ok((filled, false)),
            Err(e) => return Err(e),
        }
    }
}

/// Takes plaintext from `data` into the session and writes its records to
/// `socket`, like a non-blocking socket write: how many bytes of `data`
/// were taken, or `WouldBlock` when the socket is full (records owed from
/// before still waiting) or the session takes nothing (its buffer full
/// while the handshake is still going; what it holds goes out once the
/// handshake is done, after a read).
pub fn write(
    tls: &mut ClientConnection,
    socket: &mut impl Write,
    data: &[u8],
) -> io::Result<usize> {
    if !push(tls, socket)? {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    let n = tls.writer().write(data)?;
    if n == 0 && !data.is_empty() {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    // What does not fit now goes on the next write or WRITABLE edge.
    push(tls, socket)?;
    Ok(n)
}

/// Writes the records the session owes to `socket`: true when none is left,
/// false when the socket is full (the WRITABLE edge brings us back).
pub fn push(tls: &mut ClientConnection, socket: &mut impl Write) -> io::Result<bool> {
    while tls.wants_write() {
        match tls.write_tls(socket) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::ServerConnection;
    use std::collections::VecDeque;

    /// One direction of a non-blocking socket in memory: `WouldBlock` when
    /// empty, 0 once closed and empty; at most `room` bytes held.
    #[derive(Default)]
    struct Pipe {
        bytes: VecDeque<u8>,
        closed: bool,
        room: usize,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() {
                return if self.closed {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            self.bytes.read(buf)
        }
    }

    impl Write for Pipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(self.room - self.bytes.len());
            if n == 0 && !buf.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.bytes.extend(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A client (trusting the certificate by file) and a server session for
    /// `localhost`, and the two directions between them.
    fn pair(dir_name: &str) -> (ClientConnection, ServerConnection, Pipe, Pipe) {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "linechat-load-tls-{}-{dir_name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("cert.pem");
        std::fs::write(&ca, made.cert.pem()).unwrap();
        let client = Tls::new(&Trust::Ca(ca), "localhost").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key.into())
        .unwrap();
        let room = 1 << 20;
        (
            client.session().unwrap(),
            ServerConnection::new(Arc::new(server)).unwrap(),
            Pipe {
                room,
                ..Pipe::default()
            },
            Pipe {
                room,
                ..Pipe::default()
            },
        )
    }

    /// Drives the server's side: everything it can read and write.
    fn serve(server: &mut ServerConnection, up: &mut Pipe, down: &mut Pipe) -> Vec<u8> {
        let mut got = Vec::new();
        loop {
            match server.read_tls(up) {
                Ok(0) => break,
                Ok(_) => {
                    server.process_new_packets().unwrap();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        let _ = server.reader().read_to_end(&mut got);
        while server.wants_write() {
            server.write_tls(down).unwrap();
        }
        got
    }

    #[test]
    fn lines_cross_both_ways_and_the_ends_are_seen() {
        let (mut client, mut server, mut up, mut down) = pair("both-ways");
        // A line written before the handshake is held and sent after it.
        assert_eq!(write(&mut client, &mut up, b"early\r\n").unwrap(), 7);
        let mut buf = [0; 64];
        let mut heard = Vec::new();
        for _ in 0..4 {
            heard.extend(serve(&mut server, &mut up, &mut down));
            match read(&mut client, &mut down, &mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => panic!("handshake: {other:?}"),
            }
            push(&mut client, &mut up).unwrap();
        }
        assert!(!client.is_handshaking());
        assert_eq!(heard, b"early\r\n");
        assert_eq!(write(&mut client, &mut up, b"late\r\n").unwrap(), 6);
        assert_eq!(serve(&mut server, &mut up, &mut down), b"late\r\n");

        // More than fits in `buf`: full reads, then a drained one.
        let lines: Vec<u8> = (0..20)
            .flat_map(|i| format!("line {i:02}\n").into_bytes())
            .collect();
        server.writer().write_all(&lines).unwrap();
        serve(&mut server, &mut up, &mut down);
        let mut got = Vec::new();
        loop {
            let (n, drained) = read(&mut client, &mut down, &mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            assert_eq!(drained, n < buf.len());
            if drained {
                break;
            }
        }
        assert_eq!(got, lines);

        // The server's close_notify, then its close: the end, once read.
        server.writer().write_all(b"bye\n").unwrap();
        server.send_close_notify();
        serve(&mut server, &mut up, &mut down);
        down.closed = true;
        assert_eq!(read(&mut client, &mut down, &mut buf).unwrap(), (4, false));
        assert_eq!(read(&mut client, &mut down, &mut buf).unwrap(), (0, false));
    }

    #[test]
    fn a_close_without_close_notify_is_an_end_and_garbage_an_error() {
        let (mut client, mut server, mut up, mut down) = pair("ends");
        push(&mut client, &mut up).unwrap();
        for _ in 0..4 {
            serve(&mut server, &mut up, &mut down);
            let _ = read(&mut client, &mut down, &mut [0; 64]);
            push(&mut client, &mut up).unwrap();
        }
        server.writer().write_all(b"last\n").unwrap();
        serve(&mut server, &mut up, &mut down);
        down.closed = true;
        let mut buf = [0; 64];
        assert_eq!(read(&mut client, &mut down, &mut buf).unwrap(), (5, false));
        assert_eq!(read(&mut client, &mut down, &mut buf).unwrap(), (0, false));

        let (mut client, _, mut up, mut down) = pair("garbage");
        push(&mut client, &mut up).unwrap();
        down.bytes.extend(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        let err = read(&mut client, &mut down, &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_full_socket_holds_records_until_pushed() {
        let (mut client, mut server, mut up, mut down) = pair("full");
        push(&mut client, &mut up).unwrap();
        for _ in 0..4 {
            serve(&mut server, &mut up, &mut down);
            let _ = read(&mut client, &mut down, &mut [0; 64]);
            push(&mut client, &mut up).unwrap();
        }
        assert!(!client.is_handshaking());
        up.room = 10;
        let line = [b'x'; 100];
        assert_eq!(write(&mut client, &mut up, &line).unwrap(), 100);
        assert!(client.wants_write());
        let err = write(&mut client, &mut up, &line).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        up.room = 1 << 20;
        assert!(push(&mut client, &mut up).unwrap());
        assert_eq!(serve(&mut server, &mut up, &mut down), line);
    }

    #[test]
    fn insecure_takes_any_name_and_bad_input_is_one_line() {
        assert!(Tls::new(&Trust::Anything, "anything.example").is_ok());
        for err in [
            Tls::new(&Trust::Anything, "").unwrap_err(),
            Tls::new(&Trust::Ca("/nonexistent/ca.pem".into()), "localhost").unwrap_err(),
        ] {
            assert!(!err.contains('\n') && err.starts_with("--tls-"), "{err}");
        }
    }
}
