//! GitOps diagnostics: `overlay-changes-policy` and `unused-image-entry` published on an
//! open kustomization with the base container as related information, the base side of
//! the change, fixes that stop being safe, and the overlay result as an inlay hint.

use gitops_ls_fixture::{fixture, temp_dir};
use serde_json::{json, Value};

use crate::client::{
    codes, describe_actions, file_uri, redact_root, Options, Server, INDEX_PROGRESS_TOKEN,
};
use crate::gitops::{base, start_in, BASE_DEPLOYMENT};

const DEV: &str = "\
resources:
  - ../../base
images:
  - name: nginx
    newTag: latest
  - name: ngnix
    newTag: \"2\"
";

/// The first publish for `uri` whose diagnostics satisfy `pred` (the GitOps layer joins
/// once the index is built in the background).
fn diagnostics_where(
    server: &mut Server,
    uri: &str,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let params = server.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == uri && pred(p["diagnostics"].as_array().map_or(&[], Vec::as_slice))
    });
    params["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[test]
fn overlays_are_diagnosed_on_the_entry_and_the_base() {
    let dir = temp_dir(&format!(
        "{}//- overlays/dev/kustomization.yaml\n{DEV}",
        base()
    ));
    let root = dir.path();
    let mut server = start_in(root);
    let base = file_uri(&root.join("base/deployment.yaml"));
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));

    // The overlay: the entry that changes the default, and the one that matches nothing.
    server.open(&dev, DEV, 1);
    let found = diagnostics_where(&mut server, &dev, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    let change = with_code(&found, "overlay-changes-policy");
    assert_eq!(
        change["range"]["start"],
        json!({"line": 4, "character": 12})
    );
    assert_eq!(change["severity"], 2);
    let related = &change["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], base);
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": 9, "character": 15})
    );
    let unused = with_code(&found, "unused-image-entry");
    assert_eq!(
        unused["range"]["start"],
        json!({"line": 5, "character": 10})
    );

    // The base: an Info diagnostic on the image, pointing back at the entry.
    server.open(&base, BASE_DEPLOYMENT, 1);
    let found = diagnostics_where(&mut server, &base, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    let note = with_code(&found, "overlay-changes-policy");
    assert_eq!(note["severity"], 3);
    assert_eq!(note["range"]["start"], json!({"line": 9, "character": 15}));
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("IfNotPresent here, but overlays/dev deploys nginx:latest (Always)"),
        "{note:#?}"
    );
    assert_eq!(note["relatedInformation"][0]["location"]["uri"], dev);

    // Inserting the base default would pin IfNotPresent for the dev build too: offered,
    // but not preferred, and no fix-all.
    let implicit = with_code(&found, "implicit-pull-policy").clone();
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}});
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": base}, "range": implicit["range"],
                   "context": {"diagnostics": [implicit], "only": ["quickfix"]}}),
        )
        .unwrap();
    let actions = actions.as_array().unwrap();
    insta::assert_snapshot!(
        "base_quick_fixes_under_an_overlay",
        describe_actions(actions)
    );
    let insert = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Insert imagePullPolicy: IfNotPresent")
        })
        .expect("the insertion is still offered");
    assert!(
        insert["title"]
            .as_str()
            .unwrap()
            .ends_with("overlays/dev deploys nginx:latest, which defaults to Always"),
        "{insert:#?}"
    );
    assert!(
        actions.iter().all(|a| a["isPreferred"] != true),
        "{actions:#?}"
    );
    let fix_all = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": base}, "range": whole,
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .unwrap();
    assert_eq!(fix_all, json!([]), "{fix_all:#?}");

    // The one build deploys nginx:latest: shown inline; the policy hint inserts nothing.
    let hints = server
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": base}, "range": whole}),
        )
        .unwrap();
    let hints = hints.as_array().unwrap();
    assert!(
        hints
            .iter()
            .any(|h| h["label"] == "→ nginx:latest (Always)" && h["position"]["line"] == 9),
        "{hints:#?}"
    );
    let policy_hint = hints
        .iter()
        .find(|h| h["label"] == "imagePullPolicy: IfNotPresent (overlays/dev: Always)")
        .expect("the defaulted policy hint, naming the build that deploys another one");
    assert!(policy_hint.get("textEdits").is_none(), "{policy_hint:#?}");

    // Pinning the overlay to a version: the base note goes away, unsaved.
    server.drain_publishes(&base);
    server.drain_publishes(&dev);
    server.change(
        &dev,
        2,
        json!([{"text": DEV.replace("newTag: latest", "newTag: \"1.27\"")}]),
    );
    let found = diagnostics_where(&mut server, &base, |d| {
        !d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    assert!(codes(&found).contains(&"implicit-pull-policy".to_owned()));
    let found = diagnostics_where(&mut server, &dev, |d| {
        !d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    assert!(codes(&found).contains(&"unused-image-entry".to_owned()));
    server.shutdown();
}

#[test]
fn chart_values_are_diagnosed_and_fixed_in_the_editor() {
    let workspace = fixture(include_str!(
        "../fixtures/workspaces/chart-with-bad-values.fixture"
    ));
    let dir = workspace.write_temp().unwrap();
    let root = dir.path();
    let values = workspace.text("chart/values.yaml");
    let mut server = start_in(root);
    let uri = file_uri(&root.join("chart/values.yaml"));
    server.open(&uri, values, 1);
    let found = diagnostics_where(&mut server, &uri, |d| {
        d.iter().any(|d| d["code"] == "helm-values-pull-policy")
    });
    let policy = with_code(&found, "helm-values-pull-policy").clone();
    assert_eq!(
        policy["range"]["start"],
        json!({"line": 2, "character": 14})
    );
    assert_eq!(policy["severity"], 1);
    let template = file_uri(&root.join("chart/templates/deployment.yaml"));
    assert_eq!(policy["relatedInformation"][0]["location"]["uri"], template);
    let empty_tag = with_code(&found, "helm-values-empty-tag");
    assert_eq!(
        empty_tag["range"]["start"],
        json!({"line": 3, "character": 7})
    );

    // The preferred quick fix repairs the value; the tag fix is offered, not preferred.
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": policy["range"],
                   "context": {"diagnostics": [policy], "only": ["quickfix"]}}),
        )
        .unwrap();
    insta::assert_snapshot!(
        "values_quick_fixes",
        describe_actions(actions.as_array().unwrap())
    );
    let preferred = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("no preferred fix in {actions:#?}"));
    assert_eq!(preferred["title"], "Change always to Always");
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 10, "character": 0}});
    let fix_all = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": whole,
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .unwrap();
    let edits = crate::client::action_edits(&fix_all[0], &uri, 1);
    let fixed = crate::client::apply_text_edits(values, &edits, server.encoding());
    assert_eq!(fixed, values.replace("always", "Always"));

    // After the edit, only the tag is left.
    server.drain_publishes(&uri);
    server.change(&uri, 2, json!([{"text": fixed}]));
    let found = diagnostics_where(&mut server, &uri, |d| {
        !d.iter().any(|d| d["code"] == "helm-values-pull-policy")
    });
    assert_eq!(codes(&found), ["helm-values-empty-tag"]);
    server.shutdown();
}

#[test]
fn flux_post_renderers_over_a_chart_in_the_repository() {
    let workspace = fixture(include_str!(
        "../fixtures/workspaces/flux-post-renderers.fixture"
    ));
    let dir = workspace.write_temp().unwrap();
    let root = dir.path();
    let template = workspace.text("charts/web/templates/deployment.yaml");
    let release = workspace.text("clusters/prod/web.yaml");
    let mut server = start_in(root);

    // The release: the post-renderer entry that changes the default, and its hover.
    let release_uri = file_uri(&root.join("clusters/prod/web.yaml"));
    server.open(&release_uri, release, 1);
    let found = diagnostics_where(&mut server, &release_uri, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    let change = with_code(&found, "overlay-changes-policy");
    assert_eq!(
        change["range"]["start"],
        json!({"line": 15, "character": 20})
    );
    let hover = server.hover(&release_uri, 14, 20).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    insta::assert_snapshot!("post_renderer_entry_hover", redact_root(value, root));
    assert!(
        value.contains("Rewrites 1 container(s) of the chart `charts/web`")
            && value.contains("nginx:1.16.0 → nginx:latest"),
        "{value}"
    );

    // The template: what Helm renders, then what the post-renderer makes of it.
    let template_uri = file_uri(&root.join("charts/web/templates/deployment.yaml"));
    server.open(&template_uri, template, 1);
    let found = diagnostics_where(&mut server, &template_uri, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    assert_eq!(with_code(&found, "overlay-changes-policy")["severity"], 3);
    let hover = server.hover(&template_uri, 9, 20).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    insta::assert_snapshot!(
        "chart_template_hover_with_post_renderers",
        redact_root(value, root)
    );
    assert!(
        value.contains("from values.yaml: nginx:1.16.0")
            && value.contains("Flux HelmRelease post-renderers")
            && value.contains("clusters/prod via HelmRelease web: nginx:latest → Always"),
        "{value}"
    );
    server.shutdown();
}

/// A strategic-merge patch of the overlay that sets the image of the base container: the
/// base Deployment with another image.
fn web_patch() -> String {
    BASE_DEPLOYMENT.replace("nginx:1.25", "nginx:1.27-alpine")
}

/// The quick fixes offered for `diagnostic` of `uri`, asked again (up to 5 s) until `done`
/// holds for them: the GitOps layer joins once the document is analysed with the index.
fn quick_fixes_when(
    server: &mut Server,
    uri: &str,
    diagnostic: &Value,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut actions = Vec::new();
    for _ in 0..50 {
        actions = server
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": diagnostic["range"],
                       "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}}),
            )
            .unwrap()
            .as_array()
            .cloned()
            .unwrap_or_default();
        if done(&actions) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    actions
}

fn title(action: &Value) -> &str {
    action["title"].as_str().unwrap()
}

#[test]
fn an_overlay_patch_that_may_set_the_image_is_named_not_guessed() {
    let workspace = fixture(&format!(
        "{}\
//- overlays/dev/kustomization.yaml
resources:
  - ../../base
patches:
  - path: web.yaml
images:
  - name: nginx
    newTag: latest
//- overlays/dev/web.yaml
{}",
        base(),
        web_patch()
    ));
    let dir = workspace.write_temp().unwrap();
    let root = dir.path();
    let overlay = workspace.text("overlays/dev/kustomization.yaml");
    let mut server = start_in(root);
    let base = file_uri(&root.join("base/deployment.yaml"));
    server.open(&base, BASE_DEPLOYMENT, 1);

    // The hover says what the entries give, and that the patch may change it.
    server.wait_index_ready();
    let hover = server.hover(&base, 9, 16).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap().to_owned();
    assert!(
        value.contains(
            "overlays/dev: nginx:latest → Always (default; IfNotPresent as written) — from the \
             `images:` entries alone: the `patches` of overlays/dev/kustomization.yaml may set \
             this container's image or pull policy"
        ),
        "{value}"
    );

    // No overlay-changes-policy note is claimed on the base, but inserting the base
    // default is not safe either: offered, titled with the patch, not preferred.
    let found = diagnostics_where(&mut server, &base, |d| {
        d.iter().any(|d| d["code"] == "implicit-pull-policy")
    });
    assert!(
        found.iter().all(|d| d["code"] != "overlay-changes-policy"),
        "{found:#?}"
    );
    let implicit = with_code(&found, "implicit-pull-policy").clone();
    let is_insert = |a: &&Value| title(a).starts_with("Insert imagePullPolicy: IfNotPresent");
    let actions = quick_fixes_when(&mut server, &base, &implicit, |actions| {
        actions
            .iter()
            .filter(is_insert)
            .all(|a| a["isPreferred"] != true)
    });
    let insert = actions
        .iter()
        .find(is_insert)
        .expect("the insertion is still offered");
    assert!(
        title(insert).ends_with("the patches of overlays/dev may set another image"),
        "{insert:#?}"
    );
    assert_ne!(insert["isPreferred"], true, "{insert:#?}");

    // The patch file: inserting a default there would override the base's policy.
    let patch_uri = file_uri(&root.join("overlays/dev/web.yaml"));
    server.open(&patch_uri, &web_patch(), 1);
    let found = diagnostics_where(&mut server, &patch_uri, |d| {
        d.iter().any(|d| d["code"] == "implicit-pull-policy")
    });
    let implicit = with_code(&found, "implicit-pull-policy").clone();
    let demoted =
        "this file is a patch of overlays/dev, merged into an object that may set its own policy";
    let is_demoted = |a: &Value| title(a).ends_with(demoted);
    let actions = quick_fixes_when(&mut server, &patch_uri, &implicit, |actions| {
        actions.iter().any(is_demoted)
    });
    assert!(actions.iter().any(is_demoted), "{actions:#?}");
    assert!(
        actions.iter().all(|a| a["isPreferred"] != true),
        "{actions:#?}"
    );
    // Its defaulted-policy hint stays, without the double-click insertion.
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}});
    let hints = server
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": patch_uri}, "range": whole}),
        )
        .unwrap();
    let hints = hints.as_array().unwrap();
    assert!(!hints.is_empty(), "{hints:#?}");
    assert!(
        hints.iter().all(|hint| hint.get("textEdits").is_none()),
        "{hints:#?}"
    );

    // The overlay: without the patch (unsaved), the entry changes the default…
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));
    let unpatched = overlay.replace("patches:\n  - path: web.yaml\n", "");
    server.open(&dev, &unpatched, 1);
    diagnostics_where(&mut server, &dev, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    // …with it, the finding is held back, as the patch decides the image.
    server.change(&dev, 2, json!([{"text": overlay}]));
    let params = server.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == dev
            && p["version"] == 2
            && p["diagnostics"]
                .as_array()
                .is_some_and(|d| d.iter().all(|d| d["code"] != "overlay-changes-policy"))
    });
    assert_eq!(params["version"], 2);
    server.shutdown();
}

#[test]
fn a_patch_container_merged_into_one_with_a_policy_is_not_reported() {
    let base_with_policy = base().replace(
        "image: nginx:1.25\n",
        "image: nginx:1.25\n        imagePullPolicy: Always\n",
    );
    let dir = temp_dir(&format!(
        "{base_with_policy}\
//- overlays/dev/kustomization.yaml
resources:
  - ../../base
patches:
  - path: web.yaml
//- overlays/dev/web.yaml
{}",
        web_patch()
    ));
    let root = dir.path();
    let mut server = start_in(root);
    let patch_uri = file_uri(&root.join("overlays/dev/web.yaml"));
    server.open(&patch_uri, &web_patch(), 1);
    // The first publish may come before the index; the one with the layer drops it.
    let found = diagnostics_where(&mut server, &patch_uri, |d| {
        d.iter().all(|d| d["code"] != "implicit-pull-policy")
    });
    assert!(
        found.iter().all(|d| d["code"] != "implicit-pull-policy"),
        "{found:#?}"
    );
    let hover = server.hover(&patch_uri, 9, 16).expect("hover");
    let value = hover["contents"]["value"].as_str().unwrap();
    insta::assert_snapshot!("patch_container_hover", redact_root(value, root));
    assert!(
        value.contains(
            "**Kustomize patch** (listed by overlays/dev/kustomization.yaml): merged into \
             container `web` of Deployment/web in base/deployment.yaml, which sets \
             `imagePullPolicy: Always`"
        ),
        "{value}"
    );
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}});
    let hints = server
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": patch_uri}, "range": whole}),
        )
        .unwrap();
    assert_eq!(hints, json!([]), "{hints:#?}");
    server.shutdown();
}

#[test]
fn the_index_build_is_reported_with_progress_and_its_diagnostics_follow() {
    let dir = temp_dir(&format!(
        "{}//- overlays/dev/kustomization.yaml\n{DEV}",
        base()
    ));
    let root = dir.path();
    let mut server = start_in(root);
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));
    server.open(&dev, DEV, 1);

    // The token is created first, then the build begins and ends once.
    let begin = server.wait_notification("$/progress", |p| p["value"]["kind"] == "begin");
    assert_eq!(begin["token"], INDEX_PROGRESS_TOKEN);
    assert_eq!(begin["value"]["title"], "Indexing kustomize and Helm files");
    let end = server.wait_index_ready();
    assert_eq!(end["value"]["message"], "3 files indexed");
    let created: Vec<Value> = server
        .server_requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(method, _)| method == "window/workDoneProgress/create")
        .map(|(_, params)| params.clone())
        .collect();
    assert_eq!(created, vec![json!({"token": INDEX_PROGRESS_TOKEN})]);

    // The index's findings follow, and the requests after the end see them.
    diagnostics_where(&mut server, &dev, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    let actions = server
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": dev},
                   "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}},
                   "context": {"diagnostics": []}}),
        )
        .unwrap();
    assert!(actions.is_array(), "{actions:#?}");

    // A watched file changes the index in place, and a hover reads it: no second build.
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("base/deployment.yaml")), "type": 2}]}),
    );
    server.hover(&dev, 4, 12).expect("hover");
    assert!(server.drain("$/progress").is_empty());
    server.shutdown();
}

#[test]
fn a_client_without_work_done_progress_gets_no_progress() {
    let dir = temp_dir(&format!(
        "{}//- overlays/dev/kustomization.yaml\n{DEV}",
        base()
    ));
    let root = dir.path();
    let mut server = Server::start(Options {
        workspace_folders: vec![file_uri(root)],
        work_done_progress: false,
        ..Options::default()
    });
    let dev = file_uri(&root.join("overlays/dev/kustomization.yaml"));
    server.open(&dev, DEV, 1);
    diagnostics_where(&mut server, &dev, |d| {
        d.iter().any(|d| d["code"] == "overlay-changes-policy")
    });
    assert!(server.drain("$/progress").is_empty());
    let requests = server.server_requests.lock().unwrap().clone();
    assert!(
        requests
            .iter()
            .all(|(method, _)| method != "window/workDoneProgress/create"),
        "{requests:?}"
    );
    server.shutdown();
}
