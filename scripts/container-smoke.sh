#!/usr/bin/env bash
# Run the static binary the way the `scratch` image runs it, without a
# container engine: alone in an empty root directory, as UID 10001, on a
# loopback port. Two clients log in, chat, and must see the shutdown notice
# after SIGTERM, and the server must exit 0 within the bound.
#
# Needs root for chroot: elsewhere it fails, unless LINECHAT_SKIP_ROOT=1
# lets it skip (then it says so, and appends the skip to $LINECHAT_SKIP_LOG
# when that names a file). LINECHAT_BIN skips the build and uses that binary
# instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null 2>&1; then
    why="needs root and chroot"
    if [ "${LINECHAT_SKIP_ROOT:-}" != 1 ]; then
        echo "container-smoke: FAIL: $why (set LINECHAT_SKIP_ROOT=1 to skip it on purpose)" >&2
        exit 1
    fi
    echo "SKIPPED container-smoke: $why (LINECHAT_SKIP_ROOT=1)" >&2
    if [ -n "${LINECHAT_SKIP_LOG:-}" ]; then
        echo "container-smoke: $why (LINECHAT_SKIP_ROOT=1)" >>"$LINECHAT_SKIP_LOG"
    fi
    exit 0
fi

bin="${LINECHAT_BIN:-$(scripts/static.sh)}"

root="$(mktemp -d)"
pidfile="$root.pid"
cleanup() {
    # The python driver kills the server itself; this covers the driver
    # being killed (by the timeout below, or ^C) before it could.
    if [ -s "$pidfile" ]; then
        kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -rf "$root" "$pidfile" "$root.log"
}
trap cleanup EXIT

# Nothing but the binary: no libc, no /etc, no /dev, no /proc, which is
# even barer than a scratch container (the engine mounts /dev and /proc).
cp "$bin" "$root/linechat"
# mktemp made the directory 0700 for root; UID 10001 must be able to
# search it to execute /linechat once it is its root.
chmod 0755 "$root" "$root/linechat"

# The driver bounds every wait itself; `timeout` bounds it once more.
# (Held in a variable so that a killed run reports one line, not the script.)
driver=$(cat <<'PY'
import re, shutil, signal, socket, subprocess, sys, time

root, pidfile, logfile = sys.argv[1:4]
WELCOME = b"Welcome to linechat!\r\nEnter your name: "
RESUME_CODE = re.compile(
    rb"\*\*\* Resume code: ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}) \(type /resume \1 after reconnecting\)"
)
NOTICE = b"*** Server shutting down\r\n"
EXIT_BOUND = 5.0  # seconds from SIGTERM to exit; the server drains for 2


def fail(msg):
    print(f"container-smoke: FAIL: {msg}", file=sys.stderr)
    raise SystemExit(1)


def free_port():
    # Another process could take the port before the server binds it; that
    # shows up as a startup failure with the server's log, not a hang.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, name, port):
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(5)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_until(self, enough):
        """Read until `enough(buffer)` holds, the peer closes or 5 s pass."""
        deadline = time.monotonic() + 5
        while not enough(self.buf) and time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk

    def expect(self, want):
        """Read until `want` could be there, then require exactly it."""
        self.read_until(lambda buf: len(buf) >= len(want))
        got, self.buf = self.buf[: len(want)], self.buf[len(want):]
        if got != want:
            fail(f"{self.name} expected {want!r}, got {got!r}")

    def expect_resume_code(self):
        """The line after the welcome: the user's resume code."""
        self.read_until(lambda buf: b"\r\n" in buf)
        line, _, self.buf = self.buf.partition(b"\r\n")
        if not RESUME_CODE.fullmatch(line):
            fail(f"{self.name} expected its resume code, got {line!r}")

    def expect_eof(self):
        """After the notice the server closes: nothing more, then EOF."""
        try:
            rest = self.buf + self.sock.recv(4096)
        except socket.timeout:
            fail(f"{self.name}: connection still open after the shutdown notice")
        except ConnectionResetError:
            fail(f"{self.name}: connection reset instead of a clean close")
        if rest:
            fail(f"{self.name}: unexpected bytes after the shutdown notice: {rest!r}")


port = free_port()
log = open(logfile, "wb")
# An empty environment, as in the image: the default log level must
# already say `listening on`.
server = subprocess.Popen(
    [shutil.which("chroot"), "--userspec=10001:10001", root,
     "/linechat", "--addr", f"127.0.0.1:{port}"],
    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env={},
)
with open(pidfile, "w") as f:
    f.write(str(server.pid))


def server_log():
    log.flush()
    with open(logfile, "rb") as f:
        return f.read().decode(errors="replace")


try:
    # Wait for the listener: the first connect that succeeds is alice.
    deadline = time.monotonic() + 10
    while True:
        if server.poll() is not None:
            fail(f"server exited with {server.returncode} at startup")
        try:
            alice = Client("alice", port)
            break
        except OSError:
            if time.monotonic() > deadline:
                fail(f"nothing listening on 127.0.0.1:{port} after 10 s")
            time.sleep(0.05)

    alice.expect(WELCOME)
    alice.send(b"alice\n")
    alice.expect(b"*** Welcome, alice! #lobby: 1 online: alice\r\n")
    alice.expect_resume_code()

    bob = Client("bob", port)
    bob.expect(WELCOME)
    bob.send(b"bob\n")
    bob.expect(b"*** Welcome, bob! #lobby: 2 online: alice, bob\r\n")
    bob.expect_resume_code()
    alice.expect(b"*** bob has joined\r\n")

    alice.send(b"hello\n")
    bob.expect(b"alice: hello\r\n")

    # The process chroot exec'd into is the server itself.
    sent = time.monotonic()
    server.send_signal(signal.SIGTERM)
    for c in (alice, bob):
        c.expect(NOTICE)
        c.expect_eof()
    try:
        rc = server.wait(timeout=EXIT_BOUND)
    except subprocess.TimeoutExpired:
        fail(f"server still running {EXIT_BOUND} s after SIGTERM")
    took = time.monotonic() - sent
    if rc != 0:
        fail(f"server exited with {rc} after SIGTERM, want 0")
    if "listening on" not in server_log():
        fail("server never logged `listening on`")
    print(f"container-smoke: ok: static binary in an empty root as 10001:10001, "
          f"two clients chatted, SIGTERM -> notice -> exit 0 in {took:.2f} s")
except BaseException:
    print("--- server log ---\n" + server_log(), file=sys.stderr)
    raise
finally:
    if server.poll() is None:
        server.kill()
        server.wait()
PY
)
timeout --kill-after=5 50 python3 -c "$driver" "$root" "$pidfile" "$root.log"
