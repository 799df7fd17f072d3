#!/bin/bash
# Run irctest, the IRC conformance suite (vendored in tests/irctest/), against
# an IRC server this script starts on a free loopback port:
#
#   scripts/irctest.sh KIND [full|fast]
#
# KIND: linechat (target/release/linechat or $LINECHAT_BIN; `make irctest`
# builds it), ngircd or inspircd (Debian packages, configs in tests/peers/).
# full: every server test; fast: the files the issue lists for `make tests`
# (connection registration, join, part, names, messages, ping/pong, quit,
# topic, who, whois, away, cap). Both take the issue's markers:
#   not services and not implementation-specific and not deprecated and not strict
# one test at a time (no -n: tests reuse nicks on the one server), through
# irctest's external_server controller (ours, with the WebSocket tests
# pointed at linechat's --web-addr; skipped for the peers), with SASL PLAIN
# announced.
#
# Leaves target/irctest/KIND-MODE.xml (JUnit), KIND-MODE.log (pytest's output)
# and the server's log in target/irctest/KIND-MODE/, and prints the counts
# and the failed tests.
#
# Exit status: 1 when the suite could not run (no virtualenv, server not
# starting, pytest error). In fast mode, also 1 when a test fails that
# tests/irctest/expected-failures-KIND.txt does not list (one test id a
# line, then why); full mode only reports. 2: the peer is missing and
# LINECHAT_SKIP_IRC_PEERS=1 allowed it.
set -eu
cd "$(dirname "$0")/.."
root="$PWD"
kind="${1:?usage: irctest.sh linechat|ngircd|inspircd [full|fast]}"
mode="${2:-full}"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/irctest"
mkdir -p "$out"
name="$kind-$mode"

markers="not services and not implementation-specific and not deprecated and not strict"
case "$mode" in
full) selection=(irctest/server_tests/) ;;
fast)
    selection=()
    for file in connection_registration join part names messages pingpong quit topic who whois away cap websocket; do
        selection+=("irctest/server_tests/$file.py")
    done
    ;;
*)
    echo "irctest: unknown mode $mode (full, fast)" >&2
    exit 1
    ;;
esac

py="$(TARGET_DIR="$target_dir" sh scripts/irctest-venv.sh)"

server_dir="$out/$name"
rm -rf "$server_dir"
rc=0
bash scripts/irc-server.sh start "$kind" "$server_dir" || rc=$?
if [ "$rc" = 2 ]; then
    echo "irctest: SKIPPED $kind: not installed (LINECHAT_SKIP_IRC_PEERS=1)" >&2
    exit 2
elif [ "$rc" != 0 ]; then
    exit 1
fi
trap 'bash "$root/scripts/irc-server.sh" stop "$server_dir"' EXIT
port="$(cat "$server_dir/port")"
web_port=""
[ -f "$server_dir/web-port" ] && web_port="$(cat "$server_dir/web-port")"

sasl=""
[ "$kind" = linechat ] && sasl=PLAIN
echo "irctest: $mode selection against $kind on 127.0.0.1:$port" >&2
started=$SECONDS
set +e
(
    cd tests/irctest &&
        IRCTEST_SERVER_HOSTNAME=127.0.0.1 IRCTEST_SERVER_PORT="$port" \
            IRCTEST_SERVER_SASL_MECHS="$sasl" \
            IRCTEST_WEBSOCKET_HOSTNAME="${web_port:+127.0.0.1}" IRCTEST_WEBSOCKET_PORT="$web_port" \
            "$py" -m pytest -p no:cacheprovider --timeout 60 \
            --controller irctest.controllers.external_server_websocket \
            -m "$markers" --junitxml "$out/$name.xml" -rfE "${selection[@]}"
) >"$out/$name.log" 2>&1
pytest_rc=$?
set -e
elapsed=$((SECONDS - started))
tail -1 "$out/$name.log"
echo "irctest: pytest's output in $out/$name.log, JUnit in $out/$name.xml, the server's log in $server_dir/server.log ($elapsed s)"

# pytest: 0 all passed, 1 some failed; anything else means it did not run.
if [ "$pytest_rc" != 0 ] && [ "$pytest_rc" != 1 ]; then
    echo "irctest: FAILED: pytest exited $pytest_rc" >&2
    tail -30 "$out/$name.log" >&2
    exit 1
fi

expected="tests/irctest/expected-failures-$kind.txt"
"$py" - "$out/$name.xml" "$expected" "$kind" "$mode" <<'EOF'
import os
import sys
import xml.etree.ElementTree as ET

xml, expected_file, kind, mode = sys.argv[1:]
counts = {"passed": 0, "failed": 0, "skipped": 0}
failed = []
for case in ET.parse(xml).getroot().iter("testcase"):
    test = "%s::%s" % (case.get("classname").replace("irctest.server_tests.", ""), case.get("name"))
    if case.find("failure") is not None or case.find("error") is not None:
        counts["failed"] += 1
        node = case.find("failure") if case.find("failure") is not None else case.find("error")
        first = (node.get("message") or "").strip().splitlines()
        failed.append((test, first[0][:140] if first else ""))
    elif case.find("skipped") is not None:
        counts["skipped"] += 1
    else:
        counts["passed"] += 1
print("irctest %s (%s): %d passed, %d failed, %d skipped"
      % (kind, mode, counts["passed"], counts["failed"], counts["skipped"]))

expected = {}
if os.path.exists(expected_file):
    for line in open(expected_file):
        line = line.strip()
        if line and not line.startswith("#"):
            test, _, why = line.partition(" ")
            expected[test] = why.strip()
unexpected = [(t, m) for t, m in failed if t not in expected]
for test, message in failed:
    why = expected.get(test)
    print("  FAILED %s%s" % (test, "  (expected: %s)" % why if why else "  -- " + message))
if mode == "fast" and unexpected:
    print("irctest: %d failure(s) not listed in %s" % (len(unexpected), expected_file))
    sys.exit(1)
EOF
