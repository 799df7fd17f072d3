#!/bin/sh
# python-venv.sh NAME REQUIREMENTS IMPORTS
#
# Print the path of a python3 with the pinned REQUIREMENTS installed,
# making it first when needed: a virtualenv in $TARGET_DIR/NAME-venv
# (target/ unless TARGET_DIR is set), from PyPI. It is made again when the
# requirements change (their checksum is kept beside it), and checked by
# importing IMPORTS (comma-separated modules). irctest-venv.sh and
# browser-venv.sh name theirs.
#
# Debian's python3 needs python3-venv for `python3 -m venv`; as root with
# apt-get it is installed when missing. Packages are installed with
# --no-compile: Python compiles what it imports on first use, and the
# suites import a small part (irctest's venv is made in about 16 s instead
# of 31 here). Any failure is loud (exit 1): the tests that need it cannot
# run without it, and there is no skip here.
#
# Only the path goes to stdout; what it does and why it failed go to stderr.
set -eu
cd "$(dirname "$0")/.."

name="${1:?usage: python-venv.sh NAME REQUIREMENTS IMPORTS}"
requirements="${2:?usage: python-venv.sh NAME REQUIREMENTS IMPORTS}"
imports="${3:?usage: python-venv.sh NAME REQUIREMENTS IMPORTS}"
venv="${TARGET_DIR:-$PWD/target}/$name-venv"
stamp="$venv/requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

# One maker at a time: `make tests` starts one early in the background,
# and the suite's own call waits for it here rather than making it again.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

if [ -x "$venv/bin/python3" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "$venv/bin/python3"
    exit 0
fi

fail() {
    echo "$name-venv: FAILED: $1" >&2
    exit 1
}

py="$(command -v python3 || true)"
[ -n "$py" ] || fail "python3 is not installed (apt-get install python3 python3-venv)"

# Debian's python3 without python3-venv has no ensurepip: venv fails.
if ! "$py" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "$name-venv: $py cannot make a virtualenv; installing python3-venv with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends python3-venv >&2 \
            || { apt-get update >&2 && apt-get install -y --no-install-recommends python3-venv >&2; } \
            || fail "apt-get could not install python3-venv"
        py=/usr/bin/python3
    else
        fail "$py cannot make a virtualenv (apt-get install python3-venv as root)"
    fi
fi

echo "$name-venv: creating $venv from $requirements (PyPI)" >&2
rm -rf "$venv"
"$py" -m venv "$venv" >&2 || fail "$py -m venv $venv"
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-input --no-compile \
    -r "$requirements" >&2 || fail "pip install -r $requirements (is PyPI reachable?)"
"$venv/bin/python3" -c "import $imports" >&2 \
    || fail "the virtualenv cannot import $imports"
echo "$want" >"$stamp"
echo "$venv/bin/python3"
