#!/usr/bin/env bash
# Installs the two oracles (npm `pusher` from package-lock.json, PyPI `pusher` from
# requirements.txt) and runs the differential test against them. CI calls this.
#
#   bash tests/interop/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

command -v node >/dev/null || { echo "interop: node (18 or later) is needed" >&2; exit 1; }
if [ ! -d node_modules/pusher ] || [ ! -d node_modules/tweetnacl ] \
    || ! node -e 'process.exit(require("./node_modules/pusher/package.json").version === "5.3.4" ? 0 : 1)'; then
    npm ci --no-audit --no-fund >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("pusher") != "3.3.4")' 2>/dev/null; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt >&2
fi

cd "$here/../.."
CHANNEL_AUTH_INTEROP=1 cargo test --test interop -- --nocapture
CHANNEL_AUTH_INTEROP=1 cargo test --test interop_send -- --nocapture
