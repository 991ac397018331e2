//! End-to-end tests of `gitops-ls check`, `rules` and `explain`, driving the
//! built binary on files written to a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gitops_ls_fixture::{fixture, temp_dir};
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

/// `report` with what differs between machines and releases replaced, for a snapshot:
/// the folder `root` (a temporary one) by `[ROOT]`, and this build's version (the SARIF
/// driver's) by `[VERSION]`.
fn stable(report: &str, root: &Path) -> String {
    let mut report = report.to_owned();
    for root in [root.to_path_buf(), root.canonicalize().unwrap()] {
        report = report.replace(&root.display().to_string(), "[ROOT]");
    }
    report.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[VERSION]\"",
    )
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
        text.contains("deploy.yaml:9:15: hint[implicit-pull-policy]"),
        "{text}"
    );
    assert!(
        text.contains("= fix: Insert imagePullPolicy: Always (run with --fix)"),
        "{text}"
    );
    assert!(
        text.contains("Found 1 error, 1 warning, 1 hint in 1 file(s)"),
        "{text}"
    );
    insta::assert_snapshot!("human_report", text);
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
    insta::assert_snapshot!("json_report", stdout(&output));
}

#[test]
fn exit_status_follows_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "warn.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n",
    );
    // Its one finding is the `implicit-pull-policy` hint.
    assert_eq!(run(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        run(dir.path(), &["check", "--fail-on", "warning"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(dir.path(), &["check", "--fail-on", "hint"])
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
    let dir = temp_dir(&format!(
        "\
//- apps/deploy.yaml
{DEPLOYMENT}\
//- vendor/deploy.yaml
{DEPLOYMENT}\
//- .gitops-ls.yaml
rules:
  latest-tag: error
  implicit-pull-policy: off
exclude: ['vendor/**']
"
    ));
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
    let dir = temp_dir(&format!(
        "\
//- values.yaml
image:
  repository: nginx
  tag: latest
//- .github/workflows/ci.yml
on: push
jobs: {{}}
//- .gitignore
build/
//- build/deploy.yaml
{DEPLOYMENT}\
//- broken.yaml
apiVersion: v1
kind: Pod
spec: [
"
    ));
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
    insta::assert_snapshot!("sarif_report", stable(&stdout(&output), dir.path()));
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
        text.contains("::warning file=deploy.yaml,line=10,col=16"),
        "{text}"
    );
    // The hint (implicit-pull-policy on line 9) is left to the editor.
    assert!(!text.contains("implicit-pull-policy"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
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
        Some("hint"),
        "{listing}"
    );
    // The phase comes from the registry: cross-file rules say where they run.
    let phase_of = |id: &str| {
        let line = listing
            .lines()
            .find(|line| line.starts_with(&format!("{id} ")))
            .unwrap_or_default();
        line.split_whitespace().nth(3).map(str::to_owned)
    };
    assert_eq!(
        phase_of("overlay-changes-policy").as_deref(),
        Some("workspace")
    );
    assert_eq!(phase_of("helm-values-empty-tag").as_deref(), Some("chart"));
    assert_eq!(phase_of("latest-tag").as_deref(), Some("document"));
    let explained = run(dir.path(), &["explain", "latest-with-digest"]);
    assert!(stdout(&explained).contains("defaults to Always"));
    let options = stdout(&run(dir.path(), &["explain", "require-pull-policy"]));
    assert!(
        options.contains(
            "allowed: a list of Always, IfNotPresent, Never (required when the rule is on)"
        ),
        "{options}"
    );
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
        "overlay-changes-policy",
        "unused-image-entry",
        "helm-values-pull-policy",
        "helm-values-empty-tag",
    ] {
        assert!(
            rules.iter().any(|r| r == rule),
            "examples should show {rule}: {rules:?}"
        );
    }
    // The GitOps findings the quick start leads with, each in the file that holds the
    // entry: the dev overlay and the Argo CD Application rewrite nginx to :latest, the
    // staging overlay names an image no container uses, the chart's values break it.
    let mut gitops: Vec<(String, String)> = findings
        .iter()
        .filter(|f| {
            let rule = f["rule"].as_str().unwrap_or_default();
            rule.starts_with("overlay-") || rule.starts_with("unused-") || rule.starts_with("helm-")
        })
        .map(|f| {
            let path = f["path"].as_str().unwrap_or_default();
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                path.trim_start_matches("./").to_owned(),
            )
        })
        .collect();
    gitops.sort();
    let expected = [
        ("helm-values-empty-tag", "helm-chart/values.yaml"),
        ("helm-values-pull-policy", "helm-chart/values.yaml"),
        ("overlay-changes-policy", "argocd/web-preview.yaml"),
        (
            "overlay-changes-policy",
            "kustomize/overlays/dev/kustomization.yaml",
        ),
        (
            "unused-image-entry",
            "kustomize/overlays/staging/kustomization.yaml",
        ),
    ]
    .map(|(rule, path)| (rule.to_owned(), path.to_owned()));
    assert_eq!(gitops, expected, "{findings:#?}");
    // The summary the README quotes.
    let human = run(&examples, &["check", "."]);
    insta::assert_snapshot!("human_report_of_the_examples", stdout(&human));
    assert!(
        String::from_utf8_lossy(&human.stdout).contains(
            "Found 5 errors, 7 warnings, 1 info, 5 hints in 9 file(s); 14 Kubernetes file(s) \
             checked, 14 YAML file(s) seen."
        ),
        "{human:?}"
    );
}

/// `base/` as fixture text: `deployment` and a kustomization listing it (no apiVersion /
/// kind: still a kustomization).
fn base(deployment: &str) -> String {
    format!(
        "//- base/deployment.yaml\n{deployment}\
         //- base/kustomization.yaml\nresources: [deployment.yaml]\n"
    )
}

/// A Deployment of `nginx:1.25` with no pull policy, in `base/deployment.yaml`.
const BASE_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n";

#[test]
fn kustomize_overlays_are_checked_across_files() {
    // The base kustomization has no apiVersion / kind: still a kustomization, still linted.
    let dir = temp_dir(&format!(
        "{}\
//- overlays/dev/kustomization.yaml
resources:
  - ../../base
images:
  - name: nginx
    newTag: latest
  - name: app
    digest: \"12345\"
",
        base(BASE_DEPLOYMENT)
    ));
    let base = BASE_DEPLOYMENT;
    let (findings, output) = json_findings(dir.path(), &["--fail-on", "warning", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    insta::assert_snapshot!(
        "json_report_of_an_overlay",
        stable(&stdout(&output), dir.path())
    );
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
    // Argo CD reads `/overlays/prod` inside the repository.
    let dir = temp_dir(&format!(
        "{}\
//- overlays/prod/kustomization.yaml
resources: [../../base]
//- apps/web.yaml
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: web}}
spec:
  source:
    path: /overlays/prod
    kustomize:
      images: ['nginx:latest']
",
        base(BASE_DEPLOYMENT)
    ));
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
    // The patch sets the image itself: whatever the entries say, the build's image and
    // default come from it, which the check does not apply.
    let patch = BASE_DEPLOYMENT.replace("nginx:1.25", "nginx:1.27");
    let dir = temp_dir(&format!(
        "{}\
//- overlays/dev/web.yaml
{patch}\
//- overlays/dev/kustomization.yaml
resources: [../../base]
patches:
  - path: web.yaml
images:
  - name: nginx
    newTag: latest
",
        base(BASE_DEPLOYMENT)
    ));
    let base = BASE_DEPLOYMENT;
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
            .ends_with("the patches of overlays/dev may set another image"),
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
    let with_policy = BASE_DEPLOYMENT.replace(
        "image: nginx:1.25\n",
        "image: nginx:1.25\n        imagePullPolicy: Always\n",
    );
    // The patch adds a sidecar (reported) and re-images `web` (merged: keeps Always).
    let overlay = include_str!("../fixtures/workspaces/overlay-patch-adds-sidecar.fixture");
    let dir = temp_dir(&(base(&with_policy) + overlay));
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
    let dir = temp_dir(include_str!(
        "../fixtures/workspaces/argocd-helm-parameters.fixture"
    ));
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
    let dir = temp_dir(
        "\
//- app/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.25
    imagePullPolicy: IfNotPresent
//- app/Kustomization
resources: [pod.yaml]
images:
  - name: ngnix
    newTag: \"1.27\"
",
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
    let workspace = fixture(include_str!(
        "../fixtures/workspaces/chart-with-bad-values.fixture"
    ));
    let dir = workspace.write_temp().unwrap();
    let values = workspace.text("chart/values.yaml");
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

fn run_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run gitops-ls");
    let mut stdin = child.stdin.take().unwrap();
    // A run that stops before reading standard input closes the pipe early.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("JSON report")
}

#[test]
fn stdin_is_read_from_dash_alone_or_with_other_paths() {
    let dir = tempfile::tempdir().unwrap();
    let piped = run_with_stdin(
        dir.path(),
        &["check", "--format", "json", "-"],
        DEPLOYMENT.as_bytes(),
    );
    assert_eq!(piped.status.code(), Some(1), "{}", stderr(&piped));
    let report = json_report(&piped);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        rules_of(findings),
        ["implicit-pull-policy", "latest-tag", "invalid-pull-policy"]
    );
    assert!(
        findings.iter().all(|f| f["path"] == "<stdin>"),
        "{report:#}"
    );
    assert_eq!(report["filesChecked"], 1);

    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app\n",
    );
    let both = run_with_stdin(
        dir.path(),
        &["check", "pod.yaml", "-"],
        DEPLOYMENT.as_bytes(),
    );
    let text = stdout(&both);
    assert!(
        text.contains("<stdin>:13:26: error[invalid-pull-policy]"),
        "{text}"
    );
    assert!(
        text.contains("pod.yaml:6:12: warning[latest-tag]"),
        "{text}"
    );
    assert!(text.contains("2 Kubernetes file(s) checked"), "{text}");

    // Read fully and checked for UTF-8 as a file is.
    let latin1 = run_with_stdin(dir.path(), &["check", "-"], b"kind: Pod\nname: caf\xe9\n");
    assert_eq!(latin1.status.code(), Some(2));
    assert!(
        stderr(&latin1).contains("gitops-ls: <stdin>: not UTF-8 (invalid byte at offset 19)"),
        "{}",
        stderr(&latin1)
    );
    let big = vec![DEPLOYMENT; 2000].join("---\n");
    let whole = run_with_stdin(
        dir.path(),
        &["check", "--format", "json", "-"],
        big.as_bytes(),
    );
    assert_eq!(
        json_report(&whole)["findings"].as_array().unwrap().len(),
        6000
    );
}

#[test]
fn stdin_filename_names_the_report_and_picks_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    // The nearest configuration of the named path applies, but not its `exclude`: the
    // text was passed on purpose.
    write(
        dir.path(),
        "apps/.gitops-ls.yaml",
        "rules:\n  latest-tag: off\nexclude: ['**']\n",
    );
    let output = run_with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "apps/web/deploy.yaml",
            "-",
        ],
        DEPLOYMENT.as_bytes(),
    );
    let report = json_report(&output);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        rules_of(findings),
        ["implicit-pull-policy", "invalid-pull-policy"],
        "{report:#}"
    );
    assert!(findings.iter().all(|f| f["path"] == "apps/web/deploy.yaml"));

    let output = run_with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "deploy.yaml"],
        DEPLOYMENT.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("pass `-` among the paths"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn fix_on_stdin_prints_the_fixed_text_and_the_report_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    // A file at the named path is neither read nor written.
    let on_disk = write(dir.path(), "deploy.yaml", "kind: ConfigMap\n");
    let output = run_with_stdin(
        dir.path(),
        &["check", "--fix", "--stdin-filename", "deploy.yaml", "-"],
        DEPLOYMENT.as_bytes(),
    );
    let fixed = stdout(&output);
    assert_eq!(
        fixed,
        DEPLOYMENT
            .replace(
                "image: nginx\n",
                "image: nginx\n        imagePullPolicy: Always\n"
            )
            .replace("imagePullPolicy: always", "imagePullPolicy: Always")
    );
    let report = stderr(&output);
    assert!(
        report.contains("Fixed 2 problem(s) in 1 file(s)."),
        "{report}"
    );
    assert!(
        report.contains("deploy.yaml:10:16: warning[latest-tag]"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(on_disk).unwrap(),
        "kind: ConfigMap\n"
    );
    // Text that is not Kubernetes comes back unchanged.
    let values = "image:\n  tag: latest\n";
    let output = run_with_stdin(dir.path(), &["check", "--fix", "-"], values.as_bytes());
    assert_eq!(stdout(&output), values);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_run_with_unreadable_files_says_what_could_not_be_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "good.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:1\n    imagePullPolicy: IfNotPresent\n",
    );
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"kind: Pod\nname: caf\xe9\n",
    )
    .unwrap();
    let human = run(dir.path(), &["check", "."]);
    assert_eq!(human.status.code(), Some(2));
    let text = stdout(&human);
    assert!(!text.contains("No problems"), "{text}");
    assert!(
        text.ends_with(
            "No findings: 1 Kubernetes file(s) checked, 1 YAML file(s) seen.\n\
             error: 1 file(s) could not be checked (reasons on stderr).\n"
        ),
        "{text}"
    );

    let json = json_report(&run(dir.path(), &["check", "--format", "json", "."]));
    assert_eq!(json["filesChecked"], 1);
    assert_eq!(json["filesNotChecked"], 1);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], "./latin1.yaml");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("not UTF-8"));

    let sarif = json_report(&run(dir.path(), &["check", "--format", "sarif", "."]));
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert!(notification["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("not UTF-8"));
    let location = &notification["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "latin1.yaml");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
}

#[test]
fn a_file_over_the_size_limit_is_skipped_not_counted_as_checked() {
    let dir = tempfile::tempdir().unwrap();
    let padding = "# padding\n".repeat(gitops_ls_analysis::MAX_FILE_BYTES / 10 + 1);
    write(dir.path(), "huge.yaml", &format!("kind: Pod\n{padding}"));
    let human = run(dir.path(), &["check", "huge.yaml"]);
    let text = stdout(&human);
    assert_eq!(human.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("huge.yaml: note: not analysed: the file is 32 MiB"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "No findings: 0 Kubernetes file(s) checked, 1 skipped for their size, 1 YAML file(s) seen.\n"
        ),
        "{text}"
    );
    let json = json_report(&run(
        dir.path(),
        &["check", "--format", "json", "huge.yaml"],
    ));
    assert_eq!(json["filesChecked"], 0);
    assert_eq!(json["skipped"][0]["path"], "huge.yaml");
    let sarif = json_report(&run(
        dir.path(),
        &["check", "--format", "sarif", "huge.yaml"],
    ));
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["level"],
        "warning"
    );
}

#[test]
fn yaml_extensions_in_any_case_are_walked_but_kustomization_names_are_exact() {
    let pod = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: app\n";
    // kustomize reads only kustomization.yaml, kustomization.yml and Kustomization: the
    // one in c/ is plain YAML without apiVersion or kind, skipped quietly.
    let dir = temp_dir(&format!(
        "\
//- a/Pod.YAML
{pod}\
//- b/pod.Yml
{pod}\
//- c/KUSTOMIZATION.YAML
resources: [pod.yaml]
images:
  - name: ngnix
    newTag: \"1\"
//- c/pod.yaml
{}",
        pod.replace("image: app", "image: app:1")
    ));
    let (findings, output) = json_findings(dir.path(), &["."]);
    let paths: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "latest-tag")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["./a/Pod.YAML", "./b/pod.Yml"], "{findings:#?}");
    assert!(rules_of(&findings)
        .iter()
        .all(|r| r != "unused-image-entry"));
    let human = stdout(&run(dir.path(), &["check", "."]));
    assert!(
        human.contains("3 Kubernetes file(s) checked, 4 YAML file(s) seen"),
        "{human}"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn configuration_errors_name_the_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = run(dir.path(), &["check", "--config", "nope.yaml", "."]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("gitops-ls: nope.yaml: cannot read the configuration: "),
        "{}",
        stderr(&missing)
    );

    fixture(&format!(
        "\
//- .gitops-ls.yaml
rules:
  latest-tags: error
//- a.yaml
{DEPLOYMENT}\
//- b.yaml
{DEPLOYMENT}\
//- sub/c.yaml
{DEPLOYMENT}"
    ))
    .write_to(dir.path())
    .unwrap();
    let output = run(dir.path(), &["check", "."]);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    let config = std::path::absolute(dir.path().join(".gitops-ls.yaml")).unwrap();
    assert!(
        errors.starts_with(&format!(
            "gitops-ls: {}:2:3: invalid configuration: ",
            config.display()
        )),
        "{errors}"
    );
    assert!(
        !errors.contains(" at line "),
        "the place is stated once: {errors}"
    );
    assert!(
        stdout(&output).contains("error: 3 file(s) could not be checked"),
        "{}",
        stdout(&output)
    );
    let json = json_report(&run(dir.path(), &["check", "--format", "json", "."]));
    assert_eq!(json["errors"].as_array().unwrap().len(), 1);
    assert_eq!(json["errors"][0]["line"], 2);
    assert_eq!(json["errors"][0]["column"], 3);
    assert_eq!(json["filesNotChecked"], 3);
}

#[test]
fn sarif_locations_are_uris_relative_to_srcroot_or_file_uris() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    fixture(&format!(
        "//- work/my app/déploy.yaml\n{DEPLOYMENT}//- outside.yaml\n{DEPLOYMENT}"
    ))
    .write_to(&root)
    .unwrap();
    let output = run(
        &root.join("work"),
        &["check", "--format", "sarif", "my app", "../outside.yaml"],
    );
    let sarif = json_report(&output);
    // The properties SARIF 2.1.0 requires of a log, a run, a result and a notification.
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "gitops-ls");
    assert!(run["invocations"][0]["executionSuccessful"].is_boolean());
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(base, format!("file://{}/work/", root.display()));
    let mut uris: Vec<(String, Value)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            assert!(result["message"]["text"].is_string());
            let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            (
                location["uri"].as_str().unwrap().to_owned(),
                location["uriBaseId"].clone(),
            )
        })
        .collect();
    uris.dedup();
    assert_eq!(
        uris,
        [
            (
                format!("file://{}/outside.yaml", root.display()),
                Value::Null
            ),
            (
                "my%20app/d%C3%A9ploy.yaml".to_owned(),
                Value::from("%SRCROOT%")
            ),
        ]
    );
}

/// A snapshot file that no assertion names any more (its test renamed or removed) would stay
/// in the tree, unread: each `.snap` below `tests/*/snapshots/` names a snapshot that its
/// test module asserts (`SUITE__NAME` for `tests/cli/main.rs`, `SUITE__MODULE__NAME` for
/// `tests/lsp/MODULE.rs`; a `@suffix` is a setting of the same assertion).
#[test]
fn every_snapshot_file_is_named_by_an_assertion() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests");
    let mut checked = 0;
    for suite in ["cli", "lsp"] {
        let Ok(entries) = std::fs::read_dir(tests.join(suite).join("snapshots")) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = file.strip_suffix(".snap") else {
                continue;
            };
            let stem = stem.split('@').next().unwrap_or(stem);
            let parts: Vec<&str> = stem.split("__").collect();
            let (source, name) = match parts.as_slice() {
                [prefix, name] if *prefix == suite => (tests.join(suite).join("main.rs"), *name),
                [prefix, module, name] if *prefix == suite => {
                    (tests.join(suite).join(format!("{module}.rs")), *name)
                }
                _ => panic!("{suite}/snapshots/{file}: not a snapshot name of this suite"),
            };
            // Without whitespace, as rustfmt may break the call after its `(`.
            let source: String = std::fs::read_to_string(&source)
                .unwrap_or_default()
                .split_whitespace()
                .collect();
            assert!(
                source.contains(&format!("assert_snapshot!(\"{name}\"")),
                "{suite}/snapshots/{file}: no assertion names the snapshot {name:?}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no snapshot files found below {}",
        tests.display()
    );
}

/// The repository's GitHub Action.
fn action() -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action.yml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).expect("action.yml parses")
}

/// Runs step `index` of the composite action as the runner does (`bash --noprofile --norc
/// -eo pipefail`, the step's `env` with the `${{ … }}` expressions evaluated: `inputs` from
/// `inputs` or the action's defaults, `runner.temp`), in `dir`, with `path_dir` first on
/// PATH. Returns the output and what the step wrote to GITHUB_OUTPUT and GITHUB_PATH.
fn run_action_step(
    index: usize,
    inputs: &[(&str, &str)],
    dir: &Path,
    path_dir: &Path,
) -> (Output, String, String) {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let step = &action["runs"]["steps"][index];
    assert_eq!(step["shell"], "bash", "{step:?}");
    let runner_temp = dir.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let evaluate = |text: &str| -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            let end = start + rest[start..].find("}}").expect("closed expression");
            let expression = rest[start + 3..end].trim();
            let value = if let Some(name) = expression.strip_prefix("inputs.") {
                inputs
                    .iter()
                    .find(|(input, _)| *input == name)
                    .map(|(_, value)| (*value).to_owned())
                    .or_else(|| {
                        action["inputs"][name]["default"]
                            .as_str()
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| panic!("no input {name}"))
            } else if expression == "runner.temp" {
                runner_temp.display().to_string()
            } else {
                panic!("unexpected expression {expression}")
            };
            out.push_str(&rest[..start]);
            out.push_str(&value);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    };
    let github_output = dir.join("github-output");
    let github_path = dir.join("github-path");
    std::fs::write(&github_output, "").unwrap();
    std::fs::write(&github_path, "").unwrap();
    let script = dir.join("step.sh");
    std::fs::write(&script, step["run"].as_str().expect("a run step")).unwrap();
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                path_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("NO_COLOR", "1")
        .env(
            "GITHUB_ACTION_PATH",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."),
        )
        .env("GITHUB_OUTPUT", &github_output)
        .env("GITHUB_PATH", &github_path);
    if let Some(env) = step["env"].as_mapping() {
        for (key, value) in env {
            command.env(key.as_str().unwrap(), evaluate(value.as_str().unwrap()));
        }
    }
    let output = command.output().expect("run bash");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    (output, read(&github_output), read(&github_path))
}

#[test]
fn github_action_installs_with_the_locked_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in cargo that records its arguments: the real install builds for minutes.
    let bin = dir.path().join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let args_file = dir.path().join("cargo-args");
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            args_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (output, _, github_path) = run_action_step(0, &[], dir.path(), &bin);
    assert!(output.status.success(), "{output:?}");
    let root = dir.path().join("runner-temp/gitops-ls");
    let action_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args = std::fs::read_to_string(&args_file).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "install",
            "--locked",
            "--path",
            &action_path.join("server/cli").display().to_string(),
            "--root",
            &root.display().to_string(),
        ]
    );
    assert_eq!(github_path, format!("{}\n", root.join("bin").display()));
}

#[test]
fn github_action_writes_sarif_and_fails_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOYMENT);
    let bin = Path::new(binary()).parent().unwrap();

    // The defaults: a SARIF file for code scanning, failing on errors.
    let (output, github_output, _) = run_action_step(1, &[], dir.path(), bin);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(github_output, "report=gitops-ls.sarif\n");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("gitops-ls.sarif")).unwrap())
            .expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"invalid-pull-policy"), "{rules:?}");

    // fail-on none: the same report, the step passes.
    let (output, _, _) = run_action_step(
        1,
        &[("fail-on", "none"), ("output", "report.sarif")],
        dir.path(),
        bin,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(dir.path().join("report.sarif").is_file());

    // format github: annotations in the log, no report file.
    let (output, github_output, _) = run_action_step(
        1,
        &[("format", "github"), ("paths", "deploy.yaml")],
        dir.path(),
        bin,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("::error file=deploy.yaml,line=13,col=26,"),
        "{output:?}"
    );
    assert_eq!(github_output, "report=\n");
}
