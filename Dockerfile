# Two stages: `build` has the Rust toolchain and the sources (docker-compose's
# `test` service runs `make tests` in it); the final image is `scratch` with
# one static binary, so there is no shell, libc or package to patch.

FROM rust:1-bookworm AS build

# The image's rustup profile is minimal: no rustfmt or clippy, and `make
# tests` starts with `cargo fmt --check` and `cargo clippy`.
RUN rustup component add rustfmt clippy

# Everything `make tests` (the compose `test` service) uses beyond the
# toolchain, installed here so that the tests run offline and none skips
# for want of a program: PyYAML for check-yaml; redis-server (and
# redis-cli, from redis-tools) for the Redis link and cluster tests;
# iproute2's `ip` for the network-namespace keepalive test; Debian's
# telnet and tmux to drive a real telnet client; python3-venv for irctest's
# and the browser tests' virtualenvs (made below, while the build has a
# network); chromium and chromium-driver for the chat page's browser tests,
# and openssl for the certificate of their TLS case. The rust image
# already has make, file, binutils and coreutils' chroot and timeout
# (container-smoke).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3 python3-yaml python3-venv redis-server redis-tools iproute2 telnet tmux \
        chromium chromium-driver openssl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, from the manifests alone, so that this layer is reused
# until Cargo.toml, load/Cargo.toml, Cargo.lock or scripts/static.sh
# change, and an edit to a source file rebuilds only linechat. Stub sources
# let Cargo read the workspace. `cargo fetch` brings every crate of every
# member, dev-dependencies included, so the test service runs without
# network; scripts/static.sh then compiles the image's dependencies with the
# very flags of the real build below. The stubs' own output is cleaned away
# (the real sources may be older than it, and mtimes alone would call it
# fresh), and the stubs removed.
COPY Cargo.toml Cargo.lock ./
COPY load/Cargo.toml load/
COPY scripts/static.sh scripts/
RUN mkdir -p src load/src benches \
    && echo 'fn main() {}' > src/main.rs \
    && cp src/main.rs load/src/main.rs \
    && cp src/main.rs benches/load.rs \
    && touch src/lib.rs \
    && cargo fetch --locked \
    && sh scripts/static.sh >/dev/null \
    && cargo clean --release --target "$(rustc -vV | sed -n 's/^host: //p')" -p linechat \
    && rm -rf src load/src benches

# irctest's Python packages (`make tests` runs its fast subset), from PyPI
# now, into the virtualenv `make tests` looks for (target/irctest-venv,
# kept while tests/irctest/requirements.txt is unchanged).
COPY tests/irctest/requirements.txt tests/irctest/
COPY scripts/irctest-venv.sh scripts/python-venv.sh scripts/
RUN TARGET_DIR=/src/target sh scripts/irctest-venv.sh >/dev/null

# The same for the browser tests' Selenium and pytest (target/browser-venv).
COPY tests/browser/requirements.txt tests/browser/
COPY scripts/browser-venv.sh scripts/
RUN TARGET_DIR=/src/target sh scripts/browser-venv.sh >/dev/null

# Every crate is here now: `make tests` in the test service builds and
# runs without a network, and fails rather than reach for one.
ENV CARGO_NET_OFFLINE=true

COPY . .

# scripts/static.sh builds with crt-static and stripped, fails unless the
# result has no dynamic loader and no symbols, and prints only the binary's
# path on stdout.
RUN bin="$(sh scripts/static.sh)" && cp "$bin" /linechat


FROM scratch

# Set by the builder, e.g. `docker build --build-arg VERSION=$(git describe)`.
ARG VERSION=0.1.0
ARG SOURCE=""
LABEL org.opencontainers.image.title="linechat" \
      org.opencontainers.image.description="Telnet line-chat server: rooms in one process, or shared by several through Redis" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}"

COPY --from=build /linechat /linechat

# Any non-root UID works: the binary needs no file but itself and writes
# only to stderr. The Kubernetes manifest and the smoke test use the same
# numbers.
USER 10001:10001
EXPOSE 8080 6667 8081

# SIGTERM (Docker's default stop signal) makes the server tell everyone
# `*** Server shutting down`, flush for at most 2 s and exit 0; PID 1 is
# fine here because the server installs its own handler.
ENTRYPOINT ["/linechat"]
CMD ["--addr", "0.0.0.0:8080", "--irc-addr", "0.0.0.0:6667", "--web-addr", "0.0.0.0:8081"]
