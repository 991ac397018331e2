//! Configuration: initializationOptions, didChangeConfiguration (pushed and
//! pulled), the nearest `.gitops-ls.yaml`, reloads, broken files, exclude,
//! multi-root workspaces.

use std::fs;
use std::path::Path;

use serde_json::{json, Value};

use crate::client::{codes, file_uri, Options, Server};
use crate::protocol::NGINX_DEPLOYMENT;

fn severity_of(diagnostics: &[Value], code: &str) -> Option<i64> {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .map(|d| d["severity"].as_i64().unwrap())
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn watched_change(server: &Server, path: &Path, kind: u8) {
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(path), "type": kind}]}),
    );
}

#[test]
fn initialization_options_set_severities_and_doc_links() {
    let mut server = Server::start(Options {
        initialization_options: json!({"gitops-ls": {
            "rules": {"latest-tag": "error", "implicit-pull-policy": "off"},
            "docsUrl": "https://example.com/rules/{rule}",
        }}),
        ..Options::default()
    });
    let diagnostics = server.open_and_wait("file:///tmp/init-options.yaml", NGINX_DEPLOYMENT);
    assert_eq!(codes(&diagnostics), ["latest-tag"]);
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(
        diagnostics[0]["codeDescription"]["href"],
        "https://example.com/rules/latest-tag"
    );
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn configuration_changes_reanalyse_open_documents() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/settings.yaml";
    let diagnostics = server.open_and_wait(uri, NGINX_DEPLOYMENT);
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);
    assert!(diagnostics[0].get("codeDescription").is_none());

    // Pushed settings.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gitops-ls": {"rules": {"implicit-pull-policy": "off"}}}}),
    );
    assert_eq!(codes(&server.diagnostics(uri, 1)), ["latest-tag"]);

    // Invalid settings: an error message, the previous settings stay.
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"gitops-ls": {"rules": {"latest-tags": "error"}}}}),
    );
    let message = server.wait_notification("window/showMessage", |_| true);
    assert!(
        message["message"].as_str().unwrap().contains("latest-tags"),
        "{message}"
    );
    assert_eq!(message["type"], 1);

    // Pulled settings: null settings make the server ask for its section.
    *server.configuration.lock().unwrap() = json!({"rules": {"latest-tag": "error"}});
    server.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    let diagnostics = server.diagnostics(uri, 1);
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), Some(1));
    assert!(server
        .server_requests
        .lock()
        .unwrap()
        .iter()
        .any(|(method, params)| method == "workspace/configuration"
            && params["items"][0]["section"] == "gitops-ls"));
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn nearest_config_file_is_used_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let root_config = root.join(".gitops-ls.yaml");
    write(&root_config, "rules:\n  latest-tag: error\n");
    let nested_config = root.join("team/.gitops-ls.yaml");
    write(&nested_config, "rules:\n  latest-tag: hint\n");
    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        // Editor settings lose to the repository's file for the same rule.
        initialization_options: json!({"gitops-ls": {"rules": {"latest-tag": "info", "require-digest": "warning"}}}),
        ..Options::default()
    });
    let app = file_uri(&root.join("apps/web/deploy.yaml"));
    let team = file_uri(&root.join("team/svc/deploy.yaml"));
    let diagnostics = server.open_and_wait(&app, NGINX_DEPLOYMENT);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), Some(1));
    // Rules the file does not mention keep the editor's setting.
    assert_eq!(severity_of(&diagnostics, "require-digest"), Some(2));
    let diagnostics = server.open_and_wait(&team, NGINX_DEPLOYMENT);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), Some(4));

    // The watcher was registered for config files.
    let registered = server
        .server_requests
        .lock()
        .unwrap()
        .iter()
        .any(|(method, params)| {
            method == "client/registerCapability"
                && params["registrations"][0]["method"] == "workspace/didChangeWatchedFiles"
                && params["registrations"][0]["registerOptions"]["watchers"][0]["globPattern"]
                    == "**/.gitops-ls.yaml"
        });
    assert!(registered);

    // The root file changes: the documents under it are analysed again.
    write(&root_config, "rules:\n  latest-tag: off\n");
    watched_change(&server, &root_config, 2);
    let diagnostics = server.diagnostics(&app, 1);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), None);
    // The nested file goes away: its documents fall back to the root one.
    fs::remove_file(&nested_config).unwrap();
    watched_change(&server, &nested_config, 3);
    let diagnostics = loop {
        let (_, diagnostics) = server.next_diagnostics(&team);
        if severity_of(&diagnostics, "latest-tag").is_none() {
            break diagnostics;
        }
    };
    assert!(codes(&diagnostics).contains(&"implicit-pull-policy".to_owned()));
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn broken_config_is_reported_and_the_last_good_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let config = root.join(".gitops-ls.yaml");
    let config_uri = file_uri(&config);
    write(&config, "rules:\n  latest-tag: error\n");
    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        ..Options::default()
    });
    let doc = file_uri(&root.join("deploy.yaml"));
    let diagnostics = server.open_and_wait(&doc, NGINX_DEPLOYMENT);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), Some(1));

    write(&config, "rules:\n  latest-tags: warning\n");
    watched_change(&server, &config, 2);
    let report = server.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == config_uri
    });
    let errors = report["diagnostics"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["severity"], 1);
    assert_eq!(errors[0]["range"]["start"]["line"], 1);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("latest-tags"), "{message}");
    assert!(
        message.contains("the last valid configuration stays in force"),
        "{message}"
    );
    // The document is still checked with the last good configuration.
    let diagnostics = server.diagnostics(&doc, 1);
    assert_eq!(severity_of(&diagnostics, "latest-tag"), Some(1));

    // Fixed: the report is cleared and the new configuration applies.
    write(&config, "rules:\n  latest-tag: warning\n");
    watched_change(&server, &config, 2);
    let report = server.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == config_uri
    });
    assert_eq!(report["diagnostics"], json!([]));
    let diagnostics = loop {
        let (_, diagnostics) = server.next_diagnostics(&doc);
        if severity_of(&diagnostics, "latest-tag") == Some(2) {
            break diagnostics;
        }
    };
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);

    // A config file open in the editor is checked as a config file.
    server.open(&config_uri, "rules:\n  latest-tag: loud\n", 1);
    let errors = server.diagnostics(&config_uri, 1);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown severity `loud`"),
        "{errors:?}"
    );
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn excluded_files_report_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join(".gitops-ls.yaml"),
        "exclude:\n  - \"generated/**\"\n",
    );
    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        ..Options::default()
    });
    let excluded = file_uri(&root.join("generated/deploy.yaml"));
    assert_eq!(
        server.open_and_wait(&excluded, NGINX_DEPLOYMENT),
        Vec::<Value>::new()
    );
    assert_eq!(server.hover(&excluded, 9, 16), Ok(Value::Null));
    let checked = file_uri(&root.join("apps/deploy.yaml"));
    assert_eq!(server.open_and_wait(&checked, NGINX_DEPLOYMENT).len(), 2);
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn multi_root_workspaces_use_their_own_config() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write(
        &a.path().join(".gitops-ls.yaml"),
        "rules:\n  latest-tag: error\n",
    );
    write(
        &b.path().join(".gitops-ls.yaml"),
        "rules:\n  latest-tag: hint\n  implicit-pull-policy: off\n",
    );
    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(a.path()), file_uri(b.path())],
        ..Options::default()
    });
    let in_a = server.open_and_wait(&file_uri(&a.path().join("x.yaml")), NGINX_DEPLOYMENT);
    let in_b = server.open_and_wait(&file_uri(&b.path().join("x.yaml")), NGINX_DEPLOYMENT);
    assert_eq!(severity_of(&in_a, "latest-tag"), Some(1));
    assert_eq!(codes(&in_a), ["implicit-pull-policy", "latest-tag"]);
    assert_eq!(severity_of(&in_b, "latest-tag"), Some(4));
    assert_eq!(codes(&in_b), ["latest-tag"]);
    assert_eq!(server.shutdown(), Some(0));
}
