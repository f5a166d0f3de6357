#!/usr/bin/env bash
# Install the two oracles if needed, then check them against the published vectors.
#   bash tests/interop/selfcheck.sh [path/to/published.json]
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/pusher ] || npm ci --no-audit --no-fund >&2
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c 'import pusher' 2>/dev/null || .venv/bin/pip install -q -r requirements.txt >&2
exec python3 selfcheck.py "$@"
