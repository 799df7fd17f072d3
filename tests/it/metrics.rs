//! `/metrics`: Prometheus text over HTTP from the chat's own poll loop.

use crate::util;

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
/// own caps: 2 per address, 8 in all. Past 8, a scraper from another
/// address still gets through 10 times of 10: it takes the oldest slot of
/// an address holding the most, which is closed.
#[test]
fn silent_metrics_clients_do_not_block_chat_or_scrapers() {
    let server = with_metrics();
    let maddr = server.metrics_addr.unwrap();
    let mut silent: Vec<TcpStream> = (0..linechat::http::MAX_METRICS_CLIENTS)
        .map(|i| connect_from([127, 0, 0, 10 + i as u8 / 2], maddr))
        .collect();
    let mut alice = server.login("alice");
    let mut bob = server.login("bob");
    alice.expect("*** bob has joined\r\n");
    bob.send("still chatting\n");
    alice.expect("bob: still chatting\r\n");
    // A third from an address holding two is turned away.
    assert!(read_all(connect_from([127, 0, 0, 10], maddr)).starts_with("HTTP/1.1 503 "));
    for _ in 0..10 {
        assert!(scrape_from([127, 0, 0, 30], maddr).starts_with("HTTP/1.1 200 "));
    }
    // The oldest silent one gave its slot, and was closed.
    assert_eq!(read_all(silent.remove(0)), "");
}

/// --metrics-allow: a scraper from an allowed address gets a slot while
/// strangers hold them all, and even with two slow connections of its own
/// (a stranger may have only two per address): it takes the oldest
/// stranger's.
#[test]
fn an_allowed_scraper_always_gets_through() {
    let server = TestServer::start_with_metrics(linechat::Config {
        metrics_allow: vec!["127.0.0.20/31".parse().unwrap()],
        ..unlimited()
    });
    let maddr = server.metrics_addr.unwrap();
    let _strangers: Vec<TcpStream> = (0..linechat::http::MAX_METRICS_CLIENTS)
        .map(|i| connect_from([127, 0, 0, 10 + i as u8 / 2], maddr))
        .collect();
    let _slow_own: Vec<TcpStream> = (0..2)
        .map(|_| connect_from([127, 0, 0, 21], maddr))
        .collect();
    for _ in 0..10 {
        assert!(scrape_from([127, 0, 0, 21], maddr).starts_with("HTTP/1.1 200 "));
    }
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
    util::connect_from(from.into(), to)
}

/// One scrape from `from`: the whole answer.
fn scrape_from(from: [u8; 4], maddr: SocketAddr) -> String {
    let mut scrape = connect_from(from, maddr);
    scrape.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
    read_all(scrape)
}
