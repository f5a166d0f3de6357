#!/usr/bin/env bash
# Triggers per second and latency through `send::Client` (examples: send_load, the
# library's own reqwest client with keep-alive) beside the official Node library
# (`pusher` 5.x with a keep-alive agent, node_send.mjs), against one local sockudo, in
# one run: 1 and 32 concurrent senders, ROUNDS rounds each, alternating. Prints the
# median of the rounds per row and ours ÷ Node.
#
#   bash benches/client/run.sh
#   TOTAL_1=2000 TOTAL_32=20000 ROUNDS=3 PORT=6402 bash benches/client/run.sh
#
# Needs sockudo (~/.cargo/bin, see tests/e2e/install-sockudo.sh) and tests/e2e's
# node_modules (npm ci there). On a 2-core machine the server, the driver and the
# runtime's workers share the cores: the figures compare, they do not measure a server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PORT:-6402}"
rounds="${ROUNDS:-3}"
total_1="${TOTAL_1:-2000}"
total_32="${TOTAL_32:-20000}"
sockudo="$(command -v sockudo || echo "$HOME/.cargo/bin/sockudo")"

(cd "$root" && cargo build --release --quiet --example send_load --features reqwest)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
[ -d "$root/tests/e2e/node_modules/pusher" ] || (cd "$root/tests/e2e" && npm ci --silent --no-audit --no-fund)

work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export E2E_SOCKUDO_PORT="$port" E2E_SOCKUDO_METRICS_PORT=$((port + 1000)) E2E_APP_ID=1 \
    E2E_APP_KEY=app-key E2E_APP_SECRET=app-secret E2E_WEBHOOK_URL=http://127.0.0.1:9/unused
(cd "$work" && exec "$sockudo" --config "$root/tests/e2e/sockudo.json") >"$work/sockudo.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/up/1" && break
    sleep 0.1
done
export API_URL="http://127.0.0.1:$port" PUSHER_APP_ID=1 PUSHER_APP_KEY=app-key PUSHER_APP_SECRET=app-secret

field() { sed -E "s/.*[ ^]$1=([^ ]+).*/\1/" <<<" $2"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '| senders | triggers | impl | triggers/s (median of %s) | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|\n' "$rounds"
for senders in 1 32; do
    total=$([ "$senders" = 1 ] && echo "$total_1" || echo "$total_32")
    declare -A rps=() p50=() p99=() errs=()
    for _ in $(seq "$rounds"); do
        for impl in rust node; do
            if [ "$impl" = rust ]; then
                line=$(SENDERS="$senders" TOTAL="$total" "$target_dir/release/examples/send_load" | grep '^RESULT')
            else
                line=$(SENDERS="$senders" TOTAL="$total" node "$here/node_send.mjs" | grep '^RESULT')
            fi
            rps[$impl]+="$(field rps "$line") "
            p50[$impl]+="$(field p50_ms "$line") "
            p99[$impl]+="$(field p99_ms "$line") "
            errs[$impl]=$(( ${errs[$impl]:-0} + $(field total "$line") - $(field ok "$line") ))
        done
    done
    for impl in rust node; do
        m_rps=$(tr ' ' '\n' <<<"${rps[$impl]}" | grep . | median)
        m_p50=$(tr ' ' '\n' <<<"${p50[$impl]}" | grep . | median)
        m_p99=$(tr ' ' '\n' <<<"${p99[$impl]}" | grep . | median)
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$senders" "$total" "$impl" "$m_rps" "$m_p50" "$m_p99" "${errs[$impl]}"
        eval "best_$impl=$m_rps"
    done
    awk -v a="$best_rust" -v b="$best_node" -v s="$senders" 'BEGIN { printf "| %s | | ours ÷ Node | %.2f× | | | |\n", s, a / b }'
    unset rps p50 p99 errs
done
