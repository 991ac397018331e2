//! End-to-end tests of `gitops-ls check`, `rules` and `explain`, driving the
//! built binary on files written to a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
      - name: api
        image: ghcr.io/acme/api:1.4.2
        imagePullPolicy: always
";

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_gitops-ls")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run gitops-ls")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_findings(dir: &Path, args: &[&str]) -> (Vec<Value>, Output) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    (findings, output)
}

fn rules_of(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn human_report_points_at_the_line_with_a_code_frame() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let output = run(dir.path(), &["check", "."]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("deploy.yaml:13:26: error[invalid-pull-policy] spec.template.spec.containers[1].imagePullPolicy: Unsupported value: \"always\""),
        "{text}"
    );
    assert!(
        text.contains("13 |         imagePullPolicy: always\n   |                          ^^^^^^"),
        "{text}"
    );
    assert!(
        text.contains("deploy.yaml:9:15: warning[implicit-pull-policy]"),
        "{text}"
    );
    assert!(
        text.contains("= fix: Insert `imagePullPolicy: Always` (run with --fix)"),
        "{text}"
    );
    assert!(
        text.contains("Found 1 error, 2 warnings in 1 file(s)"),
        "{text}"
    );
}

#[test]
fn json_report_has_one_based_character_columns() {
    let dir = tempfile::tempdir().unwrap();
    // Non-ASCII text before the finding: columns count characters.
    let text = DEPLOYMENT.replace(
        "name: web\nspec",
        "name: wéb-ü\n  labels: {app: \"😀\"}\nspec",
    );
    write(dir.path(), "deploy.yaml", &text);
    let (findings, output) = json_findings(dir.path(), &["deploy.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let invalid = findings
        .iter()
        .find(|f| f["rule"] == "invalid-pull-policy")
        .unwrap();
    assert_eq!(
        invalid["range"]["start"],
        serde_json::json!({"line": 14, "column": 26})
    );
    assert_eq!(
        invalid["range"]["end"],
        serde_json::json!({"line": 14, "column": 32})
    );
    assert_eq!(invalid["container"], "api");
    assert_eq!(invalid["path"], "deploy.yaml");
    assert_eq!(invalid["severity"], "error");
    let implicit = findings
        .iter()
        .find(|f| f["rule"] == "implicit-pull-policy")
        .unwrap();
    assert_eq!(
        implicit["containerPath"],
        "spec.template.spec.containers[0]"
    );
    assert_eq!(implicit["object"], "Deployment/wéb-ü");
}

#[test]
fn exit_status_follows_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "warn.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n",
    );
    assert_eq!(run(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        run(dir.path(), &["check", "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(dir.path(), &["check", "--fail-on", "none"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(dir.path(), &["check", "missing-folder"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(dir.path(), &["check", "--format", "xml"]).status.code(),
        Some(2)
    );
}

#[test]
fn fix_inserts_policies_keeps_crlf_and_leaves_behaviour_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = DEPLOYMENT.replace('\n', "\r\n");
    let path = write(dir.path(), "deploy.yaml", &crlf);
    let output = run(dir.path(), &["check", "--fix", "."]);
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert!(
        fixed.contains("        image: nginx\r\n        imagePullPolicy: Always\r\n"),
        "{fixed:?}"
    );
    assert!(
        fixed.contains("imagePullPolicy: Always\r\n") && !fixed.contains("always"),
        "{fixed:?}"
    );
    assert!(
        !fixed.replace("\r\n", "").contains('\n'),
        "mixed line endings: {fixed:?}"
    );
    assert!(stdout(&output).contains("Fixed 2 problem(s) in 1 file(s)."));
    // What is left is the latest-tag warning, which has no automatic fix.
    let (findings, _) = json_findings(dir.path(), &[]);
    assert_eq!(rules_of(&findings), vec!["latest-tag"]);
}

#[test]
fn fix_leaves_non_utf8_files_untouched_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    let bytes = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xe9\n".to_vec();
    std::fs::write(&path, &bytes).unwrap();
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not UTF-8"));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn config_sets_severities_and_excludes_and_bad_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "apps/deploy.yaml", DEPLOYMENT);
    write(dir.path(), "vendor/deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        ".gitops-ls.yaml",
        "rules:\n  latest-tag: error\n  implicit-pull-policy: off\nexclude: ['vendor/**']\n",
    );
    let (findings, _) = json_findings(dir.path(), &[]);
    assert_eq!(
        rules_of(&findings),
        vec!["latest-tag", "invalid-pull-policy"]
    );
    assert!(findings
        .iter()
        .all(|f| f["path"].as_str().unwrap().contains("apps")));
    assert_eq!(findings[0]["severity"], "error");

    write(
        dir.path(),
        ".gitops-ls.yaml",
        "rules:\n  latest-tags: error\n",
    );
    let output = run(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".gitops-ls.yaml:2:3: invalid configuration"),
        "{stderr}"
    );
    assert!(stderr.contains("latest-tags"), "{stderr}");
}

#[test]
fn suppression_comments_and_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let text = DEPLOYMENT
        .replace("image: nginx\n", "image: nginx # gitops-ls-ignore: latest-tag\n")
        .replace("metadata:\n  name: web\n", "metadata:\n  name: web\n  annotations:\n    gitops-ls.io/ignore: implicit-pull-policy\n");
    write(dir.path(), "deploy.yaml", &text);
    let (findings, _) = json_findings(dir.path(), &[]);
    assert_eq!(rules_of(&findings), vec!["invalid-pull-policy"]);
}

#[test]
fn non_kubernetes_yaml_and_gitignored_files_are_skipped_quietly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "values.yaml",
        "image:\n  repository: nginx\n  tag: latest\n",
    );
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs: {}\n",
    );
    write(dir.path(), ".gitignore", "build/\n");
    write(dir.path(), "build/deploy.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: Pod\nspec: [\n",
    );
    let (findings, output) = json_findings(dir.path(), &[]);
    assert_eq!(rules_of(&findings), vec!["yaml-syntax"]);
    assert_eq!(findings[0]["path"], "./broken.yaml");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn sarif_report_has_rules_regions_and_fixes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let output = run(dir.path(), &["check", "--format", "sarif", "deploy.yaml"]);
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), gitops_ls_analysis::rules::RULES.len());
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "invalid-pull-policy")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "invalid-pull-policy"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 13);
    assert_eq!(region["startColumn"], 26);
    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "Always");
}

#[test]
fn github_format_writes_workflow_annotations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let output = run(dir.path(), &["check", "--format", "github", "deploy.yaml"]);
    let text = stdout(&output);
    assert!(
        text.contains("::error file=deploy.yaml,line=13,col=26,endLine=13,endColumn=32,title=gitops-ls invalid-pull-policy::"),
        "{text}"
    );
    assert!(
        text.contains("::warning file=deploy.yaml,line=9,col=15"),
        "{text}"
    );
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let listing = stdout(&run(dir.path(), &["rules"]));
    assert_eq!(
        listing.lines().count(),
        gitops_ls_analysis::rules::RULES.len()
    );
    let implicit = listing
        .lines()
        .find(|line| line.starts_with("implicit-pull-policy "))
        .unwrap_or_default();
    assert_eq!(
        implicit.split_whitespace().nth(1),
        Some("warning"),
        "{listing}"
    );
    let explained = run(dir.path(), &["explain", "latest-with-digest"]);
    assert!(stdout(&explained).contains("defaults to Always"));
    assert_eq!(run(dir.path(), &["explain", "nope"]).status.code(), Some(2));
}

#[test]
fn bundled_examples_report_what_the_readme_says() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let (findings, output) = json_findings(&examples, &["."]);
    assert_eq!(output.status.code(), Some(1));
    let rules = rules_of(&findings);
    for rule in [
        "implicit-pull-policy",
        "latest-tag",
        "invalid-pull-policy",
        "invalid-image",
        "if-not-present-latest",
        "never-pull-policy",
        "latest-with-digest",
        "yaml-syntax",
    ] {
        assert!(
            rules.iter().any(|r| r == rule),
            "examples should show {rule}: {rules:?}"
        );
    }
}

/// `base/`: `deployment` and a kustomization listing it (no apiVersion / kind: still a
/// kustomization).
fn write_base(dir: &Path, deployment: &str) {
    write(dir, "base/deployment.yaml", deployment);
    write(
        dir,
        "base/kustomization.yaml",
        "resources: [deployment.yaml]\n",
    );
}

/// A Deployment of `nginx:1.25` with no pull policy, in `base/deployment.yaml`.
const BASE_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

#[test]
fn kustomize_overlays_are_checked_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE_DEPLOYMENT;
    // The base kustomization has no apiVersion / kind: still a kustomization, still linted.
    write_base(dir.path(), base);
    let dev = "resources:\n  - ../../base\nimages:\n  - name: nginx\n    newTag: latest\n  - name: app\n    digest: \"12345\"\n";
    write(dir.path(), "overlays/dev/kustomization.yaml", dev);
    let (findings, output) = json_findings(dir.path(), &["--fail-on", "warning", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let in_dev: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with("overlays/dev/kustomization.yaml")
        })
        .collect();
    let rules: Vec<&str> = in_dev.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(
        rules,
        [
            "overlay-changes-policy",
            "unused-image-entry",
            "kustomize-image-entry"
        ],
        "{findings:#?}"
    );
    assert_eq!(in_dev[0]["range"]["start"]["line"], 5);
    let message = in_dev[0]["message"].as_str().unwrap();
    assert!(
        message.contains("from IfNotPresent to Always") && message.contains("base/deployment.yaml"),
        "{message}"
    );
    // The base container the entry changes is a related location.
    let related = &in_dev[0]["related"][0];
    assert!(related["path"]
        .as_str()
        .unwrap()
        .ends_with("base/deployment.yaml"));
    assert_eq!(related["range"]["start"]["line"], 10);
    assert_eq!(related["range"]["start"]["column"], 16);
    // `app` is in no manifest of the build.
    assert_eq!(in_dev[1]["range"]["start"]["line"], 6);
    assert_eq!(in_dev[2]["range"]["start"]["line"], 7);

    // The base's implicit-pull-policy fix would pin IfNotPresent for the dev build too:
    // offered, but not applied by --fix.
    let implicit = findings
        .iter()
        .find(|f| f["rule"] == "implicit-pull-policy")
        .unwrap();
    let fixes = implicit["fixes"].as_array().unwrap();
    assert!(fixes.iter().all(|fix| fix["safe"] == false), "{fixes:#?}");
    assert!(fixes[0]["title"]
        .as_str()
        .unwrap()
        .contains("overlays/dev deploys nginx:latest, which defaults to Always"));
    run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/deployment.yaml")).unwrap(),
        base
    );

    // The human report prints the related location as a note.
    let human = stdout(&run(dir.path(), &["check", "."]));
    assert!(
        human.contains("= note: ./base/deployment.yaml:10:16: container web relies on the default"),
        "{human}"
    );

    // Off in the configuration: gone.
    write(
        dir.path(),
        ".gitops-ls.yaml",
        "rules:\n  overlay-changes-policy: off\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    assert!(rules_of(&findings)
        .iter()
        .all(|r| r != "overlay-changes-policy"));
}

#[test]
fn an_argocd_path_from_the_repository_root_is_checked_and_keeps_fix_from_the_base() {
    let dir = tempfile::tempdir().unwrap();
    write_base(dir.path(), BASE_DEPLOYMENT);
    write(
        dir.path(),
        "overlays/prod/kustomization.yaml",
        "resources: [../../base]\n",
    );
    // Argo CD reads `/overlays/prod` inside the repository.
    write(
        dir.path(),
        "apps/web.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  source:\n    path: /overlays/prod\n    kustomize:\n      images: ['nginx:latest']\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    let reported: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["rule"] == "overlay-changes-policy")
        .map(|f| (f["path"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(reported.len(), 1, "{findings:#?}");
    assert!(reported[0].0.ends_with("apps/web.yaml"), "{reported:?}");
    assert!(
        reported[0].1.contains("from IfNotPresent to Always"),
        "{reported:?}"
    );
    run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/deployment.yaml")).unwrap(),
        BASE_DEPLOYMENT
    );
}

#[test]
fn an_overlay_patch_that_may_set_the_image_keeps_fix_from_pinning_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE_DEPLOYMENT;
    write_base(dir.path(), base);
    // The patch sets the image itself: whatever the entries say, the build's image and
    // default come from it, which the check does not apply.
    let patch = BASE_DEPLOYMENT.replace("nginx:1.25", "nginx:1.27");
    write(dir.path(), "overlays/dev/web.yaml", &patch);
    write(
        dir.path(),
        "overlays/dev/kustomization.yaml",
        "resources: [../../base]\npatches:\n  - path: web.yaml\nimages:\n  - name: nginx\n    newTag: latest\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "overlay-changes-policy"),
        "{findings:#?}"
    );
    let implicit = findings
        .iter()
        .find(|f| {
            f["rule"] == "implicit-pull-policy"
                && f["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("base/deployment.yaml")
        })
        .expect("the base container has no policy");
    let fix = &implicit["fixes"][0];
    assert_eq!(fix["safe"], false, "{fix:#?}");
    assert!(
        fix["title"]
            .as_str()
            .unwrap()
            .ends_with("the `patches` of overlays/dev may set another image"),
        "{fix:#?}"
    );
    // The patch file itself: its container keeps the base's policy when merged, so
    // inserting a default there is not safe either.
    let in_patch = findings
        .iter()
        .find(|f| {
            f["rule"] == "implicit-pull-policy"
                && f["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("overlays/dev/web.yaml")
        })
        .expect("the patch is linted as the manifest it looks like");
    let fix = &in_patch["fixes"][0];
    assert_eq!(fix["safe"], false, "{fix:#?}");
    assert!(
        fix["title"].as_str().unwrap().ends_with(
            "this file is a patch of overlays/dev, merged into an object that may set its own policy"
        ),
        "{fix:#?}"
    );
    run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("base/deployment.yaml")).unwrap(),
        base
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("overlays/dev/web.yaml")).unwrap(),
        patch
    );
}

#[test]
fn a_patch_container_merged_into_one_with_a_policy_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let base = BASE_DEPLOYMENT.replace(
        "image: nginx:1.25\n",
        "image: nginx:1.25\n        imagePullPolicy: Always\n",
    );
    write_base(dir.path(), &base);
    // The patch adds a sidecar (reported) and re-images `web` (merged: keeps Always).
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n      - name: sidecar\n        image: envoy:1.30\n";
    write(dir.path(), "overlays/dev/web.yaml", patch);
    write(
        dir.path(),
        "overlays/dev/kustomization.yaml",
        "resources: [../../base]\npatches:\n  - path: web.yaml\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    let implicit: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "implicit-pull-policy")
        .map(|f| f["container"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(implicit, ["sidecar"], "{findings:#?}");
}

#[test]
fn argocd_helm_parameters_that_change_a_rendered_default_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "charts/web/Chart.yaml",
        "name: web\nappVersion: \"1.16.0\"\n",
    );
    write(
        dir.path(),
        "charts/web/values.yaml",
        "image:\n  repository: nginx\n  tag: \"\"\n",
    );
    write(
        dir.path(),
        "charts/web/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"\n",
    );
    write(
        dir.path(),
        "apps/web.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-dev\nspec:\n  source:\n    path: charts/web\n    helm:\n      parameters:\n        - name: image.tag\n          value: latest\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    let change: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "overlay-changes-policy")
        .collect();
    assert_eq!(change.len(), 1, "{findings:#?}");
    assert!(change[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("apps/web.yaml"));
    assert_eq!(change[0]["range"]["start"]["line"], 8);
    assert!(
        change[0]["message"]
            .as_str()
            .unwrap()
            .contains("the default changes from IfNotPresent (values.yaml) to Always"),
        "{change:#?}"
    );
}

#[test]
fn a_kustomization_without_extension_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let base = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n    imagePullPolicy: IfNotPresent\n";
    write(dir.path(), "app/pod.yaml", base);
    write(
        dir.path(),
        "app/Kustomization",
        "resources: [pod.yaml]\nimages:\n  - name: ngnix\n    newTag: \"1.27\"\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    let unused: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "unused-image-entry")
        .collect();
    assert_eq!(unused.len(), 1, "{findings:#?}");
    assert!(unused[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("app/Kustomization"));
}

#[test]
fn helm_values_are_linted_through_the_chart_templates_and_fixed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n",
    );
    let values = "image:\n  repository: nginx\n  pullPolicy: always\n  tag: \"\"\n";
    write(dir.path(), "chart/values.yaml", values);
    write(
        dir.path(),
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          imagePullPolicy: {{ .Values.image.pullPolicy }}\n",
    );
    let (findings, _) = json_findings(dir.path(), &["."]);
    let in_values: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("chart/values.yaml"))
        .collect();
    let rules: Vec<&str> = in_values
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["helm-values-pull-policy", "helm-values-empty-tag"],
        "{findings:#?}"
    );
    assert_eq!(in_values[0]["range"]["start"]["line"], 3);
    assert!(in_values[0]["related"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("chart/templates/deployment.yaml"));

    // --fix repairs the policy (safe); the tag needs a decision, so it stays reported.
    let output = run(dir.path(), &["check", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("chart/values.yaml")).unwrap(),
        values.replace("always", "Always")
    );
    let report = stdout(&output);
    assert!(
        report.contains("helm-values-empty-tag") && !report.contains("helm-values-pull-policy"),
        "{report}"
    );
}
