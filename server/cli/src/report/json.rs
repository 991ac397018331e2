//! `--format json`: one object with every finding; lines and columns are
//! 1-based, columns count characters. Findings are serialized as they are written.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use gitops_ls_analysis::Finding;

use super::{display_path, write_json, Position, Streamed};
use crate::check::{FileResult, Outcome};

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

impl Range {
    fn of(file: &FileResult, range: &std::ops::Range<usize>) -> Range {
        Range {
            start: file.position(range.start),
            end: file.position(range.end),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    path: Cow<'a, str>,
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    range: Range,
    container: Option<&'a str>,
    container_path: Option<&'a str>,
    object: Option<&'a str>,
    fixes: Vec<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    safe: bool,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEdit<'a> {
    range: Range,
    new_text: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: Cow<'a, str>,
    range: Range,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: Cow<'a, str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: &'a str,
}

impl<'a> JsonFinding<'a> {
    fn new(outcome: &'a Outcome, file: &'a FileResult, finding: &'a Finding) -> JsonFinding<'a> {
        let container = finding.container.as_ref();
        let fixes = finding.fixes.iter().map(|fix| JsonFix {
            title: &fix.title,
            safe: fix.safe,
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    range: Range::of(file, &edit.range),
                    new_text: &edit.new_text,
                })
                .collect(),
        });
        let related = outcome
            .related(file, finding)
            .into_iter()
            .map(|spot| JsonRelated {
                path: spot.file.display_path(),
                range: Range {
                    start: spot.start,
                    end: spot.end,
                },
                message: spot.message,
            });
        JsonFinding {
            path: file.display_path(),
            rule: finding.rule,
            severity: finding.severity.as_str(),
            message: &finding.message,
            range: Range::of(file, &finding.range),
            container: container.and_then(|c| c.name.as_deref()),
            container_path: container.map(|c| c.path.as_str()),
            object: container.map(|c| c.object.as_str()),
            fixes: fixes.collect(),
            related: related.collect(),
        }
    }
}

struct Report<'a>(&'a Outcome);

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let outcome = self.0;
        let findings = Streamed(|| {
            outcome.files.iter().flat_map(move |file| {
                let findings = file.analysis.findings.iter();
                findings.map(move |finding| JsonFinding::new(outcome, file, finding))
            })
        });
        let skipped = Streamed(|| {
            outcome.skipped.iter().map(|file| JsonSkipped {
                path: display_path(&file.path),
                reason: &file.reason,
            })
        });
        let errors = Streamed(|| {
            outcome.errors.iter().map(|error| JsonError {
                path: display_path(&error.path),
                line: error.line,
                column: error.column,
                message: &error.message,
            })
        });
        let mut report = serializer.serialize_struct("Report", 5)?;
        report.serialize_field("findings", &findings)?;
        report.serialize_field("skipped", &skipped)?;
        report.serialize_field("errors", &errors)?;
        report.serialize_field("filesChecked", &outcome.files.len())?;
        report.serialize_field("filesNotChecked", &outcome.not_checked)?;
        report.end()
    }
}

pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    write_json(&Report(outcome), out)
}
