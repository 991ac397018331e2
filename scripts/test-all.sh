#!/usr/bin/env bash
# Runs every test of the project: formatting, clippy, Rust (unit, conformance
# vectors, corpus, fuzz regressions, CLI and LSP end-to-end) and the editor
# integrations (editors/*/test.sh, which install what they need inside the
# clone when it is missing).
#
# Every group runs even when an earlier one fails. The last line counts every
# test of every group: `all: N passed, M failed`; the exit status is 1 when M > 0.
# A group that fails without saying how many of its tests failed (a build
# error, a crash, its watchdog) counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# Only a guard against a hung group, never a time limit on the tests: the whole
# run takes a few minutes on a quiet 2-core machine.
group_watchdog=${GITOPS_LS_GROUP_WATCHDOG:-45m}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
summary=()

# Prints `passed failed` for a log: cargo's `test result: … N passed; M failed`
# lines and the other runners' `N passed, M failed` lines.
count_tests() {
  awk '
    /^test result: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
    /^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
    END { printf "%d %d\n", p, f }
  ' "$1"
}

# run_group NAME COMMAND...: runs one group and adds its counts to the total.
# A group that reports no counts is one check: passed when it exits 0.
run_group() {
  local name=$1
  shift
  local log="$work/group-${#summary[@]}.log"
  echo "== $name"
  local started=$SECONDS
  timeout --kill-after=30s "$group_watchdog" "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local group_passed group_failed
  read -r group_passed group_failed < <(count_tests "$log")
  if [ "$group_passed" -eq 0 ] && [ "$group_failed" -eq 0 ]; then
    if [ "$status" -eq 0 ]; then group_passed=1; else group_failed=1; fi
  elif [ "$status" -ne 0 ] && [ "$group_failed" -eq 0 ]; then
    group_failed=1
  fi
  local note=""
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    note=" (still running after $group_watchdog: stopped)"
  elif [ "$status" -ne 0 ]; then
    note=" (exit status $status)"
  fi
  summary+=("$name: $group_passed passed, $group_failed failed$note, $((SECONDS - started)) s")
  passed=$((passed + group_passed))
  failed=$((failed + group_failed))
}

run_group "cargo fmt --check" cargo fmt --all --check
run_group "cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
# A snapshot that is missing or differs fails its test and is never written: insta writes
# `.snap.new` files when it does not detect CI (INSTA_UPDATE=auto), accepts everything with
# INSTA_UPDATE=always, and passes every test with INSTA_FORCE_PASS, whatever the caller's
# environment says.
run_group "cargo test" env -u INSTA_FORCE_PASS INSTA_UPDATE=no cargo test --workspace --no-fail-fast

for group_script in editors/*/test.sh tests/*/test.sh; do
  [ -e "$group_script" ] || continue
  run_group "$group_script" bash "$group_script"
done

echo "== summary"
printf '%s\n' "${summary[@]}"
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
