#!/usr/bin/env bash
# End-to-end test of the Faye security guide's method: a real Faye server (npm `faye`)
# running the guide's server extension in Node, Node Faye clients with the guide's client
# extension, tokens from examples/auth_server.rs (POST /faye/token), and our
# strip_faye_credentials rule mirrored in Node and compared with examples/faye_strip, and
# our verify_faye_message (examples/faye_verify) asked about every subscribe message the
# Faye server saw, its verdicts compared with the server's, and about every publication
# it saw (a page publishing with its subscribe token included), each of which it must
# refuse: tokens grant subscriptions only.
#
#   bash tests/faye/run.sh
#
# Steps: npm ci (when node_modules is missing or older than the lockfile), cargo build of
# the two examples, the auth server on 127.0.0.1, then `node run.mjs` (which runs the
# Faye server itself). The part after the builds is bounded by FAYE_E2E_BUDGET_S
# (default 90 s). Every process started here is stopped on exit, by pid.
# Ports: FAYE_E2E_AUTH_PORT (7500) and FAYE_E2E_FAYE_PORT (7501); each must be free.
# The last line of the driver is `N passed, N failed`; the exit status is non-zero on
# any failure.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

AUTH_PORT=${FAYE_E2E_AUTH_PORT:-7500}
FAYE_PORT=${FAYE_E2E_FAYE_PORT:-7501}
BUDGET_S=${FAYE_E2E_BUDGET_S:-90}
# A test-only token secret, known to the auth server and the Faye server.
FAYE_SECRET='faye e2e secret, test only'
AUTH_URL="http://127.0.0.1:$AUTH_PORT"

say() { printf '==> faye e2e: %s\n' "$*"; }
die() { printf '==> faye e2e: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/channel-auth-faye-e2e.XXXXXX")
PIDS=()

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
    if [ "$status" -ne 0 ] && [ -s "$WORK/auth_server.log" ]; then
        echo "---- last lines of auth_server.log ----"
        tail -n 40 "$WORK/auth_server.log"
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
STAMP="$HERE/node_modules/.faye-e2e-lock.sha256"
LOCK_SUM=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$HERE/node_modules" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
    say "npm ci"
    (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    echo "$LOCK_SUM" >"$STAMP"
fi

# ---- 2. Our binaries ------------------------------------------------------------------
say "cargo build --example auth_server --features axum; cargo build --example faye_strip --example faye_verify"
(cd "$ROOT" && timeout 900 cargo build --quiet --example auth_server --features axum) || die "building auth_server failed"
(cd "$ROOT" && timeout 900 cargo build --quiet --example faye_strip --example faye_verify) \
    || die "building faye_strip and faye_verify failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')

START=$SECONDS
left() { echo $((BUDGET_S - (SECONDS - START))); }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$AUTH_PORT" "$FAYE_PORT"; do
    port_free "$port" || die "port $port on 127.0.0.1 is in use; set FAYE_E2E_*_PORT"
done

# ---- 3. our stripped JSON for the fixed messages -------------------------------------
timeout 20 "$TARGET_DIR/debug/examples/faye_strip" <"$HERE/messages.jsonl" >"$WORK/stripped.txt" \
    || die "faye_strip failed"

# ---- 4. the auth server (the public demo Pusher app; a test-only Faye secret) ---------
say "starting examples/auth_server on $AUTH_URL"
PORT="$AUTH_PORT" FAYE_SECRET="$FAYE_SECRET" "$TARGET_DIR/debug/examples/auth_server" >"$WORK/auth_server.log" 2>&1 &
PIDS+=($!)
AUTH_PID=$!
limit=$((SECONDS + 20))
until curl -s -o /dev/null --max-time 1 "$AUTH_URL/faye/token"; do
    kill -0 "$AUTH_PID" 2>/dev/null || die "auth_server exited during start-up"
    [ "$SECONDS" -lt "$limit" ] || die "auth_server not ready within 20 s"
    sleep 0.1
done

# ---- 5. the driver: Faye server, clients, checks --------------------------------------
[ "$(left)" -gt 10 ] || die "no time left for the driver"
say "node run.mjs ($(left) s left)"
set +e
(
    cd "$HERE"
    AUTH_URL="$AUTH_URL" FAYE_PORT="$FAYE_PORT" FAYE_SECRET="$FAYE_SECRET" STRIPPED_FILE="$WORK/stripped.txt" \
        FAYE_VERIFY="$TARGET_DIR/debug/examples/faye_verify" \
        timeout --kill-after=5 "$(left)" node run.mjs
)
STATUS=$?
set -e
echo "---- auth_server.log (faye lines) ----"
grep 'faye' "$WORK/auth_server.log" || true
say "finished in $((SECONDS - START)) s after the builds (driver exit $STATUS)"
exit "$STATUS"
