//! `--format sarif`: SARIF 2.1.0 with rule metadata, precise regions and fixes.

use serde_json::{json, Value};

use gitops_ls_analysis::rules::RULES;
use gitops_ls_analysis::Severity;

use crate::check::{FileResult, Outcome};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
        Severity::Off => "none",
    }
}

/// A relative URI reference for a path (SARIF artifactLocation.uri).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.trim_start_matches("./").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn region(file: &FileResult, range: &std::ops::Range<usize>) -> Value {
    let start = file.position(range.start);
    let end = file.position(range.end);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

pub fn render(outcome: &Outcome) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            let meta = &rule.meta;
            json!({
                "id": meta.id,
                "name": meta.id,
                "shortDescription": {"text": meta.summary},
                "fullDescription": {"text": meta.rationale},
                "help": {"text": format!("{} Run `gitops-ls explain {}` for details.", meta.rationale, meta.id)},
                "defaultConfiguration": {"level": level(meta.default_severity), "enabled": meta.default_severity != Severity::Off},
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in &outcome.files {
        let location = uri(&file.display_path());
        for finding in &file.analysis.findings {
            let rule_index = RULES.iter().position(|rule| rule.meta.id == finding.rule);
            let fixes: Vec<Value> = finding
                .fixes
                .iter()
                .map(|fix| {
                    let replacements: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|edit| {
                            json!({
                                "deletedRegion": region(file, &edit.range),
                                "insertedContent": {"text": edit.new_text},
                            })
                        })
                        .collect();
                    json!({
                        "description": {"text": fix.title},
                        "artifactChanges": [{
                            "artifactLocation": {"uri": location},
                            "replacements": replacements,
                        }],
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.severity),
                "message": {"text": finding.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": location},
                        "region": region(file, &finding.range),
                    }
                }],
            });
            if let Some(index) = rule_index {
                result["ruleIndex"] = json!(index);
            }
            let related: Vec<Value> = outcome
                .related(file, finding)
                .iter()
                .enumerate()
                .map(|(id, spot)| {
                    json!({
                        "id": id,
                        "message": {"text": spot.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(&spot.file.display_path())},
                            "region": region(spot.file, &spot.range),
                        },
                    })
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            if !fixes.is_empty() {
                result["fixes"] = json!(fixes);
            }
            if let Some(container) = &finding.container {
                result["properties"] = json!({
                    "container": container.name,
                    "containerPath": container.path,
                    "object": container.object,
                });
            }
            results.push(result);
        }
    }
    let report = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gitops-ls",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(uri("./k8s/my app.yaml"), "k8s/my%20app.yaml");
    }
}
