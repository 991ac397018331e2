//! Reports: findings mapped to the output formats of `check`.

mod github;
mod human;
mod json;
mod sarif;

use gitops_ls_analysis::gitops::workspace::normalize;
use gitops_ls_analysis::text::ColumnUnit;
use gitops_ls_analysis::Finding;

use crate::check::{FileResult, Outcome};
use crate::Format;

pub fn render(format: Format, outcome: &Outcome, color: bool) -> String {
    match format {
        Format::Human => human::render(outcome, color),
        Format::Json => json::render(outcome),
        Format::Sarif => sarif::render(outcome),
        Format::Github => github::render(outcome),
    }
}

/// A 1-based line and column, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl FileResult {
    pub fn position(&self, offset: usize) -> Position {
        let pos = self
            .analysis
            .lines
            .position(&self.text, offset, ColumnUnit::Chars);
        Position {
            line: pos.line as usize + 1,
            column: pos.col as usize + 1,
        }
    }

    /// The path as the user wrote it, with `/` separators.
    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }
}

/// A related location of a finding, resolved to a checked file.
pub struct RelatedSpot<'a> {
    pub file: &'a FileResult,
    pub range: std::ops::Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: &'a str,
}

impl Outcome {
    /// The related locations of `finding` (reported in `file`) that point into files of
    /// this run; positions need the other file's text.
    pub fn related<'a>(
        &'a self,
        file: &'a FileResult,
        finding: &'a Finding,
    ) -> Vec<RelatedSpot<'a>> {
        finding
            .related
            .iter()
            .filter_map(|related| {
                let target = match &related.file {
                    None => file,
                    Some(path) => self
                        .files
                        .iter()
                        .find(|candidate| normalize(&candidate.path) == *path)?,
                };
                target.text.get(related.range.clone())?;
                Some(RelatedSpot {
                    file: target,
                    range: related.range.clone(),
                    start: target.position(related.range.start),
                    end: target.position(related.range.end),
                    message: &related.message,
                })
            })
            .collect()
    }
}
