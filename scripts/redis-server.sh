#!/bin/sh
# Print the path of a redis-server binary, for the Redis link tests
# (tests/redis_link.rs), installing Debian's package first when there is none:
#
#   1. redis-server on PATH, or in /usr/bin or /usr/sbin (a PATH without the
#      sbin directories is common for non-login shells);
#   2. as root with apt-get (Debian, Ubuntu): apt-get install redis-server.
#      The tests start their own server on a free loopback port with
#      persistence off; the service the package may start on 6379 (in a
#      container policy-rc.d usually refuses it) is not used.
#
# Only the path goes to stdout, and nothing when there is no redis-server:
# the tests then skip with a message. What it does and why it failed go to
# stderr. It always exits 0, so `make test` runs the other tests either way.
set -u

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
    echo "redis-server: apt-get did not install it; the Redis tests will skip" >&2
    exit 0
fi

echo "redis-server: not installed and cannot install it (needs root and apt-get);" \
    "the Redis tests will skip (install it with: apt-get install redis-server)" >&2
exit 0
