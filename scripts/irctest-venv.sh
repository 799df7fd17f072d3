#!/bin/sh
# Print the path of a python3 that can run the vendored irctest
# (tests/irctest/), making its virtualenv ($TARGET_DIR/irctest-venv) first
# when needed; see python-venv.sh.
set -eu
exec sh "$(dirname "$0")/python-venv.sh" irctest tests/irctest/requirements.txt \
    pytest,pytest_timeout,ecdsa,filelock,websockets
