#!/bin/sh
# Print what `make test` (and so `make tests`) ran, left out and skipped,
# from the files it leaves in REPORT_DIR (its only argument):
#
#   cargo-test.log  what `cargo test` printed: the counts come from its
#                   `test result:` lines, and the `#[ignore]`d tests (the
#                   soaks `make soak` runs) from its `... ignored` lines;
#   skipped.txt     one line per test skipped for a missing dependency,
#                   `TEST: WHY`, written by the tests (tests/util/skip.rs)
#                   and scripts/container-smoke.sh and browser-tests.sh.
#                   A test skips only when LINECHAT_SKIP_REDIS=1,
#                   LINECHAT_SKIP_HAPROXY=1, LINECHAT_SKIP_ROOT=1 or
#                   LINECHAT_SKIP_BROWSER=1 says it may; otherwise a missing
#                   dependency fails it;
#   browser.txt     pytest's closing count of the browser tests
#                   (scripts/browser-tests.sh), when they ran.
set -eu

report="${1:?usage: test-summary.sh REPORT_DIR}"
log="$report/cargo-test.log"
skipped="$report/skipped.txt"

echo
echo "== test summary =="
if [ -f "$log" ]; then
    # "test result: ok. 12 passed; 0 failed; 3 ignored; 0 measured; ..."
    awk '
        /^test result:/ {
            for (i = 1; i <= NF; i++) {
                n = $(i - 1)
                if ($i ~ /^passed/) passed += n
                if ($i ~ /^failed/) failed += n
                if ($i ~ /^ignored/) ignored += n
            }
        }
        END {
            printf "cargo test: %d passed, %d failed, %d ignored (#[ignore]: the long runs, `make soak`)\n",
                passed, failed, ignored
        }
    ' "$log"
    # "     Running tests/soak.rs (...)" (or "Running unittests src/lib.rs",
    # or "Running tests/it/main.rs" for the binary `it`) names the binary
    # of the lines below;
    # "test soak_full ... ignored, reason" names an ignored test.
    awk '
        /^ *Running / {
            binary = ($2 == "unittests" ? $3 : $2)
            if ($2 != "unittests") sub(/\/main\.rs$/, "", binary)
            sub(/^.*\//, "", binary)
            sub(/\.rs$/, "", binary)
        }
        /^ *Doc-tests / { binary = "doc " $2 }
        /^test .* \.\.\. ignored/ {
            name = $2
            reason = $0
            sub(/^.*\.\.\. ignored,? ?/, "", reason)
            printf "  ignored  %s::%s%s\n", binary, name, (reason == "" ? "" : ": " reason)
        }
    ' "$log"
else
    echo "cargo test: no output recorded in $log"
fi
# browser.txt: pytest's count of the browser tests (scripts/browser-tests.sh).
if [ -s "$report/browser.txt" ]; then
    echo "browser tests: $(cat "$report/browser.txt")"
fi
count=0
if [ -s "$skipped" ]; then
    count=$(wc -l <"$skipped" | tr -d ' ')
fi
echo "skipped for a missing dependency: $count"
if [ "$count" -gt 0 ]; then
    sed 's/^/  skipped  /' "$skipped"
fi
