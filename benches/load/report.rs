//! The load table and what is printed below it, and the helpers every
//! table shares: reading the generator's JSON, formatting cells, rendering
//! Markdown.

use crate::accounts::{L2_ALONE, L2_LOGINS, LOGIN_THREADS};
use crate::run::{Outcome, Row};
use std::time::Duration;

/// The raw value of `key` in a flat JSON object (strings unquoted, not
/// unescaped: enough for numbers and for showing an error).
pub fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let rest = &json[json.find(&pat)? + pat.len()..];
    if let Some(s) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some(&s[..i]),
                _ => escaped = false,
            }
        }
        None
    } else {
        rest.split([',', '}']).next()
    }
}

/// Formats for table cells; `-` for a missing value.
pub fn fmt_int(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.0}"))
}

pub fn fmt_pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

pub fn fmt_mib(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}", v / (1024.0 * 1024.0)))
}

/// Prints the throughput table and the linechat/ncat ratios.
pub fn print_table(rows: &[&Row]) {
    let fmt_rate = |v: Option<f64>| {
        v.map_or("-".into(), |v| match v {
            v if v >= 1e6 => format!("{:.2}M", v / 1e6),
            v if v >= 1e3 => format!("{:.1}k", v / 1e3),
            v => format!("{v:.0}"),
        })
    };
    let header = [
        "case", "server", "what", "deliv/s", "p50 µs", "p99 µs", "RSS/conn", "login s", "logins/s",
        "gen CPU", "srv CPU", "ok",
    ];
    let cells = rows
        .iter()
        .map(|r| {
            let o = &r.out;
            vec![
                r.id.to_string(),
                r.server.clone(),
                r.what.clone(),
                fmt_rate(o.num("deliveries_per_sec")),
                fmt_int(o.num("p50_us")),
                fmt_int(o.num("p99_us")),
                o.num("rss_per_conn_bytes")
                    .map_or("-".into(), |b| format!("{:.1} KiB", b / 1024.0)),
                o.num("login_secs")
                    .map_or("-".into(), |s| format!("{s:.2}")),
                fmt_int(
                    o.num("logins_per_sec")
                        .or(o.logins.as_ref().map(|l| l.per_sec)),
                ),
                fmt_pct(o.num("gen_cpu")),
                fmt_pct(o.num("server_cpu").or(o.server_cpu_whole)),
                if o.ok { "ok".into() } else { "FAIL".into() },
            ]
        })
        .collect();
    render(&header, cells);
    println!("deliv/s: deliveries per second in the measurement window; p50/p99: delivery latency");
    println!("(idle: of the one broadcast to everyone); login s: connect + log in + join notices");
    println!("drained; CPU: share of one core over the measurement (fanout) or the whole run.");
    println!("logins/s: churn's login cycles; {L2_LOGINS}: its login loops' password logins");
    println!("(connect, name, password, welcome, /quit) completed per second of the measurement.");
    print_logins(rows);
    print_costs(rows);
}

/// Below the load table: linechat against ncat, the server's CPU per
/// delivery of each fanout row, and R1's and T1's against F1's.
fn print_costs(rows: &[&Row]) {
    for r in rows.iter().filter(|r| r.server == "ncat") {
        let ours = rows.iter().find(|m| m.id == r.id && m.server != "ncat");
        if let Some(mine) = ours
            && let (Some(a), Some(b)) = (
                mine.out.num("deliveries_per_sec"),
                r.out.num("deliveries_per_sec"),
            )
            && b > 0.0
        {
            println!("{}: linechat/ncat deliveries/s = {:.2}x", r.id, a / b);
        }
    }
    let costs: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let ns = server_ns_per_delivery(&r.out)?;
            let gen_ns = r
                .out
                .num("gen_ns_per_delivery")
                .map_or(String::new(), |g| format!(" (gen {g:.1})"));
            let argon2 = if r.out.logins.is_some() {
                " [with the logins' Argon2]"
            } else {
                ""
            };
            Some(format!("{} {} {ns:.1}{gen_ns}{argon2}", r.id, r.server))
        })
        .collect();
    if !costs.is_empty() {
        println!(
            "server ns per delivery (server CPU s / deliveries in the window; generator's in \
             brackets): {}",
            costs.join(", ")
        );
    }
    let cost_of = |id: &str| {
        rows.iter()
            .find(|r| r.id == id && r.server != "ncat")
            .and_then(|r| server_ns_per_delivery(&r.out))
    };
    if let (Some(f1), Some(r1)) = (cost_of("F1"), cost_of("R1"))
        && f1 > 0.0
    {
        let ratio = r1 / f1;
        println!(
            "R1/F1 server cost per delivery = {ratio:.2}x ({} 10% of F1's)",
            if ratio <= 1.10 {
                "within"
            } else {
                "NOT within"
            }
        );
    }
    let rate_of = |id: &str| {
        rows.iter()
            .find(|r| r.id == id && r.server != "ncat")
            .and_then(|r| r.out.num("deliveries_per_sec"))
    };
    if let (Some(f1), Some(t1)) = (cost_of("F1"), cost_of("T1"))
        && f1 > 0.0
    {
        let rates = match (rate_of("F1"), rate_of("T1")) {
            (Some(f), Some(t)) if f > 0.0 => format!(", deliveries/s {:.2}x", t / f),
            _ => String::new(),
        };
        println!(
            "T1/F1 (TLS/plain): server cost per delivery {:.2}x ({:+.1} ns){rates}",
            t1 / f1,
            t1 - f1
        );
    }
}

/// Below the load table: L2's password logins, where the server's CPU
/// went, and the cost of the logins to the fanout run.
pub fn print_logins(rows: &[&Row]) {
    let ms =
        |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64() * 1e3));
    for r in rows {
        if let (Some(whole), Some(worker)) = (r.out.server_cpu_whole, r.out.worker_cpu) {
            println!(
                "{} ({}): server CPU over the generator's whole run {} = accounts worker \
                 (Argon2) {} + the rest (poll loop, log) {}",
                r.id,
                r.server,
                fmt_pct(Some(whole)),
                fmt_pct(Some(worker)),
                fmt_pct(Some((whole - worker).max(0.0))),
            );
        }
        let Some(l) = &r.out.logins else { continue };
        println!(
            "{} ({}): {} password logins by {LOGIN_THREADS} loops in the {:.1} s measurement = \
             {:.1}/s, connect to welcome p50 {} ms, p99 {} ms; {} over the generator's whole run \
             = {:.1}/s",
            r.id,
            r.server,
            l.in_window,
            l.window_secs,
            l.per_sec,
            ms(l.p50),
            ms(l.p99),
            l.in_run,
            l.run_per_sec,
        );
        let Some(alone) = rows
            .iter()
            .find(|a| a.id == L2_ALONE && a.server == r.server)
        else {
            continue;
        };
        let (a, b) = (&alone.out, &r.out);
        let ratio = |key: &str| match (a.num(key), b.num(key)) {
            (Some(x), Some(y)) if x > 0.0 => format!("{:.2}x", y / x),
            _ => "-".into(),
        };
        println!(
            "{} / {L2_ALONE} ({}): deliveries/s {}, p50 {}, p99 {}, srv CPU {} -> {}",
            r.id,
            r.server,
            ratio("deliveries_per_sec"),
            ratio("p50_us"),
            ratio("p99_us"),
            fmt_pct(a.num("server_cpu")),
            fmt_pct(b.num("server_cpu")),
        );
    }
}

/// The server's CPU time per delivery of a fanout run in ns: the
/// generator's figure, else its CPU share over its deliveries per second
/// (for a generator that predates the figure).
pub fn server_ns_per_delivery(o: &Outcome) -> Option<f64> {
    o.num("server_ns_per_delivery").or_else(|| {
        let rate = o.num("deliveries_per_sec").filter(|&r| r > 0.0)?;
        Some(o.num("server_cpu")? * 1e9 / rate)
    })
}

/// Prints `header` and `rows` as a Markdown table, columns padded, text
/// columns (the first three) left-aligned and numbers right-aligned.
pub fn render(header: &[&str], rows: Vec<Vec<String>>) {
    let mut table: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    table.extend(rows);
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    println!();
    for (i, row) in table.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                if c < 3 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        println!("| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
    println!();
}
