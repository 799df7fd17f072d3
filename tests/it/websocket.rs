//! The web listener over real sockets: the page and `/healthz`, IRC over
//! WebSocket chatting with telnet, the Origin check, subprotocols, and
//! each kind of bad frame closing only its own connection.

use crate::util::irc::Irc;
use crate::util::ws::{Ws, request, upgrade_request};
use crate::util::{TestServer, metrics_text, unlimited};
use std::io::Read;

/// Frames to send: FIN and opcode, payload, masked.
type Frames<'a> = Vec<(u8, &'a [u8], bool)>;

fn server() -> TestServer {
    TestServer::start_with_web(unlimited())
}

/// `GET /` is the page with its type and security headers, and nothing
/// after its length; the connection then closes.
#[test]
fn the_page_is_served_with_its_headers() {
    let server = server();
    let web = server.web_addr.unwrap();
    let (mut stream, head, mut body) = request(web, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: text/html; charset=utf-8\r\n"),
        "{head}"
    );
    assert!(
        head.contains("X-Content-Type-Options: nosniff\r\n"),
        "{head}"
    );
    let csp = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Security-Policy: "))
        .expect("a CSP");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("connect-src 'self' ws: wss:"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    stream.read_to_end(&mut body).unwrap();
    let page = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html")).unwrap();
    assert_eq!(body, page, "the page, then the close");
    let length = format!("Content-Length: {}\r\n", page.len());
    assert!(head.contains(&length), "{head}");
}

/// `/healthz` answers `200 ok`; other paths 404, other methods 405, and
/// `/ws` without an upgrade 426.
#[test]
fn healthz_and_other_paths() {
    let server = server();
    let web = server.web_addr.unwrap();
    let (mut stream, head, mut body) = request(web, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    stream.read_to_end(&mut body).unwrap();
    assert_eq!(body, b"ok");
    let status = |req: &str| request(web, req).1.lines().next().unwrap().to_string();
    assert_eq!(
        status("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        status("POST / HTTP/1.1\r\nHost: x\r\n\r\n"),
        "HTTP/1.1 405 Method Not Allowed"
    );
    assert_eq!(
        status("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"),
        "HTTP/1.1 426 Upgrade Required"
    );
    assert_eq!(
        status("\x16\x03\x01\x00\x05hello\r\n\r\n"),
        "HTTP/1.1 400 Bad Request"
    );
}

/// A WebSocket user and a telnet user chat both ways in #lobby, one IRC
/// line per message and no CRLF.
#[test]
fn websocket_and_telnet_users_chat_both_ways() {
    let server = server();
    let mut telnet = server.login("alice");
    let mut ws = Ws::register(server.web_addr.unwrap(), "bob");
    ws.join("#lobby");
    telnet.expect_line("*** bob has joined");
    telnet.send("hi bob\n");
    assert_eq!(ws.line(), ":alice!alice@linechat PRIVMSG #lobby :hi bob");
    ws.send("PRIVMSG #lobby :hello alice");
    telnet.expect_line("bob: hello alice");
    ws.send("PRIVMSG alice :psst");
    telnet.expect_line("[pm] bob: psst");
    ws.send("QUIT :bye");
    assert_eq!(ws.line(), "ERROR :Closing link: quit");
    ws.expect_close(1000);
    telnet.expect_line("*** bob has left");
}

/// A page of another origin gets 403 (cross-site WebSocket hijacking);
/// the page's own origin, a `--web-origin` and no Origin at all may open
/// a socket.
#[test]
fn only_the_pages_own_origin_or_a_listed_one_opens_a_socket() {
    let mut config = unlimited();
    config.web_origins = vec!["https://chat.example.org".into()];
    let server = TestServer::start_with_web(config);
    let web = server.web_addr.unwrap();
    let evil = upgrade_request(web, "Origin: https://evil.example\r\n");
    let (_, head, _) = request(web, &evil);
    assert!(head.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{head}");
    Ws::open_with(web, &format!("Origin: http://{web}\r\n"));
    Ws::open_with(web, "Origin: https://chat.example.org\r\n");
    Ws::open_with(web, "");
    let text = metrics_of(&server);
    assert!(
        text.contains("linechat_web_refused_total{reason=\"origin\"} 1"),
        "{text}"
    );
}

/// Without a subprotocol the socket opens with text messages and no
/// `Sec-WebSocket-Protocol`; binary.ircv3.net gets binary messages; only
/// other subprotocols get 400.
#[test]
fn subprotocols() {
    let server = server();
    let web = server.web_addr.unwrap();
    let (_, head, _) = request(web, &upgrade_request(web, ""));
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(!head.contains("Sec-WebSocket-Protocol"), "{head}");
    let mut ws = Ws::open_with(
        web,
        "Sec-WebSocket-Protocol: binary.ircv3.net, text.ircv3.net\r\n",
    );
    ws.send("PING x");
    let pong = ws.frame();
    assert_eq!(pong.first, 0x82, "binary");
    assert_eq!(pong.payload, b":linechat PONG linechat x");
    let other = upgrade_request(web, "Sec-WebSocket-Protocol: chat\r\n");
    assert!(request(web, &other).1.starts_with("HTTP/1.1 400 "));
}

/// Each broken rule closes its own connection with its code, and the
/// others chat on.
#[test]
fn bad_frames_close_only_their_connection() {
    let server = server();
    let web = server.web_addr.unwrap();
    let mut ws = Ws::register(web, "wendy");
    ws.join("#lobby");
    let mut telnet = server.login("tom");
    ws.skip_until_prefix(":tom!tom@linechat JOIN #lobby");
    let too_long = vec![b'x'; 9000];
    let fragments: Vec<(u8, &[u8])> = std::iter::once((0x01, &b"P"[..]))
        .chain(std::iter::repeat_n((0x00, &b"I"[..]), 40))
        .collect();
    let cases: [(&str, Frames<'_>, u16); 4] = [
        ("too long", vec![(0x81, &too_long[..], true)], 1009),
        (
            "bad UTF-8",
            vec![(0x81, &b"PRIVMSG #lobby :caf\xe9"[..], true)],
            1007,
        ),
        ("unmasked", vec![(0x81, &b"PING x"[..], false)], 1002),
        (
            "fragment flood",
            fragments.iter().map(|&(f, p)| (f, p, true)).collect(),
            1008,
        ),
    ];
    for (what, frames, code) in cases {
        let mut bad = Ws::open(web);
        for (first, payload, masked) in frames {
            bad.send_frame(first, payload, masked);
        }
        bad.expect_close(code);
        ws.send(&format!("PRIVMSG #lobby :after {what}"));
        telnet.expect_line(&format!("wendy: after {what}"));
    }
    let text = metrics_of(&server);
    assert!(
        text.contains("linechat_websocket_failed_total{reason=\"too_big\"} 1"),
        "{text}"
    );
}

/// A ping is answered with a pong of the same payload; a binary message
/// on a text socket is an IRC line like any other.
#[test]
fn pings_are_answered_and_binary_lines_are_read() {
    let server = server();
    let mut ws = Ws::register(server.web_addr.unwrap(), "pat");
    ws.send_frame(0x89, b"are you there", true);
    let pong = ws.frame();
    assert_eq!(
        (pong.first, &pong.payload[..]),
        (0x8a, &b"are you there"[..])
    );
    ws.send_frame(0x82, b"PING bin", true);
    assert_eq!(ws.line(), ":linechat PONG linechat bin");
}

/// The scrape of `server`'s metrics (it needs a metrics listener).
fn metrics_of(server: &TestServer) -> String {
    metrics_text(server.metrics_addr.expect("metrics"))
}

/// An IRC user on the IRC port sees a WebSocket user like any other.
#[test]
fn irc_and_websocket_users_share_channels() {
    let server = server();
    let mut irc = Irc::register(&server, "ivy");
    irc.join("#rust");
    let mut ws = Ws::register(server.web_addr.unwrap(), "wes");
    ws.join("#rust");
    irc.expect_line(":wes!wes@linechat JOIN #rust");
    irc.send("PRIVMSG #rust :hi wes");
    assert_eq!(ws.line(), ":ivy!ivy@linechat PRIVMSG #rust :hi wes");
}

/// A WebSocket reader that never reads is dropped at `--max-outbuf`, as
/// a telnet one is; the telnet reader beside it gets every line in order
/// and hears that it left. What the stuck one got is whole frames: the
/// room's lines in order, then the close.
#[test]
fn a_websocket_reader_that_never_reads_is_dropped_and_others_lose_nothing() {
    let server = TestServer::start_with_web(linechat::Config {
        max_outbuf: 256 * 1024,
        ..unlimited()
    });
    let [mut reader, mut sender] = server.room(["reader", "sender"]);
    let mut stuck = Ws::register(server.web_addr.unwrap(), "stuck");
    stuck.join("#lobby");
    reader.expect_line("*** stuck has joined");
    sender.expect_line("*** stuck has joined");
    let _sender = crate::limits::flood_past_a_stuck_reader(&mut reader, sender);
    let mut got = Vec::new();
    let _ = stuck.stream.read_to_end(&mut got);
    let (mut rest, mut expected, mut closed) = (&got[..], 0, false);
    while let Some((frame, used)) = crate::util::ws::parse(rest) {
        rest = &rest[used..];
        assert!(!closed, "a frame after the close frame");
        // A close frame's payload is its code (binary), not text.
        if frame.first == 0x88 {
            closed = true;
            continue;
        }
        assert_eq!(frame.first, 0x81, "unexpected frame");
        let text = String::from_utf8(frame.payload).unwrap();
        if text.starts_with(":sender!sender@linechat PRIVMSG #lobby :") {
            let n = text.rsplit_once(':').unwrap().1.split_once(' ').unwrap().0;
            assert_eq!(n.parse::<usize>().unwrap(), expected, "out of order");
            expected += 1;
        } else {
            assert!(text.starts_with("ERROR "), "{text}");
        }
    }
    assert!(
        expected > 0 && expected < crate::limits::STUCK_LINES,
        "stuck got {expected} lines"
    );
}

/// `/metrics` counts open connections by dialect (a web connection as
/// websocket once its socket is open), pages served and upgrades.
#[test]
fn metrics_count_connections_by_dialect() {
    let server = server();
    let web = server.web_addr.unwrap();
    let _telnet = server.login("tina");
    let _irc = Irc::register(&server, "ian");
    let _ws = Ws::register(web, "wyn");
    let (mut page, _, mut body) = request(web, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    page.read_to_end(&mut body).unwrap();
    let text = metrics_of(&server);
    for (dialect, count) in [("telnet", 1), ("irc", 1), ("websocket", 1)] {
        let want = format!("linechat_connections_by_dialect{{dialect=\"{dialect}\"}} {count}\n");
        assert!(text.contains(&want), "{want} in {text}");
    }
    assert!(text.contains("linechat_web_served_total 1\n"), "{text}");
    assert!(
        text.contains("linechat_websocket_upgrades_total 1\n"),
        "{text}"
    );
}

/// A web connection that never finishes its request head is closed at
/// its deadline (10 s, or `--login-timeout` if shorter), and costs
/// nothing else.
#[test]
fn an_unfinished_request_is_closed_at_its_deadline() {
    let server = TestServer::start_with_web(linechat::Config {
        login_timeout: std::time::Duration::from_secs(1),
        ..unlimited()
    });
    let mut slow = std::net::TcpStream::connect(server.web_addr.unwrap()).unwrap();
    slow.set_read_timeout(Some(crate::util::READ_TIMEOUT))
        .unwrap();
    std::io::Write::write_all(&mut slow, b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{rest:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let mut ws = Ws::register(server.web_addr.unwrap(), "still");
    ws.send("PING x");
    assert_eq!(ws.line(), ":linechat PONG linechat x");
}
