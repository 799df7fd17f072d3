#!/bin/sh
# Print the path of a program a test or target needs, installing its Debian
# package first when it is missing:
#
#   sh scripts/apt-tool.sh PROGRAM PACKAGE SKIP_VARIABLE
#
#   1. PROGRAM on PATH, or in /usr/bin, /usr/sbin or /usr/local/bin (a PATH
#      without the sbin directories is common for non-login shells);
#   2. as root with apt-get (Debian, Ubuntu): apt-get install PACKAGE. A
#      service the package may start (ngircd, inspircd) is not used: the
#      tests start their own on a free loopback port.
#
# Used for redis-server (scripts/redis-server.sh), Chromium and its driver
# (the browser tests, scripts/chromium.sh) and the IRC tests: irssi,
# weechat, tmux (the real-client test, scripts/irc-clients.py) and ngircd,
# inspircd (the peers irctest and the bench compare linechat with).
#
# Only the path goes to stdout; what it does and why it failed go to stderr.
# Without the program it fails (exit 1), since what needs it would fail
# too; unless SKIP_VARIABLE=1 says that may skip: then it prints nothing and
# exits 0, and the caller skips (and says so). CI sets no skip variable.
set -u

program="${1:?usage: apt-tool.sh PROGRAM PACKAGE SKIP_VARIABLE}"
package="${2:?usage: apt-tool.sh PROGRAM PACKAGE SKIP_VARIABLE}"
skip_var="${3:?usage: apt-tool.sh PROGRAM PACKAGE SKIP_VARIABLE}"

give_up() {
    echo "$program: $1" >&2
    if [ "$(eval echo "\${$skip_var:-}")" = 1 ]; then
        echo "$program: $skip_var=1: what needs it will skip" >&2
        exit 0
    fi
    echo "$program: FAILED (set $skip_var=1 to skip what needs it)" >&2
    exit 1
}

find_program() {
    for candidate in "$(command -v "$program" 2>/dev/null || true)" \
        "/usr/bin/$program" "/usr/sbin/$program" "/usr/local/bin/$program"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if find_program; then
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Installs may run at once (`make tests` gets the browser's in the
    # background beside redis-server's), and apt's locks refuse a second
    # apt-get: they take turns, and the one that waited looks again.
    exec 8>/var/lock/linechat-apt-tool.lock
    flock 8
    if find_program; then
        exit 0
    fi
    echo "$program: not installed; installing Debian's $package with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh image has no package lists: update only if the install fails.
    if apt-get install -y --no-install-recommends "$package" >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends "$package" >&2; }; then
        if find_program; then
            exit 0
        fi
    fi
    give_up "apt-get did not install $package"
fi

give_up "not installed, and cannot install it without root and apt-get (apt-get install $package)"
