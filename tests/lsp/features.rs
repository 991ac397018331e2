//! Features: hover, quick fixes, fix-all, inlay hints, completion, symbols.

use serde_json::{json, Value};

use crate::client::{
    action_edits, apply_text_edits, codes, describe_actions, offset_of, position_of, range_json,
    units, Options, Server,
};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn hover_document() -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
      - name: side
        image: busybox:1.36
        imagePullPolicy: Never
      - name: pinned
        image: ghcr.io/acme/app@{DIGEST}
      - name: bad
        image: alpine
        imagePullPolicy: always
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
spec:
  template:
    spec:
      containers:
      - name: app
        image: registry.example.com:5000/team/app:latest
"
    )
}

fn hover_text(server: &mut Server, uri: &str, line: u32, character: u32) -> String {
    let hover = server.hover(uri, line, character).expect("hover");
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover}");
    hover["contents"]["value"].as_str().unwrap().to_owned()
}

fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn hover_explains_the_effective_policy() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/hover.yaml";
    let text = hover_document();
    server.open_and_wait(uri, &text);

    // On the image key of an untagged image.
    let value = hover_text(&mut server, uri, 9, 10);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Always (default)**")
    );
    assert_contains(
        &value,
        &[
            "the image has no tag, so Kubernetes treats it as :latest",
            "API server",
            "registry: `docker.io`",
            "repository: `library/nginx`",
            "tag: `latest` (implied",
            "digest: none",
            "**Kubelet:** contacts the registry every time a container starts",
        ],
    );
    // The hover covers the `image: nginx` entry.
    assert_eq!(
        server.hover(uri, 9, 10).unwrap()["range"],
        range_json(
            &text,
            text.find("image: nginx").unwrap(),
            text.find("image: nginx").unwrap() + 12,
            "utf-16"
        )
    );
    // On the container's name: the same container.
    let value = hover_text(&mut server, uri, 8, 15);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Always (default)**")
    );
    // Past the end of the image line: clamped to its end, still the image.
    let value = hover_text(&mut server, uri, 9, 500);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Always (default)**")
    );

    // An explicit value, on its key and on the value itself.
    let value = hover_text(&mut server, uri, 12, 10);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Never (explicit)**")
    );
    assert_contains(
        &value,
        &[
            "Set in the manifest",
            "would default to IfNotPresent",
            "tag: `1.36`",
        ],
    );
    let value = hover_text(&mut server, uri, 12, 27);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Never (explicit)**")
    );
    assert_contains(&value, &["`Never`: never pulls", "ErrImageNeverPull"]);

    // A digest without a tag.
    let value = hover_text(&mut server, uri, 14, 20);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: IfNotPresent (default)**")
    );
    assert_contains(
        &value,
        &[
            "pinned by digest",
            &format!("digest: `{DIGEST}`"),
            "registry: `ghcr.io`",
            "repository: `acme/app`",
        ],
    );

    // An invalid value.
    let value = hover_text(&mut server, uri, 17, 26);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: unknown**")
    );
    assert_contains(
        &value,
        &["`always` is not a valid value", "Did you mean `Always`?"],
    );

    // A custom resource: defaulted when the controller creates Pods.
    let value = hover_text(&mut server, uri, 28, 16);
    assert_eq!(
        value.lines().next(),
        Some("**Effective imagePullPolicy: Always (default)**")
    );
    assert_contains(
        &value,
        &[
            "custom resource",
            "controller creates the Pods",
            "registry: `registry.example.com:5000`",
            "repository: `team/app`",
            "tag: `latest`",
        ],
    );

    // The whole texts, one after the other: an untagged image, an explicit policy (on its
    // key and on its value), a digest, an invalid value, a custom resource.
    let hovers: Vec<String> = [(9, 10), (12, 10), (12, 27), (14, 20), (17, 26), (28, 16)]
        .into_iter()
        .map(|(line, character)| {
            let value = hover_text(&mut server, uri, line, character);
            format!("## line {line}, character {character}\n{value}\n")
        })
        .collect();
    insta::assert_snapshot!("hovers", hovers.join("\n"));

    // Not on a container, or past the end of the file.
    assert_eq!(server.hover(uri, 3, 8), Ok(Value::Null));
    assert_eq!(server.hover(uri, 5000, 3), Ok(Value::Null));
    assert_eq!(server.shutdown(), Some(0));
}

const FIXES_DOCUMENT: &str = "apiVersion: v1
kind: Pod
metadata:
  name: fixes
spec:
  containers:
  - name: implicit
    image: nginx
  - name: case
    image: busybox:1.36
    imagePullPolicy: always
  - name: stale
    image: redis:latest
    imagePullPolicy: IfNotPresent
  - name: digest
    image: ghcr.io/acme/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    imagePullPolicy: Always
  - {name: flow, image: 'alpine:3.20'} # a comment
";

/// The edits of an action as didChange events: back to front, so that each
/// one's positions are still those of the version the action was made for.
fn as_changes(edits: &[Value], text: &str, encoding: &str) -> Value {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|edit| {
        let start = &edit["range"]["start"];
        std::cmp::Reverse(offset_of(
            text,
            start["line"].as_u64().unwrap() as u32,
            start["character"].as_u64().unwrap() as u32,
            encoding,
        ))
    });
    Value::Array(
        sorted
            .into_iter()
            .map(|edit| json!({"range": edit["range"], "text": edit["newText"]}))
            .collect(),
    )
}

fn same_finding(a: &Value, b: &Value) -> bool {
    a["code"] == b["code"] && a["message"] == b["message"]
}

/// Neovim asks with the cursor position as the range and the line's
/// diagnostics as context: their fixes are offered even when the cursor is
/// not on the underlined text.
#[test]
fn fixes_for_context_diagnostics_away_from_the_cursor() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/context-fixes.yaml";
    let diagnostics = server.open_and_wait(uri, FIXES_DOCUMENT);
    let implicit = diagnostics
        .iter()
        .find(|d| d["code"] == "implicit-pull-policy")
        .expect("an implicit-pull-policy diagnostic");
    let line = implicit["range"]["start"]["line"].clone();
    let cursor =
        json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}});
    let response = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": cursor,
                   "context": {"diagnostics": [implicit], "only": ["quickfix"]}}),
        )
        .unwrap();
    let actions = response.as_array().unwrap();
    assert!(
        actions.iter().any(|a| a["isPreferred"] == true
            && a["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Insert imagePullPolicy")),
        "{actions:#?}"
    );
    // Without the diagnostic in the context, nothing at column 0 is fixable.
    let response = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": cursor,
                   "context": {"diagnostics": [], "only": ["quickfix"]}}),
        )
        .unwrap();
    assert!(
        response
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["isPreferred"] != true),
        "{response:#?}"
    );
}

#[test]
fn each_quick_fix_applies_and_is_reanalysed() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/fixes.yaml";
    let diagnostics = server.open_and_wait(uri, FIXES_DOCUMENT);
    assert!(diagnostics.len() >= 5, "{diagnostics:#?}");
    let mut version = 1;
    let mut preferred_seen = 0;
    let mut applied = 0;
    // Every quick fix offered, per diagnostic, for one snapshot.
    let mut offered = String::new();
    let code_actions = |server: &mut Server, diagnostic: &Value| -> Vec<Value> {
        let response = server
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": diagnostic["range"],
                       "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}}),
            )
            .unwrap();
        response
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["diagnostics"]
                    .as_array()
                    .is_some_and(|ds| ds.iter().any(|d| same_finding(d, diagnostic)))
            })
            .cloned()
            .collect()
    };
    for diagnostic in &diagnostics {
        let actions = code_actions(&mut server, diagnostic);
        let rule = diagnostic["code"].as_str().unwrap();
        offered.push_str(&format!(
            "## {rule} at {}:{}\n{}\n",
            diagnostic["range"]["start"]["line"],
            diagnostic["range"]["start"]["character"],
            describe_actions(&actions)
        ));
        assert!(
            actions
                .iter()
                .any(|a| a["title"] == format!("Ignore {rule} on this line")),
            "no ignore action for {diagnostic}: {actions:#?}"
        );
        let preferred = actions.iter().filter(|a| a["isPreferred"] == true).count();
        assert!(preferred <= 1, "{actions:#?}");
        preferred_seen += preferred;
        let before = diagnostics
            .iter()
            .filter(|d| same_finding(d, diagnostic))
            .count();
        for (index, first) in actions.iter().enumerate() {
            // Asked again for the current version (the text is the original).
            let action = code_actions(&mut server, diagnostic)[index].clone();
            assert_eq!(action["title"], first["title"]);
            assert_eq!(action["kind"], "quickfix");
            let edits = action_edits(&action, uri, version);
            let fixed = apply_text_edits(FIXES_DOCUMENT, &edits, "utf-16");
            version += 1;
            server.change(uri, version, as_changes(&edits, FIXES_DOCUMENT, "utf-16"));
            let after = server.diagnostics(uri, version);
            let remaining = after.iter().filter(|d| same_finding(d, diagnostic)).count();
            assert_eq!(
                remaining,
                before - 1,
                "{} did not fix {diagnostic}\n{fixed}\n{after:#?}",
                action["title"]
            );
            assert!(
                !codes(&after)
                    .iter()
                    .any(|c| c == "yaml-syntax" || c == "duplicate-key"),
                "{} broke the YAML:\n{fixed}",
                action["title"]
            );
            applied += 1;
            // Back to the original text.
            version += 1;
            server.change(uri, version, json!([{"text": FIXES_DOCUMENT}]));
            assert_eq!(server.diagnostics(uri, version), diagnostics);
        }
    }
    assert!(preferred_seen >= 2, "the safe fixes are preferred");
    assert!(applied >= 10, "{applied}");
    insta::assert_snapshot!("quick_fixes", offered);
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn ignore_comments_merge_on_one_line() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/ignore.yaml";
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: x, image: nginx}\n";
    let diagnostics = server.open_and_wait(uri, text);
    assert_eq!(codes(&diagnostics), ["implicit-pull-policy", "latest-tag"]);
    let mut text = text.to_owned();
    let mut version = 1;
    let mut last = Vec::new();
    for rule in ["latest-tag", "implicit-pull-policy"] {
        let line_range =
            json!({"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 30}});
        let actions = server
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": line_range, "context": {"diagnostics": []}}),
            )
            .unwrap();
        let action = actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"] == format!("Ignore {rule} on this line"))
            .unwrap_or_else(|| panic!("{actions:#}"))
            .clone();
        let edits = action_edits(&action, uri, version);
        version += 1;
        server.change(uri, version, as_changes(&edits, &text, "utf-16"));
        text = apply_text_edits(&text, &edits, "utf-16");
        last = server.diagnostics(uri, version);
    }
    assert!(
        text.contains(
            "  - {name: x, image: nginx} # gitops-ls-ignore: latest-tag, implicit-pull-policy\n"
        ),
        "{text}"
    );
    assert_eq!(last, Vec::<Value>::new());
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn fix_all_applies_every_safe_fix() {
    for encoding in ["utf-8", "utf-16"] {
        let mut server = Server::start(Options {
            encodings: Some(vec![encoding]),
            ..Options::default()
        });
        let uri = "file:///tmp/fix-all.yaml";
        // Non-ASCII before the fixes: edits must land right in both encodings.
        let text = format!(
            "# ünïcödé 😀\n{}",
            FIXES_DOCUMENT.replace("name: fixes", "name: \"fïxes-😀\"")
        );
        let before = server.open_and_wait(uri, &text);
        assert!(codes(&before).contains(&"implicit-pull-policy".to_owned()));
        let whole =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}});
        let request = |only: Value| json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": [], "only": only}});
        let actions = server
            .request("textDocument/codeAction", request(json!(["source.fixAll"])))
            .unwrap();
        let actions = actions.as_array().unwrap().clone();
        assert_eq!(actions.len(), 1, "{actions:#?}");
        assert_eq!(actions[0]["kind"], "source.fixAll.gitops-ls");
        // `source` includes it; `quickfix` does not.
        let source = server
            .request("textDocument/codeAction", request(json!(["source"])))
            .unwrap();
        assert_eq!(source.as_array().unwrap().len(), 1);
        let quick = server
            .request("textDocument/codeAction", request(json!(["quickfix"])))
            .unwrap();
        assert!(quick
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] == "quickfix"));

        let edits = action_edits(&actions[0], uri, 1);
        let fixed = apply_text_edits(&text, &edits, encoding);
        // Edits in the encoding's units (one snapshot each); the same text in both.
        insta::with_settings!({snapshot_suffix => encoding}, {
            insta::assert_snapshot!("fix_all_edits", describe_actions(&actions));
        });
        insta::assert_snapshot!("fix_all_result", fixed);
        server.change(uri, 2, as_changes(&edits, &text, encoding));
        let after = server.diagnostics(uri, 2);
        let after_codes = codes(&after);
        assert!(
            !after_codes.contains(&"implicit-pull-policy".to_owned()),
            "{fixed}\n{after:#?}"
        );
        assert!(
            !after_codes
                .iter()
                .any(|c| c == "yaml-syntax" || c == "duplicate-key"),
            "{fixed}"
        );
        assert!(after.len() < before.len());
        // Only safe fixes: what the cluster does is unchanged.
        assert!(
            fixed.contains("    image: nginx\n    imagePullPolicy: Always\n"),
            "{fixed}"
        );
        assert!(
            fixed.contains(
                "{name: flow, image: 'alpine:3.20', imagePullPolicy: IfNotPresent} # a comment"
            ),
            "{fixed}"
        );
        // A second fix-all has nothing left to do that changes the result.
        let again = server
            .request("textDocument/codeAction", request(json!(["source.fixAll"])))
            .unwrap();
        if let Some(action) = again.as_array().unwrap().first() {
            let edits = action_edits(action, uri, 2);
            let twice = apply_text_edits(&fixed, &edits, encoding);
            server.change(uri, 3, as_changes(&edits, &fixed, encoding));
            let diagnostics = server.diagnostics(uri, 3);
            assert!(
                !codes(&diagnostics).iter().any(|c| c == "duplicate-key"),
                "{twice}"
            );
        }
        assert_eq!(server.shutdown(), Some(0));
    }
}

#[test]
fn fix_all_edit_is_resolved_lazily_when_the_client_can() {
    let mut server = Server::start(Options {
        resolve_code_actions: true,
        ..Options::default()
    });
    let uri = "file:///tmp/fix-all-lazy.yaml";
    server.open_and_wait(uri, FIXES_DOCUMENT);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}});
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": whole, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .unwrap();
    let action = actions[0].clone();
    assert_eq!(action["kind"], "source.fixAll.gitops-ls");
    assert!(action.get("edit").is_none(), "{action}");
    // The lightbulb (no `only`) offers it too, still without the edit.
    let cursor =
        json!({"start": {"line": 7, "character": 12}, "end": {"line": 7, "character": 12}});
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": cursor, "context": {"diagnostics": []}}),
        )
        .unwrap();
    let kinds: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"source.fixAll.gitops-ls"), "{kinds:?}");
    let resolved = server.request("codeAction/resolve", action).unwrap();
    let edits = action_edits(&resolved, uri, 1);
    server.change(uri, 2, as_changes(&edits, FIXES_DOCUMENT, "utf-16"));
    let after = server.diagnostics(uri, 2);
    assert!(
        !codes(&after).contains(&"implicit-pull-policy".to_owned()),
        "{after:#?}"
    );
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn inlay_hints_show_implicit_policies_and_implied_tags() {
    for encoding in ["utf-8", "utf-16"] {
        let mut server = Server::start(Options {
            encodings: Some(vec![encoding]),
            ..Options::default()
        });
        let uri = "file:///tmp/hints.yaml";
        let text = "apiVersion: v1
kind: Pod
metadata: {name: hints}
spec:
  containers:
  - name: a
    image: nginx # 😀 ünïcödé
  - name: b
    image: \"busybox:1.36\"
  - name: c
    image: redis:7
    imagePullPolicy: Always
  - name: d
    image: 'alpine'
";
        server.open_and_wait(uri, text);
        let all =
            json!({"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}});
        let hints = server
            .request(
                "textDocument/inlayHint",
                json!({"textDocument": {"uri": uri}, "range": all}),
            )
            .unwrap();
        let hints = hints.as_array().unwrap();
        let at = |needle: &str, after: bool| {
            let offset = text.find(needle).unwrap() + if after { needle.len() } else { 0 };
            let (line, character) = position_of(text, offset, encoding);
            json!({"line": line, "character": character})
        };
        let line_end = |line: &str| at(line, true);
        let expected = [
            (at("nginx", true), ":latest"),
            (
                line_end("image: nginx # 😀 ünïcödé"),
                "imagePullPolicy: Always",
            ),
            (
                line_end("image: \"busybox:1.36\""),
                "imagePullPolicy: IfNotPresent",
            ),
            (at("'alpine", true), ":latest"),
            (line_end("image: 'alpine'"), "imagePullPolicy: Always"),
        ];
        let got: Vec<(Value, String)> = hints
            .iter()
            .map(|h| {
                (
                    h["position"].clone(),
                    h["label"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want: Vec<(Value, String)> = expected
            .iter()
            .map(|(p, l)| (p.clone(), (*l).to_owned()))
            .collect();
        assert_eq!(got, want, "{encoding}");
        // The `:latest` of 'alpine' goes inside the quotes.
        assert_eq!(
            hints[3]["position"]["character"],
            json!(units("    image: 'alpine", encoding))
        );
        // The policy hint explains itself and inserts the value on demand.
        let tooltip = hints[1]["tooltip"]["value"].as_str().unwrap();
        assert!(
            tooltip.contains("no tag, so Kubernetes treats it as :latest"),
            "{tooltip}"
        );
        let inserted = apply_text_edits(text, hints[1]["textEdits"].as_array().unwrap(), encoding);
        assert!(
            inserted.contains("    image: nginx # 😀 ünïcödé\n    imagePullPolicy: Always\n"),
            "{inserted}"
        );

        // Only the hints inside the requested range.
        let part =
            json!({"start": {"line": 7, "character": 0}, "end": {"line": 9, "character": 0}});
        let hints = server
            .request(
                "textDocument/inlayHint",
                json!({"textDocument": {"uri": uri}, "range": part}),
            )
            .unwrap();
        let labels: Vec<&str> = hints
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["imagePullPolicy: IfNotPresent"]);
        assert_eq!(server.shutdown(), Some(0));
    }
}

fn completion_labels(
    server: &mut Server,
    uri: &str,
    line: u32,
    character: u32,
) -> (Vec<String>, Value) {
    let response = server
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
        .unwrap();
    let items = response.as_array().cloned().unwrap_or_default();
    (
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect(),
        Value::Array(items),
    )
}

#[test]
fn completion_of_policy_values_and_rule_ids() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/complete.yaml";
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: c
  annotations:
    gitops-ls.io/ignore: \"latest-tag, req\"
spec:
  containers:
  - name: a
    image: nginx # gitops-ls-ignore: latest-tag, imp
    imagePullPolicy: 
  - name: b
    image: busybox:1.36
    imagePullPolicy: IfN
";
    server.open_and_wait(uri, text);

    let (labels, items) = completion_labels(&mut server, uri, 10, 21);
    assert_eq!(labels, ["Always", "IfNotPresent", "Never"]);
    // Kubernetes' pick for this image (nginx → Always) is preselected.
    assert_eq!(items[0]["preselect"], true);
    assert!(items[1]["documentation"]["value"]
        .as_str()
        .unwrap()
        .contains("pulls only"));
    assert_eq!(
        items[1]["textEdit"]["range"],
        json!({"start": {"line": 10, "character": 21}, "end": {"line": 10, "character": 21}})
    );

    let (labels, items) = completion_labels(&mut server, uri, 13, 24);
    assert_eq!(labels, ["Always", "IfNotPresent", "Never"]);
    assert_eq!(
        items[1]["textEdit"],
        json!({"range": {"start": {"line": 13, "character": 21}, "end": {"line": 13, "character": 24}}, "newText": "IfNotPresent"})
    );

    // Rule ids in a suppression comment, without those already listed.
    let line = "    image: nginx # gitops-ls-ignore: latest-tag, imp";
    let (labels, items) = completion_labels(&mut server, uri, 9, line.len() as u32);
    assert!(
        labels.contains(&"implicit-pull-policy".to_owned()),
        "{labels:?}"
    );
    assert!(!labels.contains(&"latest-tag".to_owned()));
    let implicit = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "implicit-pull-policy")
        .unwrap();
    assert_eq!(
        implicit["textEdit"]["range"]["start"]["character"],
        json!(line.len() - 3)
    );
    assert!(implicit["documentation"]["value"]
        .as_str()
        .unwrap()
        .contains("imagePullPolicy"));

    // And in the ignore annotation.
    let (labels, _) = completion_labels(&mut server, uri, 5, 40);
    assert!(labels.contains(&"require-digest".to_owned()), "{labels:?}");
    // Elsewhere: nothing.
    let (labels, _) = completion_labels(&mut server, uri, 8, 10);
    assert!(labels.is_empty(), "{labels:?}");
    assert_eq!(server.shutdown(), Some(0));
}

#[test]
fn document_symbols_list_objects_and_containers() {
    let mut server = Server::start(Options::default());
    let uri = "file:///tmp/symbols.yaml";
    let text = format!("{}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{{port: 80}}]\n", hover_document());
    server.open_and_wait(uri, &text);
    let symbols = server
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .unwrap();
    let symbols = symbols.as_array().unwrap();
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Deployment/web", "Rollout/canary", "Service/web"]);
    let children: Vec<&str> = symbols[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(children, ["web", "side", "pinned", "bad"]);
    assert_eq!(symbols[1]["children"][0]["name"], "app");
    assert!(symbols[1]["children"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("registry.example.com:5000/team/app:latest"));
    // The Rollout starts after the first document.
    assert_eq!(symbols[1]["range"]["start"]["line"], 19);
    assert_eq!(symbols[2]["selectionRange"]["start"]["line"], 33);
    assert_eq!(server.shutdown(), Some(0));
}
