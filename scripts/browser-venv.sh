#!/bin/sh
# Print the path of a python3 that can run the browser tests
# (tests/browser/: Selenium and pytest), making its virtualenv
# ($TARGET_DIR/browser-venv) first when needed; see python-venv.sh. The
# browser itself is Debian's (scripts/chromium.sh): no package here
# downloads one.
set -eu
exec sh "$(dirname "$0")/python-venv.sh" browser tests/browser/requirements.txt \
    pytest,pytest_timeout,selenium
