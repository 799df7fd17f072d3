//! The generator against two real `linechat` nodes sharing a real
//! redis-server: fanout over both reports same-node and cross-node latency
//! and Redis's commands; failover kills one node and sees every leave,
//! the names freed, and every survivor line in order. Fails without a
//! redis-server, unless `LINECHAT_SKIP_REDIS=1` lets it skip.

mod common;

use common::{Redis, Server, field, generator};

/// Two nodes sharing `redis`, with `flags`, each ready for logins.
fn nodes(redis: &Redis, flags: &[&str]) -> [Server; 2] {
    let url = redis.url(0);
    let flags = [&["--redis", url.as_str()][..], flags].concat();
    let ready = Some("registered with Redis");
    [
        Server::start_with(&flags, ready),
        Server::start_with(&flags, ready),
    ]
}

/// Runs the generator and returns its JSON, failing the test (with what
/// it printed) unless it exits 0.
fn run_ok(args: &[&str]) -> String {
    let (out, _) = generator(args);
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {json}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json
}

#[test]
fn fanout_over_two_nodes_splits_latency_and_counts_redis_commands() {
    let Some(redis) = Redis::start() else { return };
    let [a, b] = nodes(&redis, &[]);
    let addrs = format!("{},{}", a.addr, b.addr);
    let pids = format!("{},{}", a.pid(), b.pid());
    let redis_addr = redis.addr().to_string();
    let json = run_ok(&[
        "fanout",
        "--addr",
        &addrs,
        "--pid",
        &pids,
        "--redis",
        &redis_addr,
        "--clients",
        "20",
        "--senders",
        "4",
        "--rate",
        "200",
        "--duration",
        "1",
        "--json",
        "--quiet",
    ]);
    assert_eq!(field(&json, "nodes"), Some("2"), "{json}");
    for key in [
        "same_node_p50_us",
        "cross_node_p99_us",
        "server_cpu_node0",
        "server_cpu_node1",
        "redis_cpu",
    ] {
        assert!(field(&json, key).is_some(), "no {key}: {json}");
    }
    // One XADD per line (each is its own write at this rate), whoever
    // reads it.
    let num = |key| -> f64 { field(&json, key).unwrap().parse().unwrap() };
    let (sent, xadd) = (num("sent"), num("redis_calls_xadd"));
    assert!(sent > 100.0 && xadd >= sent * 0.9 && xadd <= sent, "{json}");
    assert!(num("redis_xadd_per_write") <= 1.0, "{json}");
}

#[test]
fn failover_sees_every_leave_and_the_names_freed_without_loss() {
    let Some(redis) = Redis::start() else { return };
    let [a, b] = nodes(&redis, &["--node-timeout", "1", "--quiet-joins", "0"]);
    let addrs = format!("{},{}", a.addr, b.addr);
    let victim = b.pid().to_string();
    let json = run_ok(&[
        "failover",
        "--addr",
        &addrs,
        "--kill-pid",
        &victim,
        "--clients",
        "30",
        "--senders",
        "3",
        "--rate",
        "60",
        "--kill-after",
        "0.5",
        "--duration",
        "4",
        "--json",
        "--quiet",
    ]);
    assert_eq!(field(&json, "victims"), Some("15"), "{json}");
    assert_eq!(field(&json, "leaves_seen"), Some("225"), "{json}");
    assert_eq!(field(&json, "lost"), Some("0"), "{json}");
    assert_eq!(field(&json, "out_of_order"), Some("0"), "{json}");
    let secs = |key| -> f64 { field(&json, key).unwrap().parse().unwrap() };
    // Not before the node timeout's worth of silence (less the heartbeat
    // it may have missed by), and well before the senders stop.
    for key in ["all_leaves_secs", "names_free_secs"] {
        assert!((0.2..3.4).contains(&secs(key)), "{key}: {json}");
    }
}
