//! Rule fixtures: `tests/fixtures/rules/*.yaml`.
//!
//! Each fixture states, in its own comments, what the analysis must report —
//! every finding, nothing more. A trailing comment names the findings that
//! start on its line; `RULE@LINE` (1-based) names another line, for places
//! where a comment cannot go (inside block scalars, broken YAML):
//!
//! ```yaml
//! # config: {rules: {require-digest: error}}
//! # expect: yaml-syntax@30
//!     image: nginx # expect: latest-tag `nginx`; require-digest
//! ```
//!
//! The optional `` `text` `` is exactly what the finding's range covers.
//! `# config:` is a one-line `.gitops-ls.yaml` (flow style) for rules that
//! are off by default or take options. A container without an `expect` is a
//! "does not fire" case. `NAME.fixed.yaml`, when present, is NAME.yaml after
//! applying every safe fix.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use gitops_ls_analysis::rules::RULES;
use gitops_ls_analysis::{analyze, apply_edits, Analysis, Config, Edit};

#[derive(Debug)]
struct Expected {
    rule: String,
    line: usize,
    covered: Option<String>,
}

struct Fixture {
    name: String,
    text: String,
    config: Config,
    expected: Vec<Expected>,
}

/// Lines split at `\r\n`, `\n` and a lone `\r`, as YAML and the analysis do.
fn lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\n', '\r']) {
        lines.push(&rest[..at]);
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    lines.push(rest);
    lines
}

/// `RULE[@LINE] [`covered`]`; `line` is the comment's own line.
fn parse_expected(spec: &str, line: usize, name: &str) -> Expected {
    let (target, covered) = match spec.split_once('`') {
        Some((target, rest)) => {
            let covered = rest
                .strip_suffix('`')
                .unwrap_or_else(|| panic!("{name}:{line}: unclosed ` in `{spec}`"));
            (target.trim(), Some(unescape(covered)))
        }
        None => (spec.trim(), None),
    };
    let (rule, line) = match target.split_once('@') {
        Some((rule, at)) => (
            rule,
            at.parse()
                .unwrap_or_else(|_| panic!("{name}:{line}: bad line in `{spec}`")),
        ),
        None => (target, line),
    };
    Expected {
        rule: rule.to_owned(),
        line,
        covered,
    }
}

/// `\n`, `\r`, `\t` and `\\` in a covered text, as `show` writes them.
fn unescape(covered: &str) -> String {
    let mut out = String::new();
    let mut chars = covered.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn load(path: &Path) -> Fixture {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut config_text = None;
    let mut expected = Vec::new();
    for (index, line) in lines(&text).into_iter().enumerate() {
        if let Some((_, specs)) = line.split_once("# expect:") {
            // Covered texts never hold `;`, so it can separate expectations.
            for spec in specs.split(';') {
                expected.push(parse_expected(spec.trim(), index + 1, &name));
            }
        } else if let Some((_, config)) = line.split_once("# config:") {
            assert!(config_text.is_none(), "{name}: one `# config:` line only");
            config_text = Some(config.trim().to_owned());
        }
    }
    let config = Config::from_yaml(config_text.as_deref().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{name}: bad config: {e}"));
    Fixture {
        name,
        text,
        config,
        expected,
    }
}

fn actual(fixture: &Fixture, analysis: &Analysis) -> Vec<Expected> {
    analysis
        .findings
        .iter()
        .map(|finding| Expected {
            rule: finding.rule.to_owned(),
            line: analysis.lines.line_of(finding.range.start) + 1,
            covered: Some(fixture.text[finding.range.clone()].to_owned()),
        })
        .collect()
}

/// Differences between what a fixture expects and what was found.
fn mismatches(fixture: &Fixture, analysis: &Analysis) -> Vec<String> {
    let mut unmatched = actual(fixture, analysis);
    let mut problems = Vec::new();
    for want in &fixture.expected {
        let hit = unmatched.iter().position(|got| {
            got.rule == want.rule
                && got.line == want.line
                && (want.covered.is_none() || got.covered == want.covered)
        });
        match hit {
            Some(index) => {
                unmatched.remove(index);
            }
            None => problems.push(format!("missing  {}", show(want))),
        }
    }
    problems.extend(
        unmatched
            .iter()
            .map(|got| format!("extra    {}", show(got))),
    );
    problems
}

fn show(e: &Expected) -> String {
    match &e.covered {
        Some(covered) => format!("{}@{} `{}`", e.rule, e.line, covered.escape_debug()),
        None => format!("{}@{}", e.rule, e.line),
    }
}

/// Every safe fix of every finding, applied together.
fn apply_safe_fixes(text: &str, analysis: &Analysis) -> String {
    let edits: Vec<Edit> = analysis
        .findings
        .iter()
        .flat_map(|finding| finding.fixes.iter().filter(|fix| fix.safe))
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    apply_edits(text, &edits)
}

#[test]
fn rule_fixtures_report_exactly_what_they_expect() {
    let fixtures: Vec<Fixture> = common::rule_fixtures().iter().map(|p| load(p)).collect();
    assert!(!fixtures.is_empty());
    let mut failures = Vec::new();
    let mut goldens = 0;
    for fixture in &fixtures {
        let analysis = analyze(&fixture.text, &fixture.config);
        let problems = mismatches(fixture, &analysis);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", fixture.name, problems.join("\n  ")));
        }
        let golden = common::rule_fixture_dir().join(fixture.name.replace(".yaml", ".fixed.yaml"));
        if let Ok(want) = fs::read_to_string(&golden) {
            goldens += 1;
            let got = apply_safe_fixes(&fixture.text, &analysis);
            if got != want {
                failures.push(format!(
                    "{}: safe fixes give\n{}\n(want {})",
                    fixture.name,
                    got.escape_debug(),
                    golden.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    println!("{} fixtures, {goldens} with a golden fix", fixtures.len());
}

/// Every rule has its own fixture, `RULE-ID.yaml`, in which it fires, and
/// every `expect` line names a real rule.
#[test]
fn every_rule_has_a_fixture_where_it_fires() {
    let fixtures: Vec<Fixture> = common::rule_fixtures().iter().map(|p| load(p)).collect();
    let ids: BTreeSet<&str> = RULES.iter().map(|rule| rule.meta.id).collect();
    for fixture in &fixtures {
        for e in &fixture.expected {
            assert!(
                ids.contains(e.rule.as_str()),
                "{}: unknown rule {}",
                fixture.name,
                e.rule
            );
        }
    }
    for id in ids {
        // Cross-file: `analyze` never reports them; the workspace tests of
        // `gitops` and the CLI end-to-end tests cover them.
        if gitops_ls_analysis::rules::is_cross_file(id) {
            continue;
        }
        let own = fixtures
            .iter()
            .find(|f| f.name == format!("{id}.yaml"))
            .unwrap_or_else(|| panic!("no fixture {id}.yaml"));
        assert!(
            own.expected.iter().any(|e| e.rule == id),
            "{id}.yaml never expects {id}"
        );
    }
}
