//! Reports: findings mapped to the output formats of `check`.

mod github;
mod human;
mod json;
mod sarif;

use gitops_ls_analysis::text::ColumnUnit;

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
