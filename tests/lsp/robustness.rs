//! Robustness: a 5 MB file, hostile documents, panics in a request or in
//! the analysis. After each, the server answers the next request.

use serde_json::{json, Value};

use crate::client::{codes, Options, Server};
use crate::protocol::NGINX_DEPLOYMENT;

/// The server is alive and well: a fresh document gets its diagnostics and
/// a hover answers.
fn assert_still_serving(server: &mut Server, tag: &str) {
    let uri = format!("file:///tmp/still-serving-{tag}.yaml");
    let diagnostics = server.open_and_wait(&uri, NGINX_DEPLOYMENT);
    assert_eq!(
        codes(&diagnostics),
        ["implicit-pull-policy", "latest-tag"],
        "{tag}"
    );
    let hover = server.hover(&uri, 9, 16).unwrap();
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Effective imagePullPolicy"));
    server.close(&uri);
}

#[test]
fn five_megabyte_file() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/five-megabytes.yaml";
    let one = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-NUMBER\n  labels: {app: web, tier: frontend, owner: team-ünïcode}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/team/web:1.NUMBER\n        ports: [{containerPort: 8080}]\n        env: [{name: A, value: \"1\"}, {name: B, value: \"2\"}]\n      - name: sidecar # 😀\n        image: busybox\n        imagePullPolicy: Always\n";
    let mut text = String::new();
    let mut count = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str("---\n");
        text.push_str(&one.replace("NUMBER", &count.to_string()));
        count += 1;
    }
    server.open(uri, &text, 1);
    let diagnostics = server.diagnostics(uri, 1);
    // Per document: implicit-pull-policy on web, latest-tag on sidecar.
    assert_eq!(diagnostics.len(), 2 * count, "{:?}", diagnostics.first());
    let last_line = text.lines().count() as u32;
    assert_eq!(
        diagnostics.last().unwrap()["range"]["start"]["line"],
        last_line - 2
    );

    // An edit in the last document: only that one changes.
    let edit_line = last_line - 2;
    server.change(
        uri,
        2,
        json!([{"range": {"start": {"line": edit_line, "character": 15}, "end": {"line": edit_line, "character": 22}},
                "text": "busybox:1.36"}]),
    );
    let diagnostics = server.diagnostics(uri, 2);
    assert_eq!(diagnostics.len(), 2 * count - 1);
    let hover = server.hover(uri, edit_line, 17).unwrap();
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**Effective imagePullPolicy: Always (explicit)"),
        "{value}"
    );
    assert!(value.contains("`busybox:1.36`"), "{value}");
    let symbols = server
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    assert_eq!(symbols.as_array().unwrap().len(), count);
    assert_still_serving(&mut server, "after-5mb");
    assert_eq!(server.shutdown(), Some(0));
}

fn hostile_documents() -> Vec<(&'static str, String)> {
    let deep_flow = "[".repeat(100_000);
    let deep_block: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..30 {
        laughs.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    laughs.push_str("kind: Pod\napiVersion: v1\nspec: {containers: [{name: x, image: *a29}]}\n");
    let mut merge_bomb = String::from("base: &b0 {image: nginx}\n");
    for i in 1..40 {
        merge_bomb.push_str(&format!(
            "m{i}: &b{i} {{<<: [*b{p}, *b{p}, *b{p}, *b{p}]}}\n",
            p = i - 1
        ));
    }
    merge_bomb
        .push_str("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - <<: *b39\n    name: x\n");
    let long_line = format!(
        "apiVersion: v1\nkind: List\nitems: [{}]\n",
        (0..20_000)
            .map(|i| format!("{{apiVersion: v1, kind: Pod, metadata: {{name: p{i}}}, spec: {{containers: [{{name: c😀, image: nginx}}]}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let many_documents = "---\n".repeat(50_000);
    let controls: String = (0u8..32)
        .map(|b| b as char)
        .chain("\u{feff}\u{2028}\u{85}\u{fffd}".chars())
        .collect::<String>()
        .repeat(1_000);
    vec![
        ("deep flow nesting", deep_flow),
        ("deep block nesting", deep_block),
        ("billion laughs", laughs),
        ("merge bomb", merge_bomb),
        ("one long line with many containers", long_line),
        ("fifty thousand empty documents", many_documents),
        ("control characters", controls),
        ("unterminated everything", "apiVersion: \"v1\nkind: 'Pod\nspec: {containers: [{name: x, image: \"nginx".to_owned()),
        ("template soup", "{{- if .Values.a }}\n---\n{{ range .Values.b }}\nkind: {{ .kind }}\n  image: {{ .image | default \"x\" }}\n{{- end\n---\nspec: ${VAR} $(params.x) {{".to_owned()),
        ("lone carriage returns", "apiVersion: v1\rkind: Pod\rspec:\r  containers:\r  - name: x\r    image: nginx\r".to_owned()),
        ("tabs and odd keys", "\tkind: Pod\n? [complex, key]\n: value\n!!binary bin: aGk=\n&anchor *alias: x\n".to_owned()),
        ("empty", String::new()),
    ]
}

#[test]
fn hostile_documents_do_not_stop_the_server() {
    let mut server = Server::start(Options {
        encodings: Some(vec!["utf-16"]),
        ..Options::default()
    });
    for (i, (name, text)) in hostile_documents().into_iter().enumerate() {
        let uri = format!("file:///tmp/hostile-{i}.yaml");
        eprintln!("hostile document: {name} ({} bytes)", text.len());
        server.open(&uri, &text, 1);
        server.diagnostics(&uri, 1);
        let doc = json!({"uri": uri});
        let far = json!({"line": 4_000_000_000u32, "character": 4_000_000_000u32});
        let everything = json!({"start": {"line": 0, "character": 0}, "end": far});
        for (method, params) in [
            (
                "textDocument/hover",
                json!({"textDocument": doc, "position": {"line": 0, "character": 3}}),
            ),
            (
                "textDocument/hover",
                json!({"textDocument": doc, "position": far}),
            ),
            (
                "textDocument/inlayHint",
                json!({"textDocument": doc, "range": everything}),
            ),
            (
                "textDocument/codeAction",
                json!({"textDocument": doc, "range": everything, "context": {"diagnostics": []}}),
            ),
            ("textDocument/documentSymbol", json!({"textDocument": doc})),
            (
                "textDocument/completion",
                json!({"textDocument": doc, "position": far}),
            ),
        ] {
            let answer = server.request(method, params);
            assert!(answer.is_ok(), "{name}: {method} failed: {answer:?}");
        }
        // Edits with positions far past the end are clamped.
        server.change(
            &uri,
            2,
            json!([{"range": {"start": far, "end": far}, "text": "\n# appended"},
                   {"range": {"start": {"line": 0, "character": 0}, "end": far}, "text": "kind: Pod"}]),
        );
        server.diagnostics(&uri, 2);
        server.close(&uri);
        assert!(server.is_running(), "{name}");
    }
    assert_still_serving(&mut server, "after-hostile");
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn a_panic_is_answered_with_an_error_and_the_server_goes_on() {
    let marker = "PANIC-IN-THIS-DOCUMENT";
    let mut server = Server::start(Options {
        env: vec![("GITOPS_LS_TEST_PANIC", marker.to_owned())],
        ..Options::default()
    });
    // A panicking request handler.
    let error = server
        .request("gitops-ls/testPanic", json!({}))
        .expect_err("panicked");
    assert_eq!(error["code"], -32603, "{error}");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("test panic requested"));
    assert_still_serving(&mut server, "after-request-panic");

    // A YAML document whose analysis panics: reported on that document, the
    // others in the file are analysed as usual.
    let uri = "file:///tmp/panicking.yaml";
    let text = format!("{NGINX_DEPLOYMENT}---\n# {marker}\nkind: Pod\n---\n{NGINX_DEPLOYMENT}");
    let diagnostics = server.open_and_wait(uri, &text);
    let internal: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d.get("code").is_none())
        .collect();
    assert_eq!(internal.len(), 1, "{diagnostics:#?}");
    assert!(internal[0]["message"]
        .as_str()
        .unwrap()
        .contains("internal error"));
    assert_eq!(internal[0]["range"]["start"]["line"], 10);
    assert_eq!(diagnostics.len(), 5);
    // Requests on that document still work.
    let hover = server.hover(uri, 12, 3).unwrap();
    assert_eq!(hover, Value::Null);
    let hover = server.hover(uri, 23, 16).unwrap();
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Effective imagePullPolicy: Always"));
    assert!(server.stderr().contains("panicked"), "{}", server.stderr());
    assert_eq!(server.shutdown(), Some(0));
}
