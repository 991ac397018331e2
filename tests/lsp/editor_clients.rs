//! What other editors send and show: eglot's `shutdown` with `"params": null`, logs through
//! `window/logMessage` (stderr only for errors) with the `logLevel` setting, plain-text hovers
//! for clients without Markdown, the hover's order, code action titles without Markdown, and
//! the default severities a team keeps on.

use serde_json::{json, Value};

use crate::client::{codes, file_uri, Options, Server};
use crate::gitops::{start_in, start_on_base_with_dev_latest, write, write_base, BASE_DEPLOYMENT};

const MESSAGE_ERROR: i64 = 1;
const MESSAGE_INFO: i64 = 3;
const MESSAGE_LOG: i64 = 4;

const UNTAGGED_AND_PINNED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: untagged
    image: nginx
  - name: pinned
    image: redis:7.2
";

fn log_messages(server: &mut Server) -> Vec<Value> {
    server.drain("window/logMessage")
}

fn with_text<'a>(messages: &'a [Value], part: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["message"].as_str().unwrap_or_default().contains(part))
        .collect()
}

#[test]
fn shutdown_with_null_params_is_accepted() {
    // Emacs eglot sends `"params": null`; the specification allows it for a request without
    // parameters.
    let mut server = Server::start(Options::default());
    let id = 900;
    server.send(json!({"jsonrpc": "2.0", "id": id, "method": "shutdown", "params": null}));
    assert_eq!(server.response(id), Ok(Value::Null), "{}", server.stderr());
    server.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    assert_eq!(server.wait_exit(), Some(0));
}

#[test]
fn ready_is_logged_once_to_the_client_and_stderr_has_only_errors() {
    let mut server = Server::start(Options::default());
    server.open_and_wait("file:///tmp/logs.yaml", UNTAGGED_AND_PINNED);
    let ready = server.wait_notification("window/logMessage", |m| {
        m["message"].as_str().unwrap_or_default().contains("ready")
    });
    assert_eq!(ready["type"], MESSAGE_INFO, "{ready}");
    // A real problem: an error on both.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gitops-ls": {"rules": {"latest-tag": "loud"}}}}),
    );
    let error = server.wait_notification("window/logMessage", |m| m["type"] == MESSAGE_ERROR);
    assert!(
        error["message"].as_str().unwrap().contains("loud"),
        "{error}"
    );
    let messages = log_messages(&mut server);
    assert!(with_text(&messages, "ready").is_empty(), "{messages:#?}");
    assert_eq!(server.request("shutdown", Value::Null), Ok(Value::Null));
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit(), Some(0));
    let stderr = server.finished_stderr();
    assert!(!stderr.contains("ready"), "{stderr}");
    assert!(!stderr.contains("shutdown"), "{stderr}");
    assert!(stderr.contains("loud"), "{stderr}");
}

#[test]
fn log_level_filters_what_reaches_the_client() {
    // `debug`: one Log line per analysis, sent before its diagnostics.
    let mut server = Server::start(Options {
        initialization_options: json!({"gitops-ls": {"logLevel": "debug"}}),
        ..Options::default()
    });
    let uri = "file:///tmp/debug.yaml";
    server.open_and_wait(uri, UNTAGGED_AND_PINNED);
    let messages = log_messages(&mut server);
    let analysed = with_text(&messages, "debug.yaml v1: analysed");
    assert_eq!(analysed.len(), 1, "{messages:#?}");
    assert_eq!(analysed[0]["type"], MESSAGE_LOG);

    // Back to `info`: the next analysis logs nothing at debug level.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gitops-ls": {"logLevel": "info"}}}),
    );
    server.change(
        uri,
        2,
        json!([{"text": UNTAGGED_AND_PINNED.replace("web", "web2")}]),
    );
    server.diagnostics(uri, 2);
    let messages = log_messages(&mut server);
    assert!(with_text(&messages, "analysed").is_empty(), "{messages:#?}");
    assert_eq!(server.shutdown(), Some(0));

    // `error`: not even the ready line; an unknown level is a settings error.
    let mut server = Server::start(Options {
        initialization_options: json!({"gitops-ls": {"logLevel": "error"}}),
        ..Options::default()
    });
    server.open_and_wait(uri, UNTAGGED_AND_PINNED);
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gitops-ls": {"logLevel": "verbose"}}}),
    );
    let error = server.wait_notification("window/logMessage", |m| m["type"] == MESSAGE_ERROR);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("`logLevel` must be one of error, warn, info, debug"),
        "{error}"
    );
    let messages = log_messages(&mut server);
    assert!(with_text(&messages, "ready").is_empty(), "{messages:#?}");
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn hover_is_plain_text_for_clients_without_markdown() {
    let mut server = Server::start(Options {
        hover_formats: vec!["plaintext"],
        ..Options::default()
    });
    let uri = "file:///tmp/plain.yaml";
    server.open_and_wait(uri, UNTAGGED_AND_PINNED);
    let hover = server.hover(uri, 7, 12).unwrap();
    assert_eq!(hover["contents"]["kind"], "plaintext", "{hover}");
    let value = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(
        value.lines().next(),
        Some("Effective imagePullPolicy: Always (default)")
    );
    assert!(!value.contains('`') && !value.contains("**"), "{value}");
    assert!(value.contains("- repository: library/nginx"), "{value}");
    assert!(value.contains("Kubelet: contacts the registry"), "{value}");
    assert_eq!(server.shutdown(), Some(0));

    // With Markdown: the answer first, in bold.
    let mut server = Server::start(Options::default());
    server.open_and_wait(uri, UNTAGGED_AND_PINNED);
    let hover = server.hover(uri, 7, 12).unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    let value = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Always (default)**")
    );
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn hover_puts_the_builds_right_after_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = start_on_base_with_dev_latest(dir.path());
    server.open(&base, BASE_DEPLOYMENT, 1);
    server.diagnostics_with(&base, "overlay-changes-policy");
    let hover = server.hover(&base, 9, 16).unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    let position = |part: &str| {
        value
            .find(part)
            .unwrap_or_else(|| panic!("missing {part:?} in:\n{value}"))
    };
    assert!(value.starts_with("**Effective imagePullPolicy: IfNotPresent (default)**\n"));
    let builds = position("overlays/dev: nginx:latest → Always");
    assert!(builds < position("is not set"), "{value}");
    assert!(builds < position("**Image**"), "{value}");
    assert!(builds < position("**Kubelet:**"), "{value}");
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn code_action_titles_are_plain_text() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/titles.yaml";
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: titles
spec:
  containers:
  - name: a
    image: nginx
  - name: b
    image: busybox:1.36
    imagePullPolicy: always
  - name: c
    image: nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
";
    let diagnostics = server.open_and_wait(uri, text);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}});
    let titles = server.code_action_titles(uri, whole, &diagnostics);
    for expected in [
        "Insert imagePullPolicy: Always",
        "Set imagePullPolicy: Always",
        "Remove the :latest tag (the default becomes IfNotPresent)",
    ] {
        assert!(
            titles.iter().any(|t| t == expected),
            "{expected:?} in {titles:#?}"
        );
    }
    assert!(titles.iter().all(|t| !t.contains('`')), "{titles:#?}");
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn an_untagged_container_gets_one_warning_and_a_pinned_one_none() {
    let mut server = Server::start(Options::default());
    let diagnostics = server.open_and_wait("file:///tmp/noise.yaml", UNTAGGED_AND_PINNED);
    let severity_of = |code: &str, line: u64| {
        diagnostics
            .iter()
            .filter(|d| d["code"] == code)
            .find(|d| d["range"]["start"]["line"] == line)
            .map(|d| d["severity"].clone())
    };
    assert_eq!(
        codes(&diagnostics),
        ["implicit-pull-policy", "implicit-pull-policy", "latest-tag"]
    );
    // nginx: the mutable tag is the warning; the policy it implies is a hint.
    assert_eq!(severity_of("latest-tag", 7), Some(json!(2)));
    assert_eq!(severity_of("implicit-pull-policy", 6), Some(json!(4)));
    // redis:7.2: IfNotPresent is what anyone would write; a hint, no warning.
    assert_eq!(severity_of("implicit-pull-policy", 8), Some(json!(4)));
    let warnings = diagnostics.iter().filter(|d| d["severity"] == 2).count();
    assert_eq!(warnings, 1, "{diagnostics:#?}");
    assert_eq!(server.shutdown(), Some(0));
}

fn inlay_hints(server: &mut Server, uri: &str) -> Vec<Value> {
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 30, "character": 0}});
    let hints = server
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": whole}),
        )
        .unwrap();
    hints.as_array().unwrap().clone()
}

#[test]
fn the_implied_latest_stays_when_a_policy_is_written() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/latest-hint.yaml";
    let text = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: a
    image: nginx
    imagePullPolicy: Always
";
    server.open_and_wait(uri, text);
    let hints = inlay_hints(&mut server, uri);
    let labels: Vec<&str> = hints.iter().map(|h| h["label"].as_str().unwrap()).collect();
    assert_eq!(labels, [":latest"], "{hints:#?}");
    assert_eq!(hints[0]["position"], json!({"line": 6, "character": 16}));
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn the_policy_hint_says_when_the_builds_disagree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_base(root);
    let overlay = |tag: &str| {
        format!("resources: [../../base]\nimages:\n- name: nginx\n  newTag: \"{tag}\"\n")
    };
    write(root, "overlays/prod/kustomization.yaml", &overlay("1.27"));
    write(root, "overlays/dev/kustomization.yaml", &overlay("latest"));
    write(root, "overlays/qa/kustomization.yaml", &overlay("latest"));
    let mut server = start_in(root);
    let base = file_uri(&root.join("base/deployment.yaml"));
    server.open(&base, BASE_DEPLOYMENT, 1);
    server.diagnostics_with(&base, "overlay-changes-policy");
    let hints = inlay_hints(&mut server, &base);
    let policy = hints
        .iter()
        .find(|h| h["label"].as_str().unwrap().starts_with("imagePullPolicy:"))
        .unwrap_or_else(|| panic!("no policy hint in {hints:#?}"));
    assert_eq!(
        policy["label"], "imagePullPolicy: IfNotPresent (overlays/dev: Always, +1 build)",
        "{policy:#?}"
    );
    // A double-click would write a value that is wrong for two of the builds.
    assert!(policy.get("textEdits").is_none(), "{policy:#?}");
    let tooltip = policy["tooltip"]["value"].as_str().unwrap();
    for part in [
        "overlays/dev deploys nginx:latest (Always)",
        "overlays/qa deploys nginx:latest (Always)",
    ] {
        assert!(tooltip.contains(part), "missing {part:?} in {tooltip}");
    }
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn a_log_level_in_initialization_options_still_pulls_the_rules() {
    let mut server = Server::start(Options {
        initialization_options: json!({"gitops-ls": {"logLevel": "debug"}}),
        configuration: json!({"rules": {"latest-tag": "error"}}),
        ..Options::default()
    });
    let uri = "file:///tmp/pulled.yaml";
    server.open(uri, UNTAGGED_AND_PINNED, 1);
    // The pulled rules arrive after the first analysis: wait for the re-analysis.
    let diagnostics = loop {
        let (_, diagnostics) = server.next_diagnostics(uri);
        if diagnostics
            .iter()
            .any(|d| d["code"] == "latest-tag" && d["severity"] == 1)
        {
            break diagnostics;
        }
    };
    assert_eq!(codes(&diagnostics).len(), 3);
    assert!(server
        .server_requests
        .lock()
        .unwrap()
        .iter()
        .any(|(method, _)| method == "workspace/configuration"));
    assert_eq!(server.shutdown(), Some(0));
}
