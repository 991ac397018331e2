#!/usr/bin/env bash
# Runs every test of the project: Rust (unit, conformance vectors, corpus,
# CLI and LSP end-to-end) and the editor integrations (editors/*/test.sh,
# which install what they need inside the clone when it is missing).
# Ends with one line counting every test: `all: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test"
cargo test --workspace 2>&1 | tee -a "$log"

for editor_test in editors/*/test.sh; do
  [ -e "$editor_test" ] || continue
  echo "== $editor_test"
  bash "$editor_test" 2>&1 | tee -a "$log"
done

# Sum cargo's `test result: ok. N passed; M failed` lines and the editor
# tests' `N passed, M failed` lines.
awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
  /^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
  END { printf "all: %d passed, %d failed\n", p, f }
' "$log"
