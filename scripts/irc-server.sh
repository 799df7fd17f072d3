#!/bin/bash
# Start or stop an IRC server on a free loopback port, for irctest
# (scripts/irctest.sh), the real-client test (scripts/irc-clients.sh) and by
# hand:
#
#   scripts/irc-server.sh start KIND DIR   KIND: linechat, ngircd or inspircd
#   scripts/irc-server.sh stop DIR
#
# `start` makes DIR, runs the server in the background with its output in
# DIR/server.log, waits (at most 20 s) until its IRC port accepts, and
# writes DIR/port (IRC), DIR/pid and, for linechat, DIR/telnet-port. It
# fails if the server exits or never listens.
#
# linechat: $LINECHAT_BIN, else target/release/linechat (CARGO_TARGET_DIR
# honoured), with flood control and the per-address limits off (irctest
# opens hundreds of connections from 127.0.0.1 in quick succession), named
# My.Little.Server as irctest expects (the peers' configs say the same), and
# LINECHAT_IRC_ARGS appended. Its accounts are kept in DIR/data, where the
# account operuser (password operpassword) is registered over telnet once it
# listens, as a user would (/register), and DIR/admins names it a server
# operator (--admins): irctest's OPER tests send `OPER operuser operpassword`.
# ngircd and inspircd: the Debian packages (installed by scripts/apt-tool.sh
# when missing; LINECHAT_SKIP_IRC_PEERS=1 lets them be missing, and then
# `start` exits 2), with the configs in tests/peers/.
set -eu
cd "$(dirname "$0")/.."
root="$PWD"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until 127.0.0.1:$1 accepts, while process $2 lives; 20 s at most.
wait_listening() {
    local port="$1" pid="$2" deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# Register linechat's account operuser/operpassword over telnet on port $1,
# as a user would (an account kept from an earlier start is logged into
# instead); 10 s at most.
register_operator() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
seen = b""
def until(*words):
    global seen
    while not any(w in seen for w in words):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("closed early: %r" % seen[-200:])
        seen += chunk
    found = next(w for w in words if w in seen)
    seen = seen[seen.index(found) + len(found):]
    return found
until(b"Enter your name: ")
s.sendall(b"operuser\r\n")
if until(b"Password: ", b"Welcome, operuser!") == b"Password: ":
    s.sendall(b"operpassword\r\n")
    until(b"You are a server operator")
else:
    s.sendall(b"/register operpassword\r\n")
    until(b"Registered operuser")
s.sendall(b"/quit\r\n")
PY
}

# Fill @PORT@ and @DIR@ in tests/peers/$1.conf into $dir/$1.conf.
peer_config() {
    sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "tests/peers/$1.conf" >"$dir/$1.conf"
}

peer_binary() {
    local bin
    bin="$(sh scripts/apt-tool.sh "$1" "$1" LINECHAT_SKIP_IRC_PEERS)"
    if [ -z "$bin" ]; then
        echo "irc-server: no $1; skipped (LINECHAT_SKIP_IRC_PEERS=1)" >&2
        exit 2
    fi
    echo "$bin"
}

start() {
    local kind="$1"
    dir="$(mkdir -p "$2" && cd "$2" && pwd)"
    port="$(free_port)"
    local cmd
    case "$kind" in
    linechat)
        local bin="${LINECHAT_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/linechat}"
        [ -x "$bin" ] || { echo "irc-server: no linechat binary at $bin (make release, or set LINECHAT_BIN)" >&2; exit 1; }
        local telnet_port web_port
        telnet_port="$(free_port)"
        echo "$telnet_port" >"$dir/telnet-port"
        # The web listener, for irctest's WebSocket tests.
        web_port="$(free_port)"
        echo "$web_port" >"$dir/web-port"
        # shellcheck disable=SC2206
        cmd=("$bin" --addr "127.0.0.1:$telnet_port" --irc-addr "127.0.0.1:$port"
            --web-addr "127.0.0.1:$web_port"
            --rate 0 --ip-rate 0 --login-rate 0 --max-per-ip 0
            --max-pending 0 --max-pending-per-ip 0 --rooms-per-ip 0
            --irc-server-name My.Little.Server
            --data-dir "$dir/data" --admins "$dir/admins" ${LINECHAT_IRC_ARGS:-})
        echo "operuser" >"$dir/admins"
        ;;
    ngircd)
        local bin
        bin="$(peer_binary ngircd)"
        echo "welcome to the ngIRCd peer" >"$dir/motd"
        peer_config ngircd
        cmd=("$bin" --nodaemon --config "$dir/ngircd.conf")
        ;;
    inspircd)
        local bin
        bin="$(peer_binary inspircd)"
        peer_config inspircd
        cmd=("$bin" --nofork --runasroot --config "$dir/inspircd.conf")
        ;;
    *)
        echo "irc-server: unknown server $kind (linechat, ngircd, inspircd)" >&2
        exit 1
        ;;
    esac
    "${cmd[@]}" >"$dir/server.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/pid"
    echo "$port" >"$dir/port"
    if ! wait_listening "$port" "$pid"; then
        echo "irc-server: $kind did not listen on 127.0.0.1:$port; its log ($dir/server.log):" >&2
        tail -20 "$dir/server.log" >&2
        kill "$pid" 2>/dev/null || true
        exit 1
    fi
    if [ "$kind" = linechat ] && ! register_operator "$(cat "$dir/telnet-port")"; then
        echo "irc-server: could not register the operator account; its log ($dir/server.log):" >&2
        tail -20 "$dir/server.log" >&2
        kill "$pid" 2>/dev/null || true
        exit 1
    fi
    echo "irc-server: $kind listening on 127.0.0.1:$port (pid $pid, log $dir/server.log)" >&2
}

stop() {
    local dir="$1" pid
    pid="$(cat "$dir/pid" 2>/dev/null)" || return 0
    kill "$pid" 2>/dev/null || return 0
    # A drain takes linechat about 2 s; give any server 10.
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
}

case "${1:-}" in
start) start "${2:?usage: irc-server.sh start KIND DIR}" "${3:?usage: irc-server.sh start KIND DIR}" ;;
stop) stop "${2:?usage: irc-server.sh stop DIR}" ;;
*)
    echo "usage: irc-server.sh start KIND DIR | stop DIR" >&2
    exit 1
    ;;
esac
