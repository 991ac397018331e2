//! Large files: requests use the analysis of the snapshot, never analyse a YAML document
//! again nor go over the file for its kustomize builds. Counted with the `gitops-ls/stats`
//! request, not timed.

use serde_json::{json, Value};

use crate::client::{Options, Server};
use crate::gitops::{start_on_base_with_dev_latest, BASE_DEPLOYMENT};

/// Deployments with an untagged and a pinned container each, `count` of them.
fn deployments(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!(
                "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  labels: {{app: app-{i}, team: team-{team}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      containers:
      - name: main
        image: nginx
        ports:
        - containerPort: 8080
        env:
        - {{name: MODE, value: production}}
      - name: sidecar
        image: busybox:1.36
---
",
                team = i % 7
            )
        })
        .collect()
}

fn stats(server: &mut Server) -> Value {
    server
        .request("gitops-ls/stats", Value::Null)
        .expect("stats")
}

#[test]
fn requests_on_a_large_file_do_not_analyse_it_again() {
    let text = deployments(1200);
    // Larger than what was once the limit for keeping the YAML trees (256 KiB).
    assert!(text.len() > 400 * 1024, "{}", text.len());
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/large.yaml";
    let diagnostics = server.open_and_wait(uri, &text);
    assert_eq!(diagnostics.len(), 1200 * 3);
    let after_open = stats(&mut server);
    assert_eq!(after_open["analyses"], 1, "{after_open}");
    // 1,200 Deployments and the empty document after the last `---`.
    assert_eq!(after_open["yamlDocumentsAnalysed"], 1201, "{after_open}");

    // Hover on the image of the 1,000th Deployment (23 lines each).
    let line = 999 * 23 + 15;
    let hover = server.hover(uri, line, 16).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**Effective imagePullPolicy: Always (default)**"),
        "{value}"
    );
    let symbols = server
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    assert_eq!(symbols.as_array().unwrap().len(), 1200);
    let around =
        json!({"start": {"line": line, "character": 0}, "end": {"line": line + 1, "character": 0}});
    let hints = server
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": around}),
        )
        .unwrap();
    assert_eq!(hints.as_array().unwrap().len(), 2, "{hints:#?}");
    let here: Vec<Value> = diagnostics
        .iter()
        .filter(|d| d["range"]["start"]["line"].as_u64() == Some(u64::from(line)))
        .cloned()
        .collect();
    let titles = server.code_action_titles(uri, around, &here);
    assert!(
        titles.iter().any(|t| t == "Ignore latest-tag on this line"),
        "{titles:#?}"
    );

    assert_eq!(stats(&mut server), after_open);
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn a_hover_in_a_kustomize_base_reads_what_the_analysis_worked_out() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = start_on_base_with_dev_latest(dir.path());
    server.open(&base, BASE_DEPLOYMENT, 1);
    server.diagnostics_with(&base, "overlay-changes-policy");
    let before = stats(&mut server);
    for _ in 0..3 {
        let hover = server.hover(&base, 9, 16).expect("hover");
        let value = hover["contents"]["value"].as_str().unwrap();
        assert!(
            value.contains("overlays/dev: nginx:latest → Always"),
            "{value}"
        );
    }
    assert_eq!(stats(&mut server), before);
    assert_eq!(server.shutdown(), Some(0));
}
