//! The GitOps workspace index: which kustomizations include which manifests, the image and
//! policy each overlay deploys, Argo CD / Flux overrides and Helm values.
//!
//! - in-memory repositories (a [`FileSource`] over a map), including edits and cycles;
//! - the on-disk fixtures in `tests/fixtures/gitops/`;
//! - the real kustomize overlays and charts of the shared corpus, when present: no panic,
//!   and a printed sample of (manifest, overlay, container, effective image, policy);
//! - a 5,000-file synthetic repository, timed and printed (no timed assertion).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use gitops_ls_analysis::gitops::{
    helm_images, ChartContext, DeployerKind, EffectiveImage, FileSource, HelmValue, OverlayChain,
    WorkspaceIndex,
};
use gitops_ls_analysis::image::{DefaultReason, PullPolicy};
use gitops_ls_analysis::k8s::EffectivePolicy;
use gitops_ls_analysis::work::measure;
use gitops_ls_fixture::fixture;

/// The files a fixture text declares (`//- path` markers), held in memory.
fn memory_files(text: &str) -> HashMap<PathBuf, String> {
    fixture(text).to_map()
}

/// The index of in-memory `files`, their Argo CD / Flux deployers scanned.
fn index_of(files: &HashMap<PathBuf, String>) -> WorkspaceIndex {
    let mut index = WorkspaceIndex::build("", files.keys().cloned(), files);
    index.scan_deployers(files);
    index
}

/// Files read from disk, as the CLI would.
struct DiskFiles;

impl FileSource for DiskFiles {
    fn read(&self, path: &Path) -> Option<String> {
        fs::read_to_string(path).ok()
    }
}

/// Every file below `dir`.
fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files
}

/// `overlay-dir container → image policy`, one line per result, for compact assertions.
fn summary(root: &Path, chains: &[OverlayChain], images: &[EffectiveImage]) -> Vec<String> {
    images
        .iter()
        .map(|effective| {
            let chain = &chains[effective.chain];
            let overlay = chain.overlay.parent().unwrap_or(Path::new(""));
            let overlay = overlay.strip_prefix(root).unwrap_or(overlay).display();
            let via = match &chain.deployer {
                Some(deployer) => format!(
                    " via {} {}",
                    deployer.kind.kind_name(),
                    deployer.name.as_deref().unwrap_or("?")
                ),
                None => String::new(),
            };
            format!(
                "{overlay}{via} {}: {} {}",
                effective.container_name.as_deref().unwrap_or("?"),
                effective.image,
                policy_text(&effective.policy)
            )
        })
        .collect()
}

fn policy_text(policy: &EffectivePolicy) -> String {
    match policy {
        EffectivePolicy::Explicit { policy, .. } => format!("{} (explicit)", policy.as_str()),
        EffectivePolicy::Default { policy, .. } => policy.as_str().to_owned(),
        EffectivePolicy::Unknown(why) => format!("unknown ({why:?})"),
    }
}

const BASE_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
        - name: tpl
          image: \"{{ .Values.image }}\"
";

#[test]
fn overlays_components_and_chains_in_memory() {
    let files = memory_files(&format!(
        "\
//- base/kustomization.yaml
resources: [deployment.yaml]
//- base/deployment.yaml
{BASE_DEPLOYMENT}\
//- overlays/prod/kustomization.yaml
resources: [../../base]
components: [../../comp]
images:
  - name: mirror/nginx
    newTag: '1.27'
//- comp/kustomization.yaml
kind: Component
images: [{{name: nginx, newName: mirror/nginx}}]
//- overlays/dev/kustomization.yaml
resources: [../../base, ../../missing, 'https://example.com/x.yaml']
images: [{{name: nginx, newTag: latest}}]
"
    ));
    let index = index_of(&files);
    let (chains, images) =
        index.effective_images(Path::new("base/deployment.yaml"), BASE_DEPLOYMENT, &files);
    let mut lines = summary(Path::new(""), &chains, &images);
    lines.sort();
    assert_eq!(
        lines,
        [
            "base web: nginx:1.25 IfNotPresent",
            "overlays/dev web: nginx:latest Always",
            "overlays/prod web: mirror/nginx:1.27 IfNotPresent",
        ]
    );
    let dev = chains
        .iter()
        .position(|c| c.overlay.starts_with("overlays/dev"))
        .unwrap();
    assert!(chains[dev].is_root);
    assert!(
        !chains
            .iter()
            .find(|c| c.overlay.starts_with("base"))
            .unwrap()
            .is_root
    );
    let dev_web = images.iter().find(|i| i.chain == dev).unwrap();
    assert!(dev_web.changed());
    assert_eq!(
        dev_web.policy,
        EffectivePolicy::Default {
            policy: PullPolicy::Always,
            reason: DefaultReason::LatestTag
        }
    );
    assert_eq!(
        dev_web.default_policy_change(),
        Some((PullPolicy::IfNotPresent, PullPolicy::Always))
    );
    let base_web = images
        .iter()
        .find(|i| i.chain != dev && !i.changed())
        .unwrap();
    assert_eq!(base_web.default_policy_change(), None);
    // One step per filter: a Deployment's containers are reached by both.
    assert_eq!(dev_web.steps.len(), 2);
    assert_eq!(
        dev_web.steps[0].origin.file,
        Path::new("overlays/dev/kustomization.yaml")
    );
    // The component's rename runs before the overlay's own entry matches the new name.
    let prod = chains
        .iter()
        .find(|c| c.overlay.starts_with("overlays/prod"))
        .unwrap();
    assert_eq!(prod.through.len(), 2);
    assert_eq!(
        prod.entries[0].origin.file,
        Path::new("comp/kustomization.yaml")
    );
}

#[test]
fn edits_cycles_and_file_name_preference() {
    let mut files = memory_files(&format!(
        "\
//- app/kustomization.yaml
resources: [deploy.yaml, ../loop]
//- app/deploy.yaml
{BASE_DEPLOYMENT}\
//- loop/kustomization.yaml
resources: [../app]
images: [{{name: nginx, newTag: '2'}}]
//- pair/kustomization.yml
resources: [../app/deploy.yaml]
//- pair/Kustomization
resources: []
"
    ));
    let mut index = index_of(&files);
    let deploy = Path::new("app/deploy.yaml");
    // app ↔ loop is a cycle: each kustomization appears once per chain, and it ends.
    let overlays = |index: &WorkspaceIndex| {
        let mut overlays: Vec<String> = index
            .chains_for(deploy)
            .iter()
            .map(|c| c.overlay.display().to_string())
            .collect();
        overlays.sort();
        overlays
    };
    assert_eq!(
        overlays(&index),
        [
            "app/kustomization.yaml",
            "loop/kustomization.yaml",
            "pair/kustomization.yml"
        ]
    );
    // `kustomization.yml` is preferred over `Kustomization`.
    assert!(index
        .kustomization(Path::new("pair/kustomization.yml"))
        .is_some());
    assert!(index
        .kustomization(Path::new("pair/Kustomization"))
        .is_none());

    // An edit of a kustomization relinks; a deleted one disappears.
    let edited = "resources: []\n";
    files.insert("loop/kustomization.yaml".into(), edited.into());
    index.update_file(Path::new("loop/kustomization.yaml"), Some(edited));
    assert_eq!(
        overlays(&index),
        ["app/kustomization.yaml", "pair/kustomization.yml"]
    );
    index.update_file(Path::new("pair/kustomization.yml"), None);
    assert_eq!(overlays(&index), ["app/kustomization.yaml"]);
    // A new overlay is picked up without a rebuild.
    let new_overlay = "resources: [../app]\nimages: [{name: nginx, digest: 'sha256:1'}]\n";
    index.update_file(Path::new("new/kustomization.yaml"), Some(new_overlay));
    let (chains, images) = index.effective_images(deploy, BASE_DEPLOYMENT, &files);
    let lines = summary(Path::new(""), &chains, &images);
    assert!(
        lines.contains(&"new web: nginx@sha256:1 IfNotPresent".to_owned()),
        "{lines:?}"
    );
}

#[test]
fn argocd_and_flux_overrides_in_memory() {
    let files = memory_files(&format!(
        "\
//- base/kustomization.yaml
resources: [deployment.yaml]
//- base/deployment.yaml
{BASE_DEPLOYMENT}\
//- prod/kustomization.yaml
resources: [../base]
images: [{{name: nginx, newName: reg/nginx, newTag: '1'}}]
//- apps/argo.yaml
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: web}}
spec:
  source:
    path: prod
    kustomize:
      images: ['nginx:2']
//- apps/flux.yaml
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {{name: web}}
spec:
  path: ./prod
  images: [{{name: nginx, newTag: latest}}]
"
    ));
    let index = index_of(&files);
    assert_eq!(index.deployers_in(Path::new("apps/argo.yaml")).len(), 1);
    let (chains, images) =
        index.effective_images(Path::new("base/deployment.yaml"), BASE_DEPLOYMENT, &files);
    let mut lines = summary(Path::new(""), &chains, &images);
    lines.sort();
    assert_eq!(
        lines,
        [
            "base web: nginx:1.25 IfNotPresent",
            "prod via Application web web: reg/nginx:2 IfNotPresent",
            "prod via Kustomization web web: nginx:latest Always",
            "prod web: reg/nginx:1 IfNotPresent",
        ]
    );
    let argo = chains
        .iter()
        .find(|c| {
            c.deployer
                .as_ref()
                .is_some_and(|d| d.kind == DeployerKind::ArgoCdApplication)
        })
        .unwrap();
    // `edit set image` merges into the same-name entry: the overlay's newName survives.
    assert_eq!(argo.entries[0].origin.file, Path::new("apps/argo.yaml"));
}

fn fixtures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gitops");
    fs::canonicalize(dir).expect("tests/fixtures/gitops exists")
}

#[test]
fn on_disk_fixtures() {
    let root = fixtures_dir();
    let mut index = WorkspaceIndex::build(&root, list_files(&root), &DiskFiles);
    index.scan_deployers(&DiskFiles);
    assert_eq!(index.kustomization_files().count(), 8);

    let deployment = root.join("base/deployment.yaml");
    let text = fs::read_to_string(&deployment).unwrap();
    let (chains, images) = index.effective_images(&deployment, &text, &DiskFiles);
    let mut lines = summary(&root, &chains, &images);
    lines.sort();
    let sha = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let expected = [
        "base cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "base migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        "base web: nginx:1.25 IfNotPresent".to_owned(),
        // cycle-a lists the file directly; the cycle with cycle-b stops; "[invalid" matches nothing.
        "overlays/cycle-a cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "overlays/cycle-a migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        "overlays/cycle-a web: nginx:1.25 IfNotPresent".to_owned(),
        "overlays/cycle-b cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "overlays/cycle-b migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        "overlays/cycle-b web: nginx:1.25 IfNotPresent".to_owned(),
        "overlays/dev cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "overlays/dev migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        "overlays/dev via Kustomization web-dev cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "overlays/dev via Kustomization web-dev migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        // Flux replaces the overlay's `nginx` entry (newTag: latest) with its own.
        "overlays/dev via Kustomization web-dev web: nginx:1.26 IfNotPresent".to_owned(),
        // The risky one: the base relies on the default and the overlay moves to latest.
        "overlays/dev web: nginx:latest Always".to_owned(),
        // The component renames redis, then the overlay's tagSuffix runs once per filter.
        "overlays/prod cache: registry.local/redis:6.2.6-alpine-alpine IfNotPresent (explicit)".to_owned(),
        format!("overlays/prod migrate: registry.example.com/team/migrate@{sha} IfNotPresent"),
        "overlays/prod via Application web-prod cache: registry.local/redis:6.2.6-alpine-alpine IfNotPresent (explicit)".to_owned(),
        format!("overlays/prod via Application web-prod migrate: registry.example.com/team/migrate@{sha} IfNotPresent"),
        // Argo CD's entry names the image the component produced.
        "overlays/prod via Application web-prod web: registry.local/nginx:1.28 IfNotPresent".to_owned(),
        // The component's mirror rename runs first, so the overlay's `nginx` entry misses.
        "overlays/prod web: mirror.local/nginx:1.25 IfNotPresent".to_owned(),
        "overlays/staging cache: redis:6.2.6 IfNotPresent (explicit)".to_owned(),
        "overlays/staging migrate: registry.example.com/team/migrate:v3 IfNotPresent".to_owned(),
        // newTag + digest keeps both; the tag decides: Always.
        format!("overlays/staging web: nginx:latest@{sha} Always"),
    ];
    assert_eq!(lines, expected);

    // The CronJob's containers are reached by the legacy filter only: one suffix.
    let cronjob = root.join("base/cronjob.yaml");
    let text = fs::read_to_string(&cronjob).unwrap();
    let (chains, images) = index.effective_images(&cronjob, &text, &DiskFiles);
    let lines = summary(&root, &chains, &images);
    assert!(
        lines.contains(
            &"overlays/prod report: registry.local/redis:6.2.6-alpine IfNotPresent".to_owned()
        ),
        "{lines:?}"
    );

    // Which containers each entry of the prod overlay rewrites; two match nothing.
    let prod = root.join("overlays/prod/kustomization.yaml");
    let usage = index.entry_usage(&prod, &DiskFiles);
    let counts: Vec<usize> = usage.iter().map(|u| u.rewrites.len()).collect();
    assert_eq!(counts, [0, 2, 1, 0], "{usage:#?}");
    let containers: Vec<_> = usage[1]
        .rewrites
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {}",
                r.container_name.as_deref().unwrap_or("?"),
                r.before,
                r.after
            )
        })
        .collect();
    assert_eq!(
        containers,
        [
            "cache registry.local/redis:6.2.6 -> registry.local/redis:6.2.6-alpine-alpine",
            "report registry.local/redis:6.2.6 -> registry.local/redis:6.2.6-alpine",
        ]
    );
    let registry = root.join("components/registry/kustomization.yaml");
    let usage = index.entry_usage(&registry, &DiskFiles);
    assert_eq!(usage[0].rewrites.len(), 2, "{usage:#?}");

    // Flux HelmRelease post-renderers are recorded with their chart path.
    let flux = index.deployers_in(&root.join("flux/apps.yaml"));
    assert_eq!(flux.len(), 2);
    assert_eq!(flux[1].kind, DeployerKind::FluxHelmRelease);
    assert_eq!(flux[1].path.as_deref(), Some("./charts/web"));

    // The chart template resolves against values.yaml and Chart.yaml.
    let template = root.join("charts/web/templates/deployment.yaml");
    let chart_dir = index.chart_of(&template).expect("a chart template");
    assert_eq!(chart_dir, root.join("charts/web"));
    assert_eq!(index.chart_of(&root.join("charts/web/values.yaml")), None);
    let chart = ChartContext::load(chart_dir, &DiskFiles);
    let helm = helm_images(&fs::read_to_string(&template).unwrap(), &chart);
    let resolved: Vec<String> = helm
        .iter()
        .map(|h| {
            let image = match &h.image {
                HelmValue::Resolved { value, .. } => value.clone().unwrap_or_default(),
                other => format!("{other:?}").chars().take(7).collect(),
            };
            format!("{}: {image} {}", h.container_path, policy_text(&h.policy))
        })
        .collect();
    assert_eq!(
        resolved,
        [
            "spec.template.spec.containers[0]: nginx:1.16.0 IfNotPresent (explicit)",
            "spec.template.spec.containers[1]: busybox: IfNotPresent",
            "spec.template.spec.containers[2]: Unknown unknown (TemplatedImage)",
        ]
    );
}

/// The corpus repositories (top-level folders), each indexed on its own: Argo CD and Flux
/// paths are relative to a repository root.
#[test]
fn corpus_overlays_and_charts() {
    let Some(corpus) = common::corpus_dir().and_then(|dir| fs::canonicalize(dir).ok()) else {
        eprintln!("corpus not present; skipped");
        return;
    };
    let mut repos: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    repos.sort();
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sample = Vec::new();
    let mut charts: HashMap<PathBuf, ChartContext> = HashMap::new();
    // (manifest, field) of each result a patch, replacement or transformer may change.
    let mut patched_by: Vec<(String, &'static str)> = Vec::new();
    for repo in repos {
        let mut repo_samples = 0;
        let files = list_files(&repo);
        let (index, work) = measure(|| {
            let mut index = WorkspaceIndex::build(&repo, files.iter().cloned(), &DiskFiles);
            index.scan_deployers(&DiskFiles);
            index
        });
        let kustomizations: Vec<PathBuf> =
            index.kustomization_files().map(Path::to_path_buf).collect();
        *tally.entry("kustomizations").or_default() += kustomizations.len();
        *tally
            .entry("kustomizations with patches, replacements or transformers")
            .or_default() += kustomizations
            .iter()
            .filter(|k| !index.kustomization(k).unwrap().unapplied_edits.is_empty())
            .count();
        for kustomization in &kustomizations {
            for usage in index.entry_usage(kustomization, &DiskFiles) {
                let key = if usage.rewrites.is_empty() {
                    "images entries matching nothing"
                } else {
                    "images entries rewriting"
                };
                *tally.entry(key).or_default() += 1;
            }
        }
        for file in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        {
            let chains = index.chains_for(file);
            if let Some(chart) = index.chart_of(file) {
                let Ok(text) = fs::read_to_string(file) else {
                    continue;
                };
                let context = charts
                    .entry(chart.to_path_buf())
                    .or_insert_with(|| ChartContext::load(chart, &DiskFiles));
                for helm in helm_images(&text, context) {
                    let key = match helm.image {
                        HelmValue::Resolved { .. } => "helm images resolved",
                        HelmValue::Unknown(_) => "helm images unknown",
                        HelmValue::Plain => "helm plain images (templated policy)",
                    };
                    *tally.entry(key).or_default() += 1;
                    if let HelmValue::Resolved { value, .. } = &helm.image {
                        if key == "helm images resolved" {
                            sample.push(format!(
                                "helm {} | {} | {} | {}",
                                file.strip_prefix(&corpus).unwrap().display(),
                                helm.container_name
                                    .as_deref()
                                    .unwrap_or(&helm.container_path),
                                value.as_deref().unwrap_or("<null>"),
                                policy_text(&helm.policy)
                            ));
                        }
                    }
                }
            }
            if chains.is_empty() {
                continue;
            }
            let Ok(text) = fs::read_to_string(file) else {
                continue;
            };
            *tally.entry("manifests in a kustomization").or_default() += 1;
            let images = index.patched_effective_images(&text, &chains, &DiskFiles);
            for effective in &images {
                *tally.entry("container × overlay results").or_default() += 1;
                if let Some(patched) = &effective.patched_by {
                    *tally
                        .entry("container × overlay results a patch may change")
                        .or_default() += 1;
                    patched_by.push((
                        file.strip_prefix(&corpus).unwrap().display().to_string(),
                        patched.field,
                    ));
                }
                let chain = &chains[effective.chain];
                if effective.changed() || (chain.is_root && repo_samples < 6) {
                    repo_samples += 1;
                    if effective.changed() {
                        *tally.entry("rewritten by an overlay").or_default() += 1;
                    }
                    sample.push(format!(
                        "{} | {}{} | {} | {} -> {} | {}",
                        file.strip_prefix(&corpus).unwrap().display(),
                        chain.overlay.strip_prefix(&corpus).unwrap().display(),
                        if chain.is_root { " (root)" } else { "" },
                        effective
                            .container_name
                            .as_deref()
                            .unwrap_or(&effective.container_path),
                        effective.written,
                        effective.image,
                        policy_text(&effective.policy)
                    ));
                }
            }
        }
        *tally.entry("deployer objects").or_default() += files
            .iter()
            .map(|f| index.deployers_in(f).len())
            .sum::<usize>();
        println!(
            "{}: {} files indexed, {} parser events",
            repo.file_name().unwrap().to_string_lossy(),
            files.len(),
            work.yaml_events
        );
    }
    println!("\n== sample (manifest | overlay | container | written -> effective | policy)");
    for line in &sample {
        println!("{line}");
    }
    println!("\n== counts");
    for (key, count) in &tally {
        println!("{key}: {count}");
    }
    assert!(tally.get("kustomizations").copied().unwrap_or(0) > 50);
    // The README's hand check: 54 kustomizations have fields that are not applied; the
    // results held back sit behind KRM function `transformers` (which may do anything) or
    // behind a patch file the overlay lists but the sample does not ship
    // (anthropic-agent-sandbox's `params.yaml`); microservices-demo's components (env
    // patches, `$patch: delete` of env items and objects) hold back none.
    assert_eq!(
        tally["kustomizations with patches, replacements or transformers"],
        54
    );
    patched_by.sort();
    patched_by.dedup();
    println!("\n== held back by patches (manifest | field)\n{patched_by:#?}");
    let sandbox = "kubernetes-engine-samples/ai-ml/anthropic-agent-sandbox/deploy/base";
    let expected = [
        (format!("{sandbox}/dispatcher.yaml"), "patches"),
        (format!("{sandbox}/sandbox-template.yaml"), "patches"),
        (format!("{sandbox}/stats-adapter.yaml"), "patches"),
        (
            "kustomize/functions/examples/injection-tshirt-sizes/local-resource/example-use.yaml"
                .to_owned(),
            "transformers",
        ),
        (
            "kustomize/hack/krmFunctionBenchmark/example_tshirt/containerfn/data.yaml".to_owned(),
            "transformers",
        ),
    ];
    assert_eq!(patched_by, expected);
}

/// A synthetic repository of 5,000 files: 250 apps, each with a base of 14
/// manifests, three overlays and a component, plus Argo CD Applications. Prints how long
/// indexing and querying take; run it in release to see real numbers:
/// `cargo test --release -p gitops-ls-analysis --test gitops_workspace synthetic -- --nocapture`.
#[test]
fn synthetic_repository_of_five_thousand_files() {
    let mut files: HashMap<PathBuf, String> = HashMap::new();
    let manifest = |app: usize, i: usize| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{app}-{i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: registry.local/app{app}/svc{i}:1.0.{i}\n        - name: proxy\n          image: envoyproxy/envoy:v1.30\n"
        )
    };
    for app in 0..250 {
        let base = format!("apps/app{app}/base");
        let resources: Vec<String> = (0..14).map(|i| format!("svc{i}.yaml")).collect();
        files.insert(
            format!("{base}/kustomization.yaml").into(),
            format!("resources: [{}]\n", resources.join(", ")),
        );
        for i in 0..14 {
            files.insert(format!("{base}/svc{i}.yaml").into(), manifest(app, i));
        }
        files.insert(
            format!("apps/app{app}/components/mirror/kustomization.yaml").into(),
            "kind: Component\nimages: [{name: envoyproxy/envoy, newName: mirror.local/envoy}]\n"
                .into(),
        );
        for (overlay, tag) in [("dev", "latest"), ("staging", "1.1.0"), ("prod", "1.0.9")] {
            files.insert(
                format!("apps/app{app}/overlays/{overlay}/kustomization.yaml").into(),
                format!(
                    "resources: [../../base]\ncomponents: [../../components/mirror]\nimages:\n{}",
                    (0..14)
                        .map(|i| format!(
                            "  - name: registry.local/app{app}/svc{i}\n    newTag: {tag}\n"
                        ))
                        .collect::<String>()
                ),
            );
        }
        files.insert(
            format!("argocd/app{app}.yaml").into(),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app{app}}}\nspec:\n  source:\n    path: apps/app{app}/overlays/prod\n    kustomize:\n      images: ['registry.local/app{app}/svc0:1.0.10']\n"
            ),
        );
    }
    let paths: Vec<PathBuf> = files.keys().cloned().collect();
    let bytes: usize = files.values().map(String::len).sum();
    let (index, indexing) = measure(|| {
        let mut index = WorkspaceIndex::build("", paths.iter().cloned(), &files);
        index.scan_deployers(&files);
        index
    });
    let manifests: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.to_string_lossy().contains("/base/svc"))
        .collect();
    let (results, querying) = measure(|| {
        manifests
            .iter()
            .map(|path| index.effective_images(path, &files[*path], &files).1.len())
            .sum::<usize>()
    });
    println!(
        "synthetic repository: {} files, {bytes} bytes; indexing {indexing:?}; effective images \
         of all {} manifests ({results} results): {querying:?}",
        paths.len(),
        manifests.len(),
    );
    // Each file is parsed once, and each manifest's walk enters its own base, the three
    // overlays over it and the component each of them lists (7), not the rest of the
    // repository.
    assert!(indexing.yaml_events <= bytes as u64, "{indexing:?}");
    assert!(
        querying.walk_visits <= 7 * manifests.len() as u64,
        "{querying:?}"
    );
    assert!(paths.len() >= 5000);
    // 14 manifests × 2 containers × (base + 3 overlays + prod via Argo CD) per app.
    assert_eq!(results, 250 * 14 * 2 * 5);
}
