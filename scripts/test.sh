#!/usr/bin/env bash
# Runs every test of the project: `scripts/test.sh`.
# Installs what the tests need (the wasm32 target) on a fresh machine first.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> wasm32 target"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

echo "==> chronicle-model builds for wasm32-unknown-unknown"
cargo build --quiet -p chronicle-model --target wasm32-unknown-unknown

echo "==> cargo test --workspace"
cargo test --workspace
