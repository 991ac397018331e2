# Shared by editors/*/test.sh (sourced, not run): the test tally and the
# server under test. Expects `editor`, `repo` and `start` to be set.

passed=0
failed=0
failures=()
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "not ok - $1"; }
step() { echo "== [$editor $(($(date +%s) - start))s] $*"; }
# Prints the failures and the closing `N passed, M failed` line, then exits.
summary() {
  echo
  for name in "${failures[@]+"${failures[@]}"}"; do echo "FAILED: $name"; done
  echo "$editor: took $(($(date +%s) - start))s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}
abort() { fail "$1"; summary; }

# Adds the `name: N passed, M failed` line that a test run by the editor itself printed
# to its log file ($2) to the totals; $3 is that run's exit status.
add_tally() {
  local name="$1" log="$2" status="$3" line p f
  line=$(grep -E "^[a-z0-9.-]+: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -1)
  if [ -z "$line" ]; then
    fail "$name did not finish (exit $status)"
    return
  fi
  p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -gt 0 ]; then failures+=("$name: $f failed (see ${log#"$repo"/})"); fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then fail "$name exited $status"; fi
}

# The server: GITOPS_LS_SERVER, else the newer of the release and debug
# builds in the cargo target folder, else a fresh release build. Run it
# before HOME moves: cargo and rustup live in the real home.
find_server() {
  local target="${CARGO_TARGET_DIR:-$repo/target}" candidate
  server="${GITOPS_LS_SERVER:-}"
  if [ -z "$server" ]; then
    for candidate in "$target/release/gitops-ls" "$target/debug/gitops-ls"; do
      if [ -x "$candidate" ] && { [ -z "$server" ] || [ "$candidate" -nt "$server" ]; }; then
        server="$candidate"
      fi
    done
  fi
  if [ -z "$server" ]; then
    step "building the server (cargo build --release -p gitops-ls -j 1)"
    (cd "$repo" && cargo build --release -p gitops-ls -j 1) || abort "cargo build of the server"
    server="$target/release/gitops-ls"
  fi
  echo "server: $server"
}
