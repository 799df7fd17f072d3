//! The matrix, as data: one [`Spec`] per row, in the order they run. A
//! spec's texts are templates whose `{name}`s are filled from [`Scale`]
//! (full or quick run), so the table says every case's shape at a glance
//! and the code that runs them (`run.rs`, `cluster.rs`, `accounts.rs`)
//! knows no case by name.

/// One row of the matrix, before its sizes are filled in.
pub struct Spec {
    pub id: &'static str,
    /// What the row says in the table's `what` column (a template).
    pub what: &'static str,
    /// Generator arguments, mode first, without address and output flags
    /// (a template).
    pub args: &'static str,
    /// How it runs, against what.
    pub kind: Kind,
    /// The server's flags besides `--addr`.
    pub server: Flags,
    /// Which table the row goes in.
    pub table: Table,
    /// Also run against `ncat --chat`.
    pub vs_ncat: bool,
}

/// How a case runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// One fresh linechat.
    Single,
    /// One fresh linechat that also listens for TLS (`--tls-addr`, a
    /// self-signed certificate made for the run); the generator connects
    /// there with `--tls --tls-ca`.
    Tls,
    /// Registered names (L2): the server also gets `--data-dir`, and the
    /// case runs twice, alone and with password login loops
    /// (`accounts.rs`).
    Accounts,
    /// A fresh redis-server and two fresh nodes sharing it (`--redis`),
    /// the generator against both; `fanout` also reads Redis's `INFO`.
    Cluster,
    /// As [`Kind::Cluster`], and the second node is killed mid-run.
    Failover,
    /// One fresh linechat, the generator (`--irc`) on its IRC listener
    /// (`--irc-addr`); then the same against InspIRCd and ngIRCd when
    /// installed (`irc.rs`, configs in tests/peers/).
    Irc,
    /// One fresh linechat, the generator (`--irc --websocket`) on its web
    /// listener (`--web-addr`): IRC over WebSocket (`irc.rs`).
    Web,
}

impl Kind {
    /// Whether it needs a Redis and two nodes.
    pub fn is_cluster(self) -> bool {
        matches!(self, Kind::Cluster | Kind::Failover)
    }
}

/// The server flags a case asks for (besides `--addr`; cluster cases add
/// `--redis`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flags {
    /// Flood control and the per-address limits off (`server_args`).
    Limitless,
    /// [`Flags::Limitless`] and `--quiet-joins 0`: a join notice per join
    /// whatever the room's size.
    LimitlessLoudJoins,
    /// The per-address limits off but flood control on, and a small
    /// `--max-outbuf` ([`ABUSE_OUTBUF`]).
    Abuse,
    /// [`Flags::Limitless`] and the failover's `--node-timeout`,
    /// `--quiet-joins 0` and a `--history` that holds the lines the
    /// resumed users missed.
    Failover,
}

impl Flags {
    /// The flags added to the base set (a template).
    fn extra(self) -> &'static str {
        match self {
            Flags::Limitless | Flags::Abuse => "",
            Flags::LimitlessLoudJoins => "--quiet-joins 0",
            Flags::Failover => "--node-timeout {x3_timeout} --quiet-joins 0 --history {x3_history}",
        }
    }
}

/// The tables.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Table {
    /// Throughput, latency, idle memory, logins.
    Load,
    /// Peak memory under attack, and a join storm.
    Abuse,
    /// Two nodes sharing a Redis: latency same-node and cross-node, and
    /// what the load costs Redis.
    Cluster,
    /// Two nodes sharing a Redis: one broadcast to many idle users.
    Broadcast,
    /// Two nodes sharing a Redis, one killed.
    Failover,
}

/// X3's `--history`: 10 s of its 100 lines/s, so the replay after
/// `/resume` (capped at `--history` lines) holds every line a user missed.
pub const X3_HISTORY: u64 = 1000;

/// The server's `--max-outbuf` in the abuse cases: small, so queues fill
/// and attackers are dropped within the run.
pub const ABUSE_OUTBUF: u64 = 262_144;

/// How long a node may miss its heartbeat in the failover case before the
/// other counts it gone (`--node-timeout`); short, to keep the run short.
pub const NODE_TIMEOUT_SECS: u32 = 5;

/// The matrix, in the order the cases run. Client n of a cluster case is
/// on node n mod 2, so every cluster case splits its users and senders
/// evenly (X3's senders are all on the first node, the one that survives).
/// R1 is rooms of 100 users (`rooms 100x100` is 10,000 clients); L2 is
/// L1's shape against registered names, alone and while password logins
/// loop (two rows); F1I is F1 where each client ignores the next 10 by
/// number (`/ignore`), so each line reaches 89 of the 99 others; X4 is
/// I1's idle room spread over two nodes. IF1 and
/// IL1 are F1's and L1's shapes over IRC, against linechat and the IRC
/// servers it is compared with; W1 is F1's shape over WebSocket (IRC
/// lines, one a message) against linechat's `--web-addr`. X3's
/// `--grace 30` is the wait, after the senders stop, for the lines its
/// resumed users missed: a node reads them from Redis four replays at a
/// time, and a thousand users come back at once.
#[rustfmt::skip]
pub const CASES: &[Spec] = &[
    //  id    how it runs     server flags               table             vs ncat what (the table's column)                                   generator arguments
    row("F1", Kind::Single,   Flags::Limitless,          Table::Load,      true,  "fanout C=100 S=100 max {secs}s",                                      "fanout --clients 100 --senders 100 --duration {secs}"),
    row("F1I", Kind::Single,  Flags::Limitless,          Table::Load,      false, "fanout C=100 S=100 max {secs}s, each ignores 10",                     "fanout --clients 100 --senders 100 --duration {secs} --ignore 10"),
    row("T1", Kind::Tls,      Flags::Limitless,          Table::Load,      false, "fanout C=100 S=100 max {secs}s TLS",                                  "fanout --clients 100 --senders 100 --duration {secs}"),
    row("F2", Kind::Single,   Flags::Limitless,          Table::Load,      true,  "fanout C=1000 S=10 max {secs}s",                                      "fanout --clients 1000 --senders 10 --duration {secs}"),
    row("R1", Kind::Single,   Flags::Limitless,          Table::Load,      false, "rooms {rooms}x100 S={rooms} max {secs}s",                             "fanout --clients {rooms_clients} --rooms {rooms} --senders {rooms} --duration {secs} --timeout 300"),
    row("L1", Kind::Single,   Flags::Limitless,          Table::Load,      false, "fanout C=100 S=10 500/s {secs}s",                                     "fanout --clients 100 --senders 10 --rate 500 --duration {secs}"),
    row("L2", Kind::Accounts, Flags::Limitless,          Table::Load,      false, "fanout C=100 S=10 500/s {secs}s, --data-dir",                         "fanout --clients 100 --senders 10 --rate 500 --duration {secs}"),
    row("IF1", Kind::Irc,     Flags::Limitless,          Table::Load,      false, "IRC fanout C=100 S=100 max {secs}s",                                  "fanout --irc --clients 100 --senders 100 --duration {secs}"),
    row("W1", Kind::Web,      Flags::Limitless,          Table::Load,      false, "WebSocket fanout C=100 S=100 max {secs}s",                            "fanout --irc --websocket --clients 100 --senders 100 --duration {secs}"),
    row("IL1", Kind::Irc,     Flags::Limitless,          Table::Load,      false, "IRC fanout C=100 S=10 500/s {secs}s",                                 "fanout --irc --clients 100 --senders 10 --rate 500 --duration {secs}"),
    row("I1", Kind::Single,   Flags::Limitless,          Table::Load,      false, "idle N={idle}",                                                       "idle --clients {idle} --timeout 300"),
    row("I2", Kind::Single,   Flags::Limitless,          Table::Load,      false, "idle N={idle_big}",                                                   "idle --clients {idle_big} --timeout 600"),
    row("C1", Kind::Single,   Flags::Limitless,          Table::Load,      false, "churn 5000 logins",                                                   "churn --count 5000"),
    row("I3", Kind::Single,   Flags::LimitlessLoudJoins, Table::Load,      false, "idle N={idle_big} quiet-joins 0",                                     "idle --clients {idle_big} --timeout 600"),
    row("A1", Kind::Single,   Flags::Abuse,              Table::Abuse,     false, "flood N={a1} outbuf={outbuf_k}K {a1_secs}s",                          "abuse --shape flood --clients {a1} --duration {a1_secs}"),
    row("A2", Kind::Single,   Flags::Abuse,              Table::Abuse,     false, "{flooders} flood+{mute} mute outbuf={outbuf_k}K {a2_secs}s",          "abuse --shape mixed --clients {a2} --flooders {flooders} --duration {a2_secs}"),
    row("A3", Kind::Single,   Flags::Abuse,              Table::Abuse,     false, "/msg N={a3} S={msg_senders} outbuf={outbuf_k}K {a3_secs}s",          "abuse --shape msg --clients {a3} --senders {msg_senders} --duration {a3_secs}"),
    row("A4", Kind::Single,   Flags::Abuse,              Table::Abuse,     false, "IAC DO N={a4} outbuf={outbuf_k}K {a4_secs}s",                         "abuse --shape telnet --clients {a4} --duration {a4_secs}"),
    row("S1", Kind::Single,   Flags::Limitless,          Table::Abuse,     false, "join storm room={room} {storm_secs}s",                                "storm --clients {room} --duration {storm_secs}"),
    row("S2", Kind::Single,   Flags::LimitlessLoudJoins, Table::Abuse,     false, "join storm room={room} {storm_secs}s quiet-joins 0",                  "storm --clients {room} --duration {storm_secs}"),
    row("X1", Kind::Cluster,  Flags::Limitless,          Table::Cluster,   false, "2 nodes C=100 S=10 500/s {secs}s",                                    "fanout --clients 100 --senders 10 --rate 500 --duration {secs}"),
    row("X2", Kind::Cluster,  Flags::Limitless,          Table::Cluster,   false, "2 nodes C=100 S=100 max {secs}s",                                     "fanout --clients 100 --senders 100 --duration {secs}"),
    row("X2", Kind::Cluster,  Flags::Limitless,          Table::Cluster,   false, "2 nodes C=50 S=10 max {secs}s",                                       "fanout --clients 50 --senders 10 --duration {secs}"),
    row("X2", Kind::Cluster,  Flags::Limitless,          Table::Cluster,   false, "2 nodes C=200 S=10 max {secs}s",                                      "fanout --clients 200 --senders 10 --duration {secs}"),
    row("X3", Kind::Failover, Flags::Failover,           Table::Failover,  false, "kill 1 of 2 nodes, {x3_each} users each, S=10 100/s, node-timeout {x3_timeout}s, resume via HAProxy", "failover --clients {x3_users} --senders 10 --rate 100 --kill-after {x3_kill} --duration {x3_secs} --grace 30"),
    row("X4", Kind::Cluster,  Flags::Limitless,          Table::Broadcast, false, "2 nodes idle N={idle}",                                               "idle --clients {idle} --timeout 300"),
];

/// One row of [`CASES`].
const fn row(
    id: &'static str,
    kind: Kind,
    server: Flags,
    table: Table,
    vs_ncat: bool,
    what: &'static str,
    args: &'static str,
) -> Spec {
    Spec {
        id,
        what,
        args,
        kind,
        server,
        table,
        vs_ncat,
    }
}

/// The sizes a run fills the templates with. Quick mode shortens the
/// fanout runs and shrinks the idle rooms, whose login time is dominated
/// by N²/2 join notices.
pub struct Scale {
    vars: Vec<(&'static str, String)>,
}

impl Scale {
    pub fn new(quick: bool) -> Scale {
        let pick = |q: u64, full: u64| if quick { q } else { full };
        // Abuse: attackers and seconds per shape; long enough in full runs
        // for every never-reader's queue to reach --max-outbuf.
        let (a1, a2, a3, a4) = (pick(300, 1000), pick(300, 1000), pick(30, 100), 30);
        let flooders = a2 / 5;
        // Failover: users over both nodes, node timeout, kill after, seconds.
        let x3_users = pick(500, 2000);
        let rooms = pick(20, 100);
        let vars = [
            ("secs", pick(3, 10)),
            ("idle", pick(2_000, 10_000)),
            ("idle_big", pick(5_000, 19_000)),
            ("rooms", rooms),
            ("rooms_clients", rooms * 100),
            ("a1", a1),
            ("a1_secs", pick(5, 15)),
            ("a2", a2),
            ("a2_secs", pick(5, 30)),
            ("flooders", flooders),
            ("mute", a2 - flooders),
            ("a3", a3),
            ("a3_secs", pick(5, 30)),
            ("msg_senders", a3 * 2),
            ("a4", a4),
            ("a4_secs", pick(5, 10)),
            ("outbuf_k", ABUSE_OUTBUF / 1024),
            ("room", pick(500, 2000)),
            ("storm_secs", pick(3, 10)),
            ("x3_users", x3_users),
            ("x3_each", x3_users / 2),
            ("x3_timeout", pick(2, u64::from(NODE_TIMEOUT_SECS))),
            ("x3_kill", pick(2, 3)),
            ("x3_secs", pick(8, 15)),
            ("x3_history", X3_HISTORY),
        ];
        Scale {
            vars: vars.map(|(k, v)| (k, v.to_string())).to_vec(),
        }
    }

    /// `template` with every `{name}` replaced by its size.
    pub fn fill(&self, template: &str) -> String {
        let mut out = template.to_string();
        for (name, value) in &self.vars {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// One row of the matrix with its sizes filled in.
pub struct Case {
    pub id: &'static str,
    pub what: String,
    /// Generator arguments (mode first), without address and output flags.
    pub args: Vec<String>,
    pub kind: Kind,
    pub server: Flags,
    /// The flags [`Case::server`] adds to its base set.
    pub extra_flags: Vec<String>,
    pub table: Table,
    pub vs_ncat: bool,
}

impl Case {
    /// `spec` at `scale`; an abuse case's generator also gets the server's
    /// `--max-outbuf` and a longer grace.
    pub fn of(spec: &Spec, scale: &Scale) -> Case {
        let mut args = scale.fill(spec.args);
        if spec.server == Flags::Abuse {
            args += &format!(" --max-outbuf {ABUSE_OUTBUF} --grace 10");
        }
        let what = scale.fill(spec.what);
        assert!(
            !what.contains('{') && !args.contains('{'),
            "{}: a size without a value in `{what}` or `{args}`",
            spec.id
        );
        Case {
            id: spec.id,
            what,
            args: words(&args),
            kind: spec.kind,
            server: spec.server,
            extra_flags: words(&scale.fill(spec.server.extra())),
            table: spec.table,
            vs_ncat: spec.vs_ncat,
        }
    }
}

/// The words of `s`, owned.
fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// The matrix at `quick` or full size, only the cases `wanted` names if
/// given.
pub fn cases(quick: bool, wanted: Option<&[String]>) -> Vec<Case> {
    let scale = Scale::new(quick);
    CASES
        .iter()
        .filter(|s| wanted.is_none_or(|w| w.iter().any(|id| id == s.id)))
        .map(|s| Case::of(s, &scale))
        .collect()
}
