#!/usr/bin/env bash
# Release check: the library builds, with every feature, on the rust-version that
# Cargo.toml declares (dev-dependencies may need a newer compiler; the library may not).
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version = "\([0-9.]*\)"$/\1/p' Cargo.toml)
[ -n "$msrv" ] || { echo "msrv: no rust-version in Cargo.toml" >&2; exit 1; }
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1; then
    rustup toolchain install "$msrv" --profile minimal
fi
# --locked: the versions in Cargo.lock, the ones CI tested; a separate target dir keeps
# the two compilers' artifacts apart.
cargo +"$msrv" check --lib --all-features --locked --target-dir target/msrv
echo "msrv: the library with all features builds on Rust $msrv"
