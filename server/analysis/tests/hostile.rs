//! Hostile input: each case must come back with a sensible result (a finding, a
//! skip notice or the right containers), never a crash, a stack overflow or a hang.
//!
//! No case times itself: the work is bounded by the core's deterministic counts
//! (`gitops_ls_analysis::work`), which must stay linear in the input, and a watchdog
//! far above the quiet run time turns a hang into a failure.

mod common;

use gitops_ls_analysis::image::{parse_normalized_named, ReferenceErrorKind};
use gitops_ls_analysis::work::{measure, Work};
use gitops_ls_analysis::{analyze, Analysis, Config, MAX_FILE_BYTES};

/// Analyses `text` under the watchdog, with the work it took.
fn analyse_measured(text: &str) -> (Analysis, Work) {
    let text = text.to_owned();
    common::watchdog("analysis", move || {
        measure(|| analyze(&text, &Config::default()))
    })
}

/// Analyses `text`, failing when the work is not linear in its size: at most one
/// parser event and one key comparison per byte (real manifests take 0.15 and 0.12)
/// and one pass of the template lexer over the text.
fn quick(text: &str) -> Analysis {
    let (analysis, work) = analyse_measured(text);
    let bytes = text.len() as u64 + 64;
    assert!(work.yaml_events <= bytes, "{work:?} for {bytes} bytes");
    assert!(work.key_comparisons <= bytes, "{work:?} for {bytes} bytes");
    assert!(work.template_bytes <= bytes, "{work:?} for {bytes} bytes");
    analysis
}

fn count(analysis: &Analysis, rule: &str) -> usize {
    analysis.findings.iter().filter(|f| f.rule == rule).count()
}

fn lines_of(analysis: &Analysis, rule: &str) -> Vec<usize> {
    analysis
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| analysis.lines.line_of(f.range.start) + 1)
        .collect()
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n";

/// A Pod document after the hostile one shows the rest is still analysed.
fn then_a_pod(hostile: &str) -> String {
    format!("{hostile}\n---\n{POD}")
}

#[test]
fn hundred_thousand_open_brackets() {
    // (`{{` would be a template opener: see `only_template_openers`.)
    for opener in ["[", "{ ", "[{"] {
        let text = then_a_pod(&opener.repeat(100_000));
        let analysis = quick(&text);
        assert_eq!(count(&analysis, "yaml-syntax"), 1, "{opener}");
        assert_eq!(lines_of(&analysis, "yaml-syntax"), [1]);
        assert_eq!(
            analysis.containers.len(),
            1,
            "the next document is analysed"
        );
    }
}

#[test]
fn hundred_thousand_nested_block_sequences() {
    // `- - - … x` on one line, and the same with line breaks and growing
    // indentation (as deep as a 20 MB file allows).
    let one_line = format!("{}x", "- ".repeat(100_000));
    let analysis = quick(&then_a_pod(&one_line));
    assert_eq!(count(&analysis, "yaml-syntax"), 1);
    assert_eq!(analysis.containers.len(), 1);

    let indented: String = (0..4_000)
        .map(|depth| format!("{}- \n", " ".repeat(depth)))
        .collect();
    let analysis = quick(&then_a_pod(&indented));
    assert_eq!(count(&analysis, "yaml-syntax"), 1);
    assert_eq!(analysis.containers.len(), 1);

    // Nested mappings, the shape deep YAML really has.
    let mappings: String = (0..4_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
        .collect();
    let analysis = quick(&then_a_pod(&mappings));
    assert_eq!(count(&analysis, "yaml-syntax"), 1);
    assert_eq!(analysis.containers.len(), 1);
}

/// `n` Deployments of two containers each, one without a policy.
fn deployments(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  labels: {{app: web, tier: frontend, index: \"{i}\"}}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/acme/web:{i}\n        imagePullPolicy: IfNotPresent\n        args: [--port=8080, --verbose]\n        env:\n        - {{name: A, value: \"1\"}}\n      - name: sidecar\n        image: ghcr.io/acme/sidecar:latest\n"
        ));
    }
    text
}

#[test]
fn twenty_megabytes() {
    let one = deployments(1).len();
    let n = 20 * 1024 * 1024 / one;
    let text = deployments(n);
    assert!(text.len() >= 19 * 1024 * 1024);
    let analysis = quick(&text);
    assert!(analysis.skipped.is_none());
    assert_eq!(analysis.file.documents.len(), n);
    assert_eq!(analysis.containers.len(), 2 * n);
    assert_eq!(count(&analysis, "implicit-pull-policy"), n);
    assert_eq!(count(&analysis, "latest-tag"), n);
    assert_eq!(analysis.findings.len(), 2 * n);
}

#[test]
fn files_over_the_limit_are_skipped_with_a_notice() {
    let text = "#".repeat(MAX_FILE_BYTES + 1);
    let analysis = quick(&text);
    assert!(analysis.skipped.as_deref().unwrap().contains("larger than"));
    assert!(analysis.findings.is_empty());
}

#[test]
fn billion_laughs() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..30 {
        let previous = format!("*a{}", level - 1);
        let list = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{list}]\n"));
    }
    text.push_str(
        "img: &img nginx:1.25\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: web\n    image: *img\n    args: *a29\n    env: *a29\n",
    );
    let analysis = quick(&text);
    // Aliases are never expanded: the tree is as big as the text.
    let nodes: usize = analysis.file.documents.iter().map(|d| d.nodes.len()).sum();
    assert!(nodes < 1_000, "{nodes} nodes");
    assert_eq!(analysis.containers.len(), 1);
    assert_eq!(analysis.containers[0].image_text(), Some("nginx:1.25"));
    assert_eq!(count(&analysis, "implicit-pull-policy"), 1);
}

#[test]
fn merge_key_bomb() {
    // Every level merges the previous one four times: looking up a key
    // that is not there would visit 4^40 mappings without a budget.
    let mut text = String::from("m0: &m0 {name: base, image: app:1}\n");
    for level in 1..40 {
        let previous = format!("*m{}", level - 1);
        let list = [previous.as_str(); 4].join(", ");
        text.push_str(&format!(
            "m{level}: &m{level}\n  <<: [{list}]\n  k{level}: v\n"
        ));
    }
    text.push_str("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n");
    for i in 0..200 {
        text.push_str(&format!(
            "  - <<: *m30\n    name: c{i}\n  - <<: *m39\n    name: d{i}\n"
        ));
    }
    let (analysis, work) = analyse_measured(&text);
    // Each lookup of a key that is not there stops at its budget of 10,000 key
    // comparisons; the 400 containers make about 600 of them (4^40 without the budget).
    assert!(work.key_comparisons <= 600 * 10_000 + 100_000, "{work:?}");
    assert!(work.yaml_events <= text.len() as u64, "{work:?}");
    assert_eq!(analysis.containers.len(), 400);
    for facts in &analysis.containers {
        let name = facts.container.display_name().unwrap();
        if name.starts_with('c') {
            // Found through 30 levels of merges; the missing policy is
            // looked up under the budget and defaults from the merged image.
            assert_eq!(facts.image_text(), Some("app:1"));
            let policy = facts.effective.policy().map(|p| p.as_str());
            assert_eq!(policy, Some("IfNotPresent"));
        } else {
            // Merges nested deeper than the limit (32) are not followed.
            assert_eq!(facts.image_text(), None);
            assert_eq!(facts.effective.policy(), None);
        }
    }
    assert_eq!(count(&analysis, "implicit-pull-policy"), 200);
}

#[test]
fn only_template_openers() {
    // Never closed, so not an action: YAML flow mappings nested too deep.
    // The document is broken but not blamed (it may be a template).
    let analysis = quick(&then_a_pod(&"{{".repeat(500_000)));
    assert!(analysis.file.documents[0].error.is_some());
    assert_eq!(count(&analysis, "yaml-syntax"), 0);
    assert_eq!(analysis.containers.len(), 1, "the Pod after it is found");

    // One action over the whole line, action-only lines, a line of actions.
    for text in [
        "{{ ".repeat(300_000) + "}}",
        "{{- if .x }}\n".repeat(100_000),
        "{{ .a }} ".repeat(200_000),
    ] {
        let analysis = quick(&then_a_pod(&text));
        assert!(analysis.file.has_template_actions);
        assert!(analysis.file.documents[0].error.is_none());
        assert_eq!(analysis.containers.len(), 1);
        assert!(analysis
            .findings
            .iter()
            .all(|f| f.rule == "implicit-pull-policy"));
    }
}

#[test]
fn nul_bytes() {
    let text = format!("{POD}    imagePullPolicy: Always\0\n");
    let analysis = quick(&text);
    let nul = text.find('\0').unwrap();
    let syntax: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.rule == "yaml-syntax")
        .collect();
    assert_eq!(syntax.len(), 1, "{:#?}", analysis.findings);
    assert_eq!(syntax[0].range.start, nul);

    let only_nul = "\0".repeat(1_000_000);
    let analysis = quick(&then_a_pod(&only_nul));
    assert_eq!(count(&analysis, "yaml-syntax"), 1);
    assert_eq!(analysis.containers.len(), 1);
}

#[test]
fn lone_carriage_returns() {
    let text = POD.replace('\n', "\r") + "  - name: bad\r    image: Nginx\r";
    let analysis = quick(&text);
    assert_eq!(count(&analysis, "yaml-syntax"), 0);
    assert_eq!(analysis.containers.len(), 2);
    assert_eq!(lines_of(&analysis, "invalid-image"), [10]);
    assert_eq!(lines_of(&analysis, "implicit-pull-policy"), [7, 9]);
    // Only lone CRs, no YAML at all.
    let analysis = quick(&"\r".repeat(1_000_000));
    assert!(analysis.findings.is_empty());
}

#[test]
fn unicode_line_separators_are_not_line_breaks() {
    // U+2028, U+2029 and NEL are ordinary characters in YAML 1.2 (and for
    // LSP line counting): the lines after them keep their numbers.
    for separator in ['\u{2028}', '\u{2029}', '\u{85}'] {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {{note: \"a{separator}b\"}}\nspec:\n  containers:\n  - name: x{separator}y\n    image: app{separator}1\n    imagePullPolicy: Always\n"
        );
        let analysis = quick(&text);
        assert_eq!(count(&analysis, "yaml-syntax"), 0, "{separator:?}");
        assert_eq!(analysis.lines.line_count(), 10);
        assert_eq!(lines_of(&analysis, "invalid-image"), [8], "{separator:?}");
        let finding = analysis
            .findings
            .iter()
            .find(|f| f.rule == "invalid-image")
            .unwrap();
        assert_eq!(&text[finding.range.clone()], format!("app{separator}1"));
    }
}

#[test]
fn very_long_lines() {
    // A 5 MB flow sequence of arguments, a 5 MB quoted value, and a 5 MB
    // comment, all in one container.
    let args = vec!["--flag=value"; 400_000].join(", ");
    let value = "x".repeat(5_000_000);
    let comment = "#".repeat(5_000_000);
    let text = format!(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: long\n    args: [{args}]\n    env: [{{name: A, value: \"{value}\"}}] {comment}\n    image: app\n"
    );
    let analysis = quick(&text);
    assert_eq!(analysis.containers.len(), 1);
    assert_eq!(lines_of(&analysis, "implicit-pull-policy"), [5]);
    assert_eq!(lines_of(&analysis, "latest-tag"), [8]);

    // A 5 MB image reference: parsed, rejected, reported once.
    let image = format!("{}:1", "a".repeat(5_000_000));
    let text = format!("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {{name: a, image: {image}, imagePullPolicy: Always}}\n");
    let analysis = quick(&text);
    assert_eq!(lines_of(&analysis, "invalid-image"), [5]);
}

#[test]
fn many_template_actions_and_containers() {
    // A Helm-like template with 100,000 containers, each followed by a
    // template-only line: no work per container and action line (10^10
    // steps here, minutes), only per container or per action line.
    let mut text = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n",
    );
    for _ in 0..100_000 {
        text.push_str(
            "      - {name: c, image: \"{{ .Values.i }}\", args: [{{ .a }}]}\n      {{- x }}\n",
        );
    }
    let analysis = quick(&text);
    assert_eq!(analysis.containers.len(), 100_000);
    assert!(
        analysis.findings.is_empty(),
        "{:?}",
        analysis.findings.first()
    );
}

#[test]
fn many_actions_on_one_line() {
    // 200,000 actions after a key on one 1.8 MB line, then a container.
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\nspec:\n  containers:\n  - {{name: a, image: app}}\n",
        "{{ .a }} ".repeat(200_000)
    );
    let analysis = quick(&text);
    assert_eq!(analysis.containers.len(), 1);
    assert_eq!(lines_of(&analysis, "implicit-pull-policy"), [7]);
    assert_eq!(lines_of(&analysis, "latest-tag"), [7]);
}

#[test]
fn many_duplicate_keys_in_a_template() {
    let mut text = String::from("data:\n");
    for i in 0..50_000 {
        text.push_str(&format!("  {{{{- if .Values.x{i} }}}}\n  key: a\n"));
    }
    text.push_str("  {{- end }}\n  key: b\n  key: c\n");
    let analysis = quick(&text);
    // Keys split by template lines may be if/else branches; the last two are not.
    assert_eq!(count(&analysis, "duplicate-key"), 1);
}

#[test]
fn five_megabyte_image_references() {
    // A capture search over such a name once took seconds; the parser is linear.
    let huge = "a".repeat(5_000_000);
    let (too_long, qualified) = common::watchdog("reference parsing", move || {
        (
            parse_normalized_named(&format!("{huge}:1")).map_err(|e| e.kind()),
            parse_normalized_named(&format!("{huge}.com/app:1")).map(|r| r.path),
        )
    });
    assert_eq!(too_long.unwrap_err(), ReferenceErrorKind::NameTooLong);
    assert_eq!(qualified.unwrap(), "app");
}
