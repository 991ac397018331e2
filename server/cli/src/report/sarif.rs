//! `--format sarif`: SARIF 2.1.0 with rule metadata, precise regions and fixes. Results
//! are serialized as they are written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::json;

use gitops_ls_analysis::rules::RULES;
use gitops_ls_analysis::{Finding, Severity};

use super::{write_json, Streamed};
use crate::check::{FileResult, Outcome};

/// The base of relative artifact URIs: the folder `check` ran in.
const SRCROOT: &str = "%SRCROOT%";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
        Severity::Off => "none",
    }
}

/// Percent-encodes a path for a URI: everything but unreserved characters and `/` (and
/// `:` where a colon cannot be taken for a scheme).
fn encode_path(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            b':' if keep_colon => out.push(':'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A `file://` URI for an absolute path.
fn file_uri(absolute: &Path) -> String {
    let path = absolute.to_string_lossy().replace('\\', "/");
    // Windows paths (`C:/…`) need the slash that starts a URI path.
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("file://{slash}{}", encode_path(&path, true))
}

/// SARIF `artifactLocation`: relative to `%SRCROOT%` below the base folder, else an
/// absolute `file://` URI.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

struct Uris {
    /// The current folder, absolute and normalized.
    base: Option<PathBuf>,
}

impl Uris {
    fn location(&self, path: &Path) -> ArtifactLocation {
        let Some(base) = &self.base else {
            let relative = super::display_path(path);
            return ArtifactLocation {
                uri: encode_path(&relative, false),
                uri_base_id: None,
            };
        };
        let absolute = gitops_ls_analysis::gitops::workspace::normalize(&base.join(path));
        match absolute.strip_prefix(base) {
            Ok(relative) if relative != Path::new("") => ArtifactLocation {
                uri: encode_path(&super::display_path(relative), false),
                uri_base_id: Some(SRCROOT),
            },
            _ => ArtifactLocation {
                uri: file_uri(&absolute),
                uri_base_id: None,
            },
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    /// Left out for a point (where a configuration error is).
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

impl Region {
    fn of(file: &FileResult, range: &std::ops::Range<usize>) -> Region {
        let start = file.position(range.start);
        let end = file.position(range.end);
        Region {
            start_line: start.line,
            start_column: start.column,
            end_line: Some(end.line),
            end_column: Some(end.column),
        }
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerProperties<'a> {
    container: Option<&'a str>,
    container_path: &'a str,
    object: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ContainerProperties<'a>>,
}

impl<'a> SarifResult<'a> {
    fn new(
        uris: &Uris,
        outcome: &'a Outcome,
        file: &'a FileResult,
        finding: &'a Finding,
    ) -> SarifResult<'a> {
        let fixes = finding.fixes.iter().map(|fix| SarifFix {
            description: Text { text: &fix.title },
            artifact_changes: [ArtifactChange {
                artifact_location: uris.location(&file.path),
                replacements: fix
                    .edits
                    .iter()
                    .map(|edit| Replacement {
                        deleted_region: Region::of(file, &edit.range),
                        inserted_content: Text {
                            text: &edit.new_text,
                        },
                    })
                    .collect(),
            }],
        });
        let related = outcome.related(file, finding).into_iter().enumerate();
        let related = related.map(|(id, spot)| Location {
            id: Some(id),
            message: Some(Text { text: spot.message }),
            physical_location: PhysicalLocation {
                artifact_location: uris.location(&spot.file.path),
                region: Some(Region::of(spot.file, &spot.range)),
            },
        });
        SarifResult {
            rule_id: finding.rule,
            rule_index: RULES.iter().position(|rule| rule.meta.id == finding.rule),
            level: level(finding.severity),
            message: Text {
                text: &finding.message,
            },
            locations: [Location {
                id: None,
                message: None,
                physical_location: PhysicalLocation {
                    artifact_location: uris.location(&file.path),
                    region: Some(Region::of(file, &finding.range)),
                },
            }],
            related_locations: related.collect(),
            fixes: fixes.collect(),
            properties: finding
                .container
                .as_ref()
                .map(|container| ContainerProperties {
                    container: container.name.as_deref(),
                    container_path: &container.path,
                    object: &container.object,
                }),
        }
    }
}

/// What stopped files from being checked, and the files skipped for their size.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
}

fn notification<'a>(
    uris: &Uris,
    level: &'static str,
    path: &Path,
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
) -> Notification<'a> {
    Notification {
        level,
        message: Text { text: message },
        locations: [Location {
            id: None,
            message: None,
            physical_location: PhysicalLocation {
                artifact_location: uris.location(path),
                region: line.map(|line| Region {
                    start_line: line,
                    start_column: column.unwrap_or(1),
                    end_line: None,
                    end_column: None,
                }),
            },
        }],
    }
}

struct Run<'a> {
    outcome: &'a Outcome,
    uris: Uris,
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (outcome, uris) = (self.outcome, &self.uris);
        let rules: Vec<_> = RULES
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
        let tool = json!({"driver": {
            "name": "gitops-ls",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }});
        let errors = outcome.errors.iter().map(|error| {
            notification(
                uris,
                "error",
                &error.path,
                error.line,
                error.column,
                &error.message,
            )
        });
        let skipped = outcome
            .skipped
            .iter()
            .map(|file| notification(uris, "warning", &file.path, None, None, &file.reason));
        let notifications: Vec<Notification> = errors.chain(skipped).collect();
        let invocation = json!({
            "executionSuccessful": outcome.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        });
        let results = Streamed(|| {
            outcome.files.iter().flat_map(move |file| {
                let findings = file.analysis.findings.iter();
                findings.map(move |finding| SarifResult::new(uris, outcome, file, finding))
            })
        });
        let mut run = serializer.serialize_struct("Run", 5)?;
        run.serialize_field("tool", &tool)?;
        run.serialize_field("invocations", &[invocation])?;
        if let Some(base) = &uris.base {
            // A folder URI ends with a slash, so relative URIs resolve inside it.
            let mut uri = file_uri(base);
            if !uri.ends_with('/') {
                uri.push('/');
            }
            let bases = json!({ SRCROOT: {"uri": uri} });
            run.serialize_field("originalUriBaseIds", &bases)?;
        }
        run.serialize_field("columnKind", "unicodeCodePoints")?;
        run.serialize_field("results", &results)?;
        run.end()
    }
}

pub fn write(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let base = std::env::current_dir()
        .ok()
        .map(|dir| gitops_ls_analysis::gitops::workspace::normalize(&dir));
    let run = Run {
        outcome,
        uris: Uris { base },
    };
    write_json(&Log { runs: [run] }, out)
}

struct Log<'a> {
    runs: [Run<'a>; 1],
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut log = serializer.serialize_struct("Log", 3)?;
        log.serialize_field("$schema", "https://json.schemastore.org/sarif-2.1.0.json")?;
        log.serialize_field("version", "2.1.0")?;
        log.serialize_field("runs", &self.runs)?;
        log.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_base_or_absolute_file_uris() {
        let uris = Uris {
            base: Some(PathBuf::from("/repo")),
        };
        let inside = uris.location(Path::new("./k8s/my app/déploy.yaml"));
        assert_eq!(inside.uri, "k8s/my%20app/d%C3%A9ploy.yaml");
        assert_eq!(inside.uri_base_id, Some(SRCROOT));
        let outside = uris.location(Path::new("../other/x:y.yaml"));
        assert_eq!(outside.uri, "file:///other/x:y.yaml");
        assert_eq!(outside.uri_base_id, None);
        let absolute = uris.location(Path::new("/etc/k8s/a b.yaml"));
        assert_eq!(absolute.uri, "file:///etc/k8s/a%20b.yaml");
    }
}
