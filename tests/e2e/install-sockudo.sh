#!/usr/bin/env bash
# Installs sockudo for the end-to-end test (run.sh), only what is missing:
#   - protoc (apt package protobuf-compiler), which sockudo's build needs;
#   - sockudo itself: `cargo install --locked sockudo --no-default-features --features local`
#     (the local adapter only: no Redis, NATS or database client). About 8 minutes on
#     2 cores; skipped when `sockudo` is on PATH or in ~/.cargo/bin.
set -euo pipefail

say() { printf '==> install-sockudo: %s\n' "$*"; }

if command -v sockudo >/dev/null || [ -x "$HOME/.cargo/bin/sockudo" ]; then
    say "present: $(command -v sockudo || echo "$HOME/.cargo/bin/sockudo")"
    exit 0
fi

if ! command -v protoc >/dev/null; then
    say "apt-get install -y protobuf-compiler"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    timeout 300 $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 300 $SUDO apt-get install -y -qq protobuf-compiler
fi

say "cargo install --locked sockudo --no-default-features --features local"
timeout 2400 cargo install --locked sockudo --no-default-features --features local
"$HOME/.cargo/bin/sockudo" --version
