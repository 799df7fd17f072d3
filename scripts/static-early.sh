#!/bin/sh
# Within `make tests`: build the container smoke's static binary in the
# background while the tests build and run, then hand it over.
#
#   scripts/static-early.sh start DIR   start the build; return at once
#   scripts/static-early.sh wait DIR    wait for it; print the binary's path
#
# The test build leaves a core idle in its serial stretches (linking, the
# last crates), and the static build needs a target directory of its own
# anyway (its own flags; cargo locks a target directory per build), so
# running both at once saves most of the static build's time. `start`
# takes a lock on DIR/lock before it forks, and the build holds it until
# it ends; `wait` takes the same lock, so it returns exactly when the build
# is over, then fails with the build's log if the build failed.
# STATIC_TARGET_DIR is the build's target directory; STATIC_PROFILE as
# for scripts/static.sh.
set -eu
cd "$(dirname "$0")/.."

what="${1:?usage: static-early.sh start|wait DIR}"
dir="${2:?usage: static-early.sh start|wait DIR}"

case "$what" in
start)
    mkdir -p "$dir"
    rm -f "$dir/path" "$dir/rc" "$dir/log"
    exec 9>"$dir/lock"
    flock 9
    {
        rc=0
        CARGO_TARGET_DIR="${STATIC_TARGET_DIR:?STATIC_TARGET_DIR names the build's target directory}" \
            sh scripts/static.sh >"$dir/path" 2>"$dir/log" || rc=$?
        echo "$rc" >"$dir/rc"
    } </dev/null >/dev/null 2>&1 &
    echo "static build started in the background (log: $dir/log)" >&2
    ;;
wait)
    flock "$dir/lock" true
    if [ "$(cat "$dir/rc" 2>/dev/null)" != 0 ]; then
        cat "$dir/log" >&2 || true
        echo "static-early: the static build failed (log above, $dir/log)" >&2
        exit 1
    fi
    cat "$dir/path"
    ;;
*)
    echo "static-early: unknown step $what (start, wait)" >&2
    exit 1
    ;;
esac
