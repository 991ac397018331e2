//! GitOps hovers: the effective image per kustomize overlay and from Helm values, with the
//! workspace index built lazily over the workspace folder and updated on file changes.

use std::fs;
use std::path::Path;

use serde_json::json;

use crate::client::{file_uri, Options, Server};

const BASE_DEPLOYMENT: &str = "\
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

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn overlay(tag: &str) -> String {
    format!("resources:\n  - ../../base\nimages:\n  - name: nginx\n    newTag: \"{tag}\"\n")
}

fn hover_value(server: &mut Server, uri: &str, line: u32, character: u32) -> String {
    let hover = server.hover(uri, line, character).expect("hover");
    hover["contents"]["value"].as_str().unwrap().to_owned()
}

#[test]
fn hover_lists_the_image_per_overlay_and_from_helm_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "base/deployment.yaml", BASE_DEPLOYMENT);
    write(
        root,
        "base/kustomization.yaml",
        "resources: [deployment.yaml]\n",
    );
    write(root, "overlays/prod/kustomization.yaml", &overlay("1.27"));
    write(root, "overlays/dev/kustomization.yaml", &overlay("latest"));
    write(
        root,
        "charts/web/Chart.yaml",
        "name: web\nversion: 0.1.0\nappVersion: \"1.16.0\"\n",
    );
    write(
        root,
        "charts/web/values.yaml",
        "image:\n  repository: nginx\n  pullPolicy: IfNotPresent\n  tag: \"\"\n",
    );
    write(root, "charts/web/templates/deployment.yaml", TEMPLATE);

    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        ..Options::default()
    });
    let base = file_uri(&root.join("base/deployment.yaml"));
    server.open_and_wait(&base, BASE_DEPLOYMENT);
    let value = hover_value(&mut server, &base, 9, 16);
    assert!(
        value.starts_with("Effective imagePullPolicy: IfNotPresent"),
        "{value}"
    );
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
