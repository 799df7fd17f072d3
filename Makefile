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

# Everything CI checks: formatting, lints, unit and integration tests.
tests: fmt-check lint test

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

clean:
	$(CARGO) clean
