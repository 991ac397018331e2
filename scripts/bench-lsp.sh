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
#
# BENCH_GITOPS=1 also measures what the GitOps layer (kustomize overlays) costs per edit, gitops-ls
# only, in a second table. Under scripts/.bench-cache/gitops/ it writes scenario A, a copy of
# deployment-220.yaml alone as a/deployment.yaml, and for each N in GITOPS_OVERLAYS ["10 100"]
# scenario B<N>: the same copy as bN/deployment.yaml, bN/kustomization.yaml (resources:
# [deployment.yaml]) and N overlays bN/overlays/envK/kustomization.yaml (resources: [../..], an
# images: entry on the file's first image, newTag: latest for even K, 1.K.0 for odd K; the client's
# edit appends "-e" to that image's tag, so the overlays match both ways and some change the default
# pull policy either way). The client's workspace folder is the file's folder, so the server indexes
# the overlays. GITOPS_LAYER_RUNS [5] runs per scenario (interleaved A, B10, B100, A, ...), each with
# GITOPS_LAYER_EDITS [20] edits and GITOPS_HOVERS hovers, with GITOPS_LS_TIMING=1 (server-side
# analysis time per version, on stderr) and --trace (to count overlay-changes-policy diagnostics in
# the publishes, the evidence the layer ran). Ratios are B / A from the same run. The same rounds
# (GITOPS_EDITS edits) compare all-workloads.yaml copied alone into a folder as .txt (analysed the
# same, languageId yaml, but the index skips it) and as .yaml (the background index reads it, as in
# the big-file row of the first table): ratio .yaml / .txt is what the index build costs there.
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
BENCH_GITOPS=${BENCH_GITOPS:-0}
GITOPS_OVERLAYS=${GITOPS_OVERLAYS:-"10 100"}
GITOPS_LAYER_RUNS=${GITOPS_LAYER_RUNS:-5}
GITOPS_LAYER_EDITS=${GITOPS_LAYER_EDITS:-20}

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
# run_env (VAR=value words for the client and server) and run_args (more client options) are empty
# except for the BENCH_GITOPS scenarios.
run_env=()
run_args=()
run() {  # run SERVER FILEKEY N FILE TIMEOUT_S EDITS HOVERS SETTINGS -- CMD...
  local server=$1 key=$2 n=$3 file=$4 tmo=$5 edits=$6 hovers=$7 settings=$8
  shift 9
  local out="$results/$server.$key.$n.json" rc=0
  say "$server $key run $n ($edits edits, $hovers hovers)"
  timeout --kill-after=10 $((tmo * (edits + 3) + 60)) env "${run_env[@]}" \
    python3 "$client" "$file" --settings "$settings" --settle 0.5 --edits "$edits" --hovers "$hovers" \
      --diag-timeout "$tmo" --label "$server" --stderr-log "$results/$server.$key.$n.stderr" \
      "${run_args[@]}" -- "$@" >"$out" 2>>"$results/client.log" || rc=$?
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
# ---- 3b. BENCH_GITOPS=1: the GitOps layer's cost, scenario A against B<N> ----
if [ "$BENCH_GITOPS" = 1 ]; then
  gitops_dir="$cache/gitops"
  src=$(realpath "${files[0]}")
  # The client hovers on, and edits, the first `image:` line (it appends "-e" to it): the overlays
  # rewrite that image, by name, so they match before and after the edit.
  ref=$(sed -n -E 's/^[[:space:]]*-?[[:space:]]*image[[:space:]]*:[[:space:]]*//p' "$src" | head -1 | tr -d "\"'")
  case "$ref" in *@*) say "the first image of $src has a digest: the client's edit would break it"; exit 1 ;; esac
  image_name=$ref
  case "${ref##*/}" in *:*) image_name=${ref%:*} ;; esac
  [ -n "$image_name" ] || { say "no image: line in $src"; exit 1; }
  kustomization() {  # kustomization FILE RESOURCE [NEWTAG]
    {
      printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- %s\n' "$2"
      [ $# -lt 3 ] || printf 'images:\n- name: %s\n  newTag: "%s"\n' "$image_name" "$3"
    } >"$1"
  }
  rm -rf "$gitops_dir"
  scenarios=(a)
  mkdir -p "$gitops_dir/a"
  cp "$src" "$gitops_dir/a/deployment.yaml"
  for count in $GITOPS_OVERLAYS; do
    dir="$gitops_dir/b$count"
    scenarios+=("b$count")
    mkdir -p "$dir"
    cp "$src" "$dir/deployment.yaml"
    kustomization "$dir/kustomization.yaml" deployment.yaml
    for k in $(seq 1 "$count"); do
      mkdir -p "$dir/overlays/env$k"
      if [ $((k % 2)) = 0 ]; then tag=latest; else tag="1.$k.0"; fi
      kustomization "$dir/overlays/env$k/kustomization.yaml" ../.. "$tag"
    done
  done
  # Control for the big file: the same 2 MB file in a folder of its own, once as .yaml (the
  # server's background index reads it, as with ../shared/corpus/big/) and once as .txt (the
  # client still says languageId yaml, so it is analysed the same, but the index skips it).
  big_src=$(realpath "${files[1]}")
  mkdir -p "$gitops_dir/big-yaml" "$gitops_dir/big-txt"
  cp "$big_src" "$gitops_dir/big-yaml/all-workloads.yaml"
  cp "$big_src" "$gitops_dir/big-txt/all-workloads.txt"
  say "GitOps scenarios in $gitops_dir: ${scenarios[*]} big-txt big-yaml (overlays rewrite $image_name)"
  # key, label, group (the first row of a group is its ratios' baseline), file, edits
  sc_rows=()
  for sc in "${scenarios[@]}"; do
    case "$sc" in a) label="A: file alone" ;; *) label="B${sc#b}: + kustomization, ${sc#b} overlays" ;; esac
    sc_rows+=("gitops-$sc|$label|small|$gitops_dir/$sc/deployment.yaml|$GITOPS_LAYER_EDITS")
  done
  sc_rows+=("gitops-big-txt|big file as .txt (not indexed)|big|$gitops_dir/big-txt/all-workloads.txt|$GITOPS_EDITS")
  sc_rows+=("gitops-big-yaml|big file as .yaml (indexed)|big|$gitops_dir/big-yaml/all-workloads.yaml|$GITOPS_EDITS")
  printf '%s\n' "${sc_rows[@]}" | tr '|' '\t' >"$results/gitops_scenarios.txt"
  run_env=(GITOPS_LS_TIMING=1)
  for n in $(seq 1 "$GITOPS_LAYER_RUNS"); do
    for row in "${sc_rows[@]}"; do
      IFS='|' read -r key label group file edits <<<"$row"
      run_args=(--trace "$results/gitops-ls.$key.$n.trace")
      run gitops-ls "$key" "$n" "$file" 30 "$edits" "$GITOPS_HOVERS" '{}' -- "$gitops_bin" serve
    done
  done
  run_env=()
  run_args=()
fi
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

# ---- BENCH_GITOPS=1: scenario A (file alone) against B<N> (kustomization + N overlays) ----
scenarios = [line.split("\t") for line in read("gitops_scenarios.txt").splitlines() if line.strip()]
scenarios = [row for row in scenarios if len(row) == 5]
if not scenarios:
    sys.exit(0)
LAYER = "overlay-changes-policy"

def trace_facts(path):
    """From one --trace: open → first publish carrying the GitOps layer (an overlay-changes-policy
    diagnostic), and how many of the publishes after the first edit carry it. The client cuts
    bodies at 2,000 characters: a cut body without it counts as unknown (edit_pubs_cut)."""
    facts = {"layer_open_ms": None, "edit_pubs": 0, "edit_pubs_layer": 0, "edit_pubs_cut": 0,
             "edits_sent": 0}
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return facts
    t_open, edited = None, False
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) < 3:
            continue
        way, t, body = parts[0], float(parts[1]), parts[2]
        if way == "C->S" and '"textDocument/didOpen"' in body:
            t_open = t
        elif way == "C->S" and '"textDocument/didChange"' in body:
            edited = True
            facts["edits_sent"] += 1
        elif way == "S->C" and '"textDocument/publishDiagnostics"' in body:
            has = ('"%s"' % LAYER) in body
            if has and facts["layer_open_ms"] is None and t_open is not None and not edited:
                facts["layer_open_ms"] = (t - t_open) * 1000
            if edited:
                facts["edit_pubs"] += 1
                facts["edit_pubs_layer"] += has
                facts["edit_pubs_cut"] += (not has) and len(body) >= 2000
    return facts

def server_facts(path):
    """From GITOPS_LS_TIMING=1 stderr: the server's analysis time (document + GitOps layer) of each
    edit's version (v2 and later), and the index build line."""
    facts = {"edit_analysis": [], "index": None}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return facts
    for m in re.finditer(r" v(\d+): analysed in ([\d.]+) ms", text):
        if int(m.group(1)) >= 2:
            facts["edit_analysis"].append(float(m.group(2)))
    m = re.search(r"indexed (\d+) files for kustomize and Helm in (\d+) ms", text)
    if m:
        facts["index"] = (int(m.group(1)), int(m.group(2)))
    return facts

gm = {}
for key, label, group, path, _ in scenarios:
    runs = load("gitops-ls", key)
    m = metrics(runs)
    stems = [p[:-len(".json")] for p in sorted(glob.glob(os.path.join(results, "gitops-ls.%s.*.json" % key)))]
    tr = [trace_facts(p + ".trace") for p in stems]
    sv = [server_facts(p + ".stderr") for p in stems]
    m["layer_open"] = med([t["layer_open_ms"] for t in tr])
    m["server_edit"] = med([med(s["edit_analysis"]) for s in sv])
    for k in ["edit_pubs", "edit_pubs_layer", "edit_pubs_cut", "edits_sent"]:
        m[k] = sum(t[k] for t in tr)
    m["index"] = [s["index"] for s in sv if s["index"]]
    m["why"] = failure(runs)
    m["settled_layer"] = sum(1 for r in runs if any(
        k.get("code") == LAYER for k in r.get("diag_kinds", [])))
    m["nruns"] = len(runs)
    m["label"], m["group"] = label, group
    gm[key] = m

cols = [("open", "open → first diagnostics"), ("layer_open", "open → diagnostics with the GitOps layer"),
        ("edit", "edit → diagnostics"), ("server_edit", "server analysis per edit (GITOPS_LS_TIMING)"),
        ("hover", "hover"), ("rss", "peak RSS")]
def cell(m, c):
    v = m[c]
    if v is None:
        return "–" if c == "layer_open" else (m["why"] or "n/a")
    return "%.1f MiB" % (v / 1024) if c == "rss" else fmt_ms(v)

print()
print("GitOps layer (BENCH_GITOPS=1, gitops-ls only, each row interleaved with the others): %s alone (A)"
      " and with a kustomization and N overlays rewriting its image (B<N>); %s copied alone into a"
      " folder as .txt (the index skips it) and as .yaml (the index reads it)."
      % (os.path.basename(files[0]), os.path.basename(files[1])))
print()
print("| scenario | " + " | ".join(c[1] for c in cols) + " | overlay-changes-policy in publishes |")
print("| --- |" + " --- |" * (len(cols) + 1))
groups = []
for key, _, group, _, _ in scenarios:
    if group not in groups:
        groups.append(group)
for group in groups:
    keys = [key for key, _, g, _, _ in scenarios if g == group]
    for key in keys:
        m = gm[key]
        ev = "after open (settled): %d of %d runs; after edits: %d of %d publishes (%d edits%s)" % (
            m["settled_layer"], m["nruns"], m["edit_pubs_layer"], m["edit_pubs"], m["edits_sent"],
            ", %d cut short in the trace" % m["edit_pubs_cut"] if m["edit_pubs_cut"] else "")
        print("| %s | %s | %s |" % (m["label"], " | ".join(cell(m, c) for c, _ in cols), ev))
    base = gm[keys[0]]
    for key in keys[1:]:
        m = gm[key]
        ratios = []
        for c, _ in cols:
            a, b = base[c], m[c]
            ratios.append("%.2f×" % (b / a) if a and b is not None and c != "layer_open" else "–")
        print("| ratio %s / %s | %s | |" % (m["label"].split(":")[0].split(" (")[0],
                                           base["label"].split(":")[0].split(" (")[0], " | ".join(ratios)))
print()
notes = []
for key, _, _, _, _ in scenarios:
    m = gm[key]
    if m["index"]:
        ms = sorted(i[1] for i in m["index"])
        idx = "%s files in %s ms" % ("/".join(sorted(set(str(i[0]) for i in m["index"]))),
                                     "%d" % ms[0] if ms[0] == ms[-1] else "%d–%d" % (ms[0], ms[-1]))
    else:
        idx = "no index line"
    notes.append("%s: %d run(s), %d edits, %d hovers (%d non-empty), %s diagnostics settled, index: %s%s" % (
        m["label"].split(":")[0], m["runs"], m["edits"], m["hovers"], m["hover_nonnull"],
        "%g" % m["diags"] if m["diags"] is not None else "no", idx,
        ", %d edit(s) got no diagnostics" % m["edit_errors"] if m["edit_errors"] else ""))
print("Same medians as above. Server analysis: median over runs of each run's median over the edit"
      " versions (v2 and later) of the document's analysis plus its GitOps layer, from GITOPS_LS_TIMING=1"
      " stderr. Open → diagnostics with the GitOps layer: the first publish carrying an"
      " overlay-changes-policy diagnostic (after the background index build). Index: the server's"
      " \"indexed N files\" line. " + "; ".join(notes) + ".")
EOF
say "raw results in $results; total $(($(date +%s) - t_start)) s"
