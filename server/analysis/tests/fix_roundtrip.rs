//! The fix round trip: apply every safe fix `analyze` offers and check, with the
//! property checker the `fix_roundtrip` fuzz target uses
//! ([`gitops_ls_analysis::invariants::check_safe_fixes`]), that the text still parses,
//! that only the policy entries changed (byte for byte outside the edits, and in the
//! parsed tree), that the fixed findings are gone and that every container's effective
//! policy is the one the fix writes. On every rule fixture, every corpus file and the
//! shapes fuzzing found.

mod common;

use std::path::Path;

use gitops_ls_analysis::invariants::{check_safe_fixes, FixRoundTrip};
use gitops_ls_analysis::{analyze, Config};

fn check_all(files: &[(String, String)]) -> (usize, usize) {
    let mut failures = Vec::new();
    let mut fixed_files = 0;
    let mut edits = 0;
    for (name, text) in files {
        match check_safe_fixes(text) {
            Ok(FixRoundTrip { edits: 0, .. }) => {}
            Ok(round_trip) => {
                fixed_files += 1;
                edits += round_trip.edits;
            }
            Err(problem) => failures.push(format!("{name}:\n{problem}")),
        }
    }
    let shown: Vec<&str> = failures.iter().take(10).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} of {} files fail the fix round trip; the first ones:\n\n{}",
        failures.len(),
        files.len(),
        shown.join("\n\n")
    );
    (fixed_files, edits)
}

#[test]
fn fixes_round_trip_on_every_fixture() {
    let files: Vec<(String, String)> = common::rule_fixtures()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.display().to_string(), text)
        })
        .collect();
    let (fixed, edits) = check_all(&files);
    assert!(fixed >= 10, "only {fixed} fixtures had fixes");
    println!(
        "fix round trip: {} fixtures, {fixed} fixed, {edits} edits",
        files.len()
    );
}

#[test]
fn fixes_round_trip_on_the_corpus() {
    let Some(dir) = common::corpus_dir() else {
        println!("fix round trip: no corpus at ../shared/corpus, 0 files checked");
        return;
    };
    let files: Vec<(String, String)> = common::corpus_texts(&dir)
        .into_iter()
        .map(|(path, text)| (relative(&path, &dir), text))
        .collect();
    let (fixed, edits) = check_all(&files);
    println!(
        "fix round trip: {} corpus files checked, {fixed} fixed, {edits} edits",
        files.len()
    );
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n";

/// The text after `check --fix`, which must not change what the text means.
fn fixed(text: &str) -> String {
    let round_trip = check_safe_fixes(text).unwrap_or_else(|problem| panic!("{text:?}: {problem}"));
    round_trip.repaired.unwrap_or_else(|| text.to_owned())
}

/// Asserts the round trip on `spec` (under a Pod's `spec:`) and that the safe fixes give
/// `expected`; returns how many edits were applied.
fn assert_fixed(spec: &str, expected: &str) -> usize {
    let text = format!("{POD}{spec}");
    let round_trip =
        check_safe_fixes(&text).unwrap_or_else(|problem| panic!("{spec:?}: {problem}"));
    let expected = Some(format!("{POD}{expected}"));
    assert_eq!(round_trip.repaired, expected, "{spec:?}");
    round_trip.edits
}

/// Asserts that nothing is fixed: no safe fix is offered.
fn assert_not_fixed(spec: &str) {
    let text = format!("{POD}{spec}");
    assert_eq!(
        check_safe_fixes(&text),
        Ok(FixRoundTrip::default()),
        "{spec:?}"
    );
}

// Issue 10, first shape: a key without a value in a flow mapping got the policy after the
// next `:` anywhere in the text (`name: Always web`), once more on every `--fix`.
#[test]
fn a_policy_key_without_a_value_gets_its_own_value() {
    let cases = [
        (
            "  containers: [{imagePullPolicy, name: web, image: nginx}]\n",
            "  containers: [{imagePullPolicy: Always, name: web, image: nginx}]\n",
        ),
        (
            "  containers: [{imagePullPolicy: , name: web, image: nginx}]\n",
            "  containers: [{imagePullPolicy: Always , name: web, image: nginx}]\n",
        ),
        (
            "  containers: [{imagePullPolicy:, name: web, image: nginx:1.25}]\n",
            "  containers: [{imagePullPolicy: IfNotPresent, name: web, image: nginx:1.25}]\n",
        ),
        (
            "  containers: [{\"imagePullPolicy\":, name: web, image: nginx}]\n",
            "  containers: [{\"imagePullPolicy\": Always, name: web, image: nginx}]\n",
        ),
        // The next `:` was in a comment, or on the next line.
        (
            "  containers:\n  - {imagePullPolicy, # note: x\n     name: web, image: nginx}\n",
            "  containers:\n  - {imagePullPolicy: Always, # note: x\n     name: web, image: nginx}\n",
        ),
        (
            "  containers:\n  - imagePullPolicy:\n    name: web\n    image: nginx\n",
            "  containers:\n  - imagePullPolicy: Always\n    name: web\n    image: nginx\n",
        ),
        (
            "  containers:\n  - imagePullPolicy: # note: x\n    name: web\n    image: nginx\n",
            "  containers:\n  - imagePullPolicy: Always # note: x\n    name: web\n    image: nginx\n",
        ),
        (
            "  containers:\n  - imagePullPolicy:\n\n    name: web\n    image: nginx\n",
            "  containers:\n  - imagePullPolicy: Always\n\n    name: web\n    image: nginx\n",
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(assert_fixed(spec, expected), 1);
        // A second `--fix` has nothing left to do.
        let once = format!("{POD}{expected}");
        assert_eq!(fixed(&once), once);
    }
}

// Issue 10, second shape: the policy went before the `:` of an empty image value.
#[test]
fn an_inserted_policy_goes_after_an_empty_value() {
    let cases = [
        (
            "  containers: [{name: web, image:}]\n",
            "  containers: [{name: web, image:, imagePullPolicy: IfNotPresent}]\n",
        ),
        (
            "  containers: [{name: web, image: }]\n",
            "  containers: [{name: web, image:, imagePullPolicy: IfNotPresent }]\n",
        ),
        (
            "  containers: [{image:, name: web}]\n",
            "  containers: [{image:, imagePullPolicy: IfNotPresent, name: web}]\n",
        ),
    ];
    for (spec, expected) in cases {
        assert_fixed(spec, expected);
    }
}

// Issue 10, third shape: `IfNotPresent !!null`, which the API server rejects. The whole
// node is replaced, properties included; an anchor that an alias uses is not removed.
#[test]
fn a_tagged_or_anchored_policy_is_replaced_whole() {
    let container = "  containers:\n  - name: web\n    image: nginx:1.25\n    imagePullPolicy: ";
    let cases = [
        ("!!null", "IfNotPresent"),
        ("!!str", "IfNotPresent"),
        ("&a", "IfNotPresent"),
        ("!custom", "IfNotPresent"),
        ("!!str always", "Always"),
        ("!custom always", "Always"),
        ("&a always", "Always"),
        ("!!str &a # c\n      always", "Always"),
        ("!!str |\n      always", "Always"),
        ("|\n      always", "Always"),
        (">-\n      never", "Never"),
    ];
    for (written, policy) in cases {
        let spec = format!("{container}{written}\n    args: [x]\n");
        let expected = format!("{container}{policy}\n    args: [x]\n");
        assert_eq!(assert_fixed(&spec, &expected), 1, "{written:?}");
        let flow = format!(
            "  containers: [{{name: web, image: nginx:1.25, imagePullPolicy: {written}}}]\n"
        );
        let expected = format!(
            "  containers: [{{name: web, image: nginx:1.25, imagePullPolicy: {policy}}}]\n"
        );
        if !written.contains(['|', '>']) {
            assert_eq!(assert_fixed(&flow, &expected), 1, "flow {written:?}");
        }
    }
    // Another container uses the anchor: replacing it would change that one too, so only
    // the alias is replaced.
    let shared = "  containers:\n  - name: a\n    image: nginx:1.25\n    imagePullPolicy: &p always\n  - name: b\n    image: nginx:1.25\n    imagePullPolicy: *p\n";
    assert_fixed(shared, &shared.replace("*p", "Always"));
    assert_not_fixed(
        "  containers:\n  - name: a\n    image: nginx:1.25\n    imagePullPolicy: &p always\n    env: [{name: P, value: *p}]\n",
    );
}

// Found by fuzzing: a single pair in a flow sequence has no braces, so `, key: value`
// after it was another item of the sequence.
#[test]
fn a_flow_pair_in_a_sequence_gets_no_inserted_entry() {
    assert_not_fixed("  containers: [image: nginx:1.25]\n");
    assert_not_fixed("  containers: [name: web, image: nginx]\n");
    // Its value can still be replaced.
    assert_fixed(
        "  containers: [image: nginx:1.25, imagePullPolicy: always]\n",
        "  containers: [image: nginx:1.25, imagePullPolicy: Always]\n",
    );
}

// Found by fuzzing: an entry inserted at the column of a key written with a tag or an
// anchor (`- ! image:`) was nested under it, since the mapping's column is the tag's.
#[test]
fn no_entry_is_inserted_after_a_key_with_properties() {
    assert_not_fixed("  containers:\n  - ! image: nginx\n");
    assert_not_fixed("  containers:\n  - name: web\n    &k image: nginx\n");
}

// Found by fuzzing: in a document that does not parse, the partial tree moves with the
// text (here the container vanished once its policy was fixed), so no fix is safe there.
#[test]
fn no_fix_is_safe_in_a_document_that_does_not_parse() {
    let broken = format!(
        "{POD}  containers:\n  - name: web\n    image: nginx\n    imagePullPolicy: always\n  volumes: [\n"
    );
    let analysis = analyze(&broken, &Config::default());
    let invalid = analysis
        .findings
        .iter()
        .find(|finding| finding.rule == "invalid-pull-policy")
        .expect("the policy is still reported");
    assert!(!invalid.fixes.is_empty() && invalid.fixes.iter().all(|fix| !fix.safe));
    assert_eq!(fixed(&broken), broken);
}
