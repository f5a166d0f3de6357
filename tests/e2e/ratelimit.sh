#!/usr/bin/env bash
# End-to-end test of the rate limit: send::Client's bursts against a rate-limited soketi
# (SOKETI_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC) and a rate-limited sockudo (its HTTP API
# limit, rate_limiter.api_rate_limit), with pusher-js subscribed (ratelimit.mjs; sender
# tests/e2e/burst.rs, example `e2e_burst`). soketi: both phases (default RetryPolicy: all
# accepted, each received once; RetryPolicy::none: RateLimited refusals, each accepted
# received once); the same on sockudo (NOTES.md, "Rate limits", says how it is limited).
#
#   bash tests/e2e/ratelimit.sh
#
# Env: E2E_SERVERS ("soketi sockudo"), E2E_RATE_LIMIT (10 events or requests a second),
# E2E_BURST_COUNT (20), E2E_SOKETI_PORT (6101), E2E_METRICS_PORT (9701),
# E2E_CLUSTER_PORT (11102),
# E2E_SOCKUDO_PORT (6102; its metrics port is the next one), E2E_BUDGET_S (180 s after
# the build). Loopback only; every port must be free; every process started here is
# stopped on exit. The last line is `N passed, M failed`; non-zero exit on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SOKETI_PORT=${E2E_SOKETI_PORT:-6101}
METRICS_PORT=${E2E_METRICS_PORT:-9701}
CLUSTER_PORT=${E2E_CLUSTER_PORT:-11102}
SOCKUDO_PORT=${E2E_SOCKUDO_PORT:-6102}
SERVERS=${E2E_SERVERS:-soketi sockudo}
LIMIT=${E2E_RATE_LIMIT:-10}
COUNT=${E2E_BURST_COUNT:-20}
BUDGET_S=${E2E_BUDGET_S:-180}
APP_ID=app-id
APP_KEY=app-key
APP_SECRET=e2e-secret-not-digits

say() { printf '==> ratelimit: %s\n' "$*"; }
die() { printf '==> ratelimit: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-ratelimit.XXXXXX")
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
        for log in soketi sockudo; do
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
command -v curl >/dev/null || die "curl is not installed"

STAMP="$HERE/node_modules/.e2e-lock.sha256"
LOCK_SUM=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$HERE/node_modules" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
    say "npm ci"
    (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    echo "$LOCK_SUM" >"$STAMP"
fi

say "cargo build --example e2e_burst --features reqwest"
(cd "$ROOT" && timeout 900 cargo build --quiet --example e2e_burst --features reqwest) || die "building e2e_burst failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
BURST_BIN="$TARGET_DIR/debug/examples/e2e_burst"

SOCKUDO=
if [[ " $SERVERS " == *" sockudo "* ]]; then
    SOCKUDO=$(command -v sockudo || true)
    [ -n "$SOCKUDO" ] || { [ -x "$HOME/.cargo/bin/sockudo" ] && SOCKUDO="$HOME/.cargo/bin/sockudo"; }
    [ -n "$SOCKUDO" ] || die "sockudo is not installed: run bash tests/e2e/install-sockudo.sh (or set E2E_SERVERS=soketi)"
fi

START=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - START))); }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$SOKETI_PORT" "$METRICS_PORT" "$CLUSTER_PORT" "$SOCKUDO_PORT" "$((SOCKUDO_PORT + 1))"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use; set E2E_*_PORT"
done

wait_http() {
    local url=$1 what=$2 pid=$3 limit=$((SECONDS + 20))
    until curl -s -o /dev/null --max-time 1 "$url"; do
        kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
        [ "$SECONDS" -lt "$limit" ] || die "$what not ready within 20 s"
        sleep 0.1
    done
}
stop() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}

PASSED=0
FAILED=0
driver() {
    local label=$1 ws_port=$2 phases=$3
    [ "$(left)" -gt 10 ] || die "no time left for $label"
    say "$label ($(left) s left)"
    set +e
    (cd "$HERE" && env SERVER="$label" WS_PORT="$ws_port" API_URL="http://127.0.0.1:$ws_port" \
        APP_ID="$APP_ID" APP_KEY="$APP_KEY" APP_SECRET="$APP_SECRET" BURST_BIN="$BURST_BIN" \
        COUNT="$COUNT" LIMIT="$LIMIT" PHASES="$phases" E2E_TIMEOUT_MS="${E2E_TIMEOUT_MS:-15000}" \
        timeout --kill-after=5 "$(left)" node ratelimit.mjs) | tee "$WORK/driver.out"
    set -e
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/driver.out" | tail -n 1)
    if [ -n "$line" ]; then
        PASSED=$((PASSED + ${line%% passed*}))
        local f=${line#*passed, }
        FAILED=$((FAILED + ${f%% failed}))
    else
        FAILED=$((FAILED + 1))
    fi
}

# soketi, from an empty directory (it would load a .env): the app's backend events limit.
if [[ " $SERVERS " == *" soketi "* ]]; then
    say "starting soketi on 127.0.0.1:$SOKETI_PORT, $LIMIT backend events a second"
    mkdir -p "$WORK/soketi-cwd"
    (
        cd "$WORK/soketi-cwd"
        export SOKETI_PORT="$SOKETI_PORT" SOKETI_METRICS_SERVER_PORT="$METRICS_PORT" SOKETI_CLUSTER_PORT="$CLUSTER_PORT"
        export SOKETI_DEFAULT_APP_ID="$APP_ID" SOKETI_DEFAULT_APP_KEY="$APP_KEY" SOKETI_DEFAULT_APP_SECRET="$APP_SECRET"
        export SOKETI_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC="$LIMIT"
        exec node "$HERE/node_modules/@soketi/soketi/bin/server.js" start --config="$HERE/soketi.json"
    ) >"$WORK/soketi.log" 2>&1 &
    PIDS+=($!)
    SOKETI_PID=$!
    wait_http "http://127.0.0.1:$SOKETI_PORT/" soketi "$SOKETI_PID"
    driver soketi "$SOKETI_PORT" "retry none"
    stop "$SOKETI_PID"
fi

# sockudo, from an empty directory (it would load ./config/config.*): its HTTP API limit.
if [[ " $SERVERS " == *" sockudo "* ]]; then
    say "starting sockudo on 127.0.0.1:$SOCKUDO_PORT, $LIMIT API requests a second"
    mkdir -p "$WORK/sockudo-cwd"
    (
        cd "$WORK/sockudo-cwd"
        export E2E_SOCKUDO_PORT="$SOCKUDO_PORT" E2E_SOCKUDO_METRICS_PORT="$((SOCKUDO_PORT + 1))" E2E_RATE_LIMIT="$LIMIT"
        export E2E_APP_ID="$APP_ID" E2E_APP_KEY="$APP_KEY" E2E_APP_SECRET="$APP_SECRET"
        export LOG_COLORS_ENABLED=false
        unset HOST PORT DEBUG REDIS_URL ADAPTER_DRIVER CACHE_DRIVER QUEUE_DRIVER
        exec "$SOCKUDO" --config "$HERE/sockudo-ratelimit.json"
    ) >"$WORK/sockudo.log" 2>&1 &
    PIDS+=($!)
    SOCKUDO_PID=$!
    wait_http "http://127.0.0.1:$SOCKUDO_PORT/up/$APP_ID" sockudo "$SOCKUDO_PID"
    grep -q "new app registered" "$WORK/sockudo.log" || die "sockudo did not register the test app (see sockudo.log)"
    # The readiness probes above may have used part of the first window.
    sleep 1.1
    # sockudo answers `Retry-After: 0` within its window: a floor, the backoff still waits.
    driver sockudo "$SOCKUDO_PORT" "retry none"
    stop "$SOCKUDO_PID"
fi

say "finished in $((SECONDS - START)) s after the build"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
