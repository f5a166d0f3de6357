#!/usr/bin/env bash
# Load figures for examples/api_gateway.rs in front of sockudo, on loopback, with wrk:
# the same stream of distinct signed triggers through the gateway with no replay guard,
# the memory guard and a Redis guard, side by side in one run; then Redis's memory per
# replay key (INFO memory before and after N keys of the guard's format).
#
#   bash benches/gateway/run.sh
#   LOAD_SECONDS=10 CONNECTIONS=32 KEYS=100000 bash benches/gateway/run.sh
#
# Needs wrk, node, redis-server and sockudo (tests/e2e/install-sockudo.sh). Every
# process is started here on loopback, stopped by pid, bounded. On a 2-core machine wrk,
# the gateway, sockudo and Redis share the cores: compare the rows, not the machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${LOAD_SECONDS:-10}"
connections="${CONNECTIONS:-32}"
keys="${KEYS:-100000}"
sockudo_port="${SOCKUDO_PORT:-6022}"
gateway_port="${GATEWAY_PORT:-4020}"
secret=e2e-secret-not-digits

work=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-gateway-bench.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && timeout 1500 cargo build --release --quiet --example api_gateway --features axum,tower,redis)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
gateway="$target_dir/release/examples/api_gateway"
sockudo=$(command -v sockudo || echo "$HOME/.cargo/bin/sockudo")

wait_for() { local limit=$((SECONDS + 20)); until eval "$1" >/dev/null 2>&1; do [ "$SECONDS" -lt "$limit" ] || { echo "$2 not ready" >&2; exit 1; }; sleep 0.1; done; }

redis_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for "redis-cli -p $redis_port ping | grep -q PONG" redis-server

mkdir -p "$work/sockudo-cwd"
(
    cd "$work/sockudo-cwd"
    export E2E_SOCKUDO_PORT="$sockudo_port" E2E_SOCKUDO_METRICS_PORT="$((sockudo_port + 1))"
    export E2E_APP_ID=app-id E2E_APP_KEY=app-key E2E_APP_SECRET="$secret"
    export E2E_WEBHOOK_URL="http://127.0.0.1:9/pusher/webhook" LOG_COLORS_ENABLED=false
    unset HOST PORT DEBUG REDIS_URL ADAPTER_DRIVER CACHE_DRIVER QUEUE_DRIVER
    exec "$sockudo" --config "$root/tests/e2e/sockudo.json"
) >"$work/sockudo.log" 2>&1 &
pids+=($!)
wait_for "curl -s -o /dev/null --max-time 1 http://127.0.0.1:$sockudo_port/up/app-id" sockudo

# Enough distinct requests that no run wraps around (a wrap would be a replay: 409).
APP_SECRET="$secret" node "$here/sign.mjs" 600000 >"$work/requests.txt"

printf '| guard | requests/s | p50 | p99 | non-2xx |\n|---|---|---|---|---|\n'
for guard in none memory redis; do
    case $guard in
        none) extra=(GATEWAY_DANGEROUS_NO_REPLAY_GUARD=1) ;;
        memory) extra=() ;;
        redis) redis-cli -p "$redis_port" flushall >/dev/null; extra=(REDIS_URL="redis://127.0.0.1:$redis_port/") ;;
    esac
    env "${extra[@]}" GATEWAY_PORT="$gateway_port" UPSTREAM_URL="http://127.0.0.1:$sockudo_port" \
        PUSHER_APP_ID=app-id PUSHER_APP_KEY=app-key PUSHER_APP_SECRET="$secret" "$gateway" >"$work/gateway.log" 2>&1 &
    gw=$!
    wait_for "curl -s -o /dev/null --max-time 1 http://127.0.0.1:$gateway_port/" api_gateway
    timeout $((seconds + 30)) wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/signed.lua" \
        "http://127.0.0.1:$gateway_port" -- "$work/requests.txt" 2 >"$work/wrk.out"
    kill -TERM "$gw"; wait "$gw" 2>/dev/null || true
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.out")
    printf '| %s | %s | %s | %s | %s |\n' "$guard" "$rps" "$p50" "$p99" "${non2xx:-0}"
done

before=$(redis-cli -p "$redis_port" info memory | awk -F: '/^used_memory:/ {print $2+0}')
node -e '
const crypto = require("crypto");
const n = Number(process.argv[1]);
let out = "";
for (let i = 0; i < n; i++) {
  out += `SET channel-auth:replay:${crypto.createHash("sha256").update("k" + i).digest("hex")} 1 NX PX 1201000\n`;
}
process.stdout.write(out);' "$keys" | redis-cli -p "$redis_port" --pipe >/dev/null
after=$(redis-cli -p "$redis_port" info memory | awk -F: '/^used_memory:/ {print $2+0}')
echo
echo "Redis $(redis-server --version | awk '{print $3}'): $keys replay keys (with a TTL) take $((after - before)) bytes, $(((after - before) / keys)) bytes a key"
