//! `/metrics`: Prometheus text over HTTP from the chat's own poll loop.

mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use util::{TestServer, unlimited};

fn with_metrics() -> TestServer {
    TestServer::start_with_metrics(unlimited())
}

/// Fetches a URL with a real HTTP client; returns status and body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(&format!("http://{addr}{path}"))
        .call()
        .expect("http request");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap();
    (status, body)
}

/// Parses the exposition text and returns the value of one sample.
fn sample(text: &str, name: &str, label: Option<(&str, &str)>) -> f64 {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("valid exposition format");
    let found = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
        .unwrap_or_else(|| panic!("no sample {name} {label:?}"));
    match found.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => panic!("{name} is not a plain value"),
    }
}

/// The counters follow what happens in the room, and the text parses.
#[test]
fn metrics_count_what_happens() {
    let server = with_metrics();
    let maddr = server.metrics_addr.unwrap();
    let (status, before) = get(maddr, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(sample(&before, "linechat_logins_total", None), 0.0);

    let [mut alice, mut bob, mut carol] = server.room(["alice", "bob", "carol"]);
    let mut lurker = server.connect();
    lurker.expect(util::GREETING);
    alice.send("one\n");
    bob.expect("alice: one\r\n");
    carol.expect("alice: one\r\n");

    let (_, text) = get(maddr, "/metrics");
    assert_eq!(sample(&text, "linechat_logins_total", None), 3.0);
    assert_eq!(sample(&text, "linechat_messages_total", None), 1.0);
    // 3 join notices (bob to alice, carol to alice and bob) + 2 chat deliveries.
    assert_eq!(sample(&text, "linechat_deliveries_total", None), 5.0);
    assert_eq!(
        sample(&text, "linechat_connections", Some(("state", "chatting"))),
        3.0
    );
    assert_eq!(
        sample(
            &text,
            "linechat_connections",
            Some(("state", "awaiting_name"))
        ),
        1.0
    );
    assert!(sample(&text, "linechat_bytes_written_total", None) > 0.0);
    assert!(text.contains("# TYPE linechat_poll_iteration_seconds histogram"));
    assert!(sample(&text, "linechat_poll_iteration_seconds_count", None) > 0.0);
}

/// Other paths get 404, other methods 405, garbage and oversized requests 400.
#[test]
fn bad_requests_get_clear_statuses() {
    let server = with_metrics();
    let maddr = server.metrics_addr.unwrap();
    assert_eq!(get(maddr, "/").0, 404);
    assert_eq!(get(maddr, "/metricsx").0, 404);

    let raw = |request: &[u8]| {
        let mut s = TcpStream::connect(maddr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(request);
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    assert!(raw(b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405 "));
    assert!(raw(b"\x16\x03\x01\x02\x00garbage\r\n\r\n").starts_with("HTTP/1.1 400 "));
    let mut huge = b"GET /metrics HTTP/1.1\r\nX-Big: ".to_vec();
    huge.resize(9 * 1024, b'a');
    assert!(raw(&huge).starts_with("HTTP/1.1 400 "));
}

/// Metrics clients that send nothing cannot stall the chat, and have their
/// own caps: 2 per address, 8 in all.
#[test]
fn silent_metrics_clients_do_not_block_chat() {
    let server = with_metrics();
    let maddr = server.metrics_addr.unwrap();
    let silent: Vec<TcpStream> = (0..linechat::http::MAX_METRICS_CLIENTS)
        .map(|i| connect_from([127, 0, 0, 10 + i as u8 / 2], maddr))
        .collect();
    let mut alice = server.login("alice");
    let mut bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    bob.send("still chatting\n");
    alice.expect("bob: still chatting\r\n");
    // One more metrics connection is over the cap and is turned away.
    assert!(read_all(connect_from([127, 0, 0, 30], maddr)).starts_with("HTTP/1.1 503 "));
    drop(silent);
}

/// Slow connections from one address cannot lock a scraper elsewhere out:
/// the third from that address is refused, and a scrape from another
/// address still gets through.
#[test]
fn one_address_cannot_take_every_metrics_slot() {
    let server = with_metrics();
    let maddr = server.metrics_addr.unwrap();
    let slow: Vec<TcpStream> = (0..2)
        .map(|_| connect_from([127, 0, 0, 40], maddr))
        .collect();
    assert!(read_all(connect_from([127, 0, 0, 40], maddr)).starts_with("HTTP/1.1 503 "));
    let mut scrape = connect_from([127, 0, 0, 41], maddr);
    scrape.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
    assert!(read_all(scrape).starts_with("HTTP/1.1 200 "));
    drop(slow);
}

/// Everything the server sends until it closes.
fn read_all(mut s: TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// A connection to `to` from the loopback address `from` (any 127.x.y.z
/// is this machine), so a test can be several clients at once.
fn connect_from(from: [u8; 4], to: SocketAddr) -> TcpStream {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(to) = to else {
        panic!("IPv4 only")
    };
    let sockaddr = |ip: [u8; 4], port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor owned by the returned
    // stream; the addresses live across the calls.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let stream = TcpStream::from_raw_fd(fd);
        let local = sockaddr(from, 0);
        assert_eq!(
            libc::bind(fd, (&local as *const libc::sockaddr_in).cast(), len),
            0
        );
        let remote = sockaddr(to.ip().octets(), to.port());
        let rc = libc::connect(fd, (&remote as *const libc::sockaddr_in).cast(), len);
        assert_eq!(rc, 0, "connect: {}", std::io::Error::last_os_error());
        stream
    }
}
