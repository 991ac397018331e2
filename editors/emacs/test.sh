#!/usr/bin/env bash
# Headless test of the Emacs eglot setup of editors/README.md in Debian's Emacs
# (emacs-nox, elpa-eglot, elpa-yaml-mode; installed with apt-get when missing) with the
# real gitops-ls server. Nothing is written to $HOME.
#
#   editors/emacs/test.sh
#   GITOPS_LS_SERVER=/path/to/gitops-ls editors/emacs/test.sh
#
# The last line is `N passed, M failed`; the exit status is non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
artifacts="$here/test-artifacts"
mkdir -p "$cache" "$artifacts"
start=$(date +%s)

editor=emacs
# shellcheck source=../test-lib.sh
source "$here/../test-lib.sh"
find_server
# The README's setup runs `gitops-ls` from PATH, as a user's would.
mkdir -p "$cache/bin"
ln -sf "$server" "$cache/bin/gitops-ls"

# --- Emacs, eglot and yaml-mode from Debian ---
packages_missing() {
  ! command -v emacs >/dev/null ||
    ! emacs --batch -q --eval "(progn (require 'eglot) (require 'yaml-mode))" >/dev/null 2>&1
}
if packages_missing; then
  step "apt-get install emacs-nox elpa-eglot elpa-yaml-mode"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q emacs-nox elpa-eglot elpa-yaml-mode >/dev/null 2>&1; then
    (apt-get update -q && apt-get install -y -q emacs-nox elpa-eglot elpa-yaml-mode) ||
      abort "apt-get install emacs-nox elpa-eglot elpa-yaml-mode"
  fi
  packages_missing && abort "eglot or yaml-mode does not load after the install"
fi
emacs --version | head -1

export HOME="$cache/home"
mkdir -p "$HOME"

# --- The project: eglot roots the server at the project (here its git repository), and
# the GitOps findings need that root to see the base next to the overlay.
project="$cache/project"
rm -rf "$project" "$artifacts"/*.log "$artifacts"/*.txt "$artifacts"/*.yaml
mkdir -p "$project"
cp -R "$repo/editors/neovim/test/fixtures/." "$project/"
git -C "$project" init -q || abort "git init of the test project"

log="$artifacts/emacs-eglot.log"
step "emacs --batch -q -l test/run.el"
PATH="$cache/bin:$PATH" GITOPS_LS_PROJECT="$project" GITOPS_LS_ARTIFACTS="$artifacts" \
  timeout 180 emacs --batch -q -l "$here/test/run.el" >"$log" 2>&1 </dev/null
status=$?
cat "$log"
add_tally emacs-eglot "$log" "$status"
summary
