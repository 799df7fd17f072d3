//! The Redis link against a real `redis-server` (started per test on a free
//! loopback port, persistence off), driven by a small mio poll loop like the
//! reactor's. Nothing is mocked; every wait has a deadline. Without a
//! redis-server the tests that need one fail, unless `LINECHAT_SKIP_REDIS=1`
//! lets them skip (tests/util/skip.rs).

use crate::util::redis as redis_server;

use bytes::Bytes;
use linechat::redis::{BytesFrame, Event, Link, LinkConfig, SendError, State, Tag, Why};
use mio::{Events, Poll, Token};
use redis_server::{RedisServer, free_port};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The longest any expected event may take.
const WITHIN: Duration = Duration::from_secs(10);

/// Starts a redis-server, or fails the test (skips it with
/// `LINECHAT_SKIP_REDIS=1`).
macro_rules! redis_or_skip {
    () => {
        match RedisServer::start() {
            Some(redis) => redis,
            None => return,
        }
    };
}

/// A poll loop over some links, in the reactor's order: flush and
/// re-register, poll (no longer than the next deadline), readiness, timers.
struct Loop {
    poll: Poll,
    events: Events,
    links: Vec<Link>,
    /// Events not yet looked at, with the index of their link.
    got: Vec<(usize, Event)>,
    next_tag: Tag,
}

impl Loop {
    fn new(links: Vec<Link>) -> Loop {
        let poll = Poll::new().unwrap();
        let mut lp = Loop {
            poll,
            events: Events::with_capacity(64),
            links,
            got: Vec::new(),
            next_tag: 1,
        };
        for (i, link) in lp.links.iter_mut().enumerate() {
            link.register(lp.poll.registry(), Token(i)).unwrap();
        }
        lp
    }

    /// A loop whose links are all connected (their `Up` taken).
    fn up(links: Vec<Link>) -> Loop {
        let mut lp = Loop::new(links);
        for i in 0..lp.links.len() {
            lp.wait_up(i);
        }
        lp
    }

    /// One iteration, sleeping at most `max_wait`.
    fn turn(&mut self, max_wait: Duration) {
        let mut out = Vec::new();
        let now = Instant::now();
        for (i, link) in self.links.iter_mut().enumerate() {
            link.flush(now, &mut out);
            link.reregister(self.poll.registry()).unwrap();
            self.got.extend(out.drain(..).map(|e| (i, e)));
        }
        let next = self.links.iter().filter_map(Link::next_deadline).min();
        let wait = next.map_or(max_wait, |at| {
            at.saturating_duration_since(now).min(max_wait)
        });
        if let Err(e) = self.poll.poll(&mut self.events, Some(wait)) {
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "poll: {e}");
        }
        let now = Instant::now();
        for event in self.events.iter() {
            let i = event.token().0;
            let readable = event.is_readable() || event.is_read_closed() || event.is_error();
            let writable = event.is_writable() || event.is_write_closed();
            self.links[i].on_ready(readable, writable, now, &mut out);
            self.got.extend(out.drain(..).map(|e| (i, e)));
        }
        for (i, link) in self.links.iter_mut().enumerate() {
            if link.next_deadline().is_some_and(|at| at <= now) {
                link.on_timer(now, &mut out);
                self.got.extend(out.drain(..).map(|e| (i, e)));
            }
        }
    }

    /// Turns until `found` takes something from the events, or panics.
    #[track_caller]
    fn wait_for<T>(
        &mut self,
        what: &str,
        mut found: impl FnMut(&mut Vec<(usize, Event)>) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + WITHIN;
        loop {
            if let Some(t) = found(&mut self.got) {
                return t;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "no {what} within {WITHIN:?}; events: {:?}",
                self.got
            );
            self.turn(deadline - now);
        }
    }

    /// Removes and returns the first event of `link` that `pick` accepts.
    #[track_caller]
    fn take<T>(&mut self, what: &str, link: usize, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
        self.wait_for(what, |got| {
            let at = got
                .iter()
                .position(|(i, e)| *i == link && pick(e).is_some())?;
            pick(&got.remove(at).1)
        })
    }

    #[track_caller]
    fn send(&mut self, link: usize, command: &[&[u8]]) -> Tag {
        let tag = self.next_tag;
        self.next_tag += 1;
        self.links[link]
            .send(tag, command, Instant::now())
            .expect("send");
        tag
    }

    /// The reply to `tag` (a `Lost` for it fails the test).
    #[track_caller]
    fn reply(&mut self, link: usize, tag: Tag) -> BytesFrame {
        self.take("reply", link, |e| match e {
            Event::Reply { tag: t, frame } if *t == tag => Some(frame.clone()),
            Event::Lost { tag: t } if *t == tag => panic!("command {tag} was lost"),
            _ => None,
        })
    }

    #[track_caller]
    fn call(&mut self, link: usize, command: &[&[u8]]) -> BytesFrame {
        let tag = self.send(link, command);
        self.reply(link, tag)
    }

    #[track_caller]
    fn wait_up(&mut self, link: usize) {
        self.take("Up", link, |e| (*e == Event::Up).then_some(()));
        assert_eq!(self.links[link].state(), State::Ready);
    }

    #[track_caller]
    fn wait_down(&mut self, link: usize) -> (Why, Instant) {
        self.take("Down", link, |e| match e {
            Event::Down { why, retry_at } => Some((why.clone(), *retry_at)),
            _ => None,
        })
    }

    #[track_caller]
    fn wait_lost(&mut self, link: usize, tag: Tag) {
        self.take("Lost", link, |e| (*e == Event::Lost { tag }).then_some(()));
    }
}

fn link(url: &str, config: LinkConfig) -> Link {
    Link::new(url, config, Instant::now()).expect("link")
}

fn simple(s: &str) -> BytesFrame {
    BytesFrame::SimpleString(Bytes::copy_from_slice(s.as_bytes()))
}

fn bulk(s: &[u8]) -> BytesFrame {
    BytesFrame::BulkString(Bytes::copy_from_slice(s))
}

fn array(items: Vec<BytesFrame>) -> BytesFrame {
    BytesFrame::Array(items)
}

/// PING, SET and GET round trips; a command sent while connecting is held
/// and answered; the database in the URL is selected.
#[test]
fn ping_set_get_and_the_urls_database() {
    let redis = redis_or_skip!();
    let mut lp = Loop::new(vec![
        link(&redis.url(0), LinkConfig::default()),
        link(&redis.url(3), LinkConfig::default()),
    ]);
    assert_eq!(lp.links[1].state(), State::Connecting);
    assert_eq!(lp.call(1, &[b"PING"]), simple("PONG"));
    lp.wait_up(1);
    lp.wait_up(0);
    assert_eq!(
        lp.call(1, &[b"SET", b"greeting", b"hi\r\nthere"]),
        simple("OK")
    );
    assert_eq!(lp.call(1, &[b"GET", b"greeting"]), bulk(b"hi\r\nthere"));
    assert_eq!(
        lp.call(0, &[b"GET", b"greeting"]),
        BytesFrame::Null,
        "db 0 is another database"
    );
    let info = lp.call(1, &[b"CLIENT", b"INFO"]);
    assert!(
        matches!(&info, BytesFrame::BulkString(b) if b.windows(5).any(|w| w == b" db=3")),
        "{info:?}"
    );
    let err = lp.call(0, &[b"NOSUCHCOMMAND"]);
    assert!(
        matches!(err, BytesFrame::Error(_)),
        "an error reply is a reply: {err:?}"
    );
}

/// A database Redis does not have: SELECT is refused, the link goes down,
/// and the command held behind SELECT never runs (in the wrong database).
#[test]
fn a_refused_select_loses_the_held_commands() {
    let redis = redis_or_skip!();
    let mut lp = Loop::new(vec![
        link(&redis.url(99), LinkConfig::default()),
        link(&redis.url(0), LinkConfig::default()),
    ]);
    let held = lp.send(0, &[b"SET", b"k", b"wrong database"]);
    lp.wait_lost(0, held);
    let why = lp.wait_down(0).0;
    assert!(
        matches!(&why, Why::SelectRefused(e) if e.contains("DB index")),
        "{why:?}"
    );
    assert_eq!(lp.call(1, &[b"GET", b"k"]), BytesFrame::Null);
}

/// XADD, then XREAD from id 0 returns the entry, field by field.
#[test]
fn xadd_then_xread_from_zero_returns_the_entry() {
    let redis = redis_or_skip!();
    let mut lp = Loop::up(vec![link(&redis.url(0), LinkConfig::default())]);
    let id = lp.call(
        0,
        &[
            b"XADD",
            b"room:lobby",
            b"*",
            b"from",
            b"alice",
            b"line",
            b"hi all",
        ],
    );
    let BytesFrame::BulkString(id) = id else {
        panic!("XADD answered {id:?}");
    };
    let read = lp.call(
        0,
        &[b"XREAD", b"COUNT", b"10", b"STREAMS", b"room:lobby", b"0"],
    );
    let entry = array(vec![
        bulk(&id),
        array(vec![
            bulk(b"from"),
            bulk(b"alice"),
            bulk(b"line"),
            bulk(b"hi all"),
        ]),
    ]);
    assert_eq!(
        read,
        array(vec![array(vec![bulk(b"room:lobby"), array(vec![entry])])])
    );
}

/// XREAD BLOCK on a second link returns as soon as the first link adds an
/// entry, well before its block time; with nothing added it times out as
/// a null reply.
#[test]
fn xread_block_returns_when_another_link_adds() {
    let redis = redis_or_skip!();
    let mut lp = Loop::up(vec![
        link(&redis.url(0), LinkConfig::default()),
        link(&redis.url(0), LinkConfig::default()),
    ]);
    let BytesFrame::BulkString(first) = lp.call(0, &[b"XADD", b"s", b"*", b"n", b"1"]) else {
        panic!("XADD");
    };
    let started = Instant::now();
    let blocked = lp.send(1, &[b"XREAD", b"BLOCK", b"1000", b"STREAMS", b"s", &first]);
    // Add only once Redis has the reader blocked, so the reply shows the
    // wake-up and not an entry that was already there.
    let deadline = Instant::now() + WITHIN;
    loop {
        let BytesFrame::BulkString(info) = lp.call(0, &[b"INFO", b"clients"]) else {
            panic!("INFO");
        };
        if info.windows(17).any(|w| w == b"blocked_clients:1") {
            break;
        }
        assert!(Instant::now() < deadline, "the reader never blocked");
    }
    let BytesFrame::BulkString(second) = lp.call(0, &[b"XADD", b"s", b"*", b"n", b"2"]) else {
        panic!("XADD");
    };
    let read = lp.reply(1, blocked);
    let took = started.elapsed();
    let entry = array(vec![bulk(&second), array(vec![bulk(b"n"), bulk(b"2")])]);
    assert_eq!(
        read,
        array(vec![array(vec![bulk(b"s"), array(vec![entry])])])
    );
    assert!(took < Duration::from_millis(1000), "woken after {took:?}");

    let started = Instant::now();
    assert_eq!(
        lp.call(1, &[b"XREAD", b"BLOCK", b"100", b"STREAMS", b"s", &second]),
        BytesFrame::Null
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
}

/// Killing redis-server loses the command in flight and takes the link
/// down; it retries with growing waits and is back by itself once
/// redis-server is restarted on the same port.
#[test]
fn a_killed_redis_takes_the_link_down_and_a_restart_brings_it_back() {
    let mut redis = redis_or_skip!();
    let mut lp = Loop::up(vec![link(&redis.url(0), LinkConfig::default())]);
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
    let waiting = lp.send(0, &[b"BLPOP", b"no-such-list", b"5"]);
    lp.turn(Duration::ZERO);
    redis.kill();
    lp.wait_lost(0, waiting);
    let (why, first_retry) = lp.wait_down(0);
    // A FIN, or a reset if the BLPOP was still unread in its socket.
    assert!(
        matches!(
            why,
            Why::Closed | Why::Io(std::io::ErrorKind::ConnectionReset)
        ),
        "{why:?}"
    );
    assert!(matches!(lp.links[0].state(), State::Down { .. }));
    assert_eq!(
        lp.links[0].send(0, &[b"PING"], Instant::now()),
        Err(SendError::Down)
    );
    let (why, second_retry) = lp.wait_down(0);
    assert_eq!(
        why,
        Why::ConnectFailed(std::io::ErrorKind::ConnectionRefused)
    );
    let (_, third_retry) = lp.wait_down(0);
    // Waits of 100, 200, 400 ms: each gap is at least the wait before it.
    assert!(second_retry - first_retry >= Duration::from_millis(200));
    assert!(third_retry - second_retry >= Duration::from_millis(400));
    redis.restart();
    lp.wait_up(0);
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
}

/// 10,000 commands sent in one iteration go out pipelined, and every reply
/// comes back to its own tag, in order.
#[test]
fn a_pipeline_of_ten_thousand_commands() {
    let redis = redis_or_skip!();
    let mut lp = Loop::up(vec![link(&redis.url(0), LinkConfig::default())]);
    let started = Instant::now();
    let tags: Vec<Tag> = (0..10_000)
        .map(|_| lp.send(0, &[b"INCR", b"counter"]))
        .collect();
    assert_eq!(lp.links[0].in_flight(), 10_000);
    let mut next = 0;
    lp.wait_for("10,000 replies", |got| {
        for (_, event) in got.drain(..) {
            let Event::Reply { tag, frame } = event else {
                panic!("{event:?}");
            };
            assert_eq!(tag, tags[next], "replies in order");
            next += 1;
            assert_eq!(frame, BytesFrame::Integer(next as i64));
        }
        (next == tags.len()).then_some(())
    });
    eprintln!("10,000 pipelined INCRs answered in {:?}", started.elapsed());
    assert_eq!(lp.links[0].in_flight(), 0);
}

/// A Redis that stops reading (SIGSTOP): once the kernel's buffers are
/// full the link's output grows to its cap and no further; the send past
/// it drops the link, which loses every command it owed and frees its
/// buffer. After SIGCONT it reconnects and works.
#[test]
fn a_redis_that_stops_reading_gets_the_link_dropped_not_grown() {
    let redis = redis_or_skip!();
    let cap = 1 << 20;
    let config = LinkConfig {
        max_output: cap,
        ..LinkConfig::default()
    };
    let mut lp = Loop::up(vec![link(&redis.url(0), config)]);
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
    redis.signal(libc::SIGSTOP);
    let value = vec![b'x'; 64 * 1024];
    let mut sent = Vec::new();
    let mut overflowed = false;
    // 4,000 × 64 KiB is far more than loopback's socket buffers hold.
    for tag in 1..=4_000 {
        match lp.links[0].send(tag, &[b"SET", b"big", &value], Instant::now()) {
            Ok(()) => sent.push(tag),
            Err(SendError::Overflow) => {
                overflowed = true;
                break;
            }
            Err(e) => panic!("send: {e:?}"),
        }
        assert!(lp.links[0].buffered() <= cap, "output grew past its cap");
        lp.turn(Duration::ZERO);
    }
    assert!(overflowed, "4,000 sends of 64 KiB never filled the output");
    assert_eq!(
        lp.links[0].buffered(),
        0,
        "the dropped link's output is freed"
    );
    eprintln!(
        "dropped after {} sends ({} MiB)",
        sent.len(),
        sent.len() / 16
    );
    for tag in sent {
        lp.wait_lost(0, tag);
    }
    assert_eq!(lp.wait_down(0).0, Why::OutputFull);
    redis.signal(libc::SIGCONT);
    lp.wait_up(0);
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
}

/// A Redis that takes its connections but answers nothing (SIGSTOP): the
/// command waits `reply_timeout`, then the link is dropped as stalled.
#[test]
fn a_silent_redis_is_dropped_after_the_reply_timeout() {
    let redis = redis_or_skip!();
    let config = LinkConfig {
        reply_timeout: Duration::from_millis(300),
        ..LinkConfig::default()
    };
    let mut lp = Loop::up(vec![link(&redis.url(0), config)]);
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
    redis.signal(libc::SIGSTOP);
    let started = Instant::now();
    let ping = lp.send(0, &[b"PING"]);
    lp.wait_lost(0, ping);
    assert_eq!(lp.wait_down(0).0, Why::ReplyTimeout);
    assert!(started.elapsed() >= Duration::from_millis(300));
    redis.signal(libc::SIGCONT);
    // Reconnecting may have finished while it was stopped (the kernel
    // accepts for it): either way the next command is answered.
    let deadline = Instant::now() + WITHIN;
    while lp.links[0].state() != State::Ready {
        assert!(Instant::now() < deadline, "not back");
        lp.turn(Duration::from_millis(50));
    }
    assert_eq!(lp.call(0, &[b"PING"]), simple("PONG"));
}

/// A reply that takes longer than `reply_timeout` to arrive but keeps
/// arriving (a large one, a Redis slow to send it, or one read after this
/// process was stopped) is not a stall: the link waits for it. A fake
/// Redis sends a 10 KB bulk string in ten pieces 100 ms apart, with a
/// reply timeout of 300 ms. No redis-server needed.
#[test]
fn a_reply_still_arriving_is_not_a_stall() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut command = [0u8; 64];
        // The link's own PING on connecting, then the test's.
        let _ = socket.read(&mut command).unwrap();
        socket.write_all(b"+PONG\r\n").unwrap();
        let _ = socket.read(&mut command).unwrap();
        socket.write_all(b"$10240\r\n").unwrap();
        for _ in 0..10 {
            std::thread::sleep(Duration::from_millis(100));
            socket.write_all(&[b'x'; 1024]).unwrap();
        }
        socket.write_all(b"\r\n").unwrap();
        // Held open until the test is done with it.
        let _ = socket.read(&mut command);
    });
    let config = LinkConfig {
        reply_timeout: Duration::from_millis(300),
        ..LinkConfig::default()
    };
    let mut lp = Loop::up(vec![Link::connect(addr, 0, config, Instant::now())]);
    let reply = lp.call(0, &[b"PING"]);
    assert_eq!(
        reply,
        BytesFrame::BulkString(Bytes::from(vec![b'x'; 10240]))
    );
    assert_eq!(lp.links[0].state(), State::Ready);
    drop(lp);
    server.join().unwrap();
}

/// With nothing listening, the link keeps failing to connect, waiting
/// 100, 200, 400 ms between tries, refusing sends meanwhile; a command
/// sent while connecting is lost. No redis-server needed.
#[test]
fn nothing_listening_means_down_with_growing_waits() {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut lp = Loop::new(vec![Link::connect(
        addr,
        0,
        LinkConfig::default(),
        Instant::now(),
    )]);
    if lp.links[0].state() == State::Connecting {
        let tag = lp.send(0, &[b"PING"]);
        lp.wait_lost(0, tag);
    }
    let mut retries = Vec::new();
    for _ in 0..3 {
        let (why, retry_at) = lp.wait_down(0);
        assert_eq!(
            why,
            Why::ConnectFailed(std::io::ErrorKind::ConnectionRefused)
        );
        assert_eq!(
            lp.links[0].send(0, &[b"PING"], Instant::now()),
            Err(SendError::Down)
        );
        retries.push(retry_at);
    }
    assert!(retries[1] - retries[0] >= Duration::from_millis(200));
    assert!(retries[2] - retries[1] >= Duration::from_millis(400));
}

/// A URL the link cannot use is refused before any socket is made.
#[test]
fn bad_urls_are_refused() {
    for url in [
        "http://127.0.0.1:6379",
        "redis://127.0.0.1:0",
        "redis://127.0.0.1:6379/x",
    ] {
        assert!(
            Link::new(url, LinkConfig::default(), Instant::now()).is_err(),
            "{url}"
        );
    }
}

/// A Redis with a password (`requirepass`) and an ACL user: the right
/// credentials, in the URL, link; a wrong password takes the link down
/// with Redis's `WRONGPASS`, none at all with its `NOAUTH`, and neither
/// link ever reports `Up`.
#[test]
fn auth_with_a_password_and_with_an_acl_user() {
    let redis = redis_or_skip!();
    redis.cli(&[
        "ACL", "SETUSER", "chat", "on", ">chat pw", "~*", "&*", "+@all",
    ]);
    redis.cli(&["CONFIG", "SET", "requirepass", "s3cret"]);
    let port = redis.addr().port();
    let url = |creds: &str| format!("redis://{creds}127.0.0.1:{port}/2");
    let mut lp = Loop::up(vec![
        link(&url(":s3cret@"), LinkConfig::default()),
        link(&url("chat:chat%20pw@"), LinkConfig::default()),
    ]);
    lp.call(0, &[b"SET", b"k", b"v"]);
    assert_eq!(lp.call(1, &[b"GET", b"k"]), bulk(b"v"), "same database");
    let whoami = lp.call(1, &[b"ACL", b"WHOAMI"]);
    assert_eq!(whoami, bulk(b"chat"));

    let mut lp = Loop::new(vec![
        link(&url(":wrong@"), LinkConfig::default()),
        link(&url("chat:s3cret@"), LinkConfig::default()),
        link(&url(""), LinkConfig::default()),
    ]);
    let held = lp.send(2, &[b"GET", b"k"]);
    for (i, code) in [(0, "WRONGPASS"), (1, "WRONGPASS"), (2, "NOAUTH")] {
        let why = lp.wait_down(i).0;
        assert!(
            matches!(&why, Why::Refused(e) if e.starts_with(code)),
            "link {i}: {why:?}"
        );
        assert!(
            why.to_string()
                .starts_with(&format!("Redis replied {code}"))
        );
    }
    lp.wait_lost(2, held);
    assert!(!lp.got.iter().any(|(_, e)| *e == Event::Up), "{:?}", lp.got);
}

/// A server that greets with an error and closes, as Redis does in
/// protected mode (`-DENIED ...`) or with too many clients: the link-down
/// reason is Redis's own text, not "a reply nobody asked for".
#[test]
fn an_unasked_error_is_named_in_the_reason() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let denied = "-DENIED Redis is running in protected mode because protected mode is enabled\r\n";
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut socket, _) = listener.accept().unwrap();
        socket.write_all(denied.as_bytes()).unwrap();
        // Closes once the client has read it and closed (or after 10 s).
        socket.set_read_timeout(Some(WITHIN)).unwrap();
        let _ = socket.read(&mut [0; 64]);
    });
    let mut lp = Loop::new(vec![Link::connect(
        addr,
        0,
        LinkConfig::default(),
        Instant::now(),
    )]);
    let why = lp.wait_down(0).0;
    assert!(
        matches!(&why, Why::Refused(e) if e.starts_with("DENIED Redis is running in protected")),
        "{why:?}"
    );
    drop(lp);
    server.join().unwrap();
}

/// A Redis that answers `PING` but refuses every write (`READONLY`, as a
/// replica does; a fake one, so no replica is needed): the link goes down
/// with Redis's words at each write, and, though it connects each time,
/// its waits keep growing: it is not retried at the shortest wait forever.
#[test]
fn a_redis_refusing_every_write_is_backed_off() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            let _ = socket.set_read_timeout(Some(WITHIN));
            let mut answers = [
                &b"+PONG\r\n"[..],
                b"-READONLY You can't write against a read only replica.\r\n",
            ]
            .into_iter();
            while let (Ok(1..), Some(answer)) = (socket.read(&mut [0; 256]), answers.next()) {
                let _ = socket.write_all(answer);
            }
        }
    });
    let mut lp = Loop::new(vec![Link::connect(
        addr,
        0,
        LinkConfig::default(),
        Instant::now(),
    )]);
    let mut retries = Vec::new();
    for _ in 0..4 {
        lp.wait_up(0);
        let write = lp.send(0, &[b"SET", b"k", b"v"]);
        lp.wait_lost(0, write);
        let (why, retry_at) = lp.wait_down(0);
        assert!(
            matches!(&why, Why::Refused(e) if e.starts_with("READONLY")),
            "{why:?}"
        );
        retries.push(retry_at);
    }
    assert_eq!(lp.links[0].failures(), 4);
    assert!(retries[3] - retries[2] >= Duration::from_millis(400));
}
