//! Cluster cases: a fresh redis-server and two fresh linechat nodes per
//! run, the generator against both; the failover case (X3) also a fresh
//! HAProxy in front of the nodes, through which the killed node's users
//! come back and `/resume`.

use crate::cases::{Case, Kind, Table};
use crate::haproxy::{Haproxy, SKIP_HAPROXY, haproxy_binary};
use crate::redis_server::{RedisServer, redis_binary};
use crate::run::{Outcome, Priority, Row, Setup, run_generator_at};
use crate::server::{Server, case_flags, split_known, strings};
use std::path::PathBuf;

/// Runs the cluster cases, or says why they are skipped (no redis-server,
/// or a linechat without `--redis`: no rows then).
pub fn run_cluster_cases(setup: &Setup, cases: &[&Case]) -> Vec<Row> {
    let label = &setup.label;
    let ids: Vec<&str> = cases.iter().map(|c| c.id).collect();
    let Some(redis_bin) = redis_binary().filter(|p| p.is_file()) else {
        let why = "no redis-server (set LINECHAT_REDIS_SERVER, or run \
                   `sh scripts/redis-server.sh`, which installs Debian's as root)";
        if std::env::var("LINECHAT_SKIP_REDIS").as_deref() == Ok("1") {
            eprintln!(
                "load bench: {} skipped (LINECHAT_SKIP_REDIS=1): {why}",
                ids.join(", ")
            );
            return Vec::new();
        }
        // Asked for and not run is a failure, not an empty table.
        return cases
            .iter()
            .map(|case| Row {
                id: case.id,
                server: label.to_string(),
                what: case.what.clone(),
                table: case.table,
                flags: Vec::new(),
                out: Outcome::failed(why.to_string()),
            })
            .collect();
    };
    if !setup.knows("--redis") {
        eprintln!(
            "load bench: {} skipped: {label} has no --redis",
            ids.join(", ")
        );
        return Vec::new();
    }
    let mut rows = Vec::new();
    for case in cases {
        let (flags, unknown) = split_known(&case_flags(case), &setup.known);
        eprintln!("load bench: {} {} ({label}) ...", case.id, case.what);
        if !unknown.is_empty() {
            eprintln!(
                "load bench: {label} does not know {}; left out",
                unknown.join(" ")
            );
        }
        let out = run_cluster(setup, &flags, &redis_bin, case);
        // X3 without a balancer (LINECHAT_SKIP_HAPROXY=1) ran without resume.
        let ran_without = out.num("victims").is_some() && out.num("resumed").is_none();
        let what = match case.kind == Kind::Failover && ran_without {
            true => case
                .what
                .replace("resume via HAProxy", "no resume (no haproxy)"),
            false => case.what.clone(),
        };
        rows.push(Row {
            id: case.id,
            server: label.to_string(),
            what,
            table: case.table,
            flags: [flags, strings(&["--redis", "redis://127.0.0.1:PORT"])].concat(),
            out,
        });
    }
    rows
}

/// One cluster case: Redis, two nodes sharing it, the generator against
/// both; everything stopped afterwards.
pub fn run_cluster(
    setup: &Setup,
    flags: &[String],
    redis_bin: &std::path::Path,
    case: &Case,
) -> Outcome {
    let mut redis = RedisServer::start_with(redis_bin.to_path_buf());
    let node_flags = [flags.to_vec(), strings(&["--redis", &redis.url(0)])].concat();
    let mut nodes = Vec::new();
    for i in 0..2 {
        let log = log_path(case, &format!("node{i}"));
        match Server::spawn(
            &setup.server_bin,
            &node_flags,
            Some("registered with Redis"),
            log,
        ) {
            Ok(node) => nodes.push(node),
            Err(e) => {
                nodes.iter_mut().for_each(Server::stop);
                redis.kill();
                return Outcome::failed(format!("node: {e}"));
            }
        }
    }
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let redis_addr = redis.addr().to_string();
    let victim = nodes[1].pid().to_string();
    let both = [nodes[0].pid(), nodes[1].pid()];
    let mut balancer = None;
    let (pids, extra): (&[u32], Vec<String>) = match case.kind {
        // Only the survivor's CPU: the other is killed mid-run.
        Kind::Failover => match balance(&addrs, log_path(case, "haproxy")) {
            Ok(b) => {
                let mut extra = strings(&["--kill-pid", &victim]);
                if let Some(b) = b {
                    extra.extend(strings(&["--resume-via", &b.addr.to_string()]));
                    balancer = Some(b);
                }
                (&both[..1], extra)
            }
            Err(why) => {
                nodes.iter_mut().for_each(Server::stop);
                redis.kill();
                return Outcome::failed(why);
            }
        },
        // Fanout also reads what the load cost Redis.
        _ if case.args[0] == "fanout" => (&both, strings(&["--redis", &redis_addr])),
        _ => (&both, Vec::new()),
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    // X4 is timed by the kernel's receive stamps: its 10,000 readers yield
    // the two cores to the nodes, as readers on other hosts would.
    let priority = match case.table {
        Table::Broadcast => Priority::Yielding,
        _ => Priority::Normal,
    };
    let mut out = run_generator_at(
        priority,
        &setup.load_bin,
        &case.args,
        &addrs.join(","),
        pids,
        &extra,
    );
    nodes.iter_mut().for_each(Server::stop);
    redis.kill();
    if let Some(b) = balancer.as_mut() {
        b.stop();
    }
    // A failover loses one node, once; a load run none. More means a live
    // node was taken for gone (its heartbeat was late by --node-timeout).
    let lost = nodes.iter().map(Server::nodes_lost).sum::<u64>();
    out.nodes_lost = Some(lost);
    if lost > u64::from(case.kind == Kind::Failover) {
        out.fail(format!(
            "the nodes' logs say `stopped answering` {lost} times: a live node was taken for gone"
        ));
    }
    out
}

/// With LINECHAT_BENCH_LOGS=DIR, where `case`'s process `who` (a node, the
/// balancer) keeps its log.
fn log_path(case: &Case, who: &str) -> Option<PathBuf> {
    std::env::var_os("LINECHAT_BENCH_LOGS").map(|dir| {
        let what: String = (case.what.chars())
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        PathBuf::from(dir).join(format!("{}-{what}-{who}.log", case.id))
    })
}

/// A fresh HAProxy in front of the nodes at `addrs`, for X3's users to
/// resume through; `None` (the failover without resume: the killed node's
/// users are dropped and their names probed) when there is no haproxy and
/// `LINECHAT_SKIP_HAPROXY=1`. Without one otherwise, or if it does not
/// start, why.
fn balance(addrs: &[String], log: Option<PathBuf>) -> Result<Option<Haproxy>, String> {
    let Some(bin) = haproxy_binary() else {
        let why = "no haproxy (set LINECHAT_HAPROXY, or run `sh scripts/haproxy.sh`, \
                   which installs Debian's as root)";
        if std::env::var(SKIP_HAPROXY).as_deref() == Ok("1") {
            eprintln!("load bench: X3 without resume ({SKIP_HAPROXY}=1): {why}");
            return Ok(None);
        }
        return Err(why.into());
    };
    let nodes: Vec<std::net::SocketAddr> = addrs
        .iter()
        .map(|a| a.parse().expect("the nodes' addresses are ours"))
        .collect();
    Haproxy::start(&bin, &nodes, log).map(Some)
}
