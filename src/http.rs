//! The `/metrics` endpoint: a minimal HTTP/1.1 responder run by the same
//! poll loop as the chat.
//!
//! One request per connection, parsed with `httparse`; the answer is written
//! and the connection closed. Each metrics connection has a deadline and the
//! number open at once is capped, so a scraper that sends or reads nothing
//! costs a slot for a few seconds and never holds up the chat. When the
//! slots are full a newcomer may take one from a connection already in
//! (see [`MetricsPeers`]), so slow strangers cannot lock a scraper out.

use mio::net::TcpStream;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::time::{Duration, Instant};

/// Metrics connections open at once; more are answered 503 and closed.
pub const MAX_METRICS_CLIENTS: usize = 8;

/// Metrics connections open at once from one address, so a few slow
/// connections from one place cannot lock a scraper out.
pub const MAX_METRICS_PER_ADDRESS: usize = 2;

/// Largest request accepted (request line plus headers).
pub const MAX_REQUEST: usize = 8 * 1024;

/// How long a metrics connection may take from accept to the last byte.
pub const METRICS_DEADLINE: Duration = Duration::from_secs(2);

/// Answer to a metrics connection beyond [`MAX_METRICS_CLIENTS`].
pub const BUSY: &str =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Who holds the metrics slots, oldest first, and who gets one when they
/// are full. Addresses in `--metrics-allow` (scrapers) come first: one of
/// them takes the oldest stranger's slot, and strangers never take theirs.
/// Strangers share what is left fairly: one takes the oldest slot of the
/// address holding the most, if that is more than its own address holds.
#[derive(Debug, Default)]
pub struct MetricsPeers {
    peers: Vec<MetricsPeer>,
}

/// One metrics connection's slot.
#[derive(Debug, Clone, Copy)]
struct MetricsPeer {
    /// Its slab key.
    key: usize,
    ip: IpAddr,
    /// From a `--metrics-allow` range.
    allowed: bool,
}

/// No slot for a metrics connection: it is answered [`BUSY`].
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

impl MetricsPeers {
    /// Connections holding a slot.
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Whether no connection holds a slot.
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// Gives connection `key` from `ip` a slot (`allowed`: from a
    /// `--metrics-allow` range). Returns the key of the connection whose
    /// slot it took, to be closed, if any.
    pub fn admit(&mut self, key: usize, ip: IpAddr, allowed: bool) -> Result<Option<usize>, Busy> {
        let from_ip = self.strangers_at(ip);
        if !allowed && from_ip >= MAX_METRICS_PER_ADDRESS {
            return Err(Busy);
        }
        let mut evicted = None;
        if self.peers.len() >= MAX_METRICS_CLIENTS {
            let victim = match allowed {
                true => self.peers.iter().position(|p| !p.allowed),
                false => self.busiest_stranger(from_ip),
            };
            evicted = Some(self.peers.remove(victim.ok_or(Busy)?).key);
        }
        self.peers.push(MetricsPeer { key, ip, allowed });
        Ok(evicted)
    }

    /// Frees the slot of connection `key`, if it holds one.
    pub fn remove(&mut self, key: usize) {
        if let Some(at) = self.peers.iter().position(|p| p.key == key) {
            self.peers.remove(at);
        }
    }

    /// Stranger connections from `ip`.
    fn strangers_at(&self, ip: IpAddr) -> usize {
        self.peers
            .iter()
            .filter(|p| !p.allowed && p.ip == ip)
            .count()
    }

    /// Where the oldest stranger of the address with the most stranger
    /// connections is, if it has more than `than` (the oldest such
    /// address's, on a tie).
    fn busiest_stranger(&self, than: usize) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for (at, peer) in self.peers.iter().enumerate().filter(|(_, p)| !p.allowed) {
            let count = self.strangers_at(peer.ip);
            if count > than && best.is_none_or(|(most, _)| count > most) {
                best = Some((count, at));
            }
        }
        best.map(|(_, at)| at)
    }
}

/// Headers accepted in a request.
const MAX_HEADERS: usize = 32;

/// One `/metrics` HTTP connection.
#[derive(Debug)]
pub struct MetricsConn {
    socket: TcpStream,
    peer: SocketAddr,
    /// Request bytes so far (at most [`MAX_REQUEST`] + one read).
    request: Vec<u8>,
    /// The full response once decided, and how much of it is written.
    response: Option<(Vec<u8>, usize)>,
    /// When the connection must be finished.
    deadline: Instant,
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Not all of the head has arrived.
    Partial,
    /// `GET /metrics`.
    Metrics,
    /// A well-formed request for anything else.
    NotFound,
    /// A request method other than GET or HEAD.
    BadMethod,
    /// Not HTTP, or over the size limit.
    Malformed,
}

/// Classifies the request bytes received so far.
pub fn parse_request(bytes: &[u8]) -> Request {
    if bytes.len() > MAX_REQUEST {
        return Request::Malformed;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Partial) => Request::Partial,
        Err(_) => Request::Malformed,
        Ok(httparse::Status::Complete(_)) => {
            if !matches!(request.method, Some("GET" | "HEAD")) {
                return Request::BadMethod;
            }
            let path = request.path.unwrap_or("");
            let path = path.split('?').next().unwrap_or(path);
            if path == "/metrics" {
                Request::Metrics
            } else {
                Request::NotFound
            }
        }
    }
}

/// A complete HTTP/1.1 response that closes the connection.
fn response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl MetricsConn {
    /// A freshly accepted metrics connection.
    pub fn new(socket: TcpStream, peer: SocketAddr, now: Instant) -> MetricsConn {
        MetricsConn {
            socket,
            peer,
            request: Vec::new(),
            response: None,
            deadline: now + METRICS_DEADLINE,
        }
    }

    /// Where the connection comes from.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The socket, to deregister it.
    pub fn socket_mut(&mut self) -> &mut TcpStream {
        &mut self.socket
    }

    /// When this connection is closed whatever its state.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Reads the request and writes the response as far as the socket
    /// allows; `render` produces the metrics text when it is asked for.
    /// Returns `true` when the connection is finished and should be dropped.
    pub fn advance(
        &mut self,
        scratch: &mut [u8],
        now: Instant,
        render: impl FnOnce() -> String,
    ) -> bool {
        if now >= self.deadline {
            return true;
        }
        if self.response.is_none() {
            match self.read_request(scratch) {
                Ok(Request::Partial) => return false,
                Ok(request) => {
                    let bytes = match request {
                        Request::Metrics => {
                            response("200 OK", "text/plain; version=0.0.4", &render())
                        }
                        Request::NotFound => response("404 Not Found", "text/plain", "not found\n"),
                        Request::BadMethod => {
                            response("405 Method Not Allowed", "text/plain", "use GET\n")
                        }
                        Request::Malformed | Request::Partial => {
                            response("400 Bad Request", "text/plain", "bad request\n")
                        }
                    };
                    self.request = Vec::new();
                    self.response = Some((bytes, 0));
                }
                Err(_) => return true,
            }
        }
        let Some((bytes, written)) = &mut self.response else {
            return false;
        };
        while *written < bytes.len() {
            match self.socket.write(&bytes[*written..]) {
                Ok(0) => return true,
                Ok(n) => *written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return true,
            }
        }
        let _ = self.socket.shutdown(Shutdown::Write);
        log::debug!("metrics served to {}", self.peer);
        true
    }

    /// Reads until `WouldBlock` and classifies what has arrived. A client
    /// that closes before a whole request is an error.
    fn read_request(&mut self, scratch: &mut [u8]) -> io::Result<Request> {
        loop {
            match self.socket.read(scratch) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.request.extend_from_slice(&scratch[..n]);
                    if self.request.len() > MAX_REQUEST {
                        return Ok(Request::Malformed);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(parse_request(&self.request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn strangers_share_the_metrics_slots_and_scrapers_always_get_one() {
        let mut peers = MetricsPeers::default();
        // Four addresses hold two slots each: full.
        for key in 0..MAX_METRICS_CLIENTS {
            assert_eq!(peers.admit(key, ip(key as u8 % 4), false), Ok(None));
        }
        // A third from one of them is refused; a newcomer from a fifth
        // address takes the oldest slot of the busiest (all tie: key 0's).
        assert_eq!(peers.admit(100, ip(1), false), Err(Busy));
        assert_eq!(peers.admit(101, ip(5), false), Ok(Some(0)));
        // Now 10.0.0.0 holds one, as much as 10.0.0.5: 10.0.0.1 is busiest.
        assert_eq!(peers.admit(102, ip(0), false), Ok(Some(1)));
        // A scraper from an allowed address takes the oldest stranger's.
        assert_eq!(peers.admit(103, ip(1), true), Ok(Some(2)));
        for key in 104..111 {
            assert!(peers.admit(key, ip(9), true).unwrap().is_some());
        }
        assert_eq!(peers.admit(111, ip(9), true), Err(Busy));
        // All slots allowed: a stranger cannot take one.
        assert_eq!(peers.admit(200, ip(7), false), Err(Busy));
        assert_eq!(peers.len(), MAX_METRICS_CLIENTS);
        peers.remove(110);
        assert_eq!(peers.admit(201, ip(7), false), Ok(None));
    }

    #[test]
    fn requests_are_classified() {
        assert_eq!(
            parse_request(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Request::Metrics
        );
        assert_eq!(
            parse_request(b"GET /metrics?x=1 HTTP/1.0\r\n\r\n"),
            Request::Metrics
        );
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\n\r\n"), Request::NotFound);
        assert_eq!(
            parse_request(b"POST /metrics HTTP/1.1\r\n\r\n"),
            Request::BadMethod
        );
        assert_eq!(
            parse_request(b"GET /metrics HTTP/1.1\r\nHost"),
            Request::Partial
        );
        assert_eq!(
            parse_request(b"\x16\x03\x01garbage\r\n\r\n"),
            Request::Malformed
        );
        let mut huge = b"GET /metrics HTTP/1.1\r\nX: ".to_vec();
        huge.resize(MAX_REQUEST + 1, b'a');
        assert_eq!(parse_request(&huge), Request::Malformed);
    }
}
