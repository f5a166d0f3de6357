#!/usr/bin/env bash
# The edge promise (README "Edge runtimes"), checked on a fresh machine with Rust and
# Node 20: the library builds for wasm32-unknown-unknown and wasm32-wasip1; no public
# function reads the clock or OS randomness on wasm32-unknown-unknown; the unit, vector,
# reject and property tests pass under WASI (Node's built-in node:wasi); the Worker
# example type-checks; the minimal signer's release .wasm size is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "wasm targets"
rustup target add wasm32-unknown-unknown wasm32-wasip1

step "library builds for wasm32-unknown-unknown and wasm32-wasip1 (default features)"
cargo build --lib --target wasm32-unknown-unknown
cargo build --lib --target wasm32-wasip1

step "no clock or OS randomness outside a gated wrapper"
# Every read of the clock or of OS randomness in src/ must sit in an item gated off
# wasm32-unknown-unknown (`not(all(target_arch = "wasm32", target_os = "unknown"))`, or
# all of wasm32 with `not(target_arch = "wasm32")`, possibly inside `all(..)` with a
# feature): the gate is on one of the lines above the function's signature, which must
# be within 30 lines above the call.
bad=0
while IFS=: read -r file line _; do
    start=$((line > 30 ? line - 30 : 1))
    if ! sed -n "${start},${line}p" "$file" | grep -qE 'cfg\(.*not\((all\(target_arch = "wasm32", target_os = "unknown"\)|target_arch = "wasm32")\)'; then
        echo "ungated clock/randomness read: $file:$line" >&2
        bad=1
    fi
done < <(grep -rnE 'SystemTime::now|Instant::now|OsRng|getrandom::|rand::thread_rng' src/ | grep -v '^\s*//' | grep -vE ':\s*(//|\*)' || true)
[ "$bad" = 0 ] || exit 1
if grep -rnE 'wasm_js|"js"' Cargo.toml; then
    echo "the library must not enable getrandom's JS backend" >&2
    exit 1
fi
echo "ok"

step "tests under WASI (wasm32-wasip1, node:wasi)"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="bash $PWD/.ci/wasi-run.sh"
log="$(mktemp)"
cargo test --target wasm32-wasip1 --tests 2>&1 | tee "$log"
passed="$(grep -E '^test result: ok\.' "$log" | awk '{s += $4} END {print s + 0}')"
failed="$(grep -E '^test result:' "$log" | awk '{s += $6} END {print s + 0}')"
rm -f "$log"
echo "WASI: $passed tests passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

step "Cloudflare Worker example: cargo check --target wasm32-unknown-unknown"
(cd examples/worker && cargo check --target wasm32-unknown-unknown)

step "minimal signer: release .wasm size (opt-level z, LTO, panic abort)"
# Cargo says where it wrote the .wasm (CARGO_TARGET_DIR, or a config's target-dir, moves
# it out of examples/wasm-signer/target): the one `.wasm` among the artifacts it reports.
wasm="$(cd examples/wasm-signer && cargo build --release --target wasm32-unknown-unknown \
    --message-format=json-render-diagnostics | node ../../.ci/cargo-artifact.mjs wasm_signer .wasm)"
echo "wasm-signer: $wasm"
node .ci/wasm-signer-check.mjs "$wasm"
size="$(wc -c < "$wasm")"
echo "wasm-signer: $size bytes ($((size / 1024)) KiB) before wasm-opt"
[ "$size" -lt $((150 * 1024)) ]
