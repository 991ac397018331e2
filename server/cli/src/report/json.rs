//! `--format json`: one object with every finding; lines and columns are
//! 1-based, columns count characters.

use serde_json::{json, Value};

use crate::check::Outcome;

pub fn render(outcome: &Outcome) -> String {
    let mut findings = Vec::new();
    for file in &outcome.files {
        for finding in &file.analysis.findings {
            let start = file.position(finding.range.start);
            let end = file.position(finding.range.end);
            let fixes: Vec<Value> = finding
                .fixes
                .iter()
                .map(|fix| {
                    let edits: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|edit| {
                            let from = file.position(edit.range.start);
                            let to = file.position(edit.range.end);
                            json!({
                                "range": {
                                    "start": {"line": from.line, "column": from.column},
                                    "end": {"line": to.line, "column": to.column},
                                },
                                "newText": edit.new_text,
                            })
                        })
                        .collect();
                    json!({"title": fix.title, "safe": fix.safe, "edits": edits})
                })
                .collect();
            let related: Vec<Value> = outcome
                .related(file, finding)
                .iter()
                .map(|spot| {
                    json!({
                        "path": spot.file.display_path(),
                        "range": {
                            "start": {"line": spot.start.line, "column": spot.start.column},
                            "end": {"line": spot.end.line, "column": spot.end.column},
                        },
                        "message": spot.message,
                    })
                })
                .collect();
            findings.push(json!({
                "path": file.display_path(),
                "rule": finding.rule,
                "severity": finding.severity.as_str(),
                "message": finding.message,
                "range": {
                    "start": {"line": start.line, "column": start.column},
                    "end": {"line": end.line, "column": end.column},
                },
                "container": finding.container.as_ref().and_then(|c| c.name.clone()),
                "containerPath": finding.container.as_ref().map(|c| c.path.clone()),
                "object": finding.container.as_ref().map(|c| c.object.clone()),
                "fixes": fixes,
                "related": related,
            }));
        }
    }
    let skipped: Vec<Value> = outcome
        .files
        .iter()
        .filter_map(|file| {
            let reason = file.analysis.skipped.as_ref()?;
            Some(json!({"path": file.display_path(), "reason": reason}))
        })
        .collect();
    let errors: Vec<Value> = outcome
        .errors
        .iter()
        .map(|error| json!({"path": error.path.to_string_lossy(), "message": error.message}))
        .collect();
    let report = json!({
        "findings": findings,
        "skipped": skipped,
        "errors": errors,
        "filesChecked": outcome.files.len(),
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
