//! GitOps hovers: the effective image per kustomize overlay and from Helm values, with the
//! workspace index built lazily over the workspace folder and updated on file changes.

use std::fs;
use std::path::Path;

use gitops_ls_fixture::{fixture, temp_dir};
use serde_json::json;

use crate::client::{file_uri, redact_root, Options, Server};

/// The Deployment in `base/deployment.yaml`: `nginx:1.25`, no pull policy.
pub(crate) const BASE_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.25
";

const TEMPLATE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"web.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
";

/// Writes `text` to `path` under `root`, creating its folders.
pub(crate) fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `base/` as fixture text: [`BASE_DEPLOYMENT`] and a kustomization listing it.
pub(crate) fn base() -> String {
    format!(
        "//- base/deployment.yaml\n{BASE_DEPLOYMENT}\
         //- base/kustomization.yaml\nresources: [deployment.yaml]\n"
    )
}

/// Writes [`base`] below `root`.
pub(crate) fn write_base(root: &Path) {
    fixture(&base()).write_to(root).unwrap();
}

/// [`base`] and `overlays/dev`, whose `images:` entry deploys `nginx:latest`, written below
/// `root`; a server on `root` and the URI of `base/deployment.yaml`.
pub(crate) fn start_on_base_with_dev_latest(root: &Path) -> (Server, String) {
    let dev = "\
//- overlays/dev/kustomization.yaml
resources: [../../base]
images:
- name: nginx
  newTag: latest
";
    fixture(&(base() + dev)).write_to(root).unwrap();
    (start_in(root), file_uri(&root.join("base/deployment.yaml")))
}

/// `charts/web/` as fixture text: `Chart.yaml` (appVersion 1.16.0), `values.yaml` (nginx,
/// empty tag, IfNotPresent) and [`TEMPLATE`].
fn chart() -> String {
    format!(
        "\
//- charts/web/Chart.yaml
name: web
version: 0.1.0
appVersion: \"1.16.0\"
//- charts/web/values.yaml
image:
  repository: nginx
  pullPolicy: IfNotPresent
  tag: \"\"
//- charts/web/templates/deployment.yaml
{TEMPLATE}"
    )
}

/// A server with `root` as its workspace folder.
pub(crate) fn start_in(root: &Path) -> Server {
    Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        ..Options::default()
    })
}

fn overlay(tag: &str) -> String {
    format!("resources:\n  - ../../base\nimages:\n  - name: nginx\n    newTag: \"{tag}\"\n")
}

/// `overlays/{name}/kustomization.yaml` as fixture text: [`overlay`] with `tag`.
fn overlay_file(name: &str, tag: &str) -> String {
    format!("//- overlays/{name}/kustomization.yaml\n{}", overlay(tag))
}

fn hover_value(server: &mut Server, uri: &str, line: u32, character: u32) -> String {
    let hover = server.hover(uri, line, character).expect("hover");
    hover["contents"]["value"].as_str().unwrap().to_owned()
}

#[test]
fn hover_lists_the_image_per_overlay_and_from_helm_values() {
    let dir = temp_dir(
        &[
            base(),
            overlay_file("prod", "1.27"),
            overlay_file("dev", "latest"),
            chart(),
        ]
        .concat(),
    );
    let root = dir.path();

    let mut server = start_in(root);
    let base = file_uri(&root.join("base/deployment.yaml"));
    server.open_and_wait(&base, BASE_DEPLOYMENT);
    let value = hover_value(&mut server, &base, 9, 16);
    assert!(
        value.starts_with("**Effective imagePullPolicy: IfNotPresent"),
        "{value}"
    );
    insta::assert_snapshot!("base_hover_per_build", redact_root(&value, root));
    for part in [
        "**Kustomize**",
        "overlays/prod: nginx:1.27 → IfNotPresent",
        "overlays/dev: nginx:latest → Always (default; IfNotPresent as written)",
        "base: nginx:1.25 → IfNotPresent (default), unchanged",
    ] {
        assert!(value.contains(part), "missing {part:?} in:\n{value}");
    }

    // The overlay changes on disk: the watched-files notification updates the index.
    write(root, "overlays/prod/kustomization.yaml", &overlay("1.28"));
    let prod = file_uri(&root.join("overlays/prod/kustomization.yaml"));
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": prod, "type": 2}]}),
    );
    let mut value = String::new();
    for _ in 0..50 {
        value = hover_value(&mut server, &base, 9, 16);
        if value.contains("overlays/prod: nginx:1.28 → IfNotPresent") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(value.contains("overlays/prod: nginx:1.28"), "{value}");

    // An unsaved edit of an open overlay counts.
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));
    server.open_and_wait(&dev, &overlay("2.0"));
    let value = hover_value(&mut server, &base, 9, 16);
    assert!(
        value.contains("overlays/dev: nginx:2.0 → IfNotPresent"),
        "{value}"
    );
    // On the overlay's `images:` entry: the containers it rewrites.
    let prod_text = fs::read_to_string(root.join("overlays/prod/kustomization.yaml")).unwrap();
    server.open_and_wait(&prod, &prod_text);
    let value = hover_value(&mut server, &prod, 4, 6);
    insta::assert_snapshot!("images_entry_hover", redact_root(&value, root));
    assert!(
        value.contains("Rewrites 1 container(s)")
            && value.contains("base/deployment.yaml (web): nginx:1.25 → nginx:1.28"),
        "{value}"
    );
    let value = hover_value(&mut server, &dev, 4, 6);
    assert!(value.contains("nginx:1.25 → nginx:2.0"), "{value}");

    // Closed without saving: the file on disk counts again.
    server.close(&dev);
    let mut value = String::new();
    for _ in 0..50 {
        value = hover_value(&mut server, &base, 9, 16);
        if value.contains("overlays/dev: nginx:latest") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        value.contains("overlays/dev: nginx:latest → Always"),
        "{value}"
    );

    // A Helm template: the image and policy rendered from values.yaml.
    let template = file_uri(&root.join("charts/web/templates/deployment.yaml"));
    server.open_and_wait(&template, TEMPLATE);
    let value = hover_value(&mut server, &template, 9, 12);
    insta::assert_snapshot!("chart_template_hover", redact_root(&value, root));
    assert!(
        value.contains("from values.yaml: nginx:1.16.0, IfNotPresent"),
        "{value}"
    );
    assert!(value.contains("chart `charts/web`"), "{value}");
    server.shutdown();
}

#[test]
fn without_workspace_folders_the_hover_has_no_gitops_section() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/gitops-no-folder.yaml";
    server.open_and_wait(uri, BASE_DEPLOYMENT);
    let value = hover_value(&mut server, uri, 9, 16);
    assert!(!value.contains("**Kustomize**"), "{value}");
}

/// The line and character (UTF-16 = bytes here: ASCII) of the first `needle` in `text`.
fn position_of_str(text: &str, needle: &str) -> (u32, u32) {
    let offset = text.find(needle).expect("needle in the text");
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |nl| nl + 1);
    (line as u32, column as u32)
}

const ARGO_APP: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-prod
spec:
  source:
    repoURL: https://git.example.com/apps.git
    path: overlays/prod
    kustomize:
      images:
        - nginx=registry.local/nginx:latest
        - postgres:16
  destination: {server: https://kubernetes.default.svc, namespace: web}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: elsewhere
spec:
  source:
    repoURL: https://git.example.com/other.git
    path: apps/missing
    kustomize:
      images: ['nginx:1.28', 'nginx']
";

#[test]
fn hover_on_an_argocd_kustomize_images_string_lists_the_containers_it_rewrites() {
    let dir = temp_dir(&format!(
        "{}{}//- argocd/web.yaml\n{ARGO_APP}",
        base(),
        overlay_file("prod", "1.27")
    ));
    let root = dir.path();

    let mut server = start_in(root);
    let app = file_uri(&root.join("argocd/web.yaml"));
    server.open_and_wait(&app, ARGO_APP);

    // Argo CD merges the string into the overlay's `nginx` entry: its name and tag win.
    let (line, character) = position_of_str(ARGO_APP, "nginx=registry");
    let hover = server.hover(&app, line, character + 3).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    insta::assert_snapshot!("argocd_images_string_hover", redact_root(value, root));
    for part in [
        "**Argo CD `kustomize.images` override** `nginx=registry.local/nginx:latest`",
        "(Application `web-prod`)",
        "Rewrites 1 container(s) in the build of `overlays/prod` \
         (with the overrides merged into its `images:` by Argo CD)",
        "base/deployment.yaml (web): nginx:1.25 → registry.local/nginx:latest \
         (default policy IfNotPresent → Always where none is set)",
    ] {
        assert!(value.contains(part), "missing {part:?} in:\n{value}");
    }
    // The hover's range is the string.
    let end = "        - nginx=registry.local/nginx:latest".len() as u32;
    assert_eq!(
        hover["range"],
        json!({"start": {"line": line, "character": character},
               "end": {"line": line, "character": end}})
    );

    let (line, character) = position_of_str(ARGO_APP, "postgres:16");
    let value = hover_value(&mut server, &app, line, character);
    assert!(
        value.contains("Matches no container of the manifests the build of `overlays/prod`"),
        "{value}"
    );

    // A path that is not in the workspace: why it is not resolved.
    let (line, character) = position_of_str(ARGO_APP, "'nginx:1.28'");
    let value = hover_value(&mut server, &app, line, character + 1);
    assert!(
        value.contains("Not resolved: no kustomization at `apps/missing`")
            && value.contains("`https://git.example.com/other.git`"),
        "{value}"
    );

    // A string `kustomize edit set image` rejects.
    let (line, character) = position_of_str(ARGO_APP, "'nginx']");
    let value = hover_value(&mut server, &app, line, character + 1);
    assert!(
        value.contains("`kustomize edit set image` rejects this string"),
        "{value}"
    );

    // An unsaved edit of the Application counts.
    let edited = ARGO_APP.replace("nginx=registry.local/nginx:latest", "nginx:1.29");
    server.change(&app, 2, json!([{"text": edited}]));
    let (line, character) = position_of_str(&edited, "nginx:1.29");
    let value = hover_value(&mut server, &app, line, character);
    assert!(
        value.contains("base/deployment.yaml (web): nginx:1.25 → nginx:1.29")
            && !value.contains("default policy"),
        "{value}"
    );

    // Elsewhere in the file: no hover.
    let (line, character) = position_of_str(&edited, "destination");
    let hover = server.hover(&app, line, character).expect("hover response");
    assert!(hover.is_null(), "{hover}");
    server.shutdown();
}

#[test]
fn hover_on_a_flux_kustomization_images_entry_lists_the_containers_it_rewrites() {
    let flux = "\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: web-dev
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./overlays/dev
  prune: true
  images:
    - name: nginx
      newName: mirror.local/nginx
    - name: redis
      newTag: \"7\"
";
    let dir = temp_dir(&format!(
        "{}{}//- clusters/dev/web.yaml\n{flux}",
        base(),
        overlay_file("dev", "latest")
    ));
    let root = dir.path();

    let mut server = start_in(root);
    let uri = file_uri(&root.join("clusters/dev/web.yaml"));
    server.open_and_wait(&uri, flux);

    // Flux replaces the overlay's `nginx` entry (newTag: latest) with its own: the tag stays.
    let (line, character) = position_of_str(flux, "newName: mirror.local");
    let hover = server.hover(&uri, line, character).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    insta::assert_snapshot!("flux_images_entry_hover", redact_root(value, root));
    for part in [
        "**Flux `spec.images` entry** `nginx` (Kustomization `web-dev`)",
        "Rewrites 1 container(s) in the build of `overlays/dev`",
        "base/deployment.yaml (web): nginx:1.25 → mirror.local/nginx:1.25",
    ] {
        assert!(value.contains(part), "missing {part:?} in:\n{value}");
    }
    assert!(!value.contains("default policy"), "{value}");
    assert_eq!(hover["range"]["start"]["line"], json!(line - 1));

    let (line, character) = position_of_str(flux, "name: redis");
    let value = hover_value(&mut server, &uri, line, character);
    assert!(
        value.contains("**Flux `spec.images` entry** `redis`")
            && value.contains("Matches no container"),
        "{value}"
    );

    // The overlay it points at, edited and unsaved, counts.
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));
    server.open_and_wait(
        &dev,
        "resources:\n  - ../../base\n  - ../../cache/deployment.yaml\n",
    );
    write(
        root,
        "cache/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cache}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: cache, image: redis}\n",
    );
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("cache/deployment.yaml")), "type": 1}]}),
    );
    let mut value = String::new();
    for _ in 0..50 {
        value = hover_value(&mut server, &uri, line, character);
        if value.contains("cache/deployment.yaml") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        value.contains(
            "cache/deployment.yaml (cache): redis → redis:7 \
             (default policy Always → IfNotPresent where none is set)"
        ),
        "{value}"
    );
    server.shutdown();
}

#[test]
fn hover_on_a_chart_template_lists_what_argocd_and_flux_values_deploy() {
    let deployers = include_str!("../fixtures/workspaces/web-chart-deployers.fixture");
    let dir = temp_dir(&(chart() + deployers));
    let root = dir.path();
    let mut server = start_in(root);
    let template = file_uri(&root.join("charts/web/templates/deployment.yaml"));
    server.open_and_wait(&template, TEMPLATE);
    server.wait_index_ready();
    let value = hover_value(&mut server, &template, 9, 12);
    for part in [
        "from values.yaml: nginx:1.16.0, IfNotPresent",
        "- apps/web.yaml Application web-prod (values-prod.yaml, helm.parameters): \
         registry.local/nginx:latest, Always",
        "- clusters/dev/web.yaml HelmRelease web-dev (spec.values): nginx:1.27, IfNotPresent",
    ] {
        assert!(value.contains(part), "missing {part:?} in:\n{value}");
    }
    insta::assert_snapshot!(
        "chart_template_hover_with_deployer_values",
        redact_root(&value, root)
    );

    // Values files are read when the hover is asked for: a saved change shows at once.
    write(
        root,
        "charts/web/values-prod.yaml",
        "image:\n  repository: mirror/nginx\n",
    );
    let value = hover_value(&mut server, &template, 9, 12);
    assert!(
        value.contains("web-prod (values-prod.yaml, helm.parameters): mirror/nginx:latest, Always"),
        "{value}"
    );
    // An unsaved edit of an open values file counts too.
    let prod = file_uri(&root.join("charts/web/values-prod.yaml"));
    server.open_and_wait(&prod, "image:\n  repository: edited/nginx\n");
    let value = hover_value(&mut server, &template, 9, 12);
    assert!(
        value.contains("web-prod (values-prod.yaml, helm.parameters): edited/nginx:latest, Always"),
        "{value}"
    );
    server.shutdown();
}

/// A bitnami-style template: the kind, name and image come from the chart's helpers.
const HELPER_TEMPLATE: &str = "\
apiVersion: {{ include \"common.capabilities.deployment.apiVersion\" . }}
kind: {{ ternary \"StatefulSet\" \"Deployment\" .Values.persistence }}
metadata:
  name: {{ include \"airflow.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: {{ include \"airflow.image\" . }}
        - name: sidecar
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
";

#[test]
fn helm_templates_show_their_text_and_the_helper_that_renders_the_image() {
    let dir = temp_dir(&format!(
        "\
//- charts/airflow/Chart.yaml
name: airflow
version: 0.1.0
//- charts/airflow/values.yaml
image:
  repository: bitnami/airflow
  tag: \"2.9\"
//- charts/airflow/templates/web.yaml
{HELPER_TEMPLATE}"
    ));
    let root = dir.path();
    let mut server = start_in(root);
    let uri = file_uri(&root.join("charts/airflow/templates/web.yaml"));
    server.open_and_wait(&uri, HELPER_TEMPLATE);

    let web = hover_value(&mut server, &uri, 9, 20);
    for part in [
        "**Image** `{{ include \"airflow.image\" . }}`",
        "unknown (templated: helper \"airflow.image\")",
    ] {
        assert!(web.contains(part), "missing {part:?} in:\n{web}");
    }
    let sidecar = hover_value(&mut server, &uri, 11, 20);
    assert!(
        sidecar.contains("**Image** `{{ .Values.image.repository }}:{{ .Values.image.tag }}`"),
        "{sidecar}"
    );
    assert!(sidecar.contains("bitnami/airflow:2.9"), "{sidecar}");
    for value in [&web, &sidecar] {
        assert!(!value.contains("__"), "a mask leaks:\n{value}");
    }
    insta::assert_snapshot!("helper_rendered_image_hover", redact_root(&web, root));
    insta::assert_snapshot!("values_rendered_image_hover", redact_root(&sidecar, root));

    let symbols = server
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let object = &symbols[0];
    assert_eq!(
        object["name"],
        "{{ ternary \"StatefulSet\" \"Deployment\" .Values.persistence }}/{{ include \"airflow.fullname\" . }}"
    );
    assert_eq!(
        object["detail"],
        "{{ include \"common.capabilities.deployment.apiVersion\" . }}"
    );
    let details: Vec<&str> = object["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|child| child["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            "container · {{ include \"airflow.image\" . }}",
            "container · {{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ]
    );
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn hover_leaves_out_a_build_that_deletes_the_object() {
    let no_web = "\
//- components/no-web/kustomization.yaml
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    $patch: delete
";
    let dev = format!(
        "{}components: [../../components/no-web]\n",
        overlay_file("dev", "latest")
    );
    let dir = temp_dir(&[base(), overlay_file("prod", "1.27"), no_web.to_owned(), dev].concat());
    let root = dir.path();
    let mut server = start_in(root);
    let base = file_uri(&root.join("base/deployment.yaml"));
    server.open_and_wait(&base, BASE_DEPLOYMENT);
    let value = hover_value(&mut server, &base, 9, 16);
    assert!(value.contains("overlays/prod: nginx:1.27"), "{value}");
    insta::assert_snapshot!(
        "hover_without_the_deleting_build",
        redact_root(&value, root)
    );
    // overlays/dev applies a component that deletes Deployment/web: it deploys none of it.
    assert!(!value.contains("overlays/dev"), "{value}");
    assert_eq!(server.shutdown(), Some(0));
}
