#!/usr/bin/env bash
# LSP benchmark: gitops-ls and the peer yaml-language-server 1.25, measured in the same run
# with the shared stdio client ../shared/tools/lsp_bench.py (issue 3, "Speed").
#
#   bash scripts/bench-lsp.sh            # prints one markdown table on stdout
#
# What it does:
#   1. cargo build --release -p gitops-ls -j 1 (a no-op when up to date; BENCH_SKIP_BUILD=1 skips it).
#   2. Installs, into scripts/.bench-cache/ (gitignored) and only when missing:
#      yaml-language-server@1.25 (npm --prefix) and kubernetes-validate (pip --target, for its
#      Kubernetes JSON schemas). From the newest `vX.Y.Z-local-strict` schema folder it writes one
#      self-contained schema (all.json's oneOf plus _definitions.json's $defs, refs made local), so
#      the peer validates offline; yaml.schemaStore is disabled so it never touches the network.
#   3. For ../shared/corpus/bench/deployment-220.yaml and ../shared/corpus/big/all-workloads.yaml,
#      runs the client against each server several times (each run: spawn, open, hovers on
#      `image:` lines, edits that each wait for the next publishDiagnostics, shutdown).
#   4. Prints a table (stdout; progress goes to stderr): open→first diagnostics (median over runs), edit→diagnostics and hover
#      (median of the per-run medians), peak RSS (highest VmHWM of the server process tree).
#
# Rounds (environment, defaults in brackets): GITOPS_RUNS [5] runs per file for gitops-ls, each with
# GITOPS_EDITS [10] edits and GITOPS_HOVERS [20] hovers; PEER_RUNS_SMALL [3] runs of the peer on the
# small file (PEER_EDITS_SMALL [5] edits, PEER_HOVERS_SMALL [20] hovers); PEER_RUNS_BIG [1] runs on the
# big file (PEER_EDITS_BIG [2] edits, PEER_HOVERS_BIG [10] hovers; each peer edit there takes ~10-20 s).
# K8S_SCHEMA [local-strict] or local picks the schema flavour. BENCH_NO_PEER=1 measures gitops-ls only.
# Raw JSON from every run stays in scripts/.bench-cache/results/; BENCH_REPORT_ONLY=1 reprints the
# table from them without building, installing or running anything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

cache="$root/scripts/.bench-cache"
results="$cache/results"
client="$root/../shared/tools/lsp_bench.py"
files=(../shared/corpus/bench/deployment-220.yaml ../shared/corpus/big/all-workloads.yaml)
ylsp_version=1.25
kv_version=1.37.0
# Schema flavour from kubernetes-validate: local-strict (additionalProperties: false, like the
# *-standalone-strict/all.json that yaml-language-server's `kubernetes` keyword uses) or local.
K8S_SCHEMA=${K8S_SCHEMA:-local-strict}

GITOPS_RUNS=${GITOPS_RUNS:-5}
GITOPS_EDITS=${GITOPS_EDITS:-10}
GITOPS_HOVERS=${GITOPS_HOVERS:-20}
PEER_RUNS_SMALL=${PEER_RUNS_SMALL:-3}
PEER_EDITS_SMALL=${PEER_EDITS_SMALL:-5}
PEER_HOVERS_SMALL=${PEER_HOVERS_SMALL:-20}
PEER_RUNS_BIG=${PEER_RUNS_BIG:-1}
PEER_EDITS_BIG=${PEER_EDITS_BIG:-2}
PEER_HOVERS_BIG=${PEER_HOVERS_BIG:-10}

say() { echo "[bench-lsp] $*" >&2; }
t_start=$(date +%s)

[ -f "$client" ] || { say "missing $client (../shared beside the repo)"; exit 1; }
for f in "${files[@]}"; do [ -f "$f" ] || { say "missing $f"; exit 1; }; done

report_only=${BENCH_REPORT_ONLY:-0}
peer_problem=""
if [ "$report_only" != 1 ]; then
# ---- 1. gitops-ls release build ----
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
gitops_bin="$target_dir/release/gitops-ls"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  say "cargo build --release -p gitops-ls -j 1"
  cargo build --release -p gitops-ls -j 1 >&2
fi
[ -x "$gitops_bin" ] || { say "no binary at $gitops_bin"; exit 1; }

# ---- 2. peer install (into scripts/.bench-cache only) ----
mkdir -p "$cache"
ylsp_dir="$cache/npm/node_modules/yaml-language-server"
schema="$cache/k8s-schema-$K8S_SCHEMA.json"
if [ "${BENCH_NO_PEER:-0}" = 1 ]; then
  peer_problem="not run (BENCH_NO_PEER=1)"
elif ! command -v node >/dev/null; then
  peer_problem="not run: node not found"
else
  installed=$(node -p "require('$ylsp_dir/package.json').version" 2>/dev/null || true)
  case "$installed" in
    "$ylsp_version".*) ;;
    *)
      say "npm install yaml-language-server@$ylsp_version into $cache/npm"
      npm install --prefix "$cache/npm" --no-audit --no-fund --no-save --loglevel=error \
        "yaml-language-server@$ylsp_version" >&2 || peer_problem="not run: npm install failed"
      ;;
  esac
  if [ -z "$peer_problem" ] && [ ! -d "$cache/py/kubernetes_validate" ]; then
    say "pip install kubernetes-validate==$kv_version into $cache/py"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$cache/py" \
      "kubernetes-validate==$kv_version" >&2 || peer_problem="not run: pip install kubernetes-validate failed"
  fi
  if [ -z "$peer_problem" ] && [ ! -s "$schema" ]; then
    say "writing a self-contained Kubernetes schema to $schema"
    python3 - "$cache/py/kubernetes_validate/kubernetes-json-schema" "$schema" "$K8S_SCHEMA" <<'EOF' >&2 ||
import json, os, re, sys
base, out, flavour = sys.argv[1:4]
def ver(d):
    return tuple(int(x) for x in re.match(r"v(\d+)\.(\d+)\.(\d+)", d).groups())
dirs = sorted((d for d in os.listdir(base) if re.fullmatch(r"v\d+\.\d+\.\d+-" + re.escape(flavour), d)), key=ver)
d = os.path.join(base, dirs[-1])
defs = json.load(open(os.path.join(d, "_definitions.json")))
alls = json.load(open(os.path.join(d, "all.json")))
# all.json refers to "/api/_definitions.json#/$defs/X", which a file:// base cannot resolve:
# put all.json's oneOf and the $defs in one file and make the refs local ("#/$defs/X").
schema = {
    "$schema": defs.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
    "description": "Kubernetes %s (kubernetes-validate %s/all.json, self-contained)" % (dirs[-1], dirs[-1]),
    "oneOf": [{"$ref": "#" + r["$ref"].split("#", 1)[1]} for r in alls["oneOf"]],
    "$defs": defs["$defs"],
}
tmp = out + ".tmp"
json.dump(schema, open(tmp, "w"))
os.replace(tmp, out)
print("schema from %s: %d oneOf entries, %d definitions" % (d, len(schema["oneOf"]), len(schema["$defs"])))
EOF
      peer_problem="not run: could not build the Kubernetes schema"
  fi
  if [ -z "$peer_problem" ] && [ ! -f "$ylsp_dir/bin/yaml-language-server" ]; then
    peer_problem="not run: yaml-language-server not installed"
  fi
fi
peer_settings=$(python3 -c '
import json, sys
print(json.dumps({"yaml": {"schemas": {sys.argv[1]: "*.yaml"}, "validate": True, "hover": True,
                           "completion": True, "format": {"enable": False},
                           "schemaStore": {"enable": False}}}))' "$schema")

# ---- 3. runs ----
rm -rf "$results"
mkdir -p "$results"
run() {  # run SERVER FILEKEY N FILE TIMEOUT_S EDITS HOVERS -- CMD...
  local server=$1 key=$2 n=$3 file=$4 tmo=$5 edits=$6 hovers=$7 settings=$8
  shift 9
  local out="$results/$server.$key.$n.json" rc=0
  say "$server $(basename "$file") run $n ($edits edits, $hovers hovers)"
  timeout --kill-after=10 $((tmo * (edits + 3) + 60)) \
    python3 "$client" "$file" --settings "$settings" --settle 0.5 --edits "$edits" --hovers "$hovers" \
      --diag-timeout "$tmo" --label "$server" --stderr-log "$results/$server.$key.$n.stderr" \
      -- "$@" >"$out" 2>>"$results/client.log" || rc=$?
  echo "$rc" >"$results/$server.$key.$n.rc"
  [ "$rc" = 0 ] || say "  exit code $rc (see $out)"
}
for file in "${files[@]}"; do
  key=$(basename "$file" .yaml)
  for n in $(seq 1 "$GITOPS_RUNS"); do
    run gitops-ls "$key" "$n" "$file" 30 "$GITOPS_EDITS" "$GITOPS_HOVERS" '{}' -- "$gitops_bin" serve
  done
  if [ -z "$peer_problem" ]; then
    if [ "$file" = "${files[0]}" ]; then runs=$PEER_RUNS_SMALL edits=$PEER_EDITS_SMALL hovers=$PEER_HOVERS_SMALL tmo=60
    else runs=$PEER_RUNS_BIG edits=$PEER_EDITS_BIG hovers=$PEER_HOVERS_BIG tmo=300; fi
    for n in $(seq 1 "$runs"); do
      run yaml-language-server "$key" "$n" "$file" "$tmo" "$edits" "$hovers" "$peer_settings" -- \
        node "$ylsp_dir/bin/yaml-language-server" --stdio
      # a peer that failed (crash, no diagnostics, timeout) will not do better on the next run
      [ "$(cat "$results/yaml-language-server.$key.$n.rc")" = 0 ] || break
    done
  fi
done
# what the table's footer says about this run
dirty=""
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || dirty=" (uncommitted changes)"
printf '%s\n' "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null)$dirty, \
$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version 2>/dev/null || echo none), \
whole script $(($(date +%s) - t_start)) s" >"$results/meta.txt"
printf '%s\n' "$peer_problem" >"$results/peer_problem.txt"
fi  # report_only

# ---- 4. table ----
[ -d "$results" ] || { say "no results in $results"; exit 1; }
python3 - "$results" "${files[@]}" <<'EOF'
import glob, json, os, re, statistics, sys
results, files = sys.argv[1], sys.argv[2:]
def read(name):
    try:
        return open(os.path.join(results, name)).read().strip()
    except OSError:
        return ""
peer_problem = read("peer_problem.txt")
servers = ["gitops-ls", "yaml-language-server"]

def load(server, key):
    runs = []
    for p in sorted(glob.glob(os.path.join(results, "%s.%s.*.json" % (server, key)))):
        try:
            runs.append(json.load(open(p)))
        except Exception as e:
            rc = read(os.path.basename(p)[:-len(".json")] + ".rc")
            why = {"124": "killed after the time limit", "137": "killed after the time limit"}.get(
                rc, "client exit code %s, no JSON" % (rc or "?"))
            runs.append({"exception": why})
    return runs

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

def fmt_ms(v):
    if v is None:
        return None
    if v < 10:
        return "%.2f ms" % v
    if v < 1000:
        return "%.0f ms" % v
    return "%.1f s" % (v / 1000)

def failure(runs):
    """Why a server gave no number, in a few words."""
    if not runs:
        return "not run"
    for r in runs:
        if r.get("exception"):
            return "failed: " + str(r.get("server_error") or r["exception"])[:80]
        if r.get("open_to_first_diag_ms") is None:
            w = re.search(r"within ([\d.]+)s", str(r.get("error", "")))
            return "no diagnostics" + (" within %g s" % float(w.group(1)) if w else "")
    return None

def metrics(runs):
    ok = [r for r in runs if r.get("open_to_first_diag_ms") is not None]
    m = {
        "open": med([r["open_to_first_diag_ms"] for r in ok]),
        "edit": med([(r.get("change_to_diag") or {}).get("median_ms") for r in ok]),
        "hover": med([(r.get("hover") or {}).get("median_ms") for r in ok]),
        "rss": max([max(r.get("rss_kb_vmhwm") or 0, r.get("rss_kb_peak_sampled") or 0) for r in runs] or [0]) or None,
        "runs": len(ok),
        "edits": sum((r.get("change_to_diag") or {}).get("n", 0) for r in ok),
        "hovers": sum((r.get("hover") or {}).get("n", 0) for r in ok),
        "hover_nonnull": sum(r.get("hover_nonnull", 0) for r in ok),
        "edit_errors": sum(len(r.get("change_errors", [])) for r in ok),
        "diags": med([r.get("diag_count_settled") for r in ok]),
        "kinds": {},
    }
    for r in ok:
        for k in r.get("diag_kinds", []):
            m["kinds"][k.get("source")] = m["kinds"].get(k.get("source"), 0) + k.get("n", 0)
    return m

rows, notes = [], []
names = {"open": "open → first diagnostics", "edit": "edit → diagnostics", "hover": "hover", "rss": "peak RSS"}
for f in files:
    key = os.path.splitext(os.path.basename(f))[0]
    data = {s: load(s, key) for s in servers}
    met = {s: metrics(data[s]) for s in servers}
    why = {s: failure(data[s]) for s in servers}
    if peer_problem:
        why["yaml-language-server"] = peer_problem
    label = "%s (%s lines)" % (os.path.basename(f), sum(1 for _ in open(f, encoding="utf-8")))
    for metric in ["open", "edit", "hover", "rss"]:
        cells = []
        for s in servers:
            v = met[s][metric]
            if v is None:
                cells.append(why[s] or ("no edit got diagnostics" if metric == "edit" else "n/a"))
            else:
                cells.append("%.1f MiB" % (v / 1024) if metric == "rss" else fmt_ms(v))
        g, p = met["gitops-ls"][metric], met["yaml-language-server"][metric]
        if g is None or p is None or g <= 0:
            ratio = "–"
        else:
            r = p / g
            word = ("less memory" if metric == "rss" else "faster") if r >= 1 else ("more memory" if metric == "rss" else "slower")
            r = r if r >= 1 else 1 / r
            ratio = ("%.0f× %s" if r >= 10 else "%.1f× %s") % (r, word)
        rows.append("| %s, %s | %s | %s | %s |" % (names[metric], label, cells[0], cells[1], ratio))
    for s in servers:
        m = met[s]
        if not data[s]:
            continue
        note = "%s on %s: %d run(s), %d edits, %d hovers (%d non-empty), %s diagnostics" % (
            s, os.path.basename(f), m["runs"], m["edits"], m["hovers"], m["hover_nonnull"],
            "%g" % m["diags"] if m["diags"] is not None else "no")
        if m["runs"] < len(data[s]):
            note += ", %d run(s) without numbers (%s)" % (len(data[s]) - m["runs"], failure(data[s]))
        if m["edit_errors"]:
            note += ", %d edit(s) got no diagnostics" % m["edit_errors"]
        if s == "yaml-language-server" and m["runs"] and not any(str(k).startswith("yaml-schema") for k in m["kinds"]):
            note += " — WARNING: none from the Kubernetes schema (schema not applied?)"
        notes.append(note)

print("| metric, file | gitops-ls | yaml-language-server 1.25 | ratio (peer / gitops-ls) |")
print("| --- | --- | --- | --- |")
print("\n".join(rows))
print()
print("Times are medians: open over runs, edit and hover over each run's median; peak RSS is the highest")
print("VmHWM of the server's process tree. Runs: " + "; ".join(notes) + ".")
print("Measured " + (read("meta.txt") or "(no meta.txt)") + ".")
EOF
say "raw results in $results; total $(($(date +%s) - t_start)) s"
