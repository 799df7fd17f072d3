# linechat: every target a user or CI needs. Only the Rust toolchain is assumed;
# anything else a target needs it installs itself.

CARGO ?= cargo

.PHONY: run build release tests test fmt fmt-check lint bench soak static container-smoke check-yaml clean

# Start the server on 127.0.0.1:8080 (logs at info; set RUST_LOG to change).
run:
	$(CARGO) run --release --locked --bin linechat -- --addr 127.0.0.1:8080

# Debug build of everything.
build:
	$(CARGO) build --locked --all-targets

# Optimised binaries: target/release/linechat and target/release/linechat-load.
release:
	$(CARGO) build --release --locked --bins

# Everything CI checks: formatting, lints, unit, property and socket tests,
# the deployment files, and the static binary run alone as in its image.
tests: fmt-check lint test check-yaml container-smoke

# Unit, property and integration tests (long soaks are `make soak`).
test:
	$(CARGO) test --locked

# Check formatting without changing files.
fmt-check:
	$(CARGO) fmt --check

# Format the code in place.
fmt:
	$(CARGO) fmt

# Clippy on every target, warnings as errors.
lint:
	$(CARGO) clippy --locked --all-targets -- -D warnings

# The load table (README "Performance"): release binaries, then the matrix in
# benches/load.rs through linechat-load; also against `ncat --chat` when
# installed. LINECHAT_BENCH_CASES=F1,L1 picks cases, LINECHAT_BENCH_QUICK=1
# shortens them.
bench:
	$(CARGO) build --release --locked --bins
	$(CARGO) bench --locked --bench load

# The 30 s soak: 300 clients of every bad kind against the release binary.
soak:
	$(CARGO) test --release --locked --test soak -- --ignored --nocapture

# Statically linked release binary, the one the image ships; fails if it
# still has a dynamic loader or needs shared libraries.
static:
	sh scripts/static.sh

# The static binary alone in an empty chroot as UID 10001: two users chat,
# SIGTERM drains, exit 0. Skips (exit 0, with a message) when not root.
container-smoke:
	bash scripts/container-smoke.sh

# Parse every YAML file and check the deployment's promises: one replica,
# Recreate, probes on 8080, grace periods above the 2 s drain.
check-yaml:
	python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
	python3 scripts/check-yaml.py

# Remove build output.
clean:
	$(CARGO) clean
