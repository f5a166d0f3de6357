#!/usr/bin/env bash
# Times our signing and the official Node and Python libraries' on the same inputs, in
# one session, and prints the ratios. Run by hand, not in CI:
#
#   nice -n 5 bash benches/peers/run.sh
#   REUSE_CRITERION=1 bash benches/peers/run.sh   # ours from the last full `cargo bench`
#
# Installs the pinned peers on first use (npm ci into node_modules/, a venv in .venv/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

if [ ! -d node_modules/pusher ]; then
  echo "installing npm pusher (package-lock.json)" >&2
  npm ci --no-audit --no-fund >&2
fi
if [ ! -x .venv/bin/python ]; then
  echo "installing PyPI pusher (requirements.txt) into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt >&2
fi

# Where criterion writes its results: $CRITERION_HOME, else the criterion folder of
# cargo's target directory (CARGO_TARGET_DIR, or a config, may move it from target/).
criterion_dir="${CRITERION_HOME:-}"
if [ -z "$criterion_dir" ]; then
  target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  criterion_dir="$target_dir/criterion"
fi

if [ "${REUSE_CRITERION:-0}" = 1 ]; then
  echo "== ours: reusing the last criterion results under $criterion_dir" >&2
else
  echo "== ours: criterion, private and presence sign (cargo bench --bench sign)" >&2
  (cd "$root" && cargo bench --bench sign -- '^(private_24B|presence_[0-9]+B)/ours_sign$' >&2)
fi
echo "== node: $(node --version), npm pusher $(node -p 'require("./node_modules/pusher/package.json").version')" >&2
node_json="$(node node_bench.mjs)"
echo "== python: $(.venv/bin/python --version 2>&1), PyPI pusher $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("pusher"))')" >&2
python_json="$(.venv/bin/python py_bench.py)"

NODE_JSON="$node_json" PYTHON_JSON="$python_json" CRITERION="$criterion_dir" python3 - <<'PY'
import glob, json, os

def ours(pattern):
    [path] = glob.glob(os.path.join(os.environ["CRITERION"], pattern, "ours_sign", "new", "estimates.json"))
    return json.load(open(path))["median"]["point_estimate"]

rows = {
    "private_sign": ours("private_24B"),
    "presence_sign": ours("presence_*B"),
}
node = json.loads(os.environ["NODE_JSON"])
python = json.loads(os.environ["PYTHON_JSON"])
print(f"{'path':15} {'ours ns':>9} {'node ns':>9} {'python ns':>10} {'node/ours':>10} {'python/ours':>12}")
for name, ns in rows.items():
    print(f"{name:15} {ns:9.0f} {node[name]:9.0f} {python[name]:10.0f} "
          f"{node[name] / ns:9.1f}x {python[name] / ns:11.1f}x")
print("single thread each; medians (criterion's for ours, of 7 rounds for the peers)")
PY
