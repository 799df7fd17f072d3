#!/bin/sh
# Print the path of a redis-server binary, for the tests that need Redis
# (tests/it/redis_link.rs, tests/it/cluster.rs, load/tests/cluster.rs) and the
# bench's cluster cases, installing Debian's package first when there is none:
#
#   1. redis-server on PATH, or in /usr/bin or /usr/sbin (a PATH without the
#      sbin directories is common for non-login shells);
#   2. as root with apt-get (Debian, Ubuntu): apt-get install redis-server.
#      The tests start their own server on a free loopback port with
#      persistence off; the service the package may start on 6379 (in a
#      container policy-rc.d usually refuses it) is not used.
#
# Only the path goes to stdout; what it does and why it failed go to stderr.
# Without a redis-server it fails (exit 1), since the tests that need one
# would fail too; unless LINECHAT_SKIP_REDIS=1 says they may skip: then it
# prints nothing and exits 0.
set -u

# No redis-server: fail, or (LINECHAT_SKIP_REDIS=1) let the tests skip.
give_up() {
    echo "redis-server: $1" >&2
    if [ "${LINECHAT_SKIP_REDIS:-}" = 1 ]; then
        echo "redis-server: LINECHAT_SKIP_REDIS=1: the tests that need Redis will skip" >&2
        exit 0
    fi
    echo "redis-server: FAILED (set LINECHAT_SKIP_REDIS=1 to run the other tests without it)" >&2
    exit 1
}

find_redis() {
    for candidate in "$(command -v redis-server 2>/dev/null || true)" \
        /usr/bin/redis-server /usr/sbin/redis-server /usr/local/bin/redis-server; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if find_redis; then
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis-server: not installed; installing Debian's redis-server with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh image has no package lists: update only if the install fails.
    if apt-get install -y --no-install-recommends redis-server >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends redis-server >&2; }; then
        if find_redis; then
            exit 0
        fi
    fi
    give_up "apt-get did not install it"
fi

give_up "not installed, and cannot install it without root and apt-get (apt-get install redis-server)"
