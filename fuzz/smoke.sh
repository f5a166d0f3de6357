#!/usr/bin/env bash
# Builds every fuzz target and runs each for a short smoke (10 s by default); fails on
# the first crash, panic, leak or timeout. CI calls this; see fuzz/README.md.
#
#   bash fuzz/smoke.sh            # every target, 10 s each
#   SMOKE_SECONDS=60 bash fuzz/smoke.sh
#
# New inputs go to a scratch folder: the committed seeds in fuzz/corpus/ are read, never
# written. A crash leaves its input in fuzz/artifacts/<target>/ and prints how to replay it.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${SMOKE_SECONDS:-10}"

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

# cargo-fuzz needs nightly-only flags (sanitizers, coverage). Use a nightly toolchain when
# there is one; otherwise let the installed stable compiler accept them.
if rustup run nightly rustc --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "smoke: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

"${fuzz[@]}" build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
targets=$("${fuzz[@]}" list)
for target in $targets; do
    printf '\n==> fuzz %s (%s s)\n' "$target" "$seconds"
    mkdir -p "$scratch/$target" "corpus/$target"
    log="$scratch/$target.log"
    if ! "${fuzz[@]}" run "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "smoke: fuzz target $target FAILED; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^#[0-9]+ +DONE|^stat::number_of_executed_units' "$log" || true
done
echo
echo "smoke: $(echo $targets | wc -w) fuzz targets ran ${seconds} s each without a finding"
