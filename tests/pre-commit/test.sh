#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with the real pre-commit (PyPI, installed into
# tests/pre-commit/.cache/venv when missing): a scratch repository uses this clone's
# hooks, as a user's .pre-commit-config.yaml would, and commits good and bad manifests.
# Nothing is written to $HOME (PRE_COMMIT_HOME is inside .cache/).
#
#   tests/pre-commit/test.sh
#
# The hooks come from a snapshot of this clone's working tree (tracked and untracked files
# that git does not ignore), committed in .cache/hook-repo, so uncommitted changes are
# tested too. The `gitops-ls` hook builds the release binary in pre-commit's clone of it;
# the build keeps its intermediate files in this clone's cargo target folder (cargo's
# build-dir), so that only the workspace crates are compiled again.
#
# The last line is `N passed, M failed`; the exit status is non-zero on failure.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$here/.cache"
pre_commit_version=4.7.0
mkdir -p "$cache"
start=$(date +%s)

editor=pre-commit
# shellcheck source=../../editors/test-lib.sh
source "$repo/editors/test-lib.sh"

# --- pre-commit from PyPI, inside the clone ---
venv="$cache/venv"
if ! "$venv/bin/pre-commit" --version 2>/dev/null | grep -qx "pre-commit $pre_commit_version"; then
  step "pip install pre-commit==$pre_commit_version into ${venv#"$repo"/}"
  rm -rf "$venv"
  { python3 -m venv "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$pre_commit_version"; } ||
    abort "pip install pre-commit==$pre_commit_version"
fi
"$venv/bin/pre-commit" --version
export PATH="$venv/bin:$PATH"
export PRE_COMMIT_HOME="$cache/pre-commit-home" PIP_DISABLE_PIP_VERSION_CHECK=1
export CARGO_BUILD_BUILD_DIR
CARGO_BUILD_BUILD_DIR=$(cd "$repo" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') ||
  abort "cargo metadata"
# The hook's binary lands in pre-commit's clone, as for a user without a target-dir of their
# own; the test finds it there (a CARGO_TARGET_DIR of whoever runs the tests would move it).
unset CARGO_TARGET_DIR

# Commits in the scratch repositories, whoever runs the test.
export GIT_AUTHOR_NAME=gitops-ls-test GIT_AUTHOR_EMAIL=test@gitops-ls.invalid
export GIT_COMMITTER_NAME=gitops-ls-test GIT_COMMITTER_EMAIL=test@gitops-ls.invalid
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

# --- The hook repository: a snapshot of this clone ---
hook_repo="$cache/hook-repo"
step "snapshot of the working tree in ${hook_repo#"$repo"/}"
rm -rf "$hook_repo"
mkdir -p "$hook_repo"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [ -e "$file" ] && printf '%s\0' "$file"
done | tar --null -T - -cf -) | tar -xf - -C "$hook_repo" || abort "copy of the working tree"
# A fixed date: the same working tree gives the same commit, whose built hook pre-commit
# keeps, so a second run builds nothing.
(cd "$hook_repo" && git init -q && git add -A &&
  GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z git commit -q -m snapshot) ||
  abort "commit of the snapshot"
rev=$(git -C "$hook_repo" rev-parse HEAD)

# --- A user's repository ---
work="$cache/work"
rm -rf "$work"
mkdir -p "$work"
cd "$work" || abort "cd $work"
git init -q
config() { # hook id, then the YAML lines of its other keys
  local id="$1"
  shift
  {
    printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: %s\n' "$hook_repo" "$rev" "$id"
    for line in "$@"; do printf '        %s\n' "$line"; done
  } >.pre-commit-config.yaml
}
config gitops-ls
git add .pre-commit-config.yaml && git commit -q --no-verify -m "pre-commit config"
if pre-commit install >/dev/null; then pass "pre-commit install"; else abort "pre-commit install"; fi

log="$cache/last-commit.log"
commit() { # message: commits what is staged, through the installed hook; output in $log
  git commit -m "$1" >"$log" 2>&1
}
show() { sed 's/^/    /' "$log"; }

mkdir -p base overlays/dev
cat >base/deployment.yaml <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          imagePullPolicy: IfNotPresent
EOF
printf 'resources: [deployment.yaml]\n' >base/kustomization.yaml
git add base
step "commit a clean Deployment (the first run builds the hook's gitops-ls)"
if commit "a clean Deployment" && grep -q '^gitops-ls\.*Passed$' "$log"; then
  pass "a clean manifest commits; the hook passed"
else
  show
  fail "a clean manifest commits; the hook passed"
fi

step "commit a Deployment the API server rejects"
sed -i 's/imagePullPolicy: IfNotPresent/imagePullPolicy: always/' base/deployment.yaml
git add base/deployment.yaml
head_before=$(git rev-parse HEAD)
if commit "a broken policy"; then
  show
  fail "imagePullPolicy: always blocks the commit"
elif grep -q '^gitops-ls\.*Failed$' "$log" &&
  grep -q 'base/deployment.yaml:11:28: error\[invalid-pull-policy\]' "$log" &&
  [ "$(git rev-parse HEAD)" = "$head_before" ]; then
  pass "imagePullPolicy: always blocks the commit with the finding and its position"
else
  show
  fail "imagePullPolicy: always blocks the commit with the finding and its position"
fi
git checkout -q HEAD -- base/deployment.yaml

step "a commit without YAML skips the hook"
echo "notes" >README.md
git add README.md
if commit "no YAML" && grep -q '^gitops-ls\.*(no files to check)Skipped$' "$log"; then
  pass "a commit without YAML files skips the hook"
else
  show
  fail "a commit without YAML files skips the hook"
fi

step "an extensionless Kustomization, with --fail-on warning in the user's args"
config gitops-ls "args: [check, --fail-on, warning]"
git add .pre-commit-config.yaml && git commit -q --no-verify -m "fail on warnings"
printf 'resources: [../../base]\nimages:\n  - name: nginx\n    digest: sha256:abc\n' >overlays/dev/Kustomization
git add overlays/dev/Kustomization
if commit "a broken digest"; then
  show
  fail "a Kustomization file is checked: kustomize-image-entry on the digest"
elif grep -q 'overlays/dev/Kustomization:4:13: warning\[kustomize-image-entry\]' "$log"; then
  pass "a Kustomization file is checked: kustomize-image-entry on the digest"
else
  show
  fail "a Kustomization file is checked: kustomize-image-entry on the digest"
fi
git rm -q --cached overlays/dev/Kustomization && rm overlays/dev/Kustomization

step "gitops-ls-system: the gitops-ls on PATH"
config gitops-ls-system
git add .pre-commit-config.yaml && git commit -q --no-verify -m "the installed gitops-ls"
sed -i -e 's/image: nginx:1.27.3/image: nginx:latest/' base/deployment.yaml
git add base/deployment.yaml
if ! commit "latest, without gitops-ls on PATH" && grep -q 'Executable `gitops-ls` not found' "$log"; then
  pass "gitops-ls-system without gitops-ls on PATH: pre-commit says so"
else
  show
  fail "gitops-ls-system without gitops-ls on PATH: pre-commit says so"
fi
# The binary the gitops-ls hook built in pre-commit's clone stands for an installed one.
hook_binary=$(find "$PRE_COMMIT_HOME" -path '*/target/release/gitops-ls' -type f | head -n 1)
mkdir -p "$cache/bin"
[ -n "$hook_binary" ] && ln -sf "$hook_binary" "$cache/bin/gitops-ls"
if PATH="$cache/bin:$PATH" commit "latest with IfNotPresent: warnings only" && grep -q '^gitops-ls\.*Passed$' "$log"; then
  pass "gitops-ls-system: warnings (if-not-present-latest) do not block with the default --fail-on error"
else
  show
  fail "gitops-ls-system: warnings (if-not-present-latest) do not block with the default --fail-on error"
fi
sed -i -e 's/image: nginx:latest/image: ghcr.io\/Acme\/web:1.0/' base/deployment.yaml
git add base/deployment.yaml
if ! PATH="$cache/bin:$PATH" commit "an uppercase repository" &&
  grep -q 'base/deployment.yaml:10:18: error\[invalid-image\]' "$log"; then
  pass "gitops-ls-system: an invalid image blocks the commit with the finding"
else
  show
  fail "gitops-ls-system: an invalid image blocks the commit with the finding"
fi
summary
