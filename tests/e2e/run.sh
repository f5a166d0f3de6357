#!/usr/bin/env bash
# End-to-end test: the real pusher-js client against real Pusher-protocol servers (soketi,
# then sockudo), authorized by examples/auth_server.rs; every event and query of the
# sending checks goes through our CLI, examples/pusher.rs.
#
#   bash tests/e2e/run.sh
#
# Steps: npm ci (when node_modules is missing or older than the lockfile), one cargo build
# of the examples, then the auth server, then for each server in E2E_SERVERS (default
# "soketi sockudo"): start it on 127.0.0.1, run its drivers, stop it. On soketi: `node
# run.mjs` (authorization, signing, webhooks) and `node sends.mjs`; on sockudo: `node
# sends.mjs`. Every step has a time limit; the part after the builds (start, test, stop)
# is bounded by E2E_BUDGET_S (default 240 s). Every process started here is stopped on
# exit. The last line is the total, `N passed, M failed`; the exit code is non-zero on
# any failure.
# Ports: E2E_SOKETI_PORT (6001), E2E_METRICS_PORT (9601), E2E_CLUSTER_PORT (11002),
# E2E_AUTH_PORT (3000), E2E_SOCKUDO_PORT (6002); each must be free. sockudo is found on
# PATH or in ~/.cargo/bin (tests/e2e/install-sockudo.sh installs it).
# E2E_PUSHER_CLI replaces our CLI by another program with the same contract (for
# testing the harness itself); by default it is debug/examples/pusher in cargo's target
# directory (target/, unless CARGO_TARGET_DIR or a config moves it).
# E2E_AUTH_EXAMPLE picks the auth server: auth_server (axum, the default) or
# auth_server_actix (actix-web).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

SOKETI_PORT=${E2E_SOKETI_PORT:-6001}
METRICS_PORT=${E2E_METRICS_PORT:-9601}
CLUSTER_PORT=${E2E_CLUSTER_PORT:-11002}
AUTH_PORT=${E2E_AUTH_PORT:-3000}
SOCKUDO_PORT=${E2E_SOCKUDO_PORT:-6002}
SERVERS=${E2E_SERVERS:-soketi sockudo}
AUTH_EXAMPLE=${E2E_AUTH_EXAMPLE:-auth_server}
case "$AUTH_EXAMPLE" in
    auth_server) AUTH_FEATURES=axum ;;
    auth_server_actix) AUTH_FEATURES=actix-web ;;
    *) printf '==> e2e: FAILED: unknown E2E_AUTH_EXAMPLE %s\n' "$AUTH_EXAMPLE" >&2; exit 1 ;;
esac
BUDGET_S=${E2E_BUDGET_S:-240}

# A test app known to both servers. Not all digits: soketi JSON-parses env values.
APP_ID=app-id
APP_KEY=app-key
APP_SECRET=e2e-secret-not-digits
# base64 of the 32 ASCII bytes "e2e-only master key, 32 bytes!!!"
MASTER_KEY=ZTJlLW9ubHkgbWFzdGVyIGtleSwgMzIgYnl0ZXMhISE=
AUTH_URL="http://127.0.0.1:$AUTH_PORT"
TRIGGER_PATH="/apps/$APP_ID/events"
TRIGGER_BODY='{"name":"greeting","channel":"private-alice","data":"{\"hello\":\"world\"}"}'

say() { printf '==> e2e: %s\n' "$*"; }
die() { printf '==> e2e: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-e2e.XXXXXX")
PIDS=()

LOGS_SHOWN=
show_logs() {
    LOGS_SHOWN=1
    for log in soketi sockudo auth_server; do
        if [ -s "$WORK/$log.log" ]; then
            echo "---- last lines of $log.log ----"
            tail -n 40 "$WORK/$log.log"
        fi
    done
}

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
    if [ "$status" -ne 0 ] && [ -z "$LOGS_SHOWN" ]; then
        show_logs
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

# ---- 2. Our binaries: one build of the examples ----------------------------------------
# The auth server's framework feature, and `reqwest` for examples/pusher.rs; examples
# whose required features are off are skipped.
FEATURES="$AUTH_FEATURES,reqwest"
say "cargo build --examples --features $FEATURES"
(cd "$ROOT" && timeout 900 cargo build --quiet --examples --features "$FEATURES") || die "building the examples failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
AUTH_SERVER="$TARGET_DIR/debug/examples/$AUTH_EXAMPLE"
SIGN="$TARGET_DIR/debug/examples/sign"
PUSHER_CLI=${E2E_PUSHER_CLI:-$TARGET_DIR/debug/examples/pusher}
[ -x "$PUSHER_CLI" ] || say "WARNING: $PUSHER_CLI is missing; every sending check will fail"

SOCKUDO=
case " $SERVERS " in
*" sockudo "*)
    SOCKUDO=$(command -v sockudo || true)
    [ -n "$SOCKUDO" ] || { [ -x "$HOME/.cargo/bin/sockudo" ] && SOCKUDO="$HOME/.cargo/bin/sockudo"; }
    [ -n "$SOCKUDO" ] || die "sockudo is not installed: run bash tests/e2e/install-sockudo.sh (or set E2E_SERVERS=soketi)"
    ;;
esac

# From here on, everything shares one time budget.
START=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - START))); }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$SOKETI_PORT" "$METRICS_PORT" "$AUTH_PORT" "$SOCKUDO_PORT"; do
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

# Stops one server started here (by pid), bounded; cleanup() catches any left.
stop() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
}

# Runs one driver (bounded by the budget left), keeps its output, and adds its closing
# `N passed, M failed` line to the totals; a driver without one counts as one failure.
PASSED=0
FAILED=0
SUMMARY=()
driver() {
    local label=$1
    shift
    [ "$(left)" -gt 10 ] || die "no time left for $label"
    say "$label ($(left) s left)"
    set +e
    (cd "$HERE" && "$@" timeout --kill-after=5 "$(left)" node "${DRIVER_ARGS[@]}") | tee "$WORK/driver.out"
    set -e
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/driver.out" | tail -n 1)
    if [ -n "$line" ]; then
        PASSED=$((PASSED + ${line%% passed*}))
        local f=${line#*passed, }
        FAILED=$((FAILED + ${f%% failed}))
    else
        line="no result line (driver crashed or timed out)"
        FAILED=$((FAILED + 1))
    fi
    SUMMARY+=("$label: $line")
}

COMMON_ENV=(env AUTH_URL="$AUTH_URL" APP_ID="$APP_ID" APP_KEY="$APP_KEY" APP_SECRET="$APP_SECRET"
    ENCRYPTION_MASTER_KEY="$MASTER_KEY" WEBHOOK_EVENTS_URL="$AUTH_URL/pusher/webhook/events"
    PUSHER_CLI="$PUSHER_CLI" E2E_TIMEOUT_MS="${E2E_TIMEOUT_MS:-10000}")

# ---- 3. the auth server ---------------------------------------------------------------
say "starting examples/$AUTH_EXAMPLE on $AUTH_URL"
# The test app's credentials with the demo policy (which trusts X-User-Id): the example
# servers refuse that pair unless CHANNEL_AUTH_DEMO_POLICY=1 asks for it.
PORT="$AUTH_PORT" PUSHER_APP_ID="$APP_ID" PUSHER_APP_KEY="$APP_KEY" PUSHER_APP_SECRET="$APP_SECRET" \
    PUSHER_ENCRYPTION_MASTER_KEY_BASE64="$MASTER_KEY" AUTH_SERVER_EXPOSE_WEBHOOKS=1 CHANNEL_AUTH_DEMO_POLICY=1 \
    "$AUTH_SERVER" >"$WORK/auth_server.log" 2>&1 &
PIDS+=($!)
AUTH_PID=$!
wait_http "$AUTH_URL/pusher/auth" auth_server "$AUTH_PID"

# ---- 4. soketi (from an empty directory: it would load a .env) ------------------------
if [[ " $SERVERS " == *" soketi "* ]]; then
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
    wait_http "http://127.0.0.1:$SOKETI_PORT/" soketi "$SOKETI_PID"
    say "soketi ready after $((SECONDS - START)) s"

    # The trigger URL of run.mjs, signed by our sign_api_request.
    if QUERY=$(PUSHER_APP_KEY="$APP_KEY" PUSHER_APP_SECRET="$APP_SECRET" \
        "$SIGN" api POST "$TRIGGER_PATH" --body "$TRIGGER_BODY" 2>"$WORK/sign.err"); then
        TRIGGER_URL="http://127.0.0.1:$SOKETI_PORT$TRIGGER_PATH?$QUERY"
    else
        # No signed URL: send an unsigned one, so the trigger check fails loudly.
        say "WARNING: 'sign api' failed ($(head -c 300 "$WORK/sign.err" | tr '\n' ' ')); the trigger check will fail"
        TRIGGER_URL="http://127.0.0.1:$SOKETI_PORT$TRIGGER_PATH?auth_signature=unsigned-sign-api-unavailable"
    fi

    DRIVER_ARGS=(run.mjs)
    driver "soketi run.mjs" "${COMMON_ENV[@]}" SOKETI_PORT="$SOKETI_PORT" TRIGGER_URL="$TRIGGER_URL" \
        TRIGGER_BODY="$TRIGGER_BODY" BATCH_AUTH_PATH=/pusher/batch-auth
    DRIVER_ARGS=(sends.mjs)
    driver "soketi sends.mjs" "${COMMON_ENV[@]}" SERVER=soketi WS_PORT="$SOKETI_PORT" \
        API_URL="http://127.0.0.1:$SOKETI_PORT"
    stop "$SOKETI_PID"
fi

# ---- 5. sockudo (from an empty directory: it would load ./config/config.*) ------------
if [[ " $SERVERS " == *" sockudo "* ]]; then
    say "starting sockudo ($("$SOCKUDO" --version)) on 127.0.0.1:$SOCKUDO_PORT"
    mkdir -p "$WORK/sockudo-cwd"
    (
        cd "$WORK/sockudo-cwd"
        # sockudo.json takes these through its ${VAR} placeholders.
        export E2E_SOCKUDO_PORT="$SOCKUDO_PORT" E2E_SOCKUDO_METRICS_PORT="$((SOCKUDO_PORT + 1))"
        export E2E_APP_ID="$APP_ID" E2E_APP_KEY="$APP_KEY" E2E_APP_SECRET="$APP_SECRET"
        export E2E_WEBHOOK_URL="$AUTH_URL/pusher/webhook" LOG_COLORS_ENABLED=false
        # Its environment overrides the file: keep the generic names it reads out of it.
        unset HOST PORT DEBUG REDIS_URL ADAPTER_DRIVER CACHE_DRIVER QUEUE_DRIVER
        exec "$SOCKUDO" --config "$HERE/sockudo.json"
    ) >"$WORK/sockudo.log" 2>&1 &
    PIDS+=($!)
    SOCKUDO_PID=$!
    wait_http "http://127.0.0.1:$SOCKUDO_PORT/up/$APP_ID" sockudo "$SOCKUDO_PID"
    # A config file it cannot read is logged and replaced by the defaults: refuse that.
    grep -q "new app registered" "$WORK/sockudo.log" || die "sockudo did not register the test app (see sockudo.log)"
    say "sockudo ready after $((SECONDS - START)) s"

    DRIVER_ARGS=(sends.mjs)
    driver "sockudo sends.mjs" "${COMMON_ENV[@]}" SERVER=sockudo WS_PORT="$SOCKUDO_PORT" \
        API_URL="http://127.0.0.1:$SOCKUDO_PORT"
    stop "$SOCKUDO_PID"
fi

say "finished in $((SECONDS - START)) s after the builds"
[ "$FAILED" -eq 0 ] || show_logs
for line in "${SUMMARY[@]}"; do
    say "$line"
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
