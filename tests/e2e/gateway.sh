#!/usr/bin/env bash
# End-to-end test of examples/api_gateway.rs: sockudo behind the verifying gateway, the
# gateway's replay guard on a redis-server started here, pusher-js on sockudo, and our
# `pusher` CLI sending through the gateway (tests/e2e/gateway.mjs has the checks).
#
#   bash tests/e2e/gateway.sh
#
# Ports: E2E_SOCKUDO_PORT (6012; +1 for its metrics), E2E_GATEWAY_PORT (4010), and a free
# loopback port for redis-server (--bind 127.0.0.1, no persistence). Every process is
# started here, stopped here by pid, and bounded; the part after the builds takes at
# most E2E_BUDGET_S (default 120 s). Without redis-server (and without
# CHANNEL_AUTH_REQUIRE_REDIS=1, which CI sets) the gateway's memory guard is used.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SOCKUDO_PORT=${E2E_SOCKUDO_PORT:-6012}
GATEWAY_PORT=${E2E_GATEWAY_PORT:-4010}
BUDGET_S=${E2E_BUDGET_S:-120}
APP_ID=app-id
APP_KEY=app-key
APP_SECRET=e2e-secret-not-digits

say() { printf '==> e2e gateway: %s\n' "$*"; }
die() { printf '==> e2e gateway: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-gateway.XXXXXX")
PIDS=()
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ]; then
        for log in sockudo gateway redis; do
            [ -s "$WORK/$log.log" ] && { echo "---- last lines of $log.log ----"; tail -n 30 "$WORK/$log.log"; }
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v node >/dev/null || die "node is not installed"
[ -d "$HERE/node_modules/pusher-js" ] || (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
SOCKUDO=$(command -v sockudo || true)
[ -n "$SOCKUDO" ] || { [ -x "$HOME/.cargo/bin/sockudo" ] && SOCKUDO="$HOME/.cargo/bin/sockudo"; }
[ -n "$SOCKUDO" ] || die "sockudo is not installed: run bash tests/e2e/install-sockudo.sh"

say "cargo build --examples --features axum,tower,redis,reqwest"
(cd "$ROOT" && timeout 900 cargo build --quiet --example api_gateway --example pusher --features axum,tower,redis,reqwest) \
    || die "building the examples failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

START=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - START))); }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$SOCKUDO_PORT" "$((SOCKUDO_PORT + 1))" "$GATEWAY_PORT"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use; set E2E_*_PORT"
done
wait_for() { # command, what, pid
    local limit=$((SECONDS + 20))
    until eval "$1" >/dev/null 2>&1; do
        kill -0 "$3" 2>/dev/null || die "$2 exited during start-up"
        [ "$SECONDS" -lt "$limit" ] || die "$2 not ready within 20 s"
        sleep 0.1
    done
}

GATEWAY_ENV=()
if command -v redis-server >/dev/null; then
    REDIS_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
    PIDS+=($!)
    wait_for "redis-cli -p $REDIS_PORT ping | grep -q PONG" redis-server $!
    GATEWAY_ENV=(REDIS_URL="redis://127.0.0.1:$REDIS_PORT/")
    say "redis-server on 127.0.0.1:$REDIS_PORT"
elif [ "${CHANNEL_AUTH_REQUIRE_REDIS:-}" = 1 ]; then
    die "redis-server is not installed, and CHANNEL_AUTH_REQUIRE_REDIS=1"
else
    say "redis-server not installed: the gateway's memory guard"
fi

mkdir -p "$WORK/sockudo-cwd"
(
    cd "$WORK/sockudo-cwd"
    export E2E_SOCKUDO_PORT="$SOCKUDO_PORT" E2E_SOCKUDO_METRICS_PORT="$((SOCKUDO_PORT + 1))"
    export E2E_APP_ID="$APP_ID" E2E_APP_KEY="$APP_KEY" E2E_APP_SECRET="$APP_SECRET"
    # No webhook receiver in this test: a closed loopback port.
    export E2E_WEBHOOK_URL="http://127.0.0.1:9/pusher/webhook" LOG_COLORS_ENABLED=false
    unset HOST PORT DEBUG REDIS_URL ADAPTER_DRIVER CACHE_DRIVER QUEUE_DRIVER
    exec "$SOCKUDO" --config "$HERE/sockudo.json"
) >"$WORK/sockudo.log" 2>&1 &
PIDS+=($!)
wait_for "curl -s -o /dev/null --max-time 1 http://127.0.0.1:$SOCKUDO_PORT/up/$APP_ID" sockudo $!

env "${GATEWAY_ENV[@]}" GATEWAY_PORT="$GATEWAY_PORT" UPSTREAM_URL="http://127.0.0.1:$SOCKUDO_PORT" \
    PUSHER_APP_ID="$APP_ID" PUSHER_APP_KEY="$APP_KEY" PUSHER_APP_SECRET="$APP_SECRET" \
    "$TARGET_DIR/debug/examples/api_gateway" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_for "curl -s -o /dev/null --max-time 1 http://127.0.0.1:$GATEWAY_PORT/" api_gateway $!
say "sockudo and the gateway ready after $((SECONDS - START)) s"

set +e
(cd "$HERE" && env WS_PORT="$SOCKUDO_PORT" GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT" APP_ID="$APP_ID" \
    APP_KEY="$APP_KEY" APP_SECRET="$APP_SECRET" PUSHER_CLI="$TARGET_DIR/debug/examples/pusher" \
    timeout --kill-after=5 "$(left)" node gateway.mjs) | tee "$WORK/driver.out"
set -e
say "gateway log:"
cat "$WORK/gateway.log"
grep -qE '^[0-9]+ passed, 0 failed$' "$WORK/driver.out" || die "a check failed"
