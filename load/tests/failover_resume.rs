//! Failover with resume against the real thing: two `linechat` nodes
//! sharing a real redis-server, a real HAProxy in front of them; the
//! generator kills one node, and its users come back through HAProxy with
//! `/resume` and their codes. Every one must be back, miss no line, and be
//! seen back by every survivor. A hundred come back at once: more than a
//! node queues history reads for (64) besides those under way (4), so the
//! replays of the lines they missed must wait rather than be refused. Fails without a redis-server or a haproxy,
//! unless `LINECHAT_SKIP_REDIS=1` or `LINECHAT_SKIP_HAPROXY=1` lets it
//! skip.

mod common;

#[path = "../../benches/load/haproxy.rs"]
mod haproxy;
#[path = "../../tests/util/skip.rs"]
mod skip;

use common::{Redis, Server, field, generator};
use haproxy::{Haproxy, SKIP_HAPROXY, haproxy_binary};

#[test]
fn the_killed_nodes_users_resume_through_haproxy_without_missing_a_line() {
    let Some(bin) = haproxy_binary() else {
        return skip::missing(
            SKIP_HAPROXY,
            "no haproxy (install it, or set LINECHAT_HAPROXY to one)",
        );
    };
    let Some(redis) = Redis::start() else { return };
    let url = redis.url(0);
    let flags = ["--redis", &url, "--node-timeout", "1", "--quiet-joins", "0"];
    let ready = Some("registered with Redis");
    let [a, b] = [0, 1].map(|_| Server::start_with(&flags, ready));
    let balancer = Haproxy::start(&bin, &[a.addr, b.addr], None).expect("haproxy");
    let addrs = format!("{},{}", a.addr, b.addr);
    let (victim, via) = (b.pid().to_string(), balancer.addr.to_string());
    let (out, _) = generator(&[
        "failover",
        "--addr",
        &addrs,
        "--kill-pid",
        &victim,
        "--resume-via",
        &via,
        "--clients",
        "200",
        "--senders",
        "3",
        "--rate",
        "60",
        "--kill-after",
        "0.5",
        "--duration",
        "4",
        // The replays of what they missed may come after the senders
        // stop; a victim never back ends the run here, not at the
        // default's two minutes.
        "--grace",
        "10",
        "--timeout",
        "20",
        "--json",
        "--quiet",
    ]);
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {json}\nstderr: {stderr}");
    let num = |key| -> f64 {
        let value = field(&json, key).unwrap_or_else(|| panic!("no {key}: {json}"));
        value.parse().unwrap()
    };
    assert_eq!(num("victims"), 100.0, "{json}");
    assert_eq!(
        (num("resume_dropped"), num("resumed")),
        (100.0, 100.0),
        "{json}"
    );
    assert_eq!((num("resume_missed"), num("lost")), (0.0, 0.0), "{json}");
    assert_eq!(num("out_of_order"), 0.0, "{json}");
    // Every survivor saw every victim back.
    assert_eq!(num("backs_seen"), 10_000.0, "{json}");
    // Back within a bound (the run fails anyway if any came back after
    // the senders stopped).
    assert!(num("back_max_secs") < 3.0, "{json}");
}
