#!/usr/bin/env bash
# The `gitops-ls` hook of .pre-commit-hooks.yaml. pre-commit runs it from its own clone
# of this repository, in the repository being committed, with the hook's `args` (`check`)
# and the staged files. It builds the release binary in that clone with the dependency
# versions of Cargo.lock (`--locked`; minutes the first time, a freshness check after),
# then runs it on the files.
set -euo pipefail

clone="$(cd "$(dirname "$0")/.." && pwd)"
# Built from the clone's folder so that cargo reads the clone's configuration, not the
# configuration of the repository being committed; the binary's path comes from cargo
# (a target-dir set in the user's cargo configuration moves it).
build_output=$(cd "$clone" && cargo build --release --locked --quiet -p gitops-ls --message-format=json-render-diagnostics)
binary=$(printf '%s\n' "$build_output" | sed -n 's/.*"executable":"\([^"]*\/gitops-ls\(\.exe\)\{0,1\}\)".*/\1/p' | tail -n 1)
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
  echo "gitops-ls pre-commit hook: cargo build did not report the gitops-ls binary" >&2
  exit 2
fi
exec "$binary" "$@"
