#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, conformance vectors, corpus,
# CLI and LSP end-to-end) and the editor integrations when they exist.
# Installs what the editor tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace

for editor_test in editors/*/test.sh; do
  [ -e "$editor_test" ] || continue
  echo "== $editor_test"
  bash "$editor_test"
done
