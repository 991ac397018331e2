//! Protocol: initialization and encodings, document sync, exact positions,
//! ordering of rapid edits, cancellation, unknown documents, shutdown.

use serde_json::{json, Value};

use crate::client::{codes, position_of, units, Options, Server};

pub const NGINX_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

fn start_with(encodings: Option<Vec<&'static str>>) -> Server {
    Server::start(Options {
        encodings,
        ..Options::default()
    })
}

#[test]
fn initialize_prefers_utf8_and_falls_back_to_utf16() {
    let cases: [(Option<Vec<&str>>, &str); 4] = [
        (Some(vec!["utf-16", "utf-8"]), "utf-8"),
        (Some(vec!["utf-8"]), "utf-8"),
        (Some(vec!["utf-16", "utf-32"]), "utf-16"),
        (None, "utf-16"),
    ];
    for (offered, expected) in cases {
        let server = start_with(offered.clone());
        let caps = &server.initialize_result["capabilities"];
        assert_eq!(caps["positionEncoding"], expected, "offered {offered:?}");
        assert_eq!(server.initialize_result["serverInfo"]["name"], "gitops-ls");
        // Incremental sync and every feature of the issue.
        assert_eq!(caps["textDocumentSync"]["change"], 2);
        assert_eq!(caps["textDocumentSync"]["openClose"], true);
        assert_eq!(caps["hoverProvider"], true);
        assert_eq!(caps["inlayHintProvider"], true);
        assert_eq!(caps["documentSymbolProvider"], true);
        assert!(caps["completionProvider"]["triggerCharacters"].is_array());
        let kinds = caps["codeActionProvider"]["codeActionKinds"]
            .as_array()
            .unwrap();
        assert!(kinds.contains(&json!("quickfix")));
        assert!(kinds.contains(&json!("source.fixAll.gitops-ls")));
        assert_eq!(server.shutdown(), Some(0));
    }
}

/// A document whose findings sit after non-ASCII text: on earlier lines
/// (including U+2028 and U+0085, which LSP does not count as line breaks)
/// and earlier on the same line.
fn non_ascii_document(line_break: &str) -> String {
    [
        "# 日本語のコメント 😀 and \u{2028} and \u{85} stay on this line",
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        "  name: \"pöd-😀\"",
        "  annotations: {note: \"𝄞 music\"}",
        "spec:",
        "  containers:",
        "  - {note: \"😀é𝄞\", name: wéb, image: nginx} # ✓",
        "",
    ]
    .join(line_break)
}

#[test]
fn diagnostic_ranges_are_exact_after_non_ascii_text() {
    for encoding in ["utf-8", "utf-16"] {
        for line_break in ["\n", "\r\n"] {
            let text = non_ascii_document(line_break);
            let mut server = start_with(Some(vec![encoding]));
            assert_eq!(server.encoding(), encoding);
            let uri = "file:///tmp/non-ascii.yaml";
            let diagnostics = server.open_and_wait(uri, &text);
            assert_eq!(
                codes(&diagnostics),
                ["implicit-pull-policy", "latest-tag"],
                "{diagnostics:#?}"
            );
            for diagnostic in &diagnostics {
                let (needle, source) = match diagnostic["code"].as_str().unwrap() {
                    "latest-tag" => ("nginx", "nginx"),
                    _ => ("wéb", "wéb"),
                };
                let start = text.find(needle).unwrap();
                let (line, character) = position_of(&text, start, encoding);
                assert_eq!(line, 8, "{encoding} {line_break:?}");
                let expected = json!({
                    "start": {"line": line, "character": character},
                    "end": {"line": line, "character": character + units(source, encoding)},
                });
                assert_eq!(
                    diagnostic["range"], expected,
                    "{encoding} {line_break:?} {diagnostic}"
                );
                assert_eq!(diagnostic["source"], "gitops-ls");
            }
            // A column in the middle of 😀 (UTF-16) or of é (UTF-8) does not
            // break anything: the hover snaps to the character.
            let hover = server.hover(uri, 8, 11).expect("hover");
            assert!(hover.is_null() || hover["contents"].is_object());
            assert_eq!(server.shutdown(), Some(0));
        }
    }
}

#[test]
fn open_change_close() {
    let mut server = start_with(Some(vec!["utf-16"]));
    let uri = "file:///tmp/web.yaml";
    let diagnostics = server.open_and_wait(uri, NGINX_DEPLOYMENT);
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);

    // An incremental edit: add the policy after the image line.
    server.change(
        uri,
        2,
        json!([{"range": {"start": {"line": 9, "character": 20}, "end": {"line": 9, "character": 20}},
                "text": "\n        imagePullPolicy: Always"}]),
    );
    assert_eq!(codes(&server.diagnostics(uri, 2)), ["latest-tag"]);

    // A full replacement (no range).
    let pinned = NGINX_DEPLOYMENT.replace("nginx", "nginx:1.27");
    server.change(uri, 3, json!([{"text": pinned}]));
    assert_eq!(codes(&server.diagnostics(uri, 3)), ["implicit-pull-policy"]);

    // Several changes in one notification, applied in order.
    server.change(
        uri,
        4,
        json!([
            {"range": {"start": {"line": 9, "character": 15}, "end": {"line": 9, "character": 20}}, "text": "busybox"},
            {"range": {"start": {"line": 9, "character": 23}, "end": {"line": 9, "character": 27}}, "text": "latest"},
        ]),
    );
    // nginx:1.27 → busybox:1.27 → busybox:latest
    let diagnostics = server.diagnostics(uri, 4);
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);
    assert!(diagnostics
        .iter()
        .any(|d| d["message"].as_str().unwrap().contains("busybox:latest")));

    server.close(uri);
    let params = server.wait_notification("textDocument/publishDiagnostics", |p| p["uri"] == uri);
    assert_eq!(params["diagnostics"], json!([]));
    // Closed: no further publish, and requests on it answer null.
    assert!(server.no_notification(
        "textDocument/publishDiagnostics",
        |p| p["uri"] == uri,
        std::time::Duration::from_millis(300)
    ));
    assert_eq!(server.hover(uri, 9, 16), Ok(Value::Null));
    assert_eq!(server.shutdown(), Some(0));
}

/// Hundreds of edits sent without waiting: they are applied in order, the
/// last publish is for the last version and matches a fresh analysis of
/// the final text, and no publish goes back to an older version.
#[test]
fn rapid_edits_apply_in_order() {
    for encoding in ["utf-16", "utf-8"] {
        let mut server = start_with(Some(vec![encoding]));
        let uri = "file:///tmp/typed.yaml";
        server.open(uri, "", 1);
        let target = format!(
            "# typed by hand 😀 ünïcode\n{}        imagePullPolicy: IfNotPresent # ✓ 𝄞\n      - name: side\n        image: busybox:1.36\n",
            NGINX_DEPLOYMENT
        );
        let mut typed = String::new();
        let mut version = 1;
        for (i, c) in target.chars().enumerate() {
            // Every seventh character: a typo, then its deletion.
            if i % 7 == 3 {
                let (line, character) = position_of(&typed, typed.len(), encoding);
                version += 1;
                server.change(
                    uri,
                    version,
                    json!([{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": "Ω"}]),
                );
                version += 1;
                server.change(
                    uri,
                    version,
                    json!([{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character + units("Ω", encoding)}}, "text": ""}]),
                );
            }
            let (line, character) = position_of(&typed, typed.len(), encoding);
            version += 1;
            server.change(
                uri,
                version,
                json!([{"range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}}, "text": c.to_string()}]),
            );
            typed.push(c);
            // Requests interleaved with the edits must not disturb them.
            if i % 50 == 0 {
                server.send_request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
                );
            }
        }
        assert!(version > 300, "{version}");
        let final_diagnostics = server.diagnostics(uri, version);
        let publishes = server.drain_publishes(uri);
        let mut last = 0;
        for publish in &publishes {
            let v = publish["version"].as_i64().unwrap();
            assert!(v <= version, "a publish after the final one: {publish}");
            assert!(v >= last, "publishes went back from {last} to {v}");
            last = v;
        }
        // The same text opened fresh gives the same diagnostics.
        let fresh_uri = "file:///tmp/fresh.yaml";
        let fresh = server.open_and_wait(fresh_uri, &target);
        assert_eq!(final_diagnostics, fresh, "{encoding}");
        assert!(codes(&final_diagnostics).contains(&"implicit-pull-policy".to_owned()));
        // And the text is the same: a hover on the last image sees it.
        let hover = server.hover(uri, 13, 17).unwrap();
        let value = hover["contents"]["value"].as_str().unwrap();
        assert!(
            value.starts_with("**Effective imagePullPolicy: IfNotPresent (default)"),
            "{value}"
        );
        assert!(value.contains("`busybox:1.36`"), "{value}");
        assert_eq!(server.shutdown(), Some(0));
    }
}

#[test]
fn cancelled_request_is_answered_and_the_server_goes_on() {
    let mut server = start_with(Some(vec!["utf-16"]));
    let uri = "file:///tmp/big-for-cancel.yaml";
    // Large enough that its analysis is still running when the hover and
    // its cancellation arrive.
    let text = NGINX_DEPLOYMENT.to_owned() + &format!("---\n{NGINX_DEPLOYMENT}").repeat(15_000);
    server.open(uri, &text, 1);
    let id = server.send_request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 16}}),
    );
    server.notify("$/cancelRequest", json!({"id": id}));
    let error = server.response(id).expect_err("the hover was cancelled");
    assert_eq!(error["code"], -32800, "{error}");
    // The analysis finishes and the server answers the next request.
    server.diagnostics(uri, 1);
    let hover = server.hover(uri, 9, 16).unwrap();
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Effective imagePullPolicy: Always (default)"));
    // Cancelling a request that is already answered is harmless.
    server.notify("$/cancelRequest", json!({"id": id}));
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn requests_for_an_unknown_document_answer_null() {
    let mut server = start_with(Some(vec!["utf-16"]));
    let uri = "file:///tmp/never-opened.yaml";
    let doc = json!({"uri": uri});
    let range = json!({"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}});
    let requests = [
        (
            "textDocument/hover",
            json!({"textDocument": doc, "position": {"line": 0, "character": 0}}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": doc, "range": range, "context": {"diagnostics": []}}),
        ),
        (
            "textDocument/inlayHint",
            json!({"textDocument": doc, "range": range}),
        ),
        ("textDocument/documentSymbol", json!({"textDocument": doc})),
        (
            "textDocument/completion",
            json!({"textDocument": doc, "position": {"line": 0, "character": 0}}),
        ),
    ];
    for (method, params) in requests {
        assert_eq!(server.request(method, params), Ok(Value::Null), "{method}");
    }
    // Changing or closing it is logged, not fatal.
    server.change(uri, 2, json!([{"text": "a: 1"}]));
    server.close(uri);
    // Bad params are an error answer, not a crash.
    let error = server
        .request("textDocument/hover", json!({"textDocument": doc}))
        .expect_err("missing position");
    assert_eq!(error["code"], -32602);
    let diagnostics = server.open_and_wait("file:///tmp/after.yaml", NGINX_DEPLOYMENT);
    assert_eq!(diagnostics.len(), 2);
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn exit_without_shutdown_fails_and_stdout_stays_protocol_only() {
    let mut server = start_with(None);
    server.open_and_wait("file:///tmp/a.yaml", NGINX_DEPLOYMENT);
    server.notify("exit", Value::Null);
    // The specification asks for a failure exit code (1); the CLI maps
    // every error of `serve` to its own error code.
    assert_ne!(server.wait_exit(), Some(0));
    // Logs went to window/logMessage, never into stdout: the client parsed
    // every message it received.
    let logs = server.drain("window/logMessage");
    assert!(
        logs.iter()
            .any(|m| m["message"].as_str().unwrap_or_default().contains("ready")),
        "{logs:#?}"
    );
}
