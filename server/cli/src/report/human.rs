//! The default report: `path:line:col: severity[rule] message`, a code frame
//! and the fix, then a summary.

use std::fmt::Write as _;
use std::io::{self, Write};

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

pub fn write(outcome: &Outcome, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { color };
    for file in &outcome.skipped {
        let path = super::display_path(&file.path);
        writeln!(out, "{path}: note: {}", file.reason)?;
    }
    for file in &outcome.files {
        for finding in &file.analysis.findings {
            finding_block(out, outcome, file, finding, &style)?;
        }
    }
    summary(out, outcome, &style)
}

fn finding_block(
    out: &mut dyn Write,
    outcome: &Outcome,
    file: &FileResult,
    finding: &Finding,
    style: &Style,
) -> io::Result<()> {
    let start = file.position(finding.range.start);
    let end = file.position(finding.range.end);
    writeln!(
        out,
        "{}:{}:{}: {}[{}] {}",
        style.paint("1", &file.display_path()),
        start.line,
        start.column,
        style.severity(finding.severity),
        finding.rule,
        finding.message
    )?;
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
    writeln!(out, "{gutter} |")?;
    writeln!(out, "{number} | {line_text}")?;
    writeln!(
        out,
        "{gutter} | {}{}",
        " ".repeat(start.column - 1),
        style.paint("1;31", &"^".repeat(width))
    )?;
    for related in outcome.related(file, finding) {
        writeln!(
            out,
            "{gutter} = note: {}:{}:{}: {}",
            related.file.display_path(),
            related.start.line,
            related.start.column,
            related.message
        )?;
    }
    if let Some(fix) = finding.safe_fix() {
        writeln!(out, "{gutter} = fix: {} (run with --fix)", fix.title)?;
    } else if let Some(fix) = finding.fixes.first() {
        writeln!(out, "{gutter} = suggestion: {}", fix.title)?;
    }
    writeln!(out)
}

fn summary(out: &mut dyn Write, outcome: &Outcome, style: &Style) -> io::Result<()> {
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
        writeln!(out, "Fixed {fixed} problem(s) in {fixed_files} file(s).")?;
    }
    let mut checked = format!("{} Kubernetes file(s) checked", outcome.files.len());
    if !outcome.skipped.is_empty() {
        let skipped = outcome.skipped.len();
        let _ = write!(checked, ", {skipped} skipped for their size");
    }
    let _ = write!(checked, ", {} YAML file(s) seen", outcome.yaml_files);
    if !parts.is_empty() {
        writeln!(
            out,
            "Found {} in {with_findings} file(s); {checked}.",
            parts.join(", ")
        )?;
    } else if outcome.errors.is_empty() && outcome.skipped.is_empty() {
        writeln!(out, "{} {checked}.", style.paint("1;32", "No problems:"))?;
    } else {
        writeln!(out, "No findings: {checked}.")?;
    }
    // A run that could not look at everything never ends on a clean summary.
    let failure = match (outcome.not_checked, outcome.errors.len()) {
        (0, 0) => return Ok(()),
        (0, errors) => format!("{errors} error(s) (on stderr)."),
        (files, _) => format!("{files} file(s) could not be checked (reasons on stderr)."),
    };
    writeln!(out, "{} {failure}", style.paint("1;31", "error:"))?;
    Ok(())
}
