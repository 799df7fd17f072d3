#!/usr/bin/env bash
# Build, on a machine that reaches no image registry, the three images
# docker-compose.yml runs, so that `docker-compose up web` can be tried
# there as it is, without editing the compose file:
#
#   linechat:latest  the real image: `scratch` plus the static binary
#                    (scripts/static.sh, built here with the host's Rust
#                    toolchain instead of in the Dockerfile's rust stage);
#   redis:7          a stand-in: Debian's redis-server and redis-cli (7.0),
#                    with sh and grep for the health check;
#   haproxy:2.8      a stand-in: Debian's haproxy (2.6), laid out, run and
#                    stopped (SIGUSR1) like the official image.
#
# The stand-ins are the host's own binaries and the shared libraries `ldd`
# names, on an empty root with a minimal /etc/passwd, so they run what the
# host has installed (apt-get install redis-server haproxy). They carry the
# label linechat.stand-in, and the script never replaces an image of the
# same name that lacks it (a real one, pulled earlier); FORCE=1 does.
# Remove them with `docker rmi redis:7 haproxy:2.8` before pulling the
# real ones.
#
# Then: docker-compose up -d web; telnet 127.0.0.1 8080; docker-compose down
#
# With --rust it also makes a stand-in for `rust:1-bookworm`, the base of
# the Dockerfile's build stage and so of the compose `test` service: a
# Debian bookworm root made by debootstrap from a Debian mirror (apt-get
# install debootstrap; about 5 minutes and 500 MB) plus the host's Rust
# toolchain (`rustc --print sysroot`, with rustfmt and clippy) and rustup,
# laid out as in the official image (/usr/local/rustup, /usr/local/cargo),
# and the host's extra certificate authorities if it has any.
# Then `docker-compose build test && docker-compose run --rm test` works,
# as long as the build can still reach the Debian mirror and crates.io
# (its apt-get and `cargo fetch`); the run itself is offline.
set -euo pipefail
cd "$(dirname "$0")/.."

with_rust=0
case "${1:-}" in
    --rust) with_rust=1 ;;
    "") ;;
    *) echo "usage: $0 [--rust]" >&2; exit 2 ;;
esac

STAND_IN_LABEL=linechat.stand-in

# The legacy builder: the Debian docker.io client has no buildx, and
# these Dockerfiles need nothing BuildKit adds.
export DOCKER_BUILDKIT=0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { echo "compose-local-images: $*" >&2; }

# May this tag be (re)built? Not if it names an image without our label.
may_replace() {
    local tag=$1 label
    label="$(docker image inspect -f "{{ index .Config.Labels \"$STAND_IN_LABEL\" }}" "$tag" 2>/dev/null)" \
        || return 0 # no such image
    if [ -n "$label" ] || [ "${FORCE:-}" = 1 ]; then
        return 0
    fi
    say "$tag exists and is not a stand-in made here (a pulled image?); keeping it (FORCE=1 replaces it)"
    return 1
}

# add_binary ROOT SOURCE DEST: copy the program SOURCE to ROOT/DEST, and
# every shared library it loads (and the dynamic loader) to the same path
# under ROOT.
add_binary() {
    local root=$1 src=$2 dest=$3 lib
    [ -x "$src" ] || { say "$src is not installed (apt-get install the package that has it)"; exit 1; }
    mkdir -p "$root/$(dirname "$dest")"
    cp -L "$src" "$root/$dest"
    # `ldd` lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
    # and "/lib64/ld-linux-x86-64.so.2 (0x...)"; vdso has no file.
    for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
        mkdir -p "$root/$(dirname "$lib")"
        cp -Ln "$lib" "$root/$lib"
    done
}

# A root file system's /etc: the users the image runs as, and name lookups
# through files then DNS (Docker mounts /etc/hosts and /etc/resolv.conf).
add_etc() {
    local root=$1 passwd=$2 group=$3
    mkdir -p "$root/etc"
    printf '%s\n' "root:x:0:0:root:/root:/bin/sh" "$passwd" "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin" \
        >"$root/etc/passwd"
    printf '%s\n' "root:x:0:" "$group" "nogroup:x:65534:" >"$root/etc/group"
    printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# build TAG CONTEXT [ARGS]: build CONTEXT/Dockerfile as TAG. The legacy
# builder's deprecation notice is dropped; anything else it says is shown
# when the build fails.
build() {
    local tag=$1 ctx=$2
    shift 2
    if ! docker build -q "$@" -t "$tag" "$ctx" >/dev/null 2>"$work/build.log"; then
        cat "$work/build.log" >&2
        exit 1
    fi
    built "$tag"
}

# built TAG: report it, and remove the image TAG named before this run,
# now untagged (kept while a container still uses it).
built() {
    local tag=$1
    say "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}'))"
    if [ -n "${previous[$tag]:-}" ] && [ "${previous[$tag]}" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
        docker image rm "${previous[$tag]}" >/dev/null 2>&1 || true
    fi
}

# What each tag named before this run.
declare -A previous
for tag in linechat:latest redis:7 haproxy:2.8 rust:1-bookworm; do
    previous[$tag]="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
done

# pack CONTEXT: CONTEXT/root as CONTEXT/root.tar, which the Dockerfile ADDs:
# unlike COPY, ADD keeps each file's owner from the archive (/data must be
# the redis user's).
pack() {
    tar -C "$1/root" -cf "$1/root.tar" .
}

# linechat:latest: what the Dockerfile's final stage makes, from the same
# static binary.
if may_replace linechat:latest; then
    bin="$(sh scripts/static.sh)"
    ctx="$work/linechat"
    mkdir -p "$ctx"
    cp "$bin" "$ctx/linechat"
    version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
    # The Dockerfile's final stage, with the binary from the host instead
    # of its build stage's. The label lets the next run replace it; one
    # built from the Dockerfile (`docker-compose build`) is kept.
    sed -n '/^FROM scratch/,$p' Dockerfile \
        | sed 's|^COPY --from=build /linechat /linechat|COPY linechat /linechat|' \
        >"$ctx/Dockerfile"
    echo "LABEL $STAND_IN_LABEL=\"static binary built on the host by scripts/compose-local-images.sh\"" \
        >>"$ctx/Dockerfile"
    build linechat:latest "$ctx" --build-arg VERSION="$version"
fi

# redis:7: the official image keeps the programs in /usr/local/bin, runs
# in /data (owned by its `redis` user, 999, which a new named volume
# inherits), and has sh for the compose command and the health check.
if may_replace redis:7; then
    ctx="$work/redis"
    root="$ctx/root"
    add_binary "$root" /usr/bin/redis-server /usr/local/bin/redis-server
    add_binary "$root" /usr/bin/redis-cli /usr/local/bin/redis-cli
    add_binary "$root" /bin/sh /bin/sh
    add_binary "$root" /bin/grep /bin/grep
    add_etc "$root" "redis:x:999:999::/data:/usr/sbin/nologin" "redis:x:999:"
    mkdir -p "$root/data" "$root/tmp"
    chown 999:999 "$root/data"
    chmod 1777 "$root/tmp"
    pack "$ctx"
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
ADD root.tar /
LABEL $STAND_IN_LABEL="Debian's redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') from the host, by scripts/compose-local-images.sh"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /data
VOLUME /data
EXPOSE 6379
CMD ["redis-server"]
EOF
    build redis:7 "$ctx"
fi

# haproxy:2.8: the official image has the program in /usr/local/sbin, reads
# /usr/local/etc/haproxy/haproxy.cfg, runs as `haproxy` (99) and is
# stopped with SIGUSR1 (a soft stop); its entrypoint adds -W -db
# (master-worker, in the foreground).
if may_replace haproxy:2.8; then
    ctx="$work/haproxy"
    root="$ctx/root"
    add_binary "$root" /usr/sbin/haproxy /usr/local/sbin/haproxy
    add_etc "$root" "haproxy:x:99:99::/var/lib/haproxy:/usr/sbin/nologin" "haproxy:x:99:"
    mkdir -p "$root/usr/local/etc/haproxy" "$root/var/lib/haproxy"
    pack "$ctx"
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
ADD root.tar /
LABEL $STAND_IN_LABEL="Debian's $(haproxy -v | head -n1 | cut -d' ' -f1-3) from the host, by scripts/compose-local-images.sh"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER haproxy
WORKDIR /var/lib/haproxy
STOPSIGNAL SIGUSR1
EXPOSE 8080
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
EOF
    build haproxy:2.8 "$ctx"
fi

# rust:1-bookworm: Debian bookworm with what the official image's
# buildpack-deps base gives the Dockerfile (a C toolchain and libc6-dev for
# the crt-static link, make, binutils' readelf, file, python3, git, curl,
# CA certificates), and the host's toolchain under rustup as the default.
if [ "$with_rust" = 1 ] && may_replace rust:1-bookworm; then
    command -v debootstrap >/dev/null || { say "--rust needs debootstrap (apt-get install debootstrap)"; exit 1; }
    rootfs="${ROOTFS:-/var/tmp/linechat-bookworm}"
    if [ ! -x "$rootfs/usr/bin/gcc" ]; then
        say "debootstrap bookworm into $rootfs (a few minutes)"
        rm -rf "$rootfs"
        debootstrap --variant=minbase \
            --include=ca-certificates,gcc,libc6-dev,make,binutils,file,python3,git,curl \
            bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
        rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
    fi
    sysroot="$(rustc --print sysroot)"
    toolchain="$(basename "$sysroot")"
    rustup="$(command -v rustup)"
    for component in rustfmt cargo-clippy; do
        [ -x "$sysroot/bin/$component" ] || { say "the host toolchain $toolchain has no $component (rustup component add ${component#cargo-})"; exit 1; }
    done
    # The Debian root and the toolchain go in as one imported layer; the
    # settings make the toolchain rustup's default, as in the official image.
    layer="$work/rust"
    mkdir -p "$layer/usr/local/rustup/toolchains" "$layer/usr/local/cargo/bin"
    cp -a "$sysroot" "$layer/usr/local/rustup/toolchains/$toolchain"
    cp -L "$rustup" "$layer/usr/local/cargo/bin/rustup"
    for proxy in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver rust-gdb rust-lldb; do
        ln -s rustup "$layer/usr/local/cargo/bin/$proxy"
    done
    printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n\n[overrides]\n' "$toolchain" \
        >"$layer/usr/local/rustup/settings.toml"
    tar -C "$rootfs" -c . | tar -C "$layer" -x
    # The host's own certificate authorities, where it has some (a proxy
    # that inspects TLS): the build's apt-get and `cargo fetch` then reach
    # what the host reaches.
    if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
        mkdir -p "$layer/usr/local/share/ca-certificates"
        cp /usr/local/share/ca-certificates/*.crt "$layer/usr/local/share/ca-certificates/"
        cp -L /etc/ssl/certs/ca-certificates.crt "$layer/etc/ssl/certs/ca-certificates.crt"
    fi
    tar -C "$layer" -c . | docker import \
        -c 'ENV RUSTUP_HOME=/usr/local/rustup' \
        -c 'ENV CARGO_HOME=/usr/local/cargo' \
        -c 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c "LABEL $STAND_IN_LABEL=\"Debian bookworm (debootstrap) with the host's $toolchain ($(rustc -V | cut -d' ' -f2)), by scripts/compose-local-images.sh\"" \
        -c 'CMD ["bash"]' \
        - rust:1-bookworm >/dev/null
    built rust:1-bookworm
fi

say "done; now: docker-compose up -d web && telnet 127.0.0.1 8080"
