#!/bin/sh
# Build a statically linked, stripped release binary and prove it needs no
# dynamic loader, so it can run alone in a `scratch` image (no libc, no ld.so
# there). Stripping drops the symbol table and debug info (the image has no
# debugger, and a panic message needs neither); `make release` binaries
# keep their symbols for `perf`.
#
# Prints only the binary's path on stdout; cargo's output and the checks
# go to stderr. TARGET defaults to the host triple (x86_64-unknown-linux-gnu
# here); CARGO_TARGET_DIR is honoured.
set -eu
cd "$(dirname "$0")/.."

TARGET="${TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
PROFILE="${STATIC_PROFILE:-release}"
strip_var="CARGO_PROFILE_$(echo "$PROFILE" | tr 'a-z-' 'A-Z_')_STRIP"

# An explicit --target keeps RUSTFLAGS away from build scripts and proc
# macros, which must stay dynamic, and keeps these artifacts apart from the
# normal `cargo build` ones so neither build invalidates the other.
# CARGO_PROFILE_<PROFILE>_STRIP has rustc strip at link time (no binutils
# `strip` needed) for this build only. STATIC_PROFILE defaults to release (the
# image's build); `make tests` passes STATIC_PROFILE=smoke (Cargo.toml), which
# builds in a third of the time for its container smoke test.
env RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    "$strip_var=symbols" \
    cargo build --profile "$PROFILE" --locked --target "$TARGET" -p linechat --bin linechat >&2

# An absolute path, so callers may use it from any directory.
dir="${CARGO_TARGET_DIR:-target}"
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
bin="$dir/$TARGET/$PROFILE/linechat"
if [ ! -x "$bin" ]; then
    echo "static: cargo succeeded but $bin is not there" >&2
    exit 1
fi

# PT_INTERP names the dynamic loader and DT_NEEDED the shared libraries;
# a binary with neither runs on an empty root. readelf comes with the C
# toolchain that rustc links with, so it is always here; `file` is only
# reported when installed.
if readelf -lW "$bin" | grep -q 'INTERP'; then
    echo "static: $bin has a dynamic loader (PT_INTERP)" >&2
    exit 1
fi
if readelf -dW "$bin" | grep -q '(NEEDED)'; then
    echo "static: $bin needs shared libraries:" >&2
    readelf -dW "$bin" | grep '(NEEDED)' >&2
    exit 1
fi
if readelf -SW "$bin" | grep -q '\.symtab'; then
    echo "static: $bin is not stripped (it has a .symtab)" >&2
    exit 1
fi
if command -v file >/dev/null 2>&1; then
    file -b "$bin" >&2
fi
echo "static: ok, no dynamic loader, shared libraries or symbols" >&2
echo "$bin"
