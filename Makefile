# linechat: every target a user or CI needs, over the whole Cargo workspace
# (the server at the root, the load generator in load/).
#
# Assumed: the Rust toolchain with rustfmt and clippy (`rustup component add
# rustfmt clippy`; rustup's minimal profile lacks them) and the C linker it
# uses (with readelf, for `static`), make, and python3 (check-yaml,
# container-smoke). Beyond that a target gets what it needs, or fails
# saying what is missing: check-yaml installs PyYAML if python3 lacks it
# (apt-get as root, else a virtualenv in target/pyenv from PyPI;
# scripts/yaml-python.sh); test and bench install Debian's redis-server
# and haproxy when missing (apt-get as root; scripts/redis-server.sh,
# scripts/haproxy.sh), browser-tests
# Debian's chromium and chromium-driver (scripts/chromium.sh) and Selenium
# in a virtualenv from PyPI. Some tests need
# root (memory cgroups, network namespaces, and container-smoke's chroot).
# A missing dependency is a failure, never a silent pass: only
# LINECHAT_SKIP_REDIS=1, LINECHAT_SKIP_HAPROXY=1, LINECHAT_SKIP_ROOT=1 or
# LINECHAT_SKIP_BROWSER=1 turns it into a skip,
# counted with its reason at the end of `make tests` (CI sets neither).
# bench compares with ncat only when it is installed.

CARGO ?= cargo

# `make run ADDR=0.0.0.0:8080 ARGS='--timestamps --max-clients 100'`
ADDR ?= 127.0.0.1:8080
ARGS ?=

.PHONY: run build release tests test fmt fmt-check lint bench soak static static-early container-smoke check-yaml clean
.PHONY: irctest irctest-fast irctest-peers irc-clients irc-tools browser-tests browser-early

# Where cargo builds: CARGO_TARGET_DIR if set, else target/.
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))

# Start the server on $(ADDR), 127.0.0.1:8080 unless set, with any other
# server flags in ARGS (logs at info; set RUST_LOG to change). It runs as
# a job of its own (bash's `set -m`) holding the terminal, so Ctrl-C
# reaches the server alone: it drains and exits 0, and make, which gets no
# signal, sees it end. (A SIGINT to make too raced with the server's exit:
# `make: *** wait: No child processes`.)
run:
	$(CARGO) build --release --locked -p linechat --bin linechat
	bash -c 'set -m; "$$@"; exit $$?' run "$(TARGET_DIR)/release/linechat" --addr $(ADDR) $(ARGS)

# Debug build of everything.
build:
	$(CARGO) build --locked --workspace --all-targets

# Optimised binaries: target/release/linechat and target/release/linechat-load.
release:
	$(CARGO) build --release --locked --workspace --bins

# Everything CI checks: formatting, lints, unit, property and socket tests,
# irctest's fast subset (IRC conformance, see irctest-fast below), the
# chat page in a real Chromium (browser-tests below), the deployment
# files, and the static binary run alone as in its image; then what ran,
# what is #[ignore]d (the soaks) and what was skipped, and why
# (scripts/test-summary.sh).
tests: fmt-check static-early browser-early lint test irctest-and-browser check-yaml container-smoke
	@sh scripts/test-summary.sh "$(REPORT)"

# Within `make tests`, clippy lints the test build instead of checking
# every crate first: `test` builds with clippy-driver (the compiler
# `cargo clippy` runs, with the same `-D warnings`) as the wrapper of the
# workspace's own crates, so the dependencies are not checked apart from
# their build and our crates are compiled once, linted and built (a
# minute less from a clean clone). `make lint` alone runs `cargo clippy`.
tests: LINT_IN_TEST = 1

# Within `make tests`, `test` has just built the debug binary, with the
# dev-dependencies' features: check-yaml uses it as it is rather than build
# the plain variant (a different feature set, so a rebuild of ~30 s).
tests: CHECK_YAML_BIN_FRESH = 1
# ... and the summary comes once, at the end.
tests: TEST_SUMMARY_LATER = 1
# ... and irctest's fast subset runs against that debug binary as it is.
tests: IRCTEST_BIN_FRESH = 1

# Where `make test` leaves what the summary reads: cargo test's output and
# one line per skipped test (tests/util/skip.rs, container-smoke).
REPORT := $(TARGET_DIR)/test-report
tests test: export LINECHAT_SKIP_LOG = $(REPORT)/skipped.txt

# Unit, property and integration tests (long soaks are `make soak`). The
# Redis tests run a redis-server of their own on a free port: the one
# scripts/redis-server.sh finds or installs (it fails without one); the
# load generator's failover-with-resume test also a haproxy of its own,
# the one scripts/haproxy.sh finds or installs. A test whose dependency is
# missing (redis-server, haproxy; root for cgroups and network namespaces)
# fails, unless LINECHAT_SKIP_REDIS=1, LINECHAT_SKIP_HAPROXY=1 or
# LINECHAT_SKIP_ROOT=1 lets it skip; CI sets none.
test:
	@mkdir -p "$(REPORT)" && : >"$(LINECHAT_SKIP_LOG)" && rm -f "$(REPORT)/cargo-test.log" "$(REPORT)/browser.txt"
	redis="$$(sh scripts/redis-server.sh)" && haproxy="$$(sh scripts/haproxy.sh)" && \
	$(if $(LINT_IN_TEST),$(CLIPPY_IN_BUILD),:) && \
	{ LINECHAT_REDIS_SERVER="$$redis" LINECHAT_HAPROXY="$$haproxy" \
	  LINECHAT_BIN="$(TARGET_DIR)/debug/linechat" \
	  $(CARGO) test --locked --workspace 2>&1; echo $$? >"$(REPORT)/cargo-test.rc"; } \
	  | tee "$(REPORT)/cargo-test.log" && \
	exit "$$(cat "$(REPORT)/cargo-test.rc")"
	@[ -n "$(TEST_SUMMARY_LATER)" ] || sh scripts/test-summary.sh "$(REPORT)"

# Check formatting without changing files.
fmt-check:
	$(CARGO) fmt --all --check

# Format the code in place.
fmt:
	$(CARGO) fmt --all

# Clippy on every target, warnings as errors.
lint:
	$(if $(LINT_IN_TEST),@echo "lint: clippy lints the test build (see test)",$(CARGO) clippy --locked --workspace --all-targets -- -D warnings)

# The shell words that make the cargo commands after them build with
# clippy's lints, as `cargo clippy` sets them up (clippy-driver as the
# workspace's compiler wrapper, its arguments in CLIPPY_ARGS), then build
# every target as `cargo clippy --all-targets` would check it, the bench
# too (which `cargo test` does not build).
CLIPPY_IN_BUILD = driver="$$(rustc --print sysroot)/bin/clippy-driver" && \
	{ [ -x "$$driver" ] || { echo "no $$driver: rustup component add clippy" >&2; exit 1; }; } && \
	export RUSTC_WORKSPACE_WRAPPER="$$driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" && \
	$(CARGO) test --no-run --locked --workspace --all-targets

# The load table (README "Performance"): release binaries, then the matrix in
# benches/load/ through linechat-load; also against `ncat --chat` when
# installed, and the cluster cases X1-X4 (two nodes and a redis-server of
# their own) with the redis-server scripts/redis-server.sh finds or
# installs; X3's killed node's users resume through a HAProxy of its own,
# the one scripts/haproxy.sh finds or installs. LINECHAT_BENCH_CASES=F1,L1
# picks cases, LINECHAT_BENCH_QUICK=1 shortens them.
bench: release
	LINECHAT_REDIS_SERVER="$$(sh scripts/redis-server.sh)" \
	LINECHAT_HAPROXY="$$(sh scripts/haproxy.sh)" \
	$(CARGO) bench --locked -p linechat --bench load

# The soaks against the release binary: 30 s of 300 clients of every bad
# kind; then, in a 256 MiB memory cgroup, the memory-budget attacks at full
# length (about 8 minutes) and the control run that shows a server without
# a budget is OOM-killed by them (both skip, with a message, when not root).
soak:
	$(CARGO) test --release --locked -p linechat --test soak -- --ignored --nocapture
	$(CARGO) test --release --locked -p linechat --test budget -- --ignored --nocapture

# Statically linked, stripped release binary, the one the image ships; fails
# if it still has a dynamic loader, needs shared libraries or has symbols.
static:
	sh scripts/static.sh

# The static binary alone in an empty chroot as UID 10001: two users chat,
# SIGTERM drains, exit 0. Fails when not root (LINECHAT_SKIP_ROOT=1 skips).
# Alone it builds the release binary the image ships; within `make tests`
# the unoptimised `smoke` profile (Cargo.toml), which links the same way in
# a third of the time.
# Within `make tests`, `static-early` starts that build in the background
# (in target/static-smoke, a target directory of its own) before the test
# build, which leaves a core idle in its serial stretches, and
# container-smoke waits for it (scripts/static-early.sh): about half a
# minute less from a clean clone.
STATIC_PROFILE ?= release
tests: STATIC_PROFILE = smoke
STATIC_EARLY_DIR = $(REPORT)/static-early
tests: STATIC_EARLY = 1
container-smoke:
	$(if $(STATIC_EARLY),bin="$$(sh scripts/static-early.sh wait "$(STATIC_EARLY_DIR)")" && export LINECHAT_BIN="$$bin" && ,)\
	STATIC_PROFILE=$(STATIC_PROFILE) bash scripts/container-smoke.sh

static-early:
	STATIC_PROFILE=$(STATIC_PROFILE) STATIC_TARGET_DIR="$(TARGET_DIR)/static-smoke" \
	sh scripts/static-early.sh start "$(STATIC_EARLY_DIR)"

# Parse every YAML file and check the deployment's promises. Compose: two
# or more linechat nodes sharing the `redis` service (AOF on, a password
# from LINECHAT_REDIS_PASSWORD that the nodes get too, never on a command
# line) behind HAProxy (`web`, the only published port, which depends on
# every node; deploy/haproxy.cfg in TCP mode with a checked server per
# node). deploy/k8s: at least 3 linechat pods, a rolling update that never
# stops them all, `--redis` naming a one-pod Recreate Redis with its AOF on
# a volume claim and its password from the Secret the pods read, a
# disruption budget that lets drains through but keeps pods up, probes on
# 8080, grace periods above the 2 s drain, every manifest (and the Secret)
# in the Tiltfile. And that the limits the README gives for the linechat
# Deployment's memory limit are what the server derives (the debug binary,
# built if needed). PyYAML comes from python3, apt or a virtualenv in
# target/pyenv (scripts/yaml-python.sh).
check-yaml:
	py="$$(sh scripts/yaml-python.sh)" && CARGO="$(CARGO)" \
	LINECHAT_BIN_FRESH="$(CHECK_YAML_BIN_FRESH)" "$$py" scripts/check-yaml.py

# IRC conformance: irctest (the public suite, vendored with its licence and
# commit in tests/irctest/) in a virtualenv under target/irctest-venv, its
# pinned Python packages from PyPI (scripts/irctest-venv.sh; fails when it
# cannot be made). scripts/irctest.sh starts the server on a free loopback
# port and runs the selection
#   -m "not services and not implementation-specific and not deprecated and not strict"
# one test at a time through irctest's external_server controller, with
# SASL PLAIN announced; it prints the counts and the failures and keeps
# the JUnit file, pytest's output and the server's log in target/irctest/.
# The debug binary is enough (irctest waits on replies, not on speed).
#   irctest        every server test against linechat (reports, fails only
#                  when the suite cannot run);
#   irctest-fast   the files for connection registration, join, part,
#                  names, messages, ping/pong, quit, topic, who, whois,
#                  away and cap: fails on any failure that
#                  tests/irctest/expected-failures-linechat.txt does not
#                  list with its reason;
#   irctest-peers  the same selection as `irctest` against ngIRCd and
#                  InspIRCd (Debian packages, installed when missing; configs
#                  in tests/peers/), for the comparison.
IRCTEST_BIN = $(TARGET_DIR)/debug/linechat
irctest irctest-fast:
	$(if $(IRCTEST_BIN_FRESH),,$(CARGO) build --locked -p linechat --bin linechat)
	LINECHAT_BIN="$(IRCTEST_BIN)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	bash scripts/irctest.sh linechat $(if $(filter irctest-fast,$@),fast,full)

# The chat page (web/index.html) in headless Chromium, driven by Selenium
# through Debian's chromedriver (no browser download), against the debug
# binary on free loopback ports (tests/browser/, about 25 s): two browser
# users and a telnet user chat in #lobby; #rust stays apart and its history
# comes on joining it; private messages get their own pane; HTML shows as
# text (no img element, no alert) and the page asks for nothing but
# itself and /ws; the name prompt's errors and a registered name's
# password; the server killed and restarted (the pages say reconnecting,
# then back, and chat again); a browser on one node and telnet on another
# over Redis, across node A's death (the lines said while it was gone come
# once each, marked missed); a node not linked to Redis yet refuses the name
# in words and the prompt stays usable; the page over TLS (https:, wss:).
# Screenshots and logs in target/browser/. chromium and
# chromium-driver are installed when missing (LINECHAT_SKIP_BROWSER=1 lets
# the run skip without them), Selenium into target/browser-venv from PyPI.
# Within `make tests`, browser-early gets them in the background while the
# tests build (scripts/browser-tests.sh).
BROWSER_EARLY_DIR = $(REPORT)/browser-early
tests: BROWSER_EARLY = 1
browser-early:
	CARGO_TARGET_DIR="$(TARGET_DIR)" bash scripts/browser-tests.sh start "$(BROWSER_EARLY_DIR)"

browser-tests:
	$(if $(IRCTEST_BIN_FRESH),,$(CARGO) build --locked -p linechat --bin linechat)
	LINECHAT_BIN="$(IRCTEST_BIN)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	bash scripts/browser-tests.sh run $(if $(BROWSER_EARLY),"$(BROWSER_EARLY_DIR)",)

# Within `make tests`, irctest's fast subset and the browser tests run at
# the same time (each against servers of its own on free ports): both
# mostly wait on replies, about 20 s each. Their outputs are shown one
# after the other, and either failing fails the target.
.PHONY: irctest-and-browser
irctest-and-browser:
	@mkdir -p "$(REPORT)"; \
	LINECHAT_BIN="$(IRCTEST_BIN)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	bash scripts/irctest.sh linechat fast >"$(REPORT)/irctest-fast.out" 2>&1 & irc=$$!; \
	LINECHAT_BIN="$(IRCTEST_BIN)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	bash scripts/browser-tests.sh run $(if $(BROWSER_EARLY),"$(BROWSER_EARLY_DIR)",) \
		>"$(REPORT)/browser-tests.out" 2>&1; browser=$$?; \
	wait $$irc; irc=$$?; \
	echo "== irctest (fast) =="; cat "$(REPORT)/irctest-fast.out"; \
	echo "== browser tests =="; cat "$(REPORT)/browser-tests.out"; \
	[ $$irc = 0 ] && [ $$browser = 0 ]

# Real IRC clients in tmux (scripts/irc-clients.py): irssi and WeeChat
# connect to linechat's IRC port (IRC_SERVER=ngircd or inspircd for a peer),
# join two channels, chat with a telnet user (an IRC user on a peer), /msg,
# /me, /topic, /nick, /away, /quit; each step waits for its text on the
# client's screen (capture-pane) or the other user's socket, 15 s at most.
# The screens are kept in target/irc-clients/. tmux, irssi and weechat are
# installed when missing (LINECHAT_SKIP_IRC_CLIENTS=1 lets the run skip).
IRC_SERVER ?= linechat
irc-clients:
	$(if $(IRCTEST_BIN_FRESH),,$(CARGO) build --locked -p linechat --bin linechat)
	LINECHAT_BIN="$(IRCTEST_BIN)" CARGO_TARGET_DIR="$(TARGET_DIR)" \
	python3 scripts/irc-clients.py --server $(IRC_SERVER)

irctest-peers:
	CARGO_TARGET_DIR="$(TARGET_DIR)" bash scripts/irctest.sh ngircd full
	CARGO_TARGET_DIR="$(TARGET_DIR)" bash scripts/irctest.sh inspircd full

# Install what the IRC tests, comparisons and benches use (Debian packages,
# apt-get as root; scripts/apt-tool.sh): tmux, irssi and WeeChat for the
# real-client test (weechat-curses, as weechat-headless shows no screen to
# read; both are installed), ngircd and inspircd as the peers. Each target
# that needs one installs it itself; this does all at once.
irc-tools:
	sh scripts/apt-tool.sh tmux tmux LINECHAT_SKIP_IRC_CLIENTS
	sh scripts/apt-tool.sh irssi irssi LINECHAT_SKIP_IRC_CLIENTS
	sh scripts/apt-tool.sh weechat-headless weechat-headless LINECHAT_SKIP_IRC_CLIENTS
	sh scripts/apt-tool.sh weechat weechat-curses LINECHAT_SKIP_IRC_CLIENTS
	sh scripts/apt-tool.sh ngircd ngircd LINECHAT_SKIP_IRC_PEERS
	sh scripts/apt-tool.sh inspircd inspircd LINECHAT_SKIP_IRC_PEERS

# Remove build output.
clean:
	$(CARGO) clean
