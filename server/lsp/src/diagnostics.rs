//! Findings → `Diagnostic`s.

use gitops_ls_analysis::text::LineIndex;
use gitops_ls_analysis::{Finding, Severity};
use tower_lsp::lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Url,
};

use crate::encoding::{PositionConverter, PositionEncoding};

pub const SOURCE: &str = "gitops-ls";

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint | Severity::Off => DiagnosticSeverity::HINT,
    }
}

/// The link to a rule's documentation: `docs_url` with `{rule}` replaced by
/// the rule id, or the rule id appended when there is no placeholder.
pub fn rule_docs(docs_url: Option<&str>, rule: &str) -> Option<Url> {
    let template = docs_url?;
    let url = if template.contains("{rule}") {
        template.replace("{rule}", rule)
    } else {
        format!("{template}{rule}")
    };
    Url::parse(&url).ok()
}

/// The diagnostics of one analysed text, positions local to that text. `uri` is the
/// document's, for related locations in the same text (other files' are left out).
pub fn chunk_diagnostics(
    text: &str,
    lines: &LineIndex,
    findings: &[Finding],
    encoding: PositionEncoding,
    docs_url: Option<&str>,
    uri: Option<&Url>,
) -> Vec<Diagnostic> {
    let mut converter = PositionConverter::new(text, lines, encoding);
    findings
        .iter()
        .map(|finding| {
            let range = lsp_range(&mut converter, &finding.range);
            let mut diagnostic = diagnostic(finding, range, docs_url);
            let related: Vec<DiagnosticRelatedInformation> = finding
                .related
                .iter()
                .filter(|related| related.file.is_none())
                .filter_map(|related| {
                    Some(DiagnosticRelatedInformation {
                        location: Location::new(
                            uri?.clone(),
                            lsp_range(&mut converter, &related.range),
                        ),
                        message: related.message.clone(),
                    })
                })
                .collect();
            if !related.is_empty() {
                diagnostic.related_information = Some(related);
            }
            diagnostic
        })
        .collect()
}

/// A byte range as an LSP range (an inverted range collapses to its start).
pub fn lsp_range(
    converter: &mut PositionConverter,
    range: &gitops_ls_analysis::text::TextRange,
) -> Range {
    let start = converter.position(range.start);
    let end = converter.position(range.end.max(range.start));
    Range::new(
        Position::new(start.line, start.col),
        Position::new(end.line, end.col),
    )
}

pub fn diagnostic(finding: &Finding, range: Range, docs_url: Option<&str>) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_owned())),
        code_description: rule_docs(docs_url, finding.rule).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message: finding.message.clone(),
        related_information: None,
        tags: None,
        data: None,
    }
}

/// A diagnostic that is not a finding (a notice, an internal error).
pub fn plain_diagnostic(range: Range, severity: DiagnosticSeverity, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        source: Some(SOURCE.to_owned()),
        message,
        ..Diagnostic::default()
    }
}
