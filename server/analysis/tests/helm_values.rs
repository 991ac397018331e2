//! `values.yaml` findings (`helm-values-pull-policy`, `helm-values-empty-tag`) over the real
//! charts of the shared corpus (`../shared/corpus`; skipped quietly when absent): every
//! directory with a `Chart.yaml`, its templates taken from the files under it.
//!
//! - no chart makes [`values_findings`] panic, and every range lies inside `values.yaml`;
//! - the charts as written: the findings are printed and counted;
//! - seeded mistakes, in memory: every exact `pullPolicy`-style value a template renders as
//!   `imagePullPolicy` is lowercased, and the safe fix must give back the original text;
//!   the `| default .Chart.AppVersion` fallbacks are taken out of the templates, and the
//!   empty tags they covered must be reported and fixed to the chart's appVersion.

mod common;

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use gitops_ls_analysis::gitops::helm::{
    chart_templates, values_findings, HELM_VALUES_EMPTY_TAG, HELM_VALUES_PULL_POLICY,
};
use gitops_ls_analysis::gitops::FileSource;
use gitops_ls_analysis::{apply_edits, Edit, Finding, Severity};

/// The disk, with some files replaced in memory.
struct Overlay {
    files: HashMap<PathBuf, String>,
}

impl FileSource for Overlay {
    fn read(&self, path: &Path) -> Option<String> {
        self.files
            .read(path)
            .or_else(|| std::fs::read_to_string(path).ok())
    }
}

/// Every file below `dir` (any extension: the lint picks the templates itself).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

fn charts(corpus: &Path) -> Vec<PathBuf> {
    let mut charts: Vec<PathBuf> = files_under(corpus)
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name == "Chart.yaml"))
        .filter_map(|path| path.parent().map(Path::to_path_buf))
        .collect();
    charts.sort();
    charts
}

fn lint(chart: &Path, files: &[PathBuf], source: &Overlay) -> Result<Vec<Finding>, String> {
    panic::catch_unwind(AssertUnwindSafe(|| {
        values_findings(chart, files, source, &|_| Severity::Error)
    }))
    .map_err(|_| format!("{}: panicked", chart.display()))
}

/// The edits of every fix of `found`.
fn all_edits(found: &[Finding]) -> Vec<Edit> {
    found
        .iter()
        .flat_map(|f| f.fixes.iter().flat_map(|fix| fix.edits.clone()))
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Lowercases the values that are exactly `Always` / `IfNotPresent` / `Never` on lines
/// whose key mentions a pull policy; returns the new text and how many were changed.
fn lowercase_policies(values: &str) -> (String, usize) {
    let mut changed = 0;
    let text: Vec<String> = values
        .split_inclusive('\n')
        .map(|line| {
            let Some((key, value)) = line.split_once(':') else {
                return line.to_owned();
            };
            let is_policy_key = key.trim().to_ascii_lowercase().ends_with("pullpolicy")
                && !key.trim_start().starts_with('#');
            let bare = value.trim().trim_matches(['"', '\'']);
            if is_policy_key && ["Always", "IfNotPresent", "Never"].contains(&bare) {
                changed += 1;
                format!("{key}:{}", value.replacen(bare, &bare.to_lowercase(), 1))
            } else {
                line.to_owned()
            }
        })
        .collect();
    (text.concat(), changed)
}

#[test]
fn corpus_charts_lint_without_panics_and_seeded_mistakes_are_found_and_fixed() {
    let Some(corpus) = common::corpus_dir() else {
        println!("helm values: no corpus at ../shared/corpus, 0 charts checked");
        return;
    };
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut problems: Vec<String> = Vec::new();
    let mut as_written: Vec<String> = Vec::new();
    let (mut templates_read, mut seeded_policies, mut policy_findings) = (0, 0, 0);
    let (mut tag_charts, mut tag_findings) = (0, 0);
    let charts = charts(&corpus);
    for chart in &charts {
        let files = files_under(chart);
        templates_read += chart_templates(chart, files.iter().map(PathBuf::as_path)).len();
        let values_path = chart.join("values.yaml");
        let Ok(values) = std::fs::read_to_string(&values_path) else {
            continue;
        };
        let disk = Overlay {
            files: HashMap::new(),
        };
        let name = chart.strip_prefix(&corpus).unwrap_or(chart).display();

        // As written.
        match lint(chart, &files, &disk) {
            Ok(found) => {
                for finding in found {
                    if values.get(finding.range.clone()).is_none() {
                        problems.push(format!("{name}: range {:?} outside", finding.range));
                        continue;
                    }
                    as_written.push(format!(
                        "{name}/values.yaml:{}: {}: {}",
                        line_of(&values, finding.range.start),
                        finding.rule,
                        finding.message
                    ));
                }
            }
            Err(problem) => problems.push(problem),
        }

        // Seeded: lowercased pull policies, fixed back by the safe fix.
        let (seeded, changed) = lowercase_policies(&values);
        if changed > 0 {
            seeded_policies += changed;
            let source = Overlay {
                files: HashMap::from([(values_path.clone(), seeded.clone())]),
            };
            match lint(chart, &files, &source) {
                Ok(found) => {
                    let found: Vec<Finding> = found
                        .into_iter()
                        .filter(|f| f.rule == HELM_VALUES_PULL_POLICY)
                        .collect();
                    policy_findings += found.len();
                    for finding in found.iter().take(1) {
                        println!(
                            "helm values: seeded {name}/values.yaml:{}: {} [{} container(s)]",
                            line_of(&seeded, finding.range.start),
                            finding.message,
                            finding.related.len()
                        );
                    }
                    for finding in &found {
                        let written = &seeded[finding.range.clone()];
                        let is_lowercase = written
                            .trim_matches(['"', '\''])
                            .chars()
                            .all(|c| c.is_ascii_lowercase());
                        if !is_lowercase || finding.fixes.len() != 1 || !finding.fixes[0].safe {
                            problems.push(format!("{name}: unexpected {finding:?}"));
                        }
                    }
                    let edits = all_edits(&found);
                    let fixed = apply_edits(&seeded, &edits);
                    let refixed = Overlay {
                        files: HashMap::from([(values_path.clone(), fixed.clone())]),
                    };
                    let left = lint(chart, &files, &refixed).unwrap_or_default();
                    if left.iter().any(|f| f.rule == HELM_VALUES_PULL_POLICY) {
                        problems.push(format!("{name}: pull policy findings left after the fix"));
                    }
                    // Only the seeded values that a template renders were put back.
                    let reverted = fixed.lines().zip(values.lines()).filter(|(a, b)| a != b);
                    if found.len() == changed && fixed != values {
                        problems.push(format!(
                            "{name}: the fix did not give back the original: {:?}",
                            reverted.take(3).collect::<Vec<_>>()
                        ));
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }

        // Seeded: templates without the appVersion fallback.
        let mut without_fallback = HashMap::new();
        for template in chart_templates(chart, files.iter().map(PathBuf::as_path)) {
            let Ok(text) = std::fs::read_to_string(&template) else {
                continue;
            };
            if text.contains("| default .Chart.AppVersion") {
                without_fallback.insert(template, text.replace(" | default .Chart.AppVersion", ""));
            }
        }
        if without_fallback.is_empty() {
            continue;
        }
        tag_charts += 1;
        let source = Overlay {
            files: without_fallback.clone(),
        };
        match lint(chart, &files, &source) {
            Ok(found) => {
                let found: Vec<Finding> = found
                    .into_iter()
                    .filter(|f| f.rule == HELM_VALUES_EMPTY_TAG)
                    .collect();
                tag_findings += found.len();
                for finding in &found {
                    println!(
                        "helm values: seeded {name}/values.yaml:{}: {}",
                        line_of(&values, finding.range.start),
                        finding.message
                    );
                }
                let edits = all_edits(&found);
                let mut files_fixed = without_fallback;
                files_fixed.insert(values_path.clone(), apply_edits(&values, &edits));
                let left = lint(chart, &files, &Overlay { files: files_fixed }).unwrap_or_default();
                let fixable = found.iter().filter(|f| !f.fixes.is_empty()).count();
                let still = left
                    .iter()
                    .filter(|f| f.rule == HELM_VALUES_EMPTY_TAG)
                    .count();
                if still != found.len() - fixable {
                    problems.push(format!(
                        "{name}: {still} empty-tag findings left after the fixes"
                    ));
                }
            }
            Err(problem) => problems.push(problem),
        }
    }
    panic::set_hook(default_hook);

    println!(
        "helm values: {} charts, {templates_read} templates; as written: {} findings",
        charts.len(),
        as_written.len()
    );
    for finding in &as_written {
        println!("    {finding}");
    }
    println!(
        "helm values: seeded {seeded_policies} lowercased pull policies → {policy_findings} \
         findings (values no rendered container uses are not reported)"
    );
    println!(
        "helm values: {tag_charts} charts without the appVersion fallback → {tag_findings} \
         empty-tag findings"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The charts as written render valid policies and tags.
    assert!(as_written.is_empty(), "{}", as_written.join("\n"));
    // The lint sees through the real templates: seeded mistakes are found.
    assert!(charts.len() > 100, "{} charts", charts.len());
    assert!(policy_findings > 0 && tag_findings > 0);
}
