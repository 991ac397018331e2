//! What the analysis reports.

use std::fmt;
use std::path::PathBuf;

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

/// Another place a finding points at: where a duplicated key was first set, the base
/// container an overlay entry rewrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedLocation {
    /// `None`: the file of the finding.
    pub file: Option<PathBuf>,
    pub range: TextRange,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub range: TextRange,
    pub container: Option<ContainerLabel>,
    pub fixes: Vec<Fix>,
    pub related: Vec<RelatedLocation>,
}

impl Finding {
    /// The fix `check --fix` and fix-all apply: the first one marked safe.
    pub fn safe_fix(&self) -> Option<&Fix> {
        self.fixes.iter().find(|fix| fix.safe)
    }
}

/// Applies non-overlapping edits to `text`. Overlapping edits (two fixes
/// for the same spot) keep the first and drop the rest; two insertions at
/// the same offset overlap too (a container reused through an alias gets
/// the same fix twice, and inserting it twice would duplicate the key).
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len() + 64 * sorted.len());
    let mut cursor = 0;
    let mut last_insertion = None;
    for edit in sorted {
        let is_insertion = edit.range.is_empty();
        let same_spot = is_insertion && last_insertion == Some(edit.range.start);
        if edit.range.start < cursor || edit.range.end > text.len() || same_spot {
            continue;
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.new_text);
        cursor = edit.range.end;
        if is_insertion {
            last_insertion = Some(edit.range.start);
        }
    }
    out.push_str(&text[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(range: TextRange, new_text: &str) -> Edit {
        Edit {
            range,
            new_text: new_text.to_owned(),
        }
    }

    #[test]
    fn applies_edits_in_offset_order() {
        let edits = [edit(4..5, "X"), edit(0..1, "A"), edit(2..2, "+")];
        assert_eq!(apply_edits("abcdef", &edits), "Ab+cdXf");
    }

    #[test]
    fn overlapping_edits_keep_the_first() {
        let edits = [edit(1..3, "X"), edit(2..4, "Y")];
        assert_eq!(apply_edits("abcdef", &edits), "aXdef");
        // The same insertion twice (an aliased container) is applied once.
        let twice = [edit(3..3, "\n  p: 1"), edit(3..3, "\n  p: 1")];
        assert_eq!(apply_edits("a:1\nb:2", &twice), "a:1\n  p: 1\nb:2");
        // An insertion right after a replacement is not an overlap.
        let adjacent = [edit(0..1, "X"), edit(1..1, "+")];
        assert_eq!(apply_edits("ab", &adjacent), "X+b");
    }
}
