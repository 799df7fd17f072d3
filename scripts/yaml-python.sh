#!/bin/sh
# Print the path of a python3 that can `import yaml` (PyYAML), for
# `make check-yaml`, getting PyYAML first when no interpreter has it:
#
#   1. python3 on PATH, if it has PyYAML;
#   2. target/pyenv/bin/python3, if an earlier run made it;
#   3. as root with apt-get (Debian, Ubuntu): apt-get install python3-yaml
#      (pip into the system Python is refused there: PEP 668,
#      "externally-managed-environment");
#   4. a virtualenv in target/pyenv with PyYAML from PyPI (needs the venv
#      module: python3-venv on Debian and Ubuntu).
#
# Only the path goes to stdout; what it does and why it failed go to stderr.
set -eu
cd "$(dirname "$0")/.."

venv=target/pyenv

has_yaml() {
    [ -x "$1" ] && "$1" -c 'import yaml' >/dev/null 2>&1
}

py="$(command -v python3 || true)"
if [ -z "$py" ]; then
    echo "check-yaml: python3 is not installed" >&2
    exit 1
fi
if has_yaml "$py"; then
    echo "$py"
    exit 0
fi
if has_yaml "$venv/bin/python3"; then
    echo "$PWD/$venv/bin/python3"
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-yaml: $py has no PyYAML; installing python3-yaml with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh image has no package lists: update only if the install fails.
    if apt-get install -y --no-install-recommends python3-yaml >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends python3-yaml >&2; }; then
        # The package serves the system interpreter, which need not be the
        # python3 on PATH (pyenv, a virtualenv).
        for candidate in "$py" /usr/bin/python3; do
            if has_yaml "$candidate"; then
                echo "$candidate"
                exit 0
            fi
        done
    fi
    echo "check-yaml: apt-get did not give $py PyYAML; trying a virtualenv" >&2
fi

echo "check-yaml: creating $venv with PyYAML from PyPI" >&2
rm -rf "$venv"
if "$py" -m venv "$venv" >&2 \
    && "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check pyyaml >&2 \
    && has_yaml "$venv/bin/python3"; then
    echo "$PWD/$venv/bin/python3"
    exit 0
fi
echo "check-yaml: could not get PyYAML; install python3-yaml (apt-get install python3-yaml)," \
    "or python3-venv so that a virtualenv can be made, and run again" >&2
exit 1
