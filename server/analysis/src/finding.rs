//! What the analysis reports.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::TextRange;

/// How serious a finding is. `Off` disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [
            Severity::Off,
            Severity::Hint,
            Severity::Info,
            Severity::Warning,
            Severity::Error,
        ]
        .into_iter()
        .find(|severity| severity.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replace `range` with `new_text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub new_text: String,
}

/// A fix: edits that are applied together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// Keeps what the cluster does (or repairs what it would reject), so it
    /// can be applied without review (`check --fix`, fix-all).
    pub safe: bool,
}

/// The container a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLabel {
    pub name: Option<String>,
    /// Path from the object root, e.g. `spec.template.spec.containers[0]`.
    pub path: String,
    /// `Deployment/web`.
    pub object: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub range: TextRange,
    pub container: Option<ContainerLabel>,
    pub fixes: Vec<Fix>,
}

/// Applies non-overlapping edits to `text`. Overlapping edits (two fixes
/// for the same spot) keep the first and drop the rest.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len() + 64 * sorted.len());
    let mut cursor = 0;
    for edit in sorted {
        if edit.range.start < cursor || edit.range.end > text.len() {
            continue;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.new_text);
        cursor = edit.range.end;
    }
    out.push_str(&text[cursor..]);
    out
}
