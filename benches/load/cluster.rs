//! Cluster cases: a fresh redis-server and two fresh linechat nodes per
//! run, the generator against both.

use crate::cases::{Case, Kind, Table};
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
        rows.push(Row {
            id: case.id,
            server: label.to_string(),
            what: case.what.clone(),
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
        // With LINECHAT_BENCH_LOGS=DIR, each node's log is kept there.
        let log = std::env::var_os("LINECHAT_BENCH_LOGS").map(|dir| {
            let what: String = case
                .what
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            PathBuf::from(dir).join(format!("{}-{what}-node{i}.log", case.id))
        });
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
    let (pids, extra): (&[u32], [&str; 2]) = match case.kind {
        // Only the survivor's CPU: the other is killed mid-run.
        Kind::Failover => (&both[..1], ["--kill-pid", &victim]),
        // Fanout also reads what the load cost Redis.
        _ if case.args[0] == "fanout" => (&both, ["--redis", &redis_addr]),
        _ => (&both, ["", ""]),
    };
    let extra: Vec<&str> = extra.into_iter().filter(|a| !a.is_empty()).collect();
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
