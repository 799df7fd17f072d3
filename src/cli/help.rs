//! The `--help` text. The README's synopsis is checked against its OPTIONS
//! list by a test (`readme_synopsis_matches_help`).

/// What `--help` prints.
pub(super) const HELP: &str = "\
linechat - a chat room for telnet, nc and IRC clients

USAGE:
    linechat [OPTIONS]

OPTIONS:
    --addr HOST:PORT       listen address; a host name is resolved once at start,
                           and :PORT alone is every interface (0.0.0.0)
                           [default: 127.0.0.1:8080]
    --max-clients N        most connections at once [default: open-file limit - 32]
    --max-line BYTES       longest input line [default: 1024]
    --max-outbuf BYTES     output queued for one reader before it is dropped [default: 1048576]
    --login-timeout SECS   time allowed at the name prompt [default: 60]
    --password-timeout SECS
                           time allowed at a registered name's password prompt
                           [default: 20]
    --rate N               lines per second per connection, 0 = no flood control [default: 10]
    --burst N              lines a connection may send at once [default: 20]
    --idle-timeout SECS    close users who send no chat line, /me or /msg for this
                           long (other commands do not count) [default: off]
    --max-per-ip N         connections per source address, 0 = no limit [default: 10]
    --max-pending N        connections at the name prompt at once, 0 = no limit; when
                           full, a newcomer evicts the oldest of the address holding
                           the most [default: 256]
    --max-pending-per-ip N connections at the name prompt from one address, 0 = no
                           limit [default: 8]
    --login-rate N         new connections per address per minute (burst 10), 0 = off
                           [default: 60]
    --ip-rate N            lines per second per address over all its connections
                           (burst twice that); it also turns on per-address budgets
                           of room moves, topics and /history lines; 0 = off
                           [default: 30]
    --keepalive SECS       TCP keepalive: probe a peer silent this long 6 times, every
                           SECS/6 (1 to 10 s), then drop it; 0 = off [default: 60,
                           so a vanished peer is gone within 2 minutes]
    --max-output-memory BYTES
                           output queued for all readers together; past it the
                           largest queues are dropped [default: 268435456]
    --quiet-joins N        above N users, joins and leaves are announced as one
                           line every 10 s; 0 = never [default: 500]
    --memory-budget BYTES  memory the whole process may use; sets --max-output-memory,
                           --max-outbuf, --max-clients and socket buffer sizes so every
                           connection at its worst fits, and sheds load near it
                           [default: the cgroup's memory limit, if any]
    --print-limits         print the limits the memory budget gives, then exit
    --default-room ROOM    the room users start in [default: #lobby]
    --max-rooms N          most rooms at once [default: 1000]
    --max-rooms-per-user N rooms one IRC user may be in at once (CHANLIMIT); a telnet
                           user is in one [default: 20]
    --rooms-per-ip N       rooms one address may make per hour (N at once), 0 = off
                           [default: 20]
    --history N            chat lines kept per room for /history, 0 = off, at most
                           10000 [default: 100]
    --resume-window SECS   how long a dropped session can be resumed with /resume CODE
                           (its name, room and missed lines), 0 = off [default: 600]
    --notify-mentions      show a registered name logging in after its resume window
                           the lines naming it since it left [default: off]
    --timestamps           start every line sent with [HH:MM:SS] (UTC)
    --metrics-addr HOST:PORT
                           serve Prometheus metrics at http://HOST:PORT/metrics [default: off]
    --metrics-allow CIDR   addresses (e.g. 10.0.0.0/8 or 192.0.2.7) whose /metrics
                           connections always get one of its 8 slots, taking a
                           stranger's; repeatable [default: none]
    --redis redis://[[USER]:PASSWORD@]HOST:PORT[/DB]
                           share the rooms with the other nodes using this Redis (see
                           the README); also env LINECHAT_REDIS; the password, and an
                           ACL user, may instead come from env LINECHAT_REDIS_PASSWORD
                           and LINECHAT_REDIS_USERNAME [default: off]
    --tls-addr HOST:PORT   also serve the chat over TLS there, with the certificate chain
                           --tls-cert FILE and the private key --tls-key FILE (PEM);
                           SIGHUP reloads both for new connections [default: off]
    --irc-addr HOST:PORT   also serve IRC there (irssi, WeeChat, bots), in the same
                           rooms; off = no IRC; when not given and the port is taken,
                           IRC is skipped with a warning [default: 127.0.0.1:6667]
    --ircs-addr HOST:PORT  serve IRC over TLS there, with the --tls-cert certificate;
                           off = none [default: 127.0.0.1:6697 with --tls-addr, else off]
    --irc-server-name NAME the name the server gives itself on IRC [default: linechat]
    --web-addr HOST:PORT   serve the chat page at http://HOST:PORT/ and IRC over WebSocket
                           at /ws (subprotocol text.ircv3.net or binary.ircv3.net), in
                           the same rooms; off = none; when not given and the port is
                           taken, it is skipped with a warning [default: 127.0.0.1:8081]
    --webs-addr HOST:PORT  the same over TLS (https:, wss:), with the --tls-cert
                           certificate; off = none [default: 127.0.0.1:8444 with
                           --tls-addr, else off]
    --web-origin URL       also let pages of this origin (e.g. https://chat.example.org)
                           open a WebSocket; the page's own origin always may, any
                           other gets 403; repeatable [default: none]
    --data-dir DIR         keep registered names (/register) in DIR/accounts.redb; with
                           --redis they are kept in Redis instead [default: off:
                           /register answers that accounts are off]
    --max-accounts N       most registered names kept, 0 = no limit [default: 100000]
    --register-rate N      names one address may register per hour, 0 = no limit
                           [default: 3]
    --admins FILE          registered names (one a line, # comments) that are server
                           operators: /kill and /announce, IRC OPER, KILL and WALLOPS;
                           SIGHUP reads it again [default: off]
    --allow-plaintext-passwords
                           with --tls-addr, also take passwords on the plain port
    --node-timeout SECS    with --redis: a node silent this long is gone, its users are
                           announced as left and their names freed [default: 10]
    --history-retention SECS
                           with --redis: a room's lines are deleted from Redis this
                           long after its last one [default: 604800, 7 days]
    --history-rooms N      with --redis: most rooms whose lines Redis keeps; past it
                           those written to longest ago go [default: 10000]
    -h, --help             print this help
    -V, --version          print the version

Values may also be given as --flag=value. Logging is set with RUST_LOG
(default: info).
";
