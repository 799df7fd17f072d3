#!/bin/bash
# The browser tests (tests/browser/): the page in a real headless Chromium,
# against the debug linechat binary ($LINECHAT_BIN, else
# $CARGO_TARGET_DIR/debug/linechat), a redis-server and telnet users.
#
#   scripts/browser-tests.sh start DIR   get what they need, in the background
#   scripts/browser-tests.sh run [DIR]   run them (after DIR's `start`, or
#                                        getting what they need first)
#
# What they need: Debian's chromium and chromium-driver (scripts/chromium.sh
# installs them when missing), a virtualenv with Selenium and pytest
# (scripts/browser-venv.sh, from PyPI) and redis-server
# (scripts/redis-server.sh). Within `make tests`, `start` runs while the
# test build compiles (apt and pip wait on the network and the disk, the
# build on the CPU), and `run` waits for it: start holds DIR/lock until it
# is done and run takes the same lock.
#
# A missing dependency fails the run, unless LINECHAT_SKIP_BROWSER=1 (no
# Chromium) or LINECHAT_SKIP_REDIS=1 (no redis-server: the Redis test alone
# is left out) says it may skip; each skip is said and appended to
# $LINECHAT_SKIP_LOG when set, for `make tests`' summary. CI sets neither.
#
# Leaves in $CARGO_TARGET_DIR/browser/: pytest's output (pytest.log), JUnit
# (junit.xml), the servers' logs, each browser's last screenshot and
# console, and the page's screenshots page-desktop.png and page-phone.png
# (the ones in docs/ come from such a run).
set -eu
cd "$(dirname "$0")/.."
root="$PWD"
step="${1:?usage: browser-tests.sh start DIR | run [DIR]}"
dir="${2:-}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/browser"

skip() {
    echo "browser tests: SKIPPED: $1" >&2
    if [ -n "${LINECHAT_SKIP_LOG:-}" ]; then
        echo "browser-tests: $1" >>"$LINECHAT_SKIP_LOG"
    fi
}

# Writes the paths the tests need, as shell assignments, to $1.
# redis-server first: `make test` needs it too and waits for apt-tool.sh's
# lock, so it must not wait behind Chromium's longer install. The
# virtualenv is made meanwhile (pip needs no apt lock).
prepare() {
    local env="$1" paths redis py venv_pid
    : >"$env"
    redis="$(sh scripts/redis-server.sh)" || return 1
    TARGET_DIR="$target_dir" sh scripts/browser-venv.sh >"$env.py" &
    venv_pid=$!
    # irctest's virtualenv too, while the tests build, at the lowest
    # priority so that it takes only what the build leaves idle:
    # irctest-fast finds it made (or waits for it, python-venv.sh holds a
    # lock) instead of spending some 16 s on it after the cargo tests. A
    # failure here is irctest-fast's to report, when it makes it again.
    TARGET_DIR="$target_dir" nice -n 19 sh scripts/irctest-venv.sh >/dev/null 2>&1 &
    paths="$(sh scripts/chromium.sh)" || { wait "$venv_pid"; return 1; }
    wait "$venv_pid" || return 1
    py="$(cat "$env.py")"
    if [ -z "$paths" ]; then
        echo "browser=" >>"$env"
        return 0
    fi
    {
        echo "browser='$(echo "$paths" | sed -n 1p)'"
        echo "driver='$(echo "$paths" | sed -n 2p)'"
        echo "redis='$redis'"
        echo "py='$py'"
    } >>"$env"
}

case "$step" in
start)
    mkdir -p "$dir"
    rm -f "$dir/env" "$dir/rc" "$dir/log"
    exec 9>"$dir/lock"
    flock 9
    {
        rc=0
        prepare "$dir/env" >"$dir/log" 2>&1 || rc=$?
        echo "$rc" >"$dir/rc"
    } </dev/null >/dev/null 2>&1 &
    echo "browser tests: getting Chromium and Selenium in the background (log: $dir/log)" >&2
    exit 0
    ;;
run)
    if [ -n "$dir" ]; then
        flock "$dir/lock" true
        cat "$dir/log" >&2 || true
        if [ "$(cat "$dir/rc" 2>/dev/null)" != 0 ]; then
            echo "browser tests: FAILED: could not get what they need (above)" >&2
            exit 1
        fi
        env="$dir/env"
    else
        mkdir -p "$out"
        env="$out/env"
        prepare "$env"
    fi
    ;;
*)
    echo "browser-tests: unknown step $step (start, run)" >&2
    exit 1
    ;;
esac

browser="" driver="" redis="" py=""
. "$env"
if [ -z "$browser" ]; then
    skip "no chromium or chromedriver (LINECHAT_SKIP_BROWSER=1)"
    exit 0
fi
select=()
if [ -z "$redis" ]; then
    skip "test_two_nodes_over_redis: no redis-server (LINECHAT_SKIP_REDIS=1)"
    select=(-k "not redis")
fi

bin="${LINECHAT_BIN:-$target_dir/debug/linechat}"
[ -x "$bin" ] || { echo "browser tests: FAILED: no linechat binary at $bin (cargo build)" >&2; exit 1; }
mkdir -p "$out"
echo "browser tests: Chromium $("$browser" --version 2>/dev/null | sed -n 's/^Chromium \([^ ]*\).*/\1/p') against $bin" >&2
set +e
(
    cd tests/browser &&
        PYTHONDONTWRITEBYTECODE=1 LINECHAT_BIN="$bin" LINECHAT_CHROMIUM="$browser" LINECHAT_CHROMEDRIVER="$driver" \
            LINECHAT_REDIS_SERVER="$redis" LINECHAT_BROWSER_ARTIFACTS="$out" \
            "$py" -m pytest -p no:cacheprovider --timeout 120 -q -rfE \
            --junitxml "$out/junit.xml" ${select[@]+"${select[@]}"} 2>&1
) | tee "$out/pytest.log"
rc=${PIPESTATUS[0]}
set -e
# pytest's count, for `make tests`' summary (beside the skip log).
if [ -n "${LINECHAT_SKIP_LOG:-}" ]; then
    grep -E '^[0-9]+ (passed|failed)|^=* ?[0-9]+ (passed|failed)|no tests ran' "$out/pytest.log" | tail -1 \
        >"$(dirname "$LINECHAT_SKIP_LOG")/browser.txt" || true
fi
echo "browser tests: artifacts (screenshots, logs) in $out" >&2
exit "$rc"
