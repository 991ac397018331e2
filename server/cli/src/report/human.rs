//! The default report: `path:line:col: severity[rule] message`, a code frame
//! and the fix, then a summary.

use std::fmt::Write;

use gitops_ls_analysis::{Finding, Severity};

use crate::check::{FileResult, Outcome};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;34",
            Severity::Hint | Severity::Off => "1;36",
        };
        self.paint(code, severity.as_str())
    }
}

pub fn render(outcome: &Outcome, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for file in &outcome.files {
        if let Some(reason) = &file.analysis.skipped {
            let _ = writeln!(out, "{}: note: {reason}", file.display_path());
        }
        for finding in &file.analysis.findings {
            finding_block(&mut out, outcome, file, finding, &style);
        }
    }
    summary(&mut out, outcome, &style);
    out
}

fn finding_block(
    out: &mut String,
    outcome: &Outcome,
    file: &FileResult,
    finding: &Finding,
    style: &Style,
) {
    let start = file.position(finding.range.start);
    let end = file.position(finding.range.end);
    let _ = writeln!(
        out,
        "{}:{}:{}: {}[{}] {}",
        style.paint("1", &file.display_path()),
        start.line,
        start.column,
        style.severity(finding.severity),
        finding.rule,
        finding.message
    );
    let line_index = start.line - 1;
    let line_range = file.analysis.lines.line_range(&file.text, line_index);
    let line_text = file.text[line_range].replace('\t', " ");
    let number = start.line.to_string();
    let gutter = " ".repeat(number.len());
    let width = if end.line == start.line {
        end.column.saturating_sub(start.column).max(1)
    } else {
        line_text
            .chars()
            .count()
            .saturating_sub(start.column - 1)
            .max(1)
    };
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{number} | {line_text}");
    let _ = writeln!(
        out,
        "{gutter} | {}{}",
        " ".repeat(start.column - 1),
        style.paint("1;31", &"^".repeat(width))
    );
    for related in outcome.related(file, finding) {
        let _ = writeln!(
            out,
            "{gutter} = note: {}:{}:{}: {}",
            related.file.display_path(),
            related.start.line,
            related.start.column,
            related.message
        );
    }
    if let Some(fix) = finding.fixes.iter().find(|fix| fix.safe) {
        let _ = writeln!(out, "{gutter} = fix: {} (run with --fix)", fix.title);
    } else if let Some(fix) = finding.fixes.first() {
        let _ = writeln!(out, "{gutter} = suggestion: {}", fix.title);
    }
    out.push('\n');
}

fn summary(out: &mut String, outcome: &Outcome, style: &Style) {
    let findings = outcome
        .files
        .iter()
        .flat_map(|file| &file.analysis.findings);
    let count = |severity| findings.clone().filter(|f| f.severity == severity).count();
    let counts = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Info), "info", "info"),
        (count(Severity::Hint), "hint", "hints"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    let with_findings = outcome
        .files
        .iter()
        .filter(|file| !file.analysis.findings.is_empty())
        .count();
    let fixed: usize = outcome.files.iter().map(|file| file.fixes_applied).sum();
    if fixed > 0 {
        let fixed_files = outcome.files.iter().filter(|f| f.fixes_applied > 0).count();
        let _ = writeln!(out, "Fixed {fixed} problem(s) in {fixed_files} file(s).");
    }
    let checked = format!(
        "{} Kubernetes file(s) checked, {} YAML file(s) seen",
        outcome.files.len(),
        outcome.yaml_files
    );
    if parts.is_empty() {
        let _ = writeln!(out, "{} {checked}.", style.paint("1;32", "No problems:"));
    } else {
        let _ = writeln!(
            out,
            "Found {} in {with_findings} file(s); {checked}.",
            parts.join(", ")
        );
    }
}
