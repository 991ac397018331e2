//! The fix round trip, on every rule fixture and every corpus file: apply
//! the safe fixes of all `implicit-pull-policy` findings, analyse again, and
//!
//! - (a) no `implicit-pull-policy` is left,
//! - (b) every container (matched by document and path) has the same
//!   effective pull policy,
//! - (c) the text differs only by the inserted text (a fix may also fill in
//!   an empty value such as `imagePullPolicy: ""`),
//! - (d) no new `yaml-syntax` or `duplicate-key` finding appears.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use gitops_ls_analysis::{analyze, apply_edits, Analysis, Config, Edit};

const RULE: &str = "implicit-pull-policy";

/// Values that decode to "" and are defaulted like a missing policy.
const EMPTY_VALUES: &[&str] = &["\"\"", "''", "~", "null", "Null", "NULL"];

fn policies(analysis: &Analysis) -> BTreeMap<(usize, String), Option<String>> {
    analysis
        .containers
        .iter()
        .map(|facts| {
            let key = (facts.container.document, facts.container.path.clone());
            let policy = facts.effective.policy().map(|p| p.as_str().to_owned());
            (key, policy)
        })
        .collect()
}

fn count(analysis: &Analysis, rule: &str) -> usize {
    analysis.findings.iter().filter(|f| f.rule == rule).count()
}

/// The edits `apply_edits` keeps, in order (it drops overlapping ones).
fn kept_edits(edits: &[Edit]) -> Vec<Edit> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut kept: Vec<Edit> = Vec::new();
    for edit in sorted {
        let overlaps = kept.last().is_some_and(|last| {
            edit.range.start < last.range.end || (edit.range.is_empty() && last.range == edit.range)
        });
        if !overlaps {
            kept.push(edit);
        }
    }
    kept
}

/// Checks the round trip on one text; returns what went wrong.
fn round_trip(text: &str, config: &Config) -> Result<usize, String> {
    let before = analyze(text, config);
    let edits: Vec<Edit> = before
        .findings
        .iter()
        .filter(|finding| finding.rule == RULE)
        .flat_map(|finding| finding.fixes.iter().filter(|fix| fix.safe))
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    if edits.is_empty() {
        return Ok(0);
    }
    let fixed = apply_edits(text, &edits);
    let after = analyze(&fixed, config);
    let mut problems = Vec::new();

    // (a)
    for finding in after.findings.iter().filter(|f| f.rule == RULE) {
        let line = after.lines.line_of(finding.range.start) + 1;
        problems.push(format!(
            "(a) still {RULE} on line {line}: {}",
            finding.message
        ));
    }
    // (b)
    let (old, new) = (policies(&before), policies(&after));
    if old != new {
        for (key, policy) in &old {
            let now = new.get(key);
            if now != Some(policy) {
                problems.push(format!("(b) {key:?}: {policy:?} became {now:?}"));
            }
        }
        for key in new.keys().filter(|key| !old.contains_key(*key)) {
            problems.push(format!("(b) new container {key:?}"));
        }
    }
    // (c) Remove the inserted texts again (and put back the empty values
    // that were filled in): that must give the old text, byte for byte.
    let mut rebuilt = String::with_capacity(text.len());
    let mut cursor = 0; // in `fixed`
    let mut shift = 0isize; // `fixed` offset minus `text` offset
    for edit in kept_edits(&edits) {
        let replaced = &text[edit.range.clone()];
        if !replaced.is_empty() && !EMPTY_VALUES.contains(&replaced) {
            problems.push(format!(
                "(c) an edit replaces {replaced:?}, not an empty value"
            ));
        }
        let at = (edit.range.start as isize + shift) as usize;
        if fixed.get(at..at + edit.new_text.len()) != Some(edit.new_text.as_str()) {
            problems.push(format!(
                "(c) {:?} is not where it was inserted",
                edit.new_text
            ));
            break;
        }
        rebuilt.push_str(&fixed[cursor..at]);
        rebuilt.push_str(replaced);
        cursor = at + edit.new_text.len();
        shift += edit.new_text.len() as isize - replaced.len() as isize;
    }
    rebuilt.push_str(fixed.get(cursor..).unwrap_or_default());
    if rebuilt != text {
        problems.push("(c) the fixed text changes more than the inserted text".to_owned());
    }
    // (d)
    for rule in ["yaml-syntax", "duplicate-key"] {
        let (was, is) = (count(&before, rule), count(&after, rule));
        if is > was {
            problems.push(format!("(d) {rule}: {was} findings before, {is} after"));
        }
    }
    if problems.is_empty() {
        Ok(edits.len())
    } else {
        Err(format!("{}\n--- fixed text:\n{fixed}", problems.join("\n")))
    }
}

fn check_all(files: &[(String, String)]) -> (usize, usize) {
    let config = Config::default();
    let mut failures = Vec::new();
    let mut fixed_files = 0;
    let mut insertions = 0;
    for (name, text) in files {
        match round_trip(text, &config) {
            Ok(0) => {}
            Ok(n) => {
                fixed_files += 1;
                insertions += n;
            }
            Err(problem) => failures.push(format!("{name}:\n{problem}")),
        }
    }
    let shown: Vec<&String> = failures.iter().take(10).collect();
    assert!(
        failures.is_empty(),
        "{} of {} files fail the fix round trip; the first ones:\n\n{}",
        failures.len(),
        files.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    (fixed_files, insertions)
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
    let (fixed, insertions) = check_all(&files);
    assert!(fixed >= 10, "only {fixed} fixtures had fixes");
    println!(
        "fix round trip: {} fixtures, {fixed} fixed, {insertions} fixes",
        files.len()
    );
}

#[test]
fn fixes_round_trip_on_the_corpus() {
    let Some(dir) = common::corpus_dir() else {
        println!("fix round trip: no corpus at ../shared/corpus, 0 files checked");
        return;
    };
    let started = Instant::now();
    let files: Vec<(String, String)> = common::corpus_texts(&dir)
        .into_iter()
        .map(|(path, text)| (relative(&path, &dir), text))
        .collect();
    let (fixed, insertions) = check_all(&files);
    println!(
        "fix round trip: {} corpus files checked, {fixed} fixed, {insertions} fixes, {:.1?}",
        files.len(),
        started.elapsed()
    );
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
