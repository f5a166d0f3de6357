#!/usr/bin/env bash
# Release check: the docs build as docs.rs builds them ([package.metadata.docs.rs]: all
# features, --cfg docsrs, nightly), warning-free, and every cargo feature that gates an
# item is shown on its page ("Available on crate feature X only").
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
RUSTDOCFLAGS="--cfg docsrs -Dwarnings" cargo +nightly doc --no-deps --all-features --target-dir target/docsrs

doc=target/docsrs/doc/channel_auth
status=0
# Features that add behavior and no public item (tracing: events only) have no page.
ITEMLESS_FEATURES=" tracing "
for feature in $(grep -rhoE 'cfg\(feature = "[A-Za-z0-9_-]+"\)' src | sed -E 's/.*"(.*)".*/\1/' | sort -u); do
    if [[ "$ITEMLESS_FEATURES" == *" $feature "* ]]; then
        echo "docsrs: feature $feature adds no public item"
    elif grep -rlq "crate feature <code>$feature</code>" "$doc"; then
        echo "docsrs: feature $feature is shown on its items"
    else
        echo "docsrs: no item shows that it needs feature $feature (is doc_cfg on?)" >&2
        status=1
    fi
done
exit "$status"
