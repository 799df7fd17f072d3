//! The `--help` text: the modes, every option, the protocol the clients
//! speak, the output fields and the exit status.

pub const HELP: &str = "\
linechat-load: load generator for line-based chat servers

USAGE:
  linechat-load <MODE> [OPTIONS]

  Against linechat, start the server with flood control and the
  per-address limits off: its default of 10 lines/s per connection paces
  the senders, and a run then reports that pacing (seconds of latency) as
  a clean run; its default of 10 connections per address refuses the
  clients past the tenth. For example:
    linechat --addr 127.0.0.1:8080 --rate 0 --ip-rate 0 --max-per-ip 0 \\
             --max-pending 0 --login-rate 0 &
    linechat-load fanout --clients 100 --duration 10

MODES:
  fanout   --clients clients log in; --senders of them write measured lines
           for --duration seconds while every client reads and counts them.
  idle     --clients clients log in and stay idle; after all join notices
           have drained, one line is broadcast to everyone and timed, to
           when each client read it and to when it arrived in its socket.
  churn    connect, log in, say one line, close; --concurrency at a time,
           until --count cycles are done. Reports logins per second.
  abuse    --shape SHAPE: a well-behaved pair logs in (each sends a line
           every 100 ms and reads everything), then --clients attackers;
           for --duration seconds they attack while the pair chats. Reports
           the server's peak RSS (VmHWM; needs --pid), the kernel's TCP
           memory at its peak (/proc/net/sockstat, the whole system),
           whether the server survived, how many attackers it disconnected,
           and whether the pair got every line in order (else the run
           fails). Shapes [default clients]:
             flood   send `x\\n` as fast as the server takes it, never
                     read [1000]
             mixed   --flooders of them flood as above [default: a fifth],
                     the rest log in and never read [1000]
             msg     log in and never read, while --senders more clients
                     [default: as many] send them `/msg <name> <1000
                     bytes>` round-robin as fast as the server takes it,
                     and read [100]
             telnet  log in, never read, send only telnet option requests
                     (IAC DO <opt>) as fast as the server takes them [30]
           Against linechat with its flood control on (--rate 10) and the
           per-address limits off. Attackers cap their own socket buffers
           at 16 KiB, so the TCP memory is mostly the server's end.
  storm    the pair and --clients idle users [default: 2000] log in; for
           --duration seconds one client at a time connects, logs in and
           closes, again and again. Reports the pair's latency, the
           server's CPU and the cycles per second.
  failover linechat nodes sharing one Redis (--redis on the server), one
           --addr each, started with --quiet-joins 0: --clients users
           [default: 2000] log in, spread over the nodes, all in one room;
           --senders of them [default: 10], all on the nodes that survive,
           send at --rate lines/s [default: 100] for --duration seconds
           [default: 20]; --kill-after seconds in, the node at the LAST
           --addr is killed with SIGKILL (its process is --kill-pid).
           Reports how long after the kill the first survivor saw a
           `*** NAME has left` for one of the killed node's users, and
           every survivor had seen one for each of them; how long until a
           survivor-side login with a killed user's name (the first and
           the last) succeeds, retried every 50 ms; and loss and order of
           the survivors' lines at every survivor. Fails unless all of it
           happened before the senders stopped, with no loss, no
           reordering, and no leave notice for any of our users before
           the kill (a live node taken for gone). With --resume-via, the
           killed node's users are not dropped and no names are probed:
           each keeps the code of its welcome (`*** Resume code: CODE`),
           reads its connection to the end, reconnects at once through
           the balancer at that address and types `/resume CODE`; reports
           per resumed user the lines never read (missed: fails the run),
           read twice, and the time from the kill to its welcome, and when
           every survivor had seen each one's `*** NAME is back` (fails
           the run unless every dropped user is back and seen back; their
           leaves are counted, not required). Also --concurrency,
           --grace, --timeout, --prefix.

OPTIONS:
  --addr HOST:PORT       server address, IPv4 [default: 127.0.0.1:8080];
                         repeat it or separate with commas for several
                         (e.g. nodes of one linechat cluster): client n
                         connects to address n mod (number of addresses).
                         Fanout then reports latency apart for same-node
                         pairs (sender and receiver on one address) and
                         cross-node pairs
  --clients N            clients that log in [default: fanout 100, idle 1000,
                         failover 2000]
  --senders N            fanout, failover: clients that send [default: all;
                         failover 10]
  --rooms K              fanout: spread the clients over K rooms: once
                         logged in, client n sends `/join #load<n mod K>`
                         and waits for the answer naming that room; the
                         senders are the first --senders clients, so
                         spread evenly over the rooms. K = 1 sends no
                         /join (any server) [default: 1]. Against
                         linechat, K is at most its --max-rooms (1000)
                         and each room needs 2 clients
  --ignore K             fanout, one room, every client a sender: once in,
                         client n sends `/ignore` for the K clients after
                         it among 1..N-1 (client 0, the barrier's sender,
                         is ignored by nobody), and each line is expected
                         at fewer clients (linechat's ignore lists)
                         [default: 0]
  --rate max|N           fanout: `max` = closed loop, each sender keeps at
                         most --window lines not yet seen by every other
                         client; N = N lines/s in total, spread evenly over
                         the senders, whatever the server does [default: max;
                         failover takes N only, default 100]
  --window N             fanout at max rate: lines in flight per sender
                         [default: 16]
  --duration SECS        fanout, abuse, storm, failover: length of the
                         measurement [default: 10; failover 20]
  --grace SECS           time allowed after sending for the last lines to
                         arrive (fanout, idle broadcast, failover) [default: 5]
  --pad BYTES            add BYTES bytes to every measured line [default: 0]
  --count N              churn: cycles to complete [default: 1000]
  --concurrency N        clients connecting or logging in at once; in churn,
                         clients cycling at once [default: 256, churn 50]
  --connect-rate N       start at most N connections per second [default: no
                         limit]; for servers with a short listen backlog
                         (ncat's is 10), where a burst of connects overflows
                         it and costs seconds of SYN retries
  --prefix STR           clients are named <STR><n>, n from 0 [default: u];
                         pick another prefix when users with such names
                         are already in the room (the run stops at the
                         first refused name)
  --no-name              wait for the server's first bytes (a greeting) but
                         send no name; for servers without names that greet
                         on accept, such as `ncat -l --chat` (best there:
                         --concurrency then paces connects to its accepts)
  --no-login             do not wait for anything or send a name: a client
                         is logged in once connected; for servers that send
                         nothing
  --irc                  speak IRC (e.g. linechat's --irc-addr, or any IRC
                         server): register with NICK/USER <prefix><n>, JOIN
                         #load<n mod rooms> (#load0 with one room), say lines
                         as PRIVMSG to it (fanout, idle, churn, failover;
                         abuse's patterns stay telnet's). Server
                         PINGs after registration are not answered: keep runs
                         shorter than the server's ping interval
  --websocket            with --irc: speak IRC over a WebSocket (GET /ws,
                         text.ircv3.net), one line a frame; e.g. linechat's
                         --web-addr: linechat-load fanout --irc --websocket
                         --addr 127.0.0.1:8081
  --tls                  connect over TLS (rustls: TLS 1.3 or 1.2, ring), in
                         every mode; once the handshake is done the protocol
                         is the plain one. Needs --tls-ca or --tls-insecure.
                         Against linechat: its --tls-addr, e.g.
                           linechat ... --tls-addr 127.0.0.1:8443 \\
                                    --tls-cert cert.pem --tls-key key.pem &
                           linechat-load fanout --addr 127.0.0.1:8443 --tls \\
                                    --tls-ca cert.pem
  --tls-ca FILE          trust the certificates in this PEM file: the
                         server's own self-signed certificate, or the CA
                         that signed it; the server's certificate must name
                         --tls-name. A self-signed one must not say it is a
                         CA (`openssl req -x509` makes it one unless given
                         -addext basicConstraints=critical,CA:FALSE; rcgen's
                         are fine); else use --tls-insecure
  --tls-insecure         trust any certificate, for any name (the handshake's
                         signatures are still checked): for a test server
                         whose certificate is at hand in no file
  --tls-name NAME        the server name sent (SNI) and checked against the
                         certificate with --tls-ca [default: localhost]
  --sources N            spread clients over source addresses 127.0.0.1 to
                         127.0.0.N when one address would run out of ports
                         [default: as many as the connection count needs]
  --login-timeout SECS   longest from connect to logged in, and in churn from
                         our close to the server's [default: 30]
  --timeout SECS         global deadline; the run reports what it has and
                         fails when it passes [default: fanout, abuse and
                         storm duration + grace + 120, idle and churn 120]
  --pid PID              the server's process id (also --server-pid): report
                         its CPU share, in idle mode its RSS per connection,
                         in abuse its peak RSS and survival (/proc/PID).
                         Fanout, idle and failover take one per --addr, in
                         the same order (repeated or comma-separated; fewer
                         is fine), and report each one's CPU share and
                         their sum (idle: their RSS summed)
  --redis HOST:PORT      fanout: the Redis the nodes share; its INFO is read
                         when the measurement starts, when it ends and when
                         the last line has arrived: its CPU share and
                         commands per second over the measurement, and its
                         commands (XADD apart) per measured line, per sender
                         write (one or more lines in one write: about one
                         server read, so one turn) and per delivery
  --kill-pid PID         failover: the process of the node at the last
                         --addr, killed with SIGKILL
  --kill-after SECS      failover: when to kill it, after the senders start
                         [default: 2]
  --resume-via HOST:PORT failover: the killed node's users come back through
                         this address (a load balancer in front of the
                         nodes) with `/resume CODE` (see MODES)
  --shape SHAPE          abuse: flood, mixed, msg or telnet (see MODES)
  --flooders N           abuse mixed: attackers that flood
  --max-outbuf BYTES     abuse: the server's --max-outbuf; fails the run if
                         peak RSS passes 1.25 x never-readers x BYTES + 20 MiB
  --json                 print one JSON object on stdout instead of the
                         summary
  --quiet                no progress line on stderr
  -h, --help             print this help

PROTOCOL:
  A client logs in by waiting for any bytes (the prompt) and sending
  <prefix><n>; the next bytes it receives mean it is in, unless they refuse
  the name: they have the word `taken` or the words `in use` (any case), or
  they end with the prompt's text again (the last line of the first bytes,
  if it has a letter). A refused name fails the run at once, with exit
  status 1 and a message suggesting --prefix. Measured lines are
  `#L <sender> <seq> <ts_us>`; they are found anywhere in a received line,
  whatever the server puts in front. Other lines are ignored. Each line is
  expected at every logged-in client but its sender (no echo). Before
  measuring, one client sends a `#R <token>` line until every other client
  has seen it (resent with backoff), which proves every client receives
  chat and has read everything queued before it, such as join notices.
  Lines are sent with CRLF, as telnet does. Every client sets TCP_NODELAY.

  With --rooms K > 1 (linechat's rooms): after its name is answered, client
  n sends `/join #load<n mod K>` and is logged in once a line names the room
  followed by a colon (the welcome, `*** Welcome, u5! #load5: ...`) or says
  `already in #load<j>`; a line with `Invalid room name`, `Too many rooms`
  or `Unknown command` stops the run with exit status 1. A line is then
  expected at every other client of its sender's room only; one found in
  another room (measured or barrier) is an error and fails the run. The
  barrier runs in every room at once, its first client sending.

OUTPUT:
  Deliveries per second, expected vs received (loss), out-of-order count,
  latency p50/p90/p99/p99.9/max in microseconds, and gen_cpu: this process's
  CPU time over wall time (1.0 = one core; over the measurement window in
  fanout, abuse and storm, the whole run otherwise). Fanout adds
  gen_ns_per_delivery and, with --pid, server_ns_per_delivery: CPU time
  over the measurement per delivery in the window; and rooms, cross_room. Idle adds login_secs,
  broadcast_p99_us and rss_per_conn_bytes, and arrival_p50_us ...
  arrival_max_us: the latency to the time the kernel stamped the line's
  arrival in each reader's socket (SO_TIMESTAMPNS; plain TCP only), which
  leaves out how long this one process takes to read thousands of sockets;
  churn adds logins_per_sec.
  Abuse: latency and loss are the pair's; adds peak_rss_bytes,
  rss_max_sampled_bytes, rss_bar_bytes, tcp_mem_before_bytes,
  tcp_mem_peak_bytes, attackers_dropped, server_alive. Storm: latency and
  loss are the pair's; adds logins (cycles), logins_per_sec, peak_rss_bytes.
  With several --addr, fanout and idle add nodes and same_node_* and cross_node_*
  latency (p50_us ... max_us; idle also same_node_arrival_*, cross_node_arrival_*); with several --pid, server_cpu is their sum
  and server_cpu_node<i> each one's. With --redis: redis_cpu,
  redis_calls_per_sec, redis_xadd_per_sec, sender_writes,
  redis_calls_per_line, redis_xadd_per_line, redis_calls_per_write,
  redis_xadd_per_write, redis_calls_per_delivery, and redis_calls_<command>
  for each command called (from the start of the measurement to the last
  line's arrival). Failover adds victims, survivors, kill_after_secs,
  first_leave_secs, all_leaves_secs, leaves_seen, leaves_expected,
  early_leaves (leave notices for our users read before the kill: a node
  taken for gone while it ran; fails the run), names_free_secs,
  probe_logins (attempts); with --resume-via also resume_dropped, resumed,
  resume_refused, reconnects, resume_missed, resume_not_shown (of the
  missed, those the replay's heading says it left out),
  resume_missed_before_kill (of the missed, those sent before the kill),
  resume_twice,
  back_p50_secs, replay_p50_secs, replay_max_secs (to the heading of a
  resumed user's replay, `*** Missed in #room while you were away`),
  replays,
  back_max_secs, backs_seen, backs_expected, all_backs_secs; its times are
  seconds after the kill.

EXIT STATUS:
  0 clean run; 1 on loss, reordering, a line in another room, failed or
  dropped clients (not
  attackers the server disconnects), a refused name, a missed deadline, a
  server that died, or peak RSS over the bar; in failover, also on a leave
  never seen, a name never freed, a failover that outlasted the senders,
  or a leave before the kill; with --resume-via, on a line a resumed user
  missed, a dropped user not back, or one not seen back, instead of the
  leaves and names; 2 on a usage error.
";
