//! The abuse, cluster, broadcast and failover tables.

use crate::report::{field, fmt_int, fmt_mib, fmt_pct, render};
use crate::run::Row;

/// What the abuse table's columns mean.
pub const ABUSE_NOTES: &str = "\
peak RSS: the server's VmHWM at the end (A: at most bar = 1.25 x never-readers x
--max-outbuf + 20 MiB); TCP mem: /proc/net/sockstat at its highest sample, both
ends of every connection (attackers keep theirs at 16 KiB); atk dropped: attackers
the server disconnected; pair: the well-behaved pair got every line in order
(DROPPED: the server disconnected one of them); p50/p99: its latency; cycles/s:
join-storm connect-login-close cycles; CPU: over the attack or the storm.
";

/// Prints the abuse and storm table.
pub fn print_abuse_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "peak RSS MiB",
        "bar MiB",
        "TCP mem MiB",
        "atk dropped",
        "alive",
        "pair",
        "p50 µs",
        "p99 µs",
        "cycles/s",
        "srv CPU",
        "ok",
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            let alive = match field(&o.json, "server_alive") {
                Some("true") => "yes",
                Some(_) => "NO",
                None => "-",
            };
            let pair = match (o.num("expected"), o.num("received"), o.num("out_of_order")) {
                _ if o.num("dropped").is_some_and(|d| d > 0.0) => "DROPPED".to_string(),
                (Some(e), Some(r), Some(0.0)) if e > 0.0 && r == e => "ok".to_string(),
                (Some(e), Some(r), Some(ooo)) => format!("{r:.0}/{e:.0} ooo {ooo:.0}"),
                _ => "-".into(),
            };
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_mib(o.num("peak_rss_bytes")),
                fmt_mib(o.num("rss_bar_bytes")),
                fmt_mib(o.num("tcp_mem_peak_bytes")),
                fmt_int(o.num("attackers_dropped")),
                alive.into(),
                pair,
                fmt_int(o.num("p50_us")),
                fmt_int(o.num("p99_us")),
                fmt_int(o.num("logins_per_sec")),
                fmt_pct(o.num("server_cpu").or(o.server_cpu_whole)),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{ABUSE_NOTES}");
}

/// `a/b` of two figures, `-` for a missing one.
pub fn pair(a: Option<f64>, b: Option<f64>) -> String {
    format!("{}/{}", fmt_int(a), fmt_int(b))
}

/// What the cluster table's columns mean.
pub const CLUSTER_NOTES: &str = "\
Two linechat nodes sharing one Redis; client n is on node n mod 2, senders too.
same/cross p50/p99: delivery latency between users of one node, and of the two;
node CPU: each node's share of one core over the measurement; Redis CPU and
calls/s: over the measurement (INFO); calls/write, XADD/write: Redis commands
(all, XADD) per sender write of one or more lines (about one server read: a
sender turn), from the start of the measurement until the last line arrived;
calls/line: per measured line; calls/deliv: per delivery (calls include those
a script makes: each node's heartbeat is an EVAL and a few more); gen CPU: the
generator's (one thread: near 100% means it, not the cluster, is the limit);
lost nodes: how often the nodes logged that the other stopped answering (0 here).
";

/// Prints the cluster load table (X1, X2).
pub fn print_cluster_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "deliv/s",
        "same p50/p99 µs",
        "cross p50/p99 µs",
        "node CPU",
        "Redis CPU",
        "calls/s",
        "XADD/s",
        "calls/write",
        "XADD/write",
        "calls/line",
        "calls/deliv",
        "gen CPU",
        "lost nodes",
        "ok",
    ];
    let ratio = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_int(o.num("deliveries_per_sec")),
                pair(o.num("same_node_p50_us"), o.num("same_node_p99_us")),
                pair(o.num("cross_node_p50_us"), o.num("cross_node_p99_us")),
                format!(
                    "{} + {}",
                    fmt_pct(o.num("server_cpu_node0")),
                    fmt_pct(o.num("server_cpu_node1"))
                ),
                fmt_pct(o.num("redis_cpu")),
                fmt_int(o.num("redis_calls_per_sec")),
                fmt_int(o.num("redis_xadd_per_sec")),
                ratio(o.num("redis_calls_per_write"), 2),
                ratio(o.num("redis_xadd_per_write"), 2),
                ratio(o.num("redis_calls_per_line"), 3),
                ratio(o.num("redis_calls_per_delivery"), 5),
                fmt_pct(o.num("gen_cpu")),
                o.nodes_lost.map_or("-".into(), |n| n.to_string()),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{CLUSTER_NOTES}");
    for r in rows {
        let calls: Vec<String> = r
            .out
            .json
            .split(',')
            .filter_map(|kv| kv.strip_prefix("\"redis_calls_"))
            .filter(|kv| !kv.starts_with("per_"))
            .map(|kv| kv.replacen("\":", " ", 1))
            .collect();
        if !calls.is_empty() {
            println!("{} {}: Redis commands {}", r.id, r.what, calls.join(", "));
        }
    }
}

/// What the broadcast table's columns mean.
pub const BROADCAST_NOTES: &str = "\
Two linechat nodes sharing one Redis, client n on node n mod 2, all idle in one
room; login s: every user logged in and every join notice read. Then one user
sends one line: got: how many of the others received it (of how many; all must);
p50/p99: its delivery latency to all of them, to when the generator read it;
same/cross: to users of the sender's node and of the other; arrival: the same
to when it arrived in each reader's socket (the kernel's receive timestamp),
which leaves out the generator's own time to read 9,999 sockets on the same
cores (the generator runs under `nice -n 19`, so the nodes get the two cores
first, as they would with their readers on other hosts); RSS/conn: both nodes' RSS growth over the users;
node CPU: each node's share of one core over the whole run.
";

/// Prints the big-broadcast table (X4).
pub fn print_broadcast_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "login s",
        "got",
        "p50 µs",
        "p99 µs",
        "same p50/p99 µs",
        "cross p50/p99 µs",
        "arrival p50/p99 µs",
        "same/cross arrival p99 µs",
        "RSS/conn",
        "node CPU",
        "lost nodes",
        "ok",
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                o.num("login_secs")
                    .map_or("-".into(), |s| format!("{s:.2}")),
                pair(o.num("received"), o.num("expected")),
                fmt_int(o.num("p50_us")),
                fmt_int(o.num("p99_us")),
                pair(o.num("same_node_p50_us"), o.num("same_node_p99_us")),
                pair(o.num("cross_node_p50_us"), o.num("cross_node_p99_us")),
                pair(o.num("arrival_p50_us"), o.num("arrival_p99_us")),
                pair(
                    o.num("same_node_arrival_p99_us"),
                    o.num("cross_node_arrival_p99_us"),
                ),
                o.num("rss_per_conn_bytes")
                    .map_or("-".into(), |b| format!("{:.2} KiB", b / 1024.0)),
                format!(
                    "{} + {}",
                    fmt_pct(o.num("server_cpu_node0")),
                    fmt_pct(o.num("server_cpu_node1"))
                ),
                o.nodes_lost.map_or("-".into(), |n| n.to_string()),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{BROADCAST_NOTES}");
}

/// What the failover table's columns mean.
pub const FAILOVER_NOTES: &str = "\
login s: every user of both nodes logged in and every join notice read; then the
senders (all on the surviving node) start, and the other node gets SIGKILL. Its
users read to the end of their connections and reconnect at once (no delay)
through a fresh HAProxy in front of both nodes (TCP, roundrobin, checks every
200 ms, fall 1, redispatch), which sends them to the survivor, and type
`/resume CODE` with the code of their welcome. Times after the kill: resumed:
users back of users dropped; back p50/max: until a resumed user read its welcome
(chatting again); replay p50/max: until the heading of the lines it missed came
(`*** Missed in #lobby while you were away, N lines:`; the lines follow it); missed: lines sent that a resumed user never read (before the
drop or after the resume), all of them (before kill: of those, the ones sent
before the kill; not shown: the ones the replay said it left out, as it keeps at
most --history lines a room; X3 runs with --history 1000, the lines of 10 s); twice: lines a resumed user read twice
(telnet: the replay starts after the dead node's last position write, at most a
second old); all back: every survivor has seen `*** NAME is back` for every such
user; first/all leaves: the same for `*** NAME has left` (the old sessions leave
when the survivor takes their names, or at --node-timeout); names free (without
resume only, LINECHAT_SKIP_HAPROXY=1: the users are dropped): a login with a
killed user's name succeeds at the survivor, tried every 50 ms. lines/lost/ooo: the
senders' lines, and deliveries to survivors lost or out of order; p99: their
latency; CPU: the survivor's, over the sending; early leaves: leave notices for
our users before the kill; lost nodes: how often the nodes logged that the other
stopped answering (1 here: the kill; more, or early leaves, means a live node was
taken for gone).
";

/// X3's missed lines, with how many were sent before the kill and how
/// many the replays said they left out, when any were missed.
fn missed(o: &crate::run::Outcome) -> String {
    match o.num("resume_missed") {
        Some(m) if m > 0.0 => format!(
            "{} ({} before kill, {} not shown)",
            fmt_int(Some(m)),
            fmt_int(o.num("resume_missed_before_kill")),
            fmt_int(o.num("resume_not_shown"))
        ),
        m => fmt_int(m),
    }
}

/// Prints the failover table (X3).
pub fn print_failover_table(rows: &[&Row]) {
    let header = [
        "case",
        "server",
        "what",
        "login s",
        "resumed",
        "back p50/max s",
        "replay p50/max s",
        "missed",
        "twice",
        "all back s",
        "first/all leaves s",
        "names free s",
        "lines",
        "deliveries",
        "lost",
        "ooo",
        "p99 µs",
        "srv CPU",
        "early leaves",
        "lost nodes",
        "ok",
    ];
    let secs = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                secs(o.num("login_secs")),
                pair(o.num("resumed"), o.num("resume_dropped")),
                format!(
                    "{}/{}",
                    secs(o.num("back_p50_secs")),
                    secs(o.num("back_max_secs"))
                ),
                format!(
                    "{}/{}",
                    secs(o.num("replay_p50_secs")),
                    secs(o.num("replay_max_secs"))
                ),
                missed(o),
                fmt_int(o.num("resume_twice")),
                secs(o.num("all_backs_secs")),
                format!(
                    "{}/{}",
                    secs(o.num("first_leave_secs")),
                    secs(o.num("all_leaves_secs"))
                ),
                secs(o.num("names_free_secs")),
                fmt_int(o.num("sent")),
                fmt_int(o.num("received")),
                fmt_int(o.num("lost")),
                fmt_int(o.num("out_of_order")),
                fmt_int(o.num("p99_us")),
                fmt_pct(o.num("server_cpu")),
                fmt_int(o.num("early_leaves")),
                o.nodes_lost.map_or("-".into(), |n| n.to_string()),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    print!("{FAILOVER_NOTES}");
}
