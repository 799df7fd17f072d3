#!/bin/sh
# Print the paths of Debian's Chromium and its WebDriver, for the browser
# tests (tests/browser/, scripts/browser-tests.sh), installing the packages
# `chromium` and `chromium-driver` (and `openssl`, for the TLS case) first
# when they are missing
# (scripts/apt-tool.sh: apt-get as root). The tests drive that system
# Chromium through the system chromedriver: nothing is downloaded besides
# Debian's packages.
#
# stdout: two lines, the browser then the driver. Without them it fails
# (exit 1), since the browser tests would fail too; unless
# LINECHAT_SKIP_BROWSER=1 says they may skip: then it prints nothing and
# exits 0. CI sets no skip variable.
set -u
here="$(dirname "$0")"
browser="$(sh "$here/apt-tool.sh" chromium chromium LINECHAT_SKIP_BROWSER)" || exit 1
[ -n "$browser" ] || exit 0
driver="$(sh "$here/apt-tool.sh" chromedriver chromium-driver LINECHAT_SKIP_BROWSER)" || exit 1
[ -n "$driver" ] || exit 0
# The TLS case makes its certificate with the openssl command.
sh "$here/apt-tool.sh" openssl openssl LINECHAT_SKIP_BROWSER >/dev/null || exit 1
echo "$browser"
echo "$driver"
