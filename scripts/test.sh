#!/usr/bin/env bash
# Runs every test of the project: `scripts/test.sh`.
# On a fresh machine it first installs what the tests need: the wasm32 target,
# Debian's Chromium (when run as root) and the web client's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

echo "==> wasm32 target"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

echo "==> Chromium for the web client's end-to-end tests"
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium is missing: install Debian's package with 'sudo apt-get install -y chromium', then rerun." >&2
        exit 1
    fi
fi

echo "==> the Dockerfile's build context (no Docker engine here: simulated)"
scripts/check-dockerfile.sh

echo "==> chronicle-model builds for wasm32-unknown-unknown"
cargo build --quiet -p chronicle-model --target wasm32-unknown-unknown

echo "==> the chronicle binary (used by the end-to-end tests)"
cargo build --quiet -p chronicle-api --bin chronicle

echo "==> cargo test --workspace"
cargo test --workspace

echo "==> web client: install, type-check and build, unit and end-to-end tests"
(
    cd web-client
    npm ci --no-audit --no-fund --loglevel=error
    npm run build
    CHRONICLE_BIN="$target_dir/debug/chronicle" npm test
)
