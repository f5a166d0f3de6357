#!/usr/bin/env bash
# End-to-end test: the real pusher-js client against a real soketi server, authorized by
# examples/auth_server.rs, with the HTTP API trigger signed by our own sign_api_request.
#
#   bash tests/e2e/run.sh
#
# Steps: npm ci (when node_modules is missing or older than the lockfile), cargo build of
# the two examples, then soketi and the auth server on 127.0.0.1, then `node run.mjs`.
# Every step has a time limit; the part after the builds (start, test, stop) is bounded
# by E2E_BUDGET_S (default 150 s). Every process started here is stopped on exit.
# Ports: E2E_SOKETI_PORT (6001), E2E_METRICS_PORT (9601), E2E_CLUSTER_PORT (11002),
# E2E_AUTH_PORT (3000); each must be free. E2E_AUTH_EXAMPLE picks the auth server:
# auth_server (axum, the default) or auth_server_actix (actix-web).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

SOKETI_PORT=${E2E_SOKETI_PORT:-6001}
METRICS_PORT=${E2E_METRICS_PORT:-9601}
CLUSTER_PORT=${E2E_CLUSTER_PORT:-11002}
AUTH_PORT=${E2E_AUTH_PORT:-3000}
AUTH_EXAMPLE=${E2E_AUTH_EXAMPLE:-auth_server}
case "$AUTH_EXAMPLE" in
    auth_server) AUTH_FEATURES=axum ;;
    auth_server_actix) AUTH_FEATURES=actix-web ;;
    *) printf '==> e2e: FAILED: unknown E2E_AUTH_EXAMPLE %s\n' "$AUTH_EXAMPLE" >&2; exit 1 ;;
esac
BUDGET_S=${E2E_BUDGET_S:-150}

# A test app known to both servers. Not all digits: soketi JSON-parses env values.
APP_ID=app-id
APP_KEY=app-key
APP_SECRET=e2e-secret-not-digits
# base64 of the 32 ASCII bytes "e2e-only master key, 32 bytes!!!"
MASTER_KEY=ZTJlLW9ubHkgbWFzdGVyIGtleSwgMzIgYnl0ZXMhISE=
AUTH_URL="http://127.0.0.1:$AUTH_PORT"
TRIGGER_PATH="/apps/$APP_ID/events"
TRIGGER_BODY='{"name":"greeting","channel":"private-alice-room","data":"{\"hello\":\"world\"}"}'

say() { printf '==> e2e: %s\n' "$*"; }
die() { printf '==> e2e: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-e2e.XXXXXX")
PIDS=()

# Stops what this script started (by pid only), then shows the servers' logs on failure.
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ]; then
        for log in soketi auth_server; do
            if [ -s "$WORK/$log.log" ]; then
                echo "---- last lines of $log.log ----"
                tail -n 40 "$WORK/$log.log"
            fi
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v node >/dev/null || die "node is not installed (Node >= 20 needed)"
command -v npm >/dev/null || die "npm is not installed"
command -v curl >/dev/null || die "curl is not installed"

# ---- 1. Node dependencies -------------------------------------------------------------
STAMP="$HERE/node_modules/.e2e-lock.sha256"
LOCK_SUM=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$HERE/node_modules" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
    say "npm ci"
    (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    echo "$LOCK_SUM" >"$STAMP"
fi

# ---- 2. Our binaries ------------------------------------------------------------------
say "cargo build --example $AUTH_EXAMPLE --features $AUTH_FEATURES; cargo build --example sign"
(cd "$ROOT" && timeout 900 cargo build --quiet --example "$AUTH_EXAMPLE" --features "$AUTH_FEATURES") ||
    die "building $AUTH_EXAMPLE failed"
(cd "$ROOT" && timeout 900 cargo build --quiet --example sign) || die "building sign failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
AUTH_SERVER="$TARGET_DIR/debug/examples/$AUTH_EXAMPLE"
SIGN="$TARGET_DIR/debug/examples/sign"

# From here on, everything shares one time budget.
START=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - START))); }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$SOKETI_PORT" "$METRICS_PORT" "$AUTH_PORT"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use; set E2E_*_PORT"
done

# Waits (bounded) until curl gets any HTTP answer from $1.
wait_http() {
    local url=$1 what=$2 pid=$3 limit=$((SECONDS + 20))
    until curl -s -o /dev/null --max-time 1 "$url"; do
        kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
        [ "$SECONDS" -lt "$limit" ] || die "$what not ready within 20 s"
        sleep 0.1
    done
}

# ---- 3. soketi (from an empty directory: it would load a .env) ------------------------
say "starting soketi on 127.0.0.1:$SOKETI_PORT"
mkdir -p "$WORK/soketi-cwd"
(
    cd "$WORK/soketi-cwd"
    export SOKETI_PORT="$SOKETI_PORT" SOKETI_METRICS_SERVER_PORT="$METRICS_PORT" SOKETI_CLUSTER_PORT="$CLUSTER_PORT"
    export SOKETI_DEFAULT_APP_ID="$APP_ID" SOKETI_DEFAULT_APP_KEY="$APP_KEY" SOKETI_DEFAULT_APP_SECRET="$APP_SECRET"
    export SOKETI_DEFAULT_APP_USER_AUTHENTICATION=true SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES=false
    export SOKETI_DEFAULT_APP_WEBHOOKS="[{\"url\":\"$AUTH_URL/pusher/webhook\",\"event_types\":[\"channel_occupied\",\"member_added\"]}]"
    exec node "$HERE/node_modules/@soketi/soketi/bin/server.js" start --config="$HERE/soketi.json"
) >"$WORK/soketi.log" 2>&1 &
PIDS+=($!)
SOKETI_PID=$!

# ---- 4. the auth server ---------------------------------------------------------------
say "starting examples/$AUTH_EXAMPLE on $AUTH_URL"
PORT="$AUTH_PORT" PUSHER_APP_ID="$APP_ID" PUSHER_APP_KEY="$APP_KEY" PUSHER_APP_SECRET="$APP_SECRET" \
    PUSHER_ENCRYPTION_MASTER_KEY_BASE64="$MASTER_KEY" AUTH_SERVER_EXPOSE_WEBHOOKS=1 \
    "$AUTH_SERVER" >"$WORK/auth_server.log" 2>&1 &
PIDS+=($!)
AUTH_PID=$!

wait_http "http://127.0.0.1:$SOKETI_PORT/" soketi "$SOKETI_PID"
wait_http "$AUTH_URL/pusher/auth" auth_server "$AUTH_PID"
say "both servers ready after $((SECONDS - START)) s"

# ---- 5. the trigger URL, signed by our sign_api_request -------------------------------
if QUERY=$(PUSHER_APP_KEY="$APP_KEY" PUSHER_APP_SECRET="$APP_SECRET" \
    "$SIGN" api POST "$TRIGGER_PATH" --body "$TRIGGER_BODY" 2>"$WORK/sign.err"); then
    TRIGGER_URL="http://127.0.0.1:$SOKETI_PORT$TRIGGER_PATH?$QUERY"
else
    # No signed URL: send an unsigned one, so the trigger check fails loudly.
    say "WARNING: 'sign api' failed ($(head -c 300 "$WORK/sign.err" | tr '\n' ' ')); the trigger check will fail"
    TRIGGER_URL="http://127.0.0.1:$SOKETI_PORT$TRIGGER_PATH?auth_signature=unsigned-sign-api-unavailable"
fi

# ---- 6. the driver --------------------------------------------------------------------
[ "$(left)" -gt 10 ] || die "no time left for the driver"
say "node run.mjs ($(left) s left)"
set +e
(
    cd "$HERE"
    SOKETI_PORT="$SOKETI_PORT" AUTH_URL="$AUTH_URL" APP_ID="$APP_ID" APP_KEY="$APP_KEY" APP_SECRET="$APP_SECRET" \
        TRIGGER_URL="$TRIGGER_URL" TRIGGER_BODY="$TRIGGER_BODY" ENCRYPTION_MASTER_KEY="$MASTER_KEY" \
        BATCH_AUTH_PATH=/pusher/batch-auth WEBHOOK_EVENTS_URL="$AUTH_URL/pusher/webhook/events" \
        E2E_TIMEOUT_MS="${E2E_TIMEOUT_MS:-10000}" \
        timeout --kill-after=5 "$(left)" node run.mjs
)
STATUS=$?
set -e

echo "---- auth_server.log ----"
cat "$WORK/auth_server.log"
say "finished in $((SECONDS - START)) s after the builds (driver exit $STATUS)"
exit "$STATUS"
