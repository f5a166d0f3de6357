#!/usr/bin/env bash
# Release check: the published package holds what a user needs and nothing else, and
# `cargo publish --dry-run` (package, then build the packaged crate alone) passes.
# --allow-dirty: earlier CI steps (fuzz smoke) may leave untracked files in the clone;
# what is packaged is checked here, file by file, instead.
set -euo pipefail
cd "$(dirname "$0")/.."

list=$(cargo package --list --allow-dirty)

# Every packaged file must match one of these; anything else (fuzz corpus, tests,
# benches and their Node/Python peers, node_modules, lockfiles of the harnesses, CI
# scripts) is a failure.
allowed='^(\.cargo_vcs_info\.json|Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|README\.md|CHANGELOG\.md|LICENSE-APACHE|LICENSE-MIT|src/[A-Za-z0-9_/]+\.rs|examples/(api_gateway|auth_server|auth_server_actix|edge_handler|pusher|sign|webhook_receiver|common/demo_policy|common/demo_server)\.rs)$'
unexpected=$(grep -Ev "$allowed" <<<"$list" || true)
if [ -n "$unexpected" ]; then
    echo "package-check: files a user does not need would be published:" >&2
    echo "$unexpected" >&2
    exit 1
fi

# And what the crate needs to build and be read must be there: every tracked source file.
missing=0
for f in README.md CHANGELOG.md LICENSE-APACHE LICENSE-MIT $(git ls-files 'src/*.rs'); do
    if ! grep -qxF "$f" <<<"$list"; then
        echo "package-check: $f is not in the package" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1
echo "package-check: $(wc -l <<<"$list") files, all expected"

cargo publish --dry-run --allow-dirty
