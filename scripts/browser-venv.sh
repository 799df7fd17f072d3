#!/bin/sh
# Print the path of a python3 that can run the browser tests
# (tests/browser/), making it first when needed: a virtualenv in
# $TARGET_DIR/browser-venv (target/ unless TARGET_DIR is set) with the
# pinned tests/browser/requirements.txt (Selenium and pytest) from PyPI.
# It is made again when the requirements change (their checksum is kept
# beside it). The browser itself is Debian's (scripts/chromium.sh): no
# package here downloads one.
#
# Debian's python3 needs python3-venv for `python3 -m venv`; as root with
# apt-get it is installed when missing. Any failure is loud (exit 1).
#
# Only the path goes to stdout; what it does and why it failed go to stderr.
set -eu
cd "$(dirname "$0")/.."

requirements=tests/browser/requirements.txt
venv="${TARGET_DIR:-$PWD/target}/browser-venv"
stamp="$venv/requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ -x "$venv/bin/python3" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "$venv/bin/python3"
    exit 0
fi

fail() {
    echo "browser-venv: FAILED: $1" >&2
    exit 1
}

py="$(command -v python3 || true)"
[ -n "$py" ] || fail "python3 is not installed (apt-get install python3 python3-venv)"

# Debian's python3 without python3-venv has no ensurepip: venv fails.
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "browser-venv: $py cannot make a virtualenv; installing python3-venv with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends python3-venv >&2 \
            || { apt-get update >&2 && apt-get install -y --no-install-recommends python3-venv >&2; } \
            || fail "apt-get could not install python3-venv"
        py=/usr/bin/python3
    else
        fail "$py cannot make a virtualenv (apt-get install python3-venv as root)"
    fi
fi

echo "browser-venv: creating $venv from $requirements (PyPI)" >&2
rm -rf "$venv"
"$py" -m venv "$venv" >&2 || fail "$py -m venv $venv"
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-input --no-compile \
    -r "$requirements" >&2 || fail "pip install -r $requirements (is PyPI reachable?)"
"$venv/bin/python3" -c 'import pytest, pytest_timeout, selenium' >&2 \
    || fail "the virtualenv cannot import the browser tests' dependencies"
echo "$want" >"$stamp"
echo "$venv/bin/python3"
